/* test-flood.c — the client flood against right and wrong servers
 *
 * The right server is the real coroutine echo server on a thread of its
 * own; the wrong ones are tiny blocking servers here (a thread each
 * connection) that echo without upper-casing or close after one reply.
 * The CLI runs as a child process (SW_CLI) against both, and against
 * `switchyard-cli serve`.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "switchyard.h"

/* Bounded spin waits: conditions, never time. */
#define SPIN_LIMIT_US (60 * G_USEC_PER_SEC)

/* A local blocking server that answers wrongly on purpose */

typedef enum {
  LOCAL_UPPER,             /* right: like the real server */
  LOCAL_NO_UPPER,          /* echoes the bytes unchanged */
  LOCAL_CLOSE_AFTER_FIRST, /* one right reply, then closes */
} LocalKind;

typedef struct {
  LocalKind  kind;
  int        fd;
  guint16    port;
  gint       stop;           /* atomic */
  gint       n_messages;     /* atomic: receives answered */
  GThread   *accept_thread;
  GMutex     mutex;
  GPtrArray *threads;        /* guarded by mutex */
  GArray    *conn_fds;       /* int; guarded by mutex */
} LocalServer;

typedef struct {
  LocalServer *server;
  int          fd;
} LocalConn;

static gboolean
write_all (int         fd,
           const char *buffer,
           gsize       size)
{
  while (size > 0)
    {
      ssize_t n = send (fd, buffer, size, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      buffer += n;
      size -= (gsize) n;
    }
  return TRUE;
}

static gpointer
local_conn_thread (gpointer data)
{
  LocalConn *conn = data;
  LocalServer *server = conn->server;
  char buffer[4096];

  for (;;)
    {
      ssize_t n = recv (conn->fd, buffer, sizeof buffer, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (server->kind != LOCAL_NO_UPPER)
        for (ssize_t i = 0; i < n; i++)
          buffer[i] = g_ascii_toupper (buffer[i]);
      if (!write_all (conn->fd, buffer, (gsize) n))
        break;
      g_atomic_int_inc (&server->n_messages);
      if (server->kind == LOCAL_CLOSE_AFTER_FIRST)
        break;
    }
  /* The fd stays open (listed) until the server stops: only shut down,
   * so the listed number is never reused by another connection. */
  shutdown (conn->fd, SHUT_RDWR);
  g_free (conn);
  return NULL;
}

static gpointer
local_accept_thread (gpointer data)
{
  LocalServer *server = data;

  while (!g_atomic_int_get (&server->stop))
    {
      struct pollfd pfd = { server->fd, POLLIN, 0 };
      LocalConn *conn;
      int fd;

      /* A short poll so stop is seen; not a timing of anything tested. */
      if (poll (&pfd, 1, 20) <= 0)
        continue;
      fd = accept4 (server->fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      conn = g_new0 (LocalConn, 1);
      conn->server = server;
      conn->fd = fd;
      g_mutex_lock (&server->mutex);
      g_array_append_val (server->conn_fds, fd);
      g_ptr_array_add (server->threads, g_thread_new ("local-conn", local_conn_thread, conn));
      g_mutex_unlock (&server->mutex);
    }
  return NULL;
}

static int
listen_loopback (guint16 *out_port)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 1024), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  *out_port = ntohs (addr.sin_port);
  return fd;
}

static LocalServer *
local_server_start (LocalKind kind)
{
  LocalServer *server = g_new0 (LocalServer, 1);

  server->kind = kind;
  server->fd = listen_loopback (&server->port);
  g_mutex_init (&server->mutex);
  server->threads = g_ptr_array_new ();
  server->conn_fds = g_array_new (FALSE, FALSE, sizeof (int));
  server->accept_thread = g_thread_new ("local-accept", local_accept_thread, server);
  return server;
}

static void
local_server_stop (LocalServer *server)
{
  g_atomic_int_set (&server->stop, TRUE);
  g_thread_join (server->accept_thread);
  /* No more connections: wake and end every connection thread. */
  for (guint i = 0; i < server->conn_fds->len; i++)
    shutdown (g_array_index (server->conn_fds, int, i), SHUT_RDWR);
  for (guint i = 0; i < server->threads->len; i++)
    g_thread_join (g_ptr_array_index (server->threads, i));
  for (guint i = 0; i < server->conn_fds->len; i++)
    close (g_array_index (server->conn_fds, int, i));
  close (server->fd);
  g_ptr_array_unref (server->threads);
  g_array_unref (server->conn_fds);
  g_mutex_clear (&server->mutex);
  g_free (server);
}

/* A port nothing listens on: bound, never listened, closed. */
static guint16
closed_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* The real echo server on its own thread */

typedef struct {
  GThread      *thread;
  GCancellable *cancellable;
  GMutex        mutex;
  GCond         cond;
  guint16       port;        /* guarded by mutex; 0 until listening */
  gboolean      failed;      /* guarded by mutex */
  SwEchoServer *server;      /* set before port; read by the test thread */
} RealServer;

static gpointer
real_server_thread (gpointer data)
{
  RealServer *rs = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  SwEchoServer *server;

  g_main_context_push_thread_default (context);
  server = sw_echo_server_new (NULL, "127.0.0.1", 0, &error);
  g_mutex_lock (&rs->mutex);
  rs->server = server;
  rs->failed = server == NULL;
  rs->port = server ? sw_echo_server_get_port (server) : 0;
  g_cond_signal (&rs->cond);
  g_mutex_unlock (&rs->mutex);

  if (server != NULL)
    {
      g_assert_true (sw_echo_server_serve (server, rs->cancellable, -1, &error));
      g_assert_no_error (error);
      sw_echo_server_stop (server);
    }
  else
    g_test_message ("echo server: %s", error->message);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static RealServer *
real_server_start (void)
{
  RealServer *rs = g_new0 (RealServer, 1);

  g_mutex_init (&rs->mutex);
  g_cond_init (&rs->cond);
  rs->cancellable = g_cancellable_new ();
  rs->thread = g_thread_new ("echo-server", real_server_thread, rs);
  g_mutex_lock (&rs->mutex);
  while (rs->port == 0 && !rs->failed)
    g_cond_wait (&rs->cond, &rs->mutex);
  g_mutex_unlock (&rs->mutex);
  g_assert_false (rs->failed);
  return rs;
}

static void
real_server_stop (RealServer *rs)
{
  g_cancellable_cancel (rs->cancellable);
  g_thread_join (rs->thread);
  g_clear_object (&rs->server);
  g_object_unref (rs->cancellable);
  g_cond_clear (&rs->cond);
  g_mutex_clear (&rs->mutex);
  g_free (rs);
}

/* The library */

static void
options_for (SwFloodOptions *options,
             guint16         port,
             guint           clients,
             guint64         messages,
             SwFloodMode     mode)
{
  sw_flood_options_init (options);
  options->port = port;
  options->clients = clients;
  options->messages = messages;
  options->mode = mode;
}

static void
run_flood_expect_ok (guint16     port,
                     SwFloodMode mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  g_autofree char *line = NULL;
  SwFloodOptions options;
  SwFloodResult result;
  guint opens = 0, closes = 0;
  guint64 bytes_in = 0, bytes_out = 0;

  options_for (&options, port, 50, 20, mode);
  g_assert_true (sw_flood_run (&options, trace, NULL, &result, &error));
  g_assert_no_error (error);

  line = sw_flood_result_format (&result);
  g_test_message ("%s", line);
  g_assert_cmpuint (result.clients, ==, 50);
  g_assert_cmpuint (result.messages, ==, 50 * 20);
  g_assert_cmpuint (result.ok, ==, 50 * 20);
  g_assert_cmpuint (result.errors, ==, 0);
  g_assert_null (result.first_error);
  g_assert_false (result.cancelled);
  g_assert_cmpfloat (result.msgs_per_s, >, 0);
  g_assert_cmpuint (result.p50_us, <=, result.p99_us);
  g_assert_cmpuint (result.p99_us, >, 0);
  g_assert_true (g_str_has_prefix (line, "flood: clients 50 messages 1000 ok 1000 errors 0 msgs/s "));

  /* Recorded: every connection opened and closed on a client lane, and
   * every byte of "Thread-N say hello n" / its reply counted. */
  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->object < SW_FLOOD_CONNECTION_ID_BASE)
        continue;
      if (e->kind == SW_EVENT_CONN_OPEN)
        opens++;
      else if (e->kind == SW_EVENT_CONN_CLOSE)
        closes++;
      else if (e->kind == SW_EVENT_BYTES_IN)
        bytes_in += e->arg;
      else if (e->kind == SW_EVENT_BYTES_OUT)
        bytes_out += e->arg;
    }
  g_assert_cmpuint (opens, ==, 50);
  g_assert_cmpuint (closes, ==, 50);
  g_assert_cmpuint (bytes_in, ==, bytes_out);
  g_assert_cmpuint (bytes_out, >=, 50 * 20 * strlen ("client-1 say hello 1"));
  sw_flood_result_clear (&result);
}

