/* sw-flood.c — the client flood: coroutines on one thread, or a thread each
 *
 * Both modes share the round trip (client_exchange) and differ only in how
 * a socket waits: through sw-co-io (the coroutine switches) or a blocking
 * GSocket (the thread sleeps in poll, its GCancellable wakes it).
 *
 * Connects go in waves (CONNECT_WAVE in flight at a time) so a server
 * whose accept queue is full is not flooded with SYNs it drops (each drop
 * costs the client a one-second retransmit); a refused connect is retried
 * with backoff before it counts as an error.  Only when every client has
 * connected or failed do the messages start, so the rate and latencies
 * are those of N concurrent connections, not of a ramp.
 *
 * Latencies go to a log-linear histogram (16 sub-buckets per power of
 * two of nanoseconds: within 6 %), one for all coroutines, one per thread
 * merged at the end: nothing is allocated per message.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "sw-flood.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "sw-clock.h"
#include "sw-co-io.h"
#include "sw-coro.h"
#include "sw-coro-private.h"
#include "sw-error.h"
#include "sw-net-private.h"

#define DEFAULT_IO_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* stdio, the scheduler's epoll fd, GLib's wakeup fds, a cancellable's */
#define FD_MARGIN             10
#define CONNECT_WAVE          64
#define CONNECT_TRIES         5
#define CONNECT_BACKOFF_US    20000   /* doubled after each refusal */
#define MESSAGE_MAX           96

/* Histogram */

#define HIST_SUB_BITS 4
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_MAX_BIT  40              /* 2^40 ns ≈ 18 min: beyond, clamped */
#define HIST_BUCKETS  ((HIST_MAX_BIT - HIST_SUB_BITS + 2) * HIST_SUB)

typedef struct {
  guint64 counts[HIST_BUCKETS];
  guint64 total;
} Histogram;

