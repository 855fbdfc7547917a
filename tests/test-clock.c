/* test-clock.c — the cheap counter maps onto CLOCK_MONOTONIC, in every process */
#include "config.h"

#include <stdlib.h>

#include "switchyard.h"

/* The mapping is calibrated, not exact: allow this much either side. */
#define SLACK_NS 50000

static void
assert_converted_within (gint64 before,
                         gint64 converted,
                         gint64 after)
{
  g_assert_cmpint (converted, >=, before - SLACK_NS);
  g_assert_cmpint (converted, <=, after + SLACK_NS);
}

static void
test_clock_ticks_map_onto_monotonic (void)
{
  sw_clock_init ();

  /* Over a few spans, so a wrong rate (not just a wrong offset) shows. */
  for (guint round = 0; round < 4; round++)
    {
      gint64 before = sw_clock_monotonic_ns ();
      guint64 ticks = sw_clock_ticks ();
      gint64 after = sw_clock_monotonic_ns ();

      sw_clock_recalibrate ();
      assert_converted_within (before, sw_clock_ticks_to_ns (ticks), after);
      g_usleep (60 * 1000);
    }
}

static void
test_clock_uses_invariant_counter_when_present (void)
{
  g_autofree char *cpuinfo = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      g_test_skip ("no /proc/cpuinfo");
      return;
    }
#if defined(__x86_64__)
  if (g_getenv ("SW_CLOCK") == NULL
      && strstr (cpuinfo, " constant_tsc") && strstr (cpuinfo, " nonstop_tsc"))
    g_assert_cmpint (sw_clock_get_source (), ==, SW_CLOCK_SOURCE_TSC);
  else
    g_test_skip ("no invariant TSC here");
#else
  g_test_skip ("not x86-64");
#endif
}

/* Child mode: print the converted time of "now" and exit. */
static int
child_print_now (void)
{
  guint64 ticks;

  sw_clock_init ();
  ticks = sw_clock_ticks ();
  g_print ("%s %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
           sw_clock_source_name (sw_clock_get_source ()),
           sw_clock_ticks_to_ns (ticks), ticks);
  return 0;
}

static void
spawn_child_now (const char *clock_env,
                 char      **out_source,
                 gint64     *out_ns,
                 guint64    *out_ticks,
                 gint64     *before,
                 gint64     *after)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_auto(GStrv) words = NULL;
  const char *argv[] = { "/proc/self/exe", "--child-print-now", NULL };
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  int status;

  argv[0] = self_path;
  envp = clock_env ? g_environ_setenv (envp, "SW_CLOCK", clock_env, TRUE)
                   : g_environ_unsetenv (envp, "SW_CLOCK");
  *before = sw_clock_monotonic_ns ();
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  *after = sw_clock_monotonic_ns ();
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  words = g_strsplit (g_strstrip (out), " ", 3);
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  *out_source = g_strdup (words[0]);
  *out_ns = g_ascii_strtoll (words[1], NULL, 10);
  *out_ticks = g_ascii_strtoull (words[2], NULL, 10);
}

static void
test_clock_other_process_same_axis (void)
{
  g_autofree char *source = NULL;
  gint64 ns, before, after;
  guint64 ticks;

  spawn_child_now (NULL, &source, &ns, &ticks, &before, &after);
  g_assert_cmpstr (source, ==, sw_clock_source_name (sw_clock_get_source ()));
  /* The child's own calibration lands its "now" inside our bracket… */
  assert_converted_within (before, ns, after);
  /* …and the same tick means the same nanosecond here and there. */
  sw_clock_recalibrate ();
  g_assert_cmpint (ABS (sw_clock_ticks_to_ns (ticks) - ns), <=, SLACK_NS);
}

static void
test_clock_monotonic_fallback (void)
{
  g_autofree char *source = NULL;
  gint64 ns, before, after;
  guint64 ticks;

  spawn_child_now ("monotonic", &source, &ns, &ticks, &before, &after);
  g_assert_cmpint ((gint64) ticks, ==, ns);
  g_assert_cmpstr (source, ==, "monotonic");
  assert_converted_within (before, ns, after);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "--child-print-now"))
    return child_print_now ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Clock/ticks-map-onto-monotonic", test_clock_ticks_map_onto_monotonic);
  g_test_add_func ("/Sw/Clock/uses-invariant-counter-when-present", test_clock_uses_invariant_counter_when_present);
  g_test_add_func ("/Sw/Clock/other-process-same-axis", test_clock_other_process_same_axis);
  g_test_add_func ("/Sw/Clock/monotonic-fallback", test_clock_monotonic_fallback);

  return g_test_run ();
}
