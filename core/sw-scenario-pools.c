/* sw-scenario-pools.c — lessons 1 and 2: pools, submission, done-callbacks
 *
 * thread-pool and process-pool are lesson 1 on each kind of pool: tasks
 * that sleep 1–3 s, submitted asynchronously (they overlap, wall ≈ task
 * time / workers) or synchronously (result() right after submit: one after
 * another).  callbacks is lesson 2: download then parse, either coupled
 * (parse inside the task) or decoupled (parse as a done-callback, which
 * runs in the parent process for a process pool and on the worker thread
 * that finished the download for a thread pool).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw-error.h"
#include "sw-executor.h"
#include "sw-scenario.h"

static const char * const modes[] = { NC_("parameter choice", "async"), NC_("parameter choice", "sync"), NULL };
static const char * const on_off[] = { NC_("parameter choice", "on"), NC_("parameter choice", "off"), NULL };
static const char * const pool_kinds[] = { NC_("parameter choice", "process"), NC_("parameter choice", "thread"), NULL };
static const char * const couplings[] = { NC_("parameter choice", "decoupled"), NC_("parameter choice", "coupled"), NULL };

#define SCALE_PARAM \
  { NC_("parameter name", "scale"), SW_PARAM_DOUBLE, "1", 0.01, 10, NULL, N_("Multiplies every duration (0.1: ten times faster)") }

#define LESSON1_PARAMS \
  { NC_("parameter name", "workers"),   SW_PARAM_INT,    "4",     1, 64,    NULL,   N_("Workers in the pool") }, \
  { NC_("parameter name", "tasks"),     SW_PARAM_INT,    "10",    1, 10000, NULL,   N_("Tasks to submit") }, \
  { NC_("parameter name", "min_sleep"), SW_PARAM_DOUBLE, "1",     0, 60,    NULL,   N_("Shortest task sleep, in seconds") }, \
  { NC_("parameter name", "max_sleep"), SW_PARAM_DOUBLE, "3",     0, 60,    NULL,   N_("Longest task sleep, in seconds") }, \
  { NC_("parameter name", "mode"),      SW_PARAM_CHOICE, "async", 0, 0,     modes,  N_("async: submit all, then collect; sync: wait for each result at once") }, \
  { NC_("parameter name", "callbacks"), SW_PARAM_CHOICE, "on",    0, 0,     on_off, N_("Attach a done-callback to each future") }, \
  SCALE_PARAM

static const SwParamSpec thread_pool_params[] = {
  LESSON1_PARAMS,
};

static const SwParamSpec process_pool_params[] = {
  LESSON1_PARAMS,
  { NC_("parameter name", "crash_task"), SW_PARAM_INT, "0", 0, 10000, NULL, N_("Make task K crash its worker process (0 = none): a broken pool") },
};

static const SwParamSpec callbacks_params[] = {
  { NC_("parameter name", "pool"),         SW_PARAM_CHOICE, "process",   0, 0,   pool_kinds, N_("Where downloads run: worker processes or threads") },
  { NC_("parameter name", "coupling"),     SW_PARAM_CHOICE, "decoupled", 0, 0,   couplings,  N_("decoupled: parse in a done-callback; coupled: parse inside the task") },
  { NC_("parameter name", "pages"),        SW_PARAM_INT,    "9",         1, 1000, NULL,      N_("Pages to download") },
  { NC_("parameter name", "workers"),      SW_PARAM_INT,    "9",         1, 64,  NULL,       N_("Workers in the pool") },
  { NC_("parameter name", "min_download"), SW_PARAM_DOUBLE, "1",         0, 60,  NULL,       N_("Shortest download, in seconds") },
  { NC_("parameter name", "max_download"), SW_PARAM_DOUBLE, "3",         0, 60,  NULL,       N_("Longest download, in seconds") },
  { NC_("parameter name", "parse"),        SW_PARAM_DOUBLE, "1",         0, 60,  NULL,       N_("Time to parse one page, in seconds") },
  SCALE_PARAM,
};

static long
current_tid (void)
{
  return (long) syscall (SYS_gettid);
}

/* Task lines were recorded where they were printed: only show them. */
static void
show_task_line_cb (const char *line,
                   gpointer    user_data)
{
  sw_scenario_run_show_line (user_data, line);
}

