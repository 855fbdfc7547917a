/* test-future.c — futures behave like concurrent.futures.Future */
#include "config.h"

#include <string.h>

#include "switchyard.h"
#include "sw-future-private.h"

/* Every wait in these tests is bounded by this; none is expected to come
 * near it. */
#define DEADLINE_US (30 * G_USEC_PER_SEC)

/* Events of @kind about @object, in time order. */
static GArray *
dup_events_of (SwTrace     *trace,
               SwEventKind  kind,
               guint64      object)
{
  g_autoptr(GArray) all = sw_trace_dup_events (trace);
  GArray *found = g_array_new (FALSE, FALSE, sizeof (SwEvent));

  for (guint i = 0; i < all->len; i++)
    {
      const SwEvent *e = &g_array_index (all, SwEvent, i);

      if (e->kind == kind && e->object == object)
        g_array_append_val (found, *e);
    }
  return found;
}

/* The one event of @kind about @object; fails unless there is exactly one. */
static SwEvent
the_event (SwTrace     *trace,
           SwEventKind  kind,
           guint64      object)
{
  g_autoptr(GArray) found = dup_events_of (trace, kind, object);

  g_assert_cmpuint (found->len, ==, 1);
  return g_array_index (found, SwEvent, 0);
}

static guint
count_events (SwTrace     *trace,
              SwEventKind  kind,
              guint64      object)
{
  g_autoptr(GArray) found = dup_events_of (trace, kind, object);

  return found->len;
}

/* Bounded spin until the trace holds an event of @kind about @object. */
static void
wait_for_event (SwTrace     *trace,
                SwEventKind  kind,
                guint64      object)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (count_events (trace, kind, object) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_thread_yield ();
    }
}

/* Completes a future from another thread once the main thread is blocked
 * in result() on it (its WAIT_BEGIN is in the trace). */
typedef enum {
  COMPLETE_RESULT,
  COMPLETE_CANCEL,
} CompleteAction;

typedef struct
{
  SwTrace        *trace;
  SwFuture       *future;
  CompleteAction  action;
} Completer;

static gpointer
completer_thread (gpointer data)
{
  Completer *c = data;

  wait_for_event (c->trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (c->future));
  if (c->action == COMPLETE_RESULT)
    _sw_future_set_result (c->future, g_variant_new_int32 (42));
  else
    g_assert_true (sw_future_cancel (c->future));
  return NULL;
}

/* Records each callback run: which one, on which thread, what it saw. */
typedef struct
{
  GMutex         lock;
  GArray        *order;      /* guarded by lock: callback indices as they ran */
  GThread       *thread;     /* guarded by lock: thread of the last run */
  SwFutureState  state;      /* guarded by lock: state seen by the last run */
  gint           destroyed;  /* atomic */
} CallbackLog;

typedef struct
{
  CallbackLog *log;
  guint        index;
} CallbackData;

static void
callback_log_init (CallbackLog *log)
{
  *log = (CallbackLog) { 0 };
  g_mutex_init (&log->lock);
  log->order = g_array_new (FALSE, FALSE, sizeof (guint));
}

static void
callback_log_clear (CallbackLog *log)
{
  g_array_unref (log->order);
  g_mutex_clear (&log->lock);
}

static void
logging_cb (SwFuture *future,
            gpointer  user_data)
{
  CallbackData *cd = user_data;
  SwFutureState state = sw_future_get_state (future);

  g_mutex_lock (&cd->log->lock);
  g_array_append_val (cd->log->order, cd->index);
  cd->log->thread = g_thread_self ();
  cd->log->state = state;
  g_mutex_unlock (&cd->log->lock);
}

static void
callback_data_free (gpointer data)
{
  CallbackData *cd = data;

  g_atomic_int_inc (&cd->log->destroyed);
  g_free (cd);
}

static void
add_logging_callback (SwFuture    *future,
                      CallbackLog *log,
                      guint        index)
{
  CallbackData *cd = g_new0 (CallbackData, 1);

  cd->log = log;
  cd->index = index;
  sw_future_add_done_callback (future, logging_cb, cd, callback_data_free);
}

static void
test_future_new_is_pending_with_unique_id (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) a = _sw_future_new (trace, "download");
  g_autoptr(SwFuture) b = _sw_future_new (trace, NULL);

  g_assert_cmpint (sw_future_get_state (a), ==, SW_FUTURE_PENDING);
  g_assert_false (sw_future_is_done (a));
  g_assert_cmpstr (sw_future_get_label (a), ==, "download");
  g_assert_cmpstr (sw_future_get_label (b), ==, "");
  g_assert_cmpuint (sw_future_get_id (a), >=, 1);
  g_assert_cmpuint (sw_future_get_id (b), >, sw_future_get_id (a));
  g_assert_cmpuint (_sw_future_get_label_id (a), ==, sw_trace_intern (trace, "download"));
}

