/* sw-co-io-private.h — coroutine socket I/O for the engine's own servers */
#pragma once

#include "sw-co-io.h"

G_BEGIN_DECLS

/* Sends what the socket takes now, never waiting and so never switching:
 * bytes sent (0 when the send buffer is full) or −1 with @error.  Records
 * BYTES_OUT like sw_co_send.  For a buffer shared by coroutines, which
 * stays valid only until the caller next switches. */
gssize      _sw_co_send_nowait  (GSocket      *socket,
                                 const void   *buffer,
                                 gsize         size,
                                 GError      **error);

G_END_DECLS