static void
stop_pool_tasks_cb (GCancellable *run_cancellable,
                    gpointer      pool)
{
  /* shutdown(wait=False, cancel_futures=True): what has not started is
   * cancelled, and the pool's cancellable tells the running tasks. */
  sw_executor_shutdown (pool, FALSE, TRUE);
}

/* Stop pressed: tasks still queued are cancelled (they never run) and the
 * running ones are told at once, wherever they run (a worker process gets
 * SIGUSR1), so main's shutdown(wait) returns soon.  The pool is borrowed:
 * release_pool_on_stop() comes before it goes.  Returns the handler id
 * for release_pool_on_stop. */
static gulong
stop_pool_on_stop (SwScenarioRun *run,
                   SwExecutor    *pool)
{
  return g_cancellable_connect (sw_scenario_run_get_cancellable (run),
                                G_CALLBACK (stop_pool_tasks_cb), pool, NULL);
}

static void
release_pool_on_stop (SwScenarioRun *run,
                      gulong         handler)
{
  g_cancellable_disconnect (sw_scenario_run_get_cancellable (run), handler);
}

static gboolean
check_range (const SwParams  *p,
             const char      *min_key,
             const char      *max_key,
             GError         **error)
{
  if (sw_params_get_double (p, min_key) > sw_params_get_double (p, max_key))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("%s (%g) is greater than %s (%g)"),
                   min_key, sw_params_get_double (p, min_key),
                   max_key, sw_params_get_double (p, max_key));
      return FALSE;
    }
  return TRUE;
}

/* Lesson 1 */

static gboolean
lesson1_check (const SwParams  *p,
               GError         **error)
{
  return check_range (p, "min_sleep", "max_sleep", error);
}

static gboolean
process_pool_check (const SwParams  *p,
                    GError         **error)
{
  if (!lesson1_check (p, error))
    return FALSE;
  /* A crash that never comes would quietly show an unbroken pool. */
  if (sw_params_get_int (p, "crash_task") > sw_params_get_int (p, "tasks"))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("crash_task (%d) is greater than tasks (%d): no task would crash"),
                   (int) sw_params_get_int (p, "crash_task"), (int) sw_params_get_int (p, "tasks"));
      return FALSE;
    }
  return TRUE;
}

/* Runs on the thread that completed the future: a worker thread for a
 * thread pool, the manager thread in the parent for a process pool. */
static void
lesson1_done_cb (SwFuture *future,
                 gpointer  user_data)
{
  sw_scenario_run_print (user_data, _("done-callback of %s runs in process %d on thread %ld"),
                         sw_future_get_label (future), getpid (), current_tid ());
}

static void
print_outcome (SwScenarioRun *run,
               SwFuture      *future)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = sw_future_result (future, -1, &error);

  if (value != NULL)
    sw_scenario_run_print (run, _("%s result: %u"), sw_future_get_label (future),
                           g_variant_get_uint32 (value));
  else
    sw_scenario_run_print (run, _("%s %s: %s"), sw_future_get_label (future),
                           /* "failed" or "cancelled", translated as in the inspector */
                           _(sw_future_state_to_string (sw_future_get_state (future))),
                           error->message);
}

