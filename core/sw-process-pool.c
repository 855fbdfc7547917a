/* sw-process-pool.c — ProcessPoolExecutor with real, reused worker processes
 *
 * Like concurrent.futures, one manager thread per pool does all the talking
 * to the workers; submit and shutdown only touch a queue under a mutex and
 * wake the manager through an eventfd.  The manager:
 *
 *  - spawns the N workers at creation, from the switchyard-worker
 *    executable (g_spawn: fork + exec, never a bare fork of this
 *    multi-threaded process), each with its end of a socketpair on fd 3.
 *    It is the manager thread that spawns them because PR_SET_PDEATHSIG,
 *    which the workers set, fires when the spawning *thread* exits: the
 *    manager lives until every worker has been reaped.
 *  - hands each queued task to an idle worker, the one idle the longest
 *    (so 10 tasks on 4 workers use all 4 processes), and marks its future
 *    RUNNING at that moment, as concurrent.futures does when it moves a
 *    work item to its call queue: a task sent to a process can no longer
 *    be cancelled.  A worker holds one task at a time, unless the pool's
 *    tasks have been short (see PIPELINE_DEPTH): so with tasks like the
 *    lessons' a future not yet running can always be cancelled.
 *  - polls the worker sockets and the eventfd, reads results and lines in
 *    batches (sw-wire.c), merges the events the workers recorded into the
 *    trace (one SwTraceImporter per worker: their lanes keep the worker's
 *    real pid and tid), calls the print func and completes the futures.
 *
 * So done-callbacks of a process pool run in the parent process, on the
 * manager thread, whose lane is named "manager".  A callback must not wait
 * for another future of the same pool (the manager would wait for itself)
 * nor shut the pool down with wait.
 *
 * Events: submit records TASK_SUBMIT on the caller's lane; the worker
 * records TASK_START and TASK_END / TASK_ERROR on its own lane (its pid,
 * its tid) when the task starts and ends, and ships them before the
 * result, so a task's bar is as long as it ran even while the manager was
 * busy in another task's done-callback.  When a worker dies holding tasks,
 * their futures record the TASK_ERROR themselves, on the manager lane.
 *
 * A worker that dies (its socket reaches EOF while the pool is running)
 * breaks the pool, as BrokenProcessPool does: the other workers are
 * killed, every worker is reaped, every running and pending future fails
 * with SW_ERROR_BROKEN naming the dead worker's pid and signal, and later
 * submits fail at once.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-process-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw-ctx-switches.h"
#include "sw-error.h"
#include "sw-future-private.h"
#include "sw-wire.h"
#include "sw-worker.h"

#define WORKER_NAME "switchyard-worker"

/* Pipelining: while the tasks of this pool take less than SHORT_TASK_US
 * on average, a worker is sent up to PIPELINE_DEPTH at a time, so it goes
 * from one to the next without waiting for us (that is what makes 10,000
 * trivial tasks cheap).  Otherwise, and until the first results are in,
 * a worker holds one task: a long task never waits behind another in a
 * worker while a second worker idles, and a task that has not started is
 * still ours to cancel. */
#define SHORT_TASK_US  500
#define PIPELINE_DEPTH 64

/* How long a new worker may take to say hello. */
#define START_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* How long a worker that should exit (EOF on its socket) gets before it is
 * killed; it needs microseconds. */
#define REAP_GRACE_US (5 * G_USEC_PER_SEC)

typedef struct
{
  GList       link;      /* in SwProcCore.queue or SwProcWorker.in_flight */
  SwFuture   *future;    /* owned */
  const char *task;      /* the registry's name: static */
  GVariant   *args;      /* owned, not floating */
  gint64      sent_us;   /* when the manager sent it (monotonic) */
} SwProcItem;

/* One worker process.  Touched by the manager thread only. */
typedef struct
{
  guint            index;       /* from 1 */
  GPid             pid;
  int              fd;          /* our end, non-blocking; -1 once closed */
  gboolean         reaped;
  SwWireReader    *reader;
  SwWireWriter    *writer;
  SwTraceImporter *importer;
  GQueue           in_flight;   /* SwProcItem.link sent to it, oldest first */
  guint64          last_used;   /* dispatch stamp: the lowest idle one goes next */
  gint64           last_done_us; /* when its last result arrived */
  gboolean         hello;       /* its first TRACE frame arrived */
} SwProcWorker;

/* Shared by the GObject and the manager thread (g_atomic_rc_box). */
typedef struct
{
  /* Immutable after creation. */
  SwTrace      *trace;          /* owned */
  guint         max_workers;
  guint64       id;
  char         *worker_path;
  int           wake_fd;        /* eventfd: submit/shutdown → manager */
  GCancellable *cancellable;    /* cancelled: running tasks are told to stop */
  gulong        cancelled_id;

  /* Manager thread only. */
  SwProcWorker *workers;        /* max_workers of them */
  guint64       dispatch_clock;
  gboolean      stop_sent;      /* SIGUSR1 went to every worker */
  gint64        service_us;     /* running average of a task's time in a worker; -1: none yet */
  GByteArray   *scratch;        /* aligned copies of imported events */

  /* @mutex guards the fields below; @cond is broadcast when @started or
   * @manager_done becomes TRUE. */
  GMutex           mutex;
  GCond            cond;
  GQueue           queue;          /* SwProcItem.link, pending, oldest first */
  gboolean         wake_pending;   /* the eventfd was written, manager not yet awake */
  gboolean         shutdown;
  gboolean         stop_tasks;     /* @cancellable was cancelled */
  char            *broken;         /* why the pool is broken, NULL while it is not */
  gboolean         started;        /* spawning is over, well or not */
  GError          *start_error;
  gboolean         manager_done;   /* every worker exited and was reaped */
  GThread         *thread;         /* the manager, until someone joins it */
  GArray          *pids;           /* GPid of every worker spawned */
  SwTaskPrintFunc  print;
  gpointer         print_data;
  guint            n_submitted;
} SwProcCore;

