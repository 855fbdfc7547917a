/* sw-future-private.h — what executors use to drive a future */
#pragma once

#include "sw-future.h"

G_BEGIN_DECLS

SwFuture *_sw_future_new          (SwTrace    *trace,
                                   const char *label) G_GNUC_WARN_UNUSED_RESULT;
gboolean  _sw_future_set_running  (SwFuture   *self);
void      _sw_future_set_result   (SwFuture   *self,
                                   GVariant   *value);
void      _sw_future_set_error    (SwFuture   *self,
                                   GError     *error);
void      _sw_future_complete_recorded (SwFuture *self,
                                        GVariant *value,
                                        GError   *error);
guint64   _sw_future_get_label_id (SwFuture   *self);

G_END_DECLS
