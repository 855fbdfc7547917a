/* sw-scenario-coro.c — lessons 3 and 4: coroutines, gevent's spawn/joinall
 *
 * spawn-joinall is lesson 4 as written: play('大海1') and play('大海2')
 * sleep 5 s each, eat('大海') 3 s, all cooperatively on main's thread, so
 * joinall returns after about 5 s, not 13.  io-vs-cpu is lesson 3's claim
 * measured: the same coroutines once waiting on sockets (switching while
 * one waits saves time) and once doing pure CPU work with forced switches
 * (switching saves nothing and costs a little).
 *
 * Every body runs on the scenario's thread ("main"), whose coroutines
 * are lanes under it; Stop cancels them all.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw-coro.h"
#include "sw-coro-private.h"
#include "sw-error.h"
#include "sw-scenario.h"

#define SCALE_PARAM \
  { NC_("parameter name", "scale"), SW_PARAM_DOUBLE, "1", 0.01, 10, NULL, N_("Multiplies every duration (0.1: ten times faster)") }

static const SwParamSpec spawn_joinall_params[] = {
  { NC_("parameter name", "play"),  SW_PARAM_DOUBLE, "5", 0, 60, NULL, N_("How long each play() sleeps, in seconds") },
  { NC_("parameter name", "eat"),   SW_PARAM_DOUBLE, "3", 0, 60, NULL, N_("How long eat() sleeps, in seconds") },
  SCALE_PARAM,
};

static const SwParamSpec io_vs_cpu_params[] = {
  { NC_("parameter name", "coroutines"), SW_PARAM_INT,    "4",    1, 64,     NULL, N_("Coroutines in each run") },
  { NC_("parameter name", "rounds"),     SW_PARAM_INT,    "4",    1, 1000,   NULL, N_("I/O run: messages each coroutine waits for") },
  { NC_("parameter name", "io_wait"),    SW_PARAM_DOUBLE, "0.5",  0, 60,     NULL, N_("I/O run: seconds until each message arrives") },
  { NC_("parameter name", "cpu_work"),   SW_PARAM_DOUBLE, "0.25", 0, 60,     NULL, N_("CPU run: seconds of computing per coroutine") },
  { NC_("parameter name", "slices"),     SW_PARAM_INT,    "5000", 1, 100000, NULL, N_("CPU run: slices of that work, with a forced switch after each") },
  SCALE_PARAM,
};

/* Stop → sw_co_cancel on every coroutine of the run (from the thread that
 * pressed Stop: sw_co_cancel hands itself to the coroutines' thread). */

typedef struct {
  GMutex        mutex;
  GCancellable *cancellable;  /* the run's; owned */
  GPtrArray    *cos;          /* SwCoroutine *; guarded by mutex */
} CoGroup;

static CoGroup *
co_group_new (GCancellable *cancellable)
{
  CoGroup *group = g_new0 (CoGroup, 1);

  g_mutex_init (&group->mutex);
  group->cancellable = g_object_ref (cancellable);
  group->cos = g_ptr_array_new_with_free_func ((GDestroyNotify) sw_co_unref);
  return group;
}

static void
co_group_free (CoGroup *group)
{
  g_ptr_array_unref (group->cos);
  g_object_unref (group->cancellable);
  g_mutex_clear (&group->mutex);
  g_free (group);
}

/* Runs on whichever thread pressed Stop. */
static void
stop_cb (GCancellable *cancellable,
         gpointer      data)
{
  CoGroup *group = data;

  g_mutex_lock (&group->mutex);
  for (guint i = 0; i < group->cos->len; i++)
    sw_co_cancel (g_ptr_array_index (group->cos, i));
  g_mutex_unlock (&group->mutex);
}

static SwCoroutine *
co_group_spawn (CoGroup         *group,
                const char      *name,
                SwCoroutineFunc  func,
                gpointer         arg,
                GDestroyNotify   arg_destroy)
{
  SwCoroutine *co = sw_co_spawn (name, func, arg, arg_destroy);

  g_mutex_lock (&group->mutex);
  g_ptr_array_add (group->cos, sw_co_ref (co));
  g_mutex_unlock (&group->mutex);
  /* Stop came before this one was listed: its first wait fails at once. */
  if (g_cancellable_is_cancelled (group->cancellable))
    sw_co_cancel (co);
  return co;
}

/* joinall, then every coroutine's outcome: the first error (a Stop shows
 * as G_IO_ERROR_CANCELLED) is the run's. */
