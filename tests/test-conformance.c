/* test-conformance.c — both pools behave like concurrent.futures
 *
 * The behaviours of CPython's Lib/test/test_concurrent_futures/ (listed in
 * shared/reference/concurrent-futures-behaviours.md), ported once against
 * SwExecutor and registered for each pool as
 * /Sw/Conformance/<pool>/<behaviour>.  Tasks come from the named registry
 * (sw-tasks.h), so the same test runs in threads and in worker processes.
 *
 * Which reference behaviour (#) is covered where:
 *   1  callback-sees-result
 *   2  callback-sees-exception
 *   3  callback-runs-on-cancel
 *   4  failing-callback-does-not-stop-the-others
 *   5  callback-after-success-runs-at-once
 *   6  callback-after-failure-runs-at-once
 *   7  callback-after-cancel-runs-at-once
 *   8  failing-callback-after-done-is-recorded (C has no exceptions: a
 *      callback fails by returning FALSE with a GError, see
 *      sw_future_add_done_callback_full; "logged" is a LOG event and a
 *      CALLBACK_END flagged FAILED on the timeline)
 *   9  cancel-pending-succeeds, cancel-running-or-done-fails
 *   10 state-transitions
 *   11 result-timeout, result-of-cancelled-fails-as-cancelled,
 *      exception-returns-task-error
 *   12 result-wakes-on-completion, result-wakes-on-cancel
 *   13 exception-returns-task-error
 *   14 not here: futures are completed only by their executor, through the
 *      private API; tests/test-future.c /Sw/Future/second-completion-keeps-first
 *      covers it (a critical, the first outcome kept)
 *   15 submit-returns-result
 *   16 map-keeps-order, map-error-at-failing-item, map-timeout,
 *      map-free-cancels-the-rest
 *   17 zero-workers-refused (the count is unsigned: negative cannot be
 *      expressed; G_MAXINT + 1 and more are refused too, by the thread pool)
 *   18 no-stale-references
 *   19 wait-first-completed, wait-first-completed-some-already-done
 *   20 wait-first-exception, wait-first-exception-all-done-without-failure,
 *      wait-first-exception-cancelled-is-not-an-exception
 *   21 wait-all-completed, wait-timeout-partial-sets, wait-duplicates-once
 *   22 as-completed-order, as-completed-already-done-first,
 *      as-completed-timeout, as-completed-duplicates-once
 *   23 submit-after-shutdown-fails
 *   24 shutdown-wait-waits
 *   25 shutdown-cancel-futures-cancels-pending-only
 *   26 cancel-then-shutdown-does-not-hang, exit-with-running-pool-does-not-hang
 *   27 idle-thread-reused (thread only), never-more-than-max-workers;
 *      the default worker count does not apply: max_workers is required
 *   28 killed-worker-breaks-the-pool (process only)
 *   29 crash-reports-signal (process only; there are no tracebacks in C,
 *      so the remote traceback half does not apply)
 *   30 crash-reports-signal, killed-worker-breaks-the-pool: a crash in a
 *      task never deadlocks.  Crashing during result transfer, the
 *      shutdown deadlock and big data need a task that crashes while it
 *      sends its result, which the registry does not have: not covered.
 *   31 does not apply: the pools have no max_tasks_per_child and no
 *      initializer.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "switchyard.h"
#include "sw-executor.h"
#include "sw-thread-pool.h"
#ifdef SW_HAVE_PROCESS_POOL
#include "sw-process-pool.h"
#endif

/* Every wait in these tests is bounded by this; none is expected to come
 * near it. */
#define DEADLINE_US (30 * G_USEC_PER_SEC)

/* A "blocker" sleeps this long: it stands for a task that does not end
 * while the test looks.  Teardown shuts the pool down with cancel_futures,
 * which wakes the sleep through the pool's cancellable. */
#define BLOCK_S 60.0

#define spin_until(cond)                                              \
  G_STMT_START {                                                      \
    gint64 spin_deadline_ = g_get_monotonic_time () + DEADLINE_US;    \
    while (!(cond))                                                   \
      {                                                               \
        g_assert_cmpint (g_get_monotonic_time (), <, spin_deadline_); \
        g_thread_yield ();                                            \
      }                                                               \
  } G_STMT_END

typedef SwExecutor *(*PoolFactory) (SwTrace  *trace,
                                    guint     max_workers,
                                    GError  **error);

typedef struct
{
  const char  *name;      /* "thread" or "process" */
  PoolFactory  factory;
} PoolKind;

typedef struct
{
  const PoolKind *kind;
  SwTrace        *trace;
  GPtrArray      *pools;  /* SwExecutor: shut down and dropped at teardown */
} Fixture;

static SwExecutor *
thread_pool_factory (SwTrace  *trace,
                     guint     max_workers,
                     GError  **error)
{
  return (SwExecutor *) sw_thread_pool_new (trace, max_workers, error);
}

static const PoolKind thread_kind = { "thread", thread_pool_factory };

#ifdef SW_HAVE_PROCESS_POOL
static SwExecutor *
process_pool_factory (SwTrace  *trace,
                      guint     max_workers,
                      GError  **error)
{
  return (SwExecutor *) sw_process_pool_new (trace, max_workers, error);
}

static const PoolKind process_kind = { "process", process_pool_factory };
#endif

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->kind = data;
  f->trace = sw_trace_new (0);
  f->pools = g_ptr_array_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  for (guint i = 0; i < f->pools->len; i++)
    {
      SwExecutor *pool = f->pools->pdata[i];

      /* Cancelling wakes the blockers still sleeping. */
      sw_executor_shutdown (pool, TRUE, TRUE);
      g_object_unref (pool);
    }
  g_ptr_array_unref (f->pools);
  g_object_unref (f->trace);
}

/* A pool that teardown shuts down; borrowed. */
static SwExecutor *
new_pool (Fixture *f,
          guint    max_workers)
{
  g_autoptr(GError) error = NULL;
  SwExecutor *pool = f->kind->factory (f->trace, max_workers, &error);

  g_assert_no_error (error);
  g_assert_true (SW_IS_EXECUTOR (pool));
  g_ptr_array_add (f->pools, pool);
  return pool;
}

