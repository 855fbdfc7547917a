/* sw-timeline-model.c — what the timeline draws, built from a trace */

#include "config.h"

#include "sw-timeline-model.h"

#include <unistd.h>

/* How many events one drain call hands out, and how long one update may
 * spend draining before it leaves the rest for the next frame. */
#define DRAIN_BATCH      4096
#define UPDATE_BUDGET_US 4000

typedef struct {
  guint64         id;           /* key */
  guint64         label;        /* string id from TASK_SUBMIT, 0 if unknown */
  SwTimelineLane *open_lane;    /* lane of the open span, or NULL */
  guint           open_index;
} TaskInfo;

typedef struct {
  guint64 time;
  guint64 string_id;
} LogLine;

struct _SwTimelineModel
{
  GObject         parent_instance;

  /* owned */
  SwTrace        *trace;
  SwTraceCursor  *cursor;
  SwEvent        *buffer;         /* DRAIN_BATCH events of scratch */
  GPtrArray      *lanes;          /* SwTimelineLane *, sorted by id */
  GHashTable     *lane_by_id;     /* guint32 → SwTimelineLane * */
  GHashTable     *tasks;          /* &TaskInfo.id → TaskInfo * */
  GArray         *log_lines;      /* LogLine, in time order within each drain */

  gint64          origin_ns;
  gint64          first_ns;       /* G_MAXINT64 until the first event */
  gint64          last_ns;
  guint64         n_events;
  guint           n_spans;
  guint           n_open_spans;
  guint           n_submits;
  guint           n_callbacks;
  guint           n_waits;
  guint           n_coroutine_lanes;
  guint           n_switches;
  guint           lanes_dirty : 1;  /* lanes need sorting into rows */
  guint           running : 1;
};

G_DEFINE_FINAL_TYPE (SwTimelineModel, sw_timeline_model, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRACE,
  PROP_RUNNING,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
lane_free (gpointer data)
{
  SwTimelineLane *lane = data;

  g_free (lane->name);
  g_free (lane->label);
  g_array_unref (lane->tasks);
  g_array_unref (lane->waits);
  g_array_unref (lane->callbacks);
  g_array_unref (lane->submits);
  g_array_unref (lane->running);
  g_array_unref (lane->waiting);
  g_array_unref (lane->switches);
  g_free (lane);
}

/* The thread a lane's row is grouped under: itself, or a coroutine's. */
static guint32
lane_group (const SwTimelineLane *lane)
{
  return lane->kind == SW_LANE_COROUTINE ? lane->parent : lane->id;
}

/* Rows: threads in the order they were registered (a run names "main"
 * before it starts anything, so main comes first), each followed by its
 * coroutines in the order they were made. */
static gint
lane_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const SwTimelineLane *la = *(const SwTimelineLane * const *) a;
  const SwTimelineLane *lb = *(const SwTimelineLane * const *) b;
  guint32 ga = lane_group (la);
  guint32 gb = lane_group (lb);
  gboolean ca, cb;

  if (ga != gb)
    return (ga > gb) - (ga < gb);

  ca = la->kind == SW_LANE_COROUTINE;
  cb = lb->kind == SW_LANE_COROUTINE;
  if (ca != cb)
    return ca ? 1 : -1;

  return (la->id > lb->id) - (la->id < lb->id);
}

/* Sorting once per drain rather than per new lane: a run may bring
 * thousands of coroutine lanes at once. */
static void
sort_lanes (SwTimelineModel *self)
{
  if (!self->lanes_dirty)
    return;

  g_ptr_array_sort_with_data (self->lanes, lane_compare, self);
  for (guint i = 0; i < self->lanes->len; i++)
    ((SwTimelineLane *) g_ptr_array_index (self->lanes, i))->index = i;
  self->lanes_dirty = FALSE;
}

static SwTimelineLane *ensure_lane (SwTimelineModel *self,
                                    guint32          id);

