/* test-stream.c — the trace, live over TCP, arrives whole, and bad peers
 * are refused with a reason on both sides */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "switchyard.h"

#define WAIT_US (60 * G_TIME_SPAN_SECOND)

/* ---- helpers ---------------------------------------------------------- */

typedef struct
{
  GMutex     lock;
  GPtrArray *lines;
} ServerLog;

static void
server_log_cb (const char *line,
               gpointer    user_data)
{
  ServerLog *log = user_data;

  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->lines, g_strdup (line));
  g_mutex_unlock (&log->lock);
  g_test_message ("server: %s", line);
}

/* One log for the whole binary: servers log until they are disposed,
 * which may be after their test's last assertion. */
static ServerLog the_log;

static void
server_log_reset (void)
{
  g_mutex_lock (&the_log.lock);
  g_ptr_array_set_size (the_log.lines, 0);
  g_mutex_unlock (&the_log.lock);
}

/* The lines containing both @a and @b. */
static guint
server_log_count (ServerLog  *log,
                  const char *a,
                  const char *b)
{
  guint n = 0;

  g_mutex_lock (&log->lock);
  for (guint i = 0; i < log->lines->len; i++)
    {
      const char *line = g_ptr_array_index (log->lines, i);
      if (strstr (line, a) && (b == NULL || strstr (line, b)))
        n++;
    }
  g_mutex_unlock (&log->lock);
  return n;
}

static SwStreamServer *
start_server (SwTrace    *trace,
              const char *token,
              const char *address,
              ServerLog  *log)
{
  g_autoptr(GError) error = NULL;
  SwStreamServer *server = sw_stream_server_new (trace, token);

  sw_stream_server_set_log_func (server, server_log_cb, log);
  g_assert_true (sw_stream_server_listen (server, address ? address : "127.0.0.1:0", &error));
  g_assert_no_error (error);
  return server;
}

static char *
loopback_address (SwStreamServer *server)
{
  return g_strdup_printf ("127.0.0.1:%u", sw_stream_server_get_port (server));
}

typedef struct
{
  gboolean  done;
  GError   *error;
} ConnectResult;

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ConnectResult *r = data;

  sw_stream_client_connect_finish (SW_STREAM_CLIENT (source), result, &r->error);
  r->done = TRUE;
}

