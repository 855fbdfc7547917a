/* switchyard-cli — the engine without a window
 *
 * The command line is a stable contract (tests and benchmarks use it): see
 * DESIGN.md.  Errors are one line on stderr and exit status 2.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "switchyard.h"

#define EXIT_USAGE 2
#define EXIT_STOPPED 130

/* The lesson's server listens on 8080. */
#define SERVE_DEFAULT_PORT 8080

static GMutex output_lock;

static const char *const usage_text = N_(
  "usage: switchyard-cli COMMAND [ARGS]\n"
  "\n"
  "  list                                          list the scenarios, one a line\n"
  "  run NAME [--set KEY=VALUE]... [--trace FILE]  run a scenario, print its lines\n"
  "  bench [NAME]                                  print \"bench NAME VALUE UNIT\" lines\n"
  "  serve [--host H] [--port P] [--duration S] [--trace FILE]\n"
  "                                                coroutine echo server (port 8080; 0: any)\n"
  "  flood --port P [--host H] [--clients N] [--messages M] [--duration S]\n"
  "        [--mode coroutines|threads]             client flood that checks every reply\n"
  "  watch HOST:PORT [--token T] [--reconnect]     a viewer without a window: lanes, counts\n"
  "\n"
  "run, serve and flood also take --listen HOST:PORT [--token T] to stream the trace live\n"
  "to viewers (switchyard --connect, switchyard-cli watch); run takes --wait-viewer to start\n"
  "only once a viewer is there.  The token may come from SWITCHYARD_TOKEN instead; without\n"
  "one only viewers on this machine (loopback) may connect.\n");

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  va_list args;

  fputs ("switchyard-cli: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  return EXIT_USAGE;
}

static void
print_line_cb (const char *line,
               gpointer    user_data)
{
  g_mutex_lock (&output_lock);
  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  g_mutex_unlock (&output_lock);
}

static int
cmd_list (int    argc,
          char **argv)
{
  const SwScenario * const *scenarios;
  guint n;

  if (argc > 1)
    return fail (_("list takes no arguments"));

  scenarios = sw_scenario_list (&n);
  for (guint i = 0; i < n; i++)
    printf ("%s\t%s\n", scenarios[i]->name, _(scenarios[i]->title));
  return EXIT_SUCCESS;
}


/* --trace FILE: said to be impossible before the run, not after it (its
 * directory missing or read-only, the file read-only or a directory). */
static gboolean
check_trace_path (const char  *path,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *problem = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    problem = g_strerror (EISDIR);
  else if (g_file_test (path, G_FILE_TEST_EXISTS) ? access (path, W_OK) != 0 : access (dir, W_OK) != 0)
    problem = g_strerror (errno);

  if (problem != NULL)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("cannot write the trace to %s: %s"), path, problem);
      return FALSE;
    }
  return TRUE;
}

/* --listen: the trace, live, to viewers */

typedef struct
{
  char     *listen;
  char     *token;
  gboolean  wait_viewer;
} StreamOptions;

static void
stream_options_clear (StreamOptions *options)
{
  g_clear_pointer (&options->listen, g_free);
  g_clear_pointer (&options->token, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StreamOptions, stream_options_clear)

static void
stream_log_cb (const char *line,
               gpointer    user_data)
{
  g_mutex_lock (&output_lock);
  fprintf (stderr, "switchyard-cli: %s\n", line);
  fflush (stderr);
  g_mutex_unlock (&output_lock);
}

static SwStreamServer *
stream_start (StreamOptions  *options,
              SwTrace        *trace,
              const char     *what,
              GError        **error)
{
  g_autoptr(SwStreamServer) server = NULL;
  g_autofree char *address = NULL;
  g_autofree char *name = NULL;
  const char *token = options->token ? options->token : g_getenv (SW_STREAM_TOKEN_ENV);

  if (options->listen == NULL)
    {
      /* Given on the command line (not from the environment) it means a
       * stream was wanted. */
      if (options->token != NULL)
        g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                             "--token needs --listen HOST:PORT");
      return NULL;
    }
  if (token != NULL && strlen (token) > SW_STREAM_MAX_TOKEN)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   "--token is at most %u bytes", SW_STREAM_MAX_TOKEN);
      return NULL;
    }

  server = sw_stream_server_new (trace, token);
  name = g_strdup_printf ("switchyard-cli %s", what);
  sw_stream_server_set_name (server, name);
  sw_stream_server_set_log_func (server, stream_log_cb, NULL);
  if (!sw_stream_server_listen (server, options->listen, error))
    return NULL;

  address = sw_stream_server_dup_address (server);
  g_mutex_lock (&output_lock);
  fprintf (stderr, "switchyard-cli: streaming on %s (%s)\n", address,
           token && *token ? "token required" : "loopback viewers only");
  fflush (stderr);
  g_mutex_unlock (&output_lock);
  return g_steal_pointer (&server);
}

