/* test-bench-render.c — `switchyard --bench-render` on a small real trace
 *
 * Checks the benchmark runs to the end and reports sane numbers; how fast
 * is for the benchmark itself to say, not for a test.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "switchyard.h"

/* A real trace: a small echo flood (coroutines, switches, counters, log). */
static char *
write_trace (const char *dir)
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

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("no display");
      return;
    }
  g_assert_nonnull (gui);

  path = write_trace (dir);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/BenchRender/prints-four-numbers", test_bench_render);

  return g_test_run ();
}
