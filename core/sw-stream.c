/* sw-stream.c — a trace, live, over TCP
 *
 * The server is one thread of its own around poll(): the listening socket,
 * a wake pipe and every viewer's non-blocking socket.  Each viewer has its
 * own SwTraceCursor, so a viewer that lags only keeps its place in the
 * trace; the recording threads never see the server.  The client reads on
 * its caller's GMainContext and imports frames into a trace of its own
 * with an SwTraceImporter, like the process pool imports its workers.
 *
 * Frame reading never trusts a length: the header is checked against the
 * limit before the buffer grows, and the buffer never grows past one
 * preamble + one header + SW_STREAM_MAX_FRAME.
 */
#include "config.h"

#include "sw-stream.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#include "sw-clock.h"
#include "sw-error.h"

#define MAGIC              "SWYS"
#define PREAMBLE_SIZE      8u
#define HEADER_SIZE        8u
#define MAX_HELLO          4096u
#define MAX_VIEWERS        32u
#define BATCH_EVENTS       16384u                 /* 512 KiB of events a frame */
#define MAX_NAME_ON_WIRE   1024u
#define MAX_STRING_ON_WIRE (64u * 1024u)
#define META_FRAME_TARGET  (SW_STREAM_MAX_FRAME / 2)
#define STATS_INTERVAL_US  (250 * G_TIME_SPAN_MILLISECOND)
#define HANDSHAKE_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)
#define LINGER_US          G_TIME_SPAN_SECOND
#define IDLE_TIMEOUT_US    (10 * G_TIME_SPAN_SECOND)
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

static const char *
frame_name (guint32 type)
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

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &v, 4);
}

static void
put_u64 (GByteArray *out,
         guint64     v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &v, 8);
}

static void
put_preamble (GByteArray *out,
              guint32     version)
{
  g_byte_array_append (out, (const guint8 *) MAGIC, 4);
  put_u32 (out, version);
}

/* Returns where the frame starts, for frame_end to fill its length. */
static gsize
frame_begin (GByteArray *out,
             guint32     type)
{
  gsize start = out->len;

  put_u32 (out, 0);
  put_u32 (out, type);
  return start;
}

static void
frame_end (GByteArray *out,
           gsize       start)
{
  guint32 len = GUINT32_TO_LE ((guint32) (out->len - start - HEADER_SIZE));

  g_assert (out->len - start - HEADER_SIZE <= SW_STREAM_MAX_FRAME);
  memcpy (out->data + start, &len, 4);
}

/* A string cut to at most @max bytes without splitting a character. */
static void
put_string (GByteArray *out,
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
  put_u32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) str, (guint) len);
}

static void
put_events (GByteArray    *out,
            const SwEvent *events,
            gsize          n)
{
  gsize start = frame_begin (out, FRAME_EVENTS);

  put_u32 (out, (guint32) n);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  g_byte_array_append (out, (const guint8 *) events, (guint) (n * sizeof (SwEvent)));
#else
  for (gsize i = 0; i < n; i++)
    {
      put_u64 (out, events[i].time);
      put_u32 (out, events[i].lane);
      put_u32 (out, (guint32) events[i].kind | ((guint32) events[i].flags << 16));
      put_u64 (out, events[i].object);
      put_u64 (out, events[i].arg);
    }
#endif
  frame_end (out, start);
}

/* ---- decoding --------------------------------------------------------- */

typedef struct
{
  const guint8 *p;
  gsize         left;
  gboolean      ok;
} Parse;

static guint32
get_u32 (Parse *in)
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

static guint64
get_u64 (Parse *in)
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