/* Connects on this thread's default context; NULL on success. */
static GError *
connect_client (SwStreamClient *client)
{
  ConnectResult r = { 0 };
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  sw_stream_client_connect_async (client, NULL, connected_cb, &r);
  while (!r.done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return r.error;
}

static SwStreamClient *
new_client (const char *address,
            const char *token)
{
  return g_object_new (SW_TYPE_STREAM_CLIENT, "address", address, "token", token,
                       "trace-capacity", (guint64) 8 * 1024 * 1024, NULL);
}

static void
iterate_until_state (SwStreamClient *client,
                     SwStreamState   state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (sw_stream_client_get_state (client) != state)
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("client still %s, waiting for %s (last error: %s)",
                 sw_stream_state_to_string (sw_stream_client_get_state (client)),
                 sw_stream_state_to_string (state), sw_stream_client_get_last_error (client));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

/* finish() waits for viewers to take ENDED, and they read on this thread. */
static gpointer
finish_thread (gpointer data)
{
  sw_stream_server_finish (data, 20000);
  return NULL;
}

static void
finish_and_wait_ended (SwStreamServer *server,
                       SwStreamClient *a,
                       SwStreamClient *b)
{
  GThread *thread = g_thread_new ("finish", finish_thread, server);

  iterate_until_state (a, SW_STREAM_STATE_ENDED);
  if (b != NULL)
    iterate_until_state (b, SW_STREAM_STATE_ENDED);
  g_thread_join (thread);
}

/* By lane, then as recorded (dup_events order, kept in .flags' spare
 * neighbour: the index is compared last). */
typedef struct
{
  SwEvent event;
  guint   index;
} Indexed;

static int
compare_by_lane (const void *pa,
                 const void *pb)
{
  const Indexed *a = pa, *b = pb;

  if (a->event.lane != b->event.lane)
    return a->event.lane < b->event.lane ? -1 : 1;
  return a->index < b->index ? -1 : (a->index > b->index);
}

static Indexed *
by_lane (GArray *events)
{
  Indexed *sorted = g_new (Indexed, events->len);

  for (guint i = 0; i < events->len; i++)
    sorted[i] = (Indexed) { g_array_index (events, SwEvent, i), i };
  qsort (sorted, events->len, sizeof (Indexed), compare_by_lane);
  return sorted;
}

static gboolean
kind_has_lane_object (guint16 kind)
{
  return kind == SW_EVENT_LANE_BEGIN || kind == SW_EVENT_LANE_END || kind == SW_EVENT_CO_SPAWN ||
         kind == SW_EVENT_CO_SWITCH || kind == SW_EVENT_CO_EXIT;
}

/* What the viewer rebuilt is what the engine recorded: the same lanes
 * (after the viewer's own lane 1), the same strings, the same events with
 * every time moved by one offset. */
static void
assert_same_trace (SwTrace *engine,
                   SwTrace *viewer)
{
  g_autoptr(GArray) le = sw_trace_dup_lanes (engine);
  g_autoptr(GArray) lv = sw_trace_dup_lanes (viewer);
  g_autoptr(GArray) ee = sw_trace_dup_events (engine);
  g_autoptr(GArray) ev = sw_trace_dup_events (viewer);
  g_autoptr(GPtrArray) strings = sw_trace_dup_strings_from (engine, 0);
  g_autoptr(GHashTable) string_ids = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 offset;

  g_assert_cmpuint (lv->len, ==, le->len + 1);
  for (guint i = 0; i < le->len; i++)
    {
      const SwLane *a = &g_array_index (le, SwLane, i);
      const SwLane *b = &g_array_index (lv, SwLane, i + 1);

      g_assert_cmpuint (b->id, ==, a->id + 1);
      g_assert_cmpint (b->kind, ==, a->kind);
      g_assert_cmpstr (b->name, ==, a->name);
      g_assert_cmpint (b->pid, ==, a->pid);
      g_assert_cmpint (b->tid, ==, a->tid);
      g_assert_cmpuint (b->parent, ==, a->parent ? a->parent + 1 : 0);
    }

  for (guint i = 0; i < strings->len; i++)
    g_hash_table_insert (string_ids, g_ptr_array_index (strings, i), GUINT_TO_POINTER (i));

  g_assert_cmpuint (ev->len, ==, ee->len);
  g_assert_cmpuint (ee->len, >, 0);
  offset = (gint64) g_array_index (ev, SwEvent, 0).time - (gint64) g_array_index (ee, SwEvent, 0).time;
  for (guint i = 0; i < ev->len; i++)
    {
      SwEvent *e = &g_array_index (ev, SwEvent, i);
      guint64 *field = NULL;

      e->time = (guint64) ((gint64) e->time - offset);
      e->lane -= 1;
      if (kind_has_lane_object (e->kind) && e->object != 0)
        e->object -= 1;
      switch (sw_event_kind_string_field (e->kind))
        {
        case SW_EVENT_STRING_IN_OBJECT: field = &e->object; break;
        case SW_EVENT_STRING_IN_ARG:    field = &e->arg; break;
        default: break;
        }
      if (field != NULL)
        {
          const char *str = sw_trace_lookup_string (viewer, *field);
          gpointer id;

          g_assert_nonnull (str);
          g_assert_true (g_hash_table_lookup_extended (string_ids, str, NULL, &id));
          *field = GPOINTER_TO_UINT (id);
        }
    }
  /* Lane by lane, in the order recorded: the same events.  Times match
   * to within the engine's own clock recalibration between two drains
   * (ticks are converted to ns when drained, with the mapping of then). */
  {
    g_autofree Indexed *a = by_lane (ee);
    g_autofree Indexed *b = by_lane (ev);
    gint64 worst = 0;

    for (guint i = 0; i < ee->len; i++)
      {
        const SwEvent *x = &a[i].event, *y = &b[i].event;
        gint64 dt = (gint64) y->time - (gint64) x->time;

        if (x->lane != y->lane || x->kind != y->kind || x->flags != y->flags ||
            x->object != y->object || x->arg != y->arg)
          g_error ("event %u differs: lane %u kind %u object %" G_GUINT64_FORMAT " arg %" G_GUINT64_FORMAT
                   " vs lane %u kind %u object %" G_GUINT64_FORMAT " arg %" G_GUINT64_FORMAT,
                   i, x->lane, x->kind, x->object, x->arg, y->lane, y->kind, y->object, y->arg);
        worst = MAX (worst, ABS (dt));
      }
    g_test_message ("times agree to %" G_GINT64_FORMAT " ns", worst);
    g_assert_cmpint (worst, <, 10 * 1000);
  }
}

/* A producer thread: @n events on a lane of its own, with log lines. */
typedef struct
{
  SwTrace *trace;
  guint64  n;
  guint64  first;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  sw_trace_name_thread (p->trace, "producer");
  for (guint64 i = 0; i < p->n; i++)
    {
      if ((p->first + i) % 1000 == 0)
        sw_trace_log (p->trace, "line %" G_GUINT64_FORMAT, p->first + i);
      else
        sw_trace_record (p->trace, SW_EVENT_COUNTER, 0, sw_trace_intern (p->trace, "value"), p->first + i);
    }
  return NULL;
}

static void
produce (SwTrace *trace,
         guint64  first,
         guint64  n)
{
  Producer p = { trace, n, first };
  g_thread_join (g_thread_new ("producer", producer_thread, &p));
}

/* ---- round trip ------------------------------------------------------- */

static void
run_scenario (SwTrace    *trace,
              const char *name,
              const char *sets[])
{
  g_autoptr(GError) error = NULL;
  const SwScenario *scenario = sw_scenario_lookup (name, &error);
  g_autoptr(SwParams) params = NULL;
  g_autoptr(SwScenarioRun) run = NULL;

  g_assert_no_error (error);
  params = sw_params_new (scenario);
  for (guint i = 0; sets[i] != NULL; i++)
    g_assert_true (sw_params_set_assignment (params, sets[i], NULL));
  run = sw_scenario_run_new (scenario, params, trace);
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
}

typedef struct
{
  SwTrace    *trace;
  const char *name;
  const char **sets;
} ScenarioJob;

static gpointer
scenario_thread (gpointer data)
{
  ScenarioJob *job = data;
  run_scenario (job->trace, job->name, job->sets);
  return NULL;
}

/* A real run, watched from its start: the viewer's trace is the engine's. */
static void
test_stream_round_trip_scenario (gconstpointer data)
{
  const char *name = data;
  const char *pool_sets[] = { "tasks=6", "workers=3", "min_sleep=0.01", "max_sleep=0.03", NULL };
  const char *coro_sets[] = { "scale=0.02", NULL };
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = NULL;
  g_autoptr(SwStreamClient) client = NULL;
  g_autofree char *address = NULL;
  ScenarioJob job = { trace, name, g_str_equal (name, "thread-pool") ? pool_sets : coro_sets };
  GThread *thread;
  GError *error;

  server_log_reset ();
  server = start_server (trace, NULL, NULL, &the_log);
  address = loopback_address (server);
  client = new_client (address, NULL);
  error = connect_client (client);
  g_assert_no_error (error);
  g_assert_cmpint (sw_stream_client_get_state (client), ==, SW_STREAM_STATE_LIVE);
  g_assert_nonnull (sw_stream_client_get_trace (client));

  thread = g_thread_new ("scenario", scenario_thread, &job);
  /* The viewer gets events while the run is still going. */
  while (sw_stream_client_get_received (client) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  finish_and_wait_ended (server, client, NULL);
  g_assert_cmpuint (sw_stream_client_get_dropped (client), ==, 0);
  g_assert_cmpuint (sw_stream_client_get_engine_recorded (client), ==, sw_trace_get_recorded (trace));
  g_assert_cmpuint (sw_stream_client_get_received (client), ==, sw_trace_get_recorded (trace));
  assert_same_trace (trace, sw_stream_client_get_trace (client));
  g_assert_cmpuint (server_log_count (&the_log, "run ended", NULL), ==, 1);
}

/* ---- late joiner, two viewers ----------------------------------------- */

static void
test_stream_late_joiner_backlog_then_live (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = NULL;
  g_autoptr(SwStreamClient) client = NULL;
  g_autofree char *address = NULL;
  GError *error;

  server_log_reset ();
  produce (trace, 0, 50000);
  server = start_server (trace, NULL, NULL, &the_log);
  address = loopback_address (server);
  client = new_client (address, NULL);
  error = connect_client (client);
  g_assert_no_error (error);

  /* The backlog first: all 50,000, before anything new is recorded. */
  while (sw_stream_client_get_received (client) < 50000)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (sw_stream_client_get_received (client), ==, 50000);

  produce (trace, 50000, 30000);
  while (sw_stream_client_get_received (client) < 80000)
    g_main_context_iteration (NULL, TRUE);

  finish_and_wait_ended (server, client, NULL);
  g_assert_cmpuint (sw_stream_client_get_skipped (client), ==, 0);
  g_assert_cmpuint (sw_stream_client_get_dropped (client), ==, 0);
  assert_same_trace (trace, sw_stream_client_get_trace (client));
}

/* The backlog is bounded: a late joiner gets the newest events, the
 * older ones are counted as skipped, and nothing recorded later is lost. */
static void
test_stream_backlog_is_bounded_newest_first (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = sw_stream_server_new (trace, NULL);
  g_autoptr(SwStreamClient) client = NULL;
  g_autoptr(GArray) events = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GError) listen_error = NULL;
  guint64 lowest = G_MAXUINT64, received_backlog;
  GError *error;

  server_log_reset ();
  sw_stream_server_set_log_func (server, server_log_cb, &the_log);
  sw_stream_server_set_backlog_limit (server, 10000);
  g_assert_true (sw_stream_server_listen (server, "127.0.0.1:0", &listen_error));
  produce (trace, 0, 100000);

  address = loopback_address (server);
  client = new_client (address, NULL);
  error = connect_client (client);
  g_assert_no_error (error);
  produce (trace, 100000, 1000);
  finish_and_wait_ended (server, client, NULL);

  received_backlog = sw_stream_client_get_received (client) - 1000;
  g_assert_cmpuint (received_backlog, <=, 10000);
  g_assert_cmpuint (received_backlog, >=, 9900);
  g_assert_cmpuint (sw_stream_client_get_skipped (client) + sw_stream_client_get_received (client),
                    ==, sw_trace_get_recorded (trace));
  g_assert_cmpuint (sw_stream_client_get_dropped (client), ==, 0);

  /* The newest: the counter values that arrived are the last ones. */
  events = sw_trace_dup_events (sw_stream_client_get_trace (client));
  for (guint i = 0; i < events->len; i++)
    if (g_array_index (events, SwEvent, i).kind == SW_EVENT_COUNTER)
      lowest = MIN (lowest, g_array_index (events, SwEvent, i).arg);
  g_assert_cmpuint (lowest, >=, 100000 - 10000);
}

static void
test_stream_two_viewers (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = NULL;
  g_autoptr(SwStreamClient) a = NULL;
  g_autoptr(SwStreamClient) b = NULL;
  g_autofree char *address = NULL;
  GError *error;

  server_log_reset ();
  server = start_server (trace, NULL, NULL, &the_log);
  address = loopback_address (server);
  a = new_client (address, NULL);
  b = new_client (address, NULL);
  error = connect_client (a);
  g_assert_no_error (error);
  error = connect_client (b);
  g_assert_no_error (error);
  g_assert_cmpuint (sw_stream_server_get_n_viewers (server), ==, 2);

  produce (trace, 0, 200000);
  finish_and_wait_ended (server, a, b);
  assert_same_trace (trace, sw_stream_client_get_trace (a));
  assert_same_trace (trace, sw_stream_client_get_trace (b));
}

/* ---- a viewer that stops reading -------------------------------------- */

static void
test_stream_stalled_viewer_gets_drops (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (3000000);
  g_autoptr(SwStreamServer) server = sw_stream_server_new (trace, NULL);
  g_autoptr(SwStreamClient) stalled = NULL;
  g_autoptr(SwStreamClient) healthy = NULL;
  g_autoptr(GError) listen_error = NULL;
  g_autofree char *address = NULL;
  GError *error;

  server_log_reset ();
  sw_stream_server_set_log_func (server, server_log_cb, &the_log);
  sw_stream_server_set_max_lag (server, 50000);
  sw_stream_server_set_send_buffer (server, 256 * 1024);
  g_assert_true (sw_stream_server_listen (server, "127.0.0.1:0", &listen_error));
  address = loopback_address (server);

  stalled = new_client (address, NULL);
  error = connect_client (stalled);
  g_assert_no_error (error);

  /* 2,000,000 events (64 MB) while the viewer reads nothing: the producer
   * is not held up (it returns), and the server drops for that viewer. */
  produce (trace, 0, 2000000);
  g_assert_cmpuint (sw_trace_get_recorded (trace), ==, 2000000);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_US;
    while (sw_stream_server_get_dropped (server) == 0)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (2000);
      }
  }

  /* The server still serves others meanwhile. */
  healthy = new_client (address, NULL);
  error = connect_client (healthy);
  g_assert_no_error (error);

  finish_and_wait_ended (server, stalled, healthy);
  g_assert_cmpuint (sw_stream_client_get_dropped (stalled), >, 0);
  g_assert_cmpuint (sw_stream_client_get_dropped (stalled), ==, sw_stream_server_get_dropped (server));
  /* Every event is either received or counted as dropped. */
  g_assert_cmpuint (sw_stream_client_get_received (stalled) + sw_stream_client_get_dropped (stalled),
                    ==, 2000000);
  g_assert_cmpuint (sw_stream_client_get_received (healthy) + sw_stream_client_get_dropped (healthy) +
                    sw_stream_client_get_skipped (healthy), ==, 2000000);
}