struct _SwProcessPool
{
  GObject     parent_instance;

  SwProcCore *core;             /* owned reference; immutable */
};

static void sw_process_pool_executor_init (SwExecutorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SwProcessPool, sw_process_pool, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SW_TYPE_EXECUTOR, sw_process_pool_executor_init))

static GPrivate sw_current_manager;          /* SwProcCore* on a manager thread */
static guint64  sw_process_pool_last_id;     /* atomic */

static void
sw_proc_item_free (SwProcItem *item)
{
  g_clear_object (&item->future);
  g_clear_pointer (&item->args, g_variant_unref);
  g_free (item);
}

static void
sw_proc_core_clear (gpointer data)
{
  SwProcCore *core = data;

  /* The manager empties the queue and every in-flight list before it
   * says it is done, and it holds a reference until then. */
  g_warn_if_fail (g_queue_is_empty (&core->queue));

  g_cancellable_disconnect (core->cancellable, core->cancelled_id);
  g_clear_object (&core->cancellable);
  if (core->thread != NULL)
    g_thread_unref (core->thread);
  if (core->wake_fd >= 0)
    close (core->wake_fd);
  g_free (core->workers);
  g_clear_pointer (&core->scratch, g_byte_array_unref);
  g_clear_pointer (&core->pids, g_array_unref);
  g_clear_error (&core->start_error);
  g_free (core->broken);
  g_free (core->worker_path);
  g_clear_object (&core->trace);
  g_mutex_clear (&core->mutex);
  g_cond_clear (&core->cond);
}

static void
sw_proc_core_unref (SwProcCore *core)
{
  g_atomic_rc_box_release_full (core, sw_proc_core_clear);
}

static gboolean
sw_proc_core_on_manager (SwProcCore *core)
{
  return g_private_get (&sw_current_manager) == core;
}

/* Called with @mutex held.  Returns TRUE if the caller must write the
 * eventfd (after unlocking); one write per manager wake-up is enough. */
static gboolean
sw_proc_core_wake_locked (SwProcCore *core)
{
  if (core->wake_pending)
    return FALSE;
  core->wake_pending = TRUE;
  return TRUE;
}