/* Returns: (transfer full) (nullable): a valid UTF-8 string, or NULL */
static char *
get_string (Parse *in,
            gsize  max)
{
  guint32 len = get_u32 (in);
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

static void
in_buf_init (InBuf   *in,
             guint32  max_payload)
{
  memset (in, 0, sizeof *in);
  in->max_payload = max_payload;
}

static void
in_buf_clear (InBuf *in)
{
  g_clear_pointer (&in->data, g_free);
  in->len = in->pos = in->cap = 0;
  in->preamble_done = FALSE;
}

/* Reads what the socket has, at most READ_CHUNK.  The buffer grows only
 * up to what one allowed frame needs. */
static gssize
in_buf_read (InBuf *in,
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

static InResult
in_buf_next (InBuf          *in,
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

static char *
format_sockaddr (const struct sockaddr *sa,
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

static gboolean
token_equal (const char *a,
             const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  /* Not leaking how much of the token matched. */
  for (gsize i = 0; i < MAX (la, lb); i++)
    diff |= (guint8) (i < la ? a[i] : 0) ^ (guint8) (i < lb ? b[i] : 0);
  return diff == 0;
}

/* ---- server ----------------------------------------------------------- */

typedef struct
{
  int            fd;
  char          *peer;
  gboolean       loopback;
  gboolean       welcomed;
  gboolean       preamble_sent;
  gboolean       closing;        /* refused or ended: flush, then close */
  gboolean       write_shut;
  gint64         deadline;       /* handshake or closing deadline, monotonic µs */
  InBuf          in;
  GByteArray    *out;
  gsize          out_sent;

  SwTraceCursor *cursor;
  guint          lanes_sent;
  guint          lanes_ripe;     /* lanes there one round ago */
  guint64        next_string;
  guint64        drained;        /* events taken from the cursor, sent or not */
  guint64        dropped;        /* skipped because the viewer lagged */
  guint64        skipped;        /* left out of the backlog */
  guint64        backlog_end;    /* events recorded when it joined */
  guint64        skip_estimate;  /* backlog events the time filter will skip */
  gint64         skip_before;    /* backlog events older than this are skipped */
  gint64         next_stats;
  gboolean       ended;
} Viewer;

struct _SwStreamServer
{
  GObject          parent_instance;

  /* set before listen, then read-only */
  SwTrace         *trace;
  char            *token;
  char            *name;
  guint64          backlog_limit;
  guint64          max_lag;
  gsize            send_buffer;
  SwStreamLogFunc  log_func;
  gpointer         log_data;
  int              listen_fd;
  int              wake_fds[2];
  guint16          port;
  char            *address;
  GThread         *thread;

  /* the server thread's own */
  GPtrArray       *viewers;
  SwEvent         *scratch;

  GMutex           lock;
  GCond            cond;
  gboolean         finishing;       /* guarded by lock */
  gint64           finish_deadline; /* guarded by lock */
  gboolean         stopping;        /* guarded by lock */
  guint            n_viewers;       /* guarded by lock */
  guint            n_accepted;      /* guarded by lock */
  guint64          dropped;         /* guarded by lock */
};

G_DEFINE_FINAL_TYPE (SwStreamServer, sw_stream_server, G_TYPE_OBJECT)

static void
server_log (SwStreamServer *self,
            const char     *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
server_log (SwStreamServer *self,
            const char     *format,
            ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  if (self->log_func)
    self->log_func (line, self->log_data);
  else
    g_message ("%s", line);
}

static void
viewer_free (Viewer *v)
{
  if (v->fd >= 0)
    close (v->fd);
  g_free (v->peer);
  in_buf_clear (&v->in);
  g_byte_array_unref (v->out);
  g_clear_pointer (&v->cursor, sw_trace_cursor_free);
  g_free (v);
}

static void
server_stop_thread (SwStreamServer *self)
{
  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_mutex_unlock (&self->lock);
  if (write (self->wake_fds[1], "x", 1) < 0 && errno != EAGAIN)
    g_warning ("stream: cannot wake the server thread: %s", g_strerror (errno));
  g_thread_join (g_steal_pointer (&self->thread));
}

static void
sw_stream_server_dispose (GObject *object)
{
  SwStreamServer *self = SW_STREAM_SERVER (object);

  server_stop_thread (self);
  G_OBJECT_CLASS (sw_stream_server_parent_class)->dispose (object);
}

static void
sw_stream_server_finalize (GObject *object)
{
  SwStreamServer *self = SW_STREAM_SERVER (object);

  g_ptr_array_unref (self->viewers);
  if (self->listen_fd >= 0)
    close (self->listen_fd);
  for (guint i = 0; i < 2; i++)
    if (self->wake_fds[i] >= 0)
      close (self->wake_fds[i]);
  g_free (self->scratch);
  g_free (self->token);
  g_free (self->name);
  g_free (self->address);
  g_clear_object (&self->trace);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (sw_stream_server_parent_class)->finalize (object);
}

static void
sw_stream_server_class_init (SwStreamServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sw_stream_server_dispose;
  object_class->finalize = sw_stream_server_finalize;
}

static void
sw_stream_server_init (SwStreamServer *self)
{
  self->listen_fd = -1;
  self->wake_fds[0] = self->wake_fds[1] = -1;
  self->backlog_limit = SW_STREAM_DEFAULT_BACKLOG;
  self->max_lag = SW_STREAM_DEFAULT_MAX_LAG;
  self->send_buffer = SW_STREAM_DEFAULT_SEND_BUFFER;
  self->viewers = g_ptr_array_new_with_free_func ((GDestroyNotify) viewer_free);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

/**
 * sw_stream_server_new:
 * @token: (nullable): the token viewers must present; NULL or "" lets in
 *   loopback viewers only
 *
 * Returns: (transfer full): a server for @trace; call listen to start it
 */
SwStreamServer *
sw_stream_server_new (SwTrace    *trace,
                      const char *token)
{
  SwStreamServer *self;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  self = g_object_new (SW_TYPE_STREAM_SERVER, NULL);
  self->trace = g_object_ref (trace);
  self->token = token && *token ? g_strdup (token) : NULL;
  self->name = g_strdup (g_get_prgname () ? g_get_prgname () : "switchyard");
  return self;
}

void
sw_stream_server_set_log_func (SwStreamServer  *self,
                               SwStreamLogFunc  func,
                               gpointer         user_data)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  self->log_func = func;
  self->log_data = user_data;
}

void
sw_stream_server_set_backlog_limit (SwStreamServer *self,
                                    guint64         events)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  self->backlog_limit = events;
}

void
sw_stream_server_set_max_lag (SwStreamServer *self,
                              guint64         events)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  self->max_lag = MAX (events, 1);
}

void
sw_stream_server_set_send_buffer (SwStreamServer *self,
                                  gsize           bytes)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  self->send_buffer = MAX (bytes, 4096);
}

void
sw_stream_server_set_name (SwStreamServer *self,
                           const char     *name)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  g_free (self->name);
  self->name = g_strdup (name ? name : "");
}

static gsize
viewer_pending (Viewer *v)
{
  return v->out->len - v->out_sent;
}

/* Writes what the socket takes now.  FALSE when the viewer is gone. */
static gboolean
viewer_flush (SwStreamServer *self,
              Viewer         *v)
{
  while (viewer_pending (v) > 0)
    {
      gssize n = send (v->fd, v->out->data + v->out_sent, viewer_pending (v),
                       MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n <= 0)
        {
          if (v->welcomed && !v->closing)
            server_log (self, "stream: viewer %s left (%s)", v->peer, g_strerror (errno));
          return FALSE;
        }
      v->out_sent += (gsize) n;
    }

  if (v->out_sent == v->out->len)
    {
      g_byte_array_set_size (v->out, 0);
      v->out_sent = 0;
    }
  else if (v->out_sent > 1024 * 1024)
    {
      g_byte_array_remove_range (v->out, 0, (guint) v->out_sent);
      v->out_sent = 0;
    }

  if (v->closing && viewer_pending (v) == 0 && !v->write_shut)
    {
      /* Half-close and keep reading until the peer closes, so unread
       * input does not turn our last frame into a reset. */
      shutdown (v->fd, SHUT_WR);
      v->write_shut = TRUE;
    }
  return TRUE;
}

static void
viewer_refuse (SwStreamServer *self,
               Viewer         *v,
               const char     *reason)
{
  gsize start;

  server_log (self, "stream: refused viewer %s: %s", v->peer, reason);
  if (!v->preamble_sent)
    put_preamble (v->out, SW_STREAM_PROTOCOL_VERSION);
  v->preamble_sent = TRUE;
  start = frame_begin (v->out, FRAME_REFUSED);
  g_byte_array_append (v->out, (const guint8 *) reason, (guint) strlen (reason));
  frame_end (v->out, start);
  v->closing = TRUE;
  v->deadline = g_get_monotonic_time () + LINGER_US;
}

static void
put_stats (SwStreamServer *self,
           Viewer         *v,
           guint32         type)
{
  gsize start = frame_begin (v->out, type);

  put_u64 (v->out, v->dropped);
  put_u64 (v->out, v->skipped);
  put_u64 (v->out, sw_trace_get_recorded (self->trace));
  put_u64 (v->out, sw_trace_get_dropped (self->trace));
  frame_end (v->out, start);
}

/* New lanes and strings, before any event that may use them: a drained
 * event's lane and strings were registered before it was recorded.
 *
 * A thread that names itself registers its lane under a default name and
 * renames it at once, and the viewer's trace cannot rename a lane.  So a
 * lane goes out only once an event needs it (the thread recorded after
 * naming itself) or once it was already there one round before (@ripe);
 * always in id order, so parents come first. */
static guint
viewer_put_metadata (SwStreamServer *self,
                     Viewer         *v,
                     guint           need,
                     guint           ripe)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes_from (self->trace, v->lanes_sent);
  g_autoptr(GPtrArray) strings = sw_trace_dup_strings_from (self->trace, v->next_string);
  guint n_lanes = v->lanes_sent + lanes->len;
  guint i = 0;

  if (MAX (need, ripe) < n_lanes)
    g_array_set_size (lanes, MAX (need, ripe) > v->lanes_sent ? MAX (need, ripe) - v->lanes_sent : 0);

  while (i < lanes->len)
    {
      gsize start = frame_begin (v->out, FRAME_LANES);
      gsize count_at = v->out->len;
      guint32 n = 0, le;

      put_u32 (v->out, 0);
      for (; i < lanes->len && v->out->len - start < META_FRAME_TARGET; i++, n++)
        {
          const SwLane *lane = &g_array_index (lanes, SwLane, i);

          put_u32 (v->out, lane->id);
          put_u32 (v->out, lane->kind);
          put_u32 (v->out, (guint32) lane->pid);
          put_u32 (v->out, (guint32) lane->tid);
          put_u32 (v->out, lane->parent);
          put_string (v->out, lane->name ? lane->name : "", MAX_NAME_ON_WIRE);
        }
      le = GUINT32_TO_LE (n);
      memcpy (v->out->data + count_at, &le, 4);
      frame_end (v->out, start);
    }
  v->lanes_sent += lanes->len;

  i = 0;
  while (i < strings->len)
    {
      gsize start = frame_begin (v->out, FRAME_STRINGS);
      gsize count_at;
      guint32 n = 0, le;

      put_u64 (v->out, v->next_string + i);
      count_at = v->out->len;
      put_u32 (v->out, 0);
      for (; i < strings->len && v->out->len - start < META_FRAME_TARGET; i++, n++)
        put_string (v->out, g_ptr_array_index (strings, i), MAX_STRING_ON_WIRE);
      le = GUINT32_TO_LE (n);
      memcpy (v->out->data + count_at, &le, 4);
      frame_end (v->out, start);
    }
  v->next_string += strings->len;
  return n_lanes;
}

