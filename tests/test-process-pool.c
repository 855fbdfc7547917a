/* test-process-pool.c — SwProcessPool behaves like ProcessPoolExecutor */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "switchyard.h"
#include "sw-process-pool.h"   /* not (yet) in the umbrella header */

/* Every wait in these tests is bounded by this; none is expected to come
 * near it. */
#define DEADLINE_US (30 * G_USEC_PER_SEC)

#define spin_until(cond)                                              \
  G_STMT_START {                                                      \
    gint64 spin_deadline_ = g_get_monotonic_time () + DEADLINE_US;    \
    while (!(cond))                                                   \
      {                                                               \
        g_assert_cmpint (g_get_monotonic_time (), <, spin_deadline_); \
        g_usleep (1000);                                              \
      }                                                               \
  } G_STMT_END

/* Lines the tasks printed, as they reached the print func. */
typedef struct
{
  GMutex     lock;
  GPtrArray *lines;   /* guarded by lock */
} Lines;

static void
lines_init (Lines *lines)
{
  g_mutex_init (&lines->lock);
  lines->lines = g_ptr_array_new_with_free_func (g_free);
}

static void
lines_clear (Lines *lines)
{
  g_ptr_array_unref (lines->lines);
  g_mutex_clear (&lines->lock);
}

static void
lines_print_cb (const char *line,
                gpointer    user_data)
{
  Lines *lines = user_data;

  g_mutex_lock (&lines->lock);
  g_ptr_array_add (lines->lines, g_strdup (line));
  g_mutex_unlock (&lines->lock);
}

static SwProcessPool *
new_pool (SwTrace *trace,
          guint    n)
{
  g_autoptr(GError) error = NULL;
  SwProcessPool *pool = sw_process_pool_new (trace, n, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pool);
  return pool;
}

static GVariant *
result_or_die (SwFuture *future)
{
  g_autoptr(GError) error = NULL;
  GVariant *value = sw_future_result (future, DEADLINE_US, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

static gboolean
pid_is_gone (GPid pid)
{
  return kill (pid, 0) == -1 && errno == ESRCH;
}

static gboolean
pids_contain (GArray *pids,
              GPid    pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, GPid, i) == pid)
      return TRUE;
  return FALSE;
}

static void
test_process_pool_ten_tasks_four_workers (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 4);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  Lines lines;

  lines_init (&lines);
  sw_executor_set_print_func (SW_EXECUTOR (pool), lines_print_cb, &lines);

  g_assert_cmpuint (sw_process_pool_get_max_workers (pool), ==, 4);
  g_assert_cmpuint (pids->len, ==, 4);

  for (guint i = 1; i <= 10; i++)
    {
      g_autoptr(GError) error = NULL;
      SwFuture *future = sw_process_pool_submit (pool, NULL, "sleep_random",
                                                 g_variant_new ("(udd)", i, 0.0, 0.0), &error);

      g_assert_no_error (error);
      g_ptr_array_add (futures, future);
    }
  for (guint i = 0; i < futures->len; i++)
    {
      g_autoptr(GVariant) value = result_or_die (g_ptr_array_index (futures, i));

      g_assert_cmpuint (g_variant_get_uint32 (value), ==, i + 1);
    }
  sw_process_pool_shutdown (pool, TRUE, FALSE);

  /* Each task printed the pid of the process it ran in. */
  g_assert_cmpuint (lines.lines->len, ==, 10);
  for (guint i = 0; i < lines.lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines.lines, i);
      const char *in = strstr (line, "in process ");
      GPid pid;

      g_assert_nonnull (in);
      pid = (GPid) atoi (in + strlen ("in process "));
      g_assert_cmpint (pid, !=, getpid ());
      g_assert_true (pids_contain (pids, pid));
      g_hash_table_add (seen, GINT_TO_POINTER (pid));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 4);
  for (guint i = 0; i < pids->len; i++)
    g_assert_cmpint (g_array_index (pids, GPid, i), !=, getpid ());

  lines_clear (&lines);
}

