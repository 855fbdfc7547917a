/* sw-echo-server.c — the single-thread coroutine echo server (lesson 5)
 *
 * The lesson's gevent server in C: an accept loop spawns one coroutine per
 * connection, and each one loops recv → upper-case → send until EOF or a
 * reset.  Unlike the lesson's, it stops at EOF (the lesson's loop echoes
 * b'' forever) and it survives running out of file descriptors.
 *
 * Every connection receives into one buffer shared by the thread: a
 * coroutine runs alone until it switches, and the reply is sent from that
 * buffer without waiting (_sw_co_send_nowait); only a reply the socket
 * cannot take at once is copied to the connection's own memory before it
 * waits.  So 10,000 idle connections cost their stacks and sockets, no
 * buffers.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-echo-server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw-co-io.h"
#include "sw-co-io-private.h"
#include "sw-coro.h"
#include "sw-coro-private.h"
#include "sw-net-private.h"

#define RECV_BUFFER_SIZE   (64 * 1024)
#define BACKOFF_MIN_US     (50 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US     (1 * G_TIME_SPAN_SECOND)
#define STOP_TIMEOUT_US    (10 * G_TIME_SPAN_SECOND)

typedef struct _Conn Conn;

struct _Conn
{
  SwEchoServer *server;   /* borrowed: the server outlives its coroutines */
  GSocket      *socket;   /* owned */
  SwCoroutine  *co;       /* owned; NULL until spawned */
  guint64       id;
  Conn         *prev;
  Conn         *next;
};

struct _SwEchoServer
{
  GObject       parent_instance;

  /* set once */
  GThread      *owner;
  SwTrace      *trace;          /* nullable */
  GSocket      *listener;
  char         *host;
  guint16       port;
  guint64       connections_id; /* interned counter names */
  guint64       messages_id;
  guint64       switches_id;

  /* owned by the server's thread */
  SwCoroutine  *accept_co;
  GSource      *stats_source;
  Conn         *conns;          /* open connections, newest first */
  guint64       next_conn_id;
  int           wake_fd;        /* eventfd: a descriptor was freed */
  gboolean      accept_paused;  /* backing off after EMFILE/ENFILE */
  guint8       *buffer;         /* shared by every connection */
  guint64       stats_messages;
  guint64       stats_switches;
  gint64        stats_time;

  /* written by the server's thread, read from any */
  gint          stopped;
  gint          n_open;
  guint64       n_accepted;
  guint64       n_messages;
  guint64       n_bytes;
  guint64       n_errors;
};

G_DEFINE_FINAL_TYPE (SwEchoServer, sw_echo_server, G_TYPE_OBJECT)

/* One writer (the server's thread), readers anywhere: relaxed atomics are
 * enough for counters. */
#define COUNTER_ADD(field, n) \
  __atomic_store_n (&(field), (field) + (n), __ATOMIC_RELAXED)
#define COUNTER_GET(field) \
  __atomic_load_n (&(field), __ATOMIC_RELAXED)

static void
record_counter (SwEchoServer *self,
                guint64       name_id,
                guint64       value)
{
  if (self->trace != NULL)
    sw_trace_record (self->trace, SW_EVENT_COUNTER, 0, name_id, value);
}

static void
set_n_open (SwEchoServer *self,
            guint         n_open)
{
  g_atomic_int_set (&self->n_open, n_open);
  record_counter (self, self->connections_id, n_open);
}

/* Connections */

