/* sw-timeline.h — the live timeline: one widget, drawn in snapshot */
#pragma once

#include <gtk/gtk.h>

#include "sw-time-scale.h"
#include "sw-timeline-model.h"
#include "sw-timeline-selection.h"

G_BEGIN_DECLS

/* What the last frame drew, for tests and the curious. */
typedef enum {
  SW_TIMELINE_DRAWN_QUEUE_ARROWS,     /* submit → start */
  SW_TIMELINE_DRAWN_CALLBACK_ARROWS,  /* task end → its done-callback elsewhere */
  SW_TIMELINE_DRAWN_FAILED,           /* failed bars and marks */
  SW_TIMELINE_DRAWN_CANCELLED,        /* cancelled bars and marks */
  SW_TIMELINE_DRAWN_RUNNING,          /* bars still growing */
  SW_TIMELINE_DRAWN_HUES,             /* distinct task hues */
  SW_TIMELINE_DRAWN_CTX_TICKS,        /* OS context-switch ticks */
  SW_TIMELINE_DRAWN_LOG_MARKS,        /* log-line flags */
  SW_TIMELINE_DRAWN_SUMMARY,          /* the summary plate (presentation) */
  SW_TIMELINE_DRAWN_CALLBACK_LABELS,  /* done-callback bars with their label */
  SW_TIMELINE_DRAWN_WAIT_LABELS,      /* blocking waits with their label */
  SW_TIMELINE_N_DRAWN
} SwTimelineDrawn;

#define SW_TIMELINE_MIN_UI_SCALE 1.0
#define SW_TIMELINE_MAX_UI_SCALE 3.0

#define SW_TYPE_TIMELINE (sw_timeline_get_type ())
G_DECLARE_FINAL_TYPE (SwTimeline, sw_timeline, SW, TIMELINE, GtkWidget)

GtkWidget         *sw_timeline_new              (void);
SwTimelineModel   *sw_timeline_get_model        (SwTimeline      *self);
void               sw_timeline_set_model        (SwTimeline      *self,
                                                 SwTimelineModel *model);
void               sw_timeline_swap_model       (SwTimeline      *self,
                                                 SwTimelineModel *model);
gboolean           sw_timeline_get_follow       (SwTimeline      *self);
void               sw_timeline_fit              (SwTimeline      *self);
void               sw_timeline_show_range       (SwTimeline      *self,
                                                 gint64           begin_ns,
                                                 gint64           end_ns);
void               sw_timeline_zoom             (SwTimeline      *self,
                                                 double           factor);
void               sw_timeline_reveal           (SwTimeline      *self,
                                                 guint32          lane_id,
                                                 gint64           time_ns);
const SwTimeScale *sw_timeline_get_scale        (SwTimeline      *self);
guint              sw_timeline_get_n_drawn_bars (SwTimeline      *self);
guint              sw_timeline_get_n_drawn_rows (SwTimeline      *self,
                                                 SwTimelineRowKind kind);
guint              sw_timeline_get_n_drawn      (SwTimeline      *self,
                                                 SwTimelineDrawn  what);

void               sw_timeline_set_follow       (SwTimeline      *self,
                                                 gboolean         follow);
gboolean           sw_timeline_select_at        (SwTimeline      *self,
                                                 double           x,
                                                 double           y);
void               sw_timeline_select_range     (SwTimeline      *self,
                                                 gint64           t0,
                                                 gint64           t1);
void               sw_timeline_clear_selection  (SwTimeline      *self);
void               sw_timeline_zoom_to_selection (SwTimeline     *self);
const SwTimelineHit        *sw_timeline_get_selection   (SwTimeline *self);
const SwTimelineChain      *sw_timeline_get_chain       (SwTimeline *self);
const SwTimelineRangeStats *sw_timeline_get_range_stats (SwTimeline *self);

void               sw_timeline_set_presentation   (SwTimeline      *self,
                                                   gboolean         presentation);
gboolean           sw_timeline_get_presentation   (SwTimeline      *self);
void               sw_timeline_set_ui_scale       (SwTimeline      *self,
                                                   double           scale);
double             sw_timeline_get_ui_scale       (SwTimeline      *self);
void               sw_timeline_set_summary        (SwTimeline      *self,
                                                   gint64           task_ns,
                                                   gint64           wall_ns);
double             sw_timeline_get_label_height   (SwTimeline      *self,
                                                   gboolean         small);
double             sw_timeline_get_min_line_width (SwTimeline      *self);
gboolean           sw_timeline_get_summary_rect   (SwTimeline      *self,
                                                   graphene_rect_t *rect);

G_END_DECLS
