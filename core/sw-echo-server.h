/* sw-echo-server.h — the single-thread coroutine echo server (lesson 5)
 *
 * One thread serves every client: an accept-loop coroutine and one
 * coroutine per connection ("conn N", its lane), all on the scheduler of
 * the thread that created the server, over non-blocking sockets through
 * sw-co-io.  Each reply is the bytes received with ASCII letters
 * upper-cased and every other byte (NUL, UTF-8, binary) unchanged.  EOF,
 * a reset or a half-close end one connection and nothing else.
 *
 * The creating thread must keep iterating its thread-default GMainContext
 * (sw_echo_server_serve, sw_co_join, g_main_loop_run…) for the server to
 * run.  Every call below is for that thread only, except the getters
 * (atomic reads) and unref once the server is stopped.
 *
 * Recording (when there is a trace): CONN_OPEN / CONN_CLOSE on the
 * connection's lane (object: connection id, 1, 2, …); BYTES_IN / BYTES_OUT
 * through sw-co-io; COUNTER events (object: the interned name) on the
 * accept loop's lane: "connections" (open connections, each time it
 * changes), and once a second from a timer coroutine "messages/s" and
 * "switches/s" (this thread's coroutine switches).  A LOG line when accept
 * runs out of file descriptors and one when it recovers.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

/* The listen backlog: large, so that thousands of simultaneous connects
 * are not refused or retried for seconds (GSocketListener uses 10). */
#define SW_ECHO_SERVER_BACKLOG 4096

#define SW_TYPE_ECHO_SERVER (sw_echo_server_get_type ())
G_DECLARE_FINAL_TYPE (SwEchoServer, sw_echo_server, SW, ECHO_SERVER, GObject)

/* Binds @host:@port (port 0: a free one) and listens at once, then starts
 * the accept loop on this thread's scheduler.  @trace: where the server
 * and its coroutines record (set as this thread's coroutine trace with
 * sw_co_set_trace); NULL: the thread's coroutine trace, if any.  Fails
 * with G_IO_ERROR_ADDRESS_IN_USE, G_IO_ERROR_INVALID_ARGUMENT (host not
 * an IP address or resolvable name)… and a message naming host:port. */
SwEchoServer *sw_echo_server_new              (SwTrace       *trace,
                                               const char    *host,
                                               guint16        port,
                                               GError       **error) G_GNUC_WARN_UNUSED_RESULT;

/* The address actually bound (the port picked when 0 was asked). */
const char   *sw_echo_server_get_host         (SwEchoServer  *self);
guint16       sw_echo_server_get_port         (SwEchoServer  *self);

/* Runs this thread's main context until @cancellable is cancelled (from
 * any thread or a signal handler) or @duration_us has passed (−1: no
 * limit), then stops the server.  TRUE when it ended for one of these
 * reasons.  For the CLI and scenarios: the server's thread calls it. */
gboolean      sw_echo_server_serve            (SwEchoServer  *self,
                                               GCancellable  *cancellable,
                                               gint64         duration_us,
                                               GError       **error);

/* Closes the listener, cancels every connection coroutine and returns when
 * all of the server's coroutines have ended (running the main context
 * meanwhile, bounded).  Idempotent; also done on dispose (which must then
 * run on the server's thread). */
void          sw_echo_server_stop             (SwEchoServer  *self);
gboolean      sw_echo_server_is_stopped       (SwEchoServer  *self);

/* Counters (any thread; atomic reads). */
guint         sw_echo_server_get_n_open       (SwEchoServer  *self);
guint64       sw_echo_server_get_n_accepted   (SwEchoServer  *self);
/* Messages: receives that got data (each answered with one echo). */
guint64       sw_echo_server_get_n_messages   (SwEchoServer  *self);
guint64       sw_echo_server_get_n_bytes      (SwEchoServer  *self);
/* Connections that ended with an error (a reset…), not at EOF. */
guint64       sw_echo_server_get_n_errors     (SwEchoServer  *self);

G_END_DECLS
