/* sw-tasks.h — named task functions, runnable in a thread or a worker process
 *
 * A process pool cannot send a C function pointer to another process, so
 * tasks are looked up by name (like pickled module-level functions in
 * Python).  Arguments and results are GVariants: they cross a socket as is.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

/* What a task may use wherever it runs. */
typedef void (*SwTaskPrintFunc) (const char *line,
                                 gpointer    user_data);

typedef struct
{
  SwTrace         *trace;        /* records on the running thread's lane */
  GCancellable    *cancellable;  /* cancelled when the pool is told to stop */
  SwTaskPrintFunc  print;        /* where task lines go (may be NULL) */
  gpointer         print_data;
  gboolean         in_worker;    /* in a worker process: "crash" may abort it */
} SwTaskContext;

typedef GVariant *(*SwNamedTaskFunc) (SwTaskContext  *context,
                                      GVariant       *args,
                                      GError        **error);

typedef struct
{
  const char      *name;
  const char      *args_type;    /* GVariant type string of the arguments */
  const char      *description;
  SwNamedTaskFunc  func;
} SwTaskInfo;

const SwTaskInfo *sw_tasks_list         (guint            *n_tasks);
const SwTaskInfo *sw_tasks_lookup       (const char       *name,
                                         GError          **error);
GVariant         *sw_tasks_run          (SwTaskContext    *context,
                                         const char       *name,
                                         GVariant         *args,
                                         GError          **error);

/* For task bodies. */
void              sw_task_print         (SwTaskContext    *context,
                                         const char       *format,
                                         ...) G_GNUC_PRINTF (2, 3);
gboolean          sw_sleep_cancellable  (gint64            duration_us,
                                         GCancellable     *cancellable);

G_END_DECLS