static void
conn_release (gpointer data)
{
  Conn *conn = data;
  SwEchoServer *self = conn->server;

  if (conn->prev != NULL)
    conn->prev->next = conn->next;
  else
    self->conns = conn->next;
  if (conn->next != NULL)
    conn->next->prev = conn->prev;

  /* Closing frees a descriptor: an accept loop that ran out of them may
   * go on now rather than at the end of its backoff. */
  g_clear_object (&conn->socket);
  if (self->accept_paused && self->wake_fd >= 0)
    {
      guint64 one = 1;

      if (write (self->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        g_debug ("echo server: cannot wake the accept loop: %s", g_strerror (errno));
    }

  set_n_open (self, g_atomic_int_get (&self->n_open) - 1);
  g_clear_pointer (&conn->co, sw_co_unref);
  g_free (conn);
}

static inline void
upcase_ascii (guint8 *p,
              gsize   n)
{
  /* Branch-free so the compiler can vectorise it: flips bit 5 of a..z. */
  for (gsize i = 0; i < n; i++)
    p[i] ^= (guint8) (((guint8) (p[i] - 'a') < 26u) << 5);
}

static gpointer
conn_co (gpointer   data,
         GError   **error)
{
  Conn *conn = data;
  SwEchoServer *self = conn->server;
  GSocket *socket = conn->socket;
  g_autoptr(GError) local_error = NULL;

  if (self->trace != NULL)
    sw_trace_record (self->trace, SW_EVENT_CONN_OPEN, 0, conn->id, 0);
  sw_co_socket_set_id (socket, conn->id);

  for (gboolean drained = FALSE;; )
    {
      gssize n, sent;

      /* A short read emptied the socket: in a closed loop the next request
       * comes only after our reply, so a recv now would just say EAGAIN —
       * one wasted syscall per message.  Wait first, then read. */
      if (drained &&
          !_sw_co_wait_socket (socket, G_IO_IN, -1, SW_SWITCH_RECV, &local_error))
        break;
      n = sw_co_recv (socket, self->buffer, RECV_BUFFER_SIZE, -1, &local_error);
      drained = n < RECV_BUFFER_SIZE;
      if (n <= 0)
        break;

      COUNTER_ADD (self->n_messages, 1);
      COUNTER_ADD (self->n_bytes, (guint64) n);
      upcase_ascii (self->buffer, (gsize) n);

      /* From the shared buffer while this coroutine still owns the
       * thread; what the socket cannot take now gets a copy of its own. */
      sent = _sw_co_send_nowait (socket, self->buffer, (gsize) n, &local_error);
      if (sent < 0)
        break;
      if (sent < n)
        {
          g_autofree guint8 *rest = g_memdup2 (self->buffer + sent, (gsize) (n - sent));

          if (!sw_co_send_all (socket, rest, (gsize) (n - sent), -1, &local_error))
            break;
        }
    }

  if (local_error != NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      COUNTER_ADD (self->n_errors, 1);
      /* The lesson's ConnectionResetError: this client is gone, the
       * others go on. */
      g_debug ("echo server: connection %" G_GUINT64_FORMAT ": %s", conn->id, local_error->message);
      if (self->trace != NULL)
        sw_trace_log (self->trace, "connection %" G_GUINT64_FORMAT ": %s", conn->id, local_error->message);
    }

  /* Close now, not when the scheduler reaps us: the peer sees EOF at once. */
  _sw_co_forget_fd (g_socket_get_fd (socket));
  if (!g_socket_close (socket, &local_error) && local_error != NULL)
    g_debug ("echo server: closing connection %" G_GUINT64_FORMAT ": %s", conn->id, local_error->message);
  if (self->trace != NULL)
    sw_trace_record (self->trace, SW_EVENT_CONN_CLOSE, 0, conn->id, 0);
  return NULL;
}

/* The accept loop */

static void
log_line (SwEchoServer *self,
          const char   *line)
{
  g_message ("%s", line);
  if (self->trace != NULL)
    sw_trace_log (self->trace, "%s", line);
}

static void
drain_wake_fd (SwEchoServer *self)
{
  guint64 value;

  while (read (self->wake_fd, &value, sizeof value) < 0 && errno == EINTR)
    ;
}

/* Out of descriptors: Linux keeps the pending connection in the backlog
 * and the listener readable, so waiting on it would spin.  Wait instead
 * for a connection to close (the wake fd) or the backoff to pass.
 * Returns FALSE when cancelled. */
static gboolean
back_off (SwEchoServer *self,
          gint64       *backoff_us)
{
  g_autoptr(GError) error = NULL;

  self->accept_paused = TRUE;
  if (_sw_co_wait_fd (self->wake_fd, G_IO_IN, *backoff_us, SW_SWITCH_ACCEPT, &error))
    {
      drain_wake_fd (self);
      *backoff_us = BACKOFF_MIN_US;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    *backoff_us = MIN (*backoff_us * 2, BACKOFF_MAX_US);
  else
    {
      self->accept_paused = FALSE;
      return FALSE;
    }
  self->accept_paused = FALSE;
  return TRUE;
}

static gboolean
spawn_conn (SwEchoServer *self,
            GSocket      *socket)
{
  char name[32];
  Conn *conn;
  SwCoroutine *co;
  int one = 1;

  /* Replies are written whole; don't let Nagle hold back a partial one. */
  (void) setsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  conn = g_new0 (Conn, 1);
  conn->server = self;
  conn->socket = socket;
  conn->id = ++self->next_conn_id;
  conn->next = self->conns;
  if (self->conns != NULL)
    self->conns->prev = conn;
  self->conns = conn;
  COUNTER_ADD (self->n_accepted, 1);
  set_n_open (self, g_atomic_int_get (&self->n_open) + 1);

  g_snprintf (name, sizeof name, "conn %" G_GUINT64_FORMAT, conn->id);
  co = sw_co_spawn (name, conn_co, conn, conn_release);
  /* Born done (no stack could be mapped): conn_release already ran. */
  if (sw_co_is_done (co))
    {
      g_autoptr(GError) error = NULL;

      (void) sw_co_join (co, &error);
      g_debug ("echo server: cannot serve a connection: %s", error ? error->message : "?");
      sw_co_unref (co);
      return FALSE;
    }
  conn->co = co;
  return TRUE;
}

static gpointer
accept_co (gpointer   data,
           GError   **error)
{
  SwEchoServer *self = data;
  gint64 backoff_us = BACKOFF_MIN_US;
  gboolean short_of_fds = FALSE;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GSocket *socket;

      /* Accepts until the backlog is empty each time it wakes: connects
       * come in bursts of thousands.  While recovering from EMFILE, look
       * without waiting, to learn when the backlog is drained. */
      socket = sw_co_accept (self->listener, short_of_fds ? 0 : -1, &local_error);
      if (socket != NULL)
        {
          (void) spawn_conn (self, socket);
          continue;
        }

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_autofree char *line = NULL;

          short_of_fds = FALSE;
          backoff_us = BACKOFF_MIN_US;
          line = g_strdup_printf ("accept: file descriptors available again; serving %u connections",
                                  g_atomic_int_get (&self->n_open));
          log_line (self, line);
          continue;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
        {
          if (!short_of_fds)
            {
              g_autofree char *line = NULL;

              short_of_fds = TRUE;
              line = g_strdup_printf ("accept: out of file descriptors; serving the %u open connections, retrying",
                                      g_atomic_int_get (&self->n_open));
              log_line (self, line);
            }
          if (!back_off (self, &backoff_us))
            break;
          continue;
        }

      /* Anything else (ENOBUFS, ENOMEM…) is as transient as we can hope:
       * say so and retry later rather than end the server. */
      g_message ("accept: %s; retrying", local_error->message);
      if (!back_off (self, &backoff_us))
        break;
    }
  return NULL;
}

/* Counters once a second */

static gboolean
stats_cb (gpointer data)
{
  SwEchoServer *self = data;
  gint64 now = g_get_monotonic_time ();
  gint64 elapsed = MAX (now - self->stats_time, 1);
  guint64 messages = self->n_messages;
  guint64 switches = sw_co_get_switch_count ();

  record_counter (self, self->messages_id,
                  (messages - self->stats_messages) * G_USEC_PER_SEC / (guint64) elapsed);
  record_counter (self, self->switches_id,
                  (switches - self->stats_switches) * G_USEC_PER_SEC / (guint64) elapsed);
  self->stats_messages = messages;
  self->stats_switches = switches;
  self->stats_time = now;
  return G_SOURCE_CONTINUE;
}

/* GObject */

static void
sw_echo_server_dispose (GObject *object)
{
  SwEchoServer *self = SW_ECHO_SERVER (object);

  if (!sw_echo_server_is_stopped (self))
    {
      if (self->owner == g_thread_self ())
        sw_echo_server_stop (self);
      else
        g_critical ("SwEchoServer disposed on another thread while running; stop it on its own thread first");
    }

  G_OBJECT_CLASS (sw_echo_server_parent_class)->dispose (object);
}

static void
sw_echo_server_finalize (GObject *object)
{
  SwEchoServer *self = SW_ECHO_SERVER (object);

  g_clear_object (&self->listener);
  g_clear_object (&self->trace);
  g_free (self->host);
  g_free (self->buffer);
  if (self->wake_fd >= 0)
    close (self->wake_fd);

  G_OBJECT_CLASS (sw_echo_server_parent_class)->finalize (object);
}

static void
sw_echo_server_class_init (SwEchoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sw_echo_server_dispose;
  object_class->finalize = sw_echo_server_finalize;
}

static void
sw_echo_server_init (SwEchoServer *self)
{
  self->wake_fd = -1;
}

/* Public API */

static char *
format_host_port (const char *host,
                  guint       port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* Binds and listens; the error message names host:port and says why, in
 * one line ("cannot listen on 127.0.0.1:8080: Address already in use"). */
static GSocket *
listen_on (const char  *host,
           guint16      port,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *where = format_host_port (host, port);
  struct sockaddr_storage native;
  int one = 1;
  int fd;

  inet = _sw_net_resolve (host, &local_error);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("cannot listen on %s: %s"), where, local_error->message);
      return NULL;
    }
  address = g_inet_socket_address_new (inet, port);
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   _("cannot listen on %s: %s"), where, local_error->message);
      return NULL;
    }

  /* Raw bind to report the system's own reason in one line. SO_REUSEADDR
   * lets a restarted server bind past TIME_WAIT; Linux still refuses a
   * port another socket listens on. */
  fd = g_socket_get_fd (socket);
  if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      !g_socket_address_to_native (address, &native, sizeof native, NULL) ||
      bind (fd, (struct sockaddr *) &native, (socklen_t) g_socket_address_get_native_size (address)) < 0)
    {
      int err = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   _("cannot listen on %s: %s"), where, g_strerror (err));
      return NULL;
    }

  g_socket_set_listen_backlog (socket, SW_ECHO_SERVER_BACKLOG);
  if (!g_socket_listen (socket, &local_error))
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   _("cannot listen on %s: %s"), where, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&socket);
}