static void
sw_proc_core_wake (SwProcCore *core)
{
  guint64 one = 1;

  /* Only EAGAIN can fail here (the counter is full), and then the manager
   * is already due to wake. */
  while (write (core->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
    ;
}

/* Workers */

static char *
describe_exit (GPid pid,
               int  status)
{
  if (WIFSIGNALED (status))
    return g_strdup_printf (_("worker %d was killed by signal %d (%s)"),
                            pid, WTERMSIG (status), g_strsignal (WTERMSIG (status)));
  if (WIFEXITED (status))
    return g_strdup_printf (_("worker %d exited with status %d"), pid, WEXITSTATUS (status));
  return g_strdup_printf (_("worker %d stopped (wait status 0x%x)"), pid, status);
}

/* Waits for @worker to be gone.  It has been told to go (EOF) or is dying;
 * if it is not gone after REAP_GRACE_US it is killed, so this is bounded.
 * Returns the wait status. */
static int
sw_proc_worker_reap (SwProcWorker *worker)
{
  gint64 deadline = g_get_monotonic_time () + REAP_GRACE_US;
  gulong pause_us = 20;
  int status = 0;
  pid_t r;

  if (worker->reaped)
    return 0;

  for (;;)
    {
      r = waitpid (worker->pid, &status, WNOHANG);
      if (r > 0 || (r < 0 && errno != EINTR))
        break;
      if (g_get_monotonic_time () >= deadline)
        {
          kill (worker->pid, SIGKILL);
          do
            r = waitpid (worker->pid, &status, 0);
          while (r < 0 && errno == EINTR);
          break;
        }
      g_usleep (pause_us);
      pause_us = MIN (pause_us * 2, 10000);
    }

  if (r < 0)
    g_warning ("cannot reap worker %d: %s", worker->pid, g_strerror (errno));
  worker->reaped = TRUE;
  return status;
}

static void
sw_proc_worker_close (SwProcWorker *worker)
{
  if (worker->fd >= 0)
    {
      close (worker->fd);
      worker->fd = -1;
    }
}

static void
sw_proc_worker_clear (SwProcWorker *worker)
{
  sw_proc_worker_close (worker);
  g_clear_pointer (&worker->reader, sw_wire_reader_free);
  g_clear_pointer (&worker->writer, sw_wire_writer_free);
  g_clear_pointer (&worker->importer, sw_trace_importer_free);
}

static gboolean
sw_proc_worker_spawn (SwProcCore    *core,
                      SwProcWorker  *worker,
                      guint          index,
                      GError       **error)
{
  char parent_arg[32], index_arg[32];
  const char *argv[] = { core->worker_path, parent_arg, index_arg, NULL };
  const gint target_fd = SW_WORKER_FD;
  int fds[2];
  gboolean ok;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot create a socketpair: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }

  g_snprintf (parent_arg, sizeof parent_arg, "--parent-pid=%d", (int) getpid ());
  g_snprintf (index_arg, sizeof index_arg, "--index=%u", index);

  /* The child gets fds[1] as fd 3 and nothing else of ours: g_spawn closes
   * every other descriptor, and ours are close-on-exec anyway. */
  ok = g_spawn_async_with_pipes_and_fds (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                         NULL, NULL, -1, -1, -1,
                                         &fds[1], &target_fd, 1,
                                         &worker->pid, NULL, NULL, NULL, error);
  close (fds[1]);
  if (!ok)
    {
      close (fds[0]);
      g_prefix_error (error, _("cannot start %s: "), core->worker_path);
      return FALSE;
    }

  /* The manager never blocks on one worker. */
  if (fcntl (fds[0], F_SETFL, fcntl (fds[0], F_GETFL) | O_NONBLOCK) != 0)
    g_warning ("cannot make the socket of worker %d non-blocking: %s",
               worker->pid, g_strerror (errno));

  worker->index = index;
  worker->fd = fds[0];
  worker->reader = sw_wire_reader_new (SW_WORKER_MESSAGE_TYPE);
  worker->writer = sw_wire_writer_new ();
  worker->importer = sw_trace_importer_new (core->trace, sw_trace_get_process_lane (core->trace));
  g_queue_init (&worker->in_flight);

  return TRUE;
}

/* Merges a TRACE body into the parent's trace. */
static void
sw_proc_worker_import (SwProcCore   *core,
                       SwProcWorker *worker,
                       GVariant     *body)
{
  g_autoptr(GVariant) lanes = NULL;
  g_autoptr(GVariant) strings = NULL;
  g_autoptr(GVariant) events = NULL;
  guint64 first_string;
  gsize n_lanes, n_strings, n_bytes;
  gconstpointer data;

  if (!g_variant_is_of_type (body, SW_WORKER_TRACE_TYPE))
    {
      g_warning ("worker %d sent a trace of type %s", worker->pid, g_variant_get_type_string (body));
      return;
    }

  g_variant_get (body, "(@a(uusiiu)t@as@ay)", &lanes, &first_string, &strings, &events);

  n_lanes = g_variant_n_children (lanes);
  for (gsize i = 0; i < n_lanes; i++)
    {
      SwLane lane;
      guint32 kind;

      g_variant_get_child (lanes, i, "(uu&siiu)", &lane.id, &kind, &lane.name,
                           &lane.pid, &lane.tid, &lane.parent);
      lane.kind = (SwLaneKind) kind;
      if (sw_trace_importer_map_lane (worker->importer, lane.id) == 0)
        sw_trace_importer_add_lane (worker->importer, &lane);
    }

  n_strings = g_variant_n_children (strings);
  for (gsize i = 0; i < n_strings; i++)
    {
      const char *str;

      g_variant_get_child (strings, i, "&s", &str);
      sw_trace_importer_add_string (worker->importer, first_string + i, str);
    }

  data = g_variant_get_fixed_array (events, &n_bytes, 1);
  if (n_bytes % sizeof (SwEvent) != 0)
    {
      g_warning ("worker %d sent %" G_GSIZE_FORMAT " bytes of events, not a whole number",
                 worker->pid, n_bytes);
      return;
    }
  if (n_bytes > 0)
    {
      /* The bytes sit at any alignment inside the message. */
      g_byte_array_set_size (core->scratch, n_bytes);
      memcpy (core->scratch->data, data, n_bytes);
      sw_trace_importer_add_events (worker->importer, (const SwEvent *) (gpointer) core->scratch->data,
                                    n_bytes / sizeof (SwEvent));
    }
}

/* Completes the oldest task of @worker with a result or error message.
 * Returns FALSE if the message does not belong to it (a broken worker). */
static gboolean
sw_proc_worker_complete (SwProcCore   *core,
                         SwProcWorker *worker,
                         guchar        kind,
                         guint64       task_id,
                         GVariant     *body)
{
  GList *link = g_queue_peek_head_link (&worker->in_flight);
  SwProcItem *item;

  if (link == NULL || sw_future_get_id (((SwProcItem *) link->data)->future) != task_id)
    {
      g_warning ("worker %d sent a result for task %" G_GUINT64_FORMAT ", which it does not hold",
                 worker->pid, task_id);
      return FALSE;
    }
  g_queue_unlink (&worker->in_flight, link);
  item = link->data;

  /* The task ran from when it was sent or the one before it came back,
   * whichever is later (plus our latency: fine for telling short tasks
   * from long ones). */
  {
    gint64 now = g_get_monotonic_time ();
    gint64 sample = now - MAX (item->sent_us, worker->last_done_us);

    core->service_us = core->service_us < 0 ? sample : (core->service_us * 7 + sample) / 8;
    worker->last_done_us = now;
  }

  if (kind == SW_WORKER_MSG_OK)
    {
      g_autoptr(GVariant) value = g_variant_get_variant (body);

      _sw_future_complete_recorded (item->future, value, NULL);
    }
  else
    {
      const char *domain = "", *message = "";
      gint code = 0;

      if (g_variant_is_of_type (body, G_VARIANT_TYPE ("(sis)")))
        g_variant_get (body, "(&si&s)", &domain, &code, &message);
      _sw_future_complete_recorded (item->future, NULL,
                                    g_error_new_literal (*domain ? g_quark_from_string (domain) : SW_ERROR,
                                                         code, message));
    }

  sw_proc_item_free (item);
  return TRUE;
}

/* Handles every whole message buffered for @worker.  Returns FALSE if the
 * worker must be treated as dead (it spoke nonsense). */
static gboolean
sw_proc_worker_handle_messages (SwProcCore   *core,
                                SwProcWorker *worker)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) message = NULL;
      g_autoptr(GVariant) body = NULL;
      guchar kind;
      guint64 task_id;

      if (!sw_wire_reader_next (worker->reader, &message, &error))
        {
          g_warning ("worker %d: %s", worker->pid, error->message);
          return FALSE;
        }
      if (message == NULL)
        return TRUE;

      sw_worker_message_parse (message, &kind, &task_id, &body);
      switch (kind)
        {
        case SW_WORKER_MSG_TRACE:
          sw_proc_worker_import (core, worker, body);
          worker->hello = TRUE;
          break;

        case SW_WORKER_MSG_PRINT:
          {
            SwTaskPrintFunc print;
            gpointer print_data;

            g_mutex_lock (&core->mutex);
            print = core->print;
            print_data = core->print_data;
            g_mutex_unlock (&core->mutex);

            if (print != NULL && g_variant_is_of_type (body, G_VARIANT_TYPE_STRING))
              print (g_variant_get_string (body, NULL), print_data);
          }
          break;

        case SW_WORKER_MSG_OK:
        case SW_WORKER_MSG_ERROR:
          if (!sw_proc_worker_complete (core, worker, kind, task_id, body))
            return FALSE;
          break;

        default:
          g_warning ("worker %d sent a message of unknown kind %d", worker->pid, kind);
          return FALSE;
        }
    }
}

