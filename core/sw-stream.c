/* sw-stream.c — the stream's wire, shared by its server and its client
 *
 * Frame names, the encoders and decoders of the wire's strings and events
 * (its integers are inline in sw-stream-private.h), the frame reader
 * (InBuf), addresses and tokens, and the SwStreamState type.  The server
 * (sw-stream-server.c) and the client (sw-stream-client.c) speak the
 * protocol only through these, declared in sw-stream-private.h.
 *
 * Frame reading never trusts a length: the header is checked against the
 * limit before the buffer grows, and the buffer never grows past one
 * preamble + one header + SW_STREAM_MAX_FRAME.
 */
#include "config.h"

#include "sw-stream-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sw-error.h"

const char *
_sw_stream_frame_name (guint32 type)
{
  switch (type)
    {
    case FRAME_HELLO:   return "hello";
    case FRAME_WELCOME: return "welcome";
    case FRAME_REFUSED: return "refused";
    case FRAME_LANES:   return "lanes";
    case FRAME_STRINGS: return "strings";
    case FRAME_EVENTS:  return "events";
    case FRAME_STATS:   return "stats";
    case FRAME_ENDED:   return "ended";
    default:            return "unknown";
    }
}

/* ---- encoding --------------------------------------------------------- */

void
_sw_stream_put_preamble (GByteArray *out,
                         guint32     version)
{
  g_byte_array_append (out, (const guint8 *) MAGIC, 4);
  _sw_stream_put_u32 (out, version);
}

/* Returns where the frame starts, for _sw_stream_frame_end to fill its
 * length. */
gsize
_sw_stream_frame_begin (GByteArray *out,
                        guint32     type)
{
  gsize start = out->len;

  _sw_stream_put_u32 (out, 0);
  _sw_stream_put_u32 (out, type);
  return start;
}

void
_sw_stream_frame_end (GByteArray *out,
                      gsize       start)
{
  guint32 len = GUINT32_TO_LE ((guint32) (out->len - start - HEADER_SIZE));

  g_assert (out->len - start - HEADER_SIZE <= SW_STREAM_MAX_FRAME);
  memcpy (out->data + start, &len, 4);
}

/* A string cut to at most @max bytes without splitting a character. */
void
_sw_stream_put_string (GByteArray *out,
                       const char *str,
                       gsize       max)
{
  g_autofree char *valid = NULL;
  gsize len = strlen (str);

  /* Log lines are whatever C printed; the viewer insists on UTF-8. */
  if (!g_utf8_validate (str, (gssize) len, NULL))
    {
      valid = g_utf8_make_valid (str, (gssize) len);
      str = valid;
      len = strlen (str);
    }

  if (len > max)
    {
      const char *end = g_utf8_find_prev_char (str, str + max + 1);
      len = end ? (gsize) (end - str) : 0;
    }
  _sw_stream_put_u32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) str, (guint) len);
}

void
_sw_stream_put_events (GByteArray    *out,
                       const SwEvent *events,
                       gsize          n)
{
  gsize start = _sw_stream_frame_begin (out, FRAME_EVENTS);

  _sw_stream_put_u32 (out, (guint32) n);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  g_byte_array_append (out, (const guint8 *) events, (guint) (n * sizeof (SwEvent)));
#else
  for (gsize i = 0; i < n; i++)
    {
      _sw_stream_put_u64 (out, events[i].time);
      _sw_stream_put_u32 (out, events[i].lane);
      _sw_stream_put_u32 (out, (guint32) events[i].kind | ((guint32) events[i].flags << 16));
      _sw_stream_put_u64 (out, events[i].object);
      _sw_stream_put_u64 (out, events[i].arg);
    }
#endif
  _sw_stream_frame_end (out, start);
}

/* ---- decoding --------------------------------------------------------- */

/* Returns: (transfer full) (nullable): a valid UTF-8 string, or NULL */
char *
_sw_stream_get_string (Parse *in,
                       gsize  max)
{
  guint32 len = _sw_stream_get_u32 (in);
  char *str;

  if (!in->ok || len > max || len > in->left)
    {
      in->ok = FALSE;
      return NULL;
    }
  if (!g_utf8_validate ((const char *) in->p, len, NULL))
    {
      in->ok = FALSE;
      return NULL;
    }
  str = g_strndup ((const char *) in->p, len);
  in->p += len;
  in->left -= len;
  return str;
}

void
_sw_stream_in_buf_init (InBuf   *in,
                        guint32  max_payload)
{
  memset (in, 0, sizeof *in);
  in->max_payload = max_payload;
}

void
_sw_stream_in_buf_clear (InBuf *in)
{
  g_clear_pointer (&in->data, g_free);
  in->len = in->pos = in->cap = 0;
  in->preamble_done = FALSE;
}

/* Reads what the socket has, at most READ_CHUNK.  The buffer grows only
 * up to what one allowed frame needs. */
gssize
_sw_stream_in_buf_read (InBuf *in,
                        int    fd)
{
  gsize limit = PREAMBLE_SIZE + HEADER_SIZE + in->max_payload;
  gssize n;

  if (in->pos > 0 && (in->pos == in->len || in->cap - in->len < READ_CHUNK))
    {
      memmove (in->data, in->data + in->pos, in->len - in->pos);
      in->len -= in->pos;
      in->pos = 0;
    }
  if (in->cap - in->len < READ_CHUNK && in->cap < limit)
    {
      in->cap = MIN (limit, MAX (in->cap * 2, in->len + READ_CHUNK));
      in->data = g_realloc (in->data, in->cap);
    }
  if (in->cap == in->len)
    {
      /* Cannot happen: a full buffer always holds a whole frame. */
      errno = ENOBUFS;
      return -1;
    }

  do
    n = recv (fd, in->data + in->len, MIN (READ_CHUNK, in->cap - in->len), MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n > 0)
    in->len += (gsize) n;
  return n;
}

