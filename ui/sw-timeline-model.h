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
  guint32 reason;     /* coroutine waiting segments: the SwSwitchReason;
                         task bars: their hue + 1 (0: label not known);
                         waits: their SwWaitKind */
} SwTimelineSpan;

/* How many task hues there are: sw_timeline_task_hue() picks one. */
#define SW_TIMELINE_N_HUES 7

typedef struct {
  gint64  time_ns;
  guint64 object;     /* task id */
} SwTimelineMark;

/* A coroutine switch, kept on the lane that gave up the thread.  It is
 * also the giver's waiting segment (see sw_timeline_lane_get_waiting()):
 * a million switches would otherwise store their time twice. */
typedef struct {
  gint64  time_ns;
  guint32 to_lane;        /* lane id that got the thread */
  guint32 reason : 8;     /* SwSwitchReason: why the giver gave it up */
  guint32 waits : 1;      /* the giver waited from here (not when it
                             exited, or was waiting already) */
  guint32 next_run : 23;  /* the giver's runs before it: the wait ends where
                             running[next_run] starts; saturated past 2^23 */
} SwTimelineSwitch;

/* A reading of a lane's OS context switches.  The counts are running
 * totals up to and including this reading, so the switches between two
 * times are a difference of two binary searches. */
typedef struct {
  gint64  time_ns;
  guint32 voluntary;    /* it blocked */
  guint32 involuntary;  /* it was preempted */
} SwTimelineCtxSample;

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
  GArray     *waits;      /* SwTimelineSpan: blocked in result(),
                             shutdown(wait), or a thread's join/joinall */
  GArray     *callbacks;  /* SwTimelineSpan: done-callbacks run here */
  GArray     *submits;    /* SwTimelineMark */
  GArray     *never_ran;  /* SwTimelineMark: its submits cancelled or failed
                             before they started, at that time */
  gint        open_wait;      /* index in waits, or -1 */
  gint        open_callback;  /* index in callbacks, or -1 */
  guint64     ctx_voluntary;    /* OS context switches so far: it blocked */
  guint64     ctx_involuntary;  /* … it was preempted */
  GArray     *ctx_samples;      /* SwTimelineCtxSample, by time */
  GArray     *logs;       /* SwTimelineMark: log lines recorded here; .object is
                           * the string id (sw_timeline_model_lookup_string) */
  /* Coroutines (a thread lane gets these too when its own code switches
   * to and from its coroutines). */
  GArray     *running;    /* SwTimelineSpan: holding the thread */
  GArray     *switches;   /* SwTimelineSwitch: given up here, by time; those
                             with .waits start a waiting segment, which ends
                             at the next run (sw_timeline_lane_get_waiting) */
  gint        open_running;   /* index in running, or -1 */
  gint        open_waiting;   /* index in switches of the wait going on, or -1 */
  gboolean    exited;         /* CO_EXIT seen */
  guint       row;            /* its row in sw_timeline_model_get_row(); a
                                 folded coroutine: its aggregate's row */
} SwTimelineLane;

/* Past this many coroutine lanes under one thread (a server with one
 * coroutine per connection), they fold into one aggregate row. */
#define SW_TIMELINE_AGGREGATE_THRESHOLD 200

typedef struct {
  gint64  time_ns;
  double  value;
} SwTimelineSample;

/* A COUNTER event's series, one per name ("connections", "messages/s"). */
typedef struct {
  char       *name;
  gint        pid;        /* of the lane that recorded it first */
  GArray     *samples;    /* SwTimelineSample, by time */
  double      max;
  double      last;       /* value of the latest sample */
} SwTimelineCounter;

typedef enum {
  SW_TIMELINE_ROW_LANE,        /* a thread or coroutine lane */
  SW_TIMELINE_ROW_AGGREGATE,   /* "N coroutines" of one thread */
  SW_TIMELINE_ROW_COUNTER,     /* a counter's graph */
  SW_TIMELINE_ROW_PROCESS,     /* a process's header: folds its rows */
} SwTimelineRowKind;