static SwTimelineLane *
add_lane (SwTimelineModel *self,
          const SwLane    *info)
{
  SwTimelineLane *lane;

  lane = g_new0 (SwTimelineLane, 1);
  lane->id = info->id;
  lane->parent = info->parent;
  lane->kind = info->kind;
  lane->name = g_strdup (info->name != NULL ? info->name : "");
  lane->pid = info->pid;
  lane->tid = info->tid;
  /* The TID tells the audience these are real OS threads; a lane of
   * another process (a pool's worker) shows its PID first. */
  if (lane->pid != 0 && lane->pid != getpid ())
    lane->label = lane->tid == lane->pid
                  ? g_strdup_printf ("%s · PID %d", lane->name, lane->pid)
                  : g_strdup_printf ("%s · PID %d TID %d", lane->name, lane->pid, lane->tid);
  else
    lane->label = g_strdup_printf ("%s · TID %d", lane->name, lane->tid);
  lane->tasks = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->waits = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->callbacks = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->submits = g_array_new (FALSE, FALSE, sizeof (SwTimelineMark));
  lane->open_wait = -1;
  lane->open_callback = -1;
  lane->running = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->waiting = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->switches = g_array_new (FALSE, FALSE, sizeof (SwTimelineSwitch));
  lane->open_running = -1;
  lane->open_waiting = -1;

  g_hash_table_insert (self->lane_by_id, GUINT_TO_POINTER (lane->id), lane);
  lane->index = self->lanes->len;
  g_ptr_array_add (self->lanes, lane);
  self->lanes_dirty = TRUE;

  /* A coroutine's row goes under its thread's: make sure that one is there. */
  if (lane->kind == SW_LANE_COROUTINE)
    {
      SwLane parent;

      self->n_coroutine_lanes++;
      if (sw_trace_get_lane (self->trace, lane->parent, &parent) &&
          parent.kind == SW_LANE_THREAD)
        ensure_lane (self, lane->parent);
    }

  return lane;
}

static SwTimelineLane *
ensure_lane (SwTimelineModel *self,
             guint32          id)
{
  SwTimelineLane *lane;
  SwLane info = { 0, };

  lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (id));
  if (lane != NULL)
    return lane;

  if (!sw_trace_get_lane (self->trace, id, &info))
    {
      info.id = id;
      info.kind = SW_LANE_THREAD;
      info.name = "?";
    }

  return add_lane (self, &info);
}

/* Thread lanes show up as soon as they exist, even before their first
 * event: an idle worker is part of the picture. */
static void
sync_lanes (SwTimelineModel *self)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (self->trace);

  if (lanes == NULL || lanes->len == g_hash_table_size (self->lane_by_id))
    return;

  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *info = &g_array_index (lanes, SwLane, i);

      if (info->kind == SW_LANE_PROCESS || info->kind == SW_LANE_HELPER)
        continue;
      if (!g_hash_table_contains (self->lane_by_id, GUINT_TO_POINTER (info->id)))
        add_lane (self, info);
    }
}

static TaskInfo *
ensure_task (SwTimelineModel *self,
             guint64          id)
{
  TaskInfo *task;

  task = g_hash_table_lookup (self->tasks, &id);
  if (task == NULL)
    {
      task = g_new0 (TaskInfo, 1);
      task->id = id;
      g_hash_table_insert (self->tasks, &task->id, task);
    }

  return task;
}

static guint
open_span (GArray  *spans,
           gint64   time_ns,
           guint64  object)
{
  SwTimelineSpan span = { time_ns, SW_TIMELINE_OPEN, object, SW_TIMELINE_SPAN_OK, 0 };

  g_array_append_val (spans, span);
  return spans->len - 1;
}

static void
close_span (GArray              *spans,
            guint                index,
            gint64               time_ns,
            SwTimelineSpanState  state)
{
  SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, index);

  span->end_ns = MAX (time_ns, span->start_ns);
  span->state = state;
}

/* The lane gets the thread at t: whatever it waited for is over. */
static void
co_resume (SwTimelineLane *lane,
           gint64          t)
{
  if (lane->exited || lane->open_running >= 0)
    return;

  if (lane->open_waiting >= 0)
    {
      close_span (lane->waiting, lane->open_waiting, t, SW_TIMELINE_SPAN_OK);
      lane->open_waiting = -1;
    }
  lane->open_running = open_span (lane->running, t, 0);
}

/* The lane gives the thread up at t, waiting for @reason. */
static void
co_suspend (SwTimelineLane *lane,
            gint64          t,
            guint32         reason)
{
  if (lane->open_running >= 0)
    {
      close_span (lane->running, lane->open_running, t, SW_TIMELINE_SPAN_OK);
      lane->open_running = -1;
    }

  if (!lane->exited && reason != SW_SWITCH_EXIT && lane->open_waiting < 0)
    {
      lane->open_waiting = open_span (lane->waiting, t, 0);
      g_array_index (lane->waiting, SwTimelineSpan, lane->open_waiting).reason = reason;
    }
}