static inline guint
hist_index (guint64 ns)
{
  guint msb;

  if (ns < HIST_SUB)
    return (guint) ns;
  if (ns >= (G_GUINT64_CONSTANT (1) << (HIST_MAX_BIT + 1)))
    ns = (G_GUINT64_CONSTANT (1) << (HIST_MAX_BIT + 1)) - 1;
  msb = 63 - (guint) __builtin_clzll (ns);
  return (msb - HIST_SUB_BITS + 1) * HIST_SUB
         + (guint) ((ns >> (msb - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

static inline void
hist_add (Histogram *hist,
          guint64    ns)
{
  hist->counts[hist_index (ns)]++;
  hist->total++;
}

/* The middle of bucket @i, in ns. */
static double
hist_bucket_mid (guint i)
{
  guint msb;
  guint64 low, width;

  if (i < HIST_SUB)
    return i;
  msb = i / HIST_SUB - 1 + HIST_SUB_BITS;
  width = G_GUINT64_CONSTANT (1) << (msb - HIST_SUB_BITS);
  low = (HIST_SUB + i % HIST_SUB) * width;
  return low + width / 2.0;
}

static guint64
hist_percentile_us (const Histogram *hist,
                    double           q)
{
  guint64 rank, seen = 0;

  if (hist->total == 0)
    return 0;
  rank = (guint64) MAX (1.0, q * hist->total + 0.5);
  rank = MIN (rank, hist->total);
  for (guint i = 0; i < HIST_BUCKETS; i++)
    {
      seen += hist->counts[i];
      if (seen >= rank)
        return (guint64) (hist_bucket_mid (i) / 1000.0 + 0.5);
    }
  g_assert_not_reached ();
}

static void
hist_merge (Histogram       *into,
            const Histogram *from)
{
  for (guint i = 0; i < HIST_BUCKETS; i++)
    into->counts[i] += from->counts[i];
  into->total += from->total;
}

/* The run */

typedef struct _Flood Flood;

typedef struct {
  Flood       *flood;
  guint        index;        /* from 1 */
  char         name[24];
  GSocket     *socket;       /* owned; NULL until connected */
  guint64      sent;         /* owned by the client's thread / coroutine */
  guint64      ok;
  Histogram   *hist;         /* coroutines: the flood's; threads: own */
  GThread     *thread;
} Client;

/* How a client's socket waits. */
typedef struct {
  gboolean (*send_all) (Client      *client,
                        const char  *buffer,
                        gsize        size,
                        GError     **error);
  gssize   (*recv)     (Client      *client,
                        char        *buffer,
                        gsize        size,
                        GError     **error);
} ClientIo;

struct _Flood
{
  const SwFloodOptions *options;
  SwTrace              *trace;          /* nullable */
  GCancellable         *cancellable;    /* nullable */
  GSocketAddress       *address;
  gint64                io_timeout_us;
  Client               *clients;
  guint                 n_clients;
  gint64                deadline;       /* µs monotonic; G_MAXINT64: none */
  gint                  stopping;       /* atomic */
  Histogram            *hist;           /* coroutine mode */

  GMutex                mutex;
  /* guarded by mutex */
  GCond                 slot_cond;      /* a connect slot came free */
  GCond                 phase_cond;     /* all connected / messages start */
  guint                 n_connecting;
  guint                 n_settled;      /* connected or failed */
  gboolean              started;
  guint64               errors;
  char                 *first_error;
  GPtrArray            *cos;            /* SwCoroutine *: what Stop cancels */

  /* coroutine mode, the flood's thread only */
  guint                 next_to_connect;
};

static gboolean
is_stopping (Flood *flood)
{
  return g_atomic_int_get (&flood->stopping);
}

/* Takes @error.  A Stop is not a failure. */
static void
client_fail (Client *client,
             GError *error)
{
  Flood *flood = client->flood;

  /* GCancellable wakes blocked sockets before it runs stop_cb. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && (is_stopping (flood) || g_cancellable_is_cancelled (flood->cancellable)))
    {
      g_error_free (error);
      return;
    }

  g_mutex_lock (&flood->mutex);
  flood->errors++;
  if (flood->first_error == NULL)
    flood->first_error = g_strdup_printf ("%s: %s", client->name, error->message);
  g_mutex_unlock (&flood->mutex);
  g_error_free (error);
}

/* Runs on whichever thread cancelled. */
static void
stop_cb (GCancellable *cancellable,
         gpointer      data)
{
  Flood *flood = data;

  g_atomic_int_set (&flood->stopping, TRUE);
  g_mutex_lock (&flood->mutex);
  for (guint i = 0; i < flood->cos->len; i++)
    sw_co_cancel (g_ptr_array_index (flood->cos, i));
  g_cond_broadcast (&flood->slot_cond);
  g_cond_broadcast (&flood->phase_cond);
  g_mutex_unlock (&flood->mutex);
}

static void
record (Flood       *flood,
        SwEventKind  kind,
        guint64      object,
        guint64      arg)
{
  if (flood->trace != NULL)
    sw_trace_record (flood->trace, kind, 0, object, arg);
}

static guint64
connection_id (Client *client)
{
  return SW_FLOOD_CONNECTION_ID_BASE + client->index;
}

static void
ascii_upper (char       *dest,
             const char *src,
             gsize       size)
{
  for (gsize i = 0; i < size; i++)
    dest[i] = g_ascii_toupper (src[i]);
}

static void
set_wrong_reply (GError     **error,
                 const char  *sent,
                 gsize        sent_size,
                 const char  *got,
                 gsize        got_size)
{
  g_autofree char *sent_str = g_strndup (sent, sent_size);
  g_autofree char *got_str = g_strndup (got, got_size);
  g_autofree char *sent_esc = g_strescape (sent_str, NULL);
  g_autofree char *got_esc = g_strescape (got_str, NULL);

  g_set_error (error, SW_ERROR, SW_ERROR_IO,
               _("wrong reply to \"%s\": \"%s\""), sent_esc, got_esc);
}

/* Sends "<name> say hello <n>" until the messages or the time are up,
 * checking each reply; FALSE with @error at the first failure. */
static gboolean
client_exchange (Client          *client,
                 const ClientIo  *io,
                 GError         **error)
{
  Flood *flood = client->flood;
  guint64 limit = flood->options->messages;
  char message[MESSAGE_MAX];
  char expected[MESSAGE_MAX];
  char reply[MESSAGE_MAX];

  for (guint64 n = 1; limit == 0 || n <= limit; n++)
    {
      gsize size, got = 0;
      gint64 t0;

      if (is_stopping (flood))
        break;
      if (flood->deadline != G_MAXINT64 && g_get_monotonic_time () >= flood->deadline)
        break;

      size = (gsize) g_snprintf (message, sizeof message, "%s say hello %" G_GUINT64_FORMAT,
                                 client->name, n);
      ascii_upper (expected, message, size);

      t0 = sw_clock_monotonic_ns ();
      client->sent++;
      if (!io->send_all (client, message, size, error))
        return FALSE;

      while (got < size)
        {
          gssize r = io->recv (client, reply + got, size - got, error);

          if (r < 0)
            return FALSE;
          if (r == 0)
            {
              g_set_error (error, SW_ERROR, SW_ERROR_IO,
                           _("the server closed the connection after %" PRIu64
                           " of %zu bytes of reply %" PRIu64),
                           (guint64) got, size, n);
              return FALSE;
            }
          got += (gsize) r;
        }

      if (memcmp (reply, expected, size) != 0)
        {
          set_wrong_reply (error, message, size, reply, size);
          return FALSE;
        }

      hist_add (client->hist, (guint64) MAX (0, sw_clock_monotonic_ns () - t0));
      client->ok++;
    }
  return TRUE;
}

static void
client_close (Client *client)
{
  if (client->socket == NULL)
    return;
  /* Close errors say nothing about the replies already checked. */
  (void) g_socket_close (client->socket, NULL);
  record (client->flood, SW_EVENT_CONN_CLOSE, connection_id (client), 0);
  g_clear_object (&client->socket);
}

/* Coroutine mode */

static gboolean
co_send_all (Client      *client,
             const char  *buffer,
             gsize        size,
             GError     **error)
{
  return sw_co_send_all (client->socket, buffer, size, client->flood->io_timeout_us, error);
}

static gssize
co_recv (Client  *client,
         char    *buffer,
         gsize    size,
         GError **error)
{
  return sw_co_recv (client->socket, buffer, size, client->flood->io_timeout_us, error);
}

static const ClientIo co_io = { co_send_all, co_recv };

static SwCoroutine *
flood_spawn (Flood           *flood,
             const char      *name,
             SwCoroutineFunc  func,
             gpointer         arg)
{
  SwCoroutine *co = sw_co_spawn (name, func, arg, NULL);

  g_mutex_lock (&flood->mutex);
  g_ptr_array_add (flood->cos, co);
  g_mutex_unlock (&flood->mutex);
  /* A Stop that came before this one was listed. */
  if (is_stopping (flood))
    sw_co_cancel (co);
  return co;
}

static void
flood_joinall (Flood *flood)
{
  /* The thread's own code: never cancelled itself, so it waits until
   * every coroutine has ended (each wait of theirs is bounded). */
  if (!sw_co_joinall ((SwCoroutine **) flood->cos->pdata, flood->cos->len, -1, NULL))
    g_assert_not_reached ();
  g_mutex_lock (&flood->mutex);
  g_ptr_array_set_size (flood->cos, 0);
  g_mutex_unlock (&flood->mutex);
}

static GSocket *
co_connect_retrying (Flood   *flood,
                     GError **error)
{
  gint64 backoff = CONNECT_BACKOFF_US;

  for (guint attempt = 1; ; attempt++)
    {
      GError *local = NULL;
      GSocket *socket = sw_co_connect (flood->address, flood->io_timeout_us, &local);

      if (socket != NULL)
        return socket;
      if (attempt == CONNECT_TRIES
          || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        {
          g_propagate_prefixed_error (error, local, "connect (try %u): ", attempt);
          return NULL;
        }
      g_error_free (local);
      if (!sw_co_sleep (backoff, error))
        return NULL;
      backoff *= 2;
    }
}

/* One of CONNECT_WAVE coroutines that connect the clients in turn. */
static gpointer
connector_co (gpointer   arg,
              GError   **error)
{
  Flood *flood = arg;

  while (flood->next_to_connect < flood->n_clients && !is_stopping (flood))
    {
      Client *client = &flood->clients[flood->next_to_connect++];
      GError *local = NULL;

      client->socket = co_connect_retrying (flood, &local);
      if (client->socket == NULL)
        client_fail (client, local);
    }
  return NULL;
}

static gpointer
client_co (gpointer   arg,
           GError   **error)
{
  Client *client = arg;
  GError *local = NULL;

  sw_co_socket_set_id (client->socket, connection_id (client));
  record (client->flood, SW_EVENT_CONN_OPEN, connection_id (client), 0);
  if (!client_exchange (client, &co_io, &local))
    client_fail (client, local);
  client_close (client);
  return NULL;
}

static void
run_coroutines (Flood  *flood,
                gint64 *out_start,
                gint64 *out_end)
{
  g_autoptr(SwTrace) thread_trace = NULL;
  guint n_connectors = MIN (flood->n_clients, CONNECT_WAVE);

  /* This thread's coroutines record where the caller asked, for the run. */
  thread_trace = _sw_co_get_trace () ? g_object_ref (_sw_co_get_trace ()) : NULL;
  sw_co_set_trace (flood->trace);

  for (guint i = 0; i < n_connectors; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "connect-%u", i + 1);
      flood_spawn (flood, name, connector_co, flood);
    }
  flood_joinall (flood);

  *out_start = g_get_monotonic_time ();
  if (flood->options->duration_s > 0)
    flood->deadline = *out_start + (gint64) (flood->options->duration_s * G_USEC_PER_SEC);

  for (guint i = 0; i < flood->n_clients && !is_stopping (flood); i++)
    if (flood->clients[i].socket != NULL)
      flood_spawn (flood, flood->clients[i].name, client_co, &flood->clients[i]);
  flood_joinall (flood);
  *out_end = g_get_monotonic_time ();

  sw_co_set_trace (thread_trace);
}

/* Thread mode */

static gboolean
thread_send_all (Client      *client,
                 const char  *buffer,
                 gsize        size,
                 GError     **error)
{
  while (size > 0)
    {
      gssize n = g_socket_send (client->socket, buffer, size, client->flood->cancellable, error);

      if (n < 0)
        return FALSE;
      record (client->flood, SW_EVENT_BYTES_OUT, connection_id (client), (guint64) n);
      buffer += n;
      size -= (gsize) n;
    }
  return TRUE;
}

static gssize
thread_recv (Client  *client,
             char    *buffer,
             gsize    size,
             GError **error)
{
  gssize n = g_socket_receive (client->socket, buffer, size, client->flood->cancellable, error);

  if (n > 0)
    record (client->flood, SW_EVENT_BYTES_IN, connection_id (client), (guint64) n);
  return n;
}

static const ClientIo thread_io = { thread_send_all, thread_recv };

/* A backoff that a Stop cuts short; FALSE then. */
static gboolean
thread_backoff (Flood  *flood,
                gint64  duration_us)
{
  gint64 until = g_get_monotonic_time () + duration_us;

  g_mutex_lock (&flood->mutex);
  while (!is_stopping (flood))
    if (!g_cond_wait_until (&flood->slot_cond, &flood->mutex, until))
      break;
  g_mutex_unlock (&flood->mutex);
  return !is_stopping (flood);
}

static GSocket *
thread_connect_retrying (Flood   *flood,
                         GError **error)
{
  gint64 backoff = CONNECT_BACKOFF_US;
  GSocketFamily family = g_socket_address_get_family (flood->address);

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GSocket) socket = NULL;
      GError *local = NULL;

      socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
      if (socket == NULL)
        return NULL;
      /* GSocket's blocking calls poll with this timeout (whole seconds). */
      g_socket_set_timeout (socket, (guint) MAX (1, (flood->io_timeout_us + G_USEC_PER_SEC - 1)
                                                    / G_USEC_PER_SEC));
      if (g_socket_connect (socket, flood->address, flood->cancellable, &local))
        return g_steal_pointer (&socket);
      if (attempt == CONNECT_TRIES
          || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        {
          g_propagate_prefixed_error (error, local, "connect (try %u): ", attempt);
          return NULL;
        }
      g_error_free (local);
      if (!thread_backoff (flood, backoff))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("stopped"));
          return NULL;
        }
      backoff *= 2;
    }
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  Flood *flood = client->flood;
  GError *error = NULL;
  gboolean go;

  if (flood->trace != NULL)
    sw_trace_name_thread (flood->trace, client->name);

  /* A connect slot: CONNECT_WAVE at a time. */
  g_mutex_lock (&flood->mutex);
  while (flood->n_connecting >= CONNECT_WAVE && !is_stopping (flood))
    g_cond_wait (&flood->slot_cond, &flood->mutex);
  flood->n_connecting++;
  g_mutex_unlock (&flood->mutex);

  if (!is_stopping (flood))
    client->socket = thread_connect_retrying (flood, &error);

  g_mutex_lock (&flood->mutex);
  flood->n_connecting--;
  g_cond_signal (&flood->slot_cond);
  if (++flood->n_settled == flood->n_clients)
    g_cond_broadcast (&flood->phase_cond);
  g_mutex_unlock (&flood->mutex);

  if (error != NULL)
    client_fail (client, g_steal_pointer (&error));
  if (client->socket == NULL)
    return NULL;
  record (flood, SW_EVENT_CONN_OPEN, connection_id (client), 0);

  /* Everyone starts together. */
  g_mutex_lock (&flood->mutex);
  while (!flood->started && !is_stopping (flood))
    g_cond_wait (&flood->phase_cond, &flood->mutex);
  go = flood->started;
  g_mutex_unlock (&flood->mutex);

  if (go && !client_exchange (client, &thread_io, &error))
    client_fail (client, error);
  client_close (client);
  return NULL;
}

static gboolean
run_threads (Flood   *flood,
             gint64  *out_start,
             gint64  *out_end,
             GError **error)
{
  guint n_started = 0;
  GError *local = NULL;

  for (; n_started < flood->n_clients; n_started++)
    {
      Client *client = &flood->clients[n_started];

      client->hist = g_new0 (Histogram, 1);
      client->thread = g_thread_try_new (client->name, client_thread, client, &local);
      if (client->thread == NULL)
        break;
    }

  if (local != NULL)
    {
      /* Let those that started end at once. */
      g_atomic_int_set (&flood->stopping, TRUE);
      g_mutex_lock (&flood->mutex);
      g_cond_broadcast (&flood->slot_cond);
      g_cond_broadcast (&flood->phase_cond);
      g_mutex_unlock (&flood->mutex);
      for (guint i = 0; i < n_started; i++)
        g_thread_join (g_steal_pointer (&flood->clients[i].thread));
      g_set_error (error, SW_ERROR, SW_ERROR_FAILED,
                   _("flood: cannot start thread %u of %u: %s"),
                   n_started + 1, flood->n_clients, local->message);
      g_error_free (local);
      return FALSE;
    }

  g_mutex_lock (&flood->mutex);
  while (flood->n_settled < flood->n_clients && !is_stopping (flood))
    g_cond_wait (&flood->phase_cond, &flood->mutex);
  *out_start = g_get_monotonic_time ();
  if (flood->options->duration_s > 0)
    flood->deadline = *out_start + (gint64) (flood->options->duration_s * G_USEC_PER_SEC);
  flood->started = !is_stopping (flood);
  g_cond_broadcast (&flood->phase_cond);
  g_mutex_unlock (&flood->mutex);

  for (guint i = 0; i < flood->n_clients; i++)
    g_thread_join (g_steal_pointer (&flood->clients[i].thread));
  *out_end = g_get_monotonic_time ();
  return TRUE;
}

/* Set-up */

static GSocketAddress *
resolve (const char  *host,
         guint16      port,
         GError     **error)
{
  /* IPv4 first, as the server binds it (localhost → 127.0.0.1). */
  g_autoptr(GInetAddress) inet = _sw_net_resolve (host, error);

  if (inet == NULL)
    {
      g_prefix_error (error, _("flood: %s: "), host);
      return NULL;
    }
  return g_inet_socket_address_new (inet, port);
}

void
sw_flood_options_init (SwFloodOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->host = "127.0.0.1";
  options->clients = 500;
  options->messages = 20;
  options->mode = SW_FLOOD_MODE_COROUTINES;
}

gboolean
sw_flood_mode_from_string (const char  *str,
                           SwFloodMode *out_mode)
{
  if (g_strcmp0 (str, "coroutines") == 0)
    *out_mode = SW_FLOOD_MODE_COROUTINES;
  else if (g_strcmp0 (str, "threads") == 0)
    *out_mode = SW_FLOOD_MODE_THREADS;
  else
    return FALSE;
  return TRUE;
}

const char *
sw_flood_mode_to_string (SwFloodMode mode)
{
  return mode == SW_FLOOD_MODE_THREADS ? "threads" : "coroutines";
}

static char *
limit_to_string (rlim_t limit)
{
  if (limit == RLIM_INFINITY)
    return g_strdup ("unlimited");
  return g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) limit);
}