static SwFuture *
submit (SwExecutor *pool,
        const char *task,
        GVariant   *args)
{
  g_autoptr(GError) error = NULL;
  SwFuture *future = sw_executor_submit_task (pool, NULL, task, args, &error);

  g_assert_no_error (error);
  g_assert_true (SW_IS_FUTURE (future));
  return future;
}

static SwFuture *
submit_blocker (SwExecutor *pool)
{
  return submit (pool, "sleep", g_variant_new ("(d)", BLOCK_S));
}

static SwFuture *
submit_sleep (SwExecutor *pool,
              double      seconds)
{
  return submit (pool, "sleep", g_variant_new ("(d)", seconds));
}

static SwFuture *
submit_value (SwExecutor *pool,
              gint32      value)
{
  return submit (pool, "return_value", g_variant_new ("(v)", g_variant_new_int32 (value)));
}

static SwFuture *
submit_failure (SwExecutor *pool,
                const char *message)
{
  return submit (pool, "fail", g_variant_new ("(s)", message));
}

static void
wait_running (SwFuture *future)
{
  spin_until (sw_future_get_state (future) == SW_FUTURE_RUNNING);
}

/* Waits without a timing assumption: the future must end by itself. */
static void
wait_done (SwFuture *future)
{
  g_autoptr(GVariant) value = NULL;

  value = sw_future_result (future, DEADLINE_US, NULL);
  g_assert_true (sw_future_is_done (future));
}

static guint
count_events (SwTrace     *trace,
              SwEventKind  kind,
              guint64      object,
              guint16      flags)
{
  g_autoptr(GArray) all = sw_trace_dup_events (trace);
  guint n = 0;

  for (guint i = 0; i < all->len; i++)
    {
      const SwEvent *e = &g_array_index (all, SwEvent, i);

      if (e->kind == kind && e->object == object && (e->flags & flags) == flags)
        n++;
    }
  return n;
}

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

/* What callbacks saw, from whichever thread ran them. */
typedef struct
{
  GMutex         lock;
  GArray        *order;      /* guarded by lock: callback indices as they ran */
  GThread       *thread;     /* guarded by lock: thread of the last run */
  SwFutureState  state;      /* guarded by lock: state the last run saw */
  GVariant      *value;      /* guarded by lock: result the last run saw */
  GError        *error;      /* guarded by lock: error the last run saw */
  gint           n_run;      /* atomic */
} CallbackLog;

typedef struct
{
  CallbackLog *log;
  guint        index;
  gboolean     fail;
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
  g_clear_pointer (&log->value, g_variant_unref);
  g_clear_error (&log->error);
  g_mutex_clear (&log->lock);
}

static gboolean
logging_cb (SwFuture  *future,
            gpointer   user_data,
            GError   **error)
{
  CallbackData *cd = user_data;
  CallbackLog *log = cd->log;
  g_autoptr(GError) result_error = NULL;
  g_autoptr(GVariant) value = sw_future_result (future, 0, &result_error);

  g_mutex_lock (&log->lock);
  g_array_append_val (log->order, cd->index);
  log->thread = g_thread_self ();
  log->state = sw_future_get_state (future);
  g_clear_pointer (&log->value, g_variant_unref);
  log->value = g_steal_pointer (&value);
  g_clear_error (&log->error);
  log->error = g_steal_pointer (&result_error);
  g_mutex_unlock (&log->lock);
  g_atomic_int_inc (&log->n_run);

  if (cd->fail)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_FAILED, "callback exploded");
      return FALSE;
    }
  return TRUE;
}

static void
add_callback (SwFuture    *future,
              CallbackLog *log,
              guint        index,
              gboolean     fail)
{
  CallbackData *cd = g_new0 (CallbackData, 1);

  cd->log = log;
  cd->index = index;
  cd->fail = fail;
  sw_future_add_done_callback_full (future, logging_cb, cd, g_free);
}

/* 10 */
static void
test_state_transitions (Fixture       *f,
                        gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);
  g_autoptr(SwFuture) cancelled = submit_value (pool, 2);

  wait_running (blocker);
  g_assert_false (sw_future_is_done (blocker));
  /* The one worker is busy: the others wait their turn. */
  g_assert_cmpint (sw_future_get_state (queued), ==, SW_FUTURE_PENDING);
  g_assert_cmpint (sw_future_get_state (cancelled), ==, SW_FUTURE_PENDING);
  g_assert_false (sw_future_is_done (queued));

  g_assert_true (sw_future_cancel (cancelled));
  g_assert_cmpint (sw_future_get_state (cancelled), ==, SW_FUTURE_CANCELLED);
  g_assert_true (sw_future_is_done (cancelled));

  {
    SwExecutor *other = new_pool (f, 2);
    g_autoptr(SwFuture) ok = submit_value (other, 3);
    g_autoptr(SwFuture) failing = submit_failure (other, "no");

    wait_done (ok);
    wait_done (failing);
    g_assert_cmpint (sw_future_get_state (ok), ==, SW_FUTURE_FINISHED);
    g_assert_cmpint (sw_future_get_state (failing), ==, SW_FUTURE_FAILED);
  }
}

/* 9 */
static void
test_cancel_pending_succeeds (Fixture       *f,
                              gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);

  wait_running (blocker);
  g_assert_true (sw_future_cancel (queued));
  /* Cancelling again still says it is cancelled. */
  g_assert_true (sw_future_cancel (queued));
  g_assert_cmpint (sw_future_get_state (queued), ==, SW_FUTURE_CANCELLED);
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_TASK_CANCEL, sw_future_get_id (queued), 0), ==, 1);
  /* …and it never starts. */
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_TASK_START, sw_future_get_id (queued), 0), ==, 0);
}

/* 9 */
static void
test_cancel_running_or_done_fails (Fixture       *f,
                                   gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) ok = submit_value (pool, 1);
  g_autoptr(SwFuture) failing = submit_failure (pool, "no");

  wait_running (blocker);
  wait_done (ok);
  wait_done (failing);

  g_assert_false (sw_future_cancel (blocker));
  g_assert_false (sw_future_cancel (ok));
  g_assert_false (sw_future_cancel (failing));
  g_assert_cmpint (sw_future_get_state (blocker), ==, SW_FUTURE_RUNNING);
  g_assert_cmpint (sw_future_get_state (ok), ==, SW_FUTURE_FINISHED);
  g_assert_cmpint (sw_future_get_state (failing), ==, SW_FUTURE_FAILED);
}

