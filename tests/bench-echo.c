/* bench-echo.c — closed-loop echo benchmark: our coroutine server against a
 * minimal single-thread epoll server, both driven by the same load process.
 *
 *   bench-echo [--seconds S] [--sizes N,N,...] [--repeat R] [--cli PATH]
 *              [--ours-cmd "COMMAND"]
 *       for each size: start a server, start one load process for S
 *       seconds, collect its messages/s, stop both; once for our server
 *       (switchyard-cli serve, tracing on) and once for the epoll server;
 *       each figure is the best of R runs (default 3), the servers in turn.
 *       Prints "bench echo_msgs_per_s conns=N ours=X epoll=Y ratio=Z" per
 *       size; exits non-zero if the load saw any error.
 *   bench-echo --load HOST:PORT --connections N --seconds S
 *       the load generator: N connections on one thread (epoll, non-blocking
 *       sockets), each sending a 32-byte message, waiting for its reply,
 *       checking it is the message upper-cased, and sending the next.
 *   bench-echo --epoll-server [--port P]
 *       the reference server: one thread, level-triggered epoll, replies
 *       with the bytes upper-cased (ASCII letters only, like ours).
 *
 * This is a benchmark, not a test: it is built but not registered with
 * meson test, since its targets are speeds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

extern char **environ;

#define MSG_LEN 32
#define MAX_EVENTS 1024
/* Connects in flight at once: enough to fill a 10,000-connection run
 * quickly, few enough not to overflow a listen backlog of a few hundred. */
#define MAX_CONNECTING 256

static gint64
clock_us (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gint64
now_us (void)
{
  return clock_us (CLOCK_MONOTONIC);
}

/* 10,000 connections need 10,000 descriptors in each process; children
 * inherit the raised soft limit. */
static void
raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    {
      g_printerr ("bench-echo: getrlimit: %s\n", g_strerror (errno));
      return;
    }
  if (rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        g_printerr ("bench-echo: setrlimit: %s\n", g_strerror (errno));
    }
}