/* The engine is done: viewers get the rest, then "ended". */
static void
stream_finish (SwStreamServer *server)
{
  if (server != NULL)
    sw_stream_server_finish (server, 5000);
}

#define STREAM_OPTION_ENTRIES(options) \
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &(options).listen, N_("Stream the trace live to viewers"), "HOST:PORT" }, \
  { "token", 0, 0, G_OPTION_ARG_STRING, &(options).token, N_("Token viewers must give (or SWITCHYARD_TOKEN)"), "T" }

typedef struct
{
  SwScenarioRun  *run;
  SwStreamServer *server;
  gboolean        wait_viewer;
  GMainLoop      *loop;
  gboolean        ok;
  GError         *error;
} RunState;

static gpointer
run_thread (gpointer data)
{
  RunState *state = data;

  /* Ctrl-C while waiting stops the run before it starts. */
  if (state->wait_viewer)
    (void) sw_stream_server_wait_viewer (state->server, sw_scenario_run_get_cancellable (state->run));
  state->ok = sw_scenario_run_execute (state->run, &state->error);
  g_main_loop_quit (state->loop);
  return NULL;
}

static gboolean
stop_signal_cb (gpointer data)
{
  RunState *state = data;

  g_cancellable_cancel (sw_scenario_run_get_cancellable (state->run));
  return G_SOURCE_CONTINUE;
}

static int
cmd_run (int    argc,
         char **argv)
{
  g_auto(GStrv) sets = NULL;
  g_autofree char *trace_path = NULL;
  g_auto(StreamOptions) stream = { 0 };
  GOptionEntry entries[] = {
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, N_("Set a parameter"), "KEY=VALUE" },
    { "trace", 't', 0, G_OPTION_ARG_FILENAME, &trace_path, N_("Write Chrome trace JSON"), "FILE.json" },
    STREAM_OPTION_ENTRIES (stream),
    { "wait-viewer", 0, 0, G_OPTION_ARG_NONE, &stream.wait_viewer, N_("With --listen: start once a viewer is connected"), NULL },
    { NULL }
  };
  g_autoptr(SwStreamServer) server = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(GError) error = NULL;
  g_autoptr(SwParams) params = NULL;
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  const SwScenario *scenario;
  RunState state = { 0 };
  GThread *thread;
  guint sigint, sigterm;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (_("run: %s"), error->message);
  if (argc < 2)
    return fail (_("run: which scenario? (try 'switchyard-cli list')"));
  if (argc > 2)
    return fail (_("run: unexpected argument '%s'"), argv[2]);

  scenario = sw_scenario_lookup (argv[1], &error);
  if (scenario == NULL)
    return fail ("%s", error->message);

  params = sw_params_new (scenario);
  for (guint i = 0; sets != NULL && sets[i] != NULL; i++)
    if (!sw_params_set_assignment (params, sets[i], &error))
      return fail ("%s", error->message);
  if (scenario->check && !scenario->check (params, &error))
    return fail ("%s", error->message);

  if (stream.wait_viewer && stream.listen == NULL)
    return fail ("run: --wait-viewer needs --listen HOST:PORT");
  if (trace_path != NULL && !check_trace_path (trace_path, &error))
    return fail ("run: %s", error->message);

  trace = sw_trace_new (0);
  run = sw_scenario_run_new (scenario, params, trace);
  sw_scenario_run_set_line_func (run, print_line_cb, NULL);
  server = stream_start (&stream, trace, argv[1], &error);
  if (server == NULL && error != NULL)
    return fail ("run: %s", error->message);

  /* The scenario runs on its own thread so that SIGINT/SIGTERM can stop it
   * cleanly: the run ends, and its trace is still written. */
  loop = g_main_loop_new (NULL, FALSE);
  state.run = run;
  state.server = server;
  state.wait_viewer = stream.wait_viewer;
  state.loop = loop;
  sigint = g_unix_signal_add (SIGINT, stop_signal_cb, &state);
  sigterm = g_unix_signal_add (SIGTERM, stop_signal_cb, &state);
  thread = g_thread_new ("scenario", run_thread, &state);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  stream_finish (server);

  if (state.ok)
    status = EXIT_SUCCESS;
  else if (g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fprintf (stderr, _("switchyard-cli: run stopped\n"));
      status = EXIT_STOPPED;
    }
  else
    status = fail ("%s", state.error->message);
  g_clear_error (&state.error);

  if (trace_path != NULL)
    {
      if (!sw_trace_save_chrome_json (trace, trace_path, &error))
        return fail ("%s", error->message);
      fprintf (stderr, _("trace written to %s\n"), trace_path);
    }

  return status;
}