static void
co_exit (SwTimelineLane *lane,
         gint64          t,
         gboolean        failed)
{
  SwTimelineSpanState state = failed ? SW_TIMELINE_SPAN_FAILED : SW_TIMELINE_SPAN_OK;

  if (lane->open_running >= 0)
    close_span (lane->running, lane->open_running, t, state);
  else if (failed && lane->running->len > 0)
    g_array_index (lane->running, SwTimelineSpan, lane->running->len - 1).state = state;
  if (lane->open_waiting >= 0)
    close_span (lane->waiting, lane->open_waiting, t, SW_TIMELINE_SPAN_CANCELLED);
  lane->open_running = -1;
  lane->open_waiting = -1;
  lane->exited = TRUE;
}

static void
handle_event (SwTimelineModel *self,
              const SwEvent   *event)
{
  SwTimelineLane *lane;
  TaskInfo *task;
  gint64 t = (gint64) event->time - self->origin_ns;

  self->n_events++;

  /* A coroutine that records anything holds the thread, even when the
   * switch that gave it the thread was not recorded (its first run). */
  if (self->n_coroutine_lanes > 0 &&
      event->kind != SW_EVENT_CO_SWITCH && event->kind != SW_EVENT_CO_EXIT &&
      event->kind != SW_EVENT_CTX_SWITCHES)
    {
      lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (event->lane));
      if (lane != NULL && lane->kind == SW_LANE_COROUTINE)
        co_resume (lane, t);
    }

  switch ((SwEventKind) event->kind)
    {
    case SW_EVENT_TASK_SUBMIT:
      {
        SwTimelineMark mark = { t, event->object };

        lane = ensure_lane (self, event->lane);
        g_array_append_val (lane->submits, mark);
        ensure_task (self, event->object)->label = event->arg;
        self->n_submits++;
      }
      break;

    case SW_EVENT_TASK_START:
      lane = ensure_lane (self, event->lane);
      task = ensure_task (self, event->object);
      task->open_lane = lane;
      task->open_index = open_span (lane->tasks, t, event->object);
      self->n_spans++;
      self->n_open_spans++;
      break;

    case SW_EVENT_TASK_END:
    case SW_EVENT_TASK_ERROR:
    case SW_EVENT_TASK_CANCEL:
      task = g_hash_table_lookup (self->tasks, &event->object);
      if (task != NULL && task->open_lane != NULL)
        {
          SwTimelineSpanState state = SW_TIMELINE_SPAN_OK;

          if (event->kind == SW_EVENT_TASK_ERROR)
            state = SW_TIMELINE_SPAN_FAILED;
          else if (event->kind == SW_EVENT_TASK_CANCEL)
            state = SW_TIMELINE_SPAN_CANCELLED;

          close_span (task->open_lane->tasks, task->open_index, t, state);
          task->open_lane = NULL;
          self->n_open_spans--;
        }
      break;

    case SW_EVENT_CALLBACK_BEGIN:
      lane = ensure_lane (self, event->lane);
      lane->open_callback = open_span (lane->callbacks, t, event->object);
      self->n_callbacks++;
      break;

    case SW_EVENT_CALLBACK_END:
      lane = ensure_lane (self, event->lane);
      if (lane->open_callback >= 0)
        {
          close_span (lane->callbacks, lane->open_callback, t,
                      (event->flags & SW_EVENT_FLAG_FAILED) ? SW_TIMELINE_SPAN_FAILED
                                                            : SW_TIMELINE_SPAN_OK);
          lane->open_callback = -1;
        }
      break;

    case SW_EVENT_WAIT_BEGIN:
      lane = ensure_lane (self, event->lane);
      lane->open_wait = open_span (lane->waits, t, event->object);
      self->n_waits++;
      break;

    case SW_EVENT_WAIT_END:
      lane = ensure_lane (self, event->lane);
      if (lane->open_wait >= 0)
        {
          close_span (lane->waits, lane->open_wait, t, SW_TIMELINE_SPAN_OK);
          lane->open_wait = -1;
        }
      break;

    case SW_EVENT_CTX_SWITCHES:
      {
        SwCtxSwitches delta;

        lane = ensure_lane (self, event->lane);
        sw_ctx_switches_unpack (event->arg, &delta);
        lane->ctx_voluntary += delta.voluntary;
        lane->ctx_involuntary += delta.involuntary;
      }
      break;

    case SW_EVENT_LOG:
      {
        LogLine line = { event->time, event->arg };
        g_array_append_val (self->log_lines, line);
      }
      break;

    case SW_EVENT_LANE_BEGIN:
    case SW_EVENT_LANE_END:
    case SW_EVENT_CO_SPAWN:
      ensure_lane (self, (guint32) event->object);
      break;

    case SW_EVENT_CO_SWITCH:
      {
        SwTimelineLane *to;
        SwTimelineSwitch sw = { t, (guint32) event->object, event->flags };

        lane = ensure_lane (self, event->lane);
        to = ensure_lane (self, (guint32) event->object);
        co_suspend (lane, t, event->flags);
        co_resume (to, t);
        g_array_append_val (lane->switches, sw);
        self->n_switches++;
      }
      break;

    case SW_EVENT_CO_EXIT:
      lane = ensure_lane (self, event->lane);
      co_exit (lane, t, (event->flags & SW_EVENT_FLAG_FAILED) != 0);
      break;

    case SW_EVENT_NONE:
    case SW_EVENT_POOL_SHUTDOWN:
    case SW_EVENT_CONN_OPEN:
    case SW_EVENT_CONN_CLOSE:
    case SW_EVENT_BYTES_IN:
    case SW_EVENT_BYTES_OUT:
    case SW_EVENT_COUNTER:
    case SW_EVENT_N_KINDS:
    default:
      /* Drawn by later timeline tracks; still extends the time range. */
      break;
    }

  if (t < self->first_ns)
    self->first_ns = t;
  if (t > self->last_ns)
    self->last_ns = t;
}