gboolean
sw_flood_ensure_fds (guint     clients,
                     guint     needed,
                     GError  **error)
{
  struct rlimit before, want;
  struct rlimit now;
  g_autofree char *soft_str = NULL;
  g_autofree char *hard_str = NULL;

  if (getrlimit (RLIMIT_NOFILE, &before) < 0)
    {
      int saved = errno;

      g_set_error (error, SW_ERROR, SW_ERROR_FAILED,
                   _("flood: getrlimit(RLIMIT_NOFILE): %s"), g_strerror (saved));
      return FALSE;
    }
  if (before.rlim_cur == RLIM_INFINITY || before.rlim_cur >= needed)
    return TRUE;

  /* As far as the hard limit allows; an unlimited hard limit may still
   * be above what the kernel takes (nr_open), so then just what is needed. */
  want = before;
  want.rlim_cur = before.rlim_max == RLIM_INFINITY ? needed : before.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &want) < 0 && want.rlim_cur > needed)
    {
      want.rlim_cur = needed;
      (void) setrlimit (RLIMIT_NOFILE, &want);  /* checked just below */
    }
  if (getrlimit (RLIMIT_NOFILE, &now) == 0
      && (now.rlim_cur == RLIM_INFINITY || now.rlim_cur >= needed))
    return TRUE;

  soft_str = limit_to_string (before.rlim_cur);
  hard_str = limit_to_string (before.rlim_max);
  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
               _("flood: %u clients need ~%u descriptors; the limit is %s (hard %s)"),
               clients, needed, soft_str, hard_str);
  return FALSE;
}