/* The highest lane id the events use. */
static guint
events_need_lane (const SwEvent *events,
                  gsize          n)
{
  guint need = 0;

  for (gsize i = 0; i < n; i++)
    {
      need = MAX (need, events[i].lane);
      switch (events[i].kind)
        {
        case SW_EVENT_LANE_BEGIN:
        case SW_EVENT_LANE_END:
        case SW_EVENT_CO_SPAWN:
        case SW_EVENT_CO_SWITCH:
        case SW_EVENT_CO_EXIT:
          if (events[i].object <= G_MAXUINT32)
            need = MAX (need, (guint) events[i].object);
          break;
        default:
          break;
        }
    }
  return need;
}

/* The newest backlog_limit events by time: one pass over what is
 * recorded for the span of times, one for a histogram of them, and the
 * time from which on they fit.  Once per viewer that joins late. */
static void
viewer_plan_backlog (SwStreamServer *self,
                     Viewer         *v)
{
  enum { N_BINS = 65536 };
  g_autofree guint64 *bins = NULL;
  gint64 lo = G_MAXINT64, hi = G_MININT64;
  guint64 seen, kept = 0;
  double width = 1;
  gsize n;
  int b;

  v->backlog_end = sw_trace_get_recorded (self->trace);
  if (v->backlog_end <= self->backlog_limit)
    return;

  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(SwTraceCursor) cursor = sw_trace_cursor_new (self->trace);

      if (pass == 1)
        {
          if (hi <= lo)
            return;
          bins = g_new0 (guint64, N_BINS);
          width = (double) (hi - lo + 1) / N_BINS;
        }
      seen = 0;
      while (seen < v->backlog_end &&
             (n = sw_trace_cursor_drain (cursor, self->scratch,
                                         MIN (BATCH_EVENTS, v->backlog_end - seen))) > 0)
        {
          for (gsize i = 0; i < n; i++)
            {
              gint64 t = (gint64) self->scratch[i].time;

              if (pass == 0)
                {
                  lo = MIN (lo, t);
                  hi = MAX (hi, t);
                }
              else
                bins[MIN ((gsize) ((double) (CLAMP (t, lo, hi) - lo) / width), N_BINS - 1)]++;
            }
          seen += n;
        }
    }

  for (b = N_BINS - 1; b >= 0 && kept + bins[b] <= self->backlog_limit; b--)
    kept += bins[b];
  if (b < 0)
    return;
  /* The first time that lands in bin b + 1. */
  v->skip_before = lo + (gint64) ceil (width * (b + 1));
  while (v->skip_before > lo && (gsize) ((double) (v->skip_before - 1 - lo) / width) >= (gsize) (b + 1))
    v->skip_before--;
  v->skip_estimate = seen - kept;
}

static void
viewer_welcome (SwStreamServer *self,
                Viewer         *v)
{
  gsize start;

  v->welcomed = TRUE;
  v->deadline = 0;
  v->cursor = sw_trace_cursor_new (self->trace);
  v->next_string = 1;  /* 0 is "" everywhere */
  viewer_plan_backlog (self, v);

  put_preamble (v->out, SW_STREAM_PROTOCOL_VERSION);
  v->preamble_sent = TRUE;
  start = frame_begin (v->out, FRAME_WELCOME);
  put_u64 (v->out, (guint64) sw_clock_monotonic_ns ());
  put_u64 (v->out, (guint64) sw_trace_get_origin_ns (self->trace));
  put_u64 (v->out, self->backlog_limit);
  put_u32 (v->out, (guint32) getpid ());
  put_string (v->out, self->name, MAX_NAME_ON_WIRE);
  frame_end (v->out, start);

  g_mutex_lock (&self->lock);
  self->n_viewers++;
  self->n_accepted++;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  server_log (self, "stream: viewer %s connected (%" G_GUINT64_FORMAT " events so far%s)",
              v->peer, v->backlog_end,
              v->skip_estimate ? ", older ones beyond the backlog limit skipped" : "");
}

static void
viewer_check_hello (SwStreamServer *self,
                    Viewer         *v,
                    const guint8   *payload,
                    guint32         length)
{
  Parse in = { payload, length, TRUE };
  guint32 token_len = get_u32 (&in);
  g_autofree char *token = NULL;

  if (!in.ok || token_len > SW_STREAM_MAX_TOKEN || token_len != in.left)
    {
      viewer_refuse (self, v, "malformed hello frame");
      return;
    }
  token = g_strndup ((const char *) in.p, token_len);

  if (self->token != NULL)
    {
      if (token_len == 0)
        viewer_refuse (self, v, "this engine requires a token (viewer: --token T or SWITCHYARD_TOKEN)");
      else if (!token_equal (token, self->token))
        viewer_refuse (self, v, "wrong token");
      else
        goto ok;
      return;
    }
  if (!v->loopback)
    {
      viewer_refuse (self, v, "without a token only loopback viewers may connect "
                              "(start the engine with --token T or SWITCHYARD_TOKEN, "
                              "and give the viewer the same token)");
      return;
    }

ok:
  if (self->n_viewers >= MAX_VIEWERS)
    {
      viewer_refuse (self, v, "too many viewers (at most 32)");
      return;
    }
  viewer_welcome (self, v);
}

/* Reads what the viewer sent.  FALSE when it is gone. */
static gboolean
viewer_read (SwStreamServer *self,
             Viewer         *v)
{
  for (;;)
    {
      gssize n = in_buf_read (&v->in, v->fd);
      guint32 version = 0, type = 0, length = 0;
      const guint8 *payload = NULL;
      InResult r;

      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        {
          if (v->welcomed && !v->closing)
            server_log (self, "stream: viewer %s left", v->peer);
          else if (!v->welcomed && !v->closing)
            server_log (self, "stream: viewer %s closed during the handshake", v->peer);
          return FALSE;
        }
      if (n < 0)
        return TRUE;

      if (v->closing)
        {
          /* Only waiting for the peer to close: drop what it sends. */
          v->in.pos = v->in.len;
          continue;
        }

      while ((r = in_buf_next (&v->in, &version, &type, &payload, &length)) != IN_NEED_MORE)
        {
          g_autofree char *reason = NULL;

          switch (r)
            {
            case IN_BAD_MAGIC:
              reason = g_strdup ("not a Switchyard stream viewer (bad magic)");
              break;
            case IN_BAD_VERSION:
              reason = g_strdup_printf ("viewer speaks stream protocol version %u; "
                                        "this engine speaks version %u",
                                        version, SW_STREAM_PROTOCOL_VERSION);
              break;
            case IN_TOO_BIG:
              reason = g_strdup_printf ("%s frame of %u bytes is over the limit of %u bytes",
                                        frame_name (type), length, v->in.max_payload);
              break;
            case IN_FRAME:
              if (!v->welcomed && type == FRAME_HELLO)
                viewer_check_hello (self, v, payload, length);
              else
                reason = g_strdup_printf ("unexpected %s frame (type %u) from the viewer",
                                          frame_name (type), type);
              break;
            case IN_NEED_MORE:
              g_assert_not_reached ();
            }
          if (reason != NULL)
            viewer_refuse (self, v, reason);
          if (v->closing)
            {
              v->in.pos = v->in.len;
              break;
            }
          if (v->welcomed)
            {
              /* From now on frames may be as big as the limit allows:
               * none is expected, but an oversized one is refused. */
              v->in.max_payload = SW_STREAM_MAX_FRAME;
            }
        }
    }
}

