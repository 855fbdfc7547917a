/* test-echo-server.c — the coroutine echo server over loopback
 *
 * The server runs on the test's main thread (its coroutines on the global
 * default context); clients are plain blocking sockets on threads of
 * their own, every receive bounded by SO_RCVTIMEO, while the main thread
 * iterates its context.  `switchyard-cli serve` runs as a child process.
 */
#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw-echo-server.h"
#include "sw-coro.h"

#define WAIT_US        (30 * G_USEC_PER_SEC)
#define CLIENT_TIMEOUT 20  /* s: SO_RCVTIMEO / SO_SNDTIMEO of test clients */

/* Helpers: blocking clients */

static int
client_connect (guint16 port)
{
  struct sockaddr_in sin = { 0 };
  struct timeval tv = { CLIENT_TIMEOUT, 0 };
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), ==, 0);
  sin.sin_family = AF_INET;
  sin.sin_port = g_htons (port);
  sin.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    g_error ("connect to port %u: %s", port, g_strerror (errno));
  return fd;
}

static void
client_send (int         fd,
             const void *data,
             gsize       size)
{
  const char *p = data;

  while (size > 0)
    {
      gssize n = send (fd, p, size, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("client send: %s", n < 0 ? g_strerror (errno) : "0 bytes");
      p += n;
      size -= (gsize) n;
    }
}

static void
client_recv_exact (int    fd,
                   void  *data,
                   gsize  size)
{
  char *p = data;

  while (size > 0)
    {
      gssize n = recv (fd, p, size, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("client recv: %s", n < 0 ? g_strerror (errno) : "EOF");
      p += n;
      size -= (gsize) n;
    }
}

/* After everything was read: the server's close, within the bound. */
static void
client_expect_eof (int fd)
{
  char c;
  gssize n;

  do
    n = recv (fd, &c, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n != 0)
    g_error ("expected EOF, got %s", n < 0 ? g_strerror (errno) : "data");
}

static guint8 *
expected_echo (const guint8 *data,
               gsize         size)
{
  guint8 *out = g_memdup2 (data, size);

  for (gsize i = 0; i < size; i++)
    if (out[i] >= 'a' && out[i] <= 'z')
      out[i] = (guint8) (out[i] - 'a' + 'A');
  return out;
}

static void
client_echo (int          fd,
             const void  *data,
             gsize        size)
{
  g_autofree guint8 *want = expected_echo (data, size);
  g_autofree guint8 *got = g_malloc (MAX (size, 1));

  client_send (fd, data, size);
  client_recv_exact (fd, got, size);
  g_assert_cmpmem (got, size, want, size);
}

/* Helpers: clients on threads while the main thread serves */

typedef struct
{
  GThreadFunc  func;
  gpointer     data;
  GThread     *thread;
  gint         done;
} Client;

static gpointer
client_thread (gpointer data)
{
  Client *client = data;

  client->func (client->data);
  g_atomic_int_set (&client->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @cond holds (bounded). */
static void
serve_until (gboolean (*cond) (gpointer),
             gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  guint tick = g_timeout_add (20, tick_cb, NULL);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("condition not met within %d s", (int) (WAIT_US / G_USEC_PER_SEC));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
clients_done (gpointer data)
{
  GPtrArray *clients = data;

  for (guint i = 0; i < clients->len; i++)
    if (!g_atomic_int_get (&((Client *) clients->pdata[i])->done))
      return FALSE;
  return TRUE;
}

/* Runs the NULL-terminated func/data pairs on threads until all end. */
static void
run_clients (GThreadFunc func,
             gpointer    data,
             ...)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  va_start (args, data);
  while (func != NULL)
    {
      Client *client = g_new0 (Client, 1);

      client->func = func;
      client->data = data;
      client->thread = g_thread_new ("client", client_thread, client);
      g_ptr_array_add (clients, client);
      func = va_arg (args, GThreadFunc);
      data = func ? va_arg (args, gpointer) : NULL;
    }
  va_end (args);

  serve_until (clients_done, clients);
  for (guint i = 0; i < clients->len; i++)
    g_thread_join (((Client *) clients->pdata[i])->thread);
}

static SwEchoServer *
server_new (SwTrace *trace)
{
  g_autoptr(GError) error = NULL;
  SwEchoServer *server = sw_echo_server_new (trace, "127.0.0.1", 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (server);
  g_assert_cmpstr (sw_echo_server_get_host (server), ==, "127.0.0.1");
  g_assert_cmpuint (sw_echo_server_get_port (server), >, 0);
  return server;
}

typedef struct
{
  SwEchoServer *server;
  guint16       port;
  gint          flag;
  gint          count;
} Ctx;

static gboolean
n_open_is (gpointer data)
{
  Ctx *ctx = data;

  return sw_echo_server_get_n_open (ctx->server) == (guint) g_atomic_int_get (&ctx->count);
}

static void
wait_n_open (Ctx  *ctx,
             guint n)
{
  g_atomic_int_set (&ctx->count, (gint) n);
  serve_until (n_open_is, ctx);
}

/* Replies */

static gpointer
letters_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);

  client_echo (fd, "hello, World! 123", 17);
  client_echo (fd, "say hello 1", 11);
  close (fd);
  return NULL;
}

static void
test_upper_case (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (letters_client, &ctx, NULL);
  wait_n_open (&ctx, 0);
  g_assert_cmpuint (sw_echo_server_get_n_accepted (server), ==, 1);
  g_assert_cmpuint (sw_echo_server_get_n_errors (server), ==, 0);
  g_assert_cmpuint (sw_echo_server_get_n_messages (server), >=, 2);
}

static gpointer
binary_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);
  static const char utf8[] = "h\xc3\xa9llo \xc3\x9f \xd0\xb6\xd1\x83\xd0\xba \xe2\x82\xac z";
  guint8 all[256];
  char reply[sizeof utf8];

  for (guint i = 0; i < 256; i++)
    all[i] = (guint8) i;
  client_echo (fd, all, sizeof all);
  client_echo (fd, "\0a\0b\0", 5);
  /* Only ASCII letters change: é, ß, жук and € pass untouched. */
  client_send (fd, utf8, sizeof utf8 - 1);
  client_recv_exact (fd, reply, sizeof utf8 - 1);
  g_assert_cmpmem (reply, sizeof utf8 - 1,
                   "H\xc3\xa9LLO \xc3\x9f \xd0\xb6\xd1\x83\xd0\xba \xe2\x82\xac Z", sizeof utf8 - 1);
  close (fd);
  return NULL;
}

static void
test_binary (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (binary_client, &ctx, NULL);
}

/* A 1 MiB message: echoed completely and in order, then EOF after a
 * half-close. */

#define LARGE_SIZE (1024 * 1024)

typedef struct
{
  int           fd;
  const guint8 *data;
} LargeSend;

static gpointer
large_sender (gpointer data)
{
  LargeSend *send = data;

  client_send (send->fd, send->data, LARGE_SIZE);
  shutdown (send->fd, SHUT_WR);
  return NULL;
}

static gpointer
large_client (gpointer data)
{
  Ctx *ctx = data;
  g_autofree guint8 *message = g_malloc (LARGE_SIZE);
  g_autofree guint8 *want = NULL;
  g_autofree guint8 *got = g_malloc (LARGE_SIZE);
  LargeSend send;
  GThread *sender;
  guint32 state = 12345;

  /* Letters, digits and binary, in an order a reordering would break. */
  for (gsize i = 0; i < LARGE_SIZE; i++)
    {
      state = state * 1103515245u + 12345u;
      message[i] = (i % 3 == 0) ? (guint8) ('a' + (state >> 16) % 26) : (guint8) (state >> 24);
    }
  want = expected_echo (message, LARGE_SIZE);

  send.fd = client_connect (ctx->port);
  send.data = message;
  /* Send and receive at once: the server echoes as it reads, so a client
   * that sends 1 MiB before reading would fill both directions. */
  sender = g_thread_new ("sender", large_sender, &send);
  client_recv_exact (send.fd, got, LARGE_SIZE);
  g_thread_join (sender);
  g_assert_true (memcmp (got, want, LARGE_SIZE) == 0);
  client_expect_eof (send.fd);
  close (send.fd);
  return NULL;
}

static void
test_large_message (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (large_client, &ctx, NULL);
  g_assert_cmpuint (sw_echo_server_get_n_bytes (server), ==, LARGE_SIZE);
  g_assert_cmpuint (sw_echo_server_get_n_errors (server), ==, 0);
}

/* Half-close: shut down the write side, still get the echo, then EOF. */

static gpointer
half_close_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);
  char reply[5];

  client_send (fd, "bye!\n", 5);
  g_assert_cmpint (shutdown (fd, SHUT_WR), ==, 0);
  client_recv_exact (fd, reply, 5);
  g_assert_cmpmem (reply, 5, "BYE!\n", 5);
  client_expect_eof (fd);
  close (fd);
  return NULL;
}