static void
test_future_state_transitions (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) ok = _sw_future_new (trace, "ok");
  g_autoptr(SwFuture) failing = _sw_future_new (trace, "failing");
  g_autoptr(SwFuture) cancelled = _sw_future_new (trace, "cancelled");

  g_assert_true (_sw_future_set_running (ok));
  g_assert_cmpint (sw_future_get_state (ok), ==, SW_FUTURE_RUNNING);
  g_assert_false (sw_future_is_done (ok));
  _sw_future_set_result (ok, g_variant_new_int32 (1));
  g_assert_cmpint (sw_future_get_state (ok), ==, SW_FUTURE_FINISHED);
  g_assert_true (sw_future_is_done (ok));

  g_assert_true (_sw_future_set_running (failing));
  _sw_future_set_error (failing, g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "boom"));
  g_assert_cmpint (sw_future_get_state (failing), ==, SW_FUTURE_FAILED);
  g_assert_true (sw_future_is_done (failing));

  g_assert_true (sw_future_cancel (cancelled));
  g_assert_cmpint (sw_future_get_state (cancelled), ==, SW_FUTURE_CANCELLED);
  g_assert_true (sw_future_is_done (cancelled));
  /* The executor skips a task whose future was cancelled while queued. */
  g_assert_false (_sw_future_set_running (cancelled));
  g_assert_cmpint (sw_future_get_state (cancelled), ==, SW_FUTURE_CANCELLED);

  /* A future may also finish without passing through RUNNING. */
  {
    g_autoptr(SwFuture) direct = _sw_future_new (trace, "direct");

    _sw_future_set_result (direct, g_variant_new_int32 (2));
    g_assert_cmpint (sw_future_get_state (direct), ==, SW_FUTURE_FINISHED);
  }
}

static void
test_future_state_names (void)
{
  g_assert_cmpstr (sw_future_state_to_string (SW_FUTURE_PENDING), ==, "pending");
  g_assert_cmpstr (sw_future_state_to_string (SW_FUTURE_RUNNING), ==, "running");
  g_assert_cmpstr (sw_future_state_to_string (SW_FUTURE_FINISHED), ==, "finished");
  g_assert_cmpstr (sw_future_state_to_string (SW_FUTURE_FAILED), ==, "failed");
  g_assert_cmpstr (sw_future_state_to_string (SW_FUTURE_CANCELLED), ==, "cancelled");
}

static void
test_future_result_blocks_until_done (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "slow");
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  Completer c = { trace, future, COMPLETE_RESULT };
  guint64 id = sw_future_get_id (future);
  guint32 main_lane = sw_trace_get_current_lane (trace);
  GThread *thread;
  SwEvent begin, end, wait_end;

  g_assert_true (_sw_future_set_running (future));
  thread = g_thread_new ("completer", completer_thread, &c);

  value = sw_future_result (future, -1, &error);
  g_thread_join (thread);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_false (g_variant_is_floating (value));
  g_assert_cmpint (g_variant_get_int32 (value), ==, 42);

  /* The wait is on the caller's lane, the completion on the completer's,
   * and the wait spans the completion. */
  begin = the_event (trace, SW_EVENT_WAIT_BEGIN, id);
  end = the_event (trace, SW_EVENT_TASK_END, id);
  wait_end = the_event (trace, SW_EVENT_WAIT_END, id);
  g_assert_cmpuint (begin.lane, ==, main_lane);
  g_assert_cmpuint (wait_end.lane, ==, main_lane);
  g_assert_cmpuint (wait_end.flags, ==, 0);
  g_assert_cmpuint (end.lane, !=, main_lane);
  g_assert_cmpuint (begin.time, <=, end.time);
  g_assert_cmpuint (end.time, <=, wait_end.time);
}

static void
test_future_result_wakes_on_cancel (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "never run");
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  Completer c = { trace, future, COMPLETE_CANCEL };
  GThread *thread;

  thread = g_thread_new ("canceller", completer_thread, &c);
  value = sw_future_result (future, -1, &error);
  g_thread_join (thread);

  g_assert_null (value);
  g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
  g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_END, sw_future_get_id (future)), ==, 1);
}

static void
test_future_result_times_out (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "stuck");
  guint64 id = sw_future_get_id (future);

  /* Polling a pending future: timed out, and nothing waited. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_future_result (future, 0, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
    g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, id), ==, 0);
  }

  /* A bounded wait on a running future: timed out after a real wait,
   * whose end says it failed. */
  g_assert_true (_sw_future_set_running (future));
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_future_result (future, 1000, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
    g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, id), ==, 1);
    g_assert_cmpuint (the_event (trace, SW_EVENT_WAIT_END, id).flags, ==, SW_EVENT_FLAG_FAILED);
  }

  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_RUNNING);
}

