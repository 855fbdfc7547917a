/* test-thread-pool.c — SwThreadPool behaves like ThreadPoolExecutor */
#include "config.h"

#include <string.h>

#include "switchyard.h"

/* Every wait in these tests is bounded by this; none is expected to come
 * near it. */
#define DEADLINE_US (30 * G_USEC_PER_SEC)

#define spin_until(cond)                                              \
  G_STMT_START {                                                      \
    gint64 spin_deadline_ = g_get_monotonic_time () + DEADLINE_US;    \
    while (!(cond))                                                   \
      {                                                               \
        g_assert_cmpint (g_get_monotonic_time (), <, spin_deadline_); \
        g_thread_yield ();                                            \
      }                                                               \
  } G_STMT_END

/* A gate that tasks block on until the test opens it.  A wait gives up
 * after DEADLINE_US, so a test that never opens it fails instead of
 * hanging. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;   /* guarded by lock */
} Gate;

static gboolean
gate_wait (Gate *gate)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  gboolean open;

  g_mutex_lock (&gate->lock);
  while (!gate->open && g_cond_wait_until (&gate->cond, &gate->lock, deadline))
    ;
  open = gate->open;
  g_mutex_unlock (&gate->lock);

  return open;
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

/* What the tasks of one test share: counters and the threads they ran on. */
typedef struct
{
  SwTrace   *trace;
  Gate       gate;
  gint       running;      /* atomic */
  gint       max_running;  /* atomic */
  gint       started;      /* atomic */
  gint       finished;     /* atomic */
  gint       destroyed;    /* atomic: user_data released by the pool */
  gint       saw_cancel;   /* atomic: tasks that found their cancellable cancelled */
  GMutex     lock;
  GPtrArray *threads;      /* guarded by lock: the thread of each task run */
  GArray    *lanes;        /* guarded by lock: the trace lane of each task run */
} Work;

static void
work_init (Work    *work,
           SwTrace *trace)
{
  *work = (Work) { 0 };
  work->trace = trace;
  g_mutex_init (&work->gate.lock);
  g_cond_init (&work->gate.cond);
  g_mutex_init (&work->lock);
  work->threads = g_ptr_array_new ();
  work->lanes = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static void
work_clear (Work *work)
{
  g_ptr_array_unref (work->threads);
  g_array_unref (work->lanes);
  g_mutex_clear (&work->lock);
  g_mutex_clear (&work->gate.lock);
  g_cond_clear (&work->gate.cond);
}

static void
work_released (gpointer data)
{
  Work *work = data;

  g_atomic_int_inc (&work->destroyed);
}

static guint
work_distinct_threads (Work *work)
{
  g_autoptr(GHashTable) set = g_hash_table_new (NULL, NULL);

  g_mutex_lock (&work->lock);
  for (guint i = 0; i < work->threads->len; i++)
    g_hash_table_add (set, g_ptr_array_index (work->threads, i));
  g_mutex_unlock (&work->lock);

  return g_hash_table_size (set);
}

static void
work_note_start (Work *work)
{
  gint now = g_atomic_int_add (&work->running, 1) + 1;
  gint max = g_atomic_int_get (&work->max_running);
  guint32 lane = sw_trace_get_current_lane (work->trace);

  while (now > max && !g_atomic_int_compare_and_exchange (&work->max_running, max, now))
    max = g_atomic_int_get (&work->max_running);

  g_mutex_lock (&work->lock);
  g_ptr_array_add (work->threads, g_thread_self ());
  g_array_append_val (work->lanes, lane);
  g_mutex_unlock (&work->lock);

  g_atomic_int_inc (&work->started);
}

static void
work_note_end (Work *work)
{
  g_atomic_int_add (&work->running, -1);
  g_atomic_int_inc (&work->finished);
}

/* Blocks on the gate; returns how many tasks had started when it did. */
static GVariant *
gated_task (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  Work *work = user_data;
  gboolean opened;

  work_note_start (work);
  opened = gate_wait (&work->gate);
  if (g_cancellable_is_cancelled (cancellable))
    g_atomic_int_inc (&work->saw_cancel);
  work_note_end (work);

  if (!opened)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_TIMED_OUT, "the gate never opened");
      return NULL;
    }
  return g_variant_new_int32 (g_atomic_int_get (&work->finished));
}

