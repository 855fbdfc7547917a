/* sw-trace-export.c — a trace as Chrome trace-event JSON
 *
 * One Perfetto "thread" per lane, named after it; an X slice per task on the
 * lane that ran it; a short "submit" slice on the submitting lane with a
 * flow arrow to the task (flow events bind to enclosing slices, hence the
 * submit slice); an X slice per done-callback on the lane that ran it; X
 * slices for blocking waits; instants for log lines, cancels, shutdowns,
 * spawns and connection traffic; "C" counter samples, and per thread a "C"
 * track of its OS context switches.  A coroutine lane gets an X slice per
 * run ("running") and per wait ("wait: sleep", …), and a flow arrow per
 * switch from the lane that gave up the thread to the one that got it (the
 * arrow starts in the giver's new wait, ends in the taker's new run, so
 * both ends have a slice to bind to).
 *
 * Whatever Perfetto would not show but Switchyard needs to rebuild the
 * same events (ids, a switch's reason, the lane that ended a task, …)
 * rides in "args", which sw-trace-import.c reads back: a saved trace opens
 * again with nothing lost.  What is still open when the trace is saved (a
 * task or callback that has not ended) is written as a "B" event without
 * its "E".
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-trace-export.h"

#include "sw-error.h"

typedef struct
{
  SwTrace *trace;
  GString *out;
  gboolean first;
  GHashTable *lanes;     /* lane id → SwLane* (into lane_array) */
} Writer;

static void
append_json_string (GString    *out,
                    const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str ? str : ""; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
begin_event (Writer *w)
{
  g_string_append (w->out, w->first ? "\n" : ",\n");
  w->first = FALSE;
}

static gint
lane_tid (const SwLane *lane)
{
  /* Coroutines share their thread's tid; Perfetto needs one track each. */
  if (lane->kind == SW_LANE_THREAD || lane->kind == SW_LANE_PROCESS)
    return lane->tid;
  return 1000000 + (gint) lane->id;
}

static const SwLane *
find_lane (Writer  *w,
           guint32  id)
{
  return g_hash_table_lookup (w->lanes, GUINT_TO_POINTER (id));
}

static void
append_us (GString *out,
           gint64   ns)
{
  g_string_append_printf (out, "%" G_GINT64_FORMAT ".%03d", ns / 1000, (int) (ns % 1000));
}

static void
write_common (Writer       *w,
              const char   *ph,
              const char   *name,
              const char   *cat,
              const SwLane *lane,
              gint64        ts_ns)
{
  begin_event (w);
  g_string_append (w->out, "{\"ph\":");
  append_json_string (w->out, ph);
  g_string_append (w->out, ",\"name\":");
  append_json_string (w->out, name);
  g_string_append (w->out, ",\"cat\":");
  append_json_string (w->out, cat);
  g_string_append_printf (w->out, ",\"pid\":%d,\"tid\":%d,\"ts\":", lane->pid, lane_tid (lane));
  append_us (w->out, ts_ns);
}

static void
write_slice (Writer       *w,
             const char   *name,
             const char   *cat,
             const SwLane *lane,
             gint64        start_ns,
             gint64        end_ns,
             const char   *args_json)
{
  write_common (w, "X", name, cat, lane, start_ns);
  g_string_append (w->out, ",\"dur\":");
  append_us (w->out, MAX (end_ns - start_ns, 0));
  if (args_json)
    g_string_append_printf (w->out, ",\"args\":%s", args_json);
  g_string_append_c (w->out, '}');
}

static void
write_metadata (Writer *w,
                GArray *lanes)
{
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);
      g_autofree char *label = NULL;

      if (lane->kind == SW_LANE_HELPER)
        continue;
      begin_event (w);
      if (lane->kind == SW_LANE_PROCESS)
        {
          g_string_append_printf (w->out, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":",
                                  lane->pid);
          append_json_string (w->out, lane->name);
          g_string_append (w->out, "}}");
          continue;
        }

      label = g_strdup_printf ("%s (tid %d)", lane->name, lane->tid);
      g_string_append_printf (w->out, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
                              lane->pid, lane_tid (lane));
      append_json_string (w->out, label);
      g_string_append (w->out, "}}");
      begin_event (w);
      g_string_append_printf (w->out, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,\"args\":{\"sort_index\":%u}}",
                              lane->pid, lane_tid (lane), lane->id);
    }
}