static int
cmd_bench (int    argc,
           char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc > 2)
    return fail (_("bench: unexpected argument '%s'"), argv[2]);
  if (!sw_bench_run (argc > 1 ? argv[1] : NULL, print_line_cb, NULL, &error))
    return fail ("%s", error->message);
  return EXIT_SUCCESS;
}

/* serve */

static gboolean
serve_stop_signal_cb (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_CONTINUE;
}

/* The server runs on main's own context (its coroutines too), so a signal
 * source on that context stops it between two dispatches: the server is
 * stopped and the trace written like after --duration. */
static int
cmd_serve (int    argc,
           char **argv)
{
  g_autofree char *host = NULL;
  g_autofree char *trace_path = NULL;
  g_auto(StreamOptions) stream = { 0 };
  gint port = SERVE_DEFAULT_PORT;
  double duration = -1;
  GOptionEntry entries[] = {
    { "host", 'H', 0, G_OPTION_ARG_STRING, &host, N_("Address to listen on (127.0.0.1)"), "H" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port (8080, as in the lesson; 0: any free port)"), "P" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop after S seconds (default: at SIGINT/SIGTERM)"), "S" },
    { "trace", 't', 0, G_OPTION_ARG_FILENAME, &trace_path, N_("Write Chrome trace JSON"), "FILE.json" },
    STREAM_OPTION_ENTRIES (stream),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwStreamServer) stream_server = NULL;
  g_autoptr(SwEchoServer) server = NULL;
  const char *bound_host;
  guint sigint, sigterm;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (_("serve: %s"), error->message);
  if (argc > 1)
    return fail (_("serve: unexpected argument '%s'"), argv[1]);
  if (port < 0 || port > 65535)
    return fail (_("serve: --port must be 0–65535, not %d"), port);
  if (duration != -1 && !(duration >= 0 && duration < (double) G_MAXINT64 / G_USEC_PER_SEC))
    return fail (_("serve: --duration must be a number of seconds >= 0"));
  if (trace_path != NULL && !check_trace_path (trace_path, &error))
    return fail ("serve: %s", error->message);

  if (trace_path != NULL || stream.listen != NULL)
    {
      trace = sw_trace_new (0);
      sw_trace_name_thread (trace, "echo server");
    }
  stream_server = stream_start (&stream, trace, "serve", &error);
  if (stream_server == NULL && error != NULL)
    return fail ("serve: %s", error->message);

  server = sw_echo_server_new (trace, host != NULL ? host : "127.0.0.1", (guint16) port, &error);
  if (server == NULL)
    return fail ("%s", error->message);

  bound_host = sw_echo_server_get_host (server);
  g_mutex_lock (&output_lock);
  printf (strchr (bound_host, ':') ? "listening on [%s]:%u\n" : "listening on %s:%u\n",
          bound_host, sw_echo_server_get_port (server));
  fflush (stdout);
  g_mutex_unlock (&output_lock);

  sigint = g_unix_signal_add (SIGINT, serve_stop_signal_cb, cancellable);
  sigterm = g_unix_signal_add (SIGTERM, serve_stop_signal_cb, cancellable);
  (void) sw_echo_server_serve (server, cancellable,
                               duration >= 0 ? (gint64) (duration * G_USEC_PER_SEC) : -1, NULL);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  stream_finish (stream_server);

  g_mutex_lock (&output_lock);
  printf ("serve: connections %" G_GUINT64_FORMAT " messages %" G_GUINT64_FORMAT
          " bytes %" G_GUINT64_FORMAT " errors %" G_GUINT64_FORMAT "\n",
          sw_echo_server_get_n_accepted (server), sw_echo_server_get_n_messages (server),
          sw_echo_server_get_n_bytes (server), sw_echo_server_get_n_errors (server));
  fflush (stdout);
  g_mutex_unlock (&output_lock);
  g_clear_object (&server);

  if (trace_path != NULL)
    {
      if (!sw_trace_save_chrome_json (trace, trace_path, &error))
        return fail ("%s", error->message);
      fprintf (stderr, _("trace written to %s\n"), trace_path);
    }
  return EXIT_SUCCESS;
}