static void
test_half_close (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (half_close_client, &ctx, NULL);
  wait_n_open (&ctx, 0);
  g_assert_cmpuint (sw_echo_server_get_n_errors (server), ==, 0);
}

/* A client reset mid-message does not disturb another client. */

static gpointer
resetting_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);
  struct linger linger = { 1, 0 };
  g_autofree guint8 *junk = g_malloc0 (256 * 1024);
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  /* Served first, so the reset hits a connection in use. */
  client_echo (fd, "abc", 3);
  /* Then never reads again: the server is left with replies to send. */
  client_send (fd, junk, 256 * 1024);
  while (sw_echo_server_get_n_bytes (ctx->server) < 64 * 1024)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger), ==, 0);
  close (fd);  /* RST: the lesson's ConnectionResetError */
  g_atomic_int_set (&ctx->flag, 1);
  return NULL;
}

static gpointer
steady_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  guint i = 0;

  client_echo (fd, "before", 6);
  /* Keep talking through the reset and after it. */
  while (!g_atomic_int_get (&ctx->flag) || sw_echo_server_get_n_errors (ctx->server) == 0 || i < 10)
    {
      char msg[32];

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_snprintf (msg, sizeof msg, "steady %u", i++);
      client_echo (fd, msg, strlen (msg));
    }
  client_echo (fd, "after", 5);
  close (fd);
  return NULL;
}

