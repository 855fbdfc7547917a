/* sw-co-io.h — socket I/O that switches coroutines instead of blocking
 *
 * Each call is tried at once on the non-blocking GSocket; when it would
 * block, the calling coroutine waits (recorded with the reason RECV, SEND,
 * ACCEPT or CONNECT) and the thread runs other coroutines.  Outside a
 * coroutine the thread waits the ordinary way (its main loop runs).
 * Timeouts in µs, −1 for none.  Every call records its bytes on the
 * current lane (SW_EVENT_BYTES_IN / _OUT, object: the connection id set
 * with sw_co_socket_set_id, 0 if none).
 */
#pragma once

#include <gio/gio.h>

#include "sw-coro.h"

G_BEGIN_DECLS

/* recv: bytes read (> 0), 0 at EOF, −1 with @error (G_IO_ERROR_CONNECTION_CLOSED
 * for a reset, G_IO_ERROR_TIMED_OUT, G_IO_ERROR_CANCELLED…). */
gssize      sw_co_recv          (GSocket      *socket,
                                 void         *buffer,
                                 gsize         size,
                                 gint64        timeout_us,
                                 GError      **error);
/* send: some bytes (> 0) or −1 with @error. */
gssize      sw_co_send          (GSocket      *socket,
                                 const void   *buffer,
                                 gsize         size,
                                 gint64        timeout_us,
                                 GError      **error);
/* send_all: every byte, across partial writes; FALSE with @error. */
gboolean    sw_co_send_all      (GSocket      *socket,
                                 const void   *buffer,
                                 gsize         size,
                                 gint64        timeout_us,
                                 GError      **error);
GSocket    *sw_co_accept        (GSocket      *listener,
                                 gint64        timeout_us,
                                 GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* connect: a new non-blocking TCP socket connected to @address. */
GSocket    *sw_co_connect       (GSocketAddress *address,
                                 gint64        timeout_us,
                                 GError      **error) G_GNUC_WARN_UNUSED_RESULT;
void        sw_co_socket_set_id (GSocket      *socket,
                                 guint64       connection_id);

G_END_DECLS