static GVariant *
quick_task (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  Work *work = user_data;

  work_note_start (work);
  work_note_end (work);
  return g_variant_new_int32 (7);
}

static GVariant *
square_task (gpointer       user_data,
             GCancellable  *cancellable,
             GError       **error)
{
  gint n = GPOINTER_TO_INT (user_data);

  return g_variant_new_int32 (n * n);
}

static GVariant *
failing_task (gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "not allowed");
  return NULL;
}

static SwFuture *
submit_ok (SwThreadPool *pool,
           const char   *label,
           SwTaskFunc    func,
           Work         *work)
{
  g_autoptr(GError) error = NULL;
  SwFuture *future = sw_thread_pool_submit (pool, label, func, work, work_released, &error);

  g_assert_no_error (error);
  g_assert_nonnull (future);
  return future;
}

static SwThreadPool *
pool_new_ok (SwTrace *trace,
             guint    max_workers)
{
  g_autoptr(GError) error = NULL;
  SwThreadPool *pool = sw_thread_pool_new (trace, max_workers, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pool);
  return pool;
}

static gint
result_int (SwFuture *future)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = sw_future_result (future, DEADLINE_US, &error);

  g_assert_no_error (error);
  return g_variant_get_int32 (value);
}

/* Waits for each result, which must be an int, and drops the futures. */
static void
finish_all (SwFuture **futures,
            guint      n_futures)
{
  for (guint i = 0; i < n_futures; i++)
    {
      result_int (futures[i]);
      g_object_unref (futures[i]);
    }
}

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

      if (e->kind == kind && (object == G_MAXUINT64 || e->object == object))
        g_array_append_val (found, *e);
    }
  return found;
}

static SwEvent
the_event (SwTrace     *trace,
           SwEventKind  kind,
           guint64      object)
{
  g_autoptr(GArray) found = dup_events_of (trace, kind, object);

  g_assert_cmpuint (found->len, ==, 1);
  return g_array_index (found, SwEvent, 0);
}

static gboolean
has_event (SwTrace     *trace,
           SwEventKind  kind,
           guint64      object)
{
  g_autoptr(GArray) found = dup_events_of (trace, kind, object);

  return found->len > 0;
}

static const char *
lane_name (SwTrace *trace,
           guint32  id)
{
  SwLane lane;

  g_assert_true (sw_trace_get_lane (trace, id, &lane));
  return lane.name;
}

/* Opens the gate of a Work once an event is in the trace: so the test can
 * block in the call it checks and still have the tasks released. */
typedef struct
{
  Work        *work;
  SwEventKind  kind;
  guint64      object;   /* G_MAXUINT64: any */
} Opener;

static gpointer
opener_thread (gpointer data)
{
  Opener *o = data;

  spin_until (has_event (o->work->trace, o->kind, o->object));
  gate_open (&o->work->gate);
  return NULL;
}

static void
test_thread_pool_submit_returns_result (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 3);
  SwFuture *futures[10];

  g_assert_cmpuint (sw_thread_pool_get_max_workers (pool), ==, 3);

  for (gint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;

      futures[i] = sw_thread_pool_submit (pool, "square", square_task, GINT_TO_POINTER (i),
                                          NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (sw_future_get_label (futures[i]), ==, "square");
    }
  for (gint i = 0; i < 10; i++)
    {
      g_assert_cmpint (result_int (futures[i]), ==, i * i);
      g_assert_cmpint (sw_future_get_state (futures[i]), ==, SW_FUTURE_FINISHED);
      g_object_unref (futures[i]);
    }
}

static void
test_thread_pool_zero_workers_refused (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwThreadPool) pool = sw_thread_pool_new (trace, 0, &error);

  g_assert_null (pool);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

static void
test_thread_pool_task_error_comes_back (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  future = sw_thread_pool_submit (pool, "fails", failing_task, NULL, NULL, NULL);
  value = sw_future_result (future, DEADLINE_US, &error);

  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "not allowed");
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FAILED);
}