/* A process and its lanes, which come one after the other in
 * sw_timeline_model_get_lane() order. */
typedef struct {
  gint      pid;
  char     *name;         /* "switchyard" */
  char     *label;        /* "switchyard · PID 1234" */
  guint32   first_lane;   /* its lowest lane id: processes sort by it */
  guint     first_index;  /* its lanes: [first_index, first_index + n_lanes) */
  guint     n_lanes;
  guint     row;          /* its header row */
  gboolean  expanded;
} SwTimelineProcess;

/* What one row of the timeline shows, top to bottom.  Rows go: per
 * process its header, then (unless folded) each thread, then its
 * coroutines (or its aggregate, and the coroutines only when expanded),
 * and after the last lane of a process its counters. */
typedef struct {
  SwTimelineRowKind        kind;
  const SwTimelineLane    *lane;      /* LANE; AGGREGATE: the thread;
                                         PROCESS: its first lane */
  const SwTimelineCounter *counter;   /* COUNTER */
  guint32                  thread;    /* AGGREGATE: the thread's lane id */
  const SwTimelineProcess *process;   /* PROCESS */
} SwTimelineRow;

/* One task's chain, as far as it is known: submitted on a lane, ran (or
 * runs) on another, ended in a state; callbacks point back at it. */
typedef struct {
  const SwTimelineLane *submit_lane;  /* NULL if the submit was not seen */
  gint64                submit_ns;
  const SwTimelineLane *run_lane;     /* NULL if it never started */
  const SwTimelineSpan *span;         /* its bar in run_lane->tasks */
  SwTimelineSpanState   state;
  gint64                end_ns;       /* SW_TIMELINE_OPEN while not over */
  guint                 hue;          /* sw_timeline_task_hue() of its label */
} SwTimelineTask;

#define SW_TYPE_TIMELINE_MODEL (sw_timeline_model_get_type ())
G_DECLARE_FINAL_TYPE (SwTimelineModel, sw_timeline_model, SW, TIMELINE_MODEL, GObject)

SwTimelineModel      *sw_timeline_model_new              (SwTrace         *trace) G_GNUC_WARN_UNUSED_RESULT;
SwTimelineModel      *sw_timeline_model_new_with_origin  (SwTrace         *trace,
                                                          gint64           origin_ns) G_GNUC_WARN_UNUSED_RESULT;
SwTrace              *sw_timeline_model_get_trace        (SwTimelineModel *self);
gboolean              sw_timeline_model_update           (SwTimelineModel *self);
void                  sw_timeline_model_drain_all        (SwTimelineModel *self);
gboolean              sw_timeline_model_get_running      (SwTimelineModel *self);
void                  sw_timeline_model_set_running      (SwTimelineModel *self,
                                                          gboolean         running);
gint64                sw_timeline_model_get_now_ns       (SwTimelineModel *self);
SwTimelineModel      *sw_timeline_model_new_replay       (SwTrace         *trace,
                                                          GArray          *events) G_GNUC_WARN_UNUSED_RESULT;
void                  sw_timeline_model_set_limit        (SwTimelineModel *self,
                                                          gint64           limit_ns);
gint64                sw_timeline_model_get_limit        (SwTimelineModel *self);
gint64                sw_timeline_model_get_begin_ns     (SwTimelineModel *self);
gint64                sw_timeline_model_get_end_ns       (SwTimelineModel *self);
guint64               sw_timeline_model_get_n_events     (SwTimelineModel *self);
gsize                 sw_timeline_model_get_memory_size  (SwTimelineModel *self);

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
const char           *sw_timeline_model_get_task_error   (SwTimelineModel *self,
                                                          guint64          task_id);
gboolean              sw_timeline_model_get_task         (SwTimelineModel *self,
                                                          guint64          task_id,
                                                          SwTimelineTask  *out_task);