/* 11 */
static void
test_result_of_cancelled_fails_as_cancelled (Fixture       *f,
                                             gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (sw_future_cancel (queued));
  g_assert_null (sw_future_result (queued, -1, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
}

/* 11 */
static void
test_result_timeout (Fixture       *f,
                     gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);

  /* Pending and running alike: TIMED_OUT, polled or after a short wait. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_future_result (queued, 0, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
  }
  wait_running (blocker);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_future_result (blocker, 10 * 1000, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
    g_assert_cmpuint (count_events (f->trace, SW_EVENT_WAIT_END, sw_future_get_id (blocker),
                                    SW_EVENT_FLAG_FAILED), ==, 1);
  }
  g_assert_cmpint (sw_future_get_state (blocker), ==, SW_FUTURE_RUNNING);
}

/* 11, 13 */
static void
test_exception_returns_task_error (Fixture       *f,
                                   gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) failing = submit_failure (pool, "disk on fire");
  g_autoptr(SwFuture) ok = submit_value (pool, 5);

  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (sw_future_exception (failing, DEADLINE_US, &task_error, &error));
    g_assert_no_error (error);
    g_assert_error (task_error, SW_ERROR, SW_ERROR_FAILED);
    g_assert_cmpstr (task_error->message, ==, "disk on fire");
  }
  /* result() re-raises it. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sw_future_result (failing, 0, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_FAILED);
    g_assert_cmpstr (error->message, ==, "disk on fire");
  }
  {
    g_autoptr(GError) task_error = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (sw_future_exception (ok, DEADLINE_US, &task_error, &error));
    g_assert_no_error (error);
    g_assert_null (task_error);
  }
}

/* 12 */
static void
test_result_wakes_on_completion (Fixture       *f,
                                 gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) future = submit (pool, "sleep", g_variant_new ("(d)", 0.05));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = sw_future_result (future, -1, &error);

  g_assert_no_error (error);
  g_assert_true (g_variant_get_boolean (value));
}

typedef struct
{
  SwTrace  *trace;
  SwFuture *future;
} Canceller;

static gpointer
cancel_when_waited_thread (gpointer data)
{
  Canceller *c = data;

  spin_until (count_events (c->trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (c->future), 0) > 0);
  g_assert_true (sw_future_cancel (c->future));
  return NULL;
}

/* 12 */
static void
test_result_wakes_on_cancel (Fixture       *f,
                             gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);
  g_autoptr(GError) error = NULL;
  Canceller c = { f->trace, queued };
  GThread *thread;

  thread = g_thread_new ("canceller", cancel_when_waited_thread, &c);
  g_assert_null (sw_future_result (queued, -1, &error));
  g_thread_join (thread);
  g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
}

/* 15 */
static void
test_submit_returns_result (Fixture       *f,
                            gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) number = submit_value (pool, 42);
  g_autoptr(SwFuture) text = submit (pool, "return_value",
                                     g_variant_new ("(v)", g_variant_new_string ("forty-two")));
  g_autoptr(GVariant) n = sw_future_result (number, DEADLINE_US, NULL);
  g_autoptr(GVariant) s = sw_future_result (text, DEADLINE_US, NULL);

  g_assert_nonnull (n);
  g_assert_cmpint (g_variant_get_int32 (n), ==, 42);
  g_assert_nonnull (s);
  g_assert_cmpstr (g_variant_get_string (s, NULL), ==, "forty-two");

  /* An unknown task is refused, not run. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SwFuture) none = sw_executor_submit_task (pool, NULL, "no_such_task", NULL, &error);

    if (none != NULL)
      {
        g_assert_null (sw_future_result (none, DEADLINE_US, &error));
      }
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  }
}

/* 1 */
static void
test_callback_sees_result (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) head = submit_sleep (pool, 0.2);
  g_autoptr(SwFuture) future = submit_value (pool, 7);
  CallbackLog log;

  callback_log_init (&log);
  /* Most likely added while pending; if not, it runs at once — the
   * callback sees the result either way. */
  add_callback (future, &log, 0, FALSE);
  wait_done (future);
  spin_until (g_atomic_int_get (&log.n_run) == 1);

  g_mutex_lock (&log.lock);
  g_assert_cmpint (log.state, ==, SW_FUTURE_FINISHED);
  g_assert_nonnull (log.value);
  g_assert_cmpint (g_variant_get_int32 (log.value), ==, 7);
  g_mutex_unlock (&log.lock);
  callback_log_clear (&log);
}

/* 2 */
static void
test_callback_sees_exception (Fixture       *f,
                              gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) head = submit_sleep (pool, 0.2);
  g_autoptr(SwFuture) future = submit_failure (pool, "bad page");
  CallbackLog log;

  callback_log_init (&log);
  add_callback (future, &log, 0, FALSE);
  wait_done (future);
  spin_until (g_atomic_int_get (&log.n_run) == 1);

  g_mutex_lock (&log.lock);
  g_assert_cmpint (log.state, ==, SW_FUTURE_FAILED);
  g_assert_error (log.error, SW_ERROR, SW_ERROR_FAILED);
  g_assert_cmpstr (log.error->message, ==, "bad page");
  g_mutex_unlock (&log.lock);
  callback_log_clear (&log);
}

/* 3 */
static void
test_callback_runs_on_cancel (Fixture       *f,
                              gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);
  CallbackLog log;

  callback_log_init (&log);
  add_callback (queued, &log, 0, FALSE);
  g_assert_cmpint (g_atomic_int_get (&log.n_run), ==, 0);
  g_assert_true (sw_future_cancel (queued));

  /* Ran inside cancel(), on this thread. */
  g_assert_cmpint (g_atomic_int_get (&log.n_run), ==, 1);
  g_assert_true (log.thread == g_thread_self ());
  g_assert_cmpint (log.state, ==, SW_FUTURE_CANCELLED);
  g_assert_error (log.error, SW_ERROR, SW_ERROR_CANCELLED);
  callback_log_clear (&log);
}