/* Moves events from the trace to the viewer's send buffer while it has
 * room.  Returns TRUE when the viewer has everything recorded so far. */
static gboolean
viewer_fill (SwStreamServer *self,
             Viewer         *v,
             gboolean        finishing)
{
  gboolean caught_up = FALSE;
  guint n_lanes;

  /* Lagging too far behind: skip ahead, for this viewer only. */
  if (v->drained >= v->backlog_end)
    {
      guint64 recorded = sw_trace_get_recorded (self->trace);

      if (recorded > v->drained + self->max_lag)
        {
          guint64 skip = recorded - v->drained - self->max_lag / 2;
          guint64 skipped = 0;
          gsize n;

          while (skipped < skip &&
                 (n = sw_trace_cursor_drain (v->cursor, self->scratch,
                                             MIN (BATCH_EVENTS, skip - skipped))) > 0)
            skipped += n;
          v->drained += skipped;
          v->dropped += skipped;
          g_mutex_lock (&self->lock);
          self->dropped += skipped;
          g_mutex_unlock (&self->lock);
        }
    }

  n_lanes = viewer_put_metadata (self, v, 0, v->lanes_ripe);

  while (viewer_pending (v) < self->send_buffer)
    {
      gsize room = (self->send_buffer - viewer_pending (v)) / sizeof (SwEvent);
      gsize n = sw_trace_cursor_drain (v->cursor, self->scratch,
                                       CLAMP (room, 256, BATCH_EVENTS));
      gsize kept = n;

      if (n == 0)
        {
          caught_up = TRUE;
          break;
        }
      v->drained += n;
      if (v->skip_before != 0)
        {
          kept = 0;
          for (gsize i = 0; i < n; i++)
            if ((gint64) self->scratch[i].time >= v->skip_before)
              self->scratch[kept++] = self->scratch[i];
          v->skipped += n - kept;
          if (v->drained >= v->backlog_end)
            v->skip_before = 0;
        }
      /* Lanes or strings registered since the metadata went out. */
      viewer_put_metadata (self, v, events_need_lane (self->scratch, kept), v->lanes_ripe);
      if (kept > 0)
        put_events (v->out, self->scratch, kept);
    }

  /* At the end every lane goes, events or not. */
  if (caught_up && finishing)
    viewer_put_metadata (self, v, G_MAXUINT, G_MAXUINT);
  v->lanes_ripe = n_lanes;
  return caught_up;
}

/* Everything a viewer needs this round.  FALSE when it is gone. */
static gboolean
viewer_pump (SwStreamServer *self,
             Viewer         *v,
             gboolean        finishing,
             gint64          now)
{
  if (!viewer_flush (self, v))
    return FALSE;
  if (v->closing)
    return now < v->deadline;
  if (!v->welcomed)
    {
      if (now >= v->deadline)
        {
          viewer_refuse (self, v, "no hello within 10 s");
          return viewer_flush (self, v);
        }
      return TRUE;
    }

  if (viewer_fill (self, v, finishing) && finishing && !v->ended)
    {
      put_stats (self, v, FRAME_ENDED);
      v->ended = TRUE;
      v->closing = TRUE;
      v->deadline = G_MAXINT64;  /* the finish deadline applies */
      server_log (self, "stream: viewer %s: run ended, %" G_GUINT64_FORMAT " events sent, "
                  "%" G_GUINT64_FORMAT " dropped", v->peer,
                  v->drained - v->dropped - v->skipped, v->dropped);
    }
  else if (now >= v->next_stats)
    {
      put_stats (self, v, FRAME_STATS);
      v->next_stats = now + STATS_INTERVAL_US;
    }

  return viewer_flush (self, v);
}

static void
server_accept (SwStreamServer *self)
{
  for (;;)
    {
      struct sockaddr_storage ss;
      socklen_t len = sizeof ss;
      int fd = accept4 (self->listen_fd, (struct sockaddr *) &ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      Viewer *v;

      if (fd < 0)
        {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
            server_log (self, "stream: accept failed: %s", g_strerror (errno));
          return;
        }

      /* Connections that never say hello must not pile up. */
      if (self->viewers->len >= 2 * MAX_VIEWERS)
        {
          g_autofree char *peer = format_sockaddr ((struct sockaddr *) &ss, len, NULL);

          server_log (self, "stream: refused viewer %s: too many connections", peer);
          close (fd);
          continue;
        }

      v = g_new0 (Viewer, 1);
      v->fd = fd;
      v->peer = format_sockaddr ((struct sockaddr *) &ss, len, &v->loopback);
      v->out = g_byte_array_new ();
      v->deadline = g_get_monotonic_time () + HANDSHAKE_TIMEOUT_US;
      in_buf_init (&v->in, MAX_HELLO);
      g_ptr_array_add (self->viewers, v);
    }
}

static void
server_drop_viewer (SwStreamServer *self,
                    guint           i)
{
  Viewer *v = g_ptr_array_index (self->viewers, i);

  if (v->welcomed)
    {
      g_mutex_lock (&self->lock);
      self->n_viewers--;
      g_mutex_unlock (&self->lock);
    }
  g_ptr_array_remove_index_fast (self->viewers, i);
}

static gpointer
server_thread (gpointer data)
{
  SwStreamServer *self = data;
  g_autofree struct pollfd *fds = NULL;
  guint n_fds_alloc = 0;

  for (;;)
    {
      gboolean finishing, stopping;
      gint64 deadline, now;
      guint n_fds = 0;
      int r;

      g_mutex_lock (&self->lock);
      finishing = self->finishing;
      stopping = self->stopping;
      deadline = self->finish_deadline;
      g_mutex_unlock (&self->lock);

      now = g_get_monotonic_time ();
      if (stopping || (finishing && (self->viewers->len == 0 || now >= deadline)))
        break;

      if (n_fds_alloc < self->viewers->len + 2)
        {
          n_fds_alloc = self->viewers->len + 16;
          fds = g_renew (struct pollfd, fds, n_fds_alloc);
        }
      fds[n_fds++] = (struct pollfd) { self->wake_fds[0], POLLIN, 0 };
      fds[n_fds++] = (struct pollfd) { finishing ? -1 : self->listen_fd, POLLIN, 0 };
      for (guint i = 0; i < self->viewers->len; i++)
        {
          Viewer *v = g_ptr_array_index (self->viewers, i);
          fds[n_fds++] = (struct pollfd) { v->fd, POLLIN | (viewer_pending (v) ? POLLOUT : 0), 0 };
        }

      /* Viewers are fed every few ms: that is the stream's latency. */
      r = poll (fds, n_fds, self->viewers->len > 0 ? 4 : 250);
      if (r < 0 && errno != EINTR)
        {
          server_log (self, "stream: poll failed: %s", g_strerror (errno));
          break;
        }

      if (r > 0 && (fds[0].revents & POLLIN))
        {
          char buf[64];
          while (read (self->wake_fds[0], buf, sizeof buf) > 0)
            ;
        }
      if (r > 0 && (fds[1].revents & POLLIN))
        server_accept (self);

      now = g_get_monotonic_time ();
      for (guint i = self->viewers->len; i-- > 0;)
        {
          Viewer *v = g_ptr_array_index (self->viewers, i);
          gboolean alive = TRUE;

          /* New viewers (just accepted) have no pollfd yet this round. */
          if (i + 2 < n_fds && (fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)))
            alive = viewer_read (self, v);
          if (alive)
            alive = viewer_pump (self, v, finishing, now);
          if (!alive)
            server_drop_viewer (self, i);
        }
    }

  for (guint i = 0; i < self->viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (self->viewers, i);
      if (v->welcomed && !v->ended)
        server_log (self, "stream: viewer %s too slow: closed before the end of the run", v->peer);
    }
  while (self->viewers->len > 0)
    server_drop_viewer (self, self->viewers->len - 1);

  return NULL;
}

