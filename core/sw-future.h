/* sw-future.h — the result of a task that runs somewhere else
 *
 * States follow concurrent.futures: PENDING → RUNNING → FINISHED or FAILED,
 * or PENDING → CANCELLED.  Done-callbacks run exactly once, in the order
 * added, on the thread that completes the future — or at once in the caller
 * when the future is already done.
 */
#pragma once

#include <glib-object.h>

#include "sw-trace.h"

G_BEGIN_DECLS

typedef enum {
  SW_FUTURE_PENDING,
  SW_FUTURE_RUNNING,
  SW_FUTURE_FINISHED,
  SW_FUTURE_FAILED,
  SW_FUTURE_CANCELLED,
} SwFutureState;

#define SW_TYPE_FUTURE (sw_future_get_type ())
G_DECLARE_FINAL_TYPE (SwFuture, sw_future, SW, FUTURE, GObject)

typedef void (*SwFutureCallback) (SwFuture *future,
                                  gpointer  user_data);

/* A done-callback that can fail, the C form of a callback that raises:
 * returns FALSE with @error set.  The failure is recorded (CALLBACK_END
 * flagged FAILED, and a LOG line "done-callback of task N failed: …") and
 * otherwise ignored: the other callbacks and the pool go on. */
typedef gboolean (*SwFutureCallbackFull) (SwFuture  *future,
                                          gpointer   user_data,
                                          GError   **error);

guint64        sw_future_get_id             (SwFuture         *self);
const char    *sw_future_get_label          (SwFuture         *self);
SwFutureState  sw_future_get_state          (SwFuture         *self);
gboolean       sw_future_is_done            (SwFuture         *self);
GVariant      *sw_future_result             (SwFuture         *self,
                                             gint64            timeout_us,
                                             GError          **error);
gboolean       sw_future_cancel             (SwFuture         *self);
void           sw_future_add_done_callback  (SwFuture         *self,
                                             SwFutureCallback  callback,
                                             gpointer          user_data,
                                             GDestroyNotify    destroy);
void           sw_future_add_done_callback_full (SwFuture             *self,
                                                 SwFutureCallbackFull  callback,
                                                 gpointer              user_data,
                                                 GDestroyNotify        destroy);

const char    *sw_future_state_to_string    (SwFutureState     state);

/* exception(): TRUE once done, with *task_error the task's error (a copy)
 * or NULL if it succeeded; FALSE with @error on timeout or cancellation. */
gboolean       sw_future_exception          (SwFuture         *self,
                                             gint64            timeout_us,
                                             GError          **task_error,
                                             GError          **error);

typedef enum {
  SW_WAIT_FIRST_COMPLETED,
  SW_WAIT_FIRST_EXCEPTION,
  SW_WAIT_ALL_COMPLETED,
} SwWaitMode;

/* wait(): blocks until @mode is met or @timeout_us (−1: none) runs out;
 * always fills (done, not_done) — new arrays holding new references.
 * Returns FALSE if it timed out before @mode was met. */
gboolean       sw_futures_wait              (SwFuture * const *futures,
                                             guint             n_futures,
                                             SwWaitMode        mode,
                                             gint64            timeout_us,
                                             GPtrArray       **done,
                                             GPtrArray       **not_done);

/* as_completed(): each distinct future once, in the order they finish;
 * the timeout counts from sw_as_completed_new.  next() returns NULL at the
 * end, or NULL with SW_ERROR_TIMED_OUT. */
typedef struct _SwAsCompleted SwAsCompleted;

SwAsCompleted *sw_as_completed_new          (SwFuture * const *futures,
                                             guint             n_futures,
                                             gint64            timeout_us) G_GNUC_WARN_UNUSED_RESULT;
SwFuture      *sw_as_completed_next         (SwAsCompleted    *iter,
                                             GError          **error);
void           sw_as_completed_free         (SwAsCompleted    *iter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwAsCompleted, sw_as_completed_free)

G_END_DECLS