/* A coroutine lane's open segment while the events are replayed. */
typedef struct
{
  gint64  since_ns;
  guint32 reason;      /* SwSwitchReason of an open wait; 0: spawned, not run yet */
  gboolean running;
} CoState;

static CoState *
co_state (GHashTable *states,
          guint32     lane)
{
  CoState *state = g_hash_table_lookup (states, GUINT_TO_POINTER (lane));

  if (state == NULL)
    {
      state = g_new0 (CoState, 1);
      state->since_ns = -1;
      g_hash_table_insert (states, GUINT_TO_POINTER (lane), state);
    }
  return state;
}

/* Ends what @lane was doing at @t (a run or a wait) with a slice. */
static void
co_close (Writer     *w,
          GHashTable *states,
          guint32     lane_id,
          gint64      t)
{
  const SwLane *lane = find_lane (w, lane_id);
  CoState *state;
  g_autofree char *name = NULL;

  if (lane == NULL || lane->kind != SW_LANE_COROUTINE)
    return;
  state = co_state (states, lane_id);
  if (state->since_ns < 0)
    return;
  if (state->running)
    name = g_strdup ("running");
  else if (state->reason == 0)
    name = g_strdup ("ready (spawned)");
  else
    name = g_strdup_printf ("wait: %s", sw_switch_reason_to_string (state->reason));
  write_slice (w, name, state->running ? "coroutine" : "coroutine-wait", lane,
               state->since_ns, t, NULL);
  state->since_ns = -1;
}

static void
co_open (GHashTable *states,
         guint32     lane,
         gint64      t,
         gboolean    running,
         guint32     reason)
{
  CoState *state = co_state (states, lane);

  state->since_ns = t;
  state->running = running;
  state->reason = reason;
}

static void
write_flow (Writer        *w,
            const char    *ph,
            guint64        id,
            const SwLane  *lane,
            const SwEvent *e)
{
  gint64 t = (gint64) e->time;

  begin_event (w);
  g_string_append_printf (w->out, "{\"ph\":\"%s\",%s\"name\":\"switch\",\"cat\":\"coroutine\",\"id\":%" G_GUINT64_FORMAT
                          ",\"pid\":%d,\"tid\":%d,\"ts\":",
                          ph, g_str_equal (ph, "f") ? "\"bp\":\"e\"," : "", id, lane->pid, lane_tid (lane));
  append_us (w->out, t);
  /* Why the thread was given up, a coroutine's or not, and on what. */
  if (g_str_equal (ph, "s"))
    g_string_append_printf (w->out, ",\"args\":{\"reason\":\"%s\",\"flags\":%u,\"arg\":%" G_GINT64_FORMAT "}",
                            sw_switch_reason_to_string (e->flags), e->flags, (gint64) e->arg);
  g_string_append_c (w->out, '}');
}

typedef struct
{
  const SwEvent *submit;
  const SwEvent *start;
  guint64        label;
  gboolean       over;
} TaskRecord;

static TaskRecord *
task_record (GHashTable *tasks,
             guint64     id)
{
  TaskRecord *record = g_hash_table_lookup (tasks, &id);

  if (record == NULL)
    {
      guint64 *key = g_new (guint64, 1);

      *key = id;
      record = g_new0 (TaskRecord, 1);
      g_hash_table_insert (tasks, key, record);
    }
  return record;
}

