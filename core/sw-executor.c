/* sw-executor.c — the interface of thread and process pools */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-executor.h"

#include "sw-error.h"
#include "sw-process-pool.h"
#include "sw-thread-pool.h"

G_DEFINE_INTERFACE (SwExecutor, sw_executor, G_TYPE_OBJECT)

static void
sw_executor_default_init (SwExecutorInterface *iface)
{
}

/**
 * sw_executor_submit_task:
 * @label: (nullable): shown on the timeline, "task N" if NULL
 * @task: a name from the task registry (sw-tasks.h)
 * @args: (nullable): its arguments; a floating reference is sunk
 *
 * Returns: (transfer full): the task's future, or NULL with @error
 */
SwFuture *
sw_executor_submit_task (SwExecutor  *self,
                         const char  *label,
                         const char  *task,
                         GVariant    *args,
                         GError     **error)
{
  g_return_val_if_fail (SW_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (task != NULL, NULL);

  return SW_EXECUTOR_GET_IFACE (self)->submit_task (self, label, task, args, error);
}

void
sw_executor_shutdown (SwExecutor *self,
                      gboolean    wait,
                      gboolean    cancel_futures)
{
  g_return_if_fail (SW_IS_EXECUTOR (self));

  SW_EXECUTOR_GET_IFACE (self)->shutdown (self, wait, cancel_futures);
}

/**
 * sw_executor_set_print_func:
 *
 * Where the lines that tasks print go.  For a thread pool it is called on
 * the worker thread that printed; for a process pool on the pool's manager
 * thread, as the line arrives from the worker process.
 */
void
sw_executor_set_print_func (SwExecutor      *self,
                            SwTaskPrintFunc  func,
                            gpointer         user_data)
{
  g_return_if_fail (SW_IS_EXECUTOR (self));

  SW_EXECUTOR_GET_IFACE (self)->set_print_func (self, func, user_data);
}

/**
 * sw_executor_get_cancellable:
 *
 * What the pool's running tasks watch (SwTaskContext.cancellable, also in
 * worker processes).  shutdown (cancel_futures) cancels it; cancel it
 * yourself to stop the running tasks but let the pool finish the rest.
 *
 * Returns: (transfer none): the pool's cancellable
 */
GCancellable *
sw_executor_get_cancellable (SwExecutor *self)
{
  g_return_val_if_fail (SW_IS_EXECUTOR (self), NULL);

  return SW_EXECUTOR_GET_IFACE (self)->get_cancellable (self);
}

/**
 * sw_executor_new_pool:
 * @kind: "thread" or "process"
 *
 * Returns: (transfer full): a new pool, or NULL with @error
 */
SwExecutor *
sw_executor_new_pool (const char  *kind,
                      SwTrace     *trace,
                      guint        max_workers,
                      GError     **error)
{
  if (g_strcmp0 (kind, "thread") == 0)
    return SW_EXECUTOR (sw_thread_pool_new (trace, max_workers, error));
  if (g_strcmp0 (kind, "process") == 0)
    return SW_EXECUTOR (sw_process_pool_new (trace, max_workers, error));

  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
               _("unknown kind of pool '%s' (thread or process)"), kind ? kind : "");
  return NULL;
}
