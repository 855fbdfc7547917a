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

const char    *sw_future_state_to_string    (SwFutureState     state);

G_END_DECLS