static void
test_future_result_of_done_future_does_not_wait (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "quick");
  g_autoptr(GVariant) kept = g_variant_ref_sink (g_variant_new_string ("hello"));
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;

  /* A non-floating value: the future takes its own reference. */
  _sw_future_set_result (future, kept);
  first = sw_future_result (future, 0, NULL);
  second = sw_future_result (future, -1, NULL);

  g_assert_true (first == kept);
  g_assert_true (second == kept);
  g_assert_cmpstr (g_variant_get_string (kept, NULL), ==, "hello");
  g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (future)), ==, 0);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_END, sw_future_get_id (future)), ==, 1);
}

static void
test_future_cancel_pending_succeeds (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "queued");
  g_autoptr(GError) error = NULL;
  guint64 id = sw_future_get_id (future);

  g_assert_true (sw_future_cancel (future));
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_CANCELLED);
  /* Cancelling a cancelled future is still a success, and not a new event. */
  g_assert_true (sw_future_cancel (future));

  g_assert_null (sw_future_result (future, -1, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_CANCEL, id), ==, 1);
  g_assert_cmpuint (the_event (trace, SW_EVENT_TASK_CANCEL, id).lane, ==,
                    sw_trace_get_current_lane (trace));
}

static void
test_future_cancel_running_or_done_fails (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) running = _sw_future_new (trace, "running");
  g_autoptr(SwFuture) finished = _sw_future_new (trace, "finished");
  g_autoptr(SwFuture) failed = _sw_future_new (trace, "failed");

  g_assert_true (_sw_future_set_running (running));
  g_assert_false (sw_future_cancel (running));
  g_assert_cmpint (sw_future_get_state (running), ==, SW_FUTURE_RUNNING);

  _sw_future_set_result (finished, g_variant_new_boolean (TRUE));
  g_assert_false (sw_future_cancel (finished));
  g_assert_cmpint (sw_future_get_state (finished), ==, SW_FUTURE_FINISHED);

  _sw_future_set_error (failed, g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "no"));
  g_assert_false (sw_future_cancel (failed));
  g_assert_cmpint (sw_future_get_state (failed), ==, SW_FUTURE_FAILED);

  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_CANCEL, sw_future_get_id (running)), ==, 0);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_CANCEL, sw_future_get_id (finished)), ==, 0);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_CANCEL, sw_future_get_id (failed)), ==, 0);
}

static void
test_future_task_error_comes_back (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "reader");
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;
  SwEvent e;

  g_assert_true (_sw_future_set_running (future));
  _sw_future_set_error (future, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                     "no such file"));

  /* The task's own error, a fresh copy for each caller. */
  g_assert_null (sw_future_result (future, 0, &first));
  g_assert_null (sw_future_result (future, -1, &second));
  g_assert_error (first, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_error (second, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (first->message, ==, "no such file");
  g_assert_true (first != second);

  e = the_event (trace, SW_EVENT_TASK_ERROR, sw_future_get_id (future));
  g_assert_cmpuint (e.flags, ==, SW_EVENT_FLAG_FAILED);
  g_assert_cmpstr (sw_trace_lookup_string (trace, e.arg), ==, "no such file");
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_END, sw_future_get_id (future)), ==, 0);
}

static void
test_future_callbacks_run_once_in_order (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "with callbacks");
  guint64 id = sw_future_get_id (future);
  CallbackLog log;

  callback_log_init (&log);
  for (guint i = 0; i < 3; i++)
    add_logging_callback (future, &log, i);
  g_assert_cmpuint (log.order->len, ==, 0);

  _sw_future_set_result (future, g_variant_new_int32 (7));

  g_assert_cmpuint (log.order->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (log.order, guint, i), ==, i);
  g_assert_cmpint (log.state, ==, SW_FUTURE_FINISHED);
  g_assert_cmpint (g_atomic_int_get (&log.destroyed), ==, 3);

  /* Nothing that happens later runs them again. */
  g_assert_false (sw_future_cancel (future));
  g_assert_cmpuint (log.order->len, ==, 3);

  g_assert_cmpuint (count_events (trace, SW_EVENT_CALLBACK_BEGIN, id), ==, 3);
  g_assert_cmpuint (count_events (trace, SW_EVENT_CALLBACK_END, id), ==, 3);
  /* The future's end comes before its first callback. */
  {
    g_autoptr(GArray) begins = dup_events_of (trace, SW_EVENT_CALLBACK_BEGIN, id);

    g_assert_cmpuint (the_event (trace, SW_EVENT_TASK_END, id).time, <=,
                      g_array_index (begins, SwEvent, 0).time);
  }

  callback_log_clear (&log);
}

