/* sw-executor.c — the interface of thread and process pools */
#include "config.h"

#include "sw-executor.h"

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