static void
test_process_pool_results_come_back (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) text = NULL;
  g_autoptr(SwFuture) number = NULL;
  g_autoptr(SwFuture) nested = NULL;
  g_autoptr(GVariant) text_value = NULL;
  g_autoptr(GVariant) number_value = NULL;
  g_autoptr(GVariant) nested_value = NULL;
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new_parsed ("{'a': <[1, 2, 3]>, 'b': <'x'>}"));

  text = sw_executor_submit_task (SW_EXECUTOR (pool), "text", "return_value",
                                  g_variant_new ("(v)", g_variant_new_string ("hello")), &error);
  g_assert_no_error (error);
  number = sw_process_pool_submit (pool, "number", "return_value",
                                   g_variant_new ("(v)", g_variant_new_int64 (-42)), &error);
  g_assert_no_error (error);
  nested = sw_process_pool_submit (pool, "nested", "return_value",
                                   g_variant_new ("(v)", expected), &error);
  g_assert_no_error (error);

  text_value = result_or_die (text);
  number_value = result_or_die (number);
  nested_value = result_or_die (nested);
  g_assert_cmpstr (g_variant_get_string (text_value, NULL), ==, "hello");
  g_assert_cmpint (g_variant_get_int64 (number_value), ==, -42);
  g_assert_true (g_variant_equal (nested_value, expected));
  g_assert_cmpstr (sw_future_get_label (number), ==, "number");
  g_assert_cmpint (sw_future_get_state (number), ==, SW_FUTURE_FINISHED);
}

static void
test_process_pool_task_error_comes_back (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(SwFuture) after = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) after_value = NULL;

  future = sw_process_pool_submit (pool, NULL, "fail", g_variant_new ("(s)", "boom"), &error);
  g_assert_no_error (error);
  value = sw_future_result (future, DEADLINE_US, &error);
  g_assert_null (value);
  g_assert_error (error, SW_ERROR, SW_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "boom");
  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FAILED);

  /* A failing task does not break the pool. */
  g_assert_false (sw_process_pool_is_broken (pool));
  after = sw_process_pool_submit (pool, NULL, "return_value",
                                  g_variant_new ("(v)", g_variant_new_boolean (TRUE)), NULL);
  after_value = result_or_die (after);
  g_assert_true (g_variant_get_boolean (after_value));
}

static const SwEvent *
find_event (GArray  *events,
            guint16  kind,
            guint64  object)
{
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == kind && e->object == object)
        return e;
    }
  return NULL;
}

static void
test_process_pool_worker_events_are_merged (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GArray) events = NULL;
  const SwEvent *submit, *start, *end, *log = NULL;
  SwLane lane, process, submit_lane;
  guint64 id;

  future = sw_process_pool_submit (pool, "traced", "sleep_random",
                                   g_variant_new ("(udd)", 7, 0.0, 0.0), NULL);
  value = result_or_die (future);
  sw_process_pool_shutdown (pool, TRUE, FALSE);
  id = sw_future_get_id (future);

  events = sw_trace_dup_events (trace);
  submit = find_event (events, SW_EVENT_TASK_SUBMIT, id);
  start = find_event (events, SW_EVENT_TASK_START, id);
  end = find_event (events, SW_EVENT_TASK_END, id);
  g_assert_nonnull (submit);
  g_assert_nonnull (start);
  g_assert_nonnull (end);

  /* Submitted here, started on the worker's own lane: its real pid, its
   * main thread, named after it, under its process lane. */
  g_assert_true (sw_trace_get_lane (trace, submit->lane, &submit_lane));
  g_assert_cmpint (submit_lane.pid, ==, getpid ());
  g_assert_true (sw_trace_get_lane (trace, start->lane, &lane));
  g_assert_cmpint (lane.kind, ==, SW_LANE_THREAD);
  g_assert_true (pids_contain (pids, lane.pid));
  g_assert_cmpint (lane.tid, ==, lane.pid);
  g_assert_true (g_str_has_prefix (lane.name, "worker "));
  g_assert_true (sw_trace_get_lane (trace, lane.parent, &process));
  g_assert_cmpint (process.kind, ==, SW_LANE_PROCESS);
  g_assert_cmpint (process.pid, ==, lane.pid);
  g_assert_cmpuint (process.parent, ==, sw_trace_get_process_lane (trace));

  /* One time base: the worker's start lies between submit and end. */
  g_assert_cmpuint (submit->time, <=, start->time);
  g_assert_cmpuint (start->time, <=, end->time);

  /* The line the task printed came along, string and all. */
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_LOG && e->lane == start->lane)
        log = e;
    }
  g_assert_nonnull (log);
  g_assert_true (g_str_has_prefix (sw_trace_lookup_string (trace, log->arg), "task 7 is running in process "));
}