static void
test_reset (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (resetting_client, &ctx, steady_client, &ctx, NULL);
  wait_n_open (&ctx, 0);
  g_assert_cmpuint (sw_echo_server_get_n_errors (server), ==, 1);
  g_assert_cmpuint (sw_echo_server_get_n_accepted (server), ==, 2);
}

/* 2,000 idle connections do not keep an active one waiting. */

#define N_IDLE 2000

static gboolean
raise_fd_limit (guint need)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return FALSE;
  if (rl.rlim_cur >= need)
    return TRUE;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
    return FALSE;
  rl.rlim_cur = need;
  return setrlimit (RLIMIT_NOFILE, &rl) == 0;
}

static gpointer
idle_clients (gpointer data)
{
  Ctx *ctx = data;
  int *fds = g_new (int, N_IDLE);
  gint64 deadline = g_get_monotonic_time () + 2 * WAIT_US;

  for (guint i = 0; i < N_IDLE; i++)
    fds[i] = client_connect (ctx->port);
  g_atomic_int_set (&ctx->flag, 1);
  /* Hold them until the active client is done. */
  while (g_atomic_int_get (&ctx->flag) != 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  for (guint i = 0; i < N_IDLE; i++)
    close (fds[i]);
  g_free (fds);
  return NULL;
}

static gpointer
active_client (gpointer data)
{
  Ctx *ctx = data;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  int fd;

  while (g_atomic_int_get (&ctx->flag) == 0 || sw_echo_server_get_n_open (ctx->server) < N_IDLE)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  fd = client_connect (ctx->port);
  /* Each echo within SO_RCVTIMEO (the generous bound). */
  for (guint i = 0; i < 100; i++)
    client_echo (fd, "active", 6);
  close (fd);
  g_atomic_int_set (&ctx->flag, 2);
  return NULL;
}

static void
test_idle_connections (void)
{
  g_autoptr(SwEchoServer) server = NULL;
  Ctx ctx = { 0 };

  /* Both ends of every connection live in this process. */
  if (!raise_fd_limit (2 * N_IDLE + 100))
    {
      g_test_skip ("RLIMIT_NOFILE too low for 2,000 loopback connections");
      return;
    }
  server = server_new (NULL);
  ctx.server = server;
  ctx.port = sw_echo_server_get_port (server);

  run_clients (idle_clients, &ctx, active_client, &ctx, NULL);
  g_assert_cmpuint (sw_echo_server_get_n_accepted (server), ==, N_IDLE + 1);
  wait_n_open (&ctx, 0);
  g_assert_cmpuint (sw_echo_server_get_n_errors (server), ==, 0);
}

/* A client sending one byte per second does not delay the others. */

#define SLOW_BYTES 4

static gpointer
slow_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);
  const char *msg = "slow";

  for (guint i = 0; i < SLOW_BYTES; i++)
    {
      char c;

      if (i > 0)
        g_usleep (G_USEC_PER_SEC);
      client_send (fd, msg + i, 1);
      g_atomic_int_set (&ctx->count, (gint) i + 1);
      client_recv_exact (fd, &c, 1);
      g_assert_cmpint (c, ==, g_ascii_toupper (msg[i]));
    }
  close (fd);
  return NULL;
}