static gboolean
lesson1_body (SwScenarioRun  *run,
              const char     *kind,
              GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  guint workers = (guint) sw_params_get_int (p, "workers");
  guint n_tasks = (guint) sw_params_get_int (p, "tasks");
  double scale = sw_params_get_double (p, "scale");
  double min_sleep = sw_params_get_double (p, "min_sleep") * scale;
  double max_sleep = sw_params_get_double (p, "max_sleep") * scale;
  gboolean sync = g_str_equal (sw_params_get_string (p, "mode"), "sync");
  gboolean callbacks = g_str_equal (sw_params_get_string (p, "callbacks"), "on");
  guint crash_task = sw_scenario_find_param (sw_scenario_run_get_scenario (run), "crash_task")
                     ? (guint) sw_params_get_int (p, "crash_task") : 0;
  g_autoptr(SwExecutor) pool = NULL;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();
  gulong stop_handler;

  pool = sw_executor_new_pool (kind, sw_scenario_run_get_trace (run), workers, error);
  if (pool == NULL)
    return FALSE;
  sw_executor_set_print_func (pool, show_task_line_cb, run);
  stop_handler = stop_pool_on_stop (run, pool);

  sw_scenario_run_print (run, _("main: %u tasks on a pool of %u %s, %s submission (main is process %d)"),
                         n_tasks, workers, g_str_equal (kind, "process") ? _("processes") : _("threads"),
                         sync ? _("synchronous") : _("asynchronous"), getpid ());

  for (guint i = 1; i <= n_tasks && !sw_scenario_run_is_cancelled (run); i++)
    {
      g_autofree char *label = g_strdup_printf ("task %u", i);
      g_autoptr(GError) submit_error = NULL;
      SwFuture *future;

      if (i == crash_task)
        future = sw_executor_submit_task (pool, label, "crash", NULL, &submit_error);
      else
        future = sw_executor_submit_task (pool, label, "sleep_random",
                                          g_variant_new ("(udd)", i, min_sleep, max_sleep),
                                          &submit_error);
      if (future == NULL)
        {
          /* A broken pool refuses at once: say so and stop submitting. */
          sw_scenario_run_print (run, _("submit of %s failed: %s"), label, submit_error->message);
          break;
        }
      g_ptr_array_add (futures, future);
      if (callbacks)
        sw_future_add_done_callback (future, lesson1_done_cb, run, NULL);

      /* Synchronous submission: wait for this result before the next submit. */
      if (sync)
        print_outcome (run, future);
    }

  /* Close the pool's entrance and wait in place for every task, as
   * p.shutdown(wait=True) does in the lesson. */
  sw_executor_shutdown (pool, TRUE, sw_scenario_run_is_cancelled (run));

  release_pool_on_stop (run, stop_handler);

  if (!sync)
    for (guint i = 0; i < futures->len; i++)
      print_outcome (run, g_ptr_array_index (futures, i));

  sw_scenario_run_print (run, _("main done in %.2f s"), (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

static gboolean
thread_pool_body (SwScenarioRun  *run,
                  GError        **error)
{
  return lesson1_body (run, "thread", error);
}

static gboolean
process_pool_body (SwScenarioRun  *run,
                   GError        **error)
{
  return lesson1_body (run, "process", error);
}

/* Lesson 2 */

typedef struct
{
  SwScenarioRun *run;
  double         parse_s;
} ParseJob;

static gboolean
callbacks_check (const SwParams  *p,
                 GError         **error)
{
  return check_range (p, "min_download", "max_download", error);
}

/* Decoupled: whoever completes the download parses it, right there. */
static void
parse_done_cb (SwFuture *future,
               gpointer  user_data)
{
  ParseJob *job = user_data;
  SwTrace *trace = sw_scenario_run_get_trace (job->run);
  SwTaskContext context = {
    trace, sw_scenario_run_get_cancellable (job->run), show_task_line_cb, job->run, FALSE
  };
  g_autoptr(GVariant) page = sw_future_result (future, 0, NULL);
  g_autoptr(GVariant) parsed = NULL;

  if (page == NULL)
    return; /* the download failed or was stopped: nothing to parse */
  parsed = sw_tasks_run (&context, "parse",
                         g_variant_new ("(ud)", g_variant_get_uint32 (page), job->parse_s), NULL);
}

static gboolean
callbacks_body (SwScenarioRun  *run,
                GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  const char *kind = sw_params_get_string (p, "pool");
  gboolean coupled = g_str_equal (sw_params_get_string (p, "coupling"), "coupled");
  guint pages = (guint) sw_params_get_int (p, "pages");
  double scale = sw_params_get_double (p, "scale");
  double min_download = sw_params_get_double (p, "min_download") * scale;
  double max_download = sw_params_get_double (p, "max_download") * scale;
  ParseJob job = { run, sw_params_get_double (p, "parse") * scale };
  g_autoptr(SwExecutor) pool = NULL;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();
  gulong stop_handler;

  pool = sw_executor_new_pool (kind, sw_scenario_run_get_trace (run),
                               (guint) sw_params_get_int (p, "workers"), error);
  if (pool == NULL)
    return FALSE;
  sw_executor_set_print_func (pool, show_task_line_cb, run);
  stop_handler = stop_pool_on_stop (run, pool);

  sw_scenario_run_print (run, _("main: %u pages on a pool of %s, parse %s (main is process %d)"),
                         pages, g_str_equal (kind, "process") ? _("processes") : _("threads"),
                         coupled ? _("inside each task") : _("in a done-callback"), getpid ());

  for (guint i = 1; i <= pages && !sw_scenario_run_is_cancelled (run); i++)
    {
      g_autofree char *label = g_strdup_printf ("page %u", i);
      double seconds = max_download > min_download
                       ? g_random_double_range (min_download, max_download) : min_download;
      g_autoptr(GError) submit_error = NULL;
      SwFuture *future;

      if (coupled)
        future = sw_executor_submit_task (pool, label, "download_and_parse",
                                          g_variant_new ("(udd)", i, seconds, job.parse_s), &submit_error);
      else
        future = sw_executor_submit_task (pool, label, "download",
                                          g_variant_new ("(ud)", i, seconds), &submit_error);
      if (future == NULL)
        {
          /* A broken pool refuses at once: say so and stop submitting. */
          sw_scenario_run_print (run, _("submit of %s failed: %s"), label, submit_error->message);
          break;
        }
      if (!coupled)
        sw_future_add_done_callback (future, parse_done_cb, &job, NULL);
      g_ptr_array_add (futures, future);
    }

  sw_executor_shutdown (pool, TRUE, sw_scenario_run_is_cancelled (run));
  release_pool_on_stop (run, stop_handler);

  /* Pages that were never parsed say why (a broken pool, a Stop). */
  for (guint i = 0; i < futures->len; i++)
    if (sw_future_get_state (g_ptr_array_index (futures, i)) != SW_FUTURE_FINISHED)
      print_outcome (run, g_ptr_array_index (futures, i));

  sw_scenario_run_print (run, _("main done in %.2f s"), (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

const SwScenario sw_scenario_thread_pool = {
  .name = "thread-pool",
  .title = N_("Thread pool"),
  .description = N_("Lesson 1 with threads: tasks that sleep 1–3 s on a pool of workers, "
                    "submitted asynchronously (they overlap) or synchronously (one after another)."),
  .params = thread_pool_params,
  .n_params = G_N_ELEMENTS (thread_pool_params),
  .body = thread_pool_body,
  .check = lesson1_check,
};

const SwScenario sw_scenario_process_pool = {
  .name = "process-pool",
  .title = N_("Process pool"),
  .description = N_("Lesson 1 as written: the same tasks on a pool of real worker processes, "
                    "reused (4 workers → 4 pids). crash_task breaks the pool on purpose."),
  .params = process_pool_params,
  .n_params = G_N_ELEMENTS (process_pool_params),
  .body = process_pool_body,
  .check = process_pool_check,
};

const SwScenario sw_scenario_callbacks = {
  .name = "callbacks",
  .title = N_("Done-callbacks"),
  .description = N_("Lesson 2: download then parse. Decoupled, parse runs as a done-callback — "
                    "in the parent process for a process pool, on the worker thread for a thread pool."),
  .params = callbacks_params,
  .n_params = G_N_ELEMENTS (callbacks_params),
  .body = callbacks_body,
  .check = callbacks_check,
};