/**
 * sw_stream_server_listen:
 * @address: HOST:PORT; port 0 picks a free one
 *
 * Returns: TRUE when listening, else @error says why in one line
 */
gboolean
sw_stream_server_listen (SwStreamServer  *self,
                         const char      *address,
                         GError         **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  struct sockaddr_storage ss;
  socklen_t len;
  guint16 port;
  int one = 1;
  int fd;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL && self->listen_fd < 0, FALSE);

  if (!sw_stream_parse_address (address, &host, &port, error))
    return FALSE;

  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      g_autoptr(GError) local = NULL;
      GList *list = g_resolver_lookup_by_name (resolver, host, NULL, &local);

      if (list == NULL)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                       "cannot listen on %s: %s", address, local->message);
          return FALSE;
        }
      inet = g_object_ref (list->data);
      g_resolver_free_addresses (list);
    }
  sockaddr = g_inet_socket_address_new (inet, port);
  len = (socklen_t) g_socket_address_get_native_size (sockaddr);
  if (!g_socket_address_to_native (sockaddr, &ss, sizeof ss, error))
    return FALSE;

  fd = socket (ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, "cannot listen on %s: %s", address, g_strerror (errno));
      return FALSE;
    }
  (void) setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &ss, len) < 0 || listen (fd, 16) < 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, SW_ERROR, SW_ERROR_IO, "cannot listen on %s: %s", address, g_strerror (saved));
      return FALSE;
    }

  len = sizeof ss;
  if (getsockname (fd, (struct sockaddr *) &ss, &len) < 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, SW_ERROR, SW_ERROR_IO, "cannot listen on %s: %s", address, g_strerror (saved));
      return FALSE;
    }
  if (!g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[0], TRUE, error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, error))
    {
      close (fd);
      return FALSE;
    }

  self->listen_fd = fd;
  self->address = format_sockaddr ((struct sockaddr *) &ss, len, NULL);
  self->port = (guint16) (ss.ss_family == AF_INET6 ? ntohs (((struct sockaddr_in6 *) &ss)->sin6_port)
                                                   : ntohs (((struct sockaddr_in *) &ss)->sin_port));
  self->scratch = g_new (SwEvent, BATCH_EVENTS);
  self->thread = g_thread_new ("stream server", server_thread, self);
  return TRUE;
}

guint16
sw_stream_server_get_port (SwStreamServer *self)
{
  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), 0);
  return self->port;
}

/**
 * sw_stream_server_dup_address:
 *
 * Returns: (transfer full) (nullable): HOST:PORT as bound
 */
char *
sw_stream_server_dup_address (SwStreamServer *self)
{
  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), NULL);
  return g_strdup (self->address);
}

guint
sw_stream_server_get_n_viewers (SwStreamServer *self)
{
  guint n;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), 0);
  g_mutex_lock (&self->lock);
  n = self->n_viewers;
  g_mutex_unlock (&self->lock);
  return n;
}

guint
sw_stream_server_get_n_accepted (SwStreamServer *self)
{
  guint n;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), 0);
  g_mutex_lock (&self->lock);
  n = self->n_accepted;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
sw_stream_server_get_dropped (SwStreamServer *self)
{
  guint64 n;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), 0);
  g_mutex_lock (&self->lock);
  n = self->dropped;
  g_mutex_unlock (&self->lock);
  return n;
}

gboolean
sw_stream_server_wait_viewer (SwStreamServer *self,
                              GCancellable   *cancellable)
{
  gboolean ok;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), FALSE);

  g_mutex_lock (&self->lock);
  while (self->n_accepted == 0 && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND);
  ok = self->n_accepted > 0;
  g_mutex_unlock (&self->lock);
  return ok;
}