/* The manager */

static void
sw_proc_fail_item (SwProcItem *item,
                   const char *reason)
{
  /* A pending future may have been cancelled meanwhile: then it is done
   * and keeps that outcome. */
  if (sw_future_get_state (item->future) == SW_FUTURE_RUNNING
      || _sw_future_set_running (item->future))
    _sw_future_set_error (item->future, g_error_new (SW_ERROR, SW_ERROR_BROKEN,
                                                     _("the process pool is broken: %s"), reason));
  sw_proc_item_free (item);
}

/* A worker died: so does the pool.  @reason names the worker and how. */
static void
sw_proc_core_break (SwProcCore *core,
                    const char *reason)
{
  GQueue pending;
  GList *link;

  g_mutex_lock (&core->mutex);
  core->broken = g_strdup (reason);
  pending = core->queue;
  g_queue_init (&core->queue);
  g_mutex_unlock (&core->mutex);

  /* The others cannot be trusted with the rest (Python terminates them
   * too); their tasks fail with the same reason. */
  for (guint i = 0; i < core->max_workers; i++)
    {
      SwProcWorker *worker = &core->workers[i];

      if (!worker->reaped)
        kill (worker->pid, SIGKILL);
      sw_proc_worker_close (worker);
      sw_proc_worker_reap (worker);
    }

  for (guint i = 0; i < core->max_workers; i++)
    while ((link = g_queue_pop_head_link (&core->workers[i].in_flight)) != NULL)
      sw_proc_fail_item (link->data, reason);
  while ((link = g_queue_pop_head_link (&pending)) != NULL)
    sw_proc_fail_item (link->data, reason);
}

static guint
sw_proc_core_get_depth (SwProcCore *core)
{
  return core->service_us >= 0 && core->service_us < SHORT_TASK_US ? PIPELINE_DEPTH : 1;
}

/* The worker with the fewest tasks, of those the longest idle, or NULL if
 * all are full. */
static SwProcWorker *
sw_proc_core_pick_worker (SwProcCore *core,
                          guint       depth)
{
  SwProcWorker *best = NULL;

  for (guint i = 0; i < core->max_workers; i++)
    {
      SwProcWorker *worker = &core->workers[i];

      if (worker->in_flight.length >= depth)
        continue;
      if (best == NULL
          || worker->in_flight.length < best->in_flight.length
          || (worker->in_flight.length == best->in_flight.length && worker->last_used < best->last_used))
        best = worker;
    }
  return best;
}

static guint
sw_proc_core_count_room (SwProcCore *core,
                         guint       depth)
{
  guint n = 0;

  for (guint i = 0; i < core->max_workers; i++)
    n += depth - MIN (core->workers[i].in_flight.length, depth);
  return n;
}

/* Sends queued tasks to idle workers.  Returns TRUE if it should be called
 * again at once (it skipped cancelled ones while workers stayed idle). */
static gboolean
sw_proc_core_dispatch (SwProcCore *core,
                       gboolean   *shutdown,
                       gboolean   *queue_empty)
{
  guint depth = sw_proc_core_get_depth (core);
  guint n_idle = sw_proc_core_count_room (core, depth);
  gint64 now = g_get_monotonic_time ();
  GQueue taken = G_QUEUE_INIT;
  GList *link;
  gboolean skipped = FALSE;

  gboolean stop_tasks;

  g_mutex_lock (&core->mutex);
  core->wake_pending = FALSE;
  while (taken.length < n_idle && (link = g_queue_pop_head_link (&core->queue)) != NULL)
    g_queue_push_tail_link (&taken, link);
  *shutdown = core->shutdown;
  *queue_empty = g_queue_is_empty (&core->queue);
  stop_tasks = core->stop_tasks;
  g_mutex_unlock (&core->mutex);

  /* Told to stop: the workers' tasks see their cancellable cancelled (the
   * worker turns SIGUSR1 into that).  Only the manager reaps, so a pid it
   * signals is still its worker's, never a recycled one. */
  if (stop_tasks && !core->stop_sent)
    {
      for (guint i = 0; i < core->max_workers; i++)
        if (!core->workers[i].reaped && core->workers[i].hello)
          kill (core->workers[i].pid, SIGUSR1);
      core->stop_sent = TRUE;
    }

  while ((link = g_queue_pop_head_link (&taken)) != NULL)
    {
      SwProcItem *item = link->data;
      SwProcWorker *worker;

      /* FALSE when it was cancelled while queued: skip it. */
      if (!_sw_future_set_running (item->future))
        {
          sw_proc_item_free (item);
          skipped = TRUE;
          continue;
        }

      worker = sw_proc_core_pick_worker (core, depth);
      g_assert (worker != NULL);
      worker->last_used = ++core->dispatch_clock;
      item->sent_us = now;
      g_queue_push_tail_link (&worker->in_flight, link);
      {
        GVariant *run[2] = { g_variant_new_string (item->task), g_variant_new_variant (item->args) };

        sw_wire_writer_append (worker->writer,
                               sw_worker_message_new (SW_WORKER_MSG_RUN, sw_future_get_id (item->future),
                                                      g_variant_new_tuple (run, 2)));
      }
    }

  return skipped && !*queue_empty;
}