static rlim_t
nofile_limit (void)
{
  struct rlimit rl;

  return getrlimit (RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
}

static void
upper_ascii (char  *buf,
             gsize  len)
{
  for (gsize i = 0; i < len; i++)
    if (buf[i] >= 'a' && buf[i] <= 'z')
      buf[i] -= 'a' - 'A';
}

/* --- the epoll server ------------------------------------------------- */

typedef struct
{
  int    fd;
  gsize  pending_off;   /* unsent reply bytes: pending[pending_off..pending_len) */
  gsize  pending_len;
  char  *pending;
} EchoConn;

static volatile sig_atomic_t stop_requested;

static void
stop_handler (int signo)
{
  stop_requested = 1;
}

static void
echo_conn_free (int       ep,
                EchoConn *c)
{
  epoll_ctl (ep, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  g_free (c->pending);
  g_free (c);
}

/* Reads what is there and writes it back upper-cased; what the socket does
 * not take waits in c->pending, and reading stops until it is gone, so a
 * client that does not read cannot make us buffer without bound. */
static gboolean
echo_conn_readable (int       ep,
                    EchoConn *c,
                    char     *buf,
                    gsize     bufsize)
{
  for (;;)
    {
      ssize_t n = recv (c->fd, buf, bufsize, 0);
      ssize_t w;

      if (n == 0)
        return FALSE;
      if (n < 0)
        return errno == EAGAIN || errno == EINTR;
      upper_ascii (buf, n);
      w = send (c->fd, buf, n, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN)
        return FALSE;
      if (w < 0)
        w = 0;
      if (w < n)
        {
          struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

          c->pending = g_memdup2 (buf + w, n - w);
          c->pending_off = 0;
          c->pending_len = n - w;
          return epoll_ctl (ep, EPOLL_CTL_MOD, c->fd, &ev) == 0;
        }
      if ((gsize) n < bufsize)
        return TRUE;
    }
}

static gboolean
echo_conn_writable (int       ep,
                    EchoConn *c)
{
  while (c->pending_off < c->pending_len)
    {
      ssize_t w = send (c->fd, c->pending + c->pending_off,
                        c->pending_len - c->pending_off, MSG_NOSIGNAL);

      if (w < 0)
        return errno == EAGAIN || errno == EINTR;
      c->pending_off += w;
    }
  g_clear_pointer (&c->pending, g_free);
  c->pending_off = c->pending_len = 0;
  {
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
    return epoll_ctl (ep, EPOLL_CTL_MOD, c->fd, &ev) == 0;
  }
}

static int
run_epoll_server (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t addrlen = sizeof addr;
  struct epoll_event ev, events[MAX_EVENTS];
  struct sigaction sa = { .sa_handler = stop_handler };
  static char buf[64 * 1024];
  int lfd, ep, one = 1;
  gboolean emfile_logged = FALSE;

  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  lfd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0
      || setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
      || bind (lfd, (struct sockaddr *) &addr, sizeof addr) != 0
      || listen (lfd, SOMAXCONN) != 0
      || getsockname (lfd, (struct sockaddr *) &addr, &addrlen) != 0)
    {
      g_printerr ("bench-echo: epoll server: %s\n", g_strerror (errno));
      return 1;
    }
  ep = epoll_create1 (EPOLL_CLOEXEC);
  if (ep < 0)
    {
      g_printerr ("bench-echo: epoll_create1: %s\n", g_strerror (errno));
      return 1;
    }
  ev.events = EPOLLIN;
  ev.data.ptr = NULL;   /* NULL marks the listener */
  if (epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
    {
      g_printerr ("bench-echo: epoll_ctl: %s\n", g_strerror (errno));
      return 1;
    }
  printf ("listening on 127.0.0.1:%d\n", ntohs (addr.sin_port));
  fflush (stdout);

  while (!stop_requested)
    {
      int n = epoll_wait (ep, events, MAX_EVENTS, 1000);

      if (n < 0 && errno != EINTR)
        {
          g_printerr ("bench-echo: epoll_wait: %s\n", g_strerror (errno));
          return 1;
        }
      for (int i = 0; i < n; i++)
        {
          EchoConn *c = events[i].data.ptr;

          if (c == NULL)
            {
              for (;;)
                {
                  int fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                  if (fd < 0)
                    {
                      /* Out of descriptors: said once; the benchmark never
                       * gets here with its raised limit. */
                      if ((errno == EMFILE || errno == ENFILE) && !emfile_logged)
                        {
                          g_printerr ("bench-echo: accept: %s\n", g_strerror (errno));
                          emfile_logged = TRUE;
                        }
                      break;
                    }
                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  c = g_new0 (EchoConn, 1);
                  c->fd = fd;
                  ev.events = EPOLLIN | EPOLLRDHUP;
                  ev.data.ptr = c;
                  if (epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) != 0)
                    {
                      close (fd);
                      g_free (c);
                    }
                }
              continue;
            }
          if (events[i].events & EPOLLOUT)
            {
              if (!echo_conn_writable (ep, c))
                {
                  echo_conn_free (ep, c);
                  continue;
                }
            }
          else if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            {
              if (!echo_conn_readable (ep, c, buf, sizeof buf))
                echo_conn_free (ep, c);
            }
        }
    }
  /* Exiting closes everything; no need to walk the connections. */
  return 0;
}

/* --- the load generator ----------------------------------------------- */

typedef enum
{
  LOAD_CONNECTING,
  LOAD_ACTIVE,
  LOAD_CLOSING,   /* shut down for writing, waiting for the server's EOF */
  LOAD_DONE,
} LoadState;

typedef struct
{
  int        fd;
  LoadState  state;
  guint      id;
  guint      seq;
  gsize      sent;              /* bytes of msg written */
  gsize      got;               /* bytes of the reply read */
  char       msg[MSG_LEN];
  char       expect[MSG_LEN];
  char       reply[MSG_LEN];
} LoadConn;

typedef struct
{
  int        ep;
  gboolean   measuring;
  gboolean   stopping;
  guint64    messages;         /* verified replies while measuring */
  guint64    err_connect;
  guint64    err_reply;
  guint64    err_closed;
  guint64    err_close;        /* no EOF from the server after our shutdown */
  guint      active;
  guint      open;
} Load;

/* "<id> say hello <n>" like the lesson's client, mixed case so the reply
 * must really be upper-cased, padded to 32 bytes. */
static void
load_conn_next_message (LoadConn *c)
{
  int len = g_snprintf (c->msg, sizeof c->msg, "c%u say Hello %u ", c->id, c->seq++);

  for (int i = MIN (len, MSG_LEN - 1); i < MSG_LEN; i++)
    c->msg[i] = 'a' + (i % 26);
  memcpy (c->expect, c->msg, MSG_LEN);
  upper_ascii (c->expect, MSG_LEN);
  c->sent = 0;
  c->got = 0;
}

static void
load_conn_fail (Load     *load,
                LoadConn *c,
                guint64  *counter)
{
  if (counter != NULL)
    (*counter)++;
  if (c->state == LOAD_ACTIVE)
    load->active--;
  epoll_ctl (load->ep, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  c->state = LOAD_DONE;
  load->open--;
}

static gboolean
load_conn_write (Load     *load,
                 LoadConn *c)
{
  while (c->sent < MSG_LEN)
    {
      ssize_t w = send (c->fd, c->msg + c->sent, MSG_LEN - c->sent, MSG_NOSIGNAL);

      if (w < 0)
        {
          struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };

          if (errno != EAGAIN && errno != EINTR)
            return FALSE;
          /* Rare with 32 bytes: ask to be told when there is room. */
          return epoll_ctl (load->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0;
        }
      c->sent += w;
    }
  return TRUE;
}

static void
load_conn_start_closing (Load     *load,
                         LoadConn *c)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

  if (c->state == LOAD_ACTIVE)
    load->active--;
  c->state = LOAD_CLOSING;
  /* Half-close: the server sees EOF and closes its side first, so the
   * TIME_WAITs land on the server's port and not on our ephemeral ones. */
  if (c->sent == MSG_LEN)
    shutdown (c->fd, SHUT_WR);
  epoll_ctl (load->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
load_conn_event (Load     *load,
                 LoadConn *c,
                 guint32   events)
{
  if (c->state == LOAD_CONNECTING)
    {
      int err = 0;
      socklen_t len = sizeof err;
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

      if (getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0
          || epoll_ctl (load->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        {
          if (err != 0 && load->err_connect == 0)
            g_printerr ("bench-echo: load: connect: %s\n", g_strerror (err));
          load_conn_fail (load, c, &load->err_connect);
          return;
        }
      c->state = LOAD_ACTIVE;
      load->active++;
      /* The first message goes out when measuring starts. */
      return;
    }

  if ((events & EPOLLOUT) && c->sent < MSG_LEN)
    {
      if (!load_conn_write (load, c))
        {
          load_conn_fail (load, c, &load->err_closed);
          return;
        }
      if (c->sent == MSG_LEN)
        {
          struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
          epoll_ctl (load->ep, EPOLL_CTL_MOD, c->fd, &ev);
          if (c->state == LOAD_CLOSING)
            shutdown (c->fd, SHUT_WR);
        }
    }

  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return;

  for (;;)
    {
      ssize_t n;

      if (c->got == MSG_LEN || c->state == LOAD_CLOSING)
        {
          /* Only the server's EOF (or the tail of the last reply) is due. */
          char sink[MSG_LEN];

          n = recv (c->fd, sink, sizeof sink, 0);
          if (n == 0)
            {
              if (c->state == LOAD_CLOSING)
                load_conn_fail (load, c, NULL);   /* a clean end */
              else
                load_conn_fail (load, c, &load->err_closed);
              return;
            }
          if (n > 0 && c->state != LOAD_CLOSING)
            {
              load_conn_fail (load, c, &load->err_reply);   /* more than we sent */
              return;
            }
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            load_conn_fail (load, c, c->state == LOAD_CLOSING ? &load->err_close
                                                             : &load->err_closed);
          return;
        }

      n = recv (c->fd, c->reply + c->got, MSG_LEN - c->got, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        {
          if (load->err_closed == 0)
            g_printerr ("bench-echo: load: connection %u: %s\n", c->id,
                        n == 0 ? "closed by the server" : g_strerror (errno));
          load_conn_fail (load, c, &load->err_closed);
          return;
        }
      if (n < 0)
        return;
      if (memcmp (c->reply + c->got, c->expect + c->got, n) != 0)
        {
          if (load->err_reply == 0)
            g_printerr ("bench-echo: load: connection %u: wrong reply '%.*s' to '%.*s'\n",
                        c->id, (int) (c->got + n), c->reply, MSG_LEN, c->msg);
          load_conn_fail (load, c, &load->err_reply);
          return;
        }
      c->got += n;
      if (c->got < MSG_LEN)
        continue;
      if (load->measuring)
        load->messages++;
      if (load->stopping)
        {
          load_conn_start_closing (load, c);
          continue;
        }
      load_conn_next_message (c);
      if (!load_conn_write (load, c))
        {
          load_conn_fail (load, c, &load->err_closed);
          return;
        }
      return;
    }
}

static gboolean
parse_host_port (const char         *spec,
                 struct sockaddr_in *addr)
{
  const char *colon = strrchr (spec, ':');
  g_autofree char *host = NULL;
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return FALSE;
  host = g_strndup (spec, colon - spec);
  memset (addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_port = htons (port);
  return inet_pton (AF_INET, host, &addr->sin_addr) == 1;
}

static int
run_load (const char *target,
          guint       n_conns,
          double      seconds)
{
  struct sockaddr_in addr;
  struct epoll_event events[MAX_EVENTS];
  Load load = { 0 };
  g_autofree LoadConn *conns = NULL;
  guint next = 0, connecting = 0;
  gint64 t0, deadline, start = 0, end = 0, cpu_start, cpu_end;
  int one = 1;

  if (!parse_host_port (target, &addr))
    {
      g_printerr ("bench-echo: --load wants IPv4-HOST:PORT, not '%s'\n", target);
      return 2;
    }
  if (n_conns + 16 > nofile_limit ())
    {
      g_printerr ("bench-echo: load: %u connections do not fit in %lu descriptors\n",
                  n_conns, (unsigned long) nofile_limit ());
      return 2;
    }
  load.ep = epoll_create1 (EPOLL_CLOEXEC);
  if (load.ep < 0)
    {
      g_printerr ("bench-echo: epoll_create1: %s\n", g_strerror (errno));
      return 1;
    }
  conns = g_new0 (LoadConn, n_conns);

  /* Phase 1: connect everyone (not measured), a bounded number in flight. */
  t0 = now_us ();
  deadline = t0 + 60 * G_USEC_PER_SEC;
  while ((next < n_conns || connecting > 0) && now_us () < deadline)
    {
      int n;

      while (next < n_conns && connecting < MAX_CONNECTING)
        {
          LoadConn *c = &conns[next];
          struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

          c->id = next++;
          c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
          if (c->fd < 0)
            {
              g_printerr ("bench-echo: load: socket: %s\n", g_strerror (errno));
              c->state = LOAD_DONE;
              load.err_connect++;
              continue;
            }
          setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (connect (c->fd, (struct sockaddr *) &addr, sizeof addr) != 0
              && errno != EINPROGRESS)
            {
              if (load.err_connect == 0)
                g_printerr ("bench-echo: load: connect: %s\n", g_strerror (errno));
              close (c->fd);
              c->fd = -1;
              c->state = LOAD_DONE;
              load.err_connect++;
              continue;
            }
          c->state = LOAD_CONNECTING;
          load.open++;
          connecting++;
          epoll_ctl (load.ep, EPOLL_CTL_ADD, c->fd, &ev);
        }
      n = epoll_wait (load.ep, events, MAX_EVENTS, 100);
      for (int i = 0; i < n; i++)
        {
          LoadConn *c = events[i].data.ptr;

          if (c->state == LOAD_CONNECTING)
            connecting--;
          load_conn_event (&load, c, events[i].events);
        }
    }
  for (guint i = 0; i < n_conns; i++)
    if (conns[i].state == LOAD_CONNECTING)
      load_conn_fail (&load, &conns[i], &load.err_connect);
  if (next < n_conns)
    load.err_connect += n_conns - next;
  g_printerr ("bench-echo: load: %u of %u connected in %.2f s\n", load.active, n_conns,
              (now_us () - t0) / 1e6);

  /* Phase 2: closed loop for @seconds, every connection one message in flight. */
  /* The driver samples the server's CPU time at these two lines. */
  printf ("load: measuring\n");
  fflush (stdout);
  load.measuring = TRUE;
  start = now_us ();
  cpu_start = clock_us (CLOCK_PROCESS_CPUTIME_ID);
  for (guint i = 0; i < n_conns; i++)
    if (conns[i].state == LOAD_ACTIVE)
      {
        load_conn_next_message (&conns[i]);
        if (!load_conn_write (&load, &conns[i]))
          load_conn_fail (&load, &conns[i], &load.err_closed);
      }
  deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  while (load.active > 0)
    {
      gint64 now = now_us ();
      int n;

      if (now >= deadline)
        break;
      n = epoll_wait (load.ep, events, MAX_EVENTS,
                      MIN (100, (int) ((deadline - now) / 1000) + 1));
      if (n < 0 && errno != EINTR)
        {
          g_printerr ("bench-echo: epoll_wait: %s\n", g_strerror (errno));
          return 1;
        }
      for (int i = 0; i < n; i++)
        load_conn_event (&load, events[i].data.ptr, events[i].events);
    }
  end = now_us ();
  cpu_end = clock_us (CLOCK_PROCESS_CPUTIME_ID);
  load.measuring = FALSE;
  printf ("load: measured\n");
  fflush (stdout);

  /* Phase 3: let each connection finish its message in flight, then
   * half-close and wait for the server's EOF — bounded. */
  load.stopping = TRUE;
  for (guint i = 0; i < n_conns; i++)
    if (conns[i].state == LOAD_ACTIVE && conns[i].got == MSG_LEN)
      load_conn_start_closing (&load, &conns[i]);
  deadline = now_us () + 15 * G_USEC_PER_SEC;
  while (load.open > 0 && now_us () < deadline)
    {
      int n = epoll_wait (load.ep, events, MAX_EVENTS, 100);

      for (int i = 0; i < n; i++)
        load_conn_event (&load, events[i].data.ptr, events[i].events);
    }
  for (guint i = 0; i < n_conns; i++)
    if (conns[i].state != LOAD_DONE)
      load_conn_fail (&load, &conns[i], &load.err_close);
  close (load.ep);

  {
    guint64 errors = load.err_connect + load.err_reply + load.err_closed + load.err_close;
    double secs = (end - start) / 1e6;

    printf ("load: connections %u messages %" G_GUINT64_FORMAT " seconds %.3f msgs_per_s %.0f "
            "errors %" G_GUINT64_FORMAT " (connect %" G_GUINT64_FORMAT " reply %" G_GUINT64_FORMAT
            " dropped %" G_GUINT64_FORMAT " close %" G_GUINT64_FORMAT ") cpu %.0f%%\n",
            n_conns, load.messages, secs, secs > 0 ? load.messages / secs : 0.0, errors,
            load.err_connect, load.err_reply, load.err_closed, load.err_close,
            /* near 100 %: the load, not the server, may be what limits */
            secs > 0 ? 100.0 * (cpu_end - cpu_start) / (end - start) : 0.0);
    return errors == 0 ? 0 : 1;
  }
}

/* --- the driver ------------------------------------------------------- */

typedef struct
{
  GPid   pid;
  char  *out_path;   /* the child's stdout */
} Child;

static void
child_clear (Child *child)
{
  if (child->out_path != NULL)
    g_unlink (child->out_path);
  g_clear_pointer (&child->out_path, g_free);
  child->pid = 0;
}

/* Starts @argv with stdout into a temporary file (a pipe nobody drains
 * could fill and stall the child); stderr is ours. */
static gboolean
child_spawn (Child       *child,
             char *const *argv)
{
  posix_spawn_file_actions_t fa;
  int fd, rc;

  child->out_path = NULL;
  fd = g_file_open_tmp ("bench-echo-XXXXXX.out", &child->out_path, NULL);
  if (fd < 0)
    return FALSE;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, fd, STDOUT_FILENO);
  rc = posix_spawn (&child->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (fd);
  if (rc != 0)
    {
      g_printerr ("bench-echo: cannot start %s: %s\n", argv[0], g_strerror (rc));
      child_clear (child);
      return FALSE;
    }
  return TRUE;
}

/* Waits at most @timeout_s for the child; -1 if it is still running. */
static int
child_wait (Child  *child,
            double  timeout_s)
{
  gint64 deadline = now_us () + (gint64) (timeout_s * G_USEC_PER_SEC);
  int status;

  for (;;)
    {
      pid_t r = waitpid (child->pid, &status, WNOHANG);

      if (r == child->pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      if (r < 0 || now_us () >= deadline)
        return -1;
      g_usleep (10 * 1000);
    }
}

static char *
child_read_output (Child *child)
{
  char *text = NULL;

  g_file_get_contents (child->out_path, &text, NULL, NULL);
  return text != NULL ? text : g_strdup ("");
}

/* Waits (bounded) until the child's output holds @needle; FALSE if the
 * child exits or the time runs out first. */
static gboolean
child_wait_output (Child      *child,
                   const char *needle,
                   double      timeout_s)
{
  gint64 deadline = now_us () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (now_us () < deadline)
    {
      g_autofree char *out = child_read_output (child);
      siginfo_t info = { 0 };

      if (strstr (out, needle) != NULL)
        return TRUE;
      /* Exited? Asked without reaping it: child_wait does that. */
      if (waitid (P_PID, child->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0
          || info.si_pid != 0)
        return FALSE;
      g_usleep (2 * 1000);
    }
  return FALSE;
}

/* The port from the server's first line, "listening on HOST:PORT". */
static int
child_wait_port (Child *child)
{
  gint64 deadline = now_us () + 20 * G_USEC_PER_SEC;

  while (now_us () < deadline)
    {
      g_autofree char *out = child_read_output (child);
      char *nl = strchr (out, '\n');
      int status;

      if (nl != NULL)
        {
          char *colon;
          guint64 port;

          *nl = '\0';
          colon = strrchr (out, ':');
          if (!g_str_has_prefix (out, "listening on ") || colon == NULL
              || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
            {
              g_printerr ("bench-echo: unexpected first line from the server: '%s'\n", out);
              return -1;
            }
          return (int) port;
        }
      if (waitpid (child->pid, &status, WNOHANG) == child->pid)
        {
          g_printerr ("bench-echo: the server exited before it listened\n");
          child->pid = 0;
          return -1;
        }
      g_usleep (10 * 1000);
    }
  g_printerr ("bench-echo: the server did not say where it listens within 20 s\n");
  return -1;
}

/* CPU time of each of @pid's threads, in clock ticks, by thread id. */
static GHashTable *
thread_cpu_times (GPid pid)
{
  GHashTable *times = g_hash_table_new (NULL, NULL);
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/stat", dir_path, name);
      g_autofree char *stat = NULL;
      const char *p;
      unsigned long utime, stime;

      if (!g_file_get_contents (path, &stat, NULL, NULL)
          || (p = strrchr (stat, ')')) == NULL
          /* after "comm)": state, then 10 fields, then utime and stime */
          || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &utime, &stime) != 2)
        continue;
      g_hash_table_insert (times, GINT_TO_POINTER (atoi (name)),
                           GSIZE_TO_POINTER ((gsize) (utime + stime)));
    }
  return times;
}

/* How many of the server's threads did a real share (≥ 10 %) of its work
 * between two samples: "one server thread" checked, not assumed. */
static guint
busy_threads (GHashTable *before,
              GHashTable *after,
              gsize      *total_ticks)
{
  GHashTableIter iter;
  gpointer key, value;
  gsize total = 0;
  guint busy = 0;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    total += GPOINTER_TO_SIZE (value) - GPOINTER_TO_SIZE (g_hash_table_lookup (before, key));
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gsize d = GPOINTER_TO_SIZE (value) - GPOINTER_TO_SIZE (g_hash_table_lookup (before, key));

      if (total > 0 && d * 10 >= total)
        busy++;
    }
  *total_ticks = total;
  return busy;
}

typedef struct
{
  double   msgs_per_s;
  guint64  errors;
  guint    busy_threads;
  double   cpu_percent;   /* the server's, while measured */
  double   cpu_s;         /* the server's CPU seconds, while measured */
  double   msgs_per_cpu_s;
  gboolean ok;    /* the run happened (servers started, load reported) */
} RunResult;

static RunResult
run_one (const char   *label,
         const char   *self,
         char        **server_argv,
         guint         n_conns,
         double        seconds)
{
  RunResult result = { 0 };
  Child server = { 0 }, load = { 0 };
  g_autofree char *target = NULL;
  g_autofree char *conns_arg = g_strdup_printf ("%u", n_conns);
  g_autofree char *seconds_arg = g_strdup_printf ("%g", seconds);
  g_autofree char *out = NULL;
  g_autoptr(GHashTable) cpu_before = NULL;
  g_autoptr(GHashTable) cpu_after = NULL;
  const char *line;
  guint64 messages;
  int port, status;
  gint64 t_before = 0, t_after = 0;
  gsize ticks;

  if (!child_spawn (&server, server_argv))
    return result;
  port = child_wait_port (&server);
  if (port < 0)
    goto out;
  target = g_strdup_printf ("127.0.0.1:%d", port);

  {
    const char *argv[] = { self, "--load", target, "--connections", conns_arg,
                           "--seconds", seconds_arg, NULL };
    if (!child_spawn (&load, (char *const *) argv))
      goto out;
  }
  /* The server's CPU time over the measured window only (polled, so
   * a few ms off at either end). */
  if (child_wait_output (&load, "load: measuring\n", 120))
    {
      cpu_before = thread_cpu_times (server.pid);
      t_before = now_us ();
      if (child_wait_output (&load, "load: measured\n", seconds + 60))
        {
          t_after = now_us ();
          cpu_after = thread_cpu_times (server.pid);
        }
    }
  status = child_wait (&load, seconds + 120);
  if (status < 0)
    {
      g_printerr ("bench-echo: the load process did not finish; killing it\n");
      kill (load.pid, SIGKILL);
      child_wait (&load, 10);
      goto out;
    }
  out = child_read_output (&load);
  line = strstr (out, "load: connections");
  if (line == NULL
      || sscanf (line, "load: connections %*u messages %" G_GUINT64_FORMAT " seconds %*f "
                 "msgs_per_s %lf errors %" G_GUINT64_FORMAT,
                 &messages, &result.msgs_per_s, &result.errors) != 3)
    {
      g_printerr ("bench-echo: no result from the load process (exit %d)\n", status);
      goto out;
    }
  g_printerr ("bench-echo: %s %s", label, line);
  if (cpu_after != NULL)
    {
      result.busy_threads = busy_threads (cpu_before, cpu_after, &ticks);
      result.cpu_s = (double) ticks / sysconf (_SC_CLK_TCK);
      result.cpu_percent = 100.0 * result.cpu_s / MAX ((t_after - t_before) / 1e6, 1e-3);
      result.msgs_per_cpu_s = result.cpu_s > 0 ? messages / result.cpu_s : 0;
    }
  result.ok = TRUE;

out:
  if (server.pid > 0)
    {
      /* SIGINT like a user's ^C; a 10,000-connection trace takes a while
       * to write, so the wait is generous. */
      kill (server.pid, SIGINT);
      status = child_wait (&server, 300);
      if (status < 0)
        {
          g_printerr ("bench-echo: the server did not stop on SIGINT; killing it\n");
          kill (server.pid, SIGKILL);
          child_wait (&server, 10);
          result.ok = FALSE;
        }
      else if (status != 0)
        {
          g_printerr ("bench-echo: the server exited with status %d\n", status);
          result.ok = FALSE;
        }
    }
  child_clear (&server);
  child_clear (&load);
  return result;
}

static const char *
default_cli (void)
{
  const char *env = g_getenv ("SW_CLI");

  if (env != NULL && *env != '\0')
    return env;
#ifdef SW_CLI_PATH
  return SW_CLI_PATH;
#else
  return "switchyard-cli";
#endif
}

static int
run_driver (const char *self,
            double      seconds,
            const char *sizes,
            guint       repeat,
            const char *cli,
            const char *ours_cmd)
{
  g_auto(GStrv) size_list = g_strsplit (sizes, ",", -1);
  g_autofree char *trace_path = g_strdup_printf ("%s/bench-echo-%d-trace.json",
                                                 g_get_tmp_dir (), (int) getpid ());
  g_auto(GStrv) ours_argv = NULL;
  const char *epoll_argv[] = { self, "--epoll-server", "--port", "0", NULL };
  guint64 total_errors = 0;
  gboolean all_ran = TRUE;

  if (ours_cmd != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_shell_parse_argv (ours_cmd, NULL, &ours_argv, &error))
        {
          g_printerr ("bench-echo: --ours-cmd: %s\n", error->message);
          return 2;
        }
    }
  else
    {
      const char *argv[] = { cli, "serve", "--host", "127.0.0.1", "--port", "0",
                             "--trace", trace_path, NULL };
      ours_argv = g_strdupv ((char **) argv);
    }

  for (guint s = 0; size_list[s] != NULL; s++)
    {
      guint64 n;
      RunResult ours = { 0 }, epoll = { 0 };
      double ours_per_cpu = 0, epoll_per_cpu = 0;

      if (!g_ascii_string_to_unsigned (size_list[s], 10, 1, 1000000, &n, NULL))
        {
          g_printerr ("bench-echo: bad size '%s'\n", size_list[s]);
          return 2;
        }
      if (n + 64 > nofile_limit ())
        {
          g_printerr ("bench-echo: %" G_GUINT64_FORMAT " connections do not fit in the "
                      "descriptor limit %lu\n", n, (unsigned long) nofile_limit ());
          return 2;
        }
      /* The best of @repeat runs each, interleaved, so that a noisy
       * moment on a small machine hurts both servers alike. */
      for (guint r = 0; r < repeat; r++)
        {
          RunResult o, e;

          /* Alternating who goes first keeps a drift in the machine's
           * state from always favouring one side. */
          if (r % 2 == 0)
            {
              o = run_one ("ours", self, ours_argv, n, seconds);
              g_unlink (trace_path);
              e = run_one ("epoll", self, (char **) epoll_argv, n, seconds);
            }
          else
            {
              e = run_one ("epoll", self, (char **) epoll_argv, n, seconds);
              o = run_one ("ours", self, ours_argv, n, seconds);
              g_unlink (trace_path);
            }
          all_ran &= o.ok && e.ok;
          total_errors += o.errors + e.errors;
          if (o.msgs_per_s > ours.msgs_per_s)
            ours = o;
          if (e.msgs_per_s > epoll.msgs_per_s)
            epoll = e;
          ours_per_cpu = MAX (ours_per_cpu, o.msgs_per_cpu_s);
          epoll_per_cpu = MAX (epoll_per_cpu, e.msgs_per_cpu_s);
          if (o.errors > 0 || e.errors > 0)
            g_printerr ("bench-echo: conns=%" G_GUINT64_FORMAT " errors: ours %" G_GUINT64_FORMAT
                        " epoll %" G_GUINT64_FORMAT "\n", n, o.errors, e.errors);
        }
      printf ("bench echo_msgs_per_s conns=%" G_GUINT64_FORMAT " ours=%.0f epoll=%.0f ratio=%.2f\n",
              n, ours.msgs_per_s, epoll.msgs_per_s,
              epoll.msgs_per_s > 0 ? ours.msgs_per_s / epoll.msgs_per_s : 0.0);
      fflush (stdout);
      /* Messages per CPU-second of the server: what the machine's other
       * load disturbs least, a cross-check for the ratio above. */
      g_printerr ("bench-echo: conns=%" G_GUINT64_FORMAT " busy server threads: ours %u epoll %u; "
                  "server cpu: ours %.0f%% epoll %.0f%%; msgs per server cpu-s: ours %.0f "
                  "epoll %.0f ratio %.2f\n",
                  n, ours.busy_threads, epoll.busy_threads, ours.cpu_percent, epoll.cpu_percent,
                  ours_per_cpu, epoll_per_cpu,
                  epoll_per_cpu > 0 ? ours_per_cpu / epoll_per_cpu : 0.0);
      if (epoll.msgs_per_s > 0 && ours.msgs_per_s < 0.8 * epoll.msgs_per_s)
        g_printerr ("bench-echo: conns=%" G_GUINT64_FORMAT " below the 0.8 target\n", n);
    }
  g_unlink (trace_path);

  if (!all_ran)
    {
      g_printerr ("bench-echo: some runs failed (see above)\n");
      return 1;
    }
  if (total_errors > 0)
    {
      g_printerr ("bench-echo: %" G_GUINT64_FORMAT " errors\n", total_errors);
      return 1;
    }
  return 0;
}

static const char usage_text[] =
  "usage: bench-echo [--seconds S] [--sizes N,N,...] [--repeat R] [--cli PATH] [--ours-cmd CMD]\n"
  "       bench-echo --load HOST:PORT --connections N --seconds S\n"
  "       bench-echo --epoll-server [--port P]\n";

int
main (int    argc,
      char **argv)
{
  g_autofree char *self = NULL;
  const char *load_target = NULL, *sizes = "100,1000,10000", *cli = NULL, *ours_cmd = NULL;
  gboolean epoll_server = FALSE;
  guint64 connections = 100, port = 0, repeat = 3;
  double seconds = 5;

  /* The load and the epoll server run as copies of this very program. */
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    self = g_strdup (argv[0]);

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;
      gboolean ok = TRUE;

      if (g_str_equal (a, "--epoll-server"))
        {
          epoll_server = TRUE;
          continue;
        }
      if (v == NULL)
        {
          fputs (usage_text, stderr);
          return 2;
        }
      i++;
      if (g_str_equal (a, "--load"))
        load_target = v;
      else if (g_str_equal (a, "--connections"))
        ok = g_ascii_string_to_unsigned (v, 10, 1, 1000000, &connections, NULL);
      else if (g_str_equal (a, "--port"))
        ok = g_ascii_string_to_unsigned (v, 10, 0, 65535, &port, NULL);
      else if (g_str_equal (a, "--repeat"))
        ok = g_ascii_string_to_unsigned (v, 10, 1, 100, &repeat, NULL);
      else if (g_str_equal (a, "--seconds"))
        {
          char *end = NULL;
          seconds = g_ascii_strtod (v, &end);
          ok = end != v && *end == '\0' && seconds > 0 && seconds <= 3600;
        }
      else if (g_str_equal (a, "--sizes"))
        sizes = v;
      else if (g_str_equal (a, "--cli"))
        cli = v;
      else if (g_str_equal (a, "--ours-cmd"))
        ours_cmd = v;
      else
        ok = FALSE;
      if (!ok)
        {
          g_printerr ("bench-echo: bad argument %s %s\n", a, v);
          fputs (usage_text, stderr);
          return 2;
        }
    }

  signal (SIGPIPE, SIG_IGN);
  raise_nofile ();

  if (epoll_server)
    return run_epoll_server ((int) port);
  if (load_target != NULL)
    return run_load (load_target, (guint) connections, seconds);
  return run_driver (self, seconds, sizes, (guint) repeat, cli != NULL ? cli : default_cli (),
                     ours_cmd);
}