/* flood */

typedef struct
{
  SwFloodOptions  options;
  SwTrace        *trace;
  GCancellable   *cancellable;
  SwFloodResult   result;
  gboolean        ok;
  GError         *error;
  gboolean        done;        /* main thread only */
} FloodState;

static gboolean
flood_done_cb (gpointer data)
{
  FloodState *state = data;

  state->done = TRUE;
  g_main_context_wakeup (NULL);
  return G_SOURCE_REMOVE;
}

/* The flood runs on a thread of its own (its coroutines on that thread's
 * context) so that main stays free for SIGINT/SIGTERM in both modes. */
static gpointer
flood_thread (gpointer data)
{
  FloodState *state = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  state->ok = sw_flood_run (&state->options, state->trace, state->cancellable,
                            &state->result, &state->error);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  /* An idle on main's context, so it cannot be missed before main waits. */
  g_main_context_invoke (NULL, flood_done_cb, state);
  return NULL;
}

static gboolean
flood_stop_signal_cb (gpointer data)
{
  FloodState *state = data;

  g_cancellable_cancel (state->cancellable);
  return G_SOURCE_CONTINUE;
}

static int
cmd_flood (int    argc,
           char **argv)
{
  gint port = -1;
  gint clients = 500;
  gint64 messages = -1;
  double duration = 0;
  g_autofree char *host = NULL;
  g_autofree char *mode = NULL;
  g_auto(StreamOptions) stream = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwStreamServer) stream_server = NULL;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Server port"), "P" },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &host, N_("Server host (127.0.0.1)"), "H" },
    { "clients", 'c', 0, G_OPTION_ARG_INT, &clients, N_("Clients (500)"), "N" },
    { "messages", 'm', 0, G_OPTION_ARG_INT64, &messages,
      N_("Messages per client (20, or no limit with --duration; 0: no limit)"), "M" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Seconds of messages (0: no limit)"), "S" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("coroutines (one thread) or threads (one each)"),
      "coroutines|threads" },
    STREAM_OPTION_ENTRIES (stream),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *summary = NULL;
  FloodState state = { 0 };
  GThread *thread;
  guint sigint, sigterm;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (_("flood: %s"), error->message);
  if (argc > 1)
    return fail (_("flood: unexpected argument '%s'"), argv[1]);
  if (port < 1 || port > 65535)
    return fail (_("flood: --port P is required (1-65535)"));
  if (clients < 1)
    return fail (_("flood: --clients must be at least 1"));
  if (messages < -1)
    return fail (_("flood: --messages cannot be negative"));
  if (duration < 0)
    return fail (_("flood: --duration cannot be negative"));

  sw_flood_options_init (&state.options);
  if (mode != NULL && !sw_flood_mode_from_string (mode, &state.options.mode))
    return fail (_("flood: --mode is coroutines or threads, not '%s'"), mode);
  if (host != NULL)
    state.options.host = host;
  state.options.port = (guint16) port;
  state.options.clients = (guint) clients;
  state.options.duration_s = duration;
  if (messages >= 0)
    state.options.messages = (guint64) messages;
  else if (duration > 0)
    state.options.messages = 0;
  state.cancellable = cancellable;

  if (stream.listen != NULL)
    {
      trace = sw_trace_new (0);
      state.trace = trace;
      stream_server = stream_start (&stream, trace, "flood", &error);
      if (stream_server == NULL)
        return fail ("flood: %s", error->message);
    }

  /* A server that closes early must be an error, not a SIGPIPE. */
  signal (SIGPIPE, SIG_IGN);

  sigint = g_unix_signal_add (SIGINT, flood_stop_signal_cb, &state);
  sigterm = g_unix_signal_add (SIGTERM, flood_stop_signal_cb, &state);
  thread = g_thread_new ("flood", flood_thread, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  stream_finish (stream_server);

  if (!state.ok && !g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      status = fail ("%s", state.error->message);
      g_clear_error (&state.error);
      sw_flood_result_clear (&state.result);
      return status;
    }
  g_clear_error (&state.error);

  summary = sw_flood_result_format (&state.result);
  g_mutex_lock (&output_lock);
  if (state.result.cancelled)
    fputs (_("flood: stopped\n"), stderr);
  if (state.result.errors > 0)
    fprintf (stderr, "flood: %" G_GUINT64_FORMAT " errors; the first: %s\n",
             state.result.errors, state.result.first_error);
  printf ("%s\n", summary);
  fflush (stdout);
  g_mutex_unlock (&output_lock);

  status = state.result.errors > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
  sw_flood_result_clear (&state.result);
  return status;
}

