/* sw-thread-pool.h — ThreadPoolExecutor on GThreadPool; an SwExecutor */
#pragma once

#include <gio/gio.h>

#include "sw-executor.h"
#include "sw-future.h"
#include "sw-trace.h"

G_BEGIN_DECLS

/* A task body.  Runs on a worker thread; returns a new (or floating)
 * GVariant, or NULL with @error set.  @cancellable is cancelled when the
 * pool is shut down with cancel_futures. */
typedef GVariant *(*SwTaskFunc) (gpointer       user_data,
                                 GCancellable  *cancellable,
                                 GError       **error);

#define SW_TYPE_THREAD_POOL (sw_thread_pool_get_type ())
G_DECLARE_FINAL_TYPE (SwThreadPool, sw_thread_pool, SW, THREAD_POOL, GObject)

SwThreadPool *sw_thread_pool_new          (SwTrace        *trace,
                                           guint           max_workers,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;
SwFuture     *sw_thread_pool_submit       (SwThreadPool   *self,
                                           const char     *label,
                                           SwTaskFunc      func,
                                           gpointer        user_data,
                                           GDestroyNotify  destroy,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;
void          sw_thread_pool_shutdown     (SwThreadPool   *self,
                                           gboolean        wait,
                                           gboolean        cancel_futures);
guint         sw_thread_pool_get_max_workers (SwThreadPool *self);

G_END_DECLS