static void
test_flood_coroutines_all_ok (void)
{
  RealServer *rs = real_server_start ();

  run_flood_expect_ok (rs->port, SW_FLOOD_MODE_COROUTINES);
  g_assert_cmpuint (sw_echo_server_get_n_accepted (rs->server), ==, 50);
  real_server_stop (rs);
}

static void
test_flood_threads_all_ok (void)
{
  RealServer *rs = real_server_start ();

  run_flood_expect_ok (rs->port, SW_FLOOD_MODE_THREADS);
  g_assert_cmpuint (sw_echo_server_get_n_accepted (rs->server), ==, 50);
  real_server_stop (rs);
}

static void
test_flood_local_server_all_ok (void)
{
  LocalServer *server = local_server_start (LOCAL_UPPER);

  run_flood_expect_ok (server->port, SW_FLOOD_MODE_COROUTINES);
  run_flood_expect_ok (server->port, SW_FLOOD_MODE_THREADS);
  local_server_stop (server);
}

static void
test_flood_wrong_reply_is_error (void)
{
  for (guint m = 0; m < 2; m++)
    {
      LocalServer *server = local_server_start (LOCAL_NO_UPPER);
      g_autoptr(GError) error = NULL;
      SwFloodOptions options;
      SwFloodResult result;

      options_for (&options, server->port, 10, 20, m == 0 ? SW_FLOOD_MODE_COROUTINES
                                                          : SW_FLOOD_MODE_THREADS);
      g_assert_true (sw_flood_run (&options, NULL, NULL, &result, &error));
      g_assert_no_error (error);
      /* Each client stops at its first (wrong) reply. */
      g_assert_cmpuint (result.messages, ==, 10);
      g_assert_cmpuint (result.ok, ==, 0);
      g_assert_cmpuint (result.errors, ==, 10);
      g_assert_nonnull (strstr (result.first_error, "wrong reply"));
      g_assert_nonnull (strstr (result.first_error, "say hello 1"));
      sw_flood_result_clear (&result);
      local_server_stop (server);
    }
}