/**
 * sw_echo_server_new:
 * @trace: (nullable): where to record
 * @host: an IP address or a name to resolve
 * @port: 0 for any free port
 *
 * Returns: (transfer full): a listening server, or NULL with @error
 */
SwEchoServer *
sw_echo_server_new (SwTrace     *trace,
                    const char  *host,
                    guint16      port,
                    GError     **error)
{
  g_autoptr(SwEchoServer) self = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) listener = NULL;
  int wake_fd;

  g_return_val_if_fail (trace == NULL || SW_IS_TRACE (trace), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  listener = listen_on (host, port, error);
  if (listener == NULL)
    return NULL;

  wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0)
    {
      int err = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   _("cannot start the echo server: eventfd: %s"), g_strerror (err));
      return NULL;
    }

  self = g_object_new (SW_TYPE_ECHO_SERVER, NULL);
  self->owner = g_thread_self ();
  self->wake_fd = wake_fd;
  self->listener = g_steal_pointer (&listener);
  self->buffer = g_malloc (RECV_BUFFER_SIZE);

  local = g_socket_get_local_address (self->listener, error);
  if (local == NULL)
    return NULL;
  self->host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  if (trace != NULL && trace != _sw_co_get_trace ())
    sw_co_set_trace (trace);
  self->trace = trace ? g_object_ref (trace) : (_sw_co_get_trace () ? g_object_ref (_sw_co_get_trace ()) : NULL);
  if (self->trace != NULL)
    {
      self->connections_id = sw_trace_intern (self->trace, "connections");
      self->messages_id = sw_trace_intern (self->trace, "messages/s");
      self->switches_id = sw_trace_intern (self->trace, "switches/s");
      record_counter (self, self->connections_id, 0);
    }

  self->accept_co = sw_co_spawn ("accept", accept_co, self, NULL);

  self->stats_time = g_get_monotonic_time ();
  self->stats_switches = sw_co_get_switch_count ();
  self->stats_source = g_timeout_source_new_seconds (1);
  g_source_set_name (self->stats_source, "SwEchoServer counters");
  g_source_set_callback (self->stats_source, stats_cb, self, NULL);
  g_source_attach (self->stats_source, g_main_context_get_thread_default ());

  return g_steal_pointer (&self);
}

