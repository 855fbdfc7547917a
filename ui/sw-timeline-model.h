/* sw-timeline-model.h — what the timeline draws, built from a trace
 *
 * A plain GObject (no drawing).  It owns a cursor on the trace and drains
 * what is new when told to (once per frame), turning events into lanes,
 * spans and marks.  Times are nanoseconds since the trace origin.
 * Main-thread only; producers are never blocked by it.
 */
#pragma once

#include "switchyard.h"

G_BEGIN_DECLS

/* end_ns of a span that has not ended yet */
#define SW_TIMELINE_OPEN G_MAXINT64

typedef enum {
  SW_TIMELINE_SPAN_OK,
  SW_TIMELINE_SPAN_FAILED,
  SW_TIMELINE_SPAN_CANCELLED,
} SwTimelineSpanState;

typedef struct {
  gint64  start_ns;
  gint64  end_ns;     /* SW_TIMELINE_OPEN while open */
  guint64 object;     /* task id */
  guint32 state;      /* SwTimelineSpanState */
  guint32 reason;     /* coroutine waiting segments: the SwSwitchReason; else 0 */
} SwTimelineSpan;

typedef struct {
  gint64  time_ns;
  guint64 object;     /* task id */
} SwTimelineMark;

/* A coroutine switch, kept on the lane that gave up the thread. */
typedef struct {
  gint64  time_ns;
  guint32 to_lane;    /* lane id that got the thread */
  guint32 reason;     /* SwSwitchReason: why the giver gave it up */
} SwTimelineSwitch;

/* One row of the timeline: a thread (or coroutine) lane.  The arrays are
 * sorted by start; spans of one kind never overlap on one lane (a thread
 * does one thing at a time), so they are sorted by end as well.  Rows come
 * in order "main" first, then each thread followed by its coroutines. */
typedef struct {
  guint32     id;
  guint32     parent;     /* a coroutine's thread lane; else its process */
  guint       index;      /* row, in sw_timeline_model_get_lane() order */
  SwLaneKind  kind;
  char       *name;
  char       *label;      /* "name · TID 1234" */
  gint        pid;
  gint        tid;
  GArray     *tasks;      /* SwTimelineSpan */
  GArray     *waits;      /* SwTimelineSpan: blocked in result() */
  GArray     *callbacks;  /* SwTimelineSpan: done-callbacks run here */
  GArray     *submits;    /* SwTimelineMark */
  gint        open_wait;      /* index in waits, or -1 */
  gint        open_callback;  /* index in callbacks, or -1 */
  guint64     ctx_voluntary;    /* OS context switches so far: it blocked */
  guint64     ctx_involuntary;  /* … it was preempted */
  /* Coroutines (a thread lane gets these too when its own code switches
   * to and from its coroutines). */
  GArray     *running;    /* SwTimelineSpan: holding the thread */
  GArray     *waiting;    /* SwTimelineSpan: gave it up; .reason says why */
  GArray     *switches;   /* SwTimelineSwitch: given up here, by time */
  gint        open_running;   /* index in running, or -1 */
  gint        open_waiting;   /* index in waiting, or -1 */
  gboolean    exited;         /* CO_EXIT seen */
} SwTimelineLane;

#define SW_TYPE_TIMELINE_MODEL (sw_timeline_model_get_type ())
G_DECLARE_FINAL_TYPE (SwTimelineModel, sw_timeline_model, SW, TIMELINE_MODEL, GObject)

SwTimelineModel      *sw_timeline_model_new              (SwTrace         *trace) G_GNUC_WARN_UNUSED_RESULT;
SwTrace              *sw_timeline_model_get_trace        (SwTimelineModel *self);
gboolean              sw_timeline_model_update           (SwTimelineModel *self);
void                  sw_timeline_model_drain_all        (SwTimelineModel *self);
gboolean              sw_timeline_model_get_running      (SwTimelineModel *self);
void                  sw_timeline_model_set_running      (SwTimelineModel *self,
                                                          gboolean         running);
gint64                sw_timeline_model_get_now_ns       (SwTimelineModel *self);
gint64                sw_timeline_model_get_begin_ns     (SwTimelineModel *self);
gint64                sw_timeline_model_get_end_ns       (SwTimelineModel *self);
guint64               sw_timeline_model_get_n_events     (SwTimelineModel *self);

guint                 sw_timeline_model_get_n_lanes      (SwTimelineModel *self);
const SwTimelineLane *sw_timeline_model_get_lane         (SwTimelineModel *self,
                                                          guint            index);
const SwTimelineLane *sw_timeline_model_find_lane_by_name (SwTimelineModel *self,
                                                          const char      *name);
guint                 sw_timeline_model_get_n_spans      (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_open_spans (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_submits    (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_callbacks  (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_waits      (SwTimelineModel *self);
const char           *sw_timeline_model_get_task_label   (SwTimelineModel *self,
                                                          guint64          task_id);
guint                 sw_timeline_model_get_n_coroutine_lanes (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_switches   (SwTimelineModel *self);
const SwTimelineLane *sw_timeline_model_find_lane        (SwTimelineModel *self,
                                                          guint32          lane_id);

guint                 sw_timeline_model_get_n_log_lines  (SwTimelineModel *self);
const char           *sw_timeline_model_get_log_line     (SwTimelineModel *self,
                                                          guint            index);

G_END_DECLS