static void
slow_callback_cb (SwFuture *future,
                  gpointer  user_data)
{
  g_usleep (400 * 1000);
}

/* A task's end is when it ended, on the worker that ran it, not when its
 * result reached a manager busy in another task's done-callback; a failed
 * task's end carries its message across. */
static void
test_process_pool_task_end_is_when_the_task_ended (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(SwFuture) quick = NULL;
  g_autoptr(SwFuture) longer = NULL;
  g_autoptr(SwFuture) failing = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GArray) events = NULL;
  const SwEvent *start, *end, *error_end;
  SwLane lane;

  /* quick ends after 50 ms and its callback holds the manager for 400 ms;
   * longer ends after 150 ms, while that callback runs. */
  quick = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.05), NULL);
  longer = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.15), NULL);
  sw_future_add_done_callback (quick, slow_callback_cb, NULL, NULL);
  g_clear_pointer (&value, g_variant_unref);
  value = result_or_die (longer);
  g_clear_pointer (&value, g_variant_unref);
  value = result_or_die (quick);
  failing = sw_process_pool_submit (pool, NULL, "fail", g_variant_new ("(s)", "boom"), NULL);
  g_assert_null (sw_future_result (failing, DEADLINE_US, NULL));
  sw_process_pool_shutdown (pool, TRUE, FALSE);

  events = sw_trace_dup_events (trace);
  start = find_event (events, SW_EVENT_TASK_START, sw_future_get_id (longer));
  end = find_event (events, SW_EVENT_TASK_END, sw_future_get_id (longer));
  g_assert_nonnull (start);
  g_assert_nonnull (end);
  g_assert_cmpuint (end->lane, ==, start->lane);
  g_assert_true (sw_trace_get_lane (trace, end->lane, &lane));
  g_assert_cmpint (lane.pid, !=, getpid ());
  /* 150 ms of sleep (times in ns), not the ~400 ms the manager spent in
   * the callback. */
  g_assert_cmpuint (end->time - start->time, >=, (guint64) 140 * 1000 * 1000);
  g_assert_cmpuint (end->time - start->time, <, (guint64) 300 * 1000 * 1000);

  /* Recorded once, where the task ran. */
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_END && e->object == sw_future_get_id (longer))
        g_assert_true (e == end);
    }

  error_end = find_event (events, SW_EVENT_TASK_ERROR, sw_future_get_id (failing));
  g_assert_nonnull (error_end);
  g_assert_true (sw_trace_get_lane (trace, error_end->lane, &lane));
  g_assert_cmpint (lane.pid, !=, getpid ());
  g_assert_cmpstr (sw_trace_lookup_string (trace, error_end->arg), ==, "boom");
}

typedef struct
{
  SwTrace *trace;
  gint     done;   /* atomic */
  GPid     pid;
  guint32  lane;
  GThread *thread;
} CallbackSeen;

static void
record_callback_cb (SwFuture *future,
                    gpointer  user_data)
{
  CallbackSeen *seen = user_data;

  seen->pid = getpid ();
  seen->lane = sw_trace_get_current_lane (seen->trace);
  seen->thread = g_thread_self ();
  g_atomic_int_set (&seen->done, 1);
}

static void
test_process_pool_callbacks_run_in_parent_on_manager (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(SwFuture) future = NULL;
  g_autoptr(GVariant) value = NULL;
  CallbackSeen seen = { trace, 0, 0, 0, NULL };
  SwLane lane;

  future = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.05), NULL);
  sw_future_add_done_callback (future, record_callback_cb, &seen, NULL);
  value = result_or_die (future);
  spin_until (g_atomic_int_get (&seen.done));

  g_assert_cmpint (seen.pid, ==, getpid ());
  g_assert_true (seen.thread != g_thread_self ());
  g_assert_true (sw_trace_get_lane (trace, seen.lane, &lane));
  g_assert_cmpstr (lane.name, ==, "manager");
  g_assert_cmpint (lane.pid, ==, getpid ());
  g_assert_cmpint (lane.tid, !=, getpid ());
}