static void
result_in_callback_cb (SwFuture *future,
                       gpointer  user_data)
{
  GVariant **out = user_data;

  /* Callbacks run outside the future's lock: this must not deadlock. */
  *out = sw_future_result (future, 0, NULL);
}

static void
test_future_callback_can_read_result (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "read in callback");
  g_autoptr(GVariant) seen = NULL;

  sw_future_add_done_callback (future, result_in_callback_cb, &seen, NULL);
  _sw_future_set_result (future, g_variant_new_int32 (99));

  g_assert_nonnull (seen);
  g_assert_cmpint (g_variant_get_int32 (seen), ==, 99);
}

static void
test_future_callback_after_done_runs_at_once (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) finished = _sw_future_new (trace, "finished");
  g_autoptr(SwFuture) failed = _sw_future_new (trace, "failed");
  g_autoptr(SwFuture) cancelled = _sw_future_new (trace, "cancelled");
  SwFuture *futures[] = { finished, failed, cancelled };
  SwFutureState states[] = { SW_FUTURE_FINISHED, SW_FUTURE_FAILED, SW_FUTURE_CANCELLED };
  guint32 main_lane = sw_trace_get_current_lane (trace);

  _sw_future_set_result (finished, g_variant_new_int32 (1));
  _sw_future_set_error (failed, g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "x"));
  g_assert_true (sw_future_cancel (cancelled));

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      CallbackLog log;
      SwEvent begin;

      callback_log_init (&log);
      add_logging_callback (futures[i], &log, i);

      /* Ran before add returned, here, and was released. */
      g_assert_cmpuint (log.order->len, ==, 1);
      g_assert_true (log.thread == g_thread_self ());
      g_assert_cmpint (log.state, ==, states[i]);
      g_assert_cmpint (g_atomic_int_get (&log.destroyed), ==, 1);

      begin = the_event (trace, SW_EVENT_CALLBACK_BEGIN, sw_future_get_id (futures[i]));
      g_assert_cmpuint (begin.lane, ==, main_lane);
      callback_log_clear (&log);
    }
}

typedef struct
{
  SwFuture *future;
  GThread  *thread;
} SetterData;

static gpointer
set_result_thread (gpointer data)
{
  SetterData *sd = data;

  sd->thread = g_thread_self ();
  _sw_future_set_result (sd->future, g_variant_new_int32 (5));
  return NULL;
}

static void
test_future_callback_runs_on_completing_thread (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "elsewhere");
  SetterData sd = { future, NULL };
  guint64 id = sw_future_get_id (future);
  CallbackLog log;
  GThread *thread;

  callback_log_init (&log);
  add_logging_callback (future, &log, 0);

  thread = g_thread_new ("setter", set_result_thread, &sd);
  g_thread_join (thread);

  g_assert_cmpuint (log.order->len, ==, 1);
  g_assert_true (log.thread == sd.thread);
  g_assert_true (log.thread != g_thread_self ());
  /* …and the timeline shows it on that thread's lane, with the task's end. */
  g_assert_cmpuint (the_event (trace, SW_EVENT_CALLBACK_BEGIN, id).lane, ==,
                    the_event (trace, SW_EVENT_TASK_END, id).lane);
  g_assert_cmpuint (the_event (trace, SW_EVENT_CALLBACK_BEGIN, id).lane, !=,
                    sw_trace_get_current_lane (trace));
  callback_log_clear (&log);
}

static void
test_future_callback_runs_on_cancel (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "to cancel");
  CallbackLog log;

  callback_log_init (&log);
  add_logging_callback (future, &log, 0);
  g_assert_true (sw_future_cancel (future));

  g_assert_cmpuint (log.order->len, ==, 1);
  g_assert_cmpint (log.state, ==, SW_FUTURE_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&log.destroyed), ==, 1);
  callback_log_clear (&log);
}

static void
test_future_second_completion_keeps_first (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "twice");
  g_autoptr(GVariant) value = NULL;

  _sw_future_set_result (future, g_variant_new_int32 (1));

  /* Like InvalidStateError: a programmer error, reported, first kept. */
  g_test_expect_message ("Switchyard", G_LOG_LEVEL_CRITICAL, "*already finished*");
  _sw_future_set_result (future, g_variant_new_int32 (2));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Switchyard", G_LOG_LEVEL_CRITICAL, "*already finished*");
  _sw_future_set_error (future, g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "late"));
  g_test_assert_expected_messages ();

  value = sw_future_result (future, 0, NULL);
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FINISHED);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 1);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_END, sw_future_get_id (future)), ==, 1);
  g_assert_cmpuint (count_events (trace, SW_EVENT_TASK_ERROR, sw_future_get_id (future)), ==, 0);
}