static void
test_flood_dropped_connection_is_error (void)
{
  for (guint m = 0; m < 2; m++)
    {
      LocalServer *server = local_server_start (LOCAL_CLOSE_AFTER_FIRST);
      g_autoptr(GError) error = NULL;
      SwFloodOptions options;
      SwFloodResult result;

      options_for (&options, server->port, 10, 20, m == 0 ? SW_FLOOD_MODE_COROUTINES
                                                          : SW_FLOOD_MODE_THREADS);
      g_assert_true (sw_flood_run (&options, NULL, NULL, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (result.errors, ==, 10);
      g_assert_cmpuint (result.ok, <=, 10);
      g_assert_cmpuint (result.messages, <=, 20);
      g_assert_cmpuint (result.messages, >, result.ok);
      g_test_message ("%s", result.first_error);
      sw_flood_result_clear (&result);
      local_server_stop (server);
    }
}

static void
test_flood_refused_is_error (void)
{
  for (guint m = 0; m < 2; m++)
    {
      g_autoptr(GError) error = NULL;
      SwFloodOptions options;
      SwFloodResult result;

      options_for (&options, closed_port (), 5, 20, m == 0 ? SW_FLOOD_MODE_COROUTINES
                                                           : SW_FLOOD_MODE_THREADS);
      g_assert_true (sw_flood_run (&options, NULL, NULL, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (result.messages, ==, 0);
      g_assert_cmpuint (result.ok, ==, 0);
      g_assert_cmpuint (result.errors, ==, 5);
      g_assert_nonnull (strstr (result.first_error, "connect"));
      sw_flood_result_clear (&result);
    }
}

static void
test_flood_bad_options (void)
{
  g_autoptr(GError) error = NULL;
  SwFloodOptions options;
  SwFloodResult result;

  options_for (&options, 9, SW_FLOOD_MAX_THREADS + 1, 1, SW_FLOOD_MODE_THREADS);
  g_assert_false (sw_flood_run (&options, NULL, NULL, &result, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "1000"));
  g_clear_error (&error);

  options_for (&options, 9, SW_FLOOD_MAX_COROUTINES + 1, 1, SW_FLOOD_MODE_COROUTINES);
  g_assert_false (sw_flood_run (&options, NULL, NULL, &result, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  options_for (&options, 0, 1, 1, SW_FLOOD_MODE_COROUTINES);
  g_assert_false (sw_flood_run (&options, NULL, NULL, &result, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

static void
test_flood_duration_bounds_unlimited_messages (void)
{
  LocalServer *server = local_server_start (LOCAL_UPPER);
  g_autoptr(GError) error = NULL;
  SwFloodOptions options;
  SwFloodResult result;

  options_for (&options, server->port, 4, 0, SW_FLOOD_MODE_COROUTINES);
  options.duration_s = 0.2;
  g_assert_true (sw_flood_run (&options, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.errors, ==, 0);
  g_assert_cmpuint (result.ok, >, 0);
  g_assert_cmpuint (result.ok, ==, result.messages);
  sw_flood_result_clear (&result);
  local_server_stop (server);
}

typedef struct {
  LocalServer  *server;
  GCancellable *cancellable;
} StopWhenBusy;

static gpointer
stop_when_busy_thread (gpointer data)
{
  StopWhenBusy *s = data;
  gint64 limit = g_get_monotonic_time () + SPIN_LIMIT_US;

  while (g_atomic_int_get (&s->server->n_messages) < 200 && g_get_monotonic_time () < limit)
    g_usleep (1000);
  g_cancellable_cancel (s->cancellable);
  return NULL;
}

static void
test_flood_stop_ends_unbounded_run (void)
{
  for (guint m = 0; m < 2; m++)
    {
      LocalServer *server = local_server_start (LOCAL_UPPER);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      StopWhenBusy s = { server, cancellable };
      SwFloodOptions options;
      SwFloodResult result;
      GThread *stopper;

      options_for (&options, server->port, 8, 0, m == 0 ? SW_FLOOD_MODE_COROUTINES
                                                         : SW_FLOOD_MODE_THREADS);
      stopper = g_thread_new ("stopper", stop_when_busy_thread, &s);
      g_assert_false (sw_flood_run (&options, NULL, cancellable, &result, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_thread_join (stopper);
      g_assert_true (result.cancelled);
      if (result.errors > 0)
        g_test_message ("%s", result.first_error);
      g_assert_cmpuint (result.errors, ==, 0);
      g_assert_cmpuint (result.ok, >=, 200 - 8);
      sw_flood_result_clear (&result);
      local_server_stop (server);
    }
}

/* The command line */

static const char *
cli_path (void)
{
  const char *path = g_getenv ("SW_CLI");

  if (path == NULL)
    g_error ("SW_CLI is not set (run through meson test)");
  return path;
}

typedef struct {
  int   status;      /* exit status, or 128 + signal */
  char *out;
  char *err;
} CliResult;

static void
cli_result_clear (CliResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static void
lower_nofile_cb (gpointer data)
{
  struct rlimit rl = { 64, 64 };

  (void) data;
  if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
    _exit (99);
}

static void
run_cli (CliResult   *r,
         GSpawnChildSetupFunc setup,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;
  int wait_status;

  g_ptr_array_add (argv, (char *) cli_path ());
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, setup, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  g_test_message ("exit %d; stdout: %s; stderr: %s", r->status, r->out, r->err);
}

/* The last stdout line, parsed; FALSE unless it is exactly the summary. */
static gboolean
parse_summary (const char *out,
               guint64     values[7])
{
  g_autofree char *trimmed = g_strchomp (g_strdup (out));
  g_auto(GStrv) lines = g_strsplit (trimmed, "\n", -1);
  g_autofree char *copy = NULL;
  guint n = g_strv_length (lines);
  double rate;
  int consumed = 0;

  if (n == 0)
    return FALSE;
  copy = g_strdup (lines[n - 1]);
  if (sscanf (copy, "flood: clients %" G_GUINT64_FORMAT " messages %" G_GUINT64_FORMAT
              " ok %" G_GUINT64_FORMAT " errors %" G_GUINT64_FORMAT " msgs/s %lf"
              " p50_us %" G_GUINT64_FORMAT " p99_us %" G_GUINT64_FORMAT "%n",
              &values[0], &values[1], &values[2], &values[3], &rate,
              &values[5], &values[6], &consumed) != 7)
    return FALSE;
  values[4] = (guint64) rate;
  return copy[consumed] == '\0';
}

static void
test_flood_cli_wrong_server_fails (void)
{
  const LocalKind kinds[] = { LOCAL_NO_UPPER, LOCAL_CLOSE_AFTER_FIRST };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint m = 0; m < 2; m++)
      {
        LocalServer *server = local_server_start (kinds[k]);
        g_autofree char *port = g_strdup_printf ("%u", server->port);
        CliResult r = { 0 };
        guint64 v[7];

        run_cli (&r, NULL, "flood", "--port", port, "--clients", "5", "--messages", "5",
                 "--mode", m == 0 ? "coroutines" : "threads", NULL);
        g_assert_cmpint (r.status, ==, 1);
        g_assert_true (parse_summary (r.out, v));
        g_assert_cmpuint (v[0], ==, 5);
        g_assert_cmpuint (v[3], ==, 5);
        g_assert_nonnull (strstr (r.err, "errors"));
        cli_result_clear (&r);
        local_server_stop (server);
      }
}

static void
test_flood_cli_refused_fails (void)
{
  g_autofree char *port = g_strdup_printf ("%u", closed_port ());
  CliResult r = { 0 };
  guint64 v[7];

  run_cli (&r, NULL, "flood", "--port", port, "--clients", "3", "--messages", "2", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_true (parse_summary (r.out, v));
  g_assert_cmpuint (v[1], ==, 0);
  g_assert_cmpuint (v[3], ==, 3);
  cli_result_clear (&r);
}

static void
test_flood_cli_bad_arguments (void)
{
  const char *cases[][8] = {
    { "flood", NULL },                                             /* no port */
    { "flood", "--port", "0", NULL },
    { "flood", "--port", "70000", NULL },
    { "flood", "--port", "9", "--mode", "fibers", NULL },
    { "flood", "--port", "9", "--clients", "0", NULL },
    { "flood", "--port", "9", "--clients", "1001", "--mode", "threads", NULL },
    { "flood", "--port", "9", "--duration", "-1", NULL },
    { "flood", "--port", "9", "extra", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CliResult r = { 0 };

      run_cli (&r, NULL, cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4],
               cases[i][5], cases[i][6], NULL);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      /* One line. */
      g_assert_true (g_str_has_suffix (r.err, "\n"));
      g_assert_true (strchr (r.err, '\n') == r.err + strlen (r.err) - 1);
      cli_result_clear (&r);
    }
}

static void
test_flood_cli_descriptor_limit (void)
{
  CliResult r = { 0 };

  /* The child's hard limit is 64: 500 clients cannot fit. */
  run_cli (&r, lower_nofile_cb, "flood", "--port", "9", "--clients", "500", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "flood: 500 clients need ~510 descriptors; "
                                   "the limit is 64 (hard 64)"));
  cli_result_clear (&r);
}

static void
test_flood_cli_against_serve (void)
{
  const char *argv[] = { cli_path (), "serve", "--port", "0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *first = NULL;
  g_autofree char *port = NULL;
  const char *colon;
  GPid pid;
  int out_fd, wait_status;
  CliResult r = { 0 };
  guint64 v[7];

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_line (channel, &first, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_true (g_str_has_prefix (first, "listening on "));
  colon = strrchr (first, ':');
  g_assert_nonnull (colon);
  port = g_strndup (colon + 1, strcspn (colon + 1, "\r\n"));

  for (guint m = 0; m < 2; m++)
    {
      run_cli (&r, NULL, "flood", "--port", port, "--clients", "40", "--messages", "10",
               "--mode", m == 0 ? "coroutines" : "threads", NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_true (parse_summary (r.out, v));
      g_assert_cmpuint (v[0], ==, 40);
      g_assert_cmpuint (v[1], ==, 400);
      g_assert_cmpuint (v[2], ==, 400);
      g_assert_cmpuint (v[3], ==, 0);
      g_assert_cmpuint (v[5], <=, v[6]);
      cli_result_clear (&r);
    }

  kill (pid, SIGTERM);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
}

static void
test_flood_cli_sigint_prints_summary (void)
{
  LocalServer *server = local_server_start (LOCAL_UPPER);
  g_autofree char *port = g_strdup_printf ("%u", server->port);
  const char *argv[] = { cli_path (), "flood", "--port", port, "--clients", "4",
                         "--messages", "0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *out = NULL;
  gint64 limit = g_get_monotonic_time () + SPIN_LIMIT_US;
  GPid pid;
  int out_fd, wait_status;
  guint64 v[7];

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  while (g_atomic_int_get (&server->n_messages) < 100 && g_get_monotonic_time () < limit)
    g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&server->n_messages), >=, 100);
  kill (pid, SIGINT);

  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_to_end (channel, &out, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
  g_assert_true (parse_summary (out, v));
  g_assert_cmpuint (v[2], >=, 100 - 4);
  g_assert_cmpuint (v[3], ==, 0);
  local_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/Sw/Flood/coroutines-all-ok", test_flood_coroutines_all_ok);
  g_test_add_func ("/Sw/Flood/threads-all-ok", test_flood_threads_all_ok);
  g_test_add_func ("/Sw/Flood/local-server-all-ok", test_flood_local_server_all_ok);
  g_test_add_func ("/Sw/Flood/wrong-reply-is-error", test_flood_wrong_reply_is_error);
  g_test_add_func ("/Sw/Flood/dropped-connection-is-error", test_flood_dropped_connection_is_error);
  g_test_add_func ("/Sw/Flood/refused-is-error", test_flood_refused_is_error);
  g_test_add_func ("/Sw/Flood/bad-options", test_flood_bad_options);
  g_test_add_func ("/Sw/Flood/duration-bounds-unlimited-messages", test_flood_duration_bounds_unlimited_messages);
  g_test_add_func ("/Sw/Flood/stop-ends-unbounded-run", test_flood_stop_ends_unbounded_run);
  g_test_add_func ("/Sw/Flood/cli-wrong-server-fails", test_flood_cli_wrong_server_fails);
  g_test_add_func ("/Sw/Flood/cli-refused-fails", test_flood_cli_refused_fails);
  g_test_add_func ("/Sw/Flood/cli-bad-arguments", test_flood_cli_bad_arguments);
  g_test_add_func ("/Sw/Flood/cli-descriptor-limit", test_flood_cli_descriptor_limit);
  g_test_add_func ("/Sw/Flood/cli-against-serve", test_flood_cli_against_serve);
  g_test_add_func ("/Sw/Flood/cli-sigint-prints-summary", test_flood_cli_sigint_prints_summary);

  return g_test_run ();
}
