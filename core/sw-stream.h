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
 *
 * Where things are: this header holds what both sides share (the
 * protocol's version and limits, SwStreamState, sw_stream_parse_address);
 * SwStreamServer is in sw-stream-server.{c,h}, SwStreamClient in
 * sw-stream-client.{c,h}; the wire itself (frames, encoders, decoders,
 * the frame reader) is in sw-stream.c, declared for the two sides in
 * sw-stream-private.h.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

#define SW_STREAM_PROTOCOL_VERSION   1u
#define SW_STREAM_MAX_FRAME          (1024u * 1024u)   /* payload bytes */
#define SW_STREAM_MAX_TOKEN          256u
#define SW_STREAM_TOKEN_ENV          "SWITCHYARD_TOKEN"

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

/* Splits "HOST:PORT" or "[V6]:PORT"; one-line errors for bad input. */
gboolean sw_stream_parse_address (const char  *address,
                                  char       **host,
                                  guint16     *port,
                                  GError     **error);

G_END_DECLS
