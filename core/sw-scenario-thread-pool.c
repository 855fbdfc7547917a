/* sw-scenario-thread-pool.c — lesson 1 with threads
 *
 * Ten tasks that each sleep 1–3 s on a pool of four threads.  Submitted
 * asynchronously they overlap (wall ≈ a third of the task time); submitted
 * synchronously — result() right after submit — they run one after another.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw-error.h"
#include "sw-scenario.h"
#include "sw-thread-pool.h"

typedef struct
{
  SwScenarioRun *run;
  guint          index;
  gint64         sleep_us;
} LessonTask;

static const char * const modes[] = { "async", "sync", NULL };
static const char * const on_off[] = { "on", "off", NULL };

static const SwParamSpec params[] = {
  { "workers",   SW_PARAM_INT,    "4",     1, 64,    NULL,  N_("Threads in the pool") },
  { "tasks",     SW_PARAM_INT,    "10",    1, 10000, NULL,  N_("Tasks to submit") },
  { "min_sleep", SW_PARAM_DOUBLE, "1",     0, 60,    NULL,  N_("Shortest task sleep, in seconds") },
  { "max_sleep", SW_PARAM_DOUBLE, "3",     0, 60,    NULL,  N_("Longest task sleep, in seconds") },
  { "mode",      SW_PARAM_CHOICE, "async", 0, 0,     modes, N_("async: submit all, then collect; sync: wait for each result at once") },
  { "callbacks", SW_PARAM_CHOICE, "on",  0, 0,     on_off, N_("Attach a done-callback to each future (it runs on the worker thread)") },
  { "seed",      SW_PARAM_INT,    "0",     0, G_MAXINT32, NULL, N_("Random seed for the sleeps (0 = a new one each run)") },
};

static GVariant *
lesson_task_worker (gpointer       user_data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  LessonTask *task = user_data;

  sw_scenario_run_print (task->run, "task %u is running on thread %ld, sleeping %.2f s",
                         task->index, (long) syscall (SYS_gettid), task->sleep_us / 1e6);
  if (!sw_scenario_run_sleep (task->run, task->sleep_us))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
      return NULL;
    }
  return g_variant_new_uint32 (task->index);
}

/* Runs on the worker thread that finished the task: the lesson to see. */
static void
task_done_cb (SwFuture *future,
              gpointer  user_data)
{
  SwScenarioRun *run = user_data;

  sw_scenario_run_print (run, "done-callback of %s runs on thread %ld",
                         sw_future_get_label (future), (long) syscall (SYS_gettid));
}

static void
print_result (SwScenarioRun *run,
              SwFuture      *future)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = sw_future_result (future, -1, &error);

  if (value != NULL)
    sw_scenario_run_print (run, "%s result: %u", sw_future_get_label (future),
                           g_variant_get_uint32 (value));
  else
    sw_scenario_run_print (run, "%s %s: %s", sw_future_get_label (future),
                           sw_future_state_to_string (sw_future_get_state (future)),
                           error->message);
}

static gboolean
thread_pool_check (const SwParams  *p,
                      GError         **error)
{
  if (sw_params_get_double (p, "min_sleep") > sw_params_get_double (p, "max_sleep"))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   "min_sleep (%g) is greater than max_sleep (%g)",
                   sw_params_get_double (p, "min_sleep"), sw_params_get_double (p, "max_sleep"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
thread_pool_body (SwScenarioRun  *run,
                  GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  SwTrace *trace = sw_scenario_run_get_trace (run);
  guint workers = (guint) sw_params_get_int (p, "workers");
  guint n_tasks = (guint) sw_params_get_int (p, "tasks");
  double min_sleep = sw_params_get_double (p, "min_sleep");
  double max_sleep = sw_params_get_double (p, "max_sleep");
  gboolean sync = g_str_equal (sw_params_get_string (p, "mode"), "sync");
  gboolean callbacks = g_str_equal (sw_params_get_string (p, "callbacks"), "on");
  guint32 seed = (guint32) sw_params_get_int (p, "seed");
  g_autoptr(GRand) rand = seed ? g_rand_new_with_seed (seed) : g_rand_new ();
  g_autoptr(SwThreadPool) pool = NULL;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();

  pool = sw_thread_pool_new (trace, workers, error);
  if (pool == NULL)
    return FALSE;

  sw_scenario_run_print (run, "main: %u tasks on a pool of %u threads, %s submission",
                         n_tasks, workers, sync ? "synchronous" : "asynchronous");

  for (guint i = 1; i <= n_tasks && !sw_scenario_run_is_cancelled (run); i++)
    {
      LessonTask *task = g_new0 (LessonTask, 1);
      g_autofree char *label = g_strdup_printf ("task %u", i);
      SwFuture *future;

      task->run = run;
      task->index = i;
      task->sleep_us = (gint64) (g_rand_double_range (rand, min_sleep, max_sleep) * G_USEC_PER_SEC);
      if (min_sleep == max_sleep)
        task->sleep_us = (gint64) (min_sleep * G_USEC_PER_SEC);

      future = sw_thread_pool_submit (pool, label, lesson_task_worker, task, g_free, error);
      if (future == NULL)
        return FALSE;
      g_ptr_array_add (futures, future);
      if (callbacks)
        sw_future_add_done_callback (future, task_done_cb, run, NULL);

      /* Synchronous submission: wait for this result before the next submit. */
      if (sync)
        print_result (run, future);
    }

  sw_thread_pool_shutdown (pool, TRUE, sw_scenario_run_is_cancelled (run));

  if (!sync)
    for (guint i = 0; i < futures->len; i++)
      print_result (run, g_ptr_array_index (futures, i));

  sw_scenario_run_print (run, "main done in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

const SwScenario sw_scenario_thread_pool = {
  .name = "thread-pool",
  .title = N_("Thread pool"),
  .description = N_("Lesson 1 with threads: tasks that sleep 1–3 s on a pool of workers, "
                    "submitted asynchronously (they overlap) or synchronously (one after another)."),
  .params = params,
  .n_params = G_N_ELEMENTS (params),
  .body = thread_pool_body,
  .check = thread_pool_check,
};