/* 5, 6, 7 */
static void
check_callback_after_done_runs_at_once (SwFuture      *future,
                                        SwFutureState  state)
{
  CallbackLog log;

  g_assert_cmpint (sw_future_get_state (future), ==, state);
  callback_log_init (&log);
  add_callback (future, &log, 0, FALSE);
  /* Before add returned, on this thread. */
  g_assert_cmpint (g_atomic_int_get (&log.n_run), ==, 1);
  g_assert_true (log.thread == g_thread_self ());
  g_assert_cmpint (log.state, ==, state);
  callback_log_clear (&log);
}

static void
test_callback_after_success_runs_at_once (Fixture       *f,
                                          gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) future = submit_value (pool, 1);

  wait_done (future);
  check_callback_after_done_runs_at_once (future, SW_FUTURE_FINISHED);
}

static void
test_callback_after_failure_runs_at_once (Fixture       *f,
                                          gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) future = submit_failure (pool, "x");

  wait_done (future);
  check_callback_after_done_runs_at_once (future, SW_FUTURE_FAILED);
}

static void
test_callback_after_cancel_runs_at_once (Fixture       *f,
                                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);

  g_assert_true (sw_future_cancel (queued));
  check_callback_after_done_runs_at_once (queued, SW_FUTURE_CANCELLED);
}

/* The ISSUE's "callbacks run once, in order". */
static void
test_callbacks_run_once_in_order (Fixture       *f,
                                  gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) head = submit_sleep (pool, 0.1);
  g_autoptr(SwFuture) future = submit_value (pool, 1);
  CallbackLog log;

  callback_log_init (&log);
  for (guint i = 0; i < 5; i++)
    add_callback (future, &log, i, FALSE);
  wait_done (future);
  spin_until (g_atomic_int_get (&log.n_run) == 5);

  /* Anything later does not run them again. */
  g_assert_false (sw_future_cancel (future));
  {
    g_autoptr(SwFuture) next = submit_value (pool, 2);

    wait_done (next);
  }
  g_assert_cmpint (g_atomic_int_get (&log.n_run), ==, 5);

  g_mutex_lock (&log.lock);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (g_array_index (log.order, guint, i), ==, i);
  g_mutex_unlock (&log.lock);
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_CALLBACK_BEGIN, sw_future_get_id (future), 0), ==, 5);
  callback_log_clear (&log);
}

/* 4 */
static void
test_failing_callback_does_not_stop_the_others (Fixture       *f,
                                                gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) head = submit_sleep (pool, 0.1);
  g_autoptr(SwFuture) future = submit_value (pool, 1);
  g_autoptr(SwFuture) after = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *line = NULL;
  guint64 id = sw_future_get_id (future);
  CallbackLog log;

  callback_log_init (&log);
  add_callback (future, &log, 0, FALSE);
  add_callback (future, &log, 1, TRUE);
  add_callback (future, &log, 2, FALSE);
  wait_done (future);
  spin_until (g_atomic_int_get (&log.n_run) == 3);
  spin_until (count_events (f->trace, SW_EVENT_CALLBACK_END, id, 0) == 3);

  g_mutex_lock (&log.lock);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (log.order, guint, i), ==, i);
  g_mutex_unlock (&log.lock);

  /* Recorded and reported… */
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_CALLBACK_END, id, SW_EVENT_FLAG_FAILED), ==, 1);
  line = g_strdup_printf ("done-callback of task %" G_GUINT64_FORMAT, id);
  g_assert_cmpuint (count_log_lines (f->trace, line), ==, 1);
  g_assert_cmpuint (count_log_lines (f->trace, "callback exploded"), ==, 1);
  /* …and the pool goes on. */
  after = submit_value (pool, 2);
  value = sw_future_result (after, DEADLINE_US, NULL);
  g_assert_nonnull (value);
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FINISHED);
  callback_log_clear (&log);
}

/* 8 */
static void
test_failing_callback_after_done_is_recorded (Fixture       *f,
                                              gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) future = submit_value (pool, 1);
  guint64 id = sw_future_get_id (future);
  CallbackLog log;

  wait_done (future);
  callback_log_init (&log);
  add_callback (future, &log, 0, TRUE);
  g_assert_cmpint (g_atomic_int_get (&log.n_run), ==, 1);
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_CALLBACK_END, id, SW_EVENT_FLAG_FAILED), ==, 1);
  g_assert_cmpuint (count_log_lines (f->trace, "callback exploded"), ==, 1);
  callback_log_clear (&log);
}

/* 16 */
static void
test_map_keeps_order (Fixture       *f,
                      gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 3);
  GVariant *args[8];
  g_autoptr(SwMapIter) iter = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value;
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    args[i] = g_variant_new ("(v)", g_variant_new_uint32 (i));
  iter = sw_executor_map (pool, "return_value", args, G_N_ELEMENTS (args), -1, &error);
  g_assert_no_error (error);

  while (sw_map_iter_next (iter, &value, &error))
    {
      g_assert_cmpuint (g_variant_get_uint32 (value), ==, n);
      g_variant_unref (value);
      n++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (args));
}

/* 16: the item of index 2 fails (its arguments are of the wrong type, which
 * only the task finds out). */
