/* sw-co-io.c — socket I/O that switches coroutines instead of blocking
 *
 * The calls work on the socket's fd directly (GSocket keeps every fd it
 * owns non-blocking): a recv/send/accept4 is tried at once, and only when
 * it says EAGAIN does the coroutine wait for the fd through the scheduler.
 * So the common case is one syscall, no allocation and no GError; a GError
 * is built only for a real failure.  GSocket objects are made only for new
 * connections (accept, connect).
 *
 * Connection ids live in a per-thread table indexed by fd: a lookup per
 * call costs an array read, not a qdata search.  accept and connect reset
 * the entry of the fd they hand out, so a recycled fd number never carries
 * an old connection's id.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-co-io.h"
#include "sw-co-io-private.h"
#include "sw-coro-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SW_TLS __thread __attribute__ ((tls_model ("initial-exec")))

typedef struct
{
  guint64 *ids;
  guint    n_ids;
} ConnIds;

static SW_TLS ConnIds conn_ids;
static GPrivate conn_ids_private = G_PRIVATE_INIT (g_free);

static inline guint64
conn_id_for_fd (int fd)
{
  return (guint) fd < conn_ids.n_ids ? conn_ids.ids[fd] : 0;
}

static void
conn_id_set (int     fd,
             guint64 id)
{
  if ((guint) fd >= conn_ids.n_ids)
    {
      guint n;

      if (id == 0)
        return;
      n = MAX (64u, conn_ids.n_ids);
      while (n <= (guint) fd)
        n *= 2;
      conn_ids.ids = g_renew (guint64, conn_ids.ids, n);
      memset (conn_ids.ids + conn_ids.n_ids, 0, (n - conn_ids.n_ids) * sizeof (guint64));
      conn_ids.n_ids = n;
      /* Freed with the thread (the pointer may move on each growth). */
      g_private_set (&conn_ids_private, conn_ids.ids);
    }
  conn_ids.ids[fd] = id;
}

/**
 * sw_co_socket_set_id:
 * @socket: a socket used from this thread
 * @connection_id: the id BYTES_IN/BYTES_OUT events of @socket carry
 *
 * Per thread: the id is seen by the calls made on this thread.
 */
void
sw_co_socket_set_id (GSocket *socket,
                     guint64  connection_id)
{
  int fd;

  g_return_if_fail (G_IS_SOCKET (socket));

  fd = g_socket_get_fd (socket);
  g_return_if_fail (fd >= 0);
  conn_id_set (fd, connection_id);
}

/* Errors */

static void
set_errno_error (GError    **error,
                 int         err,
                 const char *what)
{
  GIOErrorEnum code;

  switch (err)
    {
    case ECONNRESET:
    case EPIPE:
      /* The lesson's ConnectionResetError / BrokenPipeError: the peer is
       * gone.  One code so callers need test only one. */
      code = G_IO_ERROR_CONNECTION_CLOSED;
      break;
    default:
      code = g_io_error_from_errno (err);
      break;
    }
  g_set_error (error, G_IO_ERROR, code, "%s: %s", what, g_strerror (err));
}

static gboolean
socket_fd_ok (GSocket  *socket,
              int      *out_fd,
              GError  **error)
{
  int fd = g_socket_get_fd (socket);

  if (G_UNLIKELY (fd < 0 || g_socket_is_closed (socket)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Socket is already closed"));
      return FALSE;
    }
  *out_fd = fd;
  return TRUE;
}

/* A wait with what is left of a deadline set at the first EAGAIN, so
 * that the fast path never reads the clock. */
static gboolean
wait_fd (GSocket        *socket,
         int             fd,
         GIOCondition    events,
         gint64          timeout_us,
         gint64         *deadline,
         SwSwitchReason  reason,
         GError        **error)
{
  gint64 left = -1;

  if (timeout_us >= 0)
    {
      gint64 now = g_get_monotonic_time ();

      if (*deadline < 0)
        *deadline = timeout_us > G_MAXINT64 - now ? G_MAXINT64 : now + timeout_us;
      left = MAX (*deadline - now, 0);
    }
  /* A socket's fd stays in epoll (edge-triggered); a bare fd (connect's,
   * before it has a socket) is armed for this one wait. */
  if (socket != NULL)
    return _sw_co_wait_socket (socket, events, left, reason, error);
  return _sw_co_wait_fd (fd, events, left, reason, error);
}

static inline void
record_bytes (SwEventKind kind,
              int         fd,
              gssize      n)
{
  SwTrace *trace = _sw_co_get_trace ();

  if (trace != NULL)
    sw_trace_record (trace, kind, 0, conn_id_for_fd (fd), (guint64) n);
}

/* Public calls */

gssize
sw_co_recv (GSocket  *socket,
            void     *buffer,
            gsize     size,
            gint64    timeout_us,
            GError  **error)
{
  gint64 deadline = -1;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (socket), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);

  if (!socket_fd_ok (socket, &fd, error))
    return -1;

  for (;;)
    {
      gssize n = recv (fd, buffer, size, 0);

      if (n >= 0)
        {
          if (n > 0)
            record_bytes (SW_EVENT_BYTES_IN, fd, n);
          return n;
        }
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
          set_errno_error (error, errno, "Error receiving data");
          return -1;
        }
      if (!wait_fd (socket, fd, G_IO_IN, timeout_us, &deadline, SW_SWITCH_RECV, error))
        return -1;
    }
}