static gboolean
check_options (const SwFloodOptions  *options,
               GError               **error)
{
  guint max = options->mode == SW_FLOOD_MODE_THREADS ? SW_FLOOD_MAX_THREADS : SW_FLOOD_MAX_COROUTINES;

  if (options->port == 0)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                           _("flood: which port? (--port P, 1-65535)"));
      return FALSE;
    }
  if (options->clients == 0)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                           _("flood: at least one client"));
      return FALSE;
    }
  if (options->clients > max)
    {
      if (options->mode == SW_FLOOD_MODE_THREADS)
        g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                     _("flood: --mode threads runs at most %u clients (one OS thread each), "
                     "not %u; try --mode coroutines"), max, options->clients);
      else
        g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                     _("flood: at most %u clients, not %u"), max, options->clients);
      return FALSE;
    }
  if (options->duration_s < 0 || options->io_timeout_us < 0)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                           _("flood: durations cannot be negative"));
      return FALSE;
    }
  return TRUE;
}

static void
flood_clear (Flood *flood)
{
  for (guint i = 0; flood->clients != NULL && i < flood->n_clients; i++)
    {
      g_clear_object (&flood->clients[i].socket);
      if (flood->clients[i].hist != flood->hist)
        g_free (flood->clients[i].hist);
    }
  g_clear_pointer (&flood->clients, g_free);
  g_clear_pointer (&flood->hist, g_free);
  g_clear_pointer (&flood->cos, g_ptr_array_unref);
  g_clear_pointer (&flood->first_error, g_free);
  g_clear_object (&flood->address);
  g_cond_clear (&flood->slot_cond);
  g_cond_clear (&flood->phase_cond);
  g_mutex_clear (&flood->mutex);
}

