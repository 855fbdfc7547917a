/* sw-stream-private.h — the stream's wire, for its server and its client
 *
 * The frame types and limits, the wire's integers (inline, for the
 * client's per-event loop), and the encoders, decoders and frame reader of
 * sw-stream.c that sw-stream-server.c and sw-stream-client.c share.  Not
 * installed, not in switchyard.h.
 */
#pragma once

#include <string.h>
#include <sys/socket.h>

#include "sw-stream.h"

G_BEGIN_DECLS

#define MAGIC              "SWYS"
#define PREAMBLE_SIZE      8u
#define HEADER_SIZE        8u
#define MAX_NAME_ON_WIRE   1024u
#define MAX_STRING_ON_WIRE (64u * 1024u)
#define HANDSHAKE_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)
#define READ_CHUNK         (256u * 1024u)

enum {
  FRAME_HELLO = 1,
  FRAME_WELCOME,
  FRAME_REFUSED,
  FRAME_LANES,
  FRAME_STRINGS,
  FRAME_EVENTS,
  FRAME_STATS,
  FRAME_ENDED,
};

/* A frame's payload being decoded: ok turns FALSE at the first short or
 * invalid read. */
typedef struct
{
  const guint8 *p;
  gsize         left;
  gboolean      ok;
} Parse;

/* An input buffer of frames: the preamble, then header + payload frames. */
typedef struct
{
  guint8  *data;
  gsize    len;         /* bytes held */
  gsize    pos;         /* bytes consumed */
  gsize    cap;
  guint32  max_payload;
  gboolean preamble_done;
} InBuf;

typedef enum {
  IN_FRAME,
  IN_NEED_MORE,
  IN_BAD_MAGIC,
  IN_BAD_VERSION,
  IN_TOO_BIG,
} InResult;

/* The wire's integers, inline: the client decodes every event with five
 * of these calls, which must not cost a call each. */

static inline void
_sw_stream_put_u32 (GByteArray *out,
                    guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &v, 4);
}

static inline void
_sw_stream_put_u64 (GByteArray *out,
                    guint64     v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &v, 8);
}

static inline guint32
_sw_stream_get_u32 (Parse *in)
{
  guint32 v;

  if (in->left < 4)
    {
      in->ok = FALSE;
      return 0;
    }
  memcpy (&v, in->p, 4);
  in->p += 4;
  in->left -= 4;
  return GUINT32_FROM_LE (v);
}

static inline guint64
_sw_stream_get_u64 (Parse *in)
{
  guint64 v;

  if (in->left < 8)
    {
      in->ok = FALSE;
      return 0;
    }
  memcpy (&v, in->p, 8);
  in->p += 8;
  in->left -= 8;
  return GUINT64_FROM_LE (v);
}

const char *_sw_stream_frame_name      (guint32                type);

/* encoding */
void        _sw_stream_put_preamble    (GByteArray            *out,
                                        guint32                version);
gsize       _sw_stream_frame_begin     (GByteArray            *out,
                                        guint32                type);
void        _sw_stream_frame_end       (GByteArray            *out,
                                        gsize                  start);
void        _sw_stream_put_string      (GByteArray            *out,
                                        const char            *str,
                                        gsize                  max);
void        _sw_stream_put_events      (GByteArray            *out,
                                        const SwEvent         *events,
                                        gsize                  n);

/* decoding */
char       *_sw_stream_get_string      (Parse                 *in,
                                        gsize                  max);

void        _sw_stream_in_buf_init     (InBuf                 *in,
                                        guint32                max_payload);
void        _sw_stream_in_buf_clear    (InBuf                 *in);
gssize      _sw_stream_in_buf_read     (InBuf                 *in,
                                        int                    fd);
InResult    _sw_stream_in_buf_next     (InBuf                 *in,
                                        guint32               *version,
                                        guint32               *type,
                                        const guint8         **payload,
                                        guint32               *length);

/* addresses and tokens */
char       *_sw_stream_format_sockaddr (const struct sockaddr *sa,
                                        socklen_t              len,
                                        gboolean              *loopback);
gboolean    _sw_stream_token_equal     (const char            *a,
                                        const char            *b);

G_END_DECLS