static gpointer
fast_client (gpointer data)
{
  Ctx *ctx = data;
  int fd;

  while (g_atomic_int_get (&ctx->count) == 0)
    g_usleep (1000);
  fd = client_connect (ctx->port);
  for (guint i = 0; i < 200; i++)
    client_echo (fd, "fast message", 12);
  close (fd);
  /* Done while the slow one is still in its message. */
  g_atomic_int_set (&ctx->flag, g_atomic_int_get (&ctx->count) < SLOW_BYTES ? 1 : -1);
  return NULL;
}

static void
test_slow_client (void)
{
  g_autoptr(SwEchoServer) server = server_new (NULL);
  Ctx ctx = { server, sw_echo_server_get_port (server) };

  run_clients (slow_client, &ctx, fast_client, &ctx, NULL);
  g_assert_cmpint (ctx.flag, ==, 1);
}

/* Stop: every connection ends, the listener closes. */

static gpointer
connect_three (gpointer data)
{
  Ctx *ctx = data;
  int fds[3];

  for (guint i = 0; i < 3; i++)
    {
      fds[i] = client_connect (ctx->port);
      client_echo (fds[i], "x", 1);
    }
  g_atomic_int_set (&ctx->flag, 1);
  for (guint i = 0; i < 3; i++)
    {
      client_expect_eof (fds[i]);
      close (fds[i]);
    }
  return NULL;
}

static gboolean
flag_set (gpointer data)
{
  return g_atomic_int_get (&((Ctx *) data)->flag) != 0;
}

