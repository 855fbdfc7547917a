/* sw-process-pool.h — ProcessPoolExecutor with real, reused worker processes
 *
 * Workers are started from the switchyard-worker executable (never a bare
 * fork of a multi-threaded process), talk to the parent over a socketpair
 * in length-prefixed GVariant messages, record their own events and ship
 * them to the parent, and die with it.  Done-callbacks run in the parent,
 * on the pool's manager thread, which receives the results.
 */
#pragma once

#include <gio/gio.h>

#include "sw-executor.h"
#include "sw-future.h"
#include "sw-trace.h"

G_BEGIN_DECLS

#define SW_TYPE_PROCESS_POOL (sw_process_pool_get_type ())
G_DECLARE_FINAL_TYPE (SwProcessPool, sw_process_pool, SW, PROCESS_POOL, GObject)

SwProcessPool *sw_process_pool_new             (SwTrace        *trace,
                                                guint           max_workers,
                                                GError        **error) G_GNUC_WARN_UNUSED_RESULT;
SwFuture      *sw_process_pool_submit          (SwProcessPool  *self,
                                                const char     *label,
                                                const char     *task,
                                                GVariant       *args,
                                                GError        **error) G_GNUC_WARN_UNUSED_RESULT;
void           sw_process_pool_shutdown        (SwProcessPool  *self,
                                                gboolean        wait,
                                                gboolean        cancel_futures);
gboolean       sw_process_pool_is_broken       (SwProcessPool  *self);
GArray        *sw_process_pool_dup_worker_pids (SwProcessPool  *self);
guint          sw_process_pool_get_max_workers (SwProcessPool  *self);

/* Where the worker executable is: $SW_WORKER, else beside the running
 * program, else the installed libexec path. */
char          *sw_process_pool_find_worker     (GError        **error);

G_END_DECLS
