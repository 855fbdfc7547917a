/* sw-stream-server.h — SwStreamServer: a trace, live, to any number of viewers
 *
 * The engine's side of the stream; sw-stream.h says what goes over the
 * wire, who may connect and how a slow viewer never slows the engine.
 */
#pragma once

#include <gio/gio.h>

#include "sw-stream.h"
#include "sw-trace.h"

G_BEGIN_DECLS

#define SW_STREAM_DEFAULT_BACKLOG    2000000u          /* events */
#define SW_STREAM_DEFAULT_MAX_LAG    1000000u          /* events */
#define SW_STREAM_DEFAULT_SEND_BUFFER (4u * 1024u * 1024u)  /* bytes */

/* Called on the server's thread, one line without a newline: a viewer
 * came, was refused (and why) or left. */
typedef void (*SwStreamLogFunc) (const char *line,
                                 gpointer    user_data);

#define SW_TYPE_STREAM_SERVER (sw_stream_server_get_type ())
G_DECLARE_FINAL_TYPE (SwStreamServer, sw_stream_server, SW, STREAM_SERVER, GObject)

/* @token: (nullable): the shared token; NULL or "" lets in loopback only */
SwStreamServer *sw_stream_server_new              (SwTrace          *trace,
                                                   const char       *token) G_GNUC_WARN_UNUSED_RESULT;
/* Before listen: */
void            sw_stream_server_set_log_func     (SwStreamServer   *self,
                                                   SwStreamLogFunc   func,
                                                   gpointer          user_data);
void            sw_stream_server_set_backlog_limit (SwStreamServer  *self,
                                                   guint64           events);
void            sw_stream_server_set_max_lag      (SwStreamServer   *self,
                                                   guint64           events);
void            sw_stream_server_set_send_buffer  (SwStreamServer   *self,
                                                   gsize             bytes);
void            sw_stream_server_set_name         (SwStreamServer   *self,
                                                   const char       *name);

/* Binds HOST:PORT ("127.0.0.1:0", "0.0.0.0:7070", "[::1]:7070") and starts
 * the server's thread. */
gboolean        sw_stream_server_listen           (SwStreamServer   *self,
                                                   const char       *address,
                                                   GError          **error);
guint16         sw_stream_server_get_port         (SwStreamServer   *self);
/* Returns: (transfer full): HOST:PORT as bound */
char           *sw_stream_server_dup_address      (SwStreamServer   *self);
guint           sw_stream_server_get_n_viewers    (SwStreamServer   *self);
/* Viewers that passed the handshake, ever. */
guint           sw_stream_server_get_n_accepted   (SwStreamServer   *self);
/* Events dropped for slow viewers, all viewers together. */
guint64         sw_stream_server_get_dropped      (SwStreamServer   *self);
/* Blocks until a viewer passed the handshake; FALSE if cancelled. */
gboolean        sw_stream_server_wait_viewer      (SwStreamServer   *self,
                                                   GCancellable     *cancellable);
/* The engine is done: sends every viewer what is left, then ENDED, waiting
 * at most @timeout_ms for slow viewers, and stops.  Idempotent. */
void            sw_stream_server_finish           (SwStreamServer   *self,
                                                   guint             timeout_ms);

G_END_DECLS