/* ---- refusals --------------------------------------------------------- */

static void
test_stream_refuses_wrong_token (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = NULL;
  g_autofree char *address = NULL;

  server_log_reset ();
  server = start_server (trace, "s3cret", NULL, &the_log);
  address = loopback_address (server);

  {
    g_autoptr(SwStreamClient) client = new_client (address, "guess");
    g_autoptr(GError) error = connect_client (client);

    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "refused this viewer: wrong token"));
    g_assert_cmpint (sw_stream_client_get_state (client), ==, SW_STREAM_STATE_DISCONNECTED);
    g_assert_cmpstr (sw_stream_client_get_last_error (client), ==, error->message);
    g_assert_cmpuint (server_log_count (&the_log, "refused viewer 127.0.0.1:", "wrong token"), ==, 1);
  }
  {
    g_autoptr(SwStreamClient) client = new_client (address, "");
    g_autoptr(GError) error = connect_client (client);

    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "requires a token"));
    g_assert_cmpuint (server_log_count (&the_log, "refused viewer", "requires a token"), ==, 1);
  }
  {
    g_autoptr(SwStreamClient) client = new_client (address, "s3cret");
    g_autoptr(GError) error = connect_client (client);

    g_assert_no_error (error);
  }
  g_assert_cmpuint (sw_stream_server_get_n_accepted (server), ==, 1);
}