/* Reads what @worker sent.  Returns FALSE if it is dead or broken; *reason
 * then says why. */
static gboolean
sw_proc_core_read (SwProcCore    *core,
                   SwProcWorker  *worker,
                   char         **reason)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      SwWireStatus status = sw_wire_reader_fill (worker->reader, worker->fd, &error);

      if (status == SW_WIRE_AGAIN)
        return TRUE;
      if (status != SW_WIRE_OK)
        {
          if (error != NULL)
            g_warning ("worker %d: %s", worker->pid, error->message);
          break;
        }
      if (!sw_proc_worker_handle_messages (core, worker))
        {
          kill (worker->pid, SIGKILL);
          break;
        }
    }

  /* EOF: it exited or was killed. */
  sw_proc_worker_close (worker);
  *reason = describe_exit (worker->pid, sw_proc_worker_reap (worker));
  return FALSE;
}

static gboolean
sw_proc_core_flush (SwProcWorker  *worker,
                    gboolean      *want_out)
{
  g_autoptr(GError) error = NULL;
  SwWireStatus status;

  *want_out = FALSE;
  if (sw_wire_writer_get_pending (worker->writer) == 0)
    return TRUE;

  status = sw_wire_writer_flush (worker->writer, worker->fd, &error);
  if (status == SW_WIRE_AGAIN)
    *want_out = TRUE;
  else if (status == SW_WIRE_ERROR)
    g_warning ("worker %d: %s", worker->pid, error->message);
  /* On EOF or an error, reading will find the end and say how it died. */
  return status == SW_WIRE_OK || status == SW_WIRE_AGAIN;
}

/* Runs the pool until it is shut down and idle, or broken. */
static void
sw_proc_core_run (SwProcCore *core)
{
  guint n = core->max_workers;
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, n + 1);
  g_autofree char *reason = NULL;
  gboolean again = FALSE;

  for (;;)
    {
      gboolean shutdown, queue_empty, busy = FALSE;
      int r;

      again = sw_proc_core_dispatch (core, &shutdown, &queue_empty);

      fds[0].fd = core->wake_fd;
      fds[0].events = POLLIN;
      for (guint i = 0; i < n; i++)
        {
          SwProcWorker *worker = &core->workers[i];
          gboolean want_out;

          busy |= worker->in_flight.length > 0;
          fds[i + 1].fd = worker->fd;
          fds[i + 1].events = POLLIN;
          if (!sw_proc_core_flush (worker, &want_out))
            continue; /* poll reports the hang-up */
          if (want_out)
            fds[i + 1].events |= POLLOUT;
        }

      if (shutdown && queue_empty && !busy)
        break;

      r = poll (fds, n + 1, again ? 0 : -1);
      if (r < 0)
        {
          if (errno != EINTR)
            g_error ("process pool manager: poll: %s", g_strerror (errno));
          continue;
        }

      if (fds[0].revents & POLLIN)
        {
          guint64 count;

          /* Non-blocking: EAGAIN only if another wake-up raced this one. */
          if (read (core->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN && errno != EINTR)
            g_error ("process pool manager: eventfd: %s", g_strerror (errno));
        }

      for (guint i = 0; i < n && reason == NULL; i++)
        {
          SwProcWorker *worker = &core->workers[i];
          gboolean want_out;

          if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
            {
              if (!sw_proc_core_read (core, worker, &reason))
                break;
            }
          if (fds[i + 1].revents & POLLOUT)
            sw_proc_core_flush (worker, &want_out);
        }

      if (reason != NULL)
        {
          sw_proc_core_break (core, reason);
          return;
        }
    }

  /* Shut down and idle: EOF tells each worker to exit. */
  for (guint i = 0; i < n; i++)
    sw_proc_worker_close (&core->workers[i]);
  for (guint i = 0; i < n; i++)
    {
      SwProcWorker *worker = &core->workers[i];
      int status = sw_proc_worker_reap (worker);

      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          g_autofree char *how = describe_exit (worker->pid, status);

          g_debug ("at shutdown, %s", how);
        }
    }
}

/* Waits until every worker has said hello (its first TRACE frame, sent
 * once it is tied to us): so the pool is ready when sw_process_pool_new
 * returns, and a worker that cannot start is its error. */