static void
test_stop (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwEchoServer) server = server_new (trace);
  g_autoptr(GArray) events = NULL;
  Ctx ctx = { server, sw_echo_server_get_port (server) };
  GThread *thread;
  guint opens = 0, closes = 0, counters = 0;
  guint64 connections_id = sw_trace_intern (trace, "connections");
  gboolean conn_lane = FALSE;
  g_autoptr(GArray) lanes = NULL;

  thread = g_thread_new ("client", connect_three, &ctx);
  serve_until (flag_set, &ctx);
  g_assert_cmpuint (sw_echo_server_get_n_open (server), ==, 3);
  sw_echo_server_stop (server);
  g_assert_true (sw_echo_server_is_stopped (server));
  g_assert_cmpuint (sw_echo_server_get_n_open (server), ==, 0);
  sw_echo_server_stop (server);  /* idempotent */
  g_thread_join (thread);

  /* Refused now: nothing listens. */
  {
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = g_htons (ctx.port),
                               .sin_addr.s_addr = g_htonl (INADDR_LOOPBACK) };
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint (connect (fd, (struct sockaddr *) &sin, sizeof sin), ==, -1);
    g_assert_cmpint (errno, ==, ECONNREFUSED);
    close (fd);
  }

  /* Recorded: a lane per connection, opens and closes, the counter. */
  sw_co_set_trace (NULL);
  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      opens += e->kind == SW_EVENT_CONN_OPEN;
      closes += e->kind == SW_EVENT_CONN_CLOSE;
      counters += e->kind == SW_EVENT_COUNTER && e->object == connections_id;
    }
  g_assert_cmpuint (opens, ==, 3);
  g_assert_cmpuint (closes, ==, 3);
  g_assert_cmpuint (counters, >=, 7);  /* 0, up to 3, down to 0 */
  lanes = sw_trace_dup_lanes (trace);
  for (guint i = 0; i < lanes->len; i++)
    if (g_strcmp0 (g_array_index (lanes, SwLane, i).name, "conn 3") == 0)
      conn_lane = TRUE;
  g_assert_true (conn_lane);
}

/* switchyard-cli serve */

static const char *
cli_path (void)
{
  const char *path = g_getenv ("SW_CLI");

  if (path == NULL)
    g_error ("SW_CLI is not set (run through meson test)");
  return path;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  gboolean *done = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
bool_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Waits (bounded) for the child to exit; returns its exit status. */
static int
wait_exit (GSubprocess *proc)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (proc, NULL, wait_cb, &done);
  serve_until (bool_set, &done);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static void
limit_fds_cb (gpointer data)
{
  struct rlimit rl;

  getrlimit (RLIMIT_NOFILE, &rl);
  rl.rlim_cur = GPOINTER_TO_UINT (data);
  setrlimit (RLIMIT_NOFILE, &rl);
}

/* Starts `serve ARGS… --port 0`; returns the port of its first line. */
static GSubprocess *
spawn_serve (guint               fd_limit,
             guint16            *out_port,
             GDataInputStream  **out_stdout,
             GDataInputStream  **out_stderr,
             ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  GSubprocess *proc;
  const char *arg;
  unsigned port = 0;
  va_list args;

  g_ptr_array_add (argv, (char *) cli_path ());
  g_ptr_array_add (argv, "serve");
  va_start (args, out_stderr);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (fd_limit > 0)
    g_subprocess_launcher_set_child_setup (launcher, limit_fds_cb, GUINT_TO_POINTER (fd_limit), NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  *out_stdout = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  *out_stderr = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
  line = g_data_input_stream_read_line (*out_stdout, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on 127.0.0.1:"));
  g_assert_cmpint (sscanf (line, "listening on 127.0.0.1:%u", &port), ==, 1);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpuint (port, <, 65536);
  *out_port = (guint16) port;
  return proc;
}

static char *
read_rest (GDataInputStream *stream)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  char *rest = g_data_input_stream_read_upto (stream, "", 1, &len, NULL, &error);

  g_assert_no_error (error);
  return rest ? rest : g_strdup ("");
}

static gpointer
one_echo_client (gpointer data)
{
  Ctx *ctx = data;
  int fd = client_connect (ctx->port);

  client_echo (fd, "Hello from the test", 19);
  close (fd);
  return NULL;
}

static void
test_cli_port_zero_duration (void)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree char *rest = NULL;
  Ctx ctx = { 0 };

  proc = spawn_serve (0, &ctx.port, &out, &err, "--port", "0", "--duration", "1.5", NULL);
  one_echo_client (&ctx);
  /* --duration ends it by itself. */
  g_assert_cmpint (wait_exit (proc), ==, 0);
  rest = read_rest (out);
  g_assert_nonnull (strstr (rest, "serve: connections 1 messages 1 "));
}

/* Clients busy echoing when the server is told to stop: they must see the
 * connection end (EOF or reset), never a wrong reply. */
#define N_BUSY 50

static gpointer
busy_clients (gpointer data)
{
  Ctx *ctx = data;
  int fds[N_BUSY];
  guint live = N_BUSY;

  for (guint i = 0; i < N_BUSY; i++)
    fds[i] = client_connect (ctx->port);
  while (live > 0)
    {
      for (guint i = 0; i < N_BUSY; i++)
        {
          char reply[8];
          gssize n;

          if (fds[i] < 0)
            continue;
          n = send (fds[i], "busy 42", 7, MSG_NOSIGNAL);
          if (n == 7)
            {
              gsize got = 0;

              while (got < 7 && (n = recv (fds[i], reply + got, 7 - got, 0)) > 0)
                got += (gsize) n;
              if (got == 7)
                {
                  g_assert_cmpmem (reply, 7, "BUSY 42", 7);
                  g_atomic_int_inc (&ctx->count);
                  continue;
                }
            }
          /* Ended by the server: EOF or a reset, not a timeout. */
          g_assert_true (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)));
          close (fds[i]);
          fds[i] = -1;
          live--;
        }
    }
  return NULL;
}