static void
test_map_error_at_failing_item (Fixture       *f,
                                gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  GVariant *args[] = {
    g_variant_new ("(v)", g_variant_new_int32 (0)),
    g_variant_new ("(v)", g_variant_new_int32 (1)),
    g_variant_new ("(i)", 2),
    g_variant_new ("(v)", g_variant_new_int32 (3)),
  };
  g_autoptr(SwMapIter) iter = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;

  iter = sw_executor_map (pool, "return_value", args, G_N_ELEMENTS (args), -1, &error);
  g_assert_no_error (error);

  for (gint32 i = 0; i < 2; i++)
    {
      g_assert_true (sw_map_iter_next (iter, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_variant_get_int32 (value), ==, i);
      g_clear_pointer (&value, g_variant_unref);
    }
  g_assert_false (sw_map_iter_next (iter, &value, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_null (value);
  /* Nothing after the failure. */
  g_clear_error (&error);
  g_assert_false (sw_map_iter_next (iter, &value, &error));
  g_assert_no_error (error);
}

/* 16 */
static void
test_map_timeout (Fixture       *f,
                  gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  GVariant *args[] = {
    g_variant_new ("(d)", 0.0),
    g_variant_new ("(d)", BLOCK_S),
  };
  g_autoptr(SwMapIter) iter = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;

  iter = sw_executor_map (pool, "sleep", args, G_N_ELEMENTS (args), 200 * 1000, &error);
  g_assert_no_error (error);

  /* The quick one is there; the blocker outlasts the map's timeout. */
  g_assert_true (sw_map_iter_next (iter, &value, &error));
  g_clear_pointer (&value, g_variant_unref);
  g_assert_false (sw_map_iter_next (iter, &value, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
}

/* 16: Python cancels what was not yielded when its generator is closed. */
static void
test_map_free_cancels_the_rest (Fixture       *f,
                                gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  GVariant *args[3];
  SwMapIter *iter;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  guint n_cancelled = 0;

  wait_running (blocker);
  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    args[i] = g_variant_new ("(v)", g_variant_new_uint32 (i));
  iter = sw_executor_map (pool, "return_value", args, G_N_ELEMENTS (args), -1, &error);
  g_assert_no_error (error);
  sw_map_iter_free (iter);

  events = sw_trace_dup_events (f->trace);
  for (guint i = 0; i < events->len; i++)
    n_cancelled += g_array_index (events, SwEvent, i).kind == SW_EVENT_TASK_CANCEL;
  g_assert_cmpuint (n_cancelled, ==, G_N_ELEMENTS (args));
}

/* 17 */
static void
test_zero_workers_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SwExecutor *pool = f->kind->factory (f->trace, 0, &error);

  g_assert_null (pool);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

/* 18 */
static void
test_no_stale_references (Fixture       *f,
                          gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  SwFuture *future = submit_value (pool, 1);
  gpointer weak = future;

  g_object_add_weak_pointer (G_OBJECT (future), &weak);
  wait_done (future);
  g_object_unref (future);
  /* The pool lets go of a finished task's future by itself. */
  spin_until (g_atomic_pointer_get (&weak) == NULL);
}

static gboolean
has (GPtrArray *array,
     SwFuture  *future)
{
  return g_ptr_array_find (array, future, NULL);
}

/* 19 */
static void
test_wait_first_completed (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) quick = submit_sleep (pool, 0.05);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { blocker, quick };

  g_assert_true (sw_futures_wait (fs, 2, SW_WAIT_FIRST_COMPLETED, DEADLINE_US, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (has (done, quick));
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (has (not_done, blocker));
}

/* 19 */
static void
test_wait_first_completed_some_already_done (Fixture       *f,
                                             gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) finished = submit_value (pool, 1);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { blocker, finished };
  guint n_waits;

  wait_done (finished);
  n_waits = count_events (f->trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (blocker), 0);
  g_assert_true (sw_futures_wait (fs, 2, SW_WAIT_FIRST_COMPLETED, -1, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (has (done, finished));
  g_assert_cmpuint (not_done->len, ==, 1);
  /* It did not block at all. */
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_WAIT_BEGIN, sw_future_get_id (blocker), 0), ==, n_waits);
}

/* 20 */
static void
test_wait_first_exception (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 3);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) ok = submit_value (pool, 1);
  g_autoptr(SwFuture) failing = submit (pool, "fail", g_variant_new ("(s)", "late failure"));
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { blocker, ok, failing };

  g_assert_true (sw_futures_wait (fs, 3, SW_WAIT_FIRST_EXCEPTION, DEADLINE_US, &done, &not_done));
  g_assert_true (has (done, failing));
  g_assert_true (has (not_done, blocker));
  g_assert_cmpuint (done->len + not_done->len, ==, 3);

  /* One already failed: returns at once. */
  {
    g_autoptr(GPtrArray) d = NULL;
    g_autoptr(GPtrArray) nd = NULL;
    SwFuture *fs2[] = { blocker, failing };

    g_assert_true (sw_futures_wait (fs2, 2, SW_WAIT_FIRST_EXCEPTION, 0, &d, &nd));
    g_assert_cmpuint (d->len, ==, 1);
    g_assert_true (has (d, failing));
    g_assert_cmpuint (nd->len, ==, 1);
  }
}

/* 20 */
static void
test_wait_first_exception_all_done_without_failure (Fixture       *f,
                                                    gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) a = submit_sleep (pool, 0.05);
  g_autoptr(SwFuture) b = submit_sleep (pool, 0.1);
  g_autoptr(SwFuture) c = submit_value (pool, 3);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { a, b, c };

  g_assert_true (sw_futures_wait (fs, 3, SW_WAIT_FIRST_EXCEPTION, DEADLINE_US, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 3);
  g_assert_cmpuint (not_done->len, ==, 0);
}

/* 20: as in Python, a cancelled future is done but is not an exception. */
static void
test_wait_first_exception_cancelled_is_not_an_exception (Fixture       *f,
                                                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwFuture) cancelled = submit_value (pool, 1);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { blocker, cancelled };

  g_assert_true (sw_future_cancel (cancelled));
  g_assert_false (sw_futures_wait (fs, 2, SW_WAIT_FIRST_EXCEPTION, 50 * 1000, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (has (done, cancelled));
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (has (not_done, blocker));
}

/* 21 */
static void
test_wait_all_completed (Fixture       *f,
                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) a = submit_sleep (pool, 0.05);
  g_autoptr(SwFuture) b = submit_failure (pool, "b failed");
  g_autoptr(SwFuture) c = submit_sleep (pool, 0.1);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { a, b, c };

  /* A failure does not end an ALL_COMPLETED wait. */
  g_assert_true (sw_futures_wait (fs, 3, SW_WAIT_ALL_COMPLETED, DEADLINE_US, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 3);
  g_assert_cmpuint (not_done->len, ==, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_true (sw_future_is_done (fs[i]));
}

/* 21 */
static void
test_wait_timeout_partial_sets (Fixture       *f,
                                gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) finished = submit_value (pool, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { finished, blocker };

  wait_done (finished);
  g_assert_false (sw_futures_wait (fs, 2, SW_WAIT_ALL_COMPLETED, 50 * 1000, &done, &not_done));
  g_assert_cmpuint (done->len, ==, 1);
  g_assert_true (has (done, finished));
  g_assert_cmpuint (not_done->len, ==, 1);
  g_assert_true (has (not_done, blocker));
  /* The wait is on the timeline, and says it timed out. */
  g_assert_cmpuint (count_events (f->trace, SW_EVENT_WAIT_END, sw_future_get_id (finished),
                                  SW_EVENT_FLAG_FAILED), ==, 1);
}

/* 21 (CPython's test_20369) */
static void
test_wait_duplicates_once (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) a = submit_value (pool, 1);
  g_autoptr(SwFuture) b = submit_sleep (pool, 0.05);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  SwFuture *fs[] = { a, b, a, b, a };

  g_assert_true (sw_futures_wait (fs, G_N_ELEMENTS (fs), SW_WAIT_ALL_COMPLETED, DEADLINE_US,
                                  &done, &not_done));
  g_assert_cmpuint (done->len, ==, 2);
  g_assert_cmpuint (not_done->len, ==, 0);
}

/* 22: one worker runs the tasks in submission order, so that is their
 * completion order, whatever order they are given in. */
static void
test_as_completed_order (Fixture       *f,
                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) a = submit_sleep (pool, 0.05);
  g_autoptr(SwFuture) b = submit_value (pool, 2);
  g_autoptr(SwFuture) c = submit_sleep (pool, 0.01);
  g_autoptr(SwAsCompleted) iter = NULL;
  SwFuture *fs[] = { c, b, a };
  SwFuture *expected[] = { a, b, c };

  iter = sw_as_completed_new (fs, G_N_ELEMENTS (fs), DEADLINE_US);
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
}

/* 22 */
static void
test_as_completed_already_done_first (Fixture       *f,
                                      gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) finished = submit_value (pool, 1);
  g_autoptr(SwFuture) later = NULL;
  g_autoptr(SwAsCompleted) iter = NULL;
  g_autoptr(SwFuture) first = NULL;
  g_autoptr(SwFuture) second = NULL;
  SwFuture *fs[2];

  wait_done (finished);
  /* Long enough not to be done before the iterator is made. */
  later = submit_sleep (pool, 1.0);
  fs[0] = later;
  fs[1] = finished;
  iter = sw_as_completed_new (fs, 2, DEADLINE_US);
  first = sw_as_completed_next (iter, NULL);
  second = sw_as_completed_next (iter, NULL);
  g_assert_true (first == finished);
  g_assert_true (second == later);
  g_assert_null (sw_as_completed_next (iter, NULL));
}

/* 22 */
static void
test_as_completed_timeout (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) finished = submit_value (pool, 1);
  g_autoptr(SwFuture) blocker = submit_blocker (pool);
  g_autoptr(SwAsCompleted) iter = NULL;
  g_autoptr(SwFuture) first = NULL;
  g_autoptr(GError) error = NULL;
  SwFuture *fs[] = { finished, blocker };

  wait_done (finished);
  iter = sw_as_completed_new (fs, 2, 50 * 1000);
  first = sw_as_completed_next (iter, &error);
  g_assert_no_error (error);
  g_assert_true (first == finished);
  g_assert_null (sw_as_completed_next (iter, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_TIMED_OUT);
  g_assert_cmpstr (error->message, ==, "1 (of 2) futures unfinished");
}

/* 22 */
static void
test_as_completed_duplicates_once (Fixture       *f,
                                   gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) a = submit_value (pool, 1);
  g_autoptr(SwFuture) b = submit_sleep (pool, 0.05);
  g_autoptr(SwAsCompleted) iter = NULL;
  SwFuture *fs[] = { a, b, a, b };
  SwFuture *next;
  guint n = 0;

  iter = sw_as_completed_new (fs, G_N_ELEMENTS (fs), DEADLINE_US);
  while ((next = sw_as_completed_next (iter, NULL)) != NULL)
    {
      n++;
      g_object_unref (next);
    }
  g_assert_cmpuint (n, ==, 2);
}

/* 23 */
static void
test_submit_after_shutdown_fails (Fixture       *f,
                                  gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) future = NULL;

  sw_executor_shutdown (pool, TRUE, FALSE);
  future = sw_executor_submit_task (pool, NULL, "return_value",
                                    g_variant_new ("(v)", g_variant_new_int32 (1)), &error);
  g_assert_null (future);
  g_assert_error (error, SW_ERROR, SW_ERROR_SHUTDOWN);
}