/* A raw peer: sends @request, returns everything the server answers
 * until it closes (bounded by a receive timeout). */
static GByteArray *
raw_exchange (guint16       port,
              const guint8 *request,
              gsize         len)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval tv = { 20, 0 };
  GByteArray *reply = g_byte_array_new ();
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint8 buf[4096];
  gssize n;

  g_assert_cmpint (fd, >=, 0);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (send (fd, request, len, MSG_NOSIGNAL), ==, (gssize) len);
  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_byte_array_append (reply, buf, (guint) n);
  g_assert_cmpint (n, ==, 0);  /* closed, not timed out */
  close (fd);
  return reply;
}

static void
append_u32 (GByteArray *b,
            guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (guint8 *) &v, 4);
}

/* The reason in a REFUSED frame the server sent, or NULL. */
static char *
refusal_reason (GByteArray *reply)
{
  guint32 len, type;

  if (reply->len < 16 || memcmp (reply->data, "SWYS", 4) != 0)
    return NULL;
  memcpy (&len, reply->data + 8, 4);
  memcpy (&type, reply->data + 12, 4);
  len = GUINT32_FROM_LE (len);
  if (GUINT32_FROM_LE (type) != 3 || 16 + (gsize) len > reply->len)
    return NULL;
  return g_strndup ((char *) reply->data + 16, len);
}