static void
test_cli_sigint_trace (void)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sw-serve-XXXXXX", &error);
  g_autofree char *trace = g_build_filename (dir, "serve.json", NULL);
  JsonArray *events;
  gboolean conn_lane = FALSE;
  guint exits = 0;
  Ctx ctx = { 0 };
  GThread *busy;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  int fd;

  g_assert_no_error (error);
  proc = spawn_serve (0, &ctx.port, &out, &err, "--port", "0", "--trace", trace, NULL);
  one_echo_client (&ctx);
  /* One client still connected when the signal comes. */
  fd = client_connect (ctx.port);
  client_echo (fd, "still here", 10);
  busy = g_thread_new ("busy", busy_clients, &ctx);
  /* Signal in the middle of the traffic. */
  while (g_atomic_int_get (&ctx.count) < 1000)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_subprocess_send_signal (proc, SIGINT);
  g_assert_cmpint (wait_exit (proc), ==, 0);
  client_expect_eof (fd);
  close (fd);
  g_thread_join (busy);

  g_assert_true (json_parser_load_from_file (parser, trace, &error));
  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "traceEvents");
  g_assert_nonnull (events);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *name = json_object_get_string_member_with_default (e, "name", "");

      if (g_str_equal (name, "thread_name") &&
          g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (e, "args"), "name"), "conn 2 ("))
        conn_lane = TRUE;
      if (g_str_equal (name, "exit"))
        exits++;
    }
  g_assert_true (conn_lane);
  /* Complete: the accept loop and every connection ended before it was written. */
  g_assert_cmpuint (exits, >=, 3 + N_BUSY);

  g_unlink (trace);
  g_rmdir (dir);
}

static void
test_cli_port_in_use (void)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *port_arg = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(SwEchoServer) server = server_new (NULL);
  guint16 port = sw_echo_server_get_port (server);

  port_arg = g_strdup_printf ("%u", port);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           cli_path (), "serve", "--port", port_arg, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf ("switchyard-cli: cannot listen on 127.0.0.1:%u: Address already in use\n", port);
  g_assert_cmpstr (err, ==, expected);
}

/* Accept hits EMFILE (the child's RLIMIT_NOFILE is tiny): existing
 * connections are served, it is said once, no busy loop, and serving
 * resumes when descriptors free up. */