/* 24 */
static void
test_shutdown_wait_waits (Fixture       *f,
                          gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  SwFuture *futures[6];

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = i % 2 ? submit_sleep (pool, 0.05) : submit_value (pool, (gint32) i);
  sw_executor_shutdown (pool, TRUE, FALSE);

  /* Every queued task ran to the end before shutdown returned. */
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_assert_cmpint (sw_future_get_state (futures[i]), ==, SW_FUTURE_FINISHED);
      g_object_unref (futures[i]);
    }
}

/* 25 */
static void
test_shutdown_cancel_futures_cancels_pending_only (Fixture       *f,
                                                   gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) running = submit_sleep (pool, 0.3);
  SwFuture *pending[3];

  wait_running (running);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    pending[i] = submit_value (pool, (gint32) i);
  sw_executor_shutdown (pool, TRUE, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      g_assert_cmpint (sw_future_get_state (pending[i]), ==, SW_FUTURE_CANCELLED);
      g_object_unref (pending[i]);
    }
  /* The running one was not cancelled: it ended (its sleep may have been
   * cut short through the pool's cancellable, which is a failure). */
  g_assert_true (sw_future_is_done (running));
  g_assert_cmpint (sw_future_get_state (running), !=, SW_FUTURE_CANCELLED);
}

/* 25 (ThreadPoolShutdownTest.test_cancel_futures_wait_false) and the
 * ISSUE's "shutdown without wait returns at once while tasks finish". */
static void
test_shutdown_without_wait_returns_at_once (Fixture       *f,
                                            gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) running = submit_sleep (pool, 2.0);
  g_autoptr(SwFuture) queued = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;

  wait_running (running);
  queued = submit_value (pool, 1);
  sw_executor_shutdown (pool, FALSE, FALSE);
  /* Returned while the task is still running (one-sided: only a
   * shutdown that waited two seconds fails this)… */
  g_assert_false (sw_future_is_done (running));

  /* …and the tasks still finish, queued ones too. */
  first = sw_future_result (running, DEADLINE_US, NULL);
  second = sw_future_result (queued, DEADLINE_US, NULL);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
}