/**
 * sw_flood_run:
 * @options: what to run
 * @trace: (nullable): where clients record
 * @cancellable: (nullable): Stop
 * @result: (out caller-allocates): the counts; clear with sw_flood_result_clear
 *
 * Returns: FALSE when the flood could not run or was stopped
 */
gboolean
sw_flood_run (const SwFloodOptions  *options,
              SwTrace               *trace,
              GCancellable          *cancellable,
              SwFloodResult         *result,
              GError               **error)
{
  Flood flood = { 0 };
  Histogram *total;
  gint64 start = 0, end = 0;
  gulong stop_handler = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (trace == NULL || SW_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  memset (result, 0, sizeof *result);

  if (!check_options (options, error))
    return FALSE;
  if (!sw_flood_ensure_fds (options->clients,
                            options->clients + options->reserve_fds + FD_MARGIN, error))
    return FALSE;

  flood.options = options;
  flood.trace = trace;
  flood.cancellable = cancellable;
  flood.io_timeout_us = options->io_timeout_us > 0 ? options->io_timeout_us : DEFAULT_IO_TIMEOUT_US;
  flood.deadline = G_MAXINT64;
  flood.n_clients = options->clients;
  g_mutex_init (&flood.mutex);
  g_cond_init (&flood.slot_cond);
  g_cond_init (&flood.phase_cond);
  flood.cos = g_ptr_array_new_with_free_func ((GDestroyNotify) sw_co_unref);

  flood.address = resolve (options->host ? options->host : "127.0.0.1", options->port, error);
  if (flood.address == NULL)
    {
      flood_clear (&flood);
      return FALSE;
    }

  flood.clients = g_new0 (Client, flood.n_clients);
  if (options->mode == SW_FLOOD_MODE_COROUTINES)
    flood.hist = g_new0 (Histogram, 1);
  for (guint i = 0; i < flood.n_clients; i++)
    {
      Client *client = &flood.clients[i];

      client->flood = &flood;
      client->index = i + 1;
      client->hist = flood.hist;
      /* The lesson's names: its clients are threads, current_thread().name */
      g_snprintf (client->name, sizeof client->name,
                  options->mode == SW_FLOOD_MODE_THREADS ? "Thread-%u" : "client-%u", i + 1);
    }

  if (cancellable != NULL)
    stop_handler = g_cancellable_connect (cancellable, G_CALLBACK (stop_cb), &flood, NULL);

  if (options->mode == SW_FLOOD_MODE_COROUTINES)
    run_coroutines (&flood, &start, &end);
  else
    ok = run_threads (&flood, &start, &end, error);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, stop_handler);

  if (ok)
    {
      total = flood.hist ? flood.hist : g_new0 (Histogram, 1);
      result->clients = flood.n_clients;
      for (guint i = 0; i < flood.n_clients; i++)
        {
          result->messages += flood.clients[i].sent;
          result->ok += flood.clients[i].ok;
          if (flood.hist == NULL)
            hist_merge (total, flood.clients[i].hist);
        }
      result->errors = flood.errors;
      result->elapsed_s = MAX (0, end - start) / 1e6;
      result->msgs_per_s = result->elapsed_s > 0 ? result->ok / result->elapsed_s : 0;
      result->p50_us = hist_percentile_us (total, 0.50);
      result->p99_us = hist_percentile_us (total, 0.99);
      result->first_error = g_steal_pointer (&flood.first_error);
      result->cancelled = is_stopping (&flood);
      if (flood.hist == NULL)
        g_free (total);

      if (result->cancelled)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("flood stopped"));
          ok = FALSE;
        }
    }

  flood_clear (&flood);
  return ok;
}

void
sw_flood_result_clear (SwFloodResult *result)
{
  g_return_if_fail (result != NULL);

  g_clear_pointer (&result->first_error, g_free);
  memset (result, 0, sizeof *result);
}

char *
sw_flood_result_format (const SwFloodResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  return g_strdup_printf ("flood: clients %u messages %" G_GUINT64_FORMAT " ok %" G_GUINT64_FORMAT
                          " errors %" G_GUINT64_FORMAT " msgs/s %.0f p50_us %" G_GUINT64_FORMAT
                          " p99_us %" G_GUINT64_FORMAT,
                          result->clients, result->messages, result->ok, result->errors,
                          result->msgs_per_s, result->p50_us, result->p99_us);
}