static gboolean
co_group_joinall (CoGroup  *group,
                  GError  **error)
{
  GError *first = NULL;

  if (!sw_co_joinall ((SwCoroutine **) group->cos->pdata, group->cos->len, -1, error))
    return FALSE;

  for (guint i = 0; i < group->cos->len; i++)
    {
      GError *co_error = NULL;

      sw_co_join (g_ptr_array_index (group->cos, i), &co_error);
      if (co_error != NULL && first == NULL)
        first = co_error;
      else
        g_clear_error (&co_error);
    }
  g_mutex_lock (&group->mutex);
  g_ptr_array_set_size (group->cos, 0);
  g_mutex_unlock (&group->mutex);

  if (first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  return TRUE;
}

/* The scenario thread's coroutine set-up.  The thread's scheduler binds
 * to the thread-default context when first used, for the thread's life:
 * a run thread of the GUI has none of its own, and must not lend it the
 * GUI's, so a context is pushed for the run (the scheduler keeps its own
 * reference).  Then the trace, and Stop wired to the coroutines. */
typedef struct {
  SwScenarioRun *run;
  GMainContext  *context;
  CoGroup       *group;
  gulong         stop_handler;
} CoRun;

static void
co_run_begin (CoRun         *cr,
              SwScenarioRun *run)
{
  cr->run = run;
  cr->context = g_main_context_new ();
  g_main_context_push_thread_default (cr->context);
  sw_co_set_trace (sw_scenario_run_get_trace (run));
  cr->group = co_group_new (sw_scenario_run_get_cancellable (run));
  cr->stop_handler = g_cancellable_connect (sw_scenario_run_get_cancellable (run),
                                            G_CALLBACK (stop_cb), cr->group, NULL);
}

static void
co_run_end (CoRun *cr)
{
  /* Waits for a Stop handler running right now; none runs after. */
  g_cancellable_disconnect (sw_scenario_run_get_cancellable (cr->run), cr->stop_handler);
  sw_co_set_trace (NULL);
  g_clear_pointer (&cr->group, co_group_free);
  g_main_context_pop_thread_default (cr->context);
  g_clear_pointer (&cr->context, g_main_context_unref);
}

static double
get_scale (SwScenarioRun *run)
{
  return sw_params_get_double (sw_scenario_run_get_params (run), "scale");
}

static gint64
seconds_to_us (double seconds)
{
  return (gint64) (seconds * G_USEC_PER_SEC);
}

/* Lesson 4 */

typedef struct {
  SwScenarioRun *run;
  const char    *name;     /* static */
  double         seconds;
} Meal;

static gpointer
play_co (gpointer   arg,
         GError   **error)
{
  Meal *job = arg;

  sw_scenario_run_print (job->run, "%s play 1", job->name);
  if (!sw_co_sleep (seconds_to_us (job->seconds), error))
    return NULL;
  sw_scenario_run_print (job->run, "%s play 2", job->name);
  return NULL;
}

static gpointer
eat_co (gpointer   arg,
        GError   **error)
{
  Meal *job = arg;

  sw_scenario_run_print (job->run, "%s eat 1", job->name);
  if (!sw_co_sleep (seconds_to_us (job->seconds), error))
    return NULL;
  sw_scenario_run_print (job->run, "%s eat 2", job->name);
  return NULL;
}

static gboolean
spawn_joinall_body (SwScenarioRun  *run,
                    GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  double scale = get_scale (run);
  double play = sw_params_get_double (p, "play") * scale;
  double eat = sw_params_get_double (p, "eat") * scale;
  Meal jobs[] = {
    { run, "大海1", play },
    { run, "大海2", play },
    { run, "大海", eat },
  };
  CoRun cr = { 0 };
  gint64 start;
  gboolean ok;

  co_run_begin (&cr, run);
  start = g_get_monotonic_time ();

  /* g1=spawn(play,'大海1'); g2=spawn(play,'大海2'); and eat */
  sw_co_unref (co_group_spawn (cr.group, "play('大海1')", play_co, &jobs[0], NULL));
  sw_co_unref (co_group_spawn (cr.group, "play('大海2')", play_co, &jobs[1], NULL));
  sw_co_unref (co_group_spawn (cr.group, "eat('大海')", eat_co, &jobs[2], NULL));

  /* joinall([g1, g2, g3]): main runs the loop until all three are done. */
  ok = co_group_joinall (cr.group, error);
  if (ok)
    {
      double wall = (g_get_monotonic_time () - start) / 1e6;

      sw_scenario_run_print (run, "主 %.4f", wall);
      sw_scenario_run_print (run, _("main done in %.2f s — the sleeps add up to %.2f s, "
                             "but they waited together"), wall, 2 * play + eat);
    }

  co_run_end (&cr);
  return ok;
}

/* Lesson 3: I/O */

typedef struct {
  SwScenarioRun *run;
  int            fd;        /* the reader's end; owned by the IoRun */
  guint          index;
  guint          rounds;
} IoReader;

typedef struct {
  SwScenarioRun *run;
  int           *fds;       /* writer ends, one per reader; owned by the IoRun */
  guint          n_fds;
  guint          rounds;
  gint64         wait_us;
} IoWriter;

/* Waits for each message as recv() would, on a real socket. */
static gpointer
io_reader_co (gpointer   arg,
              GError   **error)
{
  IoReader *r = arg;

  for (guint round = 1; round <= r->rounds; round++)
    {
      char byte;
      ssize_t n;

      if (!_sw_co_wait_fd (r->fd, G_IO_IN, -1, SW_SWITCH_RECV, error))
        return NULL;
      n = read (r->fd, &byte, 1);
      if (n != 1)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("io-%u: read: %s"), r->index, n == 0 ? _("end of stream") : g_strerror (saved));
          return NULL;
        }
      if (round == 1 || round == r->rounds)
        sw_scenario_run_print (r->run, _("io-%u got message %u of %u"), r->index, round, r->rounds);
    }
  return NULL;
}