/* Bad viewers: the server logs one line and closes, and the peer gets a
 * REFUSED frame saying why. */
static void
test_stream_server_refuses_bad_viewers (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = NULL;
  struct {
    const char *what;
    const char *log_mention;
  } cases[] = {
    { "garbage", "bad magic" },
    { "version", "protocol version 99" },
    { "oversized", "over the limit" },
    { "wrong-frame", "expected" },
  };

  server_log_reset ();
  server = start_server (trace, NULL, NULL, &the_log);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) request = g_byte_array_new ();
      g_autoptr(GByteArray) reply = NULL;
      g_autofree char *reason = NULL;

      if (g_str_equal (cases[i].what, "garbage"))
        g_byte_array_append (request, (guint8 *) "GET / HTTP/1.0\r\n\r\n", 18);
      else
        {
          g_byte_array_append (request, (guint8 *) "SWYS", 4);
          append_u32 (request, g_str_equal (cases[i].what, "version") ? 99 : 1);
          if (g_str_equal (cases[i].what, "oversized"))
            {
              append_u32 (request, 0x7fffffff);   /* a hello of 2 GiB */
              append_u32 (request, 1);
            }
          else
            {
              append_u32 (request, 4);
              append_u32 (request, g_str_equal (cases[i].what, "wrong-frame") ? 6 : 1);
              append_u32 (request, 0);
            }
        }

      reply = raw_exchange (sw_stream_server_get_port (server), request->data, request->len);
      reason = refusal_reason (reply);
      g_test_message ("%s: refused with '%s'", cases[i].what, reason);
      g_assert_nonnull (reason);
      g_assert_cmpuint (server_log_count (&the_log, "refused viewer", cases[i].log_mention), ==, 1);
      g_assert_nonnull (strstr (reason, cases[i].log_mention));
    }
  g_assert_cmpuint (sw_stream_server_get_n_accepted (server), ==, 0);
}

/* A fake engine: accepts one viewer, reads its hello, answers @reply. */
typedef struct
{
  int         listen_fd;
  GByteArray *reply;
} FakeServer;

static gpointer
fake_server_thread (gpointer data)
{
  FakeServer *f = data;
  int fd = accept (f->listen_fd, NULL, NULL);
  guint8 buf[4096];
  struct timeval tv = { 20, 0 };

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), >, 0);
  g_assert_cmpint (send (fd, f->reply->data, f->reply->len, MSG_NOSIGNAL), ==, (gssize) f->reply->len);
  /* Until the viewer hangs up. */
  while (recv (fd, buf, sizeof buf, 0) > 0)
    ;
  close (fd);
  return NULL;
}

static GError *
connect_to_fake (GByteArray *reply)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  FakeServer f = { socket (AF_INET, SOCK_STREAM, 0), reply };
  g_autoptr(SwStreamClient) client = NULL;
  g_autofree char *address = NULL;
  GThread *thread;
  GError *error;

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (f.listen_fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (f.listen_fd, 1), ==, 0);
  g_assert_cmpint (getsockname (f.listen_fd, (struct sockaddr *) &sin, &len), ==, 0);
  address = g_strdup_printf ("127.0.0.1:%u", ntohs (sin.sin_port));

  thread = g_thread_new ("fake server", fake_server_thread, &f);
  client = new_client (address, NULL);
  error = connect_client (client);
  g_assert_cmpint (sw_stream_client_get_state (client), ==, SW_STREAM_STATE_DISCONNECTED);
  g_clear_object (&client);   /* hangs up */
  g_thread_join (thread);
  close (f.listen_fd);
  return error;
}