InResult
_sw_stream_in_buf_next (InBuf          *in,
                        guint32        *version,
                        guint32        *type,
                        const guint8  **payload,
                        guint32        *length)
{
  guint32 len, ty;

  if (!in->preamble_done)
    {
      if (in->len - in->pos < PREAMBLE_SIZE)
        return IN_NEED_MORE;
      if (memcmp (in->data + in->pos, MAGIC, 4) != 0)
        return IN_BAD_MAGIC;
      memcpy (&len, in->data + in->pos + 4, 4);
      *version = GUINT32_FROM_LE (len);
      in->pos += PREAMBLE_SIZE;
      in->preamble_done = TRUE;
      if (*version != SW_STREAM_PROTOCOL_VERSION)
        return IN_BAD_VERSION;
    }

  if (in->len - in->pos < HEADER_SIZE)
    return IN_NEED_MORE;
  memcpy (&len, in->data + in->pos, 4);
  memcpy (&ty, in->data + in->pos + 4, 4);
  len = GUINT32_FROM_LE (len);
  *type = GUINT32_FROM_LE (ty);
  *length = len;
  if (len > in->max_payload)
    return IN_TOO_BIG;
  if (in->len - in->pos < HEADER_SIZE + (gsize) len)
    return IN_NEED_MORE;
  *payload = in->data + in->pos + HEADER_SIZE;
  in->pos += HEADER_SIZE + len;
  return IN_FRAME;
}

/* ---- addresses -------------------------------------------------------- */

gboolean
sw_stream_parse_address (const char  *address,
                         char       **host,
                         guint16     *port,
                         GError     **error)
{
  const char *colon;
  g_autofree char *h = NULL;
  char *end = NULL;
  guint64 p;

  g_return_val_if_fail (address != NULL, FALSE);

  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      h = g_strndup (address + 1, close - address - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (address, ':');
      if (colon == NULL || memchr (address, ':', colon - address) != NULL)
        goto bad;
      h = g_strndup (address, colon - address);
    }
  if (*h == '\0' || colon[1] == '\0')
    goto bad;
  errno = 0;
  p = g_ascii_strtoull (colon + 1, &end, 10);
  if (errno != 0 || *end != '\0' || p > 65535)
    goto bad;

  if (host)
    *host = g_steal_pointer (&h);
  if (port)
    *port = (guint16) p;
  return TRUE;

bad:
  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
               "'%s' is not HOST:PORT (e.g. 127.0.0.1:7070, or [::1]:7070)", address);
  return FALSE;
}

char *
_sw_stream_format_sockaddr (const struct sockaddr *sa,
                            socklen_t              len,
                            gboolean              *loopback)
{
  g_autoptr(GSocketAddress) address = g_socket_address_new_from_native ((gpointer) sa, len);
  GInetAddress *inet;
  g_autofree char *ip = NULL;
  guint16 port;

  if (loopback)
    *loopback = FALSE;
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  ip = g_inet_address_to_string (inet);
  if (loopback)
    {
      *loopback = g_inet_address_get_is_loopback (inet);
      /* ::ffff:127.0.0.1, an IPv4 loopback peer on a dual-stack socket */
      if (!*loopback && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
        {
          const guint8 *b = g_inet_address_to_bytes (inet);
          static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

          *loopback = memcmp (b, mapped, 12) == 0 && b[12] == 127;
        }
    }
  return g_strdup_printf (strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
}

gboolean
_sw_stream_token_equal (const char *a,
                        const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  /* Not leaking how much of the token matched. */
  for (gsize i = 0; i < MAX (la, lb); i++)
    diff |= (guint8) (i < la ? a[i] : 0) ^ (guint8) (i < lb ? b[i] : 0);
  return diff == 0;
}

/* ---- state ------------------------------------------------------------ */

const char *
sw_stream_state_to_string (SwStreamState state)
{
  switch (state)
    {
    case SW_STREAM_STATE_DISCONNECTED: return "disconnected";
    case SW_STREAM_STATE_CONNECTING:   return "connecting";
    case SW_STREAM_STATE_LIVE:         return "live";
    case SW_STREAM_STATE_ENDED:        return "ended";
    case SW_STREAM_STATE_RECONNECTING: return "reconnecting";
    default:                           return "unknown";
    }
}

GType
sw_stream_state_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { SW_STREAM_STATE_DISCONNECTED, "SW_STREAM_STATE_DISCONNECTED", "disconnected" },
        { SW_STREAM_STATE_CONNECTING, "SW_STREAM_STATE_CONNECTING", "connecting" },
        { SW_STREAM_STATE_LIVE, "SW_STREAM_STATE_LIVE", "live" },
        { SW_STREAM_STATE_ENDED, "SW_STREAM_STATE_ENDED", "ended" },
        { SW_STREAM_STATE_RECONNECTING, "SW_STREAM_STATE_RECONNECTING", "reconnecting" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("SwStreamState", values));
    }
  return type;
}