static void
test_thread_pool_submit_after_shutdown_fails (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(GArray) submits = NULL;
  g_autoptr(GArray) cancels = NULL;
  Work work;

  work_init (&work, trace);
  sw_thread_pool_shutdown (pool, TRUE, FALSE);

  future = sw_thread_pool_submit (pool, "late", quick_task, &work, work_released, &error);
  g_assert_null (future);
  g_assert_error (error, SW_ERROR, SW_ERROR_SHUTDOWN);
  g_assert_nonnull (strstr (error->message, "after shutdown"));
  /* Never ran, and its data was handed back. */
  g_assert_cmpint (g_atomic_int_get (&work.started), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&work.destroyed), ==, 1);
  submits = dup_events_of (trace, SW_EVENT_TASK_SUBMIT, G_MAXUINT64);
  g_assert_cmpuint (submits->len, ==, 0);
  /* Nor does it end on the timeline: no task that never was. */
  cancels = dup_events_of (trace, SW_EVENT_TASK_CANCEL, G_MAXUINT64);
  g_assert_cmpuint (cancels->len, ==, 0);

  work_clear (&work);
}

typedef struct
{
  SwTrace *trace;
  Gate     done;
  GThread *thread;   /* written before the gate opens */
  guint32  lane;
} CallbackSeen;

static void
note_thread_cb (SwFuture *future,
                gpointer  user_data)
{
  CallbackSeen *seen = user_data;

  seen->thread = g_thread_self ();
  seen->lane = sw_trace_get_current_lane (seen->trace);
  gate_open (&seen->done);
}

static void
test_thread_pool_callback_runs_on_worker_thread (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  CallbackSeen seen = { trace };
  guint64 id;
  Work work;

  work_init (&work, trace);
  g_mutex_init (&seen.done.lock);
  g_cond_init (&seen.done.cond);

  future = submit_ok (pool, "gated", gated_task, &work);
  id = sw_future_get_id (future);
  spin_until (g_atomic_int_get (&work.started) == 1);
  /* Added while the task runs, so the worker completes it. */
  sw_future_add_done_callback (future, note_thread_cb, &seen, NULL);
  gate_open (&work.gate);

  g_assert_cmpint (result_int (future), ==, 1);
  g_assert_true (gate_wait (&seen.done));

  g_assert_true (seen.thread == g_ptr_array_index (work.threads, 0));
  g_assert_true (seen.thread != g_thread_self ());
  /* The timeline shows it: the callback is on the lane the task ran on. */
  g_assert_cmpuint (seen.lane, ==, the_event (trace, SW_EVENT_TASK_START, id).lane);
  g_assert_cmpuint (the_event (trace, SW_EVENT_CALLBACK_BEGIN, id).lane, ==, seen.lane);
  g_assert_cmpuint (seen.lane, !=, sw_trace_get_current_lane (trace));

  work_clear (&work);
}

static void
test_thread_pool_callback_after_done_runs_in_caller (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  CallbackSeen seen = { trace };
  Work work;

  work_init (&work, trace);
  g_mutex_init (&seen.done.lock);
  g_cond_init (&seen.done.cond);

  future = submit_ok (pool, "quick", quick_task, &work);
  g_assert_cmpint (result_int (future), ==, 7);
  sw_future_add_done_callback (future, note_thread_cb, &seen, NULL);

  /* Already ran, here. */
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.lane, ==, sw_trace_get_current_lane (trace));

  work_clear (&work);
}

static void
test_thread_pool_shutdown_wait_waits_for_all (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  SwFuture *futures[6];
  Work work;
  Opener opener = { &work, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64 };
  GThread *thread;

  work_init (&work, trace);
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = submit_ok (pool, "gated", gated_task, &work);

  /* The gate opens only once shutdown has begun: if shutdown did not wait,
   * it would return with tasks still blocked or queued. */
  thread = g_thread_new ("opener", opener_thread, &opener);
  sw_thread_pool_shutdown (pool, TRUE, FALSE);

  g_assert_cmpint (g_atomic_int_get (&work.finished), ==, G_N_ELEMENTS (futures));
  g_assert_cmpint (g_atomic_int_get (&work.destroyed), ==, G_N_ELEMENTS (futures));
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_assert_cmpint (sw_future_get_state (futures[i]), ==, SW_FUTURE_FINISHED);
      g_object_unref (futures[i]);
    }
  g_assert_cmpuint (the_event (trace, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64).arg, ==, 1);
  g_assert_cmpuint (the_event (trace, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64).lane, ==,
                    sw_trace_get_current_lane (trace));

  g_thread_join (thread);
  work_clear (&work);
}