/* Bad engines: the viewer gets a GError saying what was wrong. */
static void
test_stream_client_refuses_bad_servers (void)
{
  {
    g_autoptr(GByteArray) reply = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_byte_array_append (reply, (guint8 *) "HTTP/1.0 400 Bad Request\r\n\r\n", 28);
    error = connect_to_fake (reply);
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "is not a Switchyard stream server"));
  }
  {
    g_autoptr(GByteArray) reply = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_byte_array_append (reply, (guint8 *) "SWYS", 4);
    append_u32 (reply, 99);
    error = connect_to_fake (reply);
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "speaks stream protocol version 99"));
  }
  {
    g_autoptr(GByteArray) reply = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_byte_array_append (reply, (guint8 *) "SWYS", 4);
    append_u32 (reply, 1);
    append_u32 (reply, 0xfffffff0);   /* a 4 GiB frame: never allocated */
    append_u32 (reply, 6);
    error = connect_to_fake (reply);
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "over the limit of"));
  }
  {
    /* A welcome cut short: malformed, not a crash. */
    g_autoptr(GByteArray) reply = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_byte_array_append (reply, (guint8 *) "SWYS", 4);
    append_u32 (reply, 1);
    append_u32 (reply, 4);
    append_u32 (reply, 2);
    append_u32 (reply, 0);
    error = connect_to_fake (reply);
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "malformed welcome frame"));
  }
}

/* An address of this machine that is not loopback, or NULL. */
static char *
non_loopback_ipv4 (void)
{
  struct ifaddrs *list, *ifa;
  char *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (ifa = list; ifa != NULL && found == NULL; ifa = ifa->ifa_next)
    {
      char text[INET_ADDRSTRLEN];
      struct sockaddr_in *sin = (struct sockaddr_in *) ifa->ifa_addr;

      if (sin == NULL || sin->sin_family != AF_INET || (ntohl (sin->sin_addr.s_addr) >> 24) == 127)
        continue;
      if (inet_ntop (AF_INET, &sin->sin_addr, text, sizeof text))
        found = g_strdup (text);
    }
  freeifaddrs (list);
  return found;
}

static void
test_stream_non_loopback_needs_token (void)
{
  g_autofree char *ip = non_loopback_ipv4 ();
  g_autoptr(SwTrace) trace = NULL;

  if (ip == NULL)
    {
      g_test_skip ("this machine has no non-loopback IPv4 address to connect from");
      return;
    }
  trace = sw_trace_new (0);
  server_log_reset ();

  {
    g_autoptr(SwStreamServer) server = start_server (trace, NULL, "0.0.0.0:0", &the_log);
    g_autofree char *address = g_strdup_printf ("%s:%u", ip, sw_stream_server_get_port (server));
    g_autoptr(SwStreamClient) client = new_client (address, NULL);
    g_autoptr(GError) error = connect_client (client);

    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "only loopback viewers"));
    g_assert_cmpuint (server_log_count (&the_log, "refused viewer", "only loopback viewers"), ==, 1);
  }
  {
    g_autoptr(SwStreamServer) server = start_server (trace, "t0ken", "0.0.0.0:0", &the_log);
    g_autofree char *address = g_strdup_printf ("%s:%u", ip, sw_stream_server_get_port (server));
    g_autoptr(SwStreamClient) client = new_client (address, "t0ken");
    g_autoptr(GError) error = connect_client (client);

    g_assert_no_error (error);
  }
}

/* ---- reconnecting ----------------------------------------------------- */

static void
test_stream_reconnects (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) first = NULL;
  g_autoptr(SwStreamServer) second = NULL;
  g_autoptr(SwStreamClient) client = NULL;
  g_autofree char *address = NULL;
  SwTrace *first_trace;

  server_log_reset ();
  first = start_server (trace, NULL, NULL, &the_log);
  address = loopback_address (first);
  client = new_client (address, NULL);
  sw_stream_client_start (client);
  iterate_until_state (client, SW_STREAM_STATE_LIVE);
  first_trace = sw_stream_client_get_trace (client);

  /* The engine goes away without "ended": the viewer keeps trying. */
  g_clear_object (&first);
  iterate_until_state (client, SW_STREAM_STATE_RECONNECTING);
  g_assert_nonnull (sw_stream_client_get_last_error (client));

  /* An engine on the same port again: the viewer is back, on a new trace. */
  {
    g_autoptr(SwStreamServer) probe = sw_stream_server_new (trace, NULL);
    sw_stream_server_set_log_func (probe, server_log_cb, &the_log);
    g_assert_true (sw_stream_server_listen (probe, address, NULL));
    second = g_steal_pointer (&probe);
  }
  produce (trace, 0, 1000);
  iterate_until_state (client, SW_STREAM_STATE_LIVE);
  g_assert_true (sw_stream_client_get_trace (client) != first_trace);
  finish_and_wait_ended (second, client, NULL);
  g_assert_cmpuint (sw_stream_client_get_received (client), ==, sw_trace_get_recorded (trace));

  /* Refusals are final: no retrying with a wrong token. */
  {
    g_autoptr(SwStreamServer) guarded = start_server (trace, "right", NULL, &the_log);
    g_autofree char *guarded_address = loopback_address (guarded);
    g_autoptr(SwStreamClient) wrong = new_client (guarded_address, "wrong");

    sw_stream_client_start (wrong);
    iterate_until_state (wrong, SW_STREAM_STATE_DISCONNECTED);
    g_assert_nonnull (strstr (sw_stream_client_get_last_error (wrong), "wrong token"));
  }
}