/* watch: a viewer without a window */

typedef struct
{
  SwStreamClient *client;
  SwTrace        *trace;        /* the one whose lanes were printed */
  guint           lanes_seen;
  guint64         last_reported;
  guint           ticks;
  gboolean        done;
  int             status;
} WatchState;

static const char *
lane_kind_name (SwLaneKind kind)
{
  switch (kind)
    {
    case SW_LANE_PROCESS:   return "process";
    case SW_LANE_THREAD:    return "thread";
    case SW_LANE_COROUTINE: return "coroutine";
    case SW_LANE_HELPER:    return "helper";
    default:                return "lane";
    }
}

/* New lanes of the engine, one a line (the viewer's own lane 1 left out). */
static void
watch_print_lanes (WatchState *w)
{
  SwTrace *trace = sw_stream_client_get_trace (w->client);
  g_autoptr(GArray) lanes = NULL;

  if (trace == NULL)
    return;
  if (trace != w->trace)
    {
      w->trace = trace;
      w->lanes_seen = 1;
    }
  lanes = sw_trace_dup_lanes_from (trace, w->lanes_seen);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);
      printf ("lane %s \"%s\" pid %d tid %d\n", lane_kind_name (lane->kind), lane->name,
              lane->pid, lane->tid);
    }
  w->lanes_seen += lanes->len;
  fflush (stdout);
}

static gboolean
watch_tick_cb (gpointer data)
{
  WatchState *w = data;
  guint64 received = sw_stream_client_get_received (w->client);

  watch_print_lanes (w);
  /* Counts once a second; lanes as soon as they come. */
  if (++w->ticks % 5 == 0 &&
      sw_stream_client_get_state (w->client) == SW_STREAM_STATE_LIVE && received != w->last_reported)
    {
      printf ("events %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT "\n",
              received, sw_stream_client_get_dropped (w->client));
      fflush (stdout);
      w->last_reported = received;
    }
  return G_SOURCE_CONTINUE;
}

static void
watch_totals (WatchState *w,
              const char *how)
{
  printf ("watch: %s: events %" G_GUINT64_FORMAT " recorded %" G_GUINT64_FORMAT
          " dropped %" G_GUINT64_FORMAT " skipped %" G_GUINT64_FORMAT " lanes %u\n", how,
          sw_stream_client_get_received (w->client), sw_stream_client_get_engine_recorded (w->client),
          sw_stream_client_get_dropped (w->client), sw_stream_client_get_skipped (w->client),
          w->lanes_seen > 0 ? w->lanes_seen - 1 : 0);
  fflush (stdout);
}