static void
test_thread_pool_shutdown_without_wait_returns_while_tasks_run (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 1);
  g_autoptr(SwFuture) running = NULL;
  g_autoptr(SwFuture) queued = NULL;
  Work work;

  work_init (&work, trace);
  running = submit_ok (pool, "gated", gated_task, &work);
  queued = submit_ok (pool, "gated", gated_task, &work);
  spin_until (g_atomic_int_get (&work.started) == 1);

  /* If this waited, it would return only after the gate timed out, with
   * the task done. */
  sw_thread_pool_shutdown (pool, FALSE, FALSE);
  g_assert_cmpint (sw_future_get_state (running), ==, SW_FUTURE_RUNNING);
  g_assert_cmpint (sw_future_get_state (queued), ==, SW_FUTURE_PENDING);
  g_assert_cmpint (g_atomic_int_get (&work.finished), ==, 0);

  /* Both still run to the end, the queued one too. */
  gate_open (&work.gate);
  g_assert_cmpint (result_int (running), >=, 1);
  g_assert_cmpint (result_int (queued), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&work.saw_cancel), ==, 0);

  work_clear (&work);
}

static void
count_cb (SwFuture *future,
          gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static void
test_thread_pool_shutdown_cancel_futures_cancels_pending (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 1);
  g_autoptr(SwFuture) running = NULL;
  SwFuture *pending[3];
  gint callbacks = 0;
  Work work;

  work_init (&work, trace);
  running = submit_ok (pool, "gated", gated_task, &work);
  spin_until (g_atomic_int_get (&work.started) == 1);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      pending[i] = submit_ok (pool, "pending", gated_task, &work);
      sw_future_add_done_callback (pending[i], count_cb, &callbacks, NULL);
    }

  sw_thread_pool_shutdown (pool, FALSE, TRUE);

  /* On return the pending ones are cancelled (their callbacks ran), the
   * running one is not, but its cancellable is. */
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      g_assert_cmpint (sw_future_get_state (pending[i]), ==, SW_FUTURE_CANCELLED);
      g_assert_true (has_event (trace, SW_EVENT_TASK_CANCEL, sw_future_get_id (pending[i])));
    }
  g_assert_cmpint (g_atomic_int_get (&callbacks), ==, G_N_ELEMENTS (pending));
  g_assert_cmpint (sw_future_get_state (running), ==, SW_FUTURE_RUNNING);

  gate_open (&work.gate);
  g_assert_cmpint (result_int (running), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&work.saw_cancel), ==, 1);

  sw_thread_pool_shutdown (pool, TRUE, FALSE);
  g_assert_cmpint (g_atomic_int_get (&work.started), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&work.destroyed), ==, 1 + G_N_ELEMENTS (pending));

  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    g_object_unref (pending[i]);
  work_clear (&work);
}

static void
test_thread_pool_cancelled_task_is_skipped (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 1);
  g_autoptr(SwFuture) first = NULL;
  g_autoptr(SwFuture) second = NULL;
  Work work;

  work_init (&work, trace);
  first = submit_ok (pool, "gated", gated_task, &work);
  second = submit_ok (pool, "skipped", gated_task, &work);
  spin_until (g_atomic_int_get (&work.started) == 1);

  g_assert_false (sw_future_cancel (first));
  g_assert_true (sw_future_cancel (second));
  gate_open (&work.gate);
  sw_thread_pool_shutdown (pool, TRUE, FALSE);

  g_assert_cmpint (sw_future_get_state (first), ==, SW_FUTURE_FINISHED);
  g_assert_cmpint (sw_future_get_state (second), ==, SW_FUTURE_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&work.started), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&work.destroyed), ==, 2);
  g_assert_false (has_event (trace, SW_EVENT_TASK_START, sw_future_get_id (second)));

  work_clear (&work);
}