static gboolean
sw_proc_core_wait_ready (SwProcCore  *core,
                         GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  guint n = core->max_workers;
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, n);

  for (;;)
    {
      guint n_waiting = 0;
      gint64 left;
      int r;

      for (guint i = 0; i < n; i++)
        {
          fds[i].fd = core->workers[i].hello ? -1 : core->workers[i].fd;
          fds[i].events = POLLIN;
          fds[i].revents = 0;
          n_waiting += !core->workers[i].hello;
        }
      if (n_waiting == 0)
        return TRUE;

      left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_BROKEN,
                       _("%u of %u workers did not start within %d s"), n_waiting, n,
                       (int) (START_TIMEOUT_US / G_USEC_PER_SEC));
          return FALSE;
        }
      r = poll (fds, n, (int) ((left + 999) / 1000));
      if (r < 0 && errno != EINTR)
        g_error ("process pool manager: poll: %s", g_strerror (errno));

      for (guint i = 0; i < n; i++)
        if (fds[i].revents != 0)
          {
            g_autofree char *reason = NULL;

            if (!sw_proc_core_read (core, &core->workers[i], &reason))
              {
                g_set_error (error, SW_ERROR, SW_ERROR_BROKEN, _("%s as it started"), reason);
                return FALSE;
              }
          }
    }
}

static gpointer
sw_process_pool_manager (gpointer data)
{
  SwProcCore *core = data;   /* a reference of our own */
  g_autoptr(GError) error = NULL;
  SwCtxSampler *sampler;
  SwCtxLane *ctx_lane;
  guint n_spawned = 0;

  g_private_set (&sw_current_manager, core);
  /* The manager's own context switches: done-callbacks run here. */
  sampler = sw_ctx_sampler_new (core->trace, SW_CTX_SAMPLE_PERIOD_MS);
  ctx_lane = sw_ctx_sampler_add_self (sampler, sw_trace_name_thread (core->trace, "manager"));

  for (; n_spawned < core->max_workers; n_spawned++)
    if (!sw_proc_worker_spawn (core, &core->workers[n_spawned], n_spawned + 1, &error))
      break;
  if (error == NULL)
    sw_proc_core_wait_ready (core, &error);

  g_mutex_lock (&core->mutex);
  for (guint i = 0; i < n_spawned; i++)
    g_array_append_val (core->pids, core->workers[i].pid);
  core->started = TRUE;
  if (error != NULL)
    core->start_error = g_error_copy (error);
  g_cond_broadcast (&core->cond);
  g_mutex_unlock (&core->mutex);

  if (error == NULL)
    sw_proc_core_run (core);
  else
    for (guint i = 0; i < n_spawned; i++)
      {
        if (!core->workers[i].reaped)
          kill (core->workers[i].pid, SIGKILL);
        sw_proc_worker_close (&core->workers[i]);
        sw_proc_worker_reap (&core->workers[i]);
      }

  for (guint i = 0; i < n_spawned; i++)
    sw_proc_worker_clear (&core->workers[i]);

  sw_ctx_lane_sample_self (ctx_lane);
  sw_ctx_sampler_free (sampler);

  g_mutex_lock (&core->mutex);
  core->manager_done = TRUE;
  g_cond_broadcast (&core->cond);
  g_mutex_unlock (&core->mutex);

  g_private_set (&sw_current_manager, NULL);
  sw_proc_core_unref (core);
  return NULL;
}

/* Any thread: whoever cancels the pool's cancellable. */
static void
sw_proc_core_cancelled_cb (GCancellable *cancellable,
                           gpointer      data)
{
  SwProcCore *core = data;
  gboolean wake;

  g_mutex_lock (&core->mutex);
  core->stop_tasks = TRUE;
  wake = sw_proc_core_wake_locked (core);
  g_mutex_unlock (&core->mutex);

  if (wake)
    sw_proc_core_wake (core);
}

static void
sw_proc_core_shutdown (SwProcCore *core,
                       gboolean    wait,
                       gboolean    cancel_futures)
{
  GQueue cancelled = G_QUEUE_INIT;
  GList *link;
  gboolean wake;

  g_mutex_lock (&core->mutex);
  if (!core->shutdown)
    sw_trace_record (core->trace, SW_EVENT_POOL_SHUTDOWN, 0, core->id, wait ? 1 : 0);
  core->shutdown = TRUE;
  if (cancel_futures)
    {
      cancelled = core->queue;
      g_queue_init (&core->queue);
    }
  wake = sw_proc_core_wake_locked (core);
  g_mutex_unlock (&core->mutex);

  if (wake)
    sw_proc_core_wake (core);

  /* Out of the lock: cancelling runs done-callbacks, which may call us. */
  while ((link = g_queue_pop_head_link (&cancelled)) != NULL)
    {
      SwProcItem *item = link->data;

      sw_future_cancel (item->future);
      sw_proc_item_free (item);
    }
  if (cancel_futures)
    g_cancellable_cancel (core->cancellable);

  if (wait)
    {
      GThread *thread;
      gboolean waited = FALSE;

      /* Recorded only when it blocks.  Object 0: a wait for the whole
       * pool, not for one future. */
      g_mutex_lock (&core->mutex);
      while (!core->manager_done)
        {
          if (!waited)
            sw_trace_record (core->trace, SW_EVENT_WAIT_BEGIN, 0, 0, core->id);
          waited = TRUE;
          g_cond_wait (&core->cond, &core->mutex);
        }
      thread = g_steal_pointer (&core->thread);
      g_mutex_unlock (&core->mutex);

      if (thread != NULL)
        g_thread_join (thread);
      if (waited)
        sw_trace_record (core->trace, SW_EVENT_WAIT_END, 0, 0, core->id);
    }
}

static void
sw_process_pool_dispose (GObject *object)
{
  SwProcessPool *self = SW_PROCESS_POOL (object);

  /* On the manager (the last reference went in a done-callback) waiting
   * would wait for ourselves; the manager still finishes the work. */
  if (self->core != NULL)
    sw_proc_core_shutdown (self->core, !sw_proc_core_on_manager (self->core), FALSE);

  G_OBJECT_CLASS (sw_process_pool_parent_class)->dispose (object);
}

