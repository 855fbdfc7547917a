/* sw-timeline-selection.h — what a click or a dragged range picks out
 *
 * Pure computations over a SwTimelineModel, no drawing and no widget, so
 * they are unit-tested without a display: the mark under a point (a few
 * binary searches on one lane), a task's chain submit → start → end →
 * callbacks, and the statistics of a time range.  Times are ns on the
 * timeline's axis (0 = the trace origin).
 */
#pragma once

#include "sw-timeline-model.h"

G_BEGIN_DECLS

typedef enum {
  SW_TIMELINE_HIT_NONE,
  SW_TIMELINE_HIT_TASK,         /* a task bar */
  SW_TIMELINE_HIT_CALLBACK,     /* a done-callback */
  SW_TIMELINE_HIT_WAIT,         /* blocked in result() / shutdown(wait) / joinall */
  SW_TIMELINE_HIT_CO_RUNNING,   /* a coroutine held the thread */
  SW_TIMELINE_HIT_CO_WAITING,   /* a coroutine gave it up; span.reason says why */
  SW_TIMELINE_HIT_EVENT_LOOP,   /* a thread's own code between its coroutines */
} SwTimelineHitKind;

typedef struct {
  SwTimelineHitKind kind;
  guint32           lane;    /* lane id */
  guint             index;   /* in the lane's array of that kind */
  SwTimelineSpan    span;    /* a copy, as it was when hit */
} SwTimelineHit;

gboolean    sw_timeline_hit_test            (SwTimelineModel      *model,
                                             const SwTimelineLane *lane,
                                             gint64                t,
                                             gint64                tol_ns,
                                             SwTimelineHit        *hit);
gboolean    sw_timeline_hit_step            (SwTimelineModel      *model,
                                             const SwTimelineLane *lane,
                                             gint64                t,
                                             int                   direction,
                                             SwTimelineHit        *hit);
const char *sw_timeline_hit_kind_to_string  (SwTimelineHitKind     kind);

/* One done-callback of a chain. */
typedef struct {
  guint32 lane;
  gint64  start_ns;
  gint64  end_ns;     /* SW_TIMELINE_OPEN while it runs */
  guint32 state;      /* SwTimelineSpanState */
} SwTimelineChainCallback;

#define SW_TIMELINE_CHAIN_MAX_CALLBACKS 8

/* A task's life: submitted on one lane, run on another, its callbacks on
 * whichever lane ran them. */
typedef struct {
  guint64                 task;
  gboolean                has_submit;
  guint32                 submit_lane;
  gint64                  submit_ns;
  gboolean                has_run;
  guint32                 run_lane;
  SwTimelineSpan          run;
  guint                   n_callbacks;    /* stored, ≤ SW_TIMELINE_CHAIN_MAX_CALLBACKS */
  SwTimelineChainCallback callbacks[SW_TIMELINE_CHAIN_MAX_CALLBACKS];
} SwTimelineChain;

gboolean    sw_timeline_chain_lookup        (SwTimelineModel      *model,
                                             guint64               task,
                                             SwTimelineChain      *chain);
gboolean    sw_timeline_chain_get_extent    (const SwTimelineChain *chain,
                                             gint64                now,
                                             gint64               *begin_ns,
                                             gint64               *end_ns);

/* How long one lane spent inside bars within a range. */
typedef struct {
  guint32 lane;
  gint64  busy_ns;
} SwTimelineLaneBusy;

typedef struct {
  gint64  t0;
  gint64  t1;
  guint   n_tasks;     /* task bars overlapping [t0, t1] */
  gint64  total_ns;    /* their whole durations */
  gint64  max_ns;
  guint64 max_task;    /* the longest one */
  GArray *lanes;       /* SwTimelineLaneBusy, in lane order */
} SwTimelineRangeStats;

void        sw_timeline_range_stats_compute (SwTimelineModel      *model,
                                             gint64                t0,
                                             gint64                t1,
                                             SwTimelineRangeStats *stats);
gint64      sw_timeline_range_stats_get_mean_ns (const SwTimelineRangeStats *stats);
void        sw_timeline_range_stats_clear   (SwTimelineRangeStats *stats);

G_END_DECLS