static void
test_stream_parse_address (void)
{
  const char *bad[] = { "", "7070", "host", "host:", ":7070", "host:70000", "host:x", "::1:7070", "[::1]7070" };
  g_autofree char *host = NULL;
  guint16 port = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (sw_stream_parse_address (bad[i], NULL, NULL, &error));
      g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "HOST:PORT"));
    }
  g_assert_true (sw_stream_parse_address ("[::1]:7070", &host, &port, NULL));
  g_assert_cmpstr (host, ==, "::1");
  g_assert_cmpuint (port, ==, 7070);
  g_clear_pointer (&host, g_free);
  g_assert_true (sw_stream_parse_address ("10.0.0.1:0", &host, &port, NULL));
  g_assert_cmpstr (host, ==, "10.0.0.1");
  g_assert_cmpuint (port, ==, 0);
}

/* "localhost" is listened on as 127.0.0.1, where `watch 127.0.0.1:P` and
 * the lesson's IPv4 clients look (it resolves to ::1 first). */
static void
test_stream_localhost_is_ipv4 (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwStreamServer) server = sw_stream_server_new (trace, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  g_assert_true (sw_stream_server_listen (server, "localhost:0", &error));
  g_assert_no_error (error);
  address = sw_stream_server_dup_address (server);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  sw_stream_server_finish (server, 0);
}

/* ---- two network namespaces ------------------------------------------- */

