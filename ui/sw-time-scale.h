/* sw-time-scale.h — time ↔ pixel mapping of the timeline
 *
 * Pure arithmetic, no GTK, so it is unit-tested without a display.  Times
 * are nanoseconds on the timeline's own axis (0 = the trace origin).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Zooming stops here: below a nanosecond per 100 px nothing more can be
 * seen, above ~3 hours per pixel nothing useful either. */
#define SW_TIME_SCALE_MIN_NS_PER_PX 0.01
#define SW_TIME_SCALE_MAX_NS_PER_PX 1.0e13

typedef struct {
  gint64 start_ns;   /* time at x = 0 */
  double ns_per_px;  /* > 0 */
} SwTimeScale;

void    sw_time_scale_init           (SwTimeScale       *scale,
                                      gint64             start_ns,
                                      double             ns_per_px);
double  sw_time_scale_ns_to_px       (const SwTimeScale *scale,
                                      gint64             time_ns);
gint64  sw_time_scale_px_to_ns       (const SwTimeScale *scale,
                                      double             x);
void    sw_time_scale_fit            (SwTimeScale       *scale,
                                      gint64             begin_ns,
                                      gint64             end_ns,
                                      double             width_px);
void    sw_time_scale_zoom           (SwTimeScale       *scale,
                                      double             anchor_x,
                                      double             factor);
void    sw_time_scale_pan            (SwTimeScale       *scale,
                                      double             dx_px);
gint64  sw_time_scale_tick_interval  (const SwTimeScale *scale,
                                      double             min_px);
gint64  sw_time_scale_first_tick     (const SwTimeScale *scale,
                                      gint64             interval_ns);
char   *sw_time_scale_format_tick    (gint64             time_ns,
                                      gint64             interval_ns) G_GNUC_WARN_UNUSED_RESULT;
char   *sw_time_scale_format_duration (gint64            duration_ns) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