/* The network, played by a coroutine: every io_wait, one message to each. */
static gpointer
io_writer_co (gpointer   arg,
              GError   **error)
{
  IoWriter *w = arg;

  for (guint round = 0; round < w->rounds; round++)
    {
      if (!sw_co_sleep (w->wait_us, error))
        return NULL;
      for (guint i = 0; i < w->n_fds; i++)
        if (write (w->fds[i], "m", 1) != 1)
          {
            int saved = errno;

            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                         _("network: write: %s"), g_strerror (saved));
            return NULL;
          }
    }
  return NULL;
}

static gboolean
io_run (CoRun    *cr,
        guint     n_cos,
        guint     rounds,
        double    wait_s,
        double   *out_wall,
        guint64  *out_switches,
        GError  **error)
{
  g_autofree int *reader_fds = g_new0 (int, n_cos);
  g_autofree int *writer_fds = g_new0 (int, n_cos);
  g_autofree IoReader *readers = g_new0 (IoReader, n_cos);
  IoWriter writer = { cr->run, writer_fds, n_cos, rounds, seconds_to_us (wait_s) };
  guint64 switches0 = sw_co_get_switch_count ();
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;
  guint made = 0;

  for (; made < n_cos; made++)
    {
      int pair[2];

      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("socketpair: %s"), g_strerror (saved));
          ok = FALSE;
          break;
        }
      reader_fds[made] = pair[0];
      writer_fds[made] = pair[1];
    }

  if (ok)
    {
      for (guint i = 0; i < n_cos; i++)
        {
          g_autofree char *name = g_strdup_printf ("io-%u", i + 1);

          readers[i] = (IoReader) { cr->run, reader_fds[i], i + 1, rounds };
          sw_co_unref (co_group_spawn (cr->group, name, io_reader_co, &readers[i], NULL));
        }
      sw_co_unref (co_group_spawn (cr->group, "io-network", io_writer_co, &writer, NULL));
      ok = co_group_joinall (cr->group, error);
    }

  *out_wall = (g_get_monotonic_time () - start) / 1e6;
  *out_switches = sw_co_get_switch_count () - switches0;

  for (guint i = 0; i < made; i++)
    {
      close (reader_fds[i]);
      close (writer_fds[i]);
    }
  return ok;
}

/* Lesson 3: CPU */

static volatile guint64 cpu_sink;

/* Pure computing, no system call: a xorshift walk of @iterations steps. */
static void
burn (guint64 iterations)
{
  guint64 x = cpu_sink | 1;

  for (guint64 i = 0; i < iterations; i++)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  cpu_sink = x;
}

/* Steps of burn() per second on this machine, measured once per run. */
static double
calibrate_burn (void)
{
  guint64 iterations = 1 << 16;
  gint64 elapsed;

  for (;;)
    {
      gint64 t0 = g_get_monotonic_time ();

      burn (iterations);
      elapsed = g_get_monotonic_time () - t0;
      if (elapsed >= 20000 || iterations >= (G_GUINT64_CONSTANT (1) << 40))
        break;
      iterations *= 2;
    }
  return iterations / (MAX (elapsed, 1) / 1e6);
}

typedef struct {
  GCancellable *cancellable;   /* the run's */
  guint64       slice_iterations;
  guint         slices;
  gboolean      yield;         /* FALSE: the whole work in one go */
} CpuJob;

