/* sw-trace-export.h — Chrome trace-event JSON (opens in Perfetto UI) */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

GBytes   *sw_trace_to_chrome_json       (SwTrace     *trace);
gboolean  sw_trace_save_chrome_json     (SwTrace     *trace,
                                         const char  *path,
                                         GError     **error);

G_END_DECLS