static const char *
task_name (Writer           *w,
           const TaskRecord *record,
           guint64           id,
           char             *fallback,
           gsize             fallback_len)
{
  const char *label = record->label ? sw_trace_lookup_string (w->trace, record->label) : NULL;

  if (label != NULL && *label != '\0')
    return label;
  g_snprintf (fallback, fallback_len, "task %" G_GUINT64_FORMAT, id);
  return fallback;
}

/* What a lane has begun and not yet ended, innermost last: callbacks
 * and waits may nest (a callback that waits). */
static GPtrArray *
open_stack (GHashTable *stacks,
            guint32     lane,
            guint16     kind)
{
  gpointer key = GSIZE_TO_POINTER (((gsize) lane << 8) | kind);
  GPtrArray *stack = g_hash_table_lookup (stacks, key);

  if (stack == NULL)
    {
      stack = g_ptr_array_new ();
      g_hash_table_insert (stacks, key, stack);
    }
  return stack;
}

static const SwEvent *
pop_open (GHashTable *stacks,
          guint32     lane,
          guint16     kind)
{
  GPtrArray *stack = open_stack (stacks, lane, kind);

  if (stack->len == 0)
    return NULL;
  return g_ptr_array_steal_index (stack, stack->len - 1);
}

/* ",\"args\":{…}" for an instant, then its end. */
static void
end_instant (Writer     *w,
             const char *args_json)
{
  g_string_append (w->out, ",\"s\":\"t\"");
  if (args_json != NULL)
    g_string_append_printf (w->out, ",\"args\":%s", args_json);
  g_string_append_c (w->out, '}');
}

static void
write_instant (Writer       *w,
               const char   *name,
               const char   *cat,
               const SwLane *lane,
               gint64        t,
               const char   *args_json)
{
  write_common (w, "i", name, cat, lane, t);
  end_instant (w, args_json);
}

/* Something still open when the trace is saved: a begin without an end. */
static void
write_open (Writer        *w,
            const char    *name,
            const char    *cat,
            const SwLane  *lane,
            const SwEvent *begin,
            guint64        task)
{
  write_common (w, "B", name, cat, lane, (gint64) begin->time);
  g_string_append_printf (w->out, ",\"args\":{\"task\":%" G_GUINT64_FORMAT, task);
  if (begin->kind == SW_EVENT_WAIT_BEGIN)
    g_string_append_printf (w->out, ",\"pool\":%" G_GUINT64_FORMAT, begin->arg);
  g_string_append (w->out, "}}");
}

static void
write_ctx_switches (Writer       *w,
                    const SwLane *lane,
                    gint64        t,
                    guint64       arg)
{
  g_autofree char *name = g_strdup_printf ("context switches (tid %d)", lane_tid (lane));

  begin_event (w);
  g_string_append (w->out, "{\"ph\":\"C\",\"name\":");
  append_json_string (w->out, name);
  g_string_append_printf (w->out, ",\"cat\":\"ctx\",\"pid\":%d,\"tid\":%d,\"ts\":", lane->pid, lane_tid (lane));
  append_us (w->out, t);
  g_string_append_printf (w->out, ",\"args\":{\"voluntary\":%u,\"involuntary\":%u}}",
                          (guint32) (arg >> 32), (guint32) arg);
}

/**
 * sw_trace_to_chrome_json:
 *
 * Returns: (transfer full): the whole trace as Chrome trace-event JSON
 */