const char *
sw_echo_server_get_host (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), NULL);

  return self->host;
}

guint16
sw_echo_server_get_port (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return self->port;
}

static gboolean
wake_loop_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Any thread: whoever cancels. */
static void
wake_context_cb (GCancellable *cancellable,
                 gpointer      context)
{
  g_main_context_wakeup (context);
}

gboolean
sw_echo_server_serve (SwEchoServer  *self,
                      GCancellable  *cancellable,
                      gint64         duration_us,
                      GError       **error)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gulong cancelled_id = 0;
  GSource *timeout_source = NULL;
  gint64 deadline = -1;

  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), FALSE);
  g_return_val_if_fail (self->owner == g_thread_self (), FALSE);
  g_return_val_if_fail (sw_co_self () == NULL, FALSE);

  if (sw_echo_server_is_stopped (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The echo server is stopped"));
      return FALSE;
    }

  /* The handler and the timeout only wake the loop; the condition is
   * below.  (Not a GCancellableSource: GLib 2.74's can leak itself when
   * the cancel races its destruction.) */
  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (wake_context_cb),
                                          g_main_context_ref_thread_default (),
                                          (GDestroyNotify) g_main_context_unref);
  if (duration_us >= 0)
    {
      deadline = g_get_monotonic_time () + duration_us;
      /* Only a wake-up: the loop below checks the deadline itself. */
      timeout_source = g_timeout_source_new ((guint) CLAMP (duration_us / 1000, 1, G_MAXUINT));
      g_source_set_callback (timeout_source, wake_loop_cb, NULL, NULL);
      g_source_attach (timeout_source, context);
    }

  while (!g_cancellable_is_cancelled (cancellable) &&
         (deadline < 0 || g_get_monotonic_time () < deadline))
    g_main_context_iteration (context, TRUE);

  if (cancelled_id != 0)
    g_cancellable_disconnect (cancellable, cancelled_id);
  if (timeout_source != NULL)
    {
      g_source_destroy (timeout_source);
      g_source_unref (timeout_source);
    }

  sw_echo_server_stop (self);
  return TRUE;
}

