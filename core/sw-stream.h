/* sw-stream.h — a trace, live, over TCP: the engine here, the timeline there
 *
 * SwStreamServer serves one SwTrace to any number of viewers; SwStreamClient
 * is one viewer, rebuilding what it receives into a local SwTrace that a
 * timeline model drains exactly as it would a local one.
 *
 * The wire (protocol version SW_STREAM_PROTOCOL_VERSION, all integers
 * little-endian): each side first sends an 8-byte preamble, "SWYS" and a
 * u32 version; then frames, each a u32 payload length, a u32 type and the
 * payload.  A payload over SW_STREAM_MAX_FRAME bytes is refused, never
 * allocated.  The viewer's first frame is HELLO (the token); the engine
 * answers WELCOME or REFUSED (a reason, in words), then sends LANES,
 * STRINGS and EVENTS (32 bytes an event, times in CLOCK_MONOTONIC ns of the
 * engine's machine), STATS four times a second and ENDED when the engine is
 * done.  Console lines are the trace's SW_EVENT_LOG events, like locally.
 *
 * Access: with a token (--token or SWITCHYARD_TOKEN) every viewer must
 * present it; without one only loopback viewers are let in.
 *
 * Never slowing the engine: the server runs on its own thread and reads the
 * trace through a cursor per viewer, so recording threads never wait for
 * it.  A viewer's socket is non-blocking and its send buffer bounded
 * (4 MiB by default); what does not fit yet stays in the trace, which holds
 * it anyway.  A viewer that falls more than max-lag events behind (1,000,000
 * by default) skips ahead: the skipped events are dropped for that viewer
 * alone, counted, and the count sent to it.  A viewer that joins late first
 * gets the newest backlog-limit events recorded so far (2,000,000 by
 * default; older ones are counted as skipped), then the live stream.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

#define SW_STREAM_PROTOCOL_VERSION   1u
#define SW_STREAM_MAX_FRAME          (1024u * 1024u)   /* payload bytes */
#define SW_STREAM_MAX_TOKEN          256u
#define SW_STREAM_DEFAULT_BACKLOG    2000000u          /* events */
#define SW_STREAM_DEFAULT_MAX_LAG    1000000u          /* events */
#define SW_STREAM_DEFAULT_SEND_BUFFER (4u * 1024u * 1024u)  /* bytes */
#define SW_STREAM_TOKEN_ENV          "SWITCHYARD_TOKEN"

/* ---- server ----------------------------------------------------------- */

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

/* ---- client ----------------------------------------------------------- */

typedef enum {
  SW_STREAM_STATE_DISCONNECTED,  /* not connected (see last-error) */
  SW_STREAM_STATE_CONNECTING,    /* connecting, or waiting for the handshake */
  SW_STREAM_STATE_LIVE,          /* receiving */
  SW_STREAM_STATE_ENDED,         /* the engine sent ENDED: the trace is complete */
  SW_STREAM_STATE_RECONNECTING,  /* the link dropped; retrying (sw_stream_client_start) */
} SwStreamState;

const char *sw_stream_state_to_string (SwStreamState state);

#define SW_TYPE_STREAM_STATE (sw_stream_state_get_type ())
GType sw_stream_state_get_type (void) G_GNUC_CONST;