#define EMFILE_LIMIT   16
#define EMFILE_CLIENTS 24

static guint64
cpu_ticks (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  unsigned long long utime = 0, stime = 0;
  const char *p;

  g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
  p = strrchr (stat, ')');
  g_assert_nonnull (p);
  /* After the name: state ppid pgrp session tty tpgid flags minflt
   * cminflt majflt cmajflt utime stime. */
  g_assert_cmpint (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                           &utime, &stime), ==, 2);
  return utime + stime;
}

static void
test_cli_emfile (void)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *rest = NULL;
  const char *found;
  int fds[EMFILE_CLIENTS];
  guint served = 0, n_logged = 0;
  guint64 before, after;
  long hz = sysconf (_SC_CLK_TCK);
  Ctx ctx = { 0 };

  proc = spawn_serve (EMFILE_LIMIT, &ctx.port, &out, &err, "--port", "0", NULL);

  /* Connects complete in the backlog whether or not the server accepts. */
  for (guint i = 0; i < EMFILE_CLIENTS; i++)
    fds[i] = client_connect (ctx.port);

  /* The server says it once, with how many it serves: the first ones. */
  line = g_data_input_stream_read_line (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  found = strstr (line, "accept: out of file descriptors; serving the ");
  g_assert_nonnull (found);
  g_assert_cmpint (sscanf (found, "accept: out of file descriptors; serving the %u open", &served), ==, 1);
  g_assert_cmpuint (served, >, 0);
  g_assert_cmpuint (served, <, EMFILE_CLIENTS - 2);

  for (guint i = 0; i < served; i++)
    client_echo (fds[i], "served", 6);

  /* No busy loop while the backlog waits: well under half a core. */
  before = cpu_ticks (g_subprocess_get_identifier (proc));
  g_usleep (G_USEC_PER_SEC);
  after = cpu_ticks (g_subprocess_get_identifier (proc));
  g_test_message ("server CPU while out of descriptors: %" G_GUINT64_FORMAT " ticks of %ld in 1 s",
                  after - before, hz);
  g_assert_cmpuint (after - before, <, (guint64) hz / 2);

  /* Still serving the connections it has. */
  for (guint i = 0; i < served; i++)
    client_echo (fds[i], "still served", 12);

  /* Two descriptors free up: the next two in the backlog get served. */
  close (fds[0]);
  close (fds[1]);
  client_echo (fds[served], "resumed", 7);
  client_echo (fds[served + 1], "resumed too", 11);

  for (guint i = 2; i < EMFILE_CLIENTS; i++)
    close (fds[i]);
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_cmpint (wait_exit (proc), ==, 0);

  rest = read_rest (err);
  n_logged = 1;
  for (const char *p = rest; (p = strstr (p, "out of file descriptors")) != NULL; p++)
    n_logged++;
  g_assert_cmpuint (n_logged, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/EchoServer/upper-case", test_upper_case);
  g_test_add_func ("/Sw/EchoServer/binary-nul-utf8", test_binary);
  g_test_add_func ("/Sw/EchoServer/large-message", test_large_message);
  g_test_add_func ("/Sw/EchoServer/half-close", test_half_close);
  g_test_add_func ("/Sw/EchoServer/reset-mid-message", test_reset);
  g_test_add_func ("/Sw/EchoServer/idle-connections", test_idle_connections);
  g_test_add_func ("/Sw/EchoServer/slow-client", test_slow_client);
  g_test_add_func ("/Sw/EchoServer/stop", test_stop);
  g_test_add_func ("/Sw/EchoServer/cli-port-zero-duration", test_cli_port_zero_duration);
  g_test_add_func ("/Sw/EchoServer/cli-sigint-trace", test_cli_sigint_trace);
  g_test_add_func ("/Sw/EchoServer/cli-port-in-use", test_cli_port_in_use);
  g_test_add_func ("/Sw/EchoServer/cli-emfile", test_cli_emfile);

  return g_test_run ();
}
