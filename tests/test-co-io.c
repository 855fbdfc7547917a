/* test-co-io.c — coroutine socket I/O between coroutines of one thread */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw-co-io.h"
#include "sw-coro-private.h"

#define WAIT_US (20 * G_USEC_PER_SEC)

static GSocket *
listen_loopback (guint16 *out_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

static GSocketAddress *
loopback_address (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (loopback, port);
}

/* Runs @func in a coroutine and returns its value once done (bounded). */
static gpointer
run_co (const char      *name,
        SwCoroutineFunc  func,
        gpointer         arg)
{
  g_autoptr(SwCoroutine) co = sw_co_spawn (name, func, arg, NULL);
  g_autoptr(GError) error = NULL;
  gpointer result;

  g_assert_true (sw_co_joinall (&co, 1, WAIT_US, &error));
  g_assert_no_error (error);
  result = sw_co_join (co, &error);
  g_assert_no_error (error);
  return result;
}

/* A connected pair made with sw_co_accept and sw_co_connect. */
typedef struct
{
  GSocket *listener;
  guint16  port;
  GSocket *server_side;
  GSocket *client_side;
} Pair;

static gpointer
accept_co (gpointer   data,
           GError   **error)
{
  Pair *pair = data;

  pair->server_side = sw_co_accept (pair->listener, WAIT_US, error);
  return pair->server_side;
}

static gpointer
connect_co (gpointer   data,
            GError   **error)
{
  Pair *pair = data;
  g_autoptr(GSocketAddress) address = loopback_address (pair->port);

  pair->client_side = sw_co_connect (address, WAIT_US, error);
  return pair->client_side;
}

static void
pair_open (Pair *pair)
{
  SwCoroutine *cos[2];
  g_autoptr(GError) error = NULL;

  memset (pair, 0, sizeof *pair);
  pair->listener = listen_loopback (&pair->port);
  /* The accept is spawned first, so it waits (ACCEPT) before the connect. */
  cos[0] = sw_co_spawn ("accept", accept_co, pair, NULL);
  cos[1] = sw_co_spawn ("connect", connect_co, pair, NULL);
  g_assert_true (sw_co_joinall (cos, 2, WAIT_US, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_nonnull (sw_co_join (cos[i], &error));
      g_assert_no_error (error);
      sw_co_unref (cos[i]);
    }
  g_assert_true (G_IS_SOCKET (pair->server_side));
  g_assert_true (G_IS_SOCKET (pair->client_side));
}

static void
pair_close (Pair *pair)
{
  g_clear_object (&pair->listener);
  g_clear_object (&pair->server_side);
  g_clear_object (&pair->client_side);
}

/* Ping-pong */

static gpointer
ping_co (gpointer   data,
         GError   **error)
{
  Pair *pair = data;
  char buf[16];
  gssize n;

  if (!sw_co_send_all (pair->client_side, "ping", 4, WAIT_US, error))
    return NULL;
  n = sw_co_recv (pair->client_side, buf, sizeof buf, WAIT_US, error);
  if (n < 0)
    return NULL;
  return g_strndup (buf, (gsize) n);
}

static gpointer
pong_co (gpointer   data,
         GError   **error)
{
  Pair *pair = data;
  char buf[16];
  gssize n;

  n = sw_co_recv (pair->server_side, buf, sizeof buf, WAIT_US, error);
  if (n != 4 || memcmp (buf, "ping", 4) != 0)
    return NULL;
  if (sw_co_send (pair->server_side, "pong", 4, WAIT_US, error) != 4)
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
test_ping_pong (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  SwCoroutine *cos[2];
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  Pair pair;
  guint64 in = 0, out = 0;
  gboolean recv_switch = FALSE, accept_switch = FALSE;

  sw_co_set_trace (trace);
  pair_open (&pair);
  sw_co_socket_set_id (pair.server_side, 7);

  /* The server side waits first: its recv must switch (RECV). */
  cos[0] = sw_co_spawn ("pong", pong_co, &pair, NULL);
  cos[1] = sw_co_spawn ("ping", ping_co, &pair, NULL);
  g_assert_true (sw_co_joinall (cos, 2, WAIT_US, &error));
  g_assert_nonnull (sw_co_join (cos[0], &error));
  g_assert_no_error (error);
  reply = sw_co_join (cos[1], &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "pong");
  sw_co_unref (cos[0]);
  sw_co_unref (cos[1]);
  sw_co_set_trace (NULL);

  /* Bytes recorded, with the server side's connection id. */
  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_BYTES_IN && e->object == 7)
        in += e->arg;
      if (e->kind == SW_EVENT_BYTES_OUT && e->object == 7)
        out += e->arg;
      if (e->kind == SW_EVENT_CO_SWITCH && e->flags == SW_SWITCH_RECV)
        recv_switch = TRUE;
      if (e->kind == SW_EVENT_CO_SWITCH && e->flags == SW_SWITCH_ACCEPT)
        accept_switch = TRUE;
    }
  g_assert_cmpuint (in, ==, 4);
  g_assert_cmpuint (out, ==, 4);
  g_assert_true (recv_switch);
  g_assert_true (accept_switch);

  pair_close (&pair);
}

/* Timeouts */

static gpointer
recv_timeout_co (gpointer   data,
                 GError   **error)
{
  Pair *pair = data;
  g_autoptr(GError) local_error = NULL;
  char buf[4];

  if (sw_co_recv (pair->server_side, buf, sizeof buf, 20 * 1000, &local_error) != -1)
    return NULL;
  return GINT_TO_POINTER (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
}

static gpointer
accept_timeout_co (gpointer   data,
                   GError   **error)
{
  Pair *pair = data;
  g_autoptr(GError) local_error = NULL;
  GSocket *socket;

  socket = sw_co_accept (pair->listener, 20 * 1000, &local_error);
  if (socket != NULL)
    {
      g_object_unref (socket);
      return NULL;
    }
  return GINT_TO_POINTER (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
}

static void
test_timeouts (void)
{
  Pair pair;

  pair_open (&pair);
  g_assert_true (run_co ("recv", recv_timeout_co, &pair));
  g_assert_true (run_co ("accept", accept_timeout_co, &pair));
  /* And in the thread's own code (the main loop runs meanwhile). */
  g_assert_true (recv_timeout_co (&pair, NULL));
  pair_close (&pair);
}

/* EOF, reset, refused, cancelled */

static gpointer
recv_eof_co (gpointer   data,
             GError   **error)
{
  Pair *pair = data;
  char buf[4];

  return GINT_TO_POINTER (sw_co_recv (pair->server_side, buf, sizeof buf, WAIT_US, error) == 0);
}

static gpointer
close_later_co (gpointer   data,
                GError   **error)
{
  Pair *pair = data;

  if (!sw_co_sleep (1000, error))
    return NULL;
  g_socket_close (pair->client_side, NULL);
  return GINT_TO_POINTER (1);
}

static void
test_eof (void)
{
  SwCoroutine *cos[2];
  g_autoptr(GError) error = NULL;
  Pair pair;

  pair_open (&pair);
  cos[0] = sw_co_spawn ("recv", recv_eof_co, &pair, NULL);
  cos[1] = sw_co_spawn ("close", close_later_co, &pair, NULL);
  g_assert_true (sw_co_joinall (cos, 2, WAIT_US, &error));
  g_assert_true (sw_co_join (cos[0], &error));
  g_assert_no_error (error);
  sw_co_unref (cos[0]);
  sw_co_unref (cos[1]);
  pair_close (&pair);
}

static gpointer
recv_reset_co (gpointer   data,
               GError   **error)
{
  Pair *pair = data;
  g_autoptr(GError) local_error = NULL;
  char buf[4];

  if (sw_co_recv (pair->server_side, buf, sizeof buf, WAIT_US, &local_error) != -1)
    return NULL;
  return GINT_TO_POINTER (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED));
}

static void
test_reset (void)
{
  struct linger linger = { 1, 0 };
  g_autoptr(GError) error = NULL;
  Pair pair;

  pair_open (&pair);
  /* Linger 0: close sends RST instead of FIN. */
  g_assert_cmpint (setsockopt (g_socket_get_fd (pair.client_side), SOL_SOCKET, SO_LINGER,
                               &linger, sizeof linger), ==, 0);
  g_assert_true (g_socket_close (pair.client_side, &error));
  g_assert_true (run_co ("recv", recv_reset_co, &pair));
  pair_close (&pair);
}

static gpointer
connect_refused_co (gpointer   data,
                    GError   **error)
{
  guint16 port = GPOINTER_TO_UINT (data);
  g_autoptr(GSocketAddress) address = loopback_address (port);
  g_autoptr(GError) local_error = NULL;
  GSocket *socket;

  socket = sw_co_connect (address, WAIT_US, &local_error);
  if (socket != NULL)
    {
      g_object_unref (socket);
      return NULL;
    }
  return GINT_TO_POINTER (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED));
}

static void
test_connect_refused (void)
{
  guint16 port;
  GSocket *listener = listen_loopback (&port);

  /* A port that was just free: nothing listens there now. */
  g_object_unref (listener);
  g_assert_true (run_co ("connect", connect_refused_co, GUINT_TO_POINTER (port)));
}

static gpointer
recv_forever_co (gpointer   data,
                 GError   **error)
{
  Pair *pair = data;
  g_autoptr(GError) local_error = NULL;
  char buf[4];

  if (sw_co_recv (pair->server_side, buf, sizeof buf, -1, &local_error) != -1)
    return NULL;
  return GINT_TO_POINTER (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

static void
test_cancel (void)
{
  g_autoptr(SwCoroutine) co = NULL;
  g_autoptr(GError) error = NULL;
  Pair pair;

  pair_open (&pair);
  co = sw_co_spawn ("recv", recv_forever_co, &pair, NULL);
  g_assert_true (sw_co_sleep (1000, &error));
  g_assert_false (sw_co_is_done (co));
  sw_co_cancel (co);
  g_assert_true (sw_co_joinall (&co, 1, WAIT_US, &error));
  g_assert_true (sw_co_join (co, &error));
  g_assert_no_error (error);
  pair_close (&pair);
}

/* Partial writes: more than the socket buffers hold, read in small bites */

#define BIG_SIZE (4 * 1024 * 1024)

static gpointer
send_big_co (gpointer   data,
             GError   **error)
{
  Pair *pair = data;
  g_autofree guint8 *buf = g_malloc (BIG_SIZE);

  for (gsize i = 0; i < BIG_SIZE; i++)
    buf[i] = (guint8) (i * 7 + (i >> 12));
  if (!sw_co_send_all (pair->client_side, buf, BIG_SIZE, WAIT_US, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static gpointer
recv_big_co (gpointer   data,
             GError   **error)
{
  Pair *pair = data;
  g_autofree guint8 *buf = g_malloc (BIG_SIZE);
  gsize got = 0;

  while (got < BIG_SIZE)
    {
      gssize n = sw_co_recv (pair->server_side, buf + got, MIN (BIG_SIZE - got, 1000), WAIT_US, error);

      if (n <= 0)
        return NULL;
      got += (gsize) n;
    }
  for (gsize i = 0; i < BIG_SIZE; i++)
    if (buf[i] != (guint8) (i * 7 + (i >> 12)))
      return NULL;
  return GINT_TO_POINTER (1);
}

static void
test_send_all_partial (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  SwCoroutine *cos[2];
  g_autoptr(GError) error = NULL;
  gboolean send_switch = FALSE;
  Pair pair;

  sw_co_set_trace (trace);
  pair_open (&pair);
  cos[0] = sw_co_spawn ("send", send_big_co, &pair, NULL);
  cos[1] = sw_co_spawn ("recv", recv_big_co, &pair, NULL);
  g_assert_true (sw_co_joinall (cos, 2, WAIT_US, &error));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (sw_co_join (cos[i], &error));
      g_assert_no_error (error);
      sw_co_unref (cos[i]);
    }
  sw_co_set_trace (NULL);

  /* 4 MiB do not fit the loopback buffers: the sender had to wait. */
  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_CO_SWITCH && e->flags == SW_SWITCH_SEND)
        send_switch = TRUE;
    }
  g_assert_true (send_switch);
  pair_close (&pair);
}

/* The thread's own code: recv waits by running the main loop, so a
 * coroutine can send meanwhile. */
static gpointer
send_later_co (gpointer   data,
               GError   **error)
{
  Pair *pair = data;

  if (!sw_co_sleep (2000, error))
    return NULL;
  return GINT_TO_POINTER (sw_co_send_all (pair->client_side, "late", 4, WAIT_US, error));
}

static void
test_outside_coroutine (void)
{
  g_autoptr(SwCoroutine) co = NULL;
  g_autoptr(GError) error = NULL;
  char buf[8];
  Pair pair;

  pair_open (&pair);
  co = sw_co_spawn ("send", send_later_co, &pair, NULL);
  g_assert_cmpint (sw_co_recv (pair.server_side, buf, sizeof buf, WAIT_US, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpmem (buf, 4, "late", 4);
  g_assert_true (sw_co_join (co, &error));
  g_assert_no_error (error);
  pair_close (&pair);
}

static void
test_closed_socket (void)
{
  g_autoptr(GError) error = NULL;
  char buf[4];
  Pair pair;

  pair_open (&pair);
  g_assert_true (g_socket_close (pair.server_side, &error));
  g_assert_cmpint (sw_co_recv (pair.server_side, buf, sizeof buf, 0, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  pair_close (&pair);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/CoIo/ping-pong", test_ping_pong);
  g_test_add_func ("/Sw/CoIo/timeouts", test_timeouts);
  g_test_add_func ("/Sw/CoIo/eof", test_eof);
  g_test_add_func ("/Sw/CoIo/reset", test_reset);
  g_test_add_func ("/Sw/CoIo/connect-refused", test_connect_refused);
  g_test_add_func ("/Sw/CoIo/cancel", test_cancel);
  g_test_add_func ("/Sw/CoIo/send-all-partial", test_send_all_partial);
  g_test_add_func ("/Sw/CoIo/outside-coroutine", test_outside_coroutine);
  g_test_add_func ("/Sw/CoIo/closed-socket", test_closed_socket);

  return g_test_run ();
}
