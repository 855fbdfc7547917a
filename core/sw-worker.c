/* sw-worker.c — the loop of a process-pool worker
 *
 * Single-threaded: read RUN frames, run each named task, send back what
 * the worker's own recorder saw (lanes, strings, events with this
 * process's real pid and tid) and the result.  A task's start goes out
 * before the task runs, so the parent's timeline shows a long task while
 * it runs; its lines go out as they are printed.  The exception: when the
 * parent pipelined several tasks (it does so only while tasks are short),
 * the starts and results of that batch go out together, one write per
 * batch instead of one per task.
 */
#include "config.h"

#include "sw-worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sw-ctx-switches.h"
#include "sw-error.h"
#include "sw-tasks.h"
#include "sw-trace.h"
#include "sw-wire.h"

/* Events drained per cursor call. */
#define DRAIN_EVENTS 1024

typedef struct
{
  int            fd;
  SwTrace       *trace;          /* owned */
  SwTraceCursor *cursor;         /* owned */
  guint          n_lanes_sent;
  guint64        next_string;    /* first string id not sent yet */
  SwWireReader  *reader;         /* owned */
  SwWireWriter  *writer;         /* owned */
  GPtrArray     *pending;        /* owned: messages for the next write, after its TRACE */
  GByteArray    *events;         /* owned; scratch for draining */
  guint64        task_id;        /* the running task, 0 between tasks */
  gboolean       peer_gone;      /* a write found the parent's end closed */
  GError        *error;          /* the first write error, if any */
  GCancellable  *cancellable;    /* every task's; SIGUSR1 cancels it */
  SwCtxSampler  *sampler;        /* reads our context switches while tasks run */
  SwCtxLane     *ctx_lane;
} SwWorker;

gboolean
sw_worker_die_with_parent (gint     parent_pid,
                           GError **error)
{
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SW_ERROR, SW_ERROR_IO, "prctl(PR_SET_PDEATHSIG): %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  /* The parent may have died between spawning us and the prctl: we would
   * then have been adopted by init (or a subreaper) and never be killed. */
  if (getppid () != parent_pid)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_BROKEN,
                   "parent process %d is gone", parent_pid);
      return FALSE;
    }

  return TRUE;
}

/* Queues a TRACE frame with what was recorded since the last one; none if
 * nothing was. */
static void
sw_worker_append_trace (SwWorker *worker)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (worker->trace);
  g_autoptr(GPtrArray) strings = sw_trace_dup_strings_from (worker->trace, worker->next_string);
  GVariantBuilder lanes_builder;
  GVariant *body;
  gsize n;

  g_byte_array_set_size (worker->events, 0);
  do
    {
      gsize old_len = worker->events->len;

      g_byte_array_set_size (worker->events, old_len + DRAIN_EVENTS * sizeof (SwEvent));
      n = sw_trace_cursor_drain (worker->cursor, (SwEvent *) (gpointer) (worker->events->data + old_len),
                                 DRAIN_EVENTS);
      g_byte_array_set_size (worker->events, old_len + n * sizeof (SwEvent));
    }
  while (n == DRAIN_EVENTS);

  if (lanes->len == worker->n_lanes_sent && strings->len == 0 && worker->events->len == 0)
    return;

  g_variant_builder_init (&lanes_builder, G_VARIANT_TYPE ("a(uusiiu)"));
  for (guint i = worker->n_lanes_sent; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);

      g_variant_builder_add (&lanes_builder, "(uusiiu)", lane->id, (guint32) lane->kind,
                             lane->name ? lane->name : "", lane->pid, lane->tid, lane->parent);
    }
  worker->n_lanes_sent = lanes->len;

  body = g_variant_new ("(@a(uusiiu)t@as@ay)",
                        g_variant_builder_end (&lanes_builder),
                        worker->next_string,
                        g_variant_new_strv ((const char * const *) strings->pdata, strings->len),
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, worker->events->data,
                                                   worker->events->len, 1));
  worker->next_string += strings->len;

  sw_wire_writer_append (worker->writer, sw_worker_message_new (SW_WORKER_MSG_TRACE, 0, body));
}

GVariant *
sw_worker_message_new (guchar    kind,
                       guint64   task_id,
                       GVariant *body)
{
  GVariant *children[3];

  children[0] = g_variant_new_byte (kind);
  children[1] = g_variant_new_uint64 (task_id);
  children[2] = g_variant_new_variant (body);
  return g_variant_new_tuple (children, 3);
}