static void
test_future_dropped_pending_releases_callbacks (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwFuture *future = _sw_future_new (trace, "abandoned");
  CallbackLog log;

  callback_log_init (&log);
  add_logging_callback (future, &log, 0);
  g_object_unref (future);

  /* Never completed: never called, but its data is freed. */
  g_assert_cmpuint (log.order->len, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&log.destroyed), ==, 1);
  callback_log_clear (&log);
}

static void
test_future_exception_returns_task_error (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) ok = _sw_future_new (trace, "ok");
  g_autoptr(SwFuture) failed = _sw_future_new (trace, "failed");
  g_autoptr(SwFuture) cancelled = _sw_future_new (trace, "cancelled");
  g_autoptr(SwFuture) running = _sw_future_new (trace, "running");

  _sw_future_set_result (ok, g_variant_new_int32 (1));
  _sw_future_set_error (failed, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone"));
  g_assert_true (sw_future_cancel (cancelled));
  g_assert_true (_sw_future_set_running (running));

  /* Success: done, and no task error. */
  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (sw_future_exception (ok, 0, &task_error, &error));
    g_assert_no_error (error);
    g_assert_null (task_error);
  }
  /* Failure: the call succeeds and hands over a copy of the task's error. */
  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (sw_future_exception (failed, -1, &task_error, &error));
    g_assert_no_error (error);
    g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_cmpstr (task_error->message, ==, "gone");
  }
  /* Cancelled and timed out are failures of the call itself. */
  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false (sw_future_exception (cancelled, -1, &task_error, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
    g_assert_null (task_error);
  }
  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false (sw_future_exception (running, 1000, &task_error, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
    g_assert_null (task_error);
    g_assert_cmpuint (the_event (trace, SW_EVENT_WAIT_END, sw_future_get_id (running)).flags,
                      ==, SW_EVENT_FLAG_FAILED);
  }
}

static gboolean
full_ok_cb (SwFuture  *future,
            gpointer   user_data,
            GError   **error)
{
  CallbackData *cd = user_data;

  logging_cb (future, cd);
  return TRUE;
}

static gboolean
full_failing_cb (SwFuture  *future,
                 gpointer   user_data,
                 GError   **error)
{
  CallbackData *cd = user_data;

  logging_cb (future, cd);
  g_set_error_literal (error, SW_ERROR, SW_ERROR_FAILED, "parser exploded");
  return FALSE;
}

static void
add_full_callback (SwFuture             *future,
                   SwFutureCallbackFull  func,
                   CallbackLog          *log,
                   guint                 index)
{
  CallbackData *cd = g_new0 (CallbackData, 1);

  cd->log = log;
  cd->index = index;
  sw_future_add_done_callback_full (future, func, cd, callback_data_free);
}

/* Finds the LOG events whose line contains @needle. */
static guint
count_log_lines (SwTrace    *trace,
                 const char *needle)
{
  g_autoptr(GArray) all = sw_trace_dup_events (trace);
  guint n = 0;

  for (guint i = 0; i < all->len; i++)
    {
      const SwEvent *e = &g_array_index (all, SwEvent, i);

      if (e->kind == SW_EVENT_LOG && strstr (sw_trace_lookup_string (trace, e->arg), needle) != NULL)
        n++;
    }
  return n;
}

static void
test_future_failing_callback_is_recorded_and_others_run (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "parse later");
  g_autoptr(GArray) ends = NULL;
  g_autofree char *line = NULL;
  guint64 id = sw_future_get_id (future);
  CallbackLog log;

  callback_log_init (&log);
  add_logging_callback (future, &log, 0);
  add_full_callback (future, full_failing_cb, &log, 1);
  add_full_callback (future, full_ok_cb, &log, 2);
  add_logging_callback (future, &log, 3);

  _sw_future_set_result (future, g_variant_new_int32 (3));

  /* All four ran, in order, and were released. */
  g_assert_cmpuint (log.order->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (log.order, guint, i), ==, i);
  g_assert_cmpint (g_atomic_int_get (&log.destroyed), ==, 4);

  /* Only the second one's end is flagged, and its error is in the log. */
  ends = dup_events_of (trace, SW_EVENT_CALLBACK_END, id);
  g_assert_cmpuint (ends->len, ==, 4);
  g_assert_cmpuint (g_array_index (ends, SwEvent, 0).flags, ==, 0);
  g_assert_cmpuint (g_array_index (ends, SwEvent, 1).flags, ==, SW_EVENT_FLAG_FAILED);
  g_assert_cmpuint (g_array_index (ends, SwEvent, 2).flags, ==, 0);
  g_assert_cmpuint (g_array_index (ends, SwEvent, 3).flags, ==, 0);
  line = g_strdup_printf ("done-callback of task %" G_GUINT64_FORMAT " (parse later) failed: parser exploded", id);
  g_assert_cmpuint (count_log_lines (trace, line), ==, 1);

  /* The future itself is untouched by its callback's failure. */
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FINISHED);
  callback_log_clear (&log);
}

