/* sw-bench.c — `switchyard-cli bench`: speed goals, measured
 *
 * Each benchmark repeats its measurement and reports the best round: on a
 * shared 2-core machine the minimum is the least disturbed estimate.
 */
#include "config.h"

#include "sw-bench.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sw-clock.h"
#include "sw-coro.h"
#include "sw-coro-context.h"
#include "sw-error.h"
#include "sw-executor.h"
#include "sw-stream-client.h"
#include "sw-stream-server.h"
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

/* Coroutines */

#define CORO_ROUNDS 5
#define CORO_YIELDS 500000           /* per coroutine of the ping-pong pair */
#define CORO_SPAWN_JOINS 10000
#define CORO_IDLE 10000
#define CORO_WAKEUP_ROUND_TRIPS 20000

static gpointer
yield_loop_co (gpointer   arg,
               GError   **error)
{
  guint n = GPOINTER_TO_UINT (arg);

  for (guint i = 0; i < n; i++)
    sw_co_yield ();
  return NULL;
}

/* ns per switch of two coroutines yielding to each other, on the calling
 * thread (thread CPU time, as bench record). */
static double
measure_coro_switch (gboolean traced)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < CORO_ROUNDS; round++)
    {
      g_autoptr(SwTrace) trace = NULL;
      SwCoroutine *pair[2];
      guint64 switches;
      gint64 start;

      if (traced)
        {
          trace = sw_trace_new (2 * CORO_YIELDS + 4 * SW_TRACE_CHUNK_EVENTS);
          sw_co_set_trace (trace);
        }
      for (guint i = 0; i < 2; i++)
        pair[i] = sw_co_spawn ("yield", yield_loop_co, GUINT_TO_POINTER (CORO_YIELDS), NULL);

      switches = sw_co_get_switch_count ();
      start = thread_cpu_ns ();
      if (!sw_co_joinall (pair, 2, -1, NULL))
        g_error ("bench coro: joinall failed");
      best = MIN (best, (double) (thread_cpu_ns () - start) / (sw_co_get_switch_count () - switches));

      for (guint i = 0; i < 2; i++)
        sw_co_unref (pair[i]);
      if (traced)
        {
          sw_co_set_trace (NULL);
          if (sw_trace_get_dropped (trace) != 0)
            g_error ("bench coro: %" G_GUINT64_FORMAT " events dropped", sw_trace_get_dropped (trace));
        }
    }
  return best;
}

typedef struct
{
  SwCoroBackend backend;
  double        ns;
} CoroSwitchThread;

/* A thread of its own, with its own main context, so that its scheduler
 * and all its contexts are made with @backend. */
static gpointer
coro_switch_thread_worker (gpointer data)
{
  CoroSwitchThread *cst = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  cst->ns = measure_coro_switch (FALSE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static double
measure_coro_switch_with (SwCoroBackend backend)
{
  SwCoroBackend previous = sw_coro_backend_get ();
  CoroSwitchThread cst = { backend, 0 };

  sw_coro_backend_set (backend);
  g_thread_join (g_thread_new ("bench-coro", coro_switch_thread_worker, &cst));
  sw_coro_backend_set (previous);
  return cst.ns;
}

static gpointer
trivial_co (gpointer   arg,
            GError   **error)
{
  return arg;
}

/* ns for spawn + run to exit + join of one trivial coroutine at a time,
 * from the thread (which runs its main context to join). */
static double
measure_coro_spawn_join (void)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < CORO_ROUNDS; round++)
    {
      gint64 start = sw_clock_monotonic_ns ();

      for (guint i = 0; i < CORO_SPAWN_JOINS; i++)
        {
          g_autoptr(SwCoroutine) co = sw_co_spawn ("trivial", trivial_co, NULL, NULL);

          sw_co_join (co, NULL);
        }
      best = MIN (best, (double) (sw_clock_monotonic_ns () - start) / CORO_SPAWN_JOINS);
    }
  return best;
}