/* Every future in @futures fails with SW_ERROR_BROKEN naming @pid and
 * @signal, and nothing of the pool is left running. */
static void
assert_broken_by (SwProcessPool *pool,
                  GPtrArray     *futures,
                  GPid           pid,
                  int            signal_number)
{
  g_autofree char *expected = g_strdup_printf ("worker %d was killed by signal %d (%s)",
                                               pid, signal_number, g_strsignal (signal_number));
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) refused = NULL;

  for (guint i = 0; i < futures->len; i++)
    {
      g_autoptr(GError) task_error = NULL;
      g_autoptr(GVariant) value = sw_future_result (g_ptr_array_index (futures, i), DEADLINE_US, &task_error);

      g_assert_null (value);
      g_assert_error (task_error, SW_ERROR, SW_ERROR_BROKEN);
      g_assert_nonnull (strstr (task_error->message, expected));
      g_assert_cmpint (sw_future_get_state (g_ptr_array_index (futures, i)), ==, SW_FUTURE_FAILED);
    }

  g_assert_true (sw_process_pool_is_broken (pool));
  refused = sw_process_pool_submit (pool, NULL, "return_value",
                                    g_variant_new ("(v)", g_variant_new_boolean (TRUE)), &error);
  g_assert_null (refused);
  g_assert_error (error, SW_ERROR, SW_ERROR_BROKEN);
  g_assert_nonnull (strstr (error->message, expected));

  /* The pool killed and reaped the other workers before it failed the
   * futures: no process, no zombie. */
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, GPid, i)));

  sw_process_pool_shutdown (pool, TRUE, FALSE);
}

static void
assert_new_pool_works (SwTrace *trace)
{
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(SwFuture) future = sw_process_pool_submit (pool, NULL, "return_value",
                                                       g_variant_new ("(v)", g_variant_new_uint32 (5)), NULL);
  g_autoptr(GVariant) value = result_or_die (future);

  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 5);
}

static void
test_process_pool_crash_breaks_pool (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);

  /* The first task goes to the first worker; a long one holds the other;
   * two more wait in the queue — unless the crash was quicker than our
   * submits: then those submits already fail as broken, as they must. */
  g_ptr_array_add (futures, sw_process_pool_submit (pool, NULL, "crash", NULL, NULL));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      SwFuture *future = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 60.0), &error);

      if (future != NULL)
        g_ptr_array_add (futures, future);
      else
        g_assert_error (error, SW_ERROR, SW_ERROR_BROKEN);
    }

  assert_broken_by (pool, futures, g_array_index (pids, GPid, 0), SIGABRT);
  assert_new_pool_works (trace);
}

static void
test_process_pool_sigkill_breaks_pool (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  GPid victim = g_array_index (pids, GPid, 1);

  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (futures, sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 60.0), NULL));
  /* Both workers hold a long task. */
  spin_until (sw_future_get_state (g_ptr_array_index (futures, 1)) == SW_FUTURE_RUNNING);

  g_assert_cmpint (kill (victim, SIGKILL), ==, 0);

  assert_broken_by (pool, futures, victim, SIGKILL);
  assert_new_pool_works (trace);
}

static void
test_process_pool_no_zombie_after_shutdown (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 3);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(SwFuture) future = sw_process_pool_submit (pool, NULL, "return_value",
                                                       g_variant_new ("(v)", g_variant_new_boolean (TRUE)), NULL);
  g_autoptr(GVariant) value = result_or_die (future);

  g_assert_cmpuint (pids->len, ==, 3);
  for (guint i = 0; i < pids->len; i++)
    g_assert_false (pid_is_gone (g_array_index (pids, GPid, i)));

  sw_process_pool_shutdown (pool, TRUE, FALSE);

  /* Exited and reaped: not even a zombie answers kill(pid, 0). */
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, GPid, i)));
  g_assert_false (sw_process_pool_is_broken (pool));
}