static void
test_thread_pool_one_task_at_a_time_uses_one_thread (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 4);
  g_autoptr(GArray) starts = NULL;
  Work work;

  work_init (&work, trace);
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(SwFuture) future = submit_ok (pool, "one", quick_task, &work);

      g_assert_cmpint (result_int (future), ==, 7);
    }

  g_assert_cmpint (g_atomic_int_get (&work.started), ==, 50);
  g_assert_cmpuint (work_distinct_threads (&work), ==, 1);
  starts = dup_events_of (trace, SW_EVENT_TASK_START, G_MAXUINT64);
  g_assert_cmpuint (starts->len, ==, 50);
  for (guint i = 0; i < starts->len; i++)
    g_assert_cmpuint (g_array_index (starts, SwEvent, i).lane, ==,
                      g_array_index (starts, SwEvent, 0).lane);

  work_clear (&work);
}

static void
test_thread_pool_never_more_than_max_workers_at_once (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 4);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  SwFuture *futures[8];
  Work work;

  work_init (&work, trace);
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = submit_ok (pool, "gated", gated_task, &work);

  /* Four run and block; the other four cannot start while they do. */
  spin_until (g_atomic_int_get (&work.started) == 4);
  for (guint i = 4; i < G_N_ELEMENTS (futures); i++)
    g_assert_cmpint (sw_future_get_state (futures[i]), ==, SW_FUTURE_PENDING);
  g_assert_cmpint (g_atomic_int_get (&work.running), ==, 4);

  gate_open (&work.gate);
  finish_all (futures, G_N_ELEMENTS (futures));

  g_assert_cmpint (g_atomic_int_get (&work.max_running), ==, 4);
  g_assert_cmpuint (work_distinct_threads (&work), ==, 4);
  /* Four lanes, named worker 1 … worker 4. */
  for (guint i = 0; i < work.lanes->len; i++)
    g_hash_table_add (names, (gpointer) lane_name (trace, g_array_index (work.lanes, guint32, i)));
  g_assert_cmpuint (g_hash_table_size (names), ==, 4);
  for (guint n = 1; n <= 4; n++)
    {
      g_autofree char *name = g_strdup_printf ("worker %u", n);

      g_assert_true (g_hash_table_contains (names, name));
    }

  work_clear (&work);
}

static void
test_thread_pool_events_on_the_right_lanes (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  CallbackSeen seen = { trace };
  guint32 main_lane = sw_trace_get_current_lane (trace);
  SwEvent submit, start, end, cb_begin, cb_end, wait_begin, wait_end;
  Opener opener;
  GThread *thread;
  guint64 id;
  Work work;

  work_init (&work, trace);
  g_mutex_init (&seen.done.lock);
  g_cond_init (&seen.done.cond);

  future = submit_ok (pool, "lesson task", gated_task, &work);
  id = sw_future_get_id (future);
  sw_future_add_done_callback (future, note_thread_cb, &seen, NULL);

  /* Released only once this thread is blocked in result(). */
  opener = (Opener) { &work, SW_EVENT_WAIT_BEGIN, id };
  thread = g_thread_new ("opener", opener_thread, &opener);
  g_assert_cmpint (result_int (future), ==, 1);
  g_thread_join (thread);
  g_assert_true (gate_wait (&seen.done));
  sw_thread_pool_shutdown (pool, TRUE, FALSE);

  submit = the_event (trace, SW_EVENT_TASK_SUBMIT, id);
  start = the_event (trace, SW_EVENT_TASK_START, id);
  end = the_event (trace, SW_EVENT_TASK_END, id);
  cb_begin = the_event (trace, SW_EVENT_CALLBACK_BEGIN, id);
  cb_end = the_event (trace, SW_EVENT_CALLBACK_END, id);
  wait_begin = the_event (trace, SW_EVENT_WAIT_BEGIN, id);
  wait_end = the_event (trace, SW_EVENT_WAIT_END, id);

  /* The caller's lane: submit and wait. */
  g_assert_cmpuint (submit.lane, ==, main_lane);
  g_assert_cmpstr (sw_trace_lookup_string (trace, submit.arg), ==, "lesson task");
  g_assert_cmpuint (wait_begin.lane, ==, main_lane);
  g_assert_cmpuint (wait_end.lane, ==, main_lane);
  /* A worker's lane: the task and its callback. */
  g_assert_cmpuint (start.lane, !=, main_lane);
  g_assert_cmpstr (lane_name (trace, start.lane), ==, "worker 1");
  g_assert_cmpuint (end.lane, ==, start.lane);
  g_assert_cmpuint (cb_begin.lane, ==, start.lane);
  g_assert_cmpuint (cb_end.lane, ==, start.lane);
  /* In the order they happened. */
  g_assert_cmpuint (submit.time, <=, start.time);
  g_assert_cmpuint (start.time, <=, end.time);
  g_assert_cmpuint (end.time, <=, cb_begin.time);
  g_assert_cmpuint (cb_begin.time, <=, cb_end.time);
  g_assert_cmpuint (wait_begin.time, <=, end.time);
  g_assert_cmpuint (end.time, <=, wait_end.time);

  work_clear (&work);
}