gssize
sw_co_send (GSocket     *socket,
            const void  *buffer,
            gsize        size,
            gint64       timeout_us,
            GError     **error)
{
  gint64 deadline = -1;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (socket), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);

  if (!socket_fd_ok (socket, &fd, error))
    return -1;

  for (;;)
    {
      /* MSG_NOSIGNAL: a vanished peer is an error here, not a SIGPIPE. */
      gssize n = send (fd, buffer, size, MSG_NOSIGNAL);

      if (n >= 0)
        {
          if (n > 0)
            record_bytes (SW_EVENT_BYTES_OUT, fd, n);
          return n;
        }
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
          set_errno_error (error, errno, "Error sending data");
          return -1;
        }
      if (!wait_fd (socket, fd, G_IO_OUT, timeout_us, &deadline, SW_SWITCH_SEND, error))
        return -1;
    }
}

gssize
_sw_co_send_nowait (GSocket     *socket,
                    const void  *buffer,
                    gsize        size,
                    GError     **error)
{
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (socket), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);

  if (!socket_fd_ok (socket, &fd, error))
    return -1;

  for (;;)
    {
      gssize n = send (fd, buffer, size, MSG_NOSIGNAL);

      if (n > 0)
        {
          record_bytes (SW_EVENT_BYTES_OUT, fd, n);
          return n;
        }
      if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      if (errno != EINTR)
        {
          set_errno_error (error, errno, "Error sending data");
          return -1;
        }
    }
}

/**
 * sw_co_send_all:
 *
 * The timeout is for the whole buffer, not for each partial write.
 */
gboolean
sw_co_send_all (GSocket     *socket,
                const void  *buffer,
                gsize        size,
                gint64       timeout_us,
                GError     **error)
{
  const char *p = buffer;
  gint64 deadline = -1;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (buffer != NULL || size == 0, FALSE);

  if (!socket_fd_ok (socket, &fd, error))
    return FALSE;

  while (size > 0)
    {
      gssize n = send (fd, p, size, MSG_NOSIGNAL);

      if (n > 0)
        {
          record_bytes (SW_EVENT_BYTES_OUT, fd, n);
          p += n;
          size -= (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        {
          set_errno_error (error, errno, "Error sending data");
          return FALSE;
        }
      if (!wait_fd (socket, fd, G_IO_OUT, timeout_us, &deadline, SW_SWITCH_SEND, error))
        return FALSE;
    }
  return TRUE;
}

/* Wraps a connected fd (closed on failure). */
static GSocket *
socket_from_fd (int      fd,
                GError **error)
{
  GSocket *socket;

  conn_id_set (fd, 0);
  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    (void) close (fd);
  return socket;
}

/**
 * sw_co_accept:
 *
 * Fails with G_IO_ERROR_TOO_MANY_OPEN_FILES when the process (EMFILE) or
 * the system (ENFILE) is out of descriptors: the pending connection stays
 * in the backlog and the listener stays readable, so a caller that just
 * retries would spin — back off instead.
 */
GSocket *
sw_co_accept (GSocket  *listener,
              gint64    timeout_us,
              GError  **error)
{
  gint64 deadline = -1;
  int lfd;

  g_return_val_if_fail (G_IS_SOCKET (listener), NULL);

  if (!socket_fd_ok (listener, &lfd, error))
    return NULL;

  for (;;)
    {
      int fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd >= 0)
        return socket_from_fd (fd, error);

      switch (errno)
        {
        case EINTR:
        case ECONNABORTED:  /* the client gave up while in the backlog */
        case EPROTO:
          continue;
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
          if (!wait_fd (listener, lfd, G_IO_IN, timeout_us, &deadline, SW_SWITCH_ACCEPT, error))
            return NULL;
          continue;
        case ENFILE:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                       _("Error accepting connection: %s"), g_strerror (ENFILE));
          return NULL;
        default:
          set_errno_error (error, errno, "Error accepting connection");
          return NULL;
        }
    }
}

GSocket *
sw_co_connect (GSocketAddress  *address,
               gint64           timeout_us,
               GError         **error)
{
  struct sockaddr_storage native;
  gssize native_len;
  gint64 deadline = -1;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), NULL);

  native_len = g_socket_address_get_native_size (address);
  if (native_len < 0 || (gsize) native_len > sizeof native)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Unsupported socket address"));
      return NULL;
    }
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return NULL;

  fd = socket (native.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, "Cannot create socket");
      return NULL;
    }

  if (connect (fd, (struct sockaddr *) &native, (socklen_t) native_len) < 0)
    {
      int err = errno;

      /* A connect interrupted by a signal goes on in the background, as
       * one that is in progress. */
      if (err != EINPROGRESS && err != EINTR)
        {
          set_errno_error (error, err, "Error connecting");
          (void) close (fd);
          return NULL;
        }

      if (!wait_fd (NULL, fd, G_IO_OUT, timeout_us, &deadline, SW_SWITCH_CONNECT, error))
        {
          (void) close (fd);
          return NULL;
        }

      socklen_t len = sizeof err;
      if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
      if (err != 0)
        {
          set_errno_error (error, err, "Error connecting");
          (void) close (fd);
          return NULL;
        }
    }

  return socket_from_fd (fd, error);
}