static void
test_future_failing_callback_after_done_is_recorded (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) future = _sw_future_new (trace, "done already");
  CallbackLog log;

  callback_log_init (&log);
  _sw_future_set_result (future, g_variant_new_int32 (1));

  /* Runs at once, here; its failure is recorded and add returns normally. */
  add_full_callback (future, full_failing_cb, &log, 0);
  g_assert_cmpuint (log.order->len, ==, 1);
  g_assert_true (log.thread == g_thread_self ());
  g_assert_cmpuint (the_event (trace, SW_EVENT_CALLBACK_END, sw_future_get_id (future)).flags,
                    ==, SW_EVENT_FLAG_FAILED);
  g_assert_cmpuint (count_log_lines (trace, "parser exploded"), ==, 1);

  /* A callback added after it still runs. */
  add_logging_callback (future, &log, 1);
  g_assert_cmpuint (log.order->len, ==, 2);
  callback_log_clear (&log);
}

/* Completes futures from another thread once the main thread is blocked
 * (a WAIT_BEGIN about @wait_object is in the trace) — with @each_wait,
 * blocked again before each one, as as_completed's next() is. */
typedef struct
{
  SwTrace  *trace;
  guint64   wait_object;
  SwFuture *to_finish[4];  /* NULL-terminated; finished in this order */
  gboolean  fail;          /* fail them instead */
  gboolean  each_wait;
} LateCompleter;

static gpointer
late_completer_thread (gpointer data)
{
  LateCompleter *lc = data;

  for (guint i = 0; i < G_N_ELEMENTS (lc->to_finish) && lc->to_finish[i] != NULL; i++)
    {
      /* Before each completion, the waiter must be blocked again. */
      gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

      while (count_events (lc->trace, SW_EVENT_WAIT_BEGIN, lc->wait_object) <= (lc->each_wait ? i : 0))
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_thread_yield ();
        }
      if (lc->fail)
        _sw_future_set_error (lc->to_finish[i], g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "late"));
      else
        _sw_future_set_result (lc->to_finish[i], g_variant_new_int32 ((gint32) i));
    }
  return NULL;
}

static gboolean
array_has (GPtrArray *array,
           SwFuture  *future)
{
  return g_ptr_array_find (array, future, NULL);
}

static void
test_future_wait_first_completed (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) slow = _sw_future_new (trace, "slow");
  g_autoptr(SwFuture) quick = _sw_future_new (trace, "quick");
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { slow, quick };
  LateCompleter lc = { trace, sw_future_get_id (slow), { quick, NULL }, FALSE };
  GThread *thread;

  thread = g_thread_new ("completer", late_completer_thread, &lc);
  g_assert_true (sw_futures_wait (fs, 2, SW_WAIT_FIRST_COMPLETED, -1, &done, &not_done));
  g_thread_join (thread);

  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (array_has (done, quick));
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (array_has (not_done, slow));
  /* It blocked, on this lane, about the first future given. */
  g_assert_cmpuint (the_event (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (slow)).lane, ==,
                    sw_trace_get_current_lane (trace));
  g_assert_cmpuint (the_event (trace, SW_EVENT_WAIT_END, sw_future_get_id (slow)).flags, ==, 0);
  /* No done-callback was used for it. */
  g_assert_cmpuint (count_events (trace, SW_EVENT_CALLBACK_BEGIN, sw_future_get_id (quick)), ==, 0);
}

static void
test_future_wait_already_done_does_not_block (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) pending = _sw_future_new (trace, "pending");
  g_autoptr(SwFuture) finished = _sw_future_new (trace, "finished");
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { pending, finished };

  _sw_future_set_result (finished, g_variant_new_int32 (1));
  g_assert_true (sw_futures_wait (fs, 2, SW_WAIT_FIRST_COMPLETED, -1, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (done->pdata[0] == finished);
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (not_done->pdata[0] == pending);
  g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (pending)), ==, 0);

  /* Nothing at all to wait for is met at once in every mode. */
  for (SwWaitMode mode = SW_WAIT_FIRST_COMPLETED; mode <= SW_WAIT_ALL_COMPLETED; mode++)
    {
      g_autoptr(GPtrArray) d = NULL;
      g_autoptr(GPtrArray) nd = NULL;

      g_assert_true (sw_futures_wait (NULL, 0, mode, -1, &d, &nd));
      g_assert_cmpuint (d->len, ==, 0);
      g_assert_cmpuint (nd->len, ==, 0);
    }
}