typedef struct
{
  SwThreadPool *pool;
  Work         *work;
  Gate          done;
  gint          value;   /* written before done opens */
  GError       *error;   /* written before done opens */
} NestedSubmit;

static void
submit_and_wait_cb (SwFuture *future,
                    gpointer  user_data)
{
  NestedSubmit *ns = user_data;
  g_autoptr(SwFuture) inner = NULL;
  g_autoptr(GVariant) value = NULL;

  inner = sw_thread_pool_submit (ns->pool, "inner", quick_task, ns->work, NULL, &ns->error);
  if (inner != NULL)
    value = sw_future_result (inner, DEADLINE_US, &ns->error);
  if (value != NULL)
    ns->value = g_variant_get_int32 (value);
  gate_open (&ns->done);
}

static void
test_thread_pool_callback_can_wait_for_new_task (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) outer = NULL;
  NestedSubmit ns = { pool };
  Work work;

  work_init (&work, trace);
  ns.work = &work;
  g_mutex_init (&ns.done.lock);
  g_cond_init (&ns.done.cond);

  /* The worker that runs the callback must not count as free for the task
   * the callback waits for, or it would wait on itself. */
  outer = submit_ok (pool, "outer", gated_task, &work);
  sw_future_add_done_callback (outer, submit_and_wait_cb, &ns, NULL);
  gate_open (&work.gate);

  g_assert_true (gate_wait (&ns.done));
  g_assert_no_error (ns.error);
  g_assert_cmpint (ns.value, ==, 7);
  g_assert_cmpuint (work_distinct_threads (&work), ==, 2);

  work_clear (&work);
}

static void
unref_pool_cb (SwFuture *future,
               gpointer  user_data)
{
  g_object_unref (user_data);
}

static void
test_thread_pool_last_unref_in_callback (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwThreadPool *pool = pool_new_ok (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(SwFuture) queued = NULL;
  Work work;

  work_init (&work, trace);
  future = submit_ok (pool, "gated", gated_task, &work);
  queued = submit_ok (pool, "after", quick_task, &work);
  /* The pool's only reference goes in a callback on its own worker: that
   * must neither wait for itself nor free what the worker still uses. */
  sw_future_add_done_callback (future, unref_pool_cb, pool, NULL);
  gate_open (&work.gate);

  result_int (future);
  g_assert_cmpint (result_int (queued), ==, 7);
  spin_until (g_atomic_int_get (&work.destroyed) == 2);
  g_assert_true (has_event (trace, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64));

  work_clear (&work);
}

static void
test_thread_pool_dispose_shuts_down_and_waits (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwThreadPool *pool = pool_new_ok (trace, 2);
  SwFuture *futures[4];
  Opener opener;
  GThread *thread;
  Work work;

  work_init (&work, trace);
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = submit_ok (pool, "gated", gated_task, &work);

  opener = (Opener) { &work, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64 };
  thread = g_thread_new ("opener", opener_thread, &opener);
  g_object_unref (pool);

  g_assert_cmpint (g_atomic_int_get (&work.finished), ==, G_N_ELEMENTS (futures));
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_assert_cmpint (sw_future_get_state (futures[i]), ==, SW_FUTURE_FINISHED);
      g_object_unref (futures[i]);
    }

  g_thread_join (thread);
  work_clear (&work);
}