static void
sw_process_pool_finalize (GObject *object)
{
  SwProcessPool *self = SW_PROCESS_POOL (object);

  g_clear_pointer (&self->core, sw_proc_core_unref);

  G_OBJECT_CLASS (sw_process_pool_parent_class)->finalize (object);
}

static void
sw_process_pool_class_init (SwProcessPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sw_process_pool_dispose;
  object_class->finalize = sw_process_pool_finalize;
}

static void
sw_process_pool_init (SwProcessPool *self)
{
}

/**
 * sw_process_pool_find_worker:
 *
 * Looks for the worker executable: $SW_WORKER if set (it must then be
 * right), else switchyard-worker beside the running program (the build
 * tree), else in LIBEXECDIR (installed).
 *
 * Returns: (transfer full) (nullable): its path, or NULL with
 *   SW_ERROR_INVALID_ARGUMENT
 */
char *
sw_process_pool_find_worker (GError **error)
{
  const char *env = g_getenv ("SW_WORKER");
  g_autofree char *self_exe = NULL;
  g_autofree char *beside = NULL;
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    {
      if (g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (env, G_FILE_TEST_IS_DIR))
        return g_strdup (env);
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("SW_WORKER is %s, which is not an executable file"), env);
      return NULL;
    }

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);

      beside = g_build_filename (dir, WORKER_NAME, NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }

  installed = g_build_filename (LIBEXECDIR, WORKER_NAME, NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);

  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
               _("cannot find the worker executable %s (not in $SW_WORKER, %s or %s)"),
               WORKER_NAME, beside ? beside : "beside this program", installed);
  return NULL;
}

/**
 * sw_process_pool_new:
 * @trace: where the pool's events go, the workers' included
 * @max_workers: how many worker processes, at least 1; all start now
 *
 * Returns when every worker has started and said hello, so a worker that
 * cannot start (or dies at once) is an error here, not a broken pool.
 *
 * Returns: (transfer full) (nullable): a new pool, or NULL with
 *   SW_ERROR_INVALID_ARGUMENT (no workers; worker executable not found)
 *   or the error that kept a worker from starting
 */
SwProcessPool *
sw_process_pool_new (SwTrace  *trace,
                     guint     max_workers,
                     GError  **error)
{
  SwProcessPool *self;
  SwProcCore *core;
  char *worker_path;
  int wake_fd;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Far more than any machine can run; keeps the poll set sane. */
  if (max_workers == 0 || max_workers > 1024)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("max_workers must be between 1 and 1024, not %u"), max_workers);
      return NULL;
    }

  worker_path = sw_process_pool_find_worker (error);
  if (worker_path == NULL)
    return NULL;

  wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0)
    {
      int saved_errno = errno;

      g_free (worker_path);
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot create an eventfd: %s"),
                   g_strerror (saved_errno));
      return NULL;
    }

  core = g_atomic_rc_box_new0 (SwProcCore);
  core->trace = g_object_ref (trace);
  core->max_workers = max_workers;
  core->id = __atomic_add_fetch (&sw_process_pool_last_id, 1, __ATOMIC_RELAXED);
  core->worker_path = worker_path;
  core->wake_fd = wake_fd;
  core->workers = g_new0 (SwProcWorker, max_workers);
  for (guint i = 0; i < max_workers; i++)
    core->workers[i].fd = -1;
  core->scratch = g_byte_array_new ();
  core->service_us = -1;
  core->pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_mutex_init (&core->mutex);
  g_cond_init (&core->cond);
  g_queue_init (&core->queue);
  core->cancellable = g_cancellable_new ();
  core->cancelled_id = g_cancellable_connect (core->cancellable,
                                              G_CALLBACK (sw_proc_core_cancelled_cb),
                                              core, NULL);

  self = g_object_new (SW_TYPE_PROCESS_POOL, NULL);
  self->core = core;

  /* The manager spawns the workers (see the top of the file). */
  core->thread = g_thread_new ("sw-process-pool", sw_process_pool_manager,
                               g_atomic_rc_box_acquire (core));

  g_mutex_lock (&core->mutex);
  while (!core->started)
    g_cond_wait (&core->cond, &core->mutex);
  g_mutex_unlock (&core->mutex);

  if (core->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (core->start_error));
      /* Marks it shut down and joins the manager, which reaped what it
       * had started. */
      g_object_unref (self);
      return NULL;
    }

  return self;
}

guint
sw_process_pool_get_max_workers (SwProcessPool *self)
{
  g_return_val_if_fail (SW_IS_PROCESS_POOL (self), 0);
  return self->core->max_workers;
}

/**
 * sw_process_pool_dup_worker_pids:
 *
 * Returns: (transfer full) (element-type GPid): the pid of every worker
 *   the pool started, in order; they stay listed after the workers exit
 */
GArray *
sw_process_pool_dup_worker_pids (SwProcessPool *self)
{
  SwProcCore *core;
  GArray *pids;

  g_return_val_if_fail (SW_IS_PROCESS_POOL (self), NULL);

  core = self->core;
  g_mutex_lock (&core->mutex);
  pids = g_array_sized_new (FALSE, FALSE, sizeof (GPid), core->pids->len);
  g_array_append_vals (pids, core->pids->data, core->pids->len);
  g_mutex_unlock (&core->mutex);

  return pids;
}

/**
 * sw_process_pool_is_broken:
 *
 * Returns: TRUE once a worker died and took the pool with it
 */
gboolean
sw_process_pool_is_broken (SwProcessPool *self)
{
  gboolean broken;

  g_return_val_if_fail (SW_IS_PROCESS_POOL (self), FALSE);

  g_mutex_lock (&self->core->mutex);
  broken = self->core->broken != NULL;
  g_mutex_unlock (&self->core->mutex);

  return broken;
}

