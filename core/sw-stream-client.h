/* sw-stream-client.h — SwStreamClient: one viewer of a stream server
 *
 * The viewer's side of the stream; sw-stream.h says what goes over the
 * wire.
 */
#pragma once

#include <gio/gio.h>

#include "sw-stream.h"
#include "sw-trace.h"

G_BEGIN_DECLS

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

G_END_DECLS
