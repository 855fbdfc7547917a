/* sw-stream-server.c — SwStreamServer: a trace, live, to any number of viewers
 *
 * The server is one thread of its own around poll(): the listening socket,
 * a wake pipe and every viewer's non-blocking socket.  Each viewer has its
 * own SwTraceCursor, so a viewer that lags only keeps its place in the
 * trace; the recording threads never see the server.  The wire itself is
 * in sw-stream.c.
 */
#include "config.h"

#include "sw-stream-server.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#include "sw-clock.h"
#include "sw-error.h"
#include "sw-net-private.h"
#include "sw-stream-private.h"

#define MAX_HELLO          4096u
#define MAX_VIEWERS        32u
#define BATCH_EVENTS       16384u                 /* 512 KiB of events a frame */
#define META_FRAME_TARGET  (SW_STREAM_MAX_FRAME / 2)
#define STATS_INTERVAL_US  (250 * G_TIME_SPAN_MILLISECOND)
#define LINGER_US          G_TIME_SPAN_SECOND

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
  _sw_stream_in_buf_clear (&v->in);
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
    _sw_stream_put_preamble (v->out, SW_STREAM_PROTOCOL_VERSION);
  v->preamble_sent = TRUE;
  start = _sw_stream_frame_begin (v->out, FRAME_REFUSED);
  g_byte_array_append (v->out, (const guint8 *) reason, (guint) strlen (reason));
  _sw_stream_frame_end (v->out, start);
  v->closing = TRUE;
  v->deadline = g_get_monotonic_time () + LINGER_US;
}

static void
put_stats (SwStreamServer *self,
           Viewer         *v,
           guint32         type)
{
  gsize start = _sw_stream_frame_begin (v->out, type);

  _sw_stream_put_u64 (v->out, v->dropped);
  _sw_stream_put_u64 (v->out, v->skipped);
  _sw_stream_put_u64 (v->out, sw_trace_get_recorded (self->trace));
  _sw_stream_put_u64 (v->out, sw_trace_get_dropped (self->trace));
  _sw_stream_frame_end (v->out, start);
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
      gsize start = _sw_stream_frame_begin (v->out, FRAME_LANES);
      gsize count_at = v->out->len;
      guint32 n = 0, le;

      _sw_stream_put_u32 (v->out, 0);
      for (; i < lanes->len && v->out->len - start < META_FRAME_TARGET; i++, n++)
        {
          const SwLane *lane = &g_array_index (lanes, SwLane, i);

          _sw_stream_put_u32 (v->out, lane->id);
          _sw_stream_put_u32 (v->out, lane->kind);
          _sw_stream_put_u32 (v->out, (guint32) lane->pid);
          _sw_stream_put_u32 (v->out, (guint32) lane->tid);
          _sw_stream_put_u32 (v->out, lane->parent);
          _sw_stream_put_string (v->out, lane->name ? lane->name : "", MAX_NAME_ON_WIRE);
        }
      le = GUINT32_TO_LE (n);
      memcpy (v->out->data + count_at, &le, 4);
      _sw_stream_frame_end (v->out, start);
    }
  v->lanes_sent += lanes->len;

  i = 0;
  while (i < strings->len)
    {
      gsize start = _sw_stream_frame_begin (v->out, FRAME_STRINGS);
      gsize count_at;
      guint32 n = 0, le;

      _sw_stream_put_u64 (v->out, v->next_string + i);
      count_at = v->out->len;
      _sw_stream_put_u32 (v->out, 0);
      for (; i < strings->len && v->out->len - start < META_FRAME_TARGET; i++, n++)
        _sw_stream_put_string (v->out, g_ptr_array_index (strings, i), MAX_STRING_ON_WIRE);
      le = GUINT32_TO_LE (n);
      memcpy (v->out->data + count_at, &le, 4);
      _sw_stream_frame_end (v->out, start);
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

  _sw_stream_put_preamble (v->out, SW_STREAM_PROTOCOL_VERSION);
  v->preamble_sent = TRUE;
  start = _sw_stream_frame_begin (v->out, FRAME_WELCOME);
  _sw_stream_put_u64 (v->out, (guint64) sw_clock_monotonic_ns ());
  _sw_stream_put_u64 (v->out, (guint64) sw_trace_get_origin_ns (self->trace));
  _sw_stream_put_u64 (v->out, self->backlog_limit);
  _sw_stream_put_u32 (v->out, (guint32) getpid ());
  _sw_stream_put_string (v->out, self->name, MAX_NAME_ON_WIRE);
  _sw_stream_frame_end (v->out, start);

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
  guint32 token_len = _sw_stream_get_u32 (&in);
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
      else if (!_sw_stream_token_equal (token, self->token))
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
      gssize n = _sw_stream_in_buf_read (&v->in, v->fd);
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

      while ((r = _sw_stream_in_buf_next (&v->in, &version, &type, &payload, &length)) != IN_NEED_MORE)
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
                                        _sw_stream_frame_name (type), length, v->in.max_payload);
              break;
            case IN_FRAME:
              if (!v->welcomed && type == FRAME_HELLO)
                viewer_check_hello (self, v, payload, length);
              else
                reason = g_strdup_printf ("unexpected %s frame (type %u) from the viewer",
                                          _sw_stream_frame_name (type), type);
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
        _sw_stream_put_events (v->out, self->scratch, kept);
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
          g_autofree char *peer = _sw_stream_format_sockaddr ((struct sockaddr *) &ss, len, NULL);

          server_log (self, "stream: refused viewer %s: too many connections", peer);
          close (fd);
          continue;
        }

      v = g_new0 (Viewer, 1);
      v->fd = fd;
      v->peer = _sw_stream_format_sockaddr ((struct sockaddr *) &ss, len, &v->loopback);
      v->out = g_byte_array_new ();
      v->deadline = g_get_monotonic_time () + HANDSHAKE_TIMEOUT_US;
      _sw_stream_in_buf_init (&v->in, MAX_HELLO);
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
  g_autoptr(GError) local = NULL;
  struct sockaddr_storage ss;
  socklen_t len;
  guint16 port;
  int one = 1;
  int fd;

  g_return_val_if_fail (SW_IS_STREAM_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL && self->listen_fd < 0, FALSE);

  if (!sw_stream_parse_address (address, &host, &port, error))
    return FALSE;

  /* A name: its IPv4 address first, as the echo server does. */
  inet = _sw_net_resolve (host, &local);
  if (inet == NULL)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   "cannot listen on %s: %s", address, local->message);
      return FALSE;
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
  self->address = _sw_stream_format_sockaddr ((struct sockaddr *) &ss, len, NULL);
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