static gint64
resident_bytes (void)
{
  g_autofree char *contents = NULL;
  long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &contents, NULL, NULL) ||
      sscanf (contents, "%ld %ld", &size, &resident) != 2)
    return -1;
  return (gint64) resident * sysconf (_SC_PAGESIZE);
}

static gpointer
sleep_forever_co (gpointer   arg,
                  GError   **error)
{
  (*(guint *) arg)++;
  sw_co_sleep (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, NULL);
  return NULL;
}

/* KiB of resident memory per coroutine that has started and sleeps. */
static gboolean
measure_coro_idle (double  *best_kib,
                   GError **error)
{
  *best_kib = G_MAXDOUBLE;

  for (guint round = 0; round < 3; round++)
    {
      SwCoroutine **cos = g_new (SwCoroutine *, CORO_IDLE);
      gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
      guint started = 0;
      gint64 before, after;

      before = resident_bytes ();
      for (guint i = 0; i < CORO_IDLE; i++)
        cos[i] = sw_co_spawn ("idle", sleep_forever_co, &started, NULL);
      while (started < CORO_IDLE && g_get_monotonic_time () < deadline)
        sw_co_sleep (1000, NULL);
      after = resident_bytes ();

      for (guint i = 0; i < CORO_IDLE; i++)
        sw_co_cancel (cos[i]);
      sw_co_joinall (cos, CORO_IDLE, -1, NULL);
      for (guint i = 0; i < CORO_IDLE; i++)
        sw_co_unref (cos[i]);
      g_free (cos);

      if (started < CORO_IDLE || before < 0 || after < 0)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_FAILED, "bench coro: %u of %u idle coroutines started",
                       started, CORO_IDLE);
          return FALSE;
        }
      *best_kib = MIN (*best_kib, (double) (after - before) / 1024.0 / CORO_IDLE);
    }
  return TRUE;
}

typedef struct
{
  int    fd;
  guint  round_trips;
  gboolean serve;    /* answer (pong) rather than ask (ping) */
} PingPong;

static gpointer
ping_pong_co (gpointer   arg,
              GError   **error)
{
  PingPong *pp = arg;
  char byte = 'p';

  for (guint i = 0; i < pp->round_trips; i++)
    {
      if (!pp->serve && write (pp->fd, &byte, 1) != 1)
        g_error ("bench coro: write: %s", g_strerror (errno));
      if (!sw_co_wait_readable (pp->fd, -1, error))
        return NULL;
      if (read (pp->fd, &byte, 1) != 1)
        g_error ("bench coro: read: %s", g_strerror (errno));
      if (pp->serve && write (pp->fd, &byte, 1) != 1)
        g_error ("bench coro: write: %s", g_strerror (errno));
    }
  return pp;
}

typedef struct
{
  int   fd;
  guint *waiting;
} IdleWaiter;

static gpointer
idle_wait_co (gpointer   arg,
              GError   **error)
{
  IdleWaiter *w = arg;

  (*w->waiting)++;
  sw_co_wait_readable (w->fd, -1, NULL);
  return NULL;
}

/* ns per wake-up of a ping-pong pair while @n_idle other coroutines each
 * wait on a socket of their own (both ends of n_idle / 2 socketpairs:
 * the fd limit here is 20,000). */
