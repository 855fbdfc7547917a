/* sw-net-private.h — what the engine's servers and clients share about addresses */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GInetAddress *_sw_net_resolve (const char  *host,
                               GError     **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