/**
 * sw_worker_message_parse:
 * @message: of type SW_WORKER_MESSAGE_TYPE
 * @body: (out) (transfer full): the body, unboxed
 */
void
sw_worker_message_parse (GVariant  *message,
                         guchar    *kind,
                         guint64   *task_id,
                         GVariant **body)
{
  GVariant *child;

  child = g_variant_get_child_value (message, 0);
  *kind = g_variant_get_byte (child);
  g_variant_unref (child);
  child = g_variant_get_child_value (message, 1);
  *task_id = g_variant_get_uint64 (child);
  g_variant_unref (child);
  child = g_variant_get_child_value (message, 2);
  *body = g_variant_get_variant (child);
  g_variant_unref (child);
}

/* Queues @message (floating is sunk) for the next write. */
static void
sw_worker_queue (SwWorker *worker,
                 GVariant *message)
{
  g_ptr_array_add (worker->pending, g_variant_ref_sink (message));
}

/* One write: what was recorded since the last one, then the queued
 * messages. */
static void
sw_worker_flush (SwWorker *worker)
{
  SwWireStatus status;

  sw_worker_append_trace (worker);
  for (guint i = 0; i < worker->pending->len; i++)
    sw_wire_writer_append (worker->writer, g_ptr_array_index (worker->pending, i));
  g_ptr_array_set_size (worker->pending, 0);

  if (worker->peer_gone)
    return;

  status = sw_wire_writer_flush (worker->writer, worker->fd,
                                 worker->error == NULL ? &worker->error : NULL);
  if (status != SW_WIRE_OK)
    worker->peer_gone = TRUE;
}

/* SwTaskContext.print: the line goes to the parent at once. */
static void
sw_worker_print_cb (const char *line,
                    gpointer    user_data)
{
  SwWorker *worker = user_data;

  sw_worker_queue (worker, sw_worker_message_new (SW_WORKER_MSG_PRINT, worker->task_id,
                                                 g_variant_new_string (line)));
  sw_worker_flush (worker);
}

static void
sw_worker_run (SwWorker *worker,
               guint64   task_id,
               GVariant *body)
{
  SwTaskContext context = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *name = NULL;

  if (!g_variant_is_of_type (body, G_VARIANT_TYPE ("(sv)")))
    {
      g_set_error (&error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   "a RUN message needs a (sv) body, not %s", g_variant_get_type_string (body));
    }
  else
    {
      g_variant_get (body, "(&sv)", &name, &args);
    }

  worker->task_id = task_id;
  sw_ctx_lane_sample_self_throttled (worker->ctx_lane);
  sw_trace_record (worker->trace, SW_EVENT_TASK_START, 0, task_id, 0);
  /* The start goes out now, so a long task shows as running, unless more
   * tasks are waiting in our buffer: see the top of the file. */
  if (sw_wire_reader_get_buffered (worker->reader) == 0)
    sw_worker_flush (worker);

  if (error == NULL)
    {
      context.trace = worker->trace;
      context.cancellable = worker->cancellable;
      context.print = sw_worker_print_cb;
      context.print_data = worker;
      context.in_worker = TRUE;
      result = sw_tasks_run (&context, name, args, &error);
      sw_ctx_lane_sample_self_throttled (worker->ctx_lane);
    }

  /* The end is recorded here, when and where the task ended; the parent's
   * future takes it from our events instead of stamping the moment the
   * result reached it (later by whatever its manager was busy with). */
  if (result != NULL)
    {
      sw_trace_record (worker->trace, SW_EVENT_TASK_END, 0, task_id, 0);
      sw_worker_queue (worker, sw_worker_message_new (SW_WORKER_MSG_OK, task_id,
                                                      g_variant_new_variant (result)));
    }
  else
    {
      const char *message = error ? error->message : "task failed";

      sw_trace_record (worker->trace, SW_EVENT_TASK_ERROR, SW_EVENT_FLAG_FAILED, task_id,
                       sw_trace_intern (worker->trace, message));
      sw_worker_queue (worker, sw_worker_message_new (SW_WORKER_MSG_ERROR, task_id,
                                                      g_variant_new ("(sis)",
                                                           error ? g_quark_to_string (error->domain) : "",
                                                           error ? error->code : 0, message)));
    }
  worker->task_id = 0;
}