/* SwStreamClient — one viewer.
 *
 * Everything happens on the thread-default GMainContext of the thread that
 * called connect_async/start (the GUI's main thread): frames are read
 * there, non-blocking, and imported into the client's trace; properties
 * notify there.
 *
 * Properties (read-only unless noted; all notify except "received"):
 *   address (construct): "HOST:PORT"      token (construct): nullable
 *   trace-capacity (construct): events the local trace holds (0: default)
 *   state: SwStreamState
 *   trace: SwTrace, a NEW one for each connection (set when the handshake
 *     succeeds); build a timeline model on it when it changes.  Event
 *     times are mapped onto this machine's CLOCK_MONOTONIC (offset taken at
 *     the handshake), so "now" on the timeline is now.  Its lane 1 is this
 *     viewer's own (empty) process lane; the engine's lanes follow with the
 *     same kinds, names, pids, tids and parents.
 *   remote-origin-ns: when the engine's trace began, on this machine's
 *     clock: use it, not the local trace's origin, as the timeline's zero
 *   remote-name: the engine's program name and pid, for a title
 *   dropped: events the engine dropped for this viewer (it was too slow)
 *   skipped: old events left out of the backlog (backlog-limit)
 *   engine-recorded, engine-dropped: the engine's own counters (STATS)
 *   received: events received on this connection (a getter; no notify)
 *   last-error: why the last connection failed or ended, or NULL
 *
 * A viewer window, in short:
 *
 *   client = sw_stream_client_new ("192.168.122.10:7070", NULL);
 *   g_signal_connect_object (client, "notify::trace", G_CALLBACK (trace_cb), self, 0);
 *   g_signal_connect_object (client, "notify::state", G_CALLBACK (state_cb), self, 0);
 *   sw_stream_client_start (client);    // connect, and reconnect when the link drops
 *
 *   trace_cb: model = sw_timeline_model_new (sw_stream_client_get_trace (client)), running
 *   state_cb: LIVE → "live"; RECONNECTING → "reconnecting…" (+ last-error); ENDED → "ended"
 *     (model not running any more); DISCONNECTED → last-error (refused: do not retry)
 *   each frame: drops = sw_stream_client_get_dropped (client), shown when not 0
 */
#define SW_TYPE_STREAM_CLIENT (sw_stream_client_get_type ())
G_DECLARE_FINAL_TYPE (SwStreamClient, sw_stream_client, SW, STREAM_CLIENT, GObject)

/* @token: (nullable): NULL reads SWITCHYARD_TOKEN from the environment */
SwStreamClient *sw_stream_client_new                 (const char          *address,
                                                      const char          *token) G_GNUC_WARN_UNUSED_RESULT;

/* One attempt: completes once the engine answered (state LIVE) or with
 * the reason it did not: SW_ERROR_INVALID_ARGUMENT when refused or not
 * speaking this protocol (wrong token, wrong version, garbage, oversized
 * frame), SW_ERROR_IO / SW_ERROR_TIMED_OUT when the network failed. */
void            sw_stream_client_connect_async       (SwStreamClient      *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean        sw_stream_client_connect_finish      (SwStreamClient      *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
/* Connects and keeps reconnecting when the link drops (backoff 0.25 s
 * doubling to 5 s) until stopped, refused, or the engine ended. */
void            sw_stream_client_start               (SwStreamClient      *self);
/* Closes the link and stops reconnecting; the trace stays. */
void            sw_stream_client_stop                (SwStreamClient      *self);

SwStreamState   sw_stream_client_get_state           (SwStreamClient      *self);
/* Returns: (transfer none) (nullable): the current connection's trace */
SwTrace        *sw_stream_client_get_trace           (SwStreamClient      *self);
const char     *sw_stream_client_get_address         (SwStreamClient      *self);
const char     *sw_stream_client_get_last_error      (SwStreamClient      *self);
const char     *sw_stream_client_get_remote_name     (SwStreamClient      *self);
gint64          sw_stream_client_get_remote_origin_ns (SwStreamClient     *self);
guint64         sw_stream_client_get_received        (SwStreamClient      *self);
guint64         sw_stream_client_get_dropped         (SwStreamClient      *self);
guint64         sw_stream_client_get_skipped         (SwStreamClient      *self);
guint64         sw_stream_client_get_engine_recorded (SwStreamClient      *self);
guint64         sw_stream_client_get_engine_dropped  (SwStreamClient      *self);

/* Splits "HOST:PORT" or "[V6]:PORT"; one-line errors for bad input. */
gboolean        sw_stream_parse_address              (const char          *address,
                                                      char               **host,
                                                      guint16             *port,
                                                      GError             **error);

G_END_DECLS