static void
count_line_cb (const char *line,
               gpointer    user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* The helper process of no-orphan: a pool, its pids on stdout, then wait
 * to be killed. */
static int
orphan_helper_main (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwProcessPool) pool = sw_process_pool_new (trace, 3, &error);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  gint n_lines = 0;

  if (pool == NULL)
    {
      fprintf (stderr, "orphan helper: %s\n", error->message);
      return 1;
    }
  /* A long task per worker (idle workers all get one at once), and wait
   * for each to print from inside it: then every worker has tied itself
   * to us and is not reading its socket, so when we die only
   * PR_SET_PDEATHSIG can end it (not EOF, not its own parent check). */
  sw_executor_set_print_func (SW_EXECUTOR (pool), count_line_cb, &n_lines);
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (futures, sw_process_pool_submit (pool, NULL, "sleep_random",
                                                      g_variant_new ("(udd)", i, 60.0, 60.0), NULL));
  spin_until (g_atomic_int_get (&n_lines) == 3);

  pids = sw_process_pool_dup_worker_pids (pool);
  for (guint i = 0; i < pids->len; i++)
    printf ("%d\n", g_array_index (pids, GPid, i));
  printf ("ready\n");
  fflush (stdout);

  /* Bounded, should the test never kill us. */
  g_usleep (DEADLINE_US);
  return 0;
}

static void
test_process_pool_no_orphan_when_parent_is_killed (void)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self_exe, "--orphan-helper", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  GPid helper;
  int out_fd, status;
  gboolean ready = FALSE;

  /* Orphans are re-parented to us instead of init, so we can tell a dead
   * worker (we reap it) from a zombie that init has not reaped yet. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &helper, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);

  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  while (!ready)
    {
      g_autofree char *line = NULL;
      GIOStatus io = g_io_channel_read_line (channel, &line, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (io, ==, G_IO_STATUS_NORMAL);
      g_strchomp (line);
      if (g_str_equal (line, "ready"))
        ready = TRUE;
      else
        {
          GPid pid = (GPid) atoi (line);

          g_assert_cmpint (pid, >, 0);
          g_array_append_val (pids, pid);
        }
    }
  g_assert_cmpuint (pids->len, ==, 3);

  g_assert_cmpint (kill (helper, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (helper, &status, 0), ==, helper);
  g_assert_true (WIFSIGNALED (status));

  /* Each worker dies with its parent: SIGKILL from PR_SET_PDEATHSIG. */
  for (guint i = 0; i < pids->len; i++)
    {
      GPid pid = g_array_index (pids, GPid, i);
      pid_t r;

      spin_until ((r = waitpid (pid, &status, WNOHANG)) != 0);
      g_assert_cmpint (r, ==, pid);
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
    }

  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0), ==, 0);
}

static void
test_process_pool_shutdown_wait_waits (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 2);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (futures, sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.1), NULL));

  sw_process_pool_shutdown (pool, TRUE, FALSE);

  for (guint i = 0; i < futures->len; i++)
    g_assert_cmpint (sw_future_get_state (g_ptr_array_index (futures, i)), ==, SW_FUTURE_FINISHED);
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, GPid, i)));

  /* Again: harmless, and still waits for nothing. */
  sw_process_pool_shutdown (pool, TRUE, TRUE);
  sw_process_pool_shutdown (pool, FALSE, FALSE);
}

static void
test_process_pool_shutdown_without_wait_returns_at_once (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(SwFuture) future = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 2.0), NULL);
  g_autoptr(SwFuture) queued = sw_process_pool_submit (pool, NULL, "return_value",
                                                       g_variant_new ("(v)", g_variant_new_boolean (TRUE)), NULL);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) queued_value = NULL;

  sw_process_pool_shutdown (pool, FALSE, FALSE);
  g_assert_false (sw_future_is_done (future));

  /* The tasks still run to their end, queued ones included. */
  value = result_or_die (future);
  queued_value = result_or_die (queued);
  g_assert_true (g_variant_get_boolean (value));
  g_assert_true (g_variant_get_boolean (queued_value));
}

