/* sw-trace-import.h — reading back the Chrome trace-event JSON we write */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

SwTrace  *sw_trace_load_chrome_json      (const char   *path,
                                          GError      **error) G_GNUC_WARN_UNUSED_RESULT;
SwTrace  *sw_trace_from_chrome_json      (const char   *data,
                                          gsize         length,
                                          GError      **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