/* 26 (test_hang_gh94440) */
static void
test_cancel_then_shutdown_does_not_hang (Fixture       *f,
                                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) head = submit_sleep (pool, 0.05);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);

  g_assert_true (sw_future_cancel (queued) || sw_future_is_done (queued));
  sw_executor_shutdown (pool, TRUE, FALSE);
  g_assert_true (sw_future_is_done (head));
  g_assert_true (sw_future_is_done (queued));
}

/* 27, thread only: a caller that waits for each result before submitting
 * the next always gets the same thread. */
static void
test_idle_thread_reused (Fixture       *f,
                         gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 4);
  g_autoptr(GArray) events = NULL;
  g_autoptr(GHashTable) lanes = g_hash_table_new (NULL, NULL);
  guint n_starts = 0;

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(SwFuture) future = submit_value (pool, (gint32) i);

      wait_done (future);
    }

  events = sw_trace_dup_events (f->trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_START)
        {
          g_hash_table_add (lanes, GUINT_TO_POINTER (e->lane));
          n_starts++;
        }
    }
  g_assert_cmpuint (n_starts, ==, 6);
  g_assert_cmpuint (g_hash_table_size (lanes), ==, 1);
}

/* 27 (test_saturation): never more lanes running tasks than workers. */
static void
test_never_more_than_max_workers (Fixture       *f,
                                  gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  SwFuture *futures[8];
  g_autoptr(GArray) events = NULL;
  g_autoptr(GHashTable) lanes = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = submit_sleep (pool, 0.01);
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      wait_done (futures[i]);
      g_object_unref (futures[i]);
    }

  events = sw_trace_dup_events (f->trace);
  for (guint i = 0; i < events->len; i++)
    if (g_array_index (events, SwEvent, i).kind == SW_EVENT_TASK_START)
      g_hash_table_add (lanes, GUINT_TO_POINTER (g_array_index (events, SwEvent, i).lane));
  g_assert_cmpuint (g_hash_table_size (lanes), >=, 1);
  g_assert_cmpuint (g_hash_table_size (lanes), <=, 2);
}

/* 26 (test_hang_gh83386): a child process — this binary in child mode —
 * submits a long task and returns from main without shutting its pool
 * down.  It must exit by itself, and (process pool) leave no worker
 * behind. */
/* Deliberately never released (no shutdown, no unref); static so that
 * LeakSanitizer sees them still reachable at exit. */
static SwExecutor *volatile child_pool;
static SwFuture   *volatile child_future;

static int
child_exit_with_running_pool (const char *kind)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  SwExecutor *pool = NULL;
  SwFuture *future;

  if (g_str_equal (kind, "thread"))
    pool = thread_pool_factory (trace, 1, &error);
#ifdef SW_HAVE_PROCESS_POOL
  else if (g_str_equal (kind, "process"))
    pool = process_pool_factory (trace, 1, &error);
#endif
  if (pool == NULL)
    return 2;
  child_pool = pool;

  future = sw_executor_submit_task (pool, NULL, "sleep", g_variant_new ("(d)", BLOCK_S), &error);
  if (future == NULL)
    return 3;
  child_future = future;
  spin_until (sw_future_get_state (future) == SW_FUTURE_RUNNING);

#ifdef SW_HAVE_PROCESS_POOL
  if (SW_IS_PROCESS_POOL (pool))
    {
      g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (SW_PROCESS_POOL (pool));

      for (guint i = 0; i < pids->len; i++)
        g_print ("%d\n", (int) g_array_index (pids, GPid, i));
    }
#endif
  g_print ("running\n");

  return 0;
}

static void
test_exit_with_running_pool_does_not_hang (Fixture       *f,
                                           gconstpointer  data)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self_path, "--child-exit-with-running-pool", f->kind->name, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  GPid pid;
  gint out_fd;
  int status = 0;
  pid_t reaped;

  g_assert_nonnull (self_path);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);

  /* Bounded: a child that hangs is killed and the test fails. */
  while ((reaped = waitpid (pid, &status, WNOHANG)) == 0)
    {
      if (g_get_monotonic_time () >= deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          g_assert_not_reached ();
        }
      g_usleep (1000);
    }
  g_assert_cmpint (reaped, ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_to_end (channel, &output, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (output, "running\n"));

  /* The workers it started die with it (they are reparented and reaped
   * elsewhere, so all we can see is that they are gone). */
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gint64 worker = g_ascii_strtoll (lines[i], NULL, 10);

      if (worker > 0)
        spin_until (kill ((pid_t) worker, 0) == -1);
    }
}

#ifdef SW_HAVE_PROCESS_POOL
/* 28: every future the pool held fails with BROKEN; later submits too. */
static void
test_killed_worker_breaks_the_pool (Fixture       *f,
                                    gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 2);
  g_autoptr(SwFuture) a = submit_blocker (pool);
  g_autoptr(SwFuture) b = submit_blocker (pool);
  g_autoptr(SwFuture) queued = submit_value (pool, 1);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) submit_error = NULL;
  g_autoptr(SwFuture) late = NULL;
  g_autofree char *pid_text = NULL;
  SwFuture *held[] = { a, b, queued };
  guint n_naming_pid = 0;

  wait_running (a);
  wait_running (b);
  pids = sw_process_pool_dup_worker_pids (SW_PROCESS_POOL (pool));
  g_assert_cmpuint (pids->len, >=, 1);
  pid_text = g_strdup_printf ("%d", (int) g_array_index (pids, GPid, 0));
  g_assert_cmpint (kill (g_array_index (pids, GPid, 0), SIGKILL), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (sw_future_result (held[i], DEADLINE_US, &error));
      g_assert_error (error, SW_ERROR, SW_ERROR_BROKEN);
      n_naming_pid += strstr (error->message, pid_text) != NULL;
    }
  /* The killed worker's own future says who died. */
  g_assert_cmpuint (n_naming_pid, >=, 1);
  g_assert_true (sw_process_pool_is_broken (SW_PROCESS_POOL (pool)));

  late = sw_executor_submit_task (pool, NULL, "return_value",
                                  g_variant_new ("(v)", g_variant_new_int32 (1)), &submit_error);
  g_assert_null (late);
  g_assert_error (submit_error, SW_ERROR, SW_ERROR_BROKEN);

  /* A new pool works. */
  {
    SwExecutor *fresh = new_pool (f, 1);
    g_autoptr(SwFuture) future = submit_value (fresh, 9);
    g_autoptr(GVariant) value = sw_future_result (future, DEADLINE_US, NULL);

    g_assert_nonnull (value);
    g_assert_cmpint (g_variant_get_int32 (value), ==, 9);
  }
}

