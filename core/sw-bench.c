/* sw-bench.c — `switchyard-cli bench`: speed goals, measured
 *
 * Each benchmark repeats its measurement and reports the best round: on a
 * shared 2-core machine the minimum is the least disturbed estimate.
 */
#include "config.h"

#include "sw-bench.h"

#include <time.h>

#include "sw-clock.h"
#include "sw-error.h"
#include "sw-executor.h"
#include "sw-trace.h"

#define RECORD_EVENTS_PER_THREAD (2u * 1000u * 1000u)
#define RECORD_ROUNDS 5

typedef struct
{
  SwTrace *trace;
  GMutex   lock;
  GCond    cond;
  gboolean go;     /* guarded by lock */
  gint64   elapsed_ns;
} RecordThread;

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* The thread's CPU time, not wall time: on a shared 2-core machine another
 * process may take the core away mid-loop, and that is not our cost. */
static gint64
record_loop (SwTrace *trace)
{
  gint64 start = thread_cpu_ns ();

  for (guint i = 0; i < RECORD_EVENTS_PER_THREAD; i++)
    sw_trace_record (trace, SW_EVENT_COUNTER, 0, 1, i);
  return thread_cpu_ns () - start;
}

static gpointer
record_thread_worker (gpointer data)
{
  RecordThread *rt = data;

  sw_trace_name_thread (rt->trace, "bench"); /* lane set-up off the clock */
  g_mutex_lock (&rt->lock);
  while (!rt->go)
    g_cond_wait (&rt->cond, &rt->lock);
  g_mutex_unlock (&rt->lock);

  rt->elapsed_ns = record_loop (rt->trace);
  return NULL;
}

/* ns per event on each of @n_threads threads recording at once */
static double
measure_record (guint n_threads)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < RECORD_ROUNDS; round++)
    {
      g_autoptr(SwTrace) trace = sw_trace_new (n_threads * (RECORD_EVENTS_PER_THREAD + SW_TRACE_CHUNK_EVENTS));
      RecordThread rts[8] = { 0 };
      GThread *threads[8];
      double per_event = 0;

      g_assert (n_threads <= G_N_ELEMENTS (rts));
      for (guint i = 0; i < n_threads; i++)
        {
          rts[i].trace = trace;
          g_mutex_init (&rts[i].lock);
          g_cond_init (&rts[i].cond);
          threads[i] = g_thread_new ("bench-record", record_thread_worker, &rts[i]);
        }
      for (guint i = 0; i < n_threads; i++)
        {
          g_mutex_lock (&rts[i].lock);
          rts[i].go = TRUE;
          g_cond_signal (&rts[i].cond);
          g_mutex_unlock (&rts[i].lock);
        }
      for (guint i = 0; i < n_threads; i++)
        {
          g_thread_join (threads[i]);
          per_event += (double) rts[i].elapsed_ns / RECORD_EVENTS_PER_THREAD;
          g_mutex_clear (&rts[i].lock);
          g_cond_clear (&rts[i].cond);
        }
      per_event /= n_threads;

      /* Every event must have landed, or the number means nothing. */
      if (sw_trace_get_dropped (trace) != 0)
        g_error ("bench record: %" G_GUINT64_FORMAT " events dropped", sw_trace_get_dropped (trace));

      best = MIN (best, per_event);
    }

  return best;
}

static gboolean
bench_record (SwBenchLineFunc   line,
              gpointer          user_data,
              GError          **error)
{
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *source = NULL;

  sw_clock_init ();
  source = g_strdup_printf ("# clock source: %s", sw_clock_source_name (sw_clock_get_source ()));
  line (source, user_data);
  one = g_strdup_printf ("bench record_ns_1t %.1f ns/event", measure_record (1));
  line (one, user_data);
  two = g_strdup_printf ("bench record_ns_2t %.1f ns/event", measure_record (2));
  line (two, user_data);
  return TRUE;
}

#define POOL_TASKS 10000
#define POOL_ROUNDS 3

static void
count_done_cb (SwFuture *future,
               gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* µs per task: POOL_TASKS trivial tasks submitted asynchronously to 4
 * workers, each with a done-callback, tracing on; from the first submit
 * to the return of shutdown(wait).  Pool start-up is not counted. */
static gboolean
measure_pool (const char  *kind,
              double      *best_us,
              GError     **error)
{
  *best_us = G_MAXDOUBLE;

  for (guint round = 0; round < POOL_ROUNDS; round++)
    {
      g_autoptr(SwTrace) trace = sw_trace_new (0);
      g_autoptr(SwExecutor) pool = sw_executor_new_pool (kind, trace, 4, error);
      g_autoptr(GVariant) args = NULL;
      gint done = 0;
      gint64 start;

      if (pool == NULL)
        return FALSE;
      args = g_variant_ref_sink (g_variant_new ("(v)", g_variant_new_uint32 (1)));

      start = sw_clock_monotonic_ns ();
      for (guint i = 0; i < POOL_TASKS; i++)
        {
          g_autoptr(SwFuture) future = sw_executor_submit_task (pool, NULL, "return_value", args, error);

          if (future == NULL)
            return FALSE;
          sw_future_add_done_callback (future, count_done_cb, &done, NULL);
        }
      sw_executor_shutdown (pool, TRUE, FALSE);
      *best_us = MIN (*best_us, (sw_clock_monotonic_ns () - start) / 1000.0 / POOL_TASKS);

      if (g_atomic_int_get (&done) != POOL_TASKS)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_FAILED, "bench pool: %d of %d callbacks ran",
                       g_atomic_int_get (&done), POOL_TASKS);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
bench_pool (SwBenchLineFunc   line,
            gpointer          user_data,
            GError          **error)
{
  static const char * const kinds[] = { "thread", "process" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *text = NULL;
      double us;

      if (!measure_pool (kinds[i], &us, error))
        return FALSE;
      text = g_strdup_printf ("bench %s_pool_us_per_task %.2f us/task", kinds[i], us);
      line (text, user_data);
    }
  return TRUE;
}

typedef struct
{
  const char *name;
  gboolean  (*run) (SwBenchLineFunc line, gpointer user_data, GError **error);
} SwBench;

static const SwBench benches[] = {
  { "record", bench_record },
  { "pool", bench_pool },
};

const char * const *
sw_bench_list (void)
{
  static const char *names[G_N_ELEMENTS (benches) + 1];

  for (guint i = 0; i < G_N_ELEMENTS (benches); i++)
    names[i] = benches[i].name;
  return names;
}

/**
 * sw_bench_run:
 * @name: (nullable): a benchmark, or NULL for all of them
 */
gboolean
sw_bench_run (const char       *name,
              SwBenchLineFunc   line,
              gpointer          user_data,
              GError          **error)
{
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (benches); i++)
    {
      if (name != NULL && !g_str_equal (name, benches[i].name))
        continue;
      found = TRUE;
      if (!benches[i].run (line, user_data, error))
        return FALSE;
    }

  if (!found)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) sw_bench_list ());

      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   "unknown benchmark '%s' (there are: %s)", name, names);
      return FALSE;
    }
  return TRUE;
}
