/* sw-stream-client.c — SwStreamClient: one viewer of a stream server
 *
 * The client reads on its caller's GMainContext and imports frames into a
 * trace of its own with an SwTraceImporter, like the process pool imports
 * its workers.  The wire itself is in sw-stream.c.
 */
#include "config.h"

#include "sw-stream-client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <glib-unix.h>

#include "sw-clock.h"
#include "sw-error.h"
#include "sw-stream-private.h"

#define IDLE_TIMEOUT_US    (10 * G_TIME_SPAN_SECOND)

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
  _sw_stream_in_buf_clear (&self->in);
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
  guint64 remote_now = _sw_stream_get_u64 (in);
  guint64 origin = _sw_stream_get_u64 (in);
  G_GNUC_UNUSED guint64 backlog = _sw_stream_get_u64 (in);
  guint32 pid = _sw_stream_get_u32 (in);
  g_autofree char *name = _sw_stream_get_string (in, MAX_NAME_ON_WIRE);

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
  guint32 n = _sw_stream_get_u32 (in);

  for (guint32 i = 0; i < n && in->ok; i++)
    {
      SwLane lane;
      g_autofree char *name = NULL;

      lane.id = _sw_stream_get_u32 (in);
      lane.kind = (SwLaneKind) _sw_stream_get_u32 (in);
      lane.pid = (gint) _sw_stream_get_u32 (in);
      lane.tid = (gint) _sw_stream_get_u32 (in);
      lane.parent = _sw_stream_get_u32 (in);
      name = _sw_stream_get_string (in, MAX_NAME_ON_WIRE);
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
  guint64 first = _sw_stream_get_u64 (in);
  guint32 n = _sw_stream_get_u32 (in);

  if (!in->ok || first != self->next_string)
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    {
      g_autofree char *str = _sw_stream_get_string (in, MAX_STRING_ON_WIRE);

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
  guint32 n = _sw_stream_get_u32 (in);

  if (!in->ok || (gsize) n * sizeof (SwEvent) != in->left)
    return FALSE;

  for (guint32 i = 0; i < n; i++)
    {
      SwEvent *e = &self->scratch[i];
      guint32 kind_flags;

      e->time = _sw_stream_get_u64 (in) + (guint64) self->time_offset;
      e->lane = _sw_stream_get_u32 (in);
      kind_flags = _sw_stream_get_u32 (in);
      e->kind = (guint16) (kind_flags & 0xffff);
      e->flags = (guint16) (kind_flags >> 16);
      e->object = _sw_stream_get_u64 (in);
      e->arg = _sw_stream_get_u64 (in);

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
  guint64 dropped = _sw_stream_get_u64 (in);
  guint64 skipped = _sw_stream_get_u64 (in);
  guint64 recorded = _sw_stream_get_u64 (in);
  guint64 engine_dropped = _sw_stream_get_u64 (in);

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
                           "%s sent a frame of kind '%s' before the handshake: not a Switchyard stream server",
                           self->address, _sw_stream_frame_name (type));
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
                           self->address, _sw_stream_frame_name (type), type, length);
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
      gssize n = _sw_stream_in_buf_read (&self->in, fd);
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

      while ((r = _sw_stream_in_buf_next (&self->in, &version, &type, &payload, &length)) != IN_NEED_MORE)
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
                                   "%s sent a frame of kind '%s' and %u bytes, over the limit of %u bytes",
                                   self->address, _sw_stream_frame_name (type), length, SW_STREAM_MAX_FRAME);
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
  _sw_stream_put_preamble (hello, SW_STREAM_PROTOCOL_VERSION);
  start = _sw_stream_frame_begin (hello, FRAME_HELLO);
  _sw_stream_put_u32 (hello, (guint32) token_len);
  if (token_len)
    g_byte_array_append (hello, (const guint8 *) self->token, (guint) token_len);
  _sw_stream_frame_end (hello, start);

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

  _sw_stream_in_buf_init (&self->in, SW_STREAM_MAX_FRAME);
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