static gboolean
measure_coro_wakeup (guint     n_idle,
                     double   *best_ns,
                     GError  **error)
{
  guint n_pairs = (n_idle + 1) / 2;
  int *fds = g_new (int, 2 * n_pairs);
  IdleWaiter *waiters = g_new0 (IdleWaiter, 2 * n_pairs);
  SwCoroutine **idle = g_new (SwCoroutine *, 2 * n_pairs);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint waiting = 0;
  guint made = 0;
  gboolean ok = TRUE;

  *best_ns = G_MAXDOUBLE;
  for (; made < n_pairs; made++)
    if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, &fds[2 * made]) < 0)
      {
        g_set_error (error, SW_ERROR, SW_ERROR_IO, "bench coro: socketpair %u of %u: %s",
                     made + 1, n_pairs, g_strerror (errno));
        ok = FALSE;
        break;
      }
  for (guint i = 0; i < 2 * made; i++)
    {
      waiters[i].fd = fds[i];
      waiters[i].waiting = &waiting;
      idle[i] = sw_co_spawn ("idle", idle_wait_co, &waiters[i], NULL);
    }
  while (waiting < 2 * made && g_get_monotonic_time () < deadline)
    sw_co_sleep (1000, NULL);

  for (guint round = 0; ok && round < CORO_ROUNDS; round++)
    {
      int pair[2];
      PingPong ping = { 0, CORO_WAKEUP_ROUND_TRIPS, FALSE };
      PingPong pong = { 0, CORO_WAKEUP_ROUND_TRIPS, TRUE };
      SwCoroutine *cos[2];
      gint64 start;

      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_IO, "bench coro: socketpair: %s", g_strerror (errno));
          ok = FALSE;
          break;
        }
      ping.fd = pair[0];
      pong.fd = pair[1];
      start = sw_clock_monotonic_ns ();
      cos[0] = sw_co_spawn ("ping", ping_pong_co, &ping, NULL);
      cos[1] = sw_co_spawn ("pong", ping_pong_co, &pong, NULL);
      sw_co_joinall (cos, 2, -1, NULL);
      *best_ns = MIN (*best_ns, (double) (sw_clock_monotonic_ns () - start) / (2.0 * CORO_WAKEUP_ROUND_TRIPS));
      if (sw_co_join (cos[0], NULL) == NULL || sw_co_join (cos[1], NULL) == NULL)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_FAILED, "bench coro: ping-pong failed");
          ok = FALSE;
        }
      sw_co_unref (cos[0]);
      sw_co_unref (cos[1]);
      close (pair[0]);
      close (pair[1]);
    }

  if (ok && waiting < 2 * made)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_FAILED, "bench coro: %u of %u idle waiters started",
                   waiting, 2 * made);
      ok = FALSE;
    }
  for (guint i = 0; i < 2 * made; i++)
    sw_co_cancel (idle[i]);
  sw_co_joinall (idle, 2 * made, -1, NULL);
  for (guint i = 0; i < 2 * made; i++)
    {
      sw_co_unref (idle[i]);
      close (fds[i]);
    }
  g_free (idle);
  g_free (waiters);
  g_free (fds);
  return ok;
}