static void
watch_state_cb (SwStreamClient *client,
                GParamSpec     *pspec,
                WatchState     *w)
{
  const char *error = sw_stream_client_get_last_error (client);

  switch (sw_stream_client_get_state (client))
    {
    case SW_STREAM_STATE_LIVE:
      printf ("watch: live from %s at %s\n", sw_stream_client_get_remote_name (client),
              sw_stream_client_get_address (client));
      fflush (stdout);
      break;
    case SW_STREAM_STATE_ENDED:
      watch_print_lanes (w);
      watch_totals (w, "ended");
      w->done = TRUE;
      w->status = EXIT_SUCCESS;
      break;
    case SW_STREAM_STATE_RECONNECTING:
      fprintf (stderr, "switchyard-cli: watch: %s; reconnecting\n", error ? error : "link lost");
      break;
    case SW_STREAM_STATE_DISCONNECTED:
      if (w->trace != NULL)
        {
          watch_print_lanes (w);
          watch_totals (w, "disconnected");
        }
      fprintf (stderr, "switchyard-cli: %s\n", error ? error : "disconnected");
      w->done = TRUE;
      w->status = w->trace != NULL ? EXIT_FAILURE : EXIT_USAGE;
      break;
    case SW_STREAM_STATE_CONNECTING:
    default:
      break;
    }
  g_main_context_wakeup (NULL);
}

static gboolean
watch_stop_signal_cb (gpointer data)
{
  WatchState *w = data;

  fputs ("switchyard-cli: watch stopped\n", stderr);
  if (w->trace != NULL)
    watch_totals (w, "stopped");
  w->done = TRUE;
  w->status = EXIT_STOPPED;
  return G_SOURCE_CONTINUE;
}

static int
cmd_watch (int    argc,
           char **argv)
{
  g_autofree char *token = NULL;
  gboolean reconnect = FALSE;
  GOptionEntry entries[] = {
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "The engine's token (or SWITCHYARD_TOKEN)", "T" },
    { "reconnect", 'r', 0, G_OPTION_ARG_NONE, &reconnect, "Keep retrying when the link drops", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("HOST:PORT");
  g_autoptr(GError) error = NULL;
  g_autoptr(SwStreamClient) client = NULL;
  WatchState w = { 0 };
  guint tick, sigint, sigterm;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("watch: %s", error->message);
  if (argc < 2)
    return fail ("watch: which engine? (HOST:PORT of 'switchyard-cli run NAME --listen HOST:PORT')");
  if (argc > 2)
    return fail ("watch: unexpected argument '%s'", argv[2]);
  if (!sw_stream_parse_address (argv[1], NULL, NULL, &error))
    return fail ("watch: %s", error->message);
  if (token != NULL && strlen (token) > SW_STREAM_MAX_TOKEN)
    return fail ("watch: --token is at most %u bytes", SW_STREAM_MAX_TOKEN);

  client = sw_stream_client_new (argv[1], token);
  w.client = client;
  g_signal_connect (client, "notify::state", G_CALLBACK (watch_state_cb), &w);
  tick = g_timeout_add (200, watch_tick_cb, &w);
  sigint = g_unix_signal_add (SIGINT, watch_stop_signal_cb, &w);
  sigterm = g_unix_signal_add (SIGTERM, watch_stop_signal_cb, &w);

  if (reconnect)
    sw_stream_client_start (client);
  else
    sw_stream_client_connect_async (client, NULL, NULL, NULL);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handlers_disconnect_by_data (client, &w);
  sw_stream_client_stop (client);
  g_source_remove (tick);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  return w.status;
}

int
main (int    argc,
      char **argv)
{
  const char *command;

  sw_i18n_init ();
  g_set_prgname ("switchyard-cli");

  if (argc < 2)
    {
      fputs (_(usage_text), stderr);
      return EXIT_USAGE;
    }

  command = argv[1];
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      fputs (_(usage_text), stdout);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "list"))
    return cmd_list (argc - 1, argv + 1);
  if (g_str_equal (command, "run"))
    return cmd_run (argc - 1, argv + 1);
  if (g_str_equal (command, "bench"))
    return cmd_bench (argc - 1, argv + 1);
  if (g_str_equal (command, "serve"))
    return cmd_serve (argc - 1, argv + 1);
  if (g_str_equal (command, "flood"))
    return cmd_flood (argc - 1, argv + 1);
  if (g_str_equal (command, "watch"))
    return cmd_watch (argc - 1, argv + 1);
  if (g_str_equal (command, "serve") || g_str_equal (command, "flood"))
    return fail (_("'%s' is not available in this version yet"), command);

  return fail (_("unknown command '%s' (try 'switchyard-cli --help')"), command);
}