static void
test_future_wait_first_exception (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) slow = _sw_future_new (trace, "slow");
  g_autoptr(SwFuture) ok = _sw_future_new (trace, "ok");
  g_autoptr(SwFuture) cancelled = _sw_future_new (trace, "cancelled");
  g_autoptr(SwFuture) failing = _sw_future_new (trace, "failing");
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { slow, ok, cancelled, failing };
  LateCompleter lc = { trace, sw_future_get_id (slow), { failing, NULL }, TRUE };
  GThread *thread;

  /* A success and a cancellation do not end a FIRST_EXCEPTION wait. */
  _sw_future_set_result (ok, g_variant_new_int32 (1));
  g_assert_true (sw_future_cancel (cancelled));

  thread = g_thread_new ("completer", late_completer_thread, &lc);
  g_assert_true (sw_futures_wait (fs, 4, SW_WAIT_FIRST_EXCEPTION, -1, &done, &not_done));
  g_thread_join (thread);

  g_assert_cmpuint (done->len, ==, 3);
  g_assert_true (done->pdata[0] == ok);
  g_assert_true (done->pdata[1] == cancelled);
  g_assert_true (done->pdata[2] == failing);
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (not_done->pdata[0] == slow);
}

static void
test_future_wait_first_exception_all_done_without_failure (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) a = _sw_future_new (trace, "a");
  g_autoptr(SwFuture) b = _sw_future_new (trace, "b");
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { a, b };
  LateCompleter lc = { trace, sw_future_get_id (a), { b, a, NULL }, FALSE };
  GThread *thread;

  thread = g_thread_new ("completer", late_completer_thread, &lc);
  g_assert_true (sw_futures_wait (fs, 2, SW_WAIT_FIRST_EXCEPTION, -1, &done, &not_done));
  g_thread_join (thread);

  g_assert_cmpuint (done->len, ==, 2);
  g_assert_cmpuint (not_done->len, ==, 0);
  /* One wait, which the first completion did not end. */
  g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (a)), ==, 1);
}

static void
test_future_wait_all_completed_and_timeout (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) a = _sw_future_new (trace, "a");
  g_autoptr(SwFuture) b = _sw_future_new (trace, "b");
  g_autoptr(SwFuture) stuck = _sw_future_new (trace, "stuck");
  SwFuture *fs[] = { a, a, b, stuck, b };

  _sw_future_set_result (a, g_variant_new_int32 (1));
  _sw_future_set_error (b, g_error_new_literal (SW_ERROR, SW_ERROR_FAILED, "x"));

  /* Timed out: partial sets, duplicates counted once. */
  {
    g_autoptr(GPtrArray) done = NULL;
    g_autoptr(GPtrArray) not_done = NULL;

    g_assert_false (sw_futures_wait (fs, G_N_ELEMENTS (fs), SW_WAIT_ALL_COMPLETED, 1000, &done, &not_done));
    g_assert_cmpuint (done->len, ==, 2);
    g_assert_true (done->pdata[0] == a);
    g_assert_true (done->pdata[1] == b);
    g_assert_cmpuint (not_done->len, ==, 1);
    g_assert_true (not_done->pdata[0] == stuck);
    g_assert_cmpuint (the_event (trace, SW_EVENT_WAIT_END, sw_future_get_id (a)).flags, ==,
                      SW_EVENT_FLAG_FAILED);
  }
  /* Polling does not block. */
  {
    g_autoptr(GPtrArray) done = NULL;

    g_assert_false (sw_futures_wait (fs, G_N_ELEMENTS (fs), SW_WAIT_ALL_COMPLETED, 0, &done, NULL));
    g_assert_cmpuint (done->len, ==, 2);
    g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (a)), ==, 1);
  }
  /* All done: met. */
  {
    g_autoptr(GPtrArray) done = NULL;
    g_autoptr(GPtrArray) not_done = NULL;

    g_assert_true (sw_future_cancel (stuck));
    g_assert_true (sw_futures_wait (fs, G_N_ELEMENTS (fs), SW_WAIT_ALL_COMPLETED, -1, &done, &not_done));
    g_assert_cmpuint (done->len, ==, 3);
    g_assert_cmpuint (not_done->len, ==, 0);
  }
}