/* Lanes come interleaved out of a drain; the console reads in time order.
 * Insertion sort: a drain's new lines are few and nearly in order. */
static void
sort_new_log_lines (SwTimelineModel *self,
                    guint            first)
{
  LogLine *lines = (LogLine *) (gpointer) self->log_lines->data;

  for (guint i = first + 1; i < self->log_lines->len; i++)
    {
      LogLine line = lines[i];
      guint j = i;

      while (j > first && lines[j - 1].time > line.time)
        {
          lines[j] = lines[j - 1];
          j--;
        }
      lines[j] = line;
    }
}

static gboolean
drain (SwTimelineModel *self,
       gint64           deadline_us)
{
  gboolean changed = FALSE;
  gsize n;

  sync_lanes (self);

  do
    {
      guint first_new_line = self->log_lines->len;

      n = sw_trace_cursor_drain (self->cursor, self->buffer, DRAIN_BATCH);
      for (gsize i = 0; i < n; i++)
        handle_event (self, &self->buffer[i]);
      sort_new_log_lines (self, first_new_line);
      changed |= (n > 0);
    }
  while (n > 0 &&
         (deadline_us == 0 || g_get_monotonic_time () < deadline_us));

  sort_lanes (self);

  return changed;
}

static void
sw_timeline_model_finalize (GObject *object)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  g_clear_pointer (&self->cursor, sw_trace_cursor_free);
  g_clear_object (&self->trace);
  g_clear_pointer (&self->buffer, g_free);
  g_clear_pointer (&self->lanes, g_ptr_array_unref);
  g_clear_pointer (&self->lane_by_id, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_hash_table_unref);
  g_clear_pointer (&self->log_lines, g_array_unref);

  G_OBJECT_CLASS (sw_timeline_model_parent_class)->finalize (object);
}

static void
sw_timeline_model_constructed (GObject *object)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  G_OBJECT_CLASS (sw_timeline_model_parent_class)->constructed (object);

  g_assert (self->trace != NULL);
  self->origin_ns = sw_trace_get_origin_ns (self->trace);
  self->cursor = sw_trace_cursor_new (self->trace);
}