void
sw_stream_server_finish (SwStreamServer *self,
                         guint           timeout_ms)
{
  g_return_if_fail (SW_IS_STREAM_SERVER (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (!self->finishing)
    {
      self->finishing = TRUE;
      self->finish_deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
    }
  g_mutex_unlock (&self->lock);
  if (write (self->wake_fds[1], "x", 1) < 0 && errno != EAGAIN)
    g_warning ("stream: cannot wake the server thread: %s", g_strerror (errno));
  g_thread_join (g_steal_pointer (&self->thread));
}

/* ---- client ----------------------------------------------------------- */

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

struct _SwStreamClient
{
  GObject            parent_instance;

  /* construct-only */
  char              *address;
  char              *token;
  gsize              trace_capacity;

  /* all on the client's context */
  SwStreamState      state;
  SwTrace           *trace;
  SwTraceImporter   *importer;
  char              *last_error;
  char              *remote_name;
  gint64             remote_origin_ns;
  gint64             time_offset;
  guint64            received;
  guint64            dropped;
  guint64            skipped;
  guint64            engine_recorded;
  guint64            engine_dropped;
  guint64            next_string;

  GMainContext      *context;
  GCancellable      *cancellable;     /* of the current attempt */
  GSocketConnection *connection;
  int                fd;
  GSource           *fd_source;
  GSource           *timer_source;
  GSource           *retry_source;
  InBuf              in;
  gint64             started_us;
  gint64             last_rx_us;
  GTask             *connect_task;
  gboolean           reconnect;
  guint              backoff_ms;
  SwEvent           *scratch;
};

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_TOKEN,
  PROP_TRACE_CAPACITY,
  PROP_STATE,
  PROP_TRACE,
  PROP_LAST_ERROR,
  PROP_REMOTE_NAME,
  PROP_REMOTE_ORIGIN_NS,
  PROP_DROPPED,
  PROP_SKIPPED,
  PROP_ENGINE_RECORDED,
  PROP_ENGINE_DROPPED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SwStreamClient, sw_stream_client, G_TYPE_OBJECT)

static void client_attempt (SwStreamClient *self);

static void
client_set_state (SwStreamClient *self,
                  SwStreamState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
client_set_u64 (SwStreamClient *self,
                guint64        *field,
                guint64         value,
                guint           prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
client_close (SwStreamClient *self)
{
  destroy_source (&self->fd_source);
  destroy_source (&self->timer_source);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection)
    (void) g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  self->fd = -1;
  in_buf_clear (&self->in);
  g_clear_pointer (&self->importer, sw_trace_importer_free);
}

static gboolean
retry_cb (gpointer data)
{
  SwStreamClient *self = data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  client_attempt (self);
  return G_SOURCE_REMOVE;
}

/* The attempt or the link failed: say why, and maybe try again. */
static void
client_fail (SwStreamClient *self,
             GError         *error)
{
  gboolean permanent = g_error_matches (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  client_close (self);
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);

  if (self->reconnect && !permanent)
    {
      client_set_state (self, SW_STREAM_STATE_RECONNECTING);
      self->retry_source = g_timeout_source_new (self->backoff_ms);
      g_source_set_name (self->retry_source, "[switchyard] stream reconnect");
      g_source_set_callback (self->retry_source, retry_cb, self, NULL);
      g_source_attach (self->retry_source, self->context);
      self->backoff_ms = MIN (self->backoff_ms * 2, 5000);
    }
  else
    {
      self->reconnect = FALSE;
      client_set_state (self, SW_STREAM_STATE_DISCONNECTED);
    }

  if (self->connect_task)
    {
      GTask *task = g_steal_pointer (&self->connect_task);
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

static void
client_fail_literal (SwStreamClient *self,
                     SwError         code,
                     const char     *format,
                     ...) G_GNUC_PRINTF (3, 4);

static void
client_fail_literal (SwStreamClient *self,
                     SwError         code,
                     const char     *format,
                     ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  error = g_error_new_literal (SW_ERROR, code, message);
  client_fail (self, error);
}

static gboolean
client_welcome (SwStreamClient *self,
                Parse          *in)
{
  guint64 remote_now = get_u64 (in);
  guint64 origin = get_u64 (in);
  G_GNUC_UNUSED guint64 backlog = get_u64 (in);
  guint32 pid = get_u32 (in);
  g_autofree char *name = get_string (in, MAX_NAME_ON_WIRE);

  if (!in->ok || in->left != 0)
    return FALSE;

  /* Remote times onto this machine's clock, as of now (± one-way latency). */
  self->time_offset = sw_clock_monotonic_ns () - (gint64) remote_now;
  self->remote_origin_ns = (gint64) origin + self->time_offset;
  g_free (self->remote_name);
  self->remote_name = g_strdup_printf ("%s (pid %u)", name, pid);

  g_clear_object (&self->trace);
  self->trace = sw_trace_new (self->trace_capacity);
  self->importer = sw_trace_importer_new (self->trace, 0);
  self->next_string = 1;
  self->received = 0;
  self->backoff_ms = 250;

  g_object_freeze_notify (G_OBJECT (self));
  client_set_u64 (self, &self->dropped, 0, PROP_DROPPED);
  client_set_u64 (self, &self->skipped, 0, PROP_SKIPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ORIGIN_NS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE]);
  client_set_state (self, SW_STREAM_STATE_LIVE);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->connect_task)
    {
      GTask *task = g_steal_pointer (&self->connect_task);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  return TRUE;
}

static gboolean
client_lanes (SwStreamClient *self,
              Parse          *in)
{
  guint32 n = get_u32 (in);

  for (guint32 i = 0; i < n && in->ok; i++)
    {
      SwLane lane;
      g_autofree char *name = NULL;

      lane.id = get_u32 (in);
      lane.kind = (SwLaneKind) get_u32 (in);
      lane.pid = (gint) get_u32 (in);
      lane.tid = (gint) get_u32 (in);
      lane.parent = get_u32 (in);
      name = get_string (in, MAX_NAME_ON_WIRE);
      if (!in->ok || lane.id == 0 || (guint) lane.kind > SW_LANE_HELPER)
        return FALSE;
      lane.name = name;
      if (sw_trace_importer_map_lane (self->importer, lane.id) == 0)
        sw_trace_importer_add_lane (self->importer, &lane);
    }
  return in->ok && in->left == 0;
}

static gboolean
client_strings (SwStreamClient *self,
                Parse          *in)
{
  guint64 first = get_u64 (in);
  guint32 n = get_u32 (in);

  if (!in->ok || first != self->next_string)
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    {
      g_autofree char *str = get_string (in, MAX_STRING_ON_WIRE);

      if (str == NULL)
        return FALSE;
      sw_trace_importer_add_string (self->importer, first + i, str);
    }
  self->next_string = first + n;
  return in->left == 0;
}

static gboolean
client_events (SwStreamClient *self,
               Parse          *in)
{
  guint32 n = get_u32 (in);

  if (!in->ok || (gsize) n * sizeof (SwEvent) != in->left)
    return FALSE;

  for (guint32 i = 0; i < n; i++)
    {
      SwEvent *e = &self->scratch[i];
      guint32 kind_flags;

      e->time = get_u64 (in) + (guint64) self->time_offset;
      e->lane = get_u32 (in);
      kind_flags = get_u32 (in);
      e->kind = (guint16) (kind_flags & 0xffff);
      e->flags = (guint16) (kind_flags >> 16);
      e->object = get_u64 (in);
      e->arg = get_u64 (in);

      /* Kinds whose object is a lane: those ids are mapped too. */
      switch (e->kind)
        {
        case SW_EVENT_LANE_BEGIN:
        case SW_EVENT_LANE_END:
        case SW_EVENT_CO_SPAWN:
        case SW_EVENT_CO_SWITCH:
        case SW_EVENT_CO_EXIT:
          if (e->object <= G_MAXUINT32)
            e->object = sw_trace_importer_map_lane (self->importer, (guint32) e->object);
          break;
        default:
          break;
        }
    }
  sw_trace_importer_add_events (self->importer, self->scratch, n);
  self->received += n;
  return TRUE;
}

static gboolean
client_stats (SwStreamClient *self,
              Parse          *in)
{
  guint64 dropped = get_u64 (in);
  guint64 skipped = get_u64 (in);
  guint64 recorded = get_u64 (in);
  guint64 engine_dropped = get_u64 (in);

  if (!in->ok || in->left != 0)
    return FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  client_set_u64 (self, &self->dropped, dropped, PROP_DROPPED);
  client_set_u64 (self, &self->skipped, skipped, PROP_SKIPPED);
  client_set_u64 (self, &self->engine_recorded, recorded, PROP_ENGINE_RECORDED);
  client_set_u64 (self, &self->engine_dropped, engine_dropped, PROP_ENGINE_DROPPED);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* Handles one frame; FALSE when the connection ended (failed or ENDED). */
static gboolean
client_frame (SwStreamClient *self,
              guint32         type,
              const guint8   *payload,
              guint32         length)
{
  Parse in = { payload, length, TRUE };
  gboolean live = self->state == SW_STREAM_STATE_LIVE;
  gboolean ok;

  if (type == FRAME_REFUSED)
    {
      g_autofree char *reason = g_utf8_make_valid ((const char *) payload, length);

      client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT, "%s refused this viewer: %s",
                           self->address, reason);
      return FALSE;
    }
  if (!live && type != FRAME_WELCOME)
    {
      client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT,
                           "%s sent a %s frame before the handshake: not a Switchyard stream server",
                           self->address, frame_name (type));
      return FALSE;
    }

  switch (type)
    {
    case FRAME_WELCOME:
      ok = !live && client_welcome (self, &in);
      break;
    case FRAME_LANES:
      ok = client_lanes (self, &in);
      break;
    case FRAME_STRINGS:
      ok = client_strings (self, &in);
      break;
    case FRAME_EVENTS:
      ok = client_events (self, &in);
      break;
    case FRAME_STATS:
      ok = client_stats (self, &in);
      break;
    case FRAME_ENDED:
      ok = client_stats (self, &in);
      if (ok)
        {
          client_close (self);
          self->reconnect = FALSE;
          g_free (self->last_error);
          self->last_error = g_strdup ("the run ended");
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
          client_set_state (self, SW_STREAM_STATE_ENDED);
          return FALSE;
        }
      break;
    default:
      /* Frames of a newer minor revision would get a new version. */
      ok = FALSE;
      break;
    }

  if (!ok)
    {
      client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT, "%s sent a malformed %s frame (type %u, %u bytes)",
                           self->address, frame_name (type), type, length);
      return FALSE;
    }
  return TRUE;
}

static gboolean
client_readable_cb (gint         fd,
                    GIOCondition condition,
                    gpointer     data)
{
  SwStreamClient *self = data;
  g_autoptr(SwStreamClient) keep = g_object_ref (self);
  gsize budget = 8 * 1024 * 1024;   /* then let the GUI draw a frame */

  while (budget > 0)
    {
      gssize n = in_buf_read (&self->in, fd);
      guint32 version = 0, type = 0, length = 0;
      const guint8 *payload = NULL;
      InResult r;

      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n == 0)
        {
          if (self->state == SW_STREAM_STATE_LIVE)
            client_fail_literal (self, SW_ERROR_IO, "%s closed the connection before the run ended",
                                 self->address);
          else
            client_fail_literal (self, SW_ERROR_IO, "%s closed the connection during the handshake",
                                 self->address);
          return G_SOURCE_REMOVE;
        }
      if (n < 0)
        {
          client_fail_literal (self, SW_ERROR_IO, "connection to %s lost: %s",
                               self->address, g_strerror (errno));
          return G_SOURCE_REMOVE;
        }
      budget -= MIN (budget, (gsize) n);
      self->last_rx_us = g_get_monotonic_time ();

      while ((r = in_buf_next (&self->in, &version, &type, &payload, &length)) != IN_NEED_MORE)
        {
          switch (r)
            {
            case IN_BAD_MAGIC:
              client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT,
                                   "%s is not a Switchyard stream server (bad magic)", self->address);
              return G_SOURCE_REMOVE;
            case IN_BAD_VERSION:
              client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT,
                                   "%s speaks stream protocol version %u; this viewer speaks version %u",
                                   self->address, version, SW_STREAM_PROTOCOL_VERSION);
              return G_SOURCE_REMOVE;
            case IN_TOO_BIG:
              client_fail_literal (self, SW_ERROR_INVALID_ARGUMENT,
                                   "%s sent a %s frame of %u bytes, over the limit of %u bytes",
                                   self->address, frame_name (type), length, SW_STREAM_MAX_FRAME);
              return G_SOURCE_REMOVE;
            case IN_FRAME:
              if (!client_frame (self, type, payload, length))
                return G_SOURCE_REMOVE;
              break;
            case IN_NEED_MORE:
              g_assert_not_reached ();
            }
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
client_timer_cb (gpointer data)
{
  SwStreamClient *self = data;
  gint64 now = g_get_monotonic_time ();

  if (self->connect_task && g_task_return_error_if_cancelled (self->connect_task))
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "stopped connecting to %s", self->address);

      /* The task has its answer; only the attempt is left to undo. */
      g_clear_object (&self->connect_task);
      g_clear_pointer (&self->timer_source, g_source_unref);
      client_fail (self, error);
      return G_SOURCE_REMOVE;
    }
  if (self->state != SW_STREAM_STATE_LIVE && now - self->started_us > HANDSHAKE_TIMEOUT_US)
    {
      g_clear_pointer (&self->timer_source, g_source_unref);
      client_fail_literal (self, SW_ERROR_TIMED_OUT,
                           "%s did not answer within 10 s (is it a Switchyard stream server?)",
                           self->address);
      return G_SOURCE_REMOVE;
    }
  if (self->state == SW_STREAM_STATE_LIVE && now - self->last_rx_us > IDLE_TIMEOUT_US)
    {
      char byte;

      /* This thread may have been busy, not the link: data waiting is life. */
      if (recv (self->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
        {
          self->last_rx_us = now;
          return G_SOURCE_CONTINUE;
        }
      g_clear_pointer (&self->timer_source, g_source_unref);
      client_fail_literal (self, SW_ERROR_TIMED_OUT, "nothing from %s for 10 s: link lost",
                           self->address);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  SwStreamClient *client;
  GCancellable   *cancellable;   /* the attempt's: cancelled when it is over */
} Attempt;

static void
client_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Attempt *attempt = data;
  g_autoptr(SwStreamClient) self = attempt->client;
  g_autoptr(GCancellable) cancellable = attempt->cancellable;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) hello = NULL;
  GSocketConnection *connection;
  gsize start, sent = 0;
  gsize token_len;

  g_free (attempt);
  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  /* Stopped or replaced meanwhile: nothing to report. */
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_clear_object (&connection);
      return;
    }
  if (connection == NULL)
    {
      g_autoptr(GError) io = g_error_new (SW_ERROR, SW_ERROR_IO, "cannot connect to %s: %s",
                                          self->address, error->message);
      client_fail (self, io);
      return;
    }

  self->connection = connection;
  self->fd = g_socket_get_fd (g_socket_connection_get_socket (connection));

  token_len = self->token ? strlen (self->token) : 0;
  hello = g_byte_array_new ();
  put_preamble (hello, SW_STREAM_PROTOCOL_VERSION);
  start = frame_begin (hello, FRAME_HELLO);
  put_u32 (hello, (guint32) token_len);
  if (token_len)
    g_byte_array_append (hello, (const guint8 *) self->token, (guint) token_len);
  frame_end (hello, start);

  /* A few hundred bytes into an empty socket buffer: a bounded wait at worst. */
  while (sent < hello->len)
    {
      gssize n = send (self->fd, hello->data + sent, hello->len - sent, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd pfd = { self->fd, POLLOUT, 0 };
          if (poll (&pfd, 1, 1000) <= 0)
            break;
          continue;
        }
      if (n <= 0)
        break;
      sent += (gsize) n;
    }
  if (sent < hello->len)
    {
      client_fail_literal (self, SW_ERROR_IO, "cannot send the handshake to %s: %s",
                           self->address, g_strerror (errno));
      return;
    }

  in_buf_init (&self->in, SW_STREAM_MAX_FRAME);
  self->last_rx_us = g_get_monotonic_time ();
  self->fd_source = g_unix_fd_source_new (self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_name (self->fd_source, "[switchyard] stream client");
  g_source_set_callback (self->fd_source, G_SOURCE_FUNC (client_readable_cb), self, NULL);
  g_source_attach (self->fd_source, self->context);
}

