/* sw-replay.h — plays a saved trace back as if it ran now
 *
 * The position ("now" of the replay) moves with real time × speed while
 * playing, steps from one event to the next, or is set (the scrubber).
 * Times are ns on the timeline's axis (0 = the trace origin).
 */
#pragma once

#include <gtk/gtk.h>

#include "sw-timeline-model.h"

G_BEGIN_DECLS

#define SW_TYPE_REPLAY (sw_replay_get_type ())
G_DECLARE_FINAL_TYPE (SwReplay, sw_replay, SW, REPLAY, GObject)

SwReplay        *sw_replay_new                 (SwTrace   *trace) G_GNUC_WARN_UNUSED_RESULT;
SwTrace         *sw_replay_get_trace           (SwReplay  *self);
SwTimelineModel *sw_replay_get_model           (SwReplay  *self);
gint64           sw_replay_get_begin_ns        (SwReplay  *self);
gint64           sw_replay_get_end_ns          (SwReplay  *self);
gint64           sw_replay_get_position        (SwReplay  *self);
void             sw_replay_set_position        (SwReplay  *self,
                                                gint64     position_ns);
gboolean         sw_replay_get_playing         (SwReplay  *self);
void             sw_replay_set_playing         (SwReplay  *self,
                                                gboolean   playing);
double           sw_replay_get_speed           (SwReplay  *self);
void             sw_replay_set_speed           (SwReplay  *self,
                                                double     speed);
void             sw_replay_advance             (SwReplay  *self,
                                                gint64     elapsed_ns);
gboolean         sw_replay_step                (SwReplay  *self,
                                                int        direction);
const SwEvent   *sw_replay_get_event_at_position (SwReplay *self);
guint            sw_replay_get_n_rebuilds      (SwReplay  *self);
void             sw_replay_set_clock_widget    (SwReplay  *self,
                                                GtkWidget *widget);

const double    *sw_replay_get_speeds          (guint     *n_speeds);

G_END_DECLS