static void
test_future_as_completed_in_completion_order (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) a = _sw_future_new (trace, "a");
  g_autoptr(SwFuture) b = _sw_future_new (trace, "b");
  g_autoptr(SwFuture) c = _sw_future_new (trace, "c");
  g_autoptr(SwFuture) d = _sw_future_new (trace, "d");
  g_autoptr(SwAsCompleted) iter = NULL;
  SwFuture *fs[] = { a, b, c, b, d };
  /* a blocks the iteration; c and b finish later, in that order. */
  LateCompleter lc = { trace, sw_future_get_id (a), { c, b, a, NULL }, FALSE, TRUE };
  SwFuture *expected[] = { d, c, b, a };
  GThread *thread;

  _sw_future_set_result (d, g_variant_new_int32 (0));
  iter = sw_as_completed_new (fs, G_N_ELEMENTS (fs), -1);
  thread = g_thread_new ("completer", late_completer_thread, &lc);

  /* Already done first, then by completion, each once. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SwFuture) next = sw_as_completed_next (iter, &error);

      g_assert_no_error (error);
      g_assert_true (next == expected[i]);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_as_completed_next (iter, &error));
    g_assert_no_error (error);
  }
  g_thread_join (thread);
  g_assert_cmpuint (count_events (trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (a)), ==, 3);
}

static void
test_future_as_completed_times_out (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwFuture) done = _sw_future_new (trace, "done");
  g_autoptr(SwFuture) stuck1 = _sw_future_new (trace, "stuck 1");
  g_autoptr(SwFuture) stuck2 = _sw_future_new (trace, "stuck 2");
  g_autoptr(SwAsCompleted) iter = NULL;
  g_autoptr(SwFuture) first = NULL;
  g_autoptr(GError) error = NULL;
  SwFuture *fs[] = { stuck1, done, stuck2 };

  _sw_future_set_result (done, g_variant_new_int32 (0));
  iter = sw_as_completed_new (fs, G_N_ELEMENTS (fs), 1000);

  first = sw_as_completed_next (iter, &error);
  g_assert_no_error (error);
  g_assert_true (first == done);
  g_assert_null (sw_as_completed_next (iter, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
  g_assert_cmpstr (error->message, ==, "2 (of 3) futures unfinished");

  /* Freed early: the futures are left alone and can still complete. */
  g_clear_pointer (&iter, sw_as_completed_free);
  _sw_future_set_result (stuck1, g_variant_new_int32 (1));
  g_assert_cmpint (sw_future_get_state (stuck2), ==, SW_FUTURE_PENDING);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Future/new-is-pending-with-unique-id", test_future_new_is_pending_with_unique_id);
  g_test_add_func ("/Sw/Future/state-transitions", test_future_state_transitions);
  g_test_add_func ("/Sw/Future/state-names", test_future_state_names);
  g_test_add_func ("/Sw/Future/result-blocks-until-done", test_future_result_blocks_until_done);
  g_test_add_func ("/Sw/Future/result-wakes-on-cancel", test_future_result_wakes_on_cancel);
  g_test_add_func ("/Sw/Future/result-times-out", test_future_result_times_out);
  g_test_add_func ("/Sw/Future/result-of-done-future-does-not-wait", test_future_result_of_done_future_does_not_wait);
  g_test_add_func ("/Sw/Future/cancel-pending-succeeds", test_future_cancel_pending_succeeds);
  g_test_add_func ("/Sw/Future/cancel-running-or-done-fails", test_future_cancel_running_or_done_fails);
  g_test_add_func ("/Sw/Future/task-error-comes-back", test_future_task_error_comes_back);
  g_test_add_func ("/Sw/Future/callbacks-run-once-in-order", test_future_callbacks_run_once_in_order);
  g_test_add_func ("/Sw/Future/callback-can-read-result", test_future_callback_can_read_result);
  g_test_add_func ("/Sw/Future/callback-after-done-runs-at-once", test_future_callback_after_done_runs_at_once);
  g_test_add_func ("/Sw/Future/callback-runs-on-completing-thread", test_future_callback_runs_on_completing_thread);
  g_test_add_func ("/Sw/Future/callback-runs-on-cancel", test_future_callback_runs_on_cancel);
  g_test_add_func ("/Sw/Future/second-completion-keeps-first", test_future_second_completion_keeps_first);
  g_test_add_func ("/Sw/Future/dropped-pending-releases-callbacks", test_future_dropped_pending_releases_callbacks);

  g_test_add_func ("/Sw/Future/exception-returns-task-error", test_future_exception_returns_task_error);
  g_test_add_func ("/Sw/Future/failing-callback-is-recorded-and-others-run", test_future_failing_callback_is_recorded_and_others_run);
  g_test_add_func ("/Sw/Future/failing-callback-after-done-is-recorded", test_future_failing_callback_after_done_is_recorded);
  g_test_add_func ("/Sw/Future/wait-first-completed", test_future_wait_first_completed);
  g_test_add_func ("/Sw/Future/wait-already-done-does-not-block", test_future_wait_already_done_does_not_block);
  g_test_add_func ("/Sw/Future/wait-first-exception", test_future_wait_first_exception);
  g_test_add_func ("/Sw/Future/wait-first-exception-all-done-without-failure", test_future_wait_first_exception_all_done_without_failure);
  g_test_add_func ("/Sw/Future/wait-all-completed-and-timeout", test_future_wait_all_completed_and_timeout);
  g_test_add_func ("/Sw/Future/as-completed-in-completion-order", test_future_as_completed_in_completion_order);
  g_test_add_func ("/Sw/Future/as-completed-times-out", test_future_as_completed_times_out);

  return g_test_run ();
}