guint                 sw_timeline_task_hue               (const char      *label);
guint                 sw_timeline_model_get_n_coroutine_lanes (SwTimelineModel *self);
guint                 sw_timeline_model_get_n_switches   (SwTimelineModel *self);
const SwTimelineLane *sw_timeline_model_find_lane        (SwTimelineModel *self,
                                                          guint32          lane_id);

guint                 sw_timeline_model_get_n_rows       (SwTimelineModel *self);
const SwTimelineRow  *sw_timeline_model_get_row          (SwTimelineModel *self,
                                                          guint            index);
gboolean              sw_timeline_model_get_expanded     (SwTimelineModel *self,
                                                          guint32          thread_lane);
void                  sw_timeline_model_set_expanded     (SwTimelineModel *self,
                                                          guint32          thread_lane,
                                                          gboolean         expanded);
guint                 sw_timeline_model_get_n_processes  (SwTimelineModel *self);
const SwTimelineProcess *sw_timeline_model_get_process   (SwTimelineModel *self,
                                                          guint            index);
const SwTimelineProcess *sw_timeline_model_find_process  (SwTimelineModel *self,
                                                          gint             pid);
void                  sw_timeline_model_set_process_expanded (SwTimelineModel *self,
                                                          gint             pid,
                                                          gboolean         expanded);
guint                 sw_timeline_model_get_n_aggregated (SwTimelineModel *self,
                                                          guint32          thread_lane);
void                  sw_timeline_model_query_aggregate  (SwTimelineModel *self,
                                                          guint32          thread_lane,
                                                          gint64           t0,
                                                          gint64           t1,
                                                          guint           *n_running,
                                                          guint           *n_live);
guint                 sw_timeline_model_get_aggregate_max_live (SwTimelineModel *self,
                                                          guint32          thread_lane);

guint                 sw_timeline_model_get_n_counters   (SwTimelineModel *self);
const SwTimelineCounter *sw_timeline_model_get_counter   (SwTimelineModel *self,
                                                          guint            index);
const SwTimelineCounter *sw_timeline_model_find_counter  (SwTimelineModel *self,
                                                          const char      *name);
gboolean              sw_timeline_counter_get_range      (const SwTimelineCounter *counter,
                                                          gint64           t0,
                                                          gint64           t1,
                                                          double          *min,
                                                          double          *max);
gboolean              sw_timeline_counter_value_at       (const SwTimelineCounter *counter,
                                                          gint64           t,
                                                          double          *value);

guint                 sw_timeline_model_get_n_log_lines  (SwTimelineModel *self);
const char           *sw_timeline_model_lookup_string    (SwTimelineModel *self,
                                                          guint64          id);
guint                 sw_timeline_lower_bound            (GArray          *array,
                                                          gsize            field,
                                                          guint            from,
                                                          gint64           t);
void                  sw_timeline_lane_count_ctx_switches (const SwTimelineLane *lane,
                                                           gint64                from_ns,
                                                           gint64                to_ns,
                                                           guint                *voluntary,
                                                           guint                *involuntary);
const char           *sw_timeline_model_get_log_line     (SwTimelineModel *self,
                                                          guint            index);

/* A lane's waiting segments, by index in lane->switches (the ones
 * without .waits are empty: get_waiting returns FALSE for them).  Their
 * starts and ends are both sorted, like a span array's. */
gboolean              sw_timeline_lane_get_waiting       (const SwTimelineLane *lane,
                                                          guint                 index,
                                                          SwTimelineSpan       *out_span);
guint                 sw_timeline_lane_first_waiting_ending_after   (const SwTimelineLane *lane,
                                                                     gint64                t);
guint                 sw_timeline_lane_first_waiting_starting_after (const SwTimelineLane *lane,
                                                                     guint                 from,
                                                                     gint64                t);

G_END_DECLS