static void
sw_timeline_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      g_value_set_object (value, self->trace);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_model_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      self->trace = g_value_dup_object (value);
      break;

    case PROP_RUNNING:
      sw_timeline_model_set_running (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_model_class_init (SwTimelineModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sw_timeline_model_constructed;
  object_class->finalize = sw_timeline_model_finalize;
  object_class->get_property = sw_timeline_model_get_property;
  object_class->set_property = sw_timeline_model_set_property;

  properties[PROP_TRACE] =
    g_param_spec_object ("trace", NULL, NULL,
                         SW_TYPE_TRACE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* While running, open spans grow with the clock. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted after an update that brought new events. */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sw_timeline_model_init (SwTimelineModel *self)
{
  self->buffer = g_new (SwEvent, DRAIN_BATCH);
  self->lanes = g_ptr_array_new_with_free_func (lane_free);
  self->lane_by_id = g_hash_table_new (NULL, NULL);
  self->tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->log_lines = g_array_new (FALSE, FALSE, sizeof (LogLine));
  self->first_ns = G_MAXINT64;
  self->last_ns = 0;
}

SwTimelineModel *
sw_timeline_model_new (SwTrace *trace)
{
  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  return g_object_new (SW_TYPE_TIMELINE_MODEL, "trace", trace, NULL);
}

/**
 * sw_timeline_model_get_trace:
 *
 * Returns: (transfer none): the trace this model reads
 */
SwTrace *
sw_timeline_model_get_trace (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  return self->trace;
}

/* Drains what is new, within a per-frame time budget.  Returns TRUE when
 * something changed (new events, or open spans that grew with the clock). */
gboolean
sw_timeline_model_update (SwTimelineModel *self)
{
  gboolean changed;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);

  changed = drain (self, g_get_monotonic_time () + UPDATE_BUDGET_US);
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);

  return changed || self->running;
}

/* Drains everything left, whatever it costs: used once a run has ended. */
void
sw_timeline_model_drain_all (SwTimelineModel *self)
{
  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  if (drain (self, 0))
    g_signal_emit (self, signals[CHANGED], 0);
}

gboolean
sw_timeline_model_get_running (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);

  return self->running;
}

void
sw_timeline_model_set_running (SwTimelineModel *self,
                               gboolean         running)
{
  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  running = !!running;
  if (self->running == running)
    return;

  /* Freeze "now" where the run ended, so open spans stop growing there. */
  if (!running)
    self->last_ns = MAX (self->last_ns, sw_clock_monotonic_ns () - self->origin_ns);

  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Where open spans end: the clock while running, else the last event. */
gint64
sw_timeline_model_get_now_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  if (self->running)
    return MAX (self->last_ns, sw_clock_monotonic_ns () - self->origin_ns);

  return self->last_ns;
}

gint64
sw_timeline_model_get_begin_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->first_ns == G_MAXINT64 ? 0 : MIN (self->first_ns, 0);
}

gint64
sw_timeline_model_get_end_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return sw_timeline_model_get_now_ns (self);
}

guint64
sw_timeline_model_get_n_events (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_events;
}

guint
sw_timeline_model_get_n_lanes (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->lanes->len;
}

const SwTimelineLane *
sw_timeline_model_get_lane (SwTimelineModel *self,
                            guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->lanes->len, NULL);

  return g_ptr_array_index (self->lanes, index);
}

const SwTimelineLane *
sw_timeline_model_find_lane_by_name (SwTimelineModel *self,
                                     const char      *name)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->lanes->len; i++)
    {
      const SwTimelineLane *lane = g_ptr_array_index (self->lanes, i);

      if (g_strcmp0 (lane->name, name) == 0)
        return lane;
    }

  return NULL;
}

guint
sw_timeline_model_get_n_spans (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_spans;
}

guint
sw_timeline_model_get_n_open_spans (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_open_spans;
}

guint
sw_timeline_model_get_n_submits (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_submits;
}

guint
sw_timeline_model_get_n_callbacks (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_callbacks;
}

guint
sw_timeline_model_get_n_waits (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_waits;
}

/* The label given at submit ("task 3"), or NULL when not known (yet). */
const char *
sw_timeline_model_get_task_label (SwTimelineModel *self,
                                  guint64          task_id)
{
  TaskInfo *task;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  task = g_hash_table_lookup (self->tasks, &task_id);
  if (task == NULL || task->label == 0)
    return NULL;

  return sw_trace_lookup_string (self->trace, task->label);
}

guint
sw_timeline_model_get_n_log_lines (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->log_lines->len;
}

const char *
sw_timeline_model_get_log_line (SwTimelineModel *self,
                                guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->log_lines->len, NULL);

  return sw_trace_lookup_string (self->trace,
                                 g_array_index (self->log_lines, LogLine, index).string_id);
}

guint
sw_timeline_model_get_n_coroutine_lanes (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_coroutine_lanes;
}

/* Coroutine switches seen so far, on every lane. */
guint
sw_timeline_model_get_n_switches (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_switches;
}

/**
 * sw_timeline_model_find_lane:
 *
 * Returns: (transfer none) (nullable): the lane with trace id @lane_id
 */
const SwTimelineLane *
sw_timeline_model_find_lane (SwTimelineModel *self,
                             guint32          lane_id)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  return g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (lane_id));
}