static void
client_attempt (SwStreamClient *self)
{
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GError) error = NULL;
  Attempt *attempt;

  client_close (self);
  if (!sw_stream_parse_address (self->address, NULL, NULL, &error))
    {
      client_fail (self, error);
      return;
    }

  client_set_state (self, SW_STREAM_STATE_CONNECTING);
  self->started_us = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();

  self->timer_source = g_timeout_source_new (250);
  g_source_set_name (self->timer_source, "[switchyard] stream timeouts");
  g_source_set_callback (self->timer_source, client_timer_cb, self, NULL);
  g_source_attach (self->timer_source, self->context);

  attempt = g_new0 (Attempt, 1);
  attempt->client = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->cancellable);
  socket_client = g_socket_client_new ();
  g_socket_client_set_timeout (socket_client, 10);
  g_socket_client_connect_to_host_async (socket_client, self->address, 0, self->cancellable,
                                         client_connected_cb, attempt);
}

static void
sw_stream_client_dispose (GObject *object)
{
  SwStreamClient *self = SW_STREAM_CLIENT (object);

  self->reconnect = FALSE;
  destroy_source (&self->retry_source);
  client_close (self);
  G_OBJECT_CLASS (sw_stream_client_parent_class)->dispose (object);
}

static void
sw_stream_client_finalize (GObject *object)
{
  SwStreamClient *self = SW_STREAM_CLIENT (object);

  g_assert (self->connect_task == NULL);
  g_clear_object (&self->trace);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->address);
  g_free (self->token);
  g_free (self->last_error);
  g_free (self->remote_name);
  g_free (self->scratch);

  G_OBJECT_CLASS (sw_stream_client_parent_class)->finalize (object);
}