/**
 * sw_process_pool_submit:
 * @label: (nullable): the task's name on the timeline; "task N" if NULL
 * @task: a name from the task registry (sw-tasks.h)
 * @args: (nullable): its arguments, of the task's type; NULL is "()";
 *   a floating reference is sunk
 *
 * The task name and the arguments' type are checked here, so a mistake
 * fails the submit, not the task.
 *
 * Returns: (transfer full) (nullable): the task's future, or NULL with
 *   SW_ERROR_INVALID_ARGUMENT, SW_ERROR_BROKEN or SW_ERROR_SHUTDOWN
 */
SwFuture *
sw_process_pool_submit (SwProcessPool  *self,
                        const char     *label,
                        const char     *task,
                        GVariant       *args,
                        GError        **error)
{
  g_autoptr(GVariant) owned_args = NULL;
  g_autofree char *default_label = NULL;
  const SwTaskInfo *info;
  SwProcCore *core;
  SwProcItem *item;
  SwFuture *future;
  gboolean wake;

  g_return_val_if_fail (SW_IS_PROCESS_POOL (self), NULL);
  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  core = self->core;
  owned_args = g_variant_ref_sink (args != NULL ? args : g_variant_new ("()"));

  info = sw_tasks_lookup (task, error);
  if (info == NULL)
    return NULL;
  if (!g_variant_is_of_type (owned_args, G_VARIANT_TYPE (info->args_type)))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("task '%s' takes %s, not %s"), info->name, info->args_type,
                   g_variant_get_type_string (owned_args));
      return NULL;
    }

  if (label == NULL)
    label = default_label = g_strdup_printf ("task %u", g_atomic_int_add (&core->n_submitted, 1) + 1);

  item = g_new0 (SwProcItem, 1);
  item->link.data = item;
  item->future = _sw_future_new (core->trace, label);
  item->task = info->name;
  item->args = g_steal_pointer (&owned_args);
  future = g_object_ref (item->future);

  g_mutex_lock (&core->mutex);

  if (core->broken != NULL || core->shutdown)
    {
      if (core->broken != NULL)
        g_set_error (error, SW_ERROR, SW_ERROR_BROKEN, _("the process pool is broken: %s"), core->broken);
      else
        g_set_error_literal (error, SW_ERROR, SW_ERROR_SHUTDOWN,
                             _("cannot schedule new tasks after shutdown"));
      g_mutex_unlock (&core->mutex);
      g_object_unref (future);
      sw_proc_item_free (item);
      return NULL;
    }

  /* Before the push: the manager may send it the moment it is queued. */
  sw_trace_record (core->trace, SW_EVENT_TASK_SUBMIT, 0,
                   sw_future_get_id (future), _sw_future_get_label_id (future));
  g_queue_push_tail_link (&core->queue, &item->link);
  wake = sw_proc_core_wake_locked (core);

  g_mutex_unlock (&core->mutex);

  if (wake)
    sw_proc_core_wake (core);

  return future;
}

/**
 * sw_process_pool_shutdown:
 * @wait: return only once every task is done, its callbacks ran, and every
 *   worker exited and was reaped
 * @cancel_futures: cancel the tasks no worker has started
 *
 * Submits fail from now on.  Idempotent.  Tasks already sent to a worker
 * run to their end.  The manager thread (a done-callback) cannot wait.
 */
void
sw_process_pool_shutdown (SwProcessPool *self,
                          gboolean       wait,
                          gboolean       cancel_futures)
{
  g_return_if_fail (SW_IS_PROCESS_POOL (self));

  if (wait && sw_proc_core_on_manager (self->core))
    {
      g_critical ("%s: a done-callback of the pool cannot wait for the pool to shut down",
                  G_STRFUNC);
      wait = FALSE;
    }

  sw_proc_core_shutdown (self->core, wait, cancel_futures);
}

static void
sw_process_pool_set_print_func (SwProcessPool   *self,
                                SwTaskPrintFunc  func,
                                gpointer         user_data)
{
  g_mutex_lock (&self->core->mutex);
  self->core->print = func;
  self->core->print_data = user_data;
  g_mutex_unlock (&self->core->mutex);
}

/* SwExecutor */

static SwFuture *
sw_process_pool_submit_task (SwExecutor  *executor,
                             const char  *label,
                             const char  *task,
                             GVariant    *args,
                             GError     **error)
{
  return sw_process_pool_submit (SW_PROCESS_POOL (executor), label, task, args, error);
}

static void
sw_process_pool_executor_shutdown (SwExecutor *executor,
                                   gboolean    wait,
                                   gboolean    cancel_futures)
{
  sw_process_pool_shutdown (SW_PROCESS_POOL (executor), wait, cancel_futures);
}

static void
sw_process_pool_executor_set_print_func (SwExecutor      *executor,
                                         SwTaskPrintFunc  func,
                                         gpointer         user_data)
{
  sw_process_pool_set_print_func (SW_PROCESS_POOL (executor), func, user_data);
}

static GCancellable *
sw_process_pool_executor_get_cancellable (SwExecutor *executor)
{
  return SW_PROCESS_POOL (executor)->core->cancellable;
}

static void
sw_process_pool_executor_init (SwExecutorInterface *iface)
{
  iface->submit_task = sw_process_pool_submit_task;
  iface->shutdown = sw_process_pool_executor_shutdown;
  iface->set_print_func = sw_process_pool_executor_set_print_func;
  iface->get_cancellable = sw_process_pool_executor_get_cancellable;
}