static void
test_process_pool_shutdown_cancel_futures_cancels_pending (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (futures, sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 30.0), NULL));
  spin_until (sw_future_get_state (g_ptr_array_index (futures, 0)) == SW_FUTURE_RUNNING);

  sw_process_pool_shutdown (pool, TRUE, TRUE);

  /* The running one is told to stop too (as in the thread pool): "sleep"
   * listens, so it ends early with the pool's cancellation. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (sw_future_get_state (g_ptr_array_index (futures, 0)), ==, SW_FUTURE_FAILED);
    g_assert_null (sw_future_result (g_ptr_array_index (futures, 0), 0, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
  }
  for (guint i = 1; i < futures->len; i++)
    g_assert_cmpint (sw_future_get_state (g_ptr_array_index (futures, i)), ==, SW_FUTURE_CANCELLED);
}

static void
test_process_pool_pending_future_can_be_cancelled (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(SwFuture) running = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.2), NULL);
  g_autoptr(SwFuture) pending = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.2), NULL);
  g_autoptr(SwFuture) last = sw_process_pool_submit (pool, NULL, "return_value",
                                                     g_variant_new ("(v)", g_variant_new_boolean (TRUE)), NULL);
  g_autoptr(GVariant) value = NULL;

  spin_until (sw_future_get_state (running) == SW_FUTURE_RUNNING);
  /* A worker holds one task at a time: the second is still ours. */
  g_assert_false (sw_future_cancel (running));
  g_assert_true (sw_future_cancel (pending));
  value = result_or_die (last);
  g_assert_cmpint (sw_future_get_state (pending), ==, SW_FUTURE_CANCELLED);
  g_assert_cmpint (sw_future_get_state (running), ==, SW_FUTURE_FINISHED);
}

static void
test_process_pool_submit_after_shutdown_fails (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) future = NULL;

  sw_process_pool_shutdown (pool, FALSE, FALSE);
  future = sw_process_pool_submit (pool, NULL, "return_value",
                                   g_variant_new ("(v)", g_variant_new_boolean (TRUE)), &error);
  g_assert_null (future);
  g_assert_error (error, SW_ERROR, SW_ERROR_SHUTDOWN);
  g_assert_false (sw_process_pool_is_broken (pool));
}

static void
test_process_pool_zero_workers_refused (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwProcessPool) pool = sw_process_pool_new (trace, 0, &error);

  g_assert_null (pool);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

static void
test_process_pool_bad_task_refused_at_submit (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwProcessPool) pool = new_pool (trace, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwFuture) unknown = NULL;
  g_autoptr(SwFuture) wrong = NULL;
  g_autoptr(SwFuture) fine = NULL;
  g_autoptr(GVariant) value = NULL;

  unknown = sw_process_pool_submit (pool, NULL, "no_such_task", NULL, &error);
  g_assert_null (unknown);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no_such_task"));
  g_clear_error (&error);

  wrong = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(s)", "soon"), &error);
  g_assert_null (wrong);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Refusals leave the pool as it was. */
  fine = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.0), &error);
  g_assert_no_error (error);
  value = result_or_die (fine);
  g_assert_false (sw_process_pool_is_broken (pool));
}

static void
test_process_pool_missing_worker_is_a_clear_error (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("SW_WORKER"));
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwProcessPool) pool = NULL;

  g_setenv ("SW_WORKER", "/nonexistent/switchyard-worker", TRUE);
  pool = sw_process_pool_new (trace, 2, &error);
  if (saved != NULL)
    g_setenv ("SW_WORKER", saved, TRUE);
  else
    g_unsetenv ("SW_WORKER");

  g_assert_null (pool);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/switchyard-worker"));
}

static void
test_process_pool_worker_that_cannot_start_is_an_error (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("SW_WORKER"));
  g_autofree char *false_path = g_find_program_in_path ("false");
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwProcessPool) pool = NULL;

  g_assert_nonnull (false_path);
  g_setenv ("SW_WORKER", false_path, TRUE);
  pool = sw_process_pool_new (trace, 2, &error);
  if (saved != NULL)
    g_setenv ("SW_WORKER", saved, TRUE);
  else
    g_unsetenv ("SW_WORKER");

  g_assert_null (pool);
  g_assert_error (error, SW_ERROR, SW_ERROR_BROKEN);
  g_assert_nonnull (strstr (error->message, "exited with status 1 as it started"));
}