void
sw_echo_server_stop (SwEchoServer *self)
{
  g_autoptr(GPtrArray) cos = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SW_IS_ECHO_SERVER (self));
  g_return_if_fail (self->owner == g_thread_self ());

  if (sw_echo_server_is_stopped (self))
    return;
  g_atomic_int_set (&self->stopped, TRUE);

  cos = g_ptr_array_new_with_free_func ((GDestroyNotify) sw_co_unref);
  if (self->accept_co != NULL)
    g_ptr_array_add (cos, g_steal_pointer (&self->accept_co));
  for (Conn *conn = self->conns; conn != NULL; conn = conn->next)
    if (conn->co != NULL)
      g_ptr_array_add (cos, sw_co_ref (conn->co));
  for (guint i = 0; i < cos->len; i++)
    sw_co_cancel (cos->pdata[i]);

  /* Cancelled coroutines end at their next wait: bounded, but say so if a
   * body ignored its cancellation for that long. */
  if (!sw_co_joinall ((SwCoroutine **) cos->pdata, cos->len, STOP_TIMEOUT_US, &error))
    g_warning ("echo server: stopping: %s", error->message);

  if (!g_socket_close (self->listener, &error) && error != NULL)
    g_debug ("echo server: closing the listener: %s", error->message);
  if (self->stats_source != NULL)
    {
      stats_cb (self);
      g_source_destroy (self->stats_source);
      g_clear_pointer (&self->stats_source, g_source_unref);
    }
}

gboolean
sw_echo_server_is_stopped (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), TRUE);

  return g_atomic_int_get (&self->stopped);
}

guint
sw_echo_server_get_n_open (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return (guint) g_atomic_int_get (&self->n_open);
}

guint64
sw_echo_server_get_n_accepted (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return COUNTER_GET (self->n_accepted);
}

guint64
sw_echo_server_get_n_messages (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return COUNTER_GET (self->n_messages);
}

guint64
sw_echo_server_get_n_bytes (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return COUNTER_GET (self->n_bytes);
}

guint64
sw_echo_server_get_n_errors (SwEchoServer *self)
{
  g_return_val_if_fail (SW_IS_ECHO_SERVER (self), 0);

  return COUNTER_GET (self->n_errors);
}