/* The parent stops our running task with SIGUSR1.  A handler could not
 * cancel a GCancellable (it takes locks), so the signal is blocked and a
 * thread of ours waits for it.  Blocked before our first message: the
 * parent only signals a worker that has said hello. */
static gpointer
sw_worker_stop_listener (gpointer data)
{
  GCancellable *cancellable = data;   /* owned: the thread outlives main's frame */
  sigset_t set;
  int signo;

  sigemptyset (&set);
  sigaddset (&set, SIGUSR1);
  while (sigwait (&set, &signo) == 0)
    g_cancellable_cancel (cancellable);
  return NULL;
}

static void
sw_worker_listen_for_stop (SwWorker *worker)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGUSR1);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  /* Never joined: it lives as long as the process. */
  g_thread_unref (g_thread_new ("stop-listener", sw_worker_stop_listener,
                                g_object_ref (worker->cancellable)));
}

/**
 * sw_worker_main:
 * @fd: the worker's end of the socketpair; blocking
 * @index: the worker's number in its pool, from 1
 *
 * Returns: 0 when the parent closed the socket; 1 with @error if the
 *   socket failed or the parent sent something that is not a message
 */
int
sw_worker_main (int       fd,
                guint     index,
                GError  **error)
{
  SwWorker worker = { 0 };
  g_autoptr(GError) local_error = NULL;
  char name[32];
  int status = 0;

  worker.fd = fd;
  worker.cancellable = g_cancellable_new ();
  sw_worker_listen_for_stop (&worker);
  worker.trace = sw_trace_new (0);
  g_snprintf (name, sizeof name, "worker %u", index);
  /* Samples taken while a task runs reach the parent with our next message. */
  worker.sampler = sw_ctx_sampler_new (worker.trace, SW_CTX_SAMPLE_PERIOD_MS);
  worker.ctx_lane = sw_ctx_sampler_add_self (worker.sampler, sw_trace_name_thread (worker.trace, name));
  worker.cursor = sw_trace_cursor_new (worker.trace);
  worker.reader = sw_wire_reader_new (SW_WORKER_MESSAGE_TYPE);
  worker.writer = sw_wire_writer_new ();
  worker.events = g_byte_array_new ();

  worker.pending = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  /* Our lanes, so the parent shows this worker before its first task. */
  sw_worker_flush (&worker);

  while (!worker.peer_gone)
    {
      GVariant *message = NULL;
      SwWireStatus fill;

      while (sw_wire_reader_next (worker.reader, &message, &local_error))
        {
          guchar kind;
          guint64 task_id;
          g_autoptr(GVariant) body = NULL;

          if (message == NULL)
            break;
          sw_worker_message_parse (message, &kind, &task_id, &body);
          g_variant_unref (message);

          if (kind == SW_WORKER_MSG_RUN)
            sw_worker_run (&worker, task_id, body);
          else
            g_warning ("worker %u: ignoring a message of kind %d", index, kind);
        }
      if (local_error != NULL)
        {
          status = 1;
          break;
        }

      /* Everything received is done: send the results in one write, then
       * sleep in read() until the parent has more (or is gone).  What
       * throttled readings skipped goes with them, before the idle time. */
      sw_ctx_lane_sample_self (worker.ctx_lane);
      sw_worker_flush (&worker);
      if (worker.peer_gone)
        break;

      fill = sw_wire_reader_fill (worker.reader, fd, &local_error);
      if (fill == SW_WIRE_EOF)
        break;
      if (fill == SW_WIRE_ERROR)
        {
          status = 1;
          break;
        }
    }

  /* A parent that closed its end while we wrote is a normal end, like EOF;
   * any other write failure is not. */
  if (status == 0 && worker.error != NULL)
    {
      local_error = g_steal_pointer (&worker.error);
      status = 1;
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  g_clear_error (&worker.error);
  g_ptr_array_unref (worker.pending);
  g_byte_array_unref (worker.events);
  sw_wire_writer_free (worker.writer);
  sw_wire_reader_free (worker.reader);
  sw_trace_cursor_free (worker.cursor);
  sw_ctx_sampler_free (worker.sampler);
  g_object_unref (worker.trace);
  g_object_unref (worker.cancellable);

  return status;
}