static gboolean
sh (const char *command,
    char      **err)
{
  g_autofree char *out = NULL;
  int status = -1;

  if (!g_spawn_command_line_sync (command, &out, err, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* The engine in one namespace, the viewer in another, joined by a veth
 * pair: a real non-loopback link, made (and removed) by the test. */
static void
test_stream_between_namespaces (void)
{
  const char *cli = g_getenv ("SW_CLI");
  g_autofree char *a = g_strdup_printf ("swA%d", (int) getpid ());
  g_autofree char *b = g_strdup_printf ("swB%d", (int) getpid ());
  g_autofree char *va = g_strdup_printf ("swva%d", (int) getpid () % 100000);
  g_autofree char *vb = g_strdup_printf ("swvb%d", (int) getpid () % 100000);
  g_autofree char *err = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_autofree char *watch_err = NULL;
  char *setup[9] = { NULL };
  GPid engine_pid;
  int engine_err_fd, status;
  g_autoptr(GIOChannel) engine_err = NULL;
  g_autofree char *line = NULL;

  g_assert_nonnull (cli);
  if (geteuid () != 0)
    {
      g_test_skip ("needs root to make network namespaces (ip netns add)");
      return;
    }
  cmd = g_strdup_printf ("ip netns add %s", a);
  if (!sh (cmd, &err))
    {
      g_autofree char *skip = err == NULL
        ? g_strdup ("cannot run 'ip' (iproute2) to make network namespaces")
        : g_strdup_printf ("network namespaces not permitted here: %s", g_strstrip (err));
      g_test_skip (skip);
      return;
    }
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&err, g_free);
  cmd = g_strdup_printf ("ip netns add %s", b);
  g_assert_true (sh (cmd, NULL));
  setup[0] = g_strdup_printf ("ip link add %s type veth peer name %s", va, vb);
  setup[1] = g_strdup_printf ("ip link set %s netns %s", va, a);
  setup[2] = g_strdup_printf ("ip link set %s netns %s", vb, b);
  setup[3] = g_strdup_printf ("ip -n %s addr add 10.77.0.1/24 dev %s", a, va);
  setup[4] = g_strdup_printf ("ip -n %s addr add 10.77.0.2/24 dev %s", b, vb);
  setup[5] = g_strdup_printf ("ip -n %s link set %s up", a, va);
  setup[6] = g_strdup_printf ("ip -n %s link set %s up", b, vb);
  setup[7] = g_strdup_printf ("ip -n %s link set lo up", a);
  for (guint i = 0; setup[i] != NULL; i++)
    {
      g_autofree char *step = g_steal_pointer (&setup[i]);
      g_autofree char *step_err = NULL;

      if (!sh (step, &step_err))
        {
          g_autofree char *skip = g_strdup_printf ("'%s' not permitted here: %s", step, g_strstrip (step_err));
          g_free (cmd);
          cmd = g_strdup_printf ("ip netns del %s", a);
          (void) sh (cmd, NULL);
          g_free (cmd);
          cmd = g_strdup_printf ("ip netns del %s", b);
          (void) sh (cmd, NULL);
          for (guint j = i + 1; setup[j] != NULL; j++)
            g_free (setup[j]);
          g_test_skip (skip);
          return;
        }
    }

  /* The engine, in A, with a token; it waits for its viewer. */
  {
    const char *argv[] = { "ip", "netns", "exec", a, cli, "run", "thread-pool",
                           "--set", "tasks=4", "--set", "workers=2",
                           "--set", "min_sleep=0.01", "--set", "max_sleep=0.02",
                           "--listen", "10.77.0.1:7070", "--token", "ns-t0ken", "--wait-viewer", NULL };
    g_autoptr(GError) error = NULL;

    g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                             G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                             G_SPAWN_STDOUT_TO_DEV_NULL,
                                             NULL, NULL, &engine_pid, NULL, NULL, &engine_err_fd, &error));
    g_assert_no_error (error);
    engine_err = g_io_channel_unix_new (engine_err_fd);
    g_io_channel_set_close_on_unref (engine_err, TRUE);
    g_assert_cmpint (g_io_channel_read_line (engine_err, &line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
    g_assert_nonnull (strstr (line, "streaming on 10.77.0.1:7070 (token required)"));
  }

  /* From B without the token: refused on both sides. */
  g_free (cmd);
  cmd = g_strdup_printf ("ip netns exec %s %s watch 10.77.0.1:7070", b, cli);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &watch_err, &status, NULL));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (watch_err, "refused this viewer: this engine requires a token"));
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (g_io_channel_read_line (engine_err, &line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_assert_nonnull (strstr (line, "refused viewer 10.77.0.2:"));

  /* With it: the whole run, over the veth link, then "ended". */
  g_free (cmd);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&watch_err, g_free);
  cmd = g_strdup_printf ("ip netns exec %s %s watch 10.77.0.1:7070 --token ns-t0ken", b, cli);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &watch_err, &status, NULL));
  g_test_message ("watch: %s%s", out, watch_err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "lane thread \"main\""));
  g_assert_nonnull (strstr (out, "lane thread \"worker 2\""));
  {
    const char *ended = strstr (out, "watch: ended: events ");
    guint64 events, recorded;

    g_assert_nonnull (ended);
    g_assert_cmpint (sscanf (ended, "watch: ended: events %" G_GUINT64_FORMAT " recorded %" G_GUINT64_FORMAT,
                             &events, &recorded), ==, 2);
    g_assert_cmpuint (events, ==, recorded);
    g_assert_cmpuint (events, >, 20);
  }

  g_assert_cmpint (waitpid (engine_pid, &status, 0), ==, engine_pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_spawn_close_pid (engine_pid);

  g_free (cmd);
  cmd = g_strdup_printf ("ip netns del %s", a);
  g_assert_true (sh (cmd, NULL));
  g_free (cmd);
  cmd = g_strdup_printf ("ip netns del %s", b);
  g_assert_true (sh (cmd, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  g_mutex_init (&the_log.lock);
  the_log.lines = g_ptr_array_new_with_free_func (g_free);

  g_test_add_data_func ("/Sw/Stream/round-trip/thread-pool", "thread-pool", test_stream_round_trip_scenario);
  g_test_add_data_func ("/Sw/Stream/round-trip/spawn-joinall", "spawn-joinall", test_stream_round_trip_scenario);
  g_test_add_func ("/Sw/Stream/late-joiner-backlog-then-live", test_stream_late_joiner_backlog_then_live);
  g_test_add_func ("/Sw/Stream/backlog-bounded-newest-first", test_stream_backlog_is_bounded_newest_first);
  g_test_add_func ("/Sw/Stream/two-viewers", test_stream_two_viewers);
  g_test_add_func ("/Sw/Stream/stalled-viewer-gets-drops", test_stream_stalled_viewer_gets_drops);
  g_test_add_func ("/Sw/Stream/refuses-wrong-token", test_stream_refuses_wrong_token);
  g_test_add_func ("/Sw/Stream/server-refuses-bad-viewers", test_stream_server_refuses_bad_viewers);
  g_test_add_func ("/Sw/Stream/client-refuses-bad-servers", test_stream_client_refuses_bad_servers);
  g_test_add_func ("/Sw/Stream/non-loopback-needs-token", test_stream_non_loopback_needs_token);
  g_test_add_func ("/Sw/Stream/reconnects", test_stream_reconnects);
  g_test_add_func ("/Sw/Stream/parse-address", test_stream_parse_address);
  g_test_add_func ("/Sw/Stream/localhost-is-ipv4", test_stream_localhost_is_ipv4);
  g_test_add_func ("/Sw/Stream/between-network-namespaces", test_stream_between_namespaces);

  return g_test_run ();
}