static void
test_process_pool_dispose_waits (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwProcessPool *pool = new_pool (trace, 2);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(SwFuture) future = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.1), NULL);

  g_object_unref (pool);

  g_assert_cmpint (sw_future_get_state (future), ==, SW_FUTURE_FINISHED);
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, GPid, i)));
}

static void
drop_pool_cb (SwFuture *future,
              gpointer  user_data)
{
  g_object_unref (user_data);
}

static void
test_process_pool_last_unref_in_callback (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwProcessPool *pool = new_pool (trace, 1);
  g_autoptr(GArray) pids = sw_process_pool_dup_worker_pids (pool);
  g_autoptr(SwFuture) future = sw_process_pool_submit (pool, NULL, "sleep", g_variant_new ("(d)", 0.05), NULL);
  g_autoptr(GVariant) value = NULL;

  /* The pool's last reference goes on its own manager thread. */
  sw_future_add_done_callback (future, drop_pool_cb, pool, NULL);
  value = result_or_die (future);

  /* The manager still reaps its worker. */
  spin_until (pid_is_gone (g_array_index (pids, GPid, 0)));
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && g_str_equal (argv[1], "--orphan-helper"))
    return orphan_helper_main ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/ProcessPool/ten-tasks-four-workers-four-pids", test_process_pool_ten_tasks_four_workers);
  g_test_add_func ("/Sw/ProcessPool/results-come-back", test_process_pool_results_come_back);
  g_test_add_func ("/Sw/ProcessPool/task-error-comes-back", test_process_pool_task_error_comes_back);
  g_test_add_func ("/Sw/ProcessPool/worker-events-are-merged", test_process_pool_worker_events_are_merged);
  g_test_add_func ("/Sw/ProcessPool/task-end-is-when-the-task-ended", test_process_pool_task_end_is_when_the_task_ended);
  g_test_add_func ("/Sw/ProcessPool/callbacks-run-in-parent-on-manager", test_process_pool_callbacks_run_in_parent_on_manager);
  g_test_add_func ("/Sw/ProcessPool/crash-breaks-pool", test_process_pool_crash_breaks_pool);
  g_test_add_func ("/Sw/ProcessPool/sigkill-breaks-pool", test_process_pool_sigkill_breaks_pool);
  g_test_add_func ("/Sw/ProcessPool/no-zombie-after-shutdown", test_process_pool_no_zombie_after_shutdown);
  g_test_add_func ("/Sw/ProcessPool/no-orphan-when-parent-is-killed", test_process_pool_no_orphan_when_parent_is_killed);
  g_test_add_func ("/Sw/ProcessPool/shutdown-wait-waits", test_process_pool_shutdown_wait_waits);
  g_test_add_func ("/Sw/ProcessPool/shutdown-without-wait-returns-at-once", test_process_pool_shutdown_without_wait_returns_at_once);
  g_test_add_func ("/Sw/ProcessPool/shutdown-cancel-futures-cancels-pending", test_process_pool_shutdown_cancel_futures_cancels_pending);
  g_test_add_func ("/Sw/ProcessPool/pending-future-can-be-cancelled", test_process_pool_pending_future_can_be_cancelled);
  g_test_add_func ("/Sw/ProcessPool/submit-after-shutdown-fails", test_process_pool_submit_after_shutdown_fails);
  g_test_add_func ("/Sw/ProcessPool/zero-workers-refused", test_process_pool_zero_workers_refused);
  g_test_add_func ("/Sw/ProcessPool/bad-task-refused-at-submit", test_process_pool_bad_task_refused_at_submit);
  g_test_add_func ("/Sw/ProcessPool/missing-worker-is-a-clear-error", test_process_pool_missing_worker_is_a_clear_error);
  g_test_add_func ("/Sw/ProcessPool/worker-that-cannot-start-is-an-error", test_process_pool_worker_that_cannot_start_is_an_error);
  g_test_add_func ("/Sw/ProcessPool/dispose-waits", test_process_pool_dispose_waits);
  g_test_add_func ("/Sw/ProcessPool/last-unref-in-callback", test_process_pool_last_unref_in_callback);

  return g_test_run ();
}
