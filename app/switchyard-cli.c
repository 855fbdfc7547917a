/* switchyard-cli — the engine without a window
 *
 * The command line is a stable contract (tests and benchmarks use it): see
 * DESIGN.md.  Errors are one line on stderr and exit status 2.
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "switchyard.h"

#define EXIT_USAGE 2
#define EXIT_STOPPED 130

static GMutex output_lock;

static const char usage_text[] =
  "usage: switchyard-cli COMMAND [ARGS]\n"
  "\n"
  "  list                                          list the scenarios, one a line\n"
  "  run NAME [--set KEY=VALUE]... [--trace FILE]  run a scenario, print its lines\n"
  "  bench [NAME]                                  print \"bench NAME VALUE UNIT\" lines\n"
  "  serve ...                                     coroutine echo server (not yet)\n"
  "  flood ...                                     client flood (not yet)\n";

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
    return fail ("list takes no arguments");

  scenarios = sw_scenario_list (&n);
  for (guint i = 0; i < n; i++)
    printf ("%s\t%s\n", scenarios[i]->name, scenarios[i]->title);
  return EXIT_SUCCESS;
}

typedef struct
{
  SwScenarioRun *run;
  GMainLoop     *loop;
  gboolean       ok;
  GError        *error;
} RunState;

static gpointer
run_thread (gpointer data)
{
  RunState *state = data;

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
  GOptionEntry entries[] = {
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a parameter", "KEY=VALUE" },
    { "trace", 't', 0, G_OPTION_ARG_FILENAME, &trace_path, "Write Chrome trace JSON", "FILE.json" },
    { NULL }
  };
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

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("run: %s", error->message);
  if (argc < 2)
    return fail ("run: which scenario? (try 'switchyard-cli list')");
  if (argc > 2)
    return fail ("run: unexpected argument '%s'", argv[2]);

  scenario = sw_scenario_lookup (argv[1], &error);
  if (scenario == NULL)
    return fail ("%s", error->message);

  params = sw_params_new (scenario);
  for (guint i = 0; sets != NULL && sets[i] != NULL; i++)
    if (!sw_params_set_assignment (params, sets[i], &error))
      return fail ("%s", error->message);
  if (scenario->check && !scenario->check (params, &error))
    return fail ("%s", error->message);

  trace = sw_trace_new (0);
  run = sw_scenario_run_new (scenario, params, trace);
  sw_scenario_run_set_line_func (run, print_line_cb, NULL);

  /* The scenario runs on its own thread so that SIGINT/SIGTERM can stop it
   * cleanly: the run ends, and its trace is still written. */
  loop = g_main_loop_new (NULL, FALSE);
  state.run = run;
  state.loop = loop;
  sigint = g_unix_signal_add (SIGINT, stop_signal_cb, &state);
  sigterm = g_unix_signal_add (SIGTERM, stop_signal_cb, &state);
  thread = g_thread_new ("scenario", run_thread, &state);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (state.ok)
    status = EXIT_SUCCESS;
  else if (g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fprintf (stderr, "switchyard-cli: run stopped\n");
      status = EXIT_STOPPED;
    }
  else
    status = fail ("%s", state.error->message);
  g_clear_error (&state.error);

  if (trace_path != NULL)
    {
      if (!sw_trace_save_chrome_json (trace, trace_path, &error))
        return fail ("%s", error->message);
      fprintf (stderr, "trace written to %s\n", trace_path);
    }

  return status;
}

static int
cmd_bench (int    argc,
           char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc > 2)
    return fail ("bench: unexpected argument '%s'", argv[2]);
  if (!sw_bench_run (argc > 1 ? argv[1] : NULL, print_line_cb, NULL, &error))
    return fail ("%s", error->message);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  const char *command;

  setlocale (LC_ALL, "");
  g_set_prgname ("switchyard-cli");

  if (argc < 2)
    {
      fputs (usage_text, stderr);
      return EXIT_USAGE;
    }

  command = argv[1];
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      fputs (usage_text, stdout);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "list"))
    return cmd_list (argc - 1, argv + 1);
  if (g_str_equal (command, "run"))
    return cmd_run (argc - 1, argv + 1);
  if (g_str_equal (command, "bench"))
    return cmd_bench (argc - 1, argv + 1);
  if (g_str_equal (command, "serve") || g_str_equal (command, "flood"))
    return fail ("'%s' is not available in this version yet", command);

  return fail ("unknown command '%s' (try 'switchyard-cli --help')", command);
}
