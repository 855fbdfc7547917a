/* sw-worker.h — the loop of a process-pool worker, and what it speaks
 *
 * The parent (sw-process-pool.c) and a worker exchange sw-wire frames of
 * type SW_WORKER_MESSAGE_TYPE, "(ytv)": a kind, a task id (the future's
 * id; 0 when none) and a body whose type depends on the kind.
 *
 *   parent → worker
 *     'r' RUN     (sv)              task name, arguments
 *   worker → parent
 *     'T' TRACE   (a(uusiiu)tasay)  new lanes (id, kind, name, pid, tid,
 *                                   parent), id of the first new string,
 *                                   new strings, new SwEvents (raw, with
 *                                   times in CLOCK_MONOTONIC ns)
 *     'p' PRINT   s                 a line the task printed
 *     'o' OK      v                 the task's result
 *     'e' ERROR   (sis)             the task's error: domain, code, message
 *
 * Each write of a worker starts with a TRACE frame of what it recorded
 * since the last write (the first one: its lanes), then the results and
 * lines; so its events are always merged before the result or line they
 * go with.  It runs one task at a time, in
 * the order received, and exits when its socket reaches EOF.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SW_WORKER_MESSAGE_TYPE ((const GVariantType *) "(ytv)")
#define SW_WORKER_TRACE_TYPE   ((const GVariantType *) "(a(uusiiu)tasay)")

typedef enum {
  SW_WORKER_MSG_RUN   = 'r',
  SW_WORKER_MSG_TRACE = 'T',
  SW_WORKER_MSG_PRINT = 'p',
  SW_WORKER_MSG_OK    = 'o',
  SW_WORKER_MSG_ERROR = 'e',
} SwWorkerMessageKind;

/* Building and taking apart a message without a format string (they are
 * parsed at every call, and this is the hot path of the pool). */
GVariant *sw_worker_message_new   (guchar     kind,
                                   guint64    task_id,
                                   GVariant  *body);
void      sw_worker_message_parse (GVariant  *message,
                                   guchar    *kind,
                                   guint64   *task_id,
                                   GVariant **body);

/* The fd the parent hands its end of the socketpair on. */
#define SW_WORKER_FD 3

/* Ties this process to @parent_pid: SIGKILL when the parent thread that
 * spawned us exits, and FALSE if the parent is already gone (it may have
 * died before the tie was made). */
gboolean sw_worker_die_with_parent (gint      parent_pid,
                                    GError  **error);

/* Serves tasks on @fd until EOF.  @index numbers the worker in its pool
 * (its lane is "worker @index").  Returns 0 on EOF, or 1 with @error. */
int      sw_worker_main            (int       fd,
                                    guint     index,
                                    GError  **error);

G_END_DECLS