static gboolean
bench_coro (SwBenchLineFunc   line,
            gpointer          user_data,
            GError          **error)
{
  static const guint wakeup_sizes[] = { 10, 1000, 10000 };
  g_autofree char *text = NULL;
  struct rlimit limit;
  double value;

  sw_clock_init ();
  text = g_strdup_printf ("# coroutine backend in force: %s", sw_coro_backend_name (sw_coro_backend_get ()));
  line (text, user_data);

  if (sw_coro_backend_available (SW_CORO_BACKEND_ASM))
    {
      g_free (text);
      text = g_strdup_printf ("bench coro_switch_ns %.1f ns", measure_coro_switch_with (SW_CORO_BACKEND_ASM));
      line (text, user_data);
    }
  g_free (text);
  text = g_strdup_printf ("bench coro_switch_traced_ns %.1f ns", measure_coro_switch (TRUE));
  line (text, user_data);
  g_free (text);
  text = g_strdup_printf ("bench coro_spawn_join_ns %.0f ns", measure_coro_spawn_join ());
  line (text, user_data);

  if (!measure_coro_idle (&value, error))
    return FALSE;
  g_free (text);
  text = g_strdup_printf ("bench coro_idle_kib %.2f KiB", value);
  line (text, user_data);

  g_free (text);
  text = g_strdup_printf ("bench coro_switch_ns_ucontext %.1f ns", measure_coro_switch_with (SW_CORO_BACKEND_UCONTEXT));
  line (text, user_data);

  /* 10,000 waiting sockets need more than the usual 1,024 fds. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      (void) setrlimit (RLIMIT_NOFILE, &limit);
    }
  for (guint i = 0; i < G_N_ELEMENTS (wakeup_sizes); i++)
    {
      if (!measure_coro_wakeup (wakeup_sizes[i], &value, error))
        return FALSE;
      g_free (text);
      text = g_strdup_printf ("bench coro_wakeup_ns_%u %.0f ns", wakeup_sizes[i], value);
      line (text, user_data);
    }
  return TRUE;
}

/* stream: a producer thread records events at a set pace; the stream
 * server (its own thread, its default settings: a viewer more than
 * SW_STREAM_DEFAULT_MAX_LAG events behind loses events) sends them over
 * loopback to a client on this thread, which rebuilds them into a trace of
 * its own.  The pace doubles from 1M events/s until events are dropped;
 * the result is the best rate of the paces that arrived whole: events
 * received over the time from the first record to the last event
 * imported.  (A producer left unpaced records ~50M
 * events/s, faster than any viewer: there the bound drops events, by
 * design, rather than let memory grow.) */
#define STREAM_MAX_EVENTS (8u * 1000u * 1000u)
#define STREAM_FIRST_PACE (1000u * 1000u)
#define STREAM_LAST_PACE  (64u * 1000u * 1000u)
#define STREAM_BURST      1000u

typedef struct
{
  SwTrace *trace;
  guint64  n_events;
  guint64  pace;       /* events per second */
  gint64   start_ns;
} StreamProducer;

static gpointer
stream_producer_thread (gpointer data)
{
  StreamProducer *producer = data;

  sw_trace_name_thread (producer->trace, "producer");
  producer->start_ns = sw_clock_monotonic_ns ();
  for (guint64 i = 0; i < producer->n_events; i++)
    {
      /* Each burst waits for its moment on the schedule. */
      if (i % STREAM_BURST == 0)
        {
          gint64 due = producer->start_ns + (gint64) (i * G_GINT64_CONSTANT (1000000000) / producer->pace);
          gint64 ahead_ns = due - sw_clock_monotonic_ns ();

          if (ahead_ns > 0)
            g_usleep (ahead_ns / 1000);
        }
      sw_trace_record (producer->trace, SW_EVENT_COUNTER, 0, 0, i);
    }
  return NULL;
}

static gpointer
stream_finish_thread (gpointer data)
{
  sw_stream_server_finish (data, 5000);
  return NULL;
}

static void
stream_quiet_log (const char *line,
                  gpointer    user_data)
{
}

static void
stream_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  GError **error = data;

  if (!sw_stream_client_connect_finish (SW_STREAM_CLIENT (source), result, error) && *error == NULL)
    g_set_error_literal (error, SW_ERROR, SW_ERROR_FAILED, "bench stream: no connection");
}