static void
test_thread_pool_shutdown_is_idempotent (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 2);
  g_autoptr(GArray) shutdowns = NULL;
  g_autoptr(SwFuture) future = NULL;
  Work work;

  work_init (&work, trace);
  future = submit_ok (pool, "quick", quick_task, &work);
  sw_thread_pool_shutdown (pool, FALSE, FALSE);
  sw_thread_pool_shutdown (pool, TRUE, FALSE);
  sw_thread_pool_shutdown (pool, TRUE, TRUE);

  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FINISHED);
  shutdowns = dup_events_of (trace, SW_EVENT_POOL_SHUTDOWN, G_MAXUINT64);
  g_assert_cmpuint (shutdowns->len, ==, 1);
  g_assert_cmpuint (g_array_index (shutdowns, SwEvent, 0).arg, ==, 0);

  work_clear (&work);
}

/* Idle workers spin a little or park; a burst of tasks must still spread
 * over all of them (the worker that takes the first wakes the next), not
 * run one by one on the single worker that happened to be awake.  Many
 * rounds, so that bursts meet workers in every idle state. */
static void
test_thread_pool_burst_wakes_idle_workers (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 4);

  for (guint round = 0; round < 50; round++)
    {
      SwFuture *futures[4];
      Work burst;

      /* Each task blocks until the test opens the gate: all four run at
       * once only if four workers woke up. */
      work_init (&burst, trace);
      for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
        futures[i] = submit_ok (pool, "burst", gated_task, &burst);
      spin_until (g_atomic_int_get (&burst.started) == 4);
      g_assert_cmpint (g_atomic_int_get (&burst.running), ==, 4);
      gate_open (&burst.gate);
      finish_all (futures, G_N_ELEMENTS (futures));
      spin_until (g_atomic_int_get (&burst.destroyed) == 4);
      work_clear (&burst);
      /* Every other round, long enough for the workers to park. */
      if (round % 2 == 1)
        g_usleep (2000);
    }
}

#define RACE_SUBMITTERS 4

typedef struct
{
  SwThreadPool *pool;
  Work         *work;
  gint         *go;            /* atomic: submitters start together */
  GPtrArray    *futures;       /* owned by the submitter until joined */
  gboolean      refused;       /* a submit failed with SW_ERROR_SHUTDOWN */
} Submitter;

static gpointer
submitter_thread (gpointer data)
{
  Submitter *sub = data;

  spin_until (g_atomic_int_get (sub->go));
  while (sub->futures->len < 200000)
    {
      g_autoptr(GError) error = NULL;
      SwFuture *future = sw_thread_pool_submit (sub->pool, "race", quick_task, sub->work,
                                                work_released, &error);

      if (future == NULL)
        {
          g_assert_error (error, SW_ERROR, SW_ERROR_SHUTDOWN);
          sub->refused = TRUE;
          break;
        }
      g_ptr_array_add (sub->futures, future);
    }
  return NULL;
}

/* Several threads submit while another shuts the pool down: every task
 * accepted runs (or, if it lost the race, ends cancelled), none is left
 * pending, none runs twice, and every user_data is released. */