/* 29, 30: an abrupt exit in a task is reported with its signal. */
static void
test_crash_reports_signal (Fixture       *f,
                           gconstpointer  data)
{
  SwExecutor *pool = new_pool (f, 1);
  g_autoptr(SwFuture) crash = submit (pool, "crash", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (sw_future_result (crash, DEADLINE_US, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_BROKEN);
  g_assert_true (strstr (error->message, "SIGABRT") != NULL || strstr (error->message, "signal 6") != NULL
                 || strstr (error->message, "Aborted") != NULL);
}
#endif

typedef void (*FixtureFunc) (Fixture *, gconstpointer);

enum {
  THREAD = 1 << 0,
  PROCESS = 1 << 1,
  BOTH = THREAD | PROCESS,
};

static void
add (const char  *behaviour,
     FixtureFunc  func,
     guint        kinds)
{
  const PoolKind *all[] = {
    &thread_kind,
#ifdef SW_HAVE_PROCESS_POOL
    &process_kind,
#endif
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autofree char *path = NULL;

      if (!(kinds & (g_str_equal (all[i]->name, "thread") ? THREAD : PROCESS)))
        continue;
      path = g_strdup_printf ("/Sw/Conformance/%s/%s", all[i]->name, behaviour);
      g_test_add (path, Fixture, all[i], fixture_setup, func, fixture_teardown);
    }
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--child-exit-with-running-pool"))
    return child_exit_with_running_pool (argv[2]);

  g_test_init (&argc, &argv, NULL);

  add ("state-transitions", test_state_transitions, BOTH);
  add ("cancel-pending-succeeds", test_cancel_pending_succeeds, BOTH);
  add ("cancel-running-or-done-fails", test_cancel_running_or_done_fails, BOTH);
  add ("result-of-cancelled-fails-as-cancelled", test_result_of_cancelled_fails_as_cancelled, BOTH);
  add ("result-timeout", test_result_timeout, BOTH);
  add ("exception-returns-task-error", test_exception_returns_task_error, BOTH);
  add ("result-wakes-on-completion", test_result_wakes_on_completion, BOTH);
  add ("result-wakes-on-cancel", test_result_wakes_on_cancel, BOTH);
  add ("submit-returns-result", test_submit_returns_result, BOTH);
  add ("callback-sees-result", test_callback_sees_result, BOTH);
  add ("callback-sees-exception", test_callback_sees_exception, BOTH);
  add ("callback-runs-on-cancel", test_callback_runs_on_cancel, BOTH);
  add ("callback-after-success-runs-at-once", test_callback_after_success_runs_at_once, BOTH);
  add ("callback-after-failure-runs-at-once", test_callback_after_failure_runs_at_once, BOTH);
  add ("callback-after-cancel-runs-at-once", test_callback_after_cancel_runs_at_once, BOTH);
  add ("callbacks-run-once-in-order", test_callbacks_run_once_in_order, BOTH);
  add ("failing-callback-does-not-stop-the-others", test_failing_callback_does_not_stop_the_others, BOTH);
  add ("failing-callback-after-done-is-recorded", test_failing_callback_after_done_is_recorded, BOTH);
  add ("map-keeps-order", test_map_keeps_order, BOTH);
  add ("map-error-at-failing-item", test_map_error_at_failing_item, BOTH);
  add ("map-timeout", test_map_timeout, BOTH);
  add ("map-free-cancels-the-rest", test_map_free_cancels_the_rest, BOTH);
  add ("zero-workers-refused", test_zero_workers_refused, BOTH);
  add ("no-stale-references", test_no_stale_references, BOTH);
  add ("wait-first-completed", test_wait_first_completed, BOTH);
  add ("wait-first-completed-some-already-done", test_wait_first_completed_some_already_done, BOTH);
  add ("wait-first-exception", test_wait_first_exception, BOTH);
  add ("wait-first-exception-all-done-without-failure", test_wait_first_exception_all_done_without_failure, BOTH);
  add ("wait-first-exception-cancelled-is-not-an-exception", test_wait_first_exception_cancelled_is_not_an_exception, BOTH);
  add ("wait-all-completed", test_wait_all_completed, BOTH);
  add ("wait-timeout-partial-sets", test_wait_timeout_partial_sets, BOTH);
  add ("wait-duplicates-once", test_wait_duplicates_once, BOTH);
  add ("as-completed-order", test_as_completed_order, BOTH);
  add ("as-completed-already-done-first", test_as_completed_already_done_first, BOTH);
  add ("as-completed-timeout", test_as_completed_timeout, BOTH);
  add ("as-completed-duplicates-once", test_as_completed_duplicates_once, BOTH);
  add ("submit-after-shutdown-fails", test_submit_after_shutdown_fails, BOTH);
  add ("shutdown-wait-waits", test_shutdown_wait_waits, BOTH);
  add ("shutdown-cancel-futures-cancels-pending-only", test_shutdown_cancel_futures_cancels_pending_only, BOTH);
  add ("shutdown-without-wait-returns-at-once", test_shutdown_without_wait_returns_at_once, BOTH);
  add ("cancel-then-shutdown-does-not-hang", test_cancel_then_shutdown_does_not_hang, BOTH);
  add ("exit-with-running-pool-does-not-hang", test_exit_with_running_pool_does_not_hang, BOTH);
  add ("idle-thread-reused", test_idle_thread_reused, THREAD);
  add ("never-more-than-max-workers", test_never_more_than_max_workers, BOTH);
#ifdef SW_HAVE_PROCESS_POOL
  add ("killed-worker-breaks-the-pool", test_killed_worker_breaks_the_pool, PROCESS);
  add ("crash-reports-signal", test_crash_reports_signal, PROCESS);
#endif

  return g_test_run ();
}