GBytes *
sw_trace_to_chrome_json (SwTrace *trace)
{
  g_autoptr(GArray) lanes = NULL;
  g_autoptr(GArray) events = NULL;
  g_autoptr(GHashTable) tasks = NULL;
  g_autoptr(GHashTable) co_states = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GHashTable) open = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  guint64 next_flow = G_GUINT64_CONSTANT (1) << 62;  /* apart from task ids */
  Writer w = { trace, NULL, TRUE, NULL };
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  events = sw_trace_dup_events (trace);
  lanes = sw_trace_dup_lanes (trace);
  w.out = g_string_sized_new (256 + events->len * 160);
  w.lanes = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < lanes->len; i++)
    {
      SwLane *lane = &g_array_index (lanes, SwLane, i);
      g_hash_table_insert (w.lanes, GUINT_TO_POINTER (lane->id), lane);
    }
  tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  g_string_append (w.out, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
  write_metadata (&w, lanes);

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      const SwLane *lane = find_lane (&w, e->lane);
      const SwEvent *begin;
      TaskRecord *record;
      char fallback[48];
      g_autofree char *args = NULL;

      /* A helper thread records for others, never on its own lane. */
      if (lane == NULL || lane->kind == SW_LANE_HELPER)
        continue;

      switch (e->kind)
        {
        case SW_EVENT_TASK_SUBMIT:
          record = task_record (tasks, e->object);
          record->submit = e;
          record->label = e->arg;
          {
            g_autoptr(GString) a = g_string_new (NULL);

            g_string_append_printf (a, "{\"task\":%" G_GUINT64_FORMAT, e->object);
            if (e->arg != 0)
              {
                g_string_append (a, ",\"label\":");
                append_json_string (a, sw_trace_lookup_string (trace, e->arg));
              }
            g_string_append_c (a, '}');
            /* 1 µs: something for the flow arrow to start in. */
            write_slice (&w, "submit", "submit", lane, (gint64) e->time, (gint64) e->time + 1000, a->str);
          }
          begin_event (&w);
          g_string_append_printf (w.out, "{\"ph\":\"s\",\"name\":\"submit\",\"cat\":\"flow\",\"id\":%" G_GUINT64_FORMAT ",\"pid\":%d,\"tid\":%d,\"ts\":",
                                  e->object, lane->pid, lane_tid (lane));
          append_us (w.out, (gint64) e->time);
          g_string_append_c (w.out, '}');
          break;

        case SW_EVENT_TASK_START:
          record = task_record (tasks, e->object);
          if (record->start != NULL)
            break;
          record->start = e;
          if (record->submit != NULL)
            {
              begin_event (&w);
              g_string_append_printf (w.out, "{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"submit\",\"cat\":\"flow\",\"id\":%" G_GUINT64_FORMAT ",\"pid\":%d,\"tid\":%d,\"ts\":",
                                      e->object, lane->pid, lane_tid (lane));
              append_us (w.out, (gint64) e->time);
              g_string_append_c (w.out, '}');
            }
          break;

        case SW_EVENT_TASK_END:
        case SW_EVENT_TASK_ERROR:
          {
            const SwLane *start_lane;
            g_autoptr(GString) a = g_string_new (NULL);

            record = task_record (tasks, e->object);
            if (record->over)
              break;
            record->over = TRUE;
            start_lane = record->start ? find_lane (&w, record->start->lane) : NULL;
            g_string_append_printf (a, "{\"task\":%" G_GUINT64_FORMAT ",\"state\":\"%s\"",
                                    e->object, e->kind == SW_EVENT_TASK_END ? "finished" : "failed");
            if (e->kind == SW_EVENT_TASK_ERROR)
              {
                g_string_append (a, ",\"error\":");
                append_json_string (a, sw_trace_lookup_string (trace, e->arg));
              }
            if (e->flags != 0)
              g_string_append_printf (a, ",\"flags\":%u", e->flags);
            /* A process pool's parent records the end of a task its worker ran. */
            if (start_lane != NULL && start_lane != lane)
              g_string_append_printf (a, ",\"end_pid\":%d,\"end_tid\":%d", lane->pid, lane_tid (lane));
            g_string_append_c (a, '}');
            if (start_lane != NULL)
              write_slice (&w, task_name (&w, record, e->object, fallback, sizeof fallback),
                           "task", start_lane, (gint64) record->start->time, (gint64) e->time, a->str);
            else
              /* Never ran (a broken pool fails what it still held). */
              write_instant (&w, e->kind == SW_EVENT_TASK_END ? "finished" : "failed", "task",
                             lane, (gint64) e->time, a->str);
          }
          break;

        case SW_EVENT_CALLBACK_BEGIN:
        case SW_EVENT_WAIT_BEGIN:
          g_ptr_array_add (open_stack (open, e->lane, e->kind), (gpointer) e);
          break;

        case SW_EVENT_CALLBACK_END:
          begin = pop_open (open, e->lane, SW_EVENT_CALLBACK_BEGIN);
          if (begin != NULL)
            {
              args = g_strdup_printf ("{\"task\":%" G_GUINT64_FORMAT ",\"state\":\"%s\"}", begin->object,
                                      (e->flags & SW_EVENT_FLAG_FAILED) ? "failed" : "finished");
              write_slice (&w, "done-callback", "callback", lane, (gint64) begin->time, (gint64) e->time, args);
            }
          break;

        case SW_EVENT_WAIT_END:
          begin = pop_open (open, e->lane, SW_EVENT_WAIT_BEGIN);
          if (begin != NULL)
            {
              SwWaitKind kind = sw_wait_kind (begin->object, begin->arg);
              g_autofree char *name = NULL;
              g_autofree char *count = NULL;

              if (kind == SW_WAIT_RESULT)
                {
                  record = task_record (tasks, begin->object);
                  name = g_strdup_printf ("result(%s)", task_name (&w, record, begin->object, fallback, sizeof fallback));
                }
              else
                name = g_strdup (sw_wait_kind_to_string (kind));
              /* A join's "pool" is its SW_WAIT_ARG_JOIN… tag, for reading back. */
              if (kind == SW_WAIT_JOIN || kind == SW_WAIT_JOINALL)
                count = g_strdup_printf (",\"coroutines\":%u", SW_WAIT_ARG_N_COROUTINES (begin->arg));
              args = g_strdup_printf ("{\"task\":%" G_GUINT64_FORMAT ",\"pool\":%" G_GUINT64_FORMAT
                                      ",\"end_task\":%" G_GUINT64_FORMAT ",\"end_pool\":%" G_GUINT64_FORMAT "%s}",
                                      begin->object, begin->arg, e->object, e->arg, count ? count : "");
              write_slice (&w, name, "wait", lane, (gint64) begin->time, (gint64) e->time, args);
            }
          break;

        case SW_EVENT_TASK_CANCEL:
          args = g_strdup_printf ("{\"task\":%" G_GUINT64_FORMAT "}", e->object);
          write_instant (&w, "cancelled", "task", lane, (gint64) e->time, args);
          break;

        case SW_EVENT_POOL_SHUTDOWN:
          args = g_strdup_printf ("{\"pool\":%" G_GUINT64_FORMAT ",\"wait\":%" G_GUINT64_FORMAT "}", e->object, e->arg);
          write_instant (&w, "shutdown", "pool", lane, (gint64) e->time, args);
          break;

        case SW_EVENT_LOG:
          write_instant (&w, sw_trace_lookup_string (trace, e->arg), "log", lane, (gint64) e->time, NULL);
          break;

        case SW_EVENT_CONN_OPEN:
        case SW_EVENT_CONN_CLOSE:
        case SW_EVENT_BYTES_IN:
        case SW_EVENT_BYTES_OUT:
          {
            static const char *const names[] = { "connection open", "connection close", "bytes in", "bytes out" };

            args = g_strdup_printf ("{\"conn\":%" G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT "}", e->object, e->arg);
            write_instant (&w, names[e->kind - SW_EVENT_CONN_OPEN], "conn", lane, (gint64) e->time, args);
          }
          break;

        case SW_EVENT_CTX_SWITCHES:
          write_ctx_switches (&w, lane, (gint64) e->time, e->arg);
          break;

        case SW_EVENT_COUNTER:
          /* A counter track per name and process (Perfetto draws "C" events
           * as graphs); the tid says which lane recorded it. */
          begin_event (&w);
          g_string_append (w.out, "{\"ph\":\"C\",\"name\":");
          append_json_string (w.out, sw_trace_lookup_string (trace, e->object));
          g_string_append_printf (w.out, ",\"pid\":%d,\"tid\":%d,\"ts\":", lane->pid, lane_tid (lane));
          append_us (w.out, (gint64) e->time);
          g_string_append_printf (w.out, ",\"args\":{\"value\":%" G_GINT64_FORMAT "}}", (gint64) e->arg);
          break;

        case SW_EVENT_CO_SPAWN:
          {
            const SwLane *child = find_lane (&w, (guint32) e->object);

            /* Spawned: ready, waiting for the thread. */
            co_open (co_states, (guint32) e->object, (gint64) e->time, FALSE, 0);
            if (child != NULL)
              {
                args = g_strdup_printf ("{\"coroutine_pid\":%d,\"coroutine_tid\":%d}", child->pid, lane_tid (child));
                write_instant (&w, "spawn", "coroutine", lane, (gint64) e->time, args);
              }
          }
          break;

        case SW_EVENT_CO_SWITCH:
          {
            const SwLane *to = find_lane (&w, (guint32) e->object);

            co_close (&w, co_states, e->lane, (gint64) e->time);
            co_close (&w, co_states, (guint32) e->object, (gint64) e->time);
            if (lane->kind == SW_LANE_COROUTINE && e->flags != SW_SWITCH_EXIT)
              co_open (co_states, e->lane, (gint64) e->time, FALSE, e->flags);
            co_open (co_states, (guint32) e->object, (gint64) e->time, TRUE, 0);
            if (to != NULL)
              {
                write_flow (&w, "s", next_flow, lane, e);
                write_flow (&w, "f", next_flow, to, e);
                next_flow++;
              }
          }
          break;

        case SW_EVENT_CO_EXIT:
          co_close (&w, co_states, e->lane, (gint64) e->time);
          write_instant (&w, (e->flags & SW_EVENT_FLAG_FAILED) ? "exit (failed)" : "exit",
                         "coroutine", lane, (gint64) e->time, NULL);
          break;

        default:
          break;
        }
    }

  /* Still open when saved: tasks running, callbacks and waits not over. */
  g_hash_table_iter_init (&iter, tasks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      TaskRecord *record = value;
      const SwLane *lane = record->start ? find_lane (&w, record->start->lane) : NULL;
      char fallback[48];

      if (lane != NULL && !record->over)
        write_open (&w, task_name (&w, record, *(guint64 *) key, fallback, sizeof fallback), "task",
                    lane, record->start, *(guint64 *) key);
    }
  g_hash_table_iter_init (&iter, open);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *stack = value;

      for (guint i = 0; i < stack->len; i++)
        {
          const SwEvent *e = g_ptr_array_index (stack, i);
          const SwLane *lane = find_lane (&w, e->lane);

          if (e->kind == SW_EVENT_CALLBACK_BEGIN)
            write_open (&w, "done-callback", "callback", lane, e, e->object);
          else
            {
              SwWaitKind kind = sw_wait_kind (e->object, e->arg);

              write_open (&w, kind == SW_WAIT_RESULT ? "result()" : sw_wait_kind_to_string (kind),
                          "wait", lane, e, e->object);
            }
        }
    }

  g_string_append_printf (w.out, "\n],\"otherData\":{\"generator\":\"Switchyard %s\",\"dropped_events\":%" G_GUINT64_FORMAT "}}\n",
                          PACKAGE_VERSION, sw_trace_get_dropped (trace));
  g_hash_table_unref (w.lanes);

  return g_string_free_to_bytes (w.out);
}


gboolean
sw_trace_save_chrome_json (SwTrace     *trace,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SW_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  json = sw_trace_to_chrome_json (trace);
  if (!g_file_set_contents (path, g_bytes_get_data (json, NULL), g_bytes_get_size (json), &local_error))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot write trace: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}