static void
test_thread_pool_submits_racing_shutdown_lose_nothing (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwThreadPool) pool = pool_new_ok (trace, 3);
  Submitter subs[RACE_SUBMITTERS];
  GThread *threads[RACE_SUBMITTERS];
  guint accepted = 0, finished = 0;
  gint go = 0;
  Work work;

  work_init (&work, trace);
  for (guint i = 0; i < RACE_SUBMITTERS; i++)
    {
      subs[i] = (Submitter) { pool, &work, &go, g_ptr_array_new_with_free_func (g_object_unref), FALSE };
      threads[i] = g_thread_new ("submitter", submitter_thread, &subs[i]);
    }
  g_atomic_int_set (&go, 1);
  /* Shut down in the middle of the flood. */
  spin_until (g_atomic_int_get (&work.finished) >= 5000);
  sw_thread_pool_shutdown (pool, TRUE, FALSE);

  for (guint i = 0; i < RACE_SUBMITTERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (subs[i].refused);
      for (guint j = 0; j < subs[i].futures->len; j++)
        {
          SwFuture *future = g_ptr_array_index (subs[i].futures, j);
          SwFutureState state = sw_future_get_state (future);

          /* shutdown(wait) returned: nothing accepted may still be pending. */
          g_assert_true (state == SW_FUTURE_FINISHED || state == SW_FUTURE_CANCELLED);
          finished += state == SW_FUTURE_FINISHED;
        }
      accepted += subs[i].futures->len;
      g_ptr_array_unref (subs[i].futures);
    }

  g_assert_cmpuint (finished, ==, (guint) g_atomic_int_get (&work.finished));
  g_assert_cmpuint (finished, >=, accepted - RACE_SUBMITTERS);
  /* One release per submit, refused ones included. */
  g_assert_cmpint (g_atomic_int_get (&work.destroyed), ==, accepted + RACE_SUBMITTERS);
  work_clear (&work);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/ThreadPool/submit-returns-result", test_thread_pool_submit_returns_result);
  g_test_add_func ("/Sw/ThreadPool/zero-workers-refused", test_thread_pool_zero_workers_refused);
  g_test_add_func ("/Sw/ThreadPool/task-error-comes-back", test_thread_pool_task_error_comes_back);
  g_test_add_func ("/Sw/ThreadPool/submit-after-shutdown-fails", test_thread_pool_submit_after_shutdown_fails);
  g_test_add_func ("/Sw/ThreadPool/callback-runs-on-worker-thread", test_thread_pool_callback_runs_on_worker_thread);
  g_test_add_func ("/Sw/ThreadPool/callback-after-done-runs-in-caller", test_thread_pool_callback_after_done_runs_in_caller);
  g_test_add_func ("/Sw/ThreadPool/shutdown-wait-waits-for-all", test_thread_pool_shutdown_wait_waits_for_all);
  g_test_add_func ("/Sw/ThreadPool/shutdown-without-wait-returns-while-tasks-run", test_thread_pool_shutdown_without_wait_returns_while_tasks_run);
  g_test_add_func ("/Sw/ThreadPool/shutdown-cancel-futures-cancels-pending", test_thread_pool_shutdown_cancel_futures_cancels_pending);
  g_test_add_func ("/Sw/ThreadPool/cancelled-task-is-skipped", test_thread_pool_cancelled_task_is_skipped);
  g_test_add_func ("/Sw/ThreadPool/one-task-at-a-time-uses-one-thread", test_thread_pool_one_task_at_a_time_uses_one_thread);
  g_test_add_func ("/Sw/ThreadPool/never-more-than-max-workers-at-once", test_thread_pool_never_more_than_max_workers_at_once);
  g_test_add_func ("/Sw/ThreadPool/events-on-the-right-lanes", test_thread_pool_events_on_the_right_lanes);
  g_test_add_func ("/Sw/ThreadPool/callback-can-wait-for-new-task", test_thread_pool_callback_can_wait_for_new_task);
  g_test_add_func ("/Sw/ThreadPool/last-unref-in-callback", test_thread_pool_last_unref_in_callback);
  g_test_add_func ("/Sw/ThreadPool/dispose-shuts-down-and-waits", test_thread_pool_dispose_shuts_down_and_waits);
  g_test_add_func ("/Sw/ThreadPool/shutdown-is-idempotent", test_thread_pool_shutdown_is_idempotent);
  g_test_add_func ("/Sw/ThreadPool/burst-wakes-idle-workers", test_thread_pool_burst_wakes_idle_workers);
  g_test_add_func ("/Sw/ThreadPool/submits-racing-shutdown-lose-nothing", test_thread_pool_submits_racing_shutdown_lose_nothing);

  return g_test_run ();
}
