/* sw-flood.h — the client army of lesson 5, checking every reply
 *
 * N clients each connect to an echo server and send "<client> say hello
 * <n>" (n from 1), read the whole reply, which must be the message with
 * its ASCII letters upper-cased, byte for byte, and time the round trip.
 * Either every client is a coroutine on the calling thread (sw-co-io), or
 * every client is an OS thread with a blocking socket (the lesson's way).
 *
 * A run has two phases: all clients connect (a bounded number at a time,
 * a refused connect retried with backoff), then all of them exchange
 * messages together; msgs/s and the latencies are of that second phase,
 * with every connection open.  A client stops at its first failure
 * (refused, reset or dropped connection, wrong reply, timeout), which
 * counts as one error; a Stop is not an error.
 *
 * Recording (when there is a trace): each client is a lane (its coroutine
 * or thread: "client-N" / "Thread-N"); CONN_OPEN / CONN_CLOSE there
 * (object: SW_FLOOD_CONNECTION_ID_BASE + N, apart from a server's ids),
 * BYTES_OUT / BYTES_IN per send and receive.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

#define SW_FLOOD_MAX_THREADS     1000
#define SW_FLOOD_MAX_COROUTINES 10000

/* Client connection ids in a trace: far from a server's 1, 2, … */
#define SW_FLOOD_CONNECTION_ID_BASE (G_GUINT64_CONSTANT (1) << 32)

typedef enum {
  SW_FLOOD_MODE_COROUTINES,
  SW_FLOOD_MODE_THREADS,
} SwFloodMode;

typedef struct {
  const char  *host;          /* NULL: 127.0.0.1 */
  guint16      port;
  guint        clients;
  guint64      messages;      /* per client; 0: no limit */
  double       duration_s;    /* of the message phase; 0: no limit */
  SwFloodMode  mode;
  gint64       io_timeout_us; /* one connect or reply; 0: 10 s */
  /* Descriptors the caller needs beside the flood's own (an echo server
   * in the same process), for the RLIMIT_NOFILE check. */
  guint        reserve_fds;
} SwFloodOptions;

typedef struct {
  guint    clients;
  guint64  messages;          /* sent */
  guint64  ok;                /* replies that matched */
  guint64  errors;            /* failed connects + failed round trips */
  double   elapsed_s;         /* message phase */
  double   msgs_per_s;        /* ok / elapsed_s */
  guint64  p50_us;
  guint64  p99_us;
  gboolean cancelled;
  char    *first_error;       /* owned; NULL when errors == 0 */
} SwFloodResult;

void      sw_flood_options_init    (SwFloodOptions       *options);
gboolean  sw_flood_mode_from_string (const char          *str,
                                     SwFloodMode         *out_mode);
const char *sw_flood_mode_to_string (SwFloodMode          mode);

/* Raises this process's RLIMIT_NOFILE soft limit as far as the hard limit
 * allows; FALSE with SW_ERROR_INVALID_ARGUMENT and a message saying how
 * many are needed when @needed cannot fit. */
gboolean  sw_flood_ensure_fds      (guint                 clients,
                                    guint                 needed,
                                    GError              **error);

/* Runs the flood to its end (messages, duration, or @cancellable).
 * FALSE with @error when it cannot run at all (bad options, descriptor
 * limit, host not resolvable, too many threads) — then @result is
 * zeroed — or with G_IO_ERROR_CANCELLED after a Stop, @result then
 * filled with what was done.  Clients' failures are not a FALSE: they
 * are counted in @result (clear it with sw_flood_result_clear).
 * Coroutine mode runs the calling thread's coroutine scheduler (its
 * thread-default GMainContext, see sw-coro.h) and restores the thread's
 * coroutine trace afterwards. */
gboolean  sw_flood_run             (const SwFloodOptions  *options,
                                    SwTrace               *trace,
                                    GCancellable          *cancellable,
                                    SwFloodResult         *result,
                                    GError               **error);

void      sw_flood_result_clear    (SwFloodResult         *result);

/* "flood: clients N messages M ok X errors Y msgs/s R p50_us A p99_us B" */
char     *sw_flood_result_format   (const SwFloodResult   *result) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