static gint64
process_cpu_ns (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return ((gint64) usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_GINT64_CONSTANT (1000000000) +
         ((gint64) usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000;
}

static gboolean
measure_stream (guint64   pace,
                guint64   n_events,
                double   *rate,
                double   *cpu_rate,
                guint64  *dropped,
                GError  **error)
{
  gint64 cpu_start;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SwTrace) trace = sw_trace_new (n_events + 2 * SW_TRACE_CHUNK_EVENTS);
  g_autoptr(SwStreamServer) server = sw_stream_server_new (trace, NULL);
  g_autoptr(SwStreamClient) client = NULL;
  g_autofree char *address = NULL;
  GError *connect_error = NULL;
  StreamProducer producer = { trace, n_events, pace, 0 };
  GThread *thread;
  gint64 end_ns = 0, deadline;
  gboolean ok = TRUE;

  sw_stream_server_set_log_func (server, stream_quiet_log, NULL);
  if (!sw_stream_server_listen (server, "127.0.0.1:0", error))
    return FALSE;
  address = sw_stream_server_dup_address (server);

  g_main_context_push_thread_default (context);
  client = g_object_new (SW_TYPE_STREAM_CLIENT, "address", address,
                         "trace-capacity", n_events + 2 * SW_TRACE_CHUNK_EVENTS, NULL);
  sw_stream_client_connect_async (client, NULL, stream_connected_cb, &connect_error);
  while (connect_error == NULL && sw_stream_client_get_state (client) != SW_STREAM_STATE_LIVE)
    g_main_context_iteration (context, TRUE);
  if (connect_error != NULL)
    {
      g_propagate_error (error, connect_error);
      g_main_context_pop_thread_default (context);
      return FALSE;
    }

  cpu_start = process_cpu_ns ();
  thread = g_thread_new ("bench producer", stream_producer_thread, &producer);
  deadline = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;
  while (sw_stream_client_get_received (client) + sw_stream_client_get_dropped (client) < n_events &&
         sw_stream_client_get_state (client) == SW_STREAM_STATE_LIVE &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  end_ns = sw_clock_monotonic_ns ();
  g_thread_join (thread);
  *cpu_rate = (double) sw_stream_client_get_received (client) * 1e9 /
              (double) MAX (process_cpu_ns () - cpu_start, 1);

  /* finish() waits for the viewer to take ENDED: this thread must read. */
  thread = g_thread_new ("bench finish", stream_finish_thread, server);
  while (sw_stream_client_get_state (client) == SW_STREAM_STATE_LIVE &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_thread_join (thread);

  *dropped = sw_stream_client_get_dropped (client);
  if (sw_stream_client_get_received (client) + *dropped < n_events)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_FAILED,
                   "bench stream: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " events arrived (%s)",
                   sw_stream_client_get_received (client), n_events,
                   sw_stream_client_get_last_error (client) ? sw_stream_client_get_last_error (client) : "");
      ok = FALSE;
    }
  *rate = (double) sw_stream_client_get_received (client) * 1e9 / (double) MAX (end_ns - producer.start_ns, 1);

  sw_stream_client_stop (client);
  g_main_context_pop_thread_default (context);
  return ok;
}

static gboolean
bench_stream (SwBenchLineFunc   line,
              gpointer          user_data,
              GError          **error)
{
  g_autofree char *text = NULL;
  double best = 0, best_cpu = 0;
  guint64 dropped = 0;

  for (guint64 pace = STREAM_FIRST_PACE; pace <= STREAM_LAST_PACE; pace *= 2)
    {
      /* A second's worth of events (at least the lag bound's), so the
       * last events' way through the pipe weighs little in the rate. */
      guint64 n_events = CLAMP (pace, SW_STREAM_DEFAULT_MAX_LAG, STREAM_MAX_EVENTS);
      double rate, cpu_rate;
      guint64 pace_dropped;

      if (!measure_stream (pace, n_events, &rate, &cpu_rate, &pace_dropped, error))
        return FALSE;
      g_free (text);
      text = g_strdup_printf ("# stream at %" G_GUINT64_FORMAT " events/s: %.0f arrived per s, %"
                              G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " dropped",
                              pace, rate, pace_dropped, n_events);
      line (text, user_data);
      if (pace_dropped == 0 && rate > best)
        {
          best = rate;
          best_cpu = cpu_rate;
        }
      if (pace_dropped > 0)
        {
          /* The first pace too fast says what the bound does, unless
           * not even the first one arrived whole. */
          dropped = best > 0 ? 0 : pace_dropped;
          break;
        }
    }
  g_free (text);
  text = g_strdup_printf ("bench stream_events_per_s %.0f events/s", best);
  line (text, user_data);
  g_free (text);
  /* Producer, server and viewer together: less disturbed by a busy machine. */
  text = g_strdup_printf ("bench stream_events_per_cpu_s %.0f events/s", best_cpu);
  line (text, user_data);
  g_free (text);
  text = g_strdup_printf ("bench stream_dropped %" G_GUINT64_FORMAT " events", dropped);
  line (text, user_data);
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
  { "coro", bench_coro },
  { "stream", bench_stream },
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
