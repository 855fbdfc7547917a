/* test-bench-render.c — a saved trace in the window: replay and benchmark
 *
 * `--bench-render` must run to the end and report sane numbers (how fast is
 * for the benchmark itself to say, not for a test); a replayed trace must
 * show what the run showed.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"
#include "ui-test-util.h"


/* A real trace: a small echo flood (coroutines, switches, counters, log). */
static char *
write_trace (const char *dir,
             SwTrace   **out_trace)
{
  g_autoptr(GError) error = NULL;
  const SwScenario *s = sw_scenario_lookup ("echo-flood", &error);
  g_autoptr(SwParams) p = NULL;
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  char *path = g_build_filename (dir, "flood.json", NULL);

  g_assert_no_error (error);
  p = sw_params_new (s);
  g_assert_true (sw_params_set_assignment (p, "clients=20", NULL));
  g_assert_true (sw_params_set_assignment (p, "messages=10", NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
  g_assert_true (sw_trace_save_chrome_json (trace, path, &error));
  g_assert_no_error (error);
  if (out_trace != NULL)
    *out_trace = g_steal_pointer (&trace);
  return path;
}

static double
bench_value (const char *out,
             const char *name)
{
  g_autofree char *key = g_strdup_printf ("bench %s ", name);
  const char *at = strstr (out, key);
  char *end = NULL;
  double value;

  if (at == NULL)
    g_error ("no \"%s\" line in:\n%s", key, out);
  value = g_ascii_strtod (at + strlen (key), &end);
  g_assert_true (end != at + strlen (key));
  g_assert_true (*end == '\n');
  g_assert_true (isfinite (value));
  return value;
}

static void
test_bench_render (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sw-bench-XXXXXX", NULL);
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *gui = g_getenv ("SW_GUI");
  double load_s, median, p95, bytes_per_event;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }
  g_assert_nonnull (gui);

  path = write_trace (dir, NULL);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           gui, "--bench-render", path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", out, err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  load_s = bench_value (out, "render_load_s");
  median = bench_value (out, "render_frame_ms_median");
  p95 = bench_value (out, "render_frame_ms_p95");
  bytes_per_event = bench_value (out, "render_model_bytes_per_event");

  g_assert_cmpfloat (load_s, >, 0.0);
  g_assert_cmpfloat (median, >, 0.0);
  g_assert_cmpfloat (p95, >=, median);
  /* The model holds at least the switches it draws, and not absurdly more. */
  g_assert_cmpfloat (bytes_per_event, >=, 8.0);
  g_assert_cmpfloat (bytes_per_event, <, 100000.0);
  g_assert_cmpfloat (bench_value (out, "render_events"), >=, 20 * 10 * 2);

  g_remove (path);
  g_rmdir (dir);
}

/* The replay shows the lanes, switches, counters and console lines the
 * live run's model had, and draws them. */
static void
test_replay_shows_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sw-replay-XXXXXX", NULL);
  g_autofree char *path = NULL;
  g_autoptr(SwTrace) live = NULL;
  g_autoptr(SwTrace) saved = NULL;
  g_autoptr(SwTimelineModel) live_model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *console = NULL;
  SwTimelineModel *model;
  SwTimeline *timeline;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  path = write_trace (dir, &live);
  live_model = sw_timeline_model_new (live);
  sw_timeline_model_drain_all (live_model);
  saved = sw_trace_load_chrome_json (path, &error);
  g_assert_no_error (error);

  win = sw_window_new (GTK_APPLICATION (ui_test_get_app ()), NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 860);
  sw_window_show_trace (win, saved, "flood.json");
  timeline = sw_window_get_timeline (win);
  gtk_window_present (GTK_WINDOW (win));
  ui_test_draw_frames (timeline);

  model = sw_window_get_model (win);
  g_assert_nonnull (model);
  g_assert_true (sw_timeline_model_get_trace (model) == saved);
  g_assert_cmpuint (sw_timeline_model_get_n_switches (model), ==, sw_timeline_model_get_n_switches (live_model));
  g_assert_cmpuint (sw_timeline_model_get_n_switches (model), >=, 20 * 10 * 2);
  g_assert_cmpuint (sw_timeline_model_get_n_coroutine_lanes (model), ==,
                    sw_timeline_model_get_n_coroutine_lanes (live_model));
  g_assert_cmpuint (sw_timeline_model_get_n_counters (model), ==, sw_timeline_model_get_n_counters (live_model));
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (model), ==, sw_timeline_model_get_n_log_lines (live_model));
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (model), >, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==, sw_timeline_model_get_n_rows (live_model));
  /* All of it on screen, from its first event on. */
  g_assert_cmpint (sw_timeline_get_scale (timeline)->start_ns, <=, sw_timeline_model_get_begin_ns (model));
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "flood.json"));
  console = sw_window_dup_console_text (win);
  g_assert_nonnull (strstr (console, "flood:"));

  gtk_window_destroy (GTK_WINDOW (win));
  g_remove (path);
  g_rmdir (dir);
}

static gboolean
status_settled (gpointer win)
{
  SwRunState state = sw_window_get_run_state (win);

  return state == SW_RUN_STATE_FAILED || state == SW_RUN_STATE_FINISHED;
}

/* Open Trace… (Ctrl+O) reads on a thread; a bad file is said so in the
 * status bar, with where it went wrong, and the last run stays shown. */
static void
test_open_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sw-open-XXXXXX", NULL);
  g_autofree char *good = NULL;
  g_autofree char *bad = g_build_filename (dir, "cut.json", NULL);
  g_autoptr(GFile) good_file = NULL;
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(SwTrace) live = NULL;
  SwTimelineModel *model;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  good = write_trace (dir, &live);
  good_file = g_file_new_for_path (good);
  g_assert_true (g_file_set_contents (bad, "{\"traceEvents\":[\n{\"ph\":\"X\",\"pid\":1", -1, NULL));

  win = sw_window_new (GTK_APPLICATION (ui_test_get_app ()), NULL);
  gtk_window_present (GTK_WINDOW (win));

  sw_window_open_trace (win, good_file);
  g_assert_true (ui_test_spin_until (win, status_settled, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  model = sw_window_get_model (win);
  g_assert_nonnull (model);
  g_assert_cmpuint (sw_timeline_model_get_n_switches (model), >=, 20 * 10 * 2);
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "flood.json"));

  sw_window_open_trace (win, bad_file);
  g_assert_true (ui_test_spin_until (win, status_settled, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FAILED);
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "cut.json"));
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "truncated"));
  g_assert_null (strchr (sw_window_get_status_text (win), '\n'));
  g_assert_true (sw_window_get_model (win) == model);

  gtk_window_destroy (GTK_WINDOW (win));
  g_remove (good);
  g_remove (bad);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/BenchRender/prints-four-numbers", test_bench_render);
  g_test_add_func ("/Sw/Replay/shows-the-saved-trace", test_replay_shows_trace);
  g_test_add_func ("/Sw/Replay/open-trace-reports-bad-file", test_open_trace);

  return ui_test_run ();
}
