/* sw-executor.h — what thread and process pools have in common
 *
 * Submit a named task (see sw-tasks.h), map a task over arguments with
 * results in submission order, shut down.  SwThreadPool and SwProcessPool
 * implement it; scenarios and conformance tests are written against it.
 */
#pragma once

#include <gio/gio.h>

#include "sw-future.h"
#include "sw-tasks.h"

G_BEGIN_DECLS

#define SW_TYPE_EXECUTOR (sw_executor_get_type ())
G_DECLARE_INTERFACE (SwExecutor, sw_executor, SW, EXECUTOR, GObject)

struct _SwExecutorInterface
{
  GTypeInterface parent_iface;

  SwFuture *(*submit_task)     (SwExecutor       *self,
                                const char       *label,
                                const char       *task,
                                GVariant         *args,
                                GError          **error);
  void      (*shutdown)        (SwExecutor       *self,
                                gboolean          wait,
                                gboolean          cancel_futures);
  void      (*set_print_func)  (SwExecutor       *self,
                                SwTaskPrintFunc   func,
                                gpointer          user_data);
  GCancellable *(*get_cancellable) (SwExecutor    *self);
};

/* A new pool by kind: "thread" or "process". */
SwExecutor *sw_executor_new_pool     (const char       *kind,
                                      SwTrace          *trace,
                                      guint             max_workers,
                                      GError          **error) G_GNUC_WARN_UNUSED_RESULT;

SwFuture *sw_executor_submit_task    (SwExecutor       *self,
                                      const char       *label,
                                      const char       *task,
                                      GVariant         *args,
                                      GError          **error) G_GNUC_WARN_UNUSED_RESULT;
void      sw_executor_shutdown       (SwExecutor       *self,
                                      gboolean          wait,
                                      gboolean          cancel_futures);
void      sw_executor_set_print_func (SwExecutor       *self,
                                      SwTaskPrintFunc   func,
                                      gpointer          user_data);
GCancellable *sw_executor_get_cancellable (SwExecutor  *self);

/* map(): every task is submitted at once; results come back in submission
 * order, the first failure ends the iteration with that task's error, and
 * @timeout_us (−1: none) counts from the call, as in concurrent.futures. */
typedef struct _SwMapIter SwMapIter;

SwMapIter *sw_executor_map           (SwExecutor       *self,
                                      const char       *task,
                                      GVariant * const *args,
                                      guint             n_args,
                                      gint64            timeout_us,
                                      GError          **error) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE with *value set; FALSE at the end (no error) or on failure (error set). */
gboolean   sw_map_iter_next          (SwMapIter        *iter,
                                      GVariant        **value,
                                      GError          **error);
void       sw_map_iter_free          (SwMapIter        *iter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwMapIter, sw_map_iter_free)

G_END_DECLS