static void
sw_stream_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SwStreamClient *self = SW_STREAM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:          g_value_set_string (value, self->address); break;
    case PROP_TOKEN:            g_value_set_string (value, self->token); break;
    case PROP_TRACE_CAPACITY:   g_value_set_uint64 (value, self->trace_capacity); break;
    case PROP_STATE:            g_value_set_enum (value, self->state); break;
    case PROP_TRACE:            g_value_set_object (value, self->trace); break;
    case PROP_LAST_ERROR:       g_value_set_string (value, self->last_error); break;
    case PROP_REMOTE_NAME:      g_value_set_string (value, self->remote_name); break;
    case PROP_REMOTE_ORIGIN_NS: g_value_set_int64 (value, self->remote_origin_ns); break;
    case PROP_DROPPED:          g_value_set_uint64 (value, self->dropped); break;
    case PROP_SKIPPED:          g_value_set_uint64 (value, self->skipped); break;
    case PROP_ENGINE_RECORDED:  g_value_set_uint64 (value, self->engine_recorded); break;
    case PROP_ENGINE_DROPPED:   g_value_set_uint64 (value, self->engine_dropped); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_stream_client_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SwStreamClient *self = SW_STREAM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      self->address = g_value_dup_string (value);
      break;
    case PROP_TOKEN:
      self->token = g_value_dup_string (value);
      break;
    case PROP_TRACE_CAPACITY:
      self->trace_capacity = (gsize) g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_stream_client_class_init (SwStreamClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = sw_stream_client_dispose;
  object_class->finalize = sw_stream_client_finalize;
  object_class->get_property = sw_stream_client_get_property;
  object_class->set_property = sw_stream_client_set_property;

  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, co);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, co);
  properties[PROP_TRACE_CAPACITY] = g_param_spec_uint64 ("trace-capacity", NULL, NULL,
                                                         0, G_MAXUINT64, 0, co);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SW_TYPE_STREAM_STATE,
                                              SW_STREAM_STATE_DISCONNECTED, ro);
  properties[PROP_TRACE] = g_param_spec_object ("trace", NULL, NULL, SW_TYPE_TRACE, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_REMOTE_NAME] = g_param_spec_string ("remote-name", NULL, NULL, NULL, ro);
  properties[PROP_REMOTE_ORIGIN_NS] = g_param_spec_int64 ("remote-origin-ns", NULL, NULL,
                                                          G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_DROPPED] = g_param_spec_uint64 ("dropped", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_SKIPPED] = g_param_spec_uint64 ("skipped", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_ENGINE_RECORDED] = g_param_spec_uint64 ("engine-recorded", NULL, NULL,
                                                          0, G_MAXUINT64, 0, ro);
  properties[PROP_ENGINE_DROPPED] = g_param_spec_uint64 ("engine-dropped", NULL, NULL,
                                                         0, G_MAXUINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sw_stream_client_init (SwStreamClient *self)
{
  self->fd = -1;
  self->backoff_ms = 250;
  self->scratch = g_new (SwEvent, SW_STREAM_MAX_FRAME / sizeof (SwEvent) + 1);
}

/**
 * sw_stream_client_new:
 * @address: HOST:PORT of an engine started with --listen
 * @token: (nullable): the shared token; NULL reads SWITCHYARD_TOKEN
 *
 * Returns: (transfer full): a viewer, not yet connected
 */
SwStreamClient *
sw_stream_client_new (const char *address,
                      const char *token)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (token == NULL)
    token = g_getenv (SW_STREAM_TOKEN_ENV);
  if (token != NULL && strlen (token) > SW_STREAM_MAX_TOKEN)
    token = NULL;  /* the server refuses it with a clear message either way */
  return g_object_new (SW_TYPE_STREAM_CLIENT, "address", address, "token", token, NULL);
}

static void
client_take_context (SwStreamClient *self)
{
  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
}

void
sw_stream_client_connect_async (SwStreamClient      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SW_IS_STREAM_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sw_stream_client_connect_async);
  if (self->connect_task != NULL)
    {
      g_task_return_new_error (task, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                               "already connecting to %s", self->address);
      return;
    }
  client_take_context (self);
  destroy_source (&self->retry_source);
  self->connect_task = g_steal_pointer (&task);
  client_attempt (self);
}

gboolean
sw_stream_client_connect_finish (SwStreamClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sw_stream_client_start (SwStreamClient *self)
{
  g_return_if_fail (SW_IS_STREAM_CLIENT (self));

  client_take_context (self);
  self->reconnect = TRUE;
  self->backoff_ms = 250;
  if (self->state == SW_STREAM_STATE_LIVE || self->state == SW_STREAM_STATE_CONNECTING)
    return;
  destroy_source (&self->retry_source);
  client_attempt (self);
}

void
sw_stream_client_stop (SwStreamClient *self)
{
  g_return_if_fail (SW_IS_STREAM_CLIENT (self));

  self->reconnect = FALSE;
  destroy_source (&self->retry_source);
  if (self->connect_task)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "stopped connecting to %s", self->address);
      client_fail (self, error);
      return;
    }
  client_close (self);
  if (self->state != SW_STREAM_STATE_ENDED)
    client_set_state (self, SW_STREAM_STATE_DISCONNECTED);
}

SwStreamState
sw_stream_client_get_state (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), SW_STREAM_STATE_DISCONNECTED);
  return self->state;
}

SwTrace *
sw_stream_client_get_trace (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), NULL);
  return self->trace;
}

const char *
sw_stream_client_get_address (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), NULL);
  return self->address;
}

const char *
sw_stream_client_get_last_error (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), NULL);
  return self->last_error;
}

const char *
sw_stream_client_get_remote_name (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), NULL);
  return self->remote_name;
}

gint64
sw_stream_client_get_remote_origin_ns (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->remote_origin_ns;
}

guint64
sw_stream_client_get_received (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->received;
}

guint64
sw_stream_client_get_dropped (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->dropped;
}

guint64
sw_stream_client_get_skipped (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->skipped;
}

guint64
sw_stream_client_get_engine_recorded (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->engine_recorded;
}

guint64
sw_stream_client_get_engine_dropped (SwStreamClient *self)
{
  g_return_val_if_fail (SW_IS_STREAM_CLIENT (self), 0);
  return self->engine_dropped;
}