static gpointer
cpu_co (gpointer   arg,
        GError   **error)
{
  CpuJob *job = arg;

  for (guint s = 0; s < job->slices; s++)
    {
      burn (job->slice_iterations);
      /* Switching although nothing waits: only the switch's cost. */
      if (job->yield)
        sw_co_yield ();
      /* Nothing here ever waits, so sw_co_cancel has nothing to wake:
       * Stop is read directly (an atomic load). */
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return NULL;
    }
  return NULL;
}

static gboolean
cpu_run (CoRun       *cr,
         const char  *prefix,
         guint        n_cos,
         CpuJob      *job,
         double      *out_wall,
         guint64     *out_switches,
         GError     **error)
{
  guint64 switches0 = sw_co_get_switch_count ();
  gint64 start = g_get_monotonic_time ();
  gboolean ok;

  for (guint i = 0; i < n_cos; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", prefix, i + 1);

      sw_co_unref (co_group_spawn (cr->group, name, cpu_co, job, NULL));
    }
  ok = co_group_joinall (cr->group, error);

  *out_wall = (g_get_monotonic_time () - start) / 1e6;
  *out_switches = sw_co_get_switch_count () - switches0;
  return ok;
}

static gboolean
io_vs_cpu_body (SwScenarioRun  *run,
                GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  double scale = get_scale (run);
  guint n_cos = (guint) sw_params_get_int (p, "coroutines");
  guint rounds = (guint) sw_params_get_int (p, "rounds");
  guint slices = (guint) sw_params_get_int (p, "slices");
  double io_wait = sw_params_get_double (p, "io_wait") * scale;
  double cpu_work = sw_params_get_double (p, "cpu_work") * scale;
  double io_wall = 0, cpu_wall = 0, serial_wall = 0;
  guint64 io_switches = 0, cpu_switches = 0, serial_switches = 0;
  CpuJob job;
  CoRun cr = { 0 };
  gboolean ok;

  co_run_begin (&cr, run);

  sw_scenario_run_print (run, _("io: %u coroutines, each waiting for %u messages %.2f s apart"),
                         n_cos, rounds, io_wait);
  ok = io_run (&cr, n_cos, rounds, io_wait, &io_wall, &io_switches, error);
  if (ok)
    sw_scenario_run_print (run, _("io total %.3f s with %" PRIu64 " switches "
                           "(waiting one after another: %.2f s) — switching on I/O saves time"),
                           io_wall, io_switches, n_cos * rounds * io_wait);

  if (ok)
    {
      job.cancellable = sw_scenario_run_get_cancellable (run);
      job.slices = slices;
      job.slice_iterations = (guint64) (calibrate_burn () * cpu_work / slices);
      job.yield = TRUE;
      sw_scenario_run_print (run, _("cpu: %u coroutines, each computing %.2f s in %u slices, "
                             "switching after each"), n_cos, cpu_work, slices);
      ok = cpu_run (&cr, "cpu", n_cos, &job, &cpu_wall, &cpu_switches, error);
    }
  if (ok)
    {
      /* The same work without forced switches: what switching cost. */
      job.yield = FALSE;
      ok = cpu_run (&cr, "cpu-serial", n_cos, &job, &serial_wall, &serial_switches, error);
    }
  if (ok)
    {
      double extra = cpu_wall - serial_wall;

      sw_scenario_run_print (run, _("cpu total %.3f s with %" PRIu64 " switches; "
                             "%.3f s with %" PRIu64 " switches, one after another"),
                             cpu_wall, cpu_switches, serial_wall, serial_switches);
      /* Not divided per switch: on a busy machine the difference is
       * mostly noise, the switch itself costs nanoseconds. */
      sw_scenario_run_print (run, _("cpu: switching saved nothing (%+.1f ms) — "
                             "with nothing to wait for, a switch only costs"), extra * 1e3);
    }

  co_run_end (&cr);
  return ok;
}

const SwScenario sw_scenario_spawn_joinall = {
  .name = "spawn-joinall",
  .title = N_("Coroutines: spawn and joinall"),
  .description = N_("Lesson 4: play('大海1') and play('大海2') sleep 5 s, eat('大海') 3 s — "
                    "as coroutines on one thread that switch while they sleep: about 5 s in all, not 13."),
  .params = spawn_joinall_params,
  .n_params = G_N_ELEMENTS (spawn_joinall_params),
  .body = spawn_joinall_body,
};

const SwScenario sw_scenario_io_vs_cpu = {
  .name = "io-vs-cpu",
  .title = N_("Coroutines: I/O versus CPU"),
  .description = N_("Lesson 3: the same coroutines waiting on sockets (switching saves time) "
                    "and computing with forced switches (switching only costs)."),
  .params = io_vs_cpu_params,
  .n_params = G_N_ELEMENTS (io_vs_cpu_params),
  .body = io_vs_cpu_body,
};
