/* test-time-scale.c — time ↔ pixel math of the timeline, no display */

#include "config.h"

#include <math.h>

#include "sw-time-scale.h"

#define MS G_GINT64_CONSTANT (1000000)
#define S  G_GINT64_CONSTANT (1000000000)

static void
test_fit_maps_range_to_width (void)
{
  SwTimeScale scale;

  sw_time_scale_fit (&scale, 0, 1 * S, 1000.0);
  g_assert_cmpfloat_with_epsilon (scale.ns_per_px, 1e6, 1e-6);
  g_assert_cmpfloat_with_epsilon (sw_time_scale_ns_to_px (&scale, 0), 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (sw_time_scale_ns_to_px (&scale, S / 2), 500.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (sw_time_scale_ns_to_px (&scale, S), 1000.0, 1e-9);

  /* Reversed and empty ranges still give a usable scale. */
  sw_time_scale_fit (&scale, S, 0, 1000.0);
  g_assert_cmpint (scale.start_ns, ==, 0);
  sw_time_scale_fit (&scale, 5 * S, 5 * S, 0.0);
  g_assert_cmpfloat (scale.ns_per_px, >, 0.0);
}

static void
test_round_trip (void)
{
  SwTimeScale scale;

  /* A large absolute start (CLOCK_MONOTONIC after days of uptime) must
   * not lose precision. */
  sw_time_scale_init (&scale, G_GINT64_CONSTANT (400000) * S + 123, 2500.0);

  for (double x = -100.0; x <= 2000.0; x += 37.0)
    {
      gint64 t = sw_time_scale_px_to_ns (&scale, x);

      g_assert_cmpfloat_with_epsilon (sw_time_scale_ns_to_px (&scale, t), x, 1e-3);
    }
}

static void
test_zoom_keeps_anchor (void)
{
  SwTimeScale scale;
  gint64 before;

  sw_time_scale_fit (&scale, 0, 10 * S, 1000.0);
  before = sw_time_scale_px_to_ns (&scale, 300.0);

  sw_time_scale_zoom (&scale, 300.0, 2.0);
  g_assert_cmpfloat_with_epsilon (scale.ns_per_px, 5e6, 1e-6);
  g_assert_cmpint (ABS (sw_time_scale_px_to_ns (&scale, 300.0) - before), <=, 1);

  sw_time_scale_zoom (&scale, 300.0, 0.5);
  g_assert_cmpfloat_with_epsilon (scale.ns_per_px, 1e7, 1e-6);
  g_assert_cmpint (ABS (sw_time_scale_px_to_ns (&scale, 300.0) - before), <=, 1);

  /* Zooming is clamped at both ends instead of collapsing to 0 or ∞. */
  for (int i = 0; i < 200; i++)
    sw_time_scale_zoom (&scale, 10.0, 10.0);
  g_assert_cmpfloat (scale.ns_per_px, ==, SW_TIME_SCALE_MIN_NS_PER_PX);
  for (int i = 0; i < 200; i++)
    sw_time_scale_zoom (&scale, 10.0, 0.1);
  g_assert_cmpfloat (scale.ns_per_px, ==, SW_TIME_SCALE_MAX_NS_PER_PX);
}

static void
test_pan (void)
{
  SwTimeScale scale;

  sw_time_scale_fit (&scale, 0, S, 1000.0);
  /* Dragging the content 100 px to the right shows earlier times. */
  sw_time_scale_pan (&scale, 100.0);
  g_assert_cmpint (scale.start_ns, ==, -100 * MS);
  g_assert_cmpfloat_with_epsilon (sw_time_scale_ns_to_px (&scale, 0), 100.0, 1e-9);
  sw_time_scale_pan (&scale, -300.0);
  g_assert_cmpint (scale.start_ns, ==, 200 * MS);
}

static gboolean
is_nice (gint64 interval)
{
  while (interval >= 10 && interval % 10 == 0)
    interval /= 10;

  return interval == 1 || interval == 2 || interval == 5;
}

static void
test_tick_interval_steps (void)
{
  SwTimeScale scale;

  sw_time_scale_init (&scale, 0, 1e6); /* 1 ms per pixel */
  g_assert_cmpint (sw_time_scale_tick_interval (&scale, 100.0), ==, 100 * MS);
  g_assert_cmpint (sw_time_scale_tick_interval (&scale, 101.0), ==, 200 * MS);
  g_assert_cmpint (sw_time_scale_tick_interval (&scale, 250.0), ==, 500 * MS);
  g_assert_cmpint (sw_time_scale_tick_interval (&scale, 600.0), ==, 1 * S);
  g_assert_cmpint (sw_time_scale_tick_interval (&scale, 1500.0), ==, 2 * S);

  /* Across the whole zoom range: always 1-2-5 × 10^k, never closer than
   * asked, never more than 2.5× further. */
  for (double npp = 0.01; npp < 1e12; npp *= 3.7)
    {
      gint64 interval;

      sw_time_scale_init (&scale, 0, npp);
      interval = sw_time_scale_tick_interval (&scale, 80.0);
      g_assert_true (is_nice (interval));
      g_assert_cmpfloat (interval / npp, >=, 80.0 - 1e-9);
      if (interval > 1)
        g_assert_cmpfloat (interval / npp, <=, 80.0 * 2.5 + 1e-9);
    }
}

static void
test_first_tick (void)
{
  SwTimeScale scale;

  sw_time_scale_init (&scale, 250 * MS, 1e6);
  g_assert_cmpint (sw_time_scale_first_tick (&scale, 500 * MS), ==, 500 * MS);
  sw_time_scale_init (&scale, 500 * MS, 1e6);
  g_assert_cmpint (sw_time_scale_first_tick (&scale, 500 * MS), ==, 500 * MS);
  sw_time_scale_init (&scale, -700 * MS, 1e6);
  g_assert_cmpint (sw_time_scale_first_tick (&scale, 500 * MS), ==, -500 * MS);
  sw_time_scale_init (&scale, -500 * MS, 1e6);
  g_assert_cmpint (sw_time_scale_first_tick (&scale, 500 * MS), ==, -500 * MS);
}

static void
check_tick (gint64      t,
            gint64      interval,
            const char *expected)
{
  g_autofree char *text = sw_time_scale_format_tick (t, interval);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_format_tick (void)
{
  check_tick (0, 500 * MS, "0 s");
  check_tick (500 * MS, 500 * MS, "0.5 s");
  check_tick (1500 * MS, 500 * MS, "1.5 s");
  check_tick (1 * S, 500 * MS, "1 s");
  check_tick (2 * S, 1 * S, "2 s");
  check_tick (20 * S, 10 * S, "20 s");
  check_tick (250 * MS, 50 * MS, "0.25 s");
  check_tick (200 * MS, 200 * MS, "0.2 s");
  check_tick (-500 * MS, 500 * MS, "-0.5 s");
  check_tick (1, 500 * MS, "0 s");
  check_tick (-1, 500 * MS, "0 s");
  check_tick (3 * MS, 1 * MS, "0.003 s");
  check_tick (S + 5, 5, "1.000000005 s");
}

static void
test_format_duration (void)
{
  g_autofree char *a = sw_time_scale_format_duration (1250 * MS);
  g_autofree char *b = sw_time_scale_format_duration (850 * MS);
  g_autofree char *c = sw_time_scale_format_duration (12000);
  g_autofree char *d = sw_time_scale_format_duration (7);

  g_assert_cmpstr (a, ==, "1.25 s");
  g_assert_cmpstr (b, ==, "850 ms");
  g_assert_cmpstr (c, ==, "12 µs");
  g_assert_cmpstr (d, ==, "7 ns");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/TimeScale/fit-maps-range-to-width", test_fit_maps_range_to_width);
  g_test_add_func ("/Sw/TimeScale/round-trip", test_round_trip);
  g_test_add_func ("/Sw/TimeScale/zoom-keeps-anchor", test_zoom_keeps_anchor);
  g_test_add_func ("/Sw/TimeScale/pan", test_pan);
  g_test_add_func ("/Sw/TimeScale/tick-interval-1-2-5", test_tick_interval_steps);
  g_test_add_func ("/Sw/TimeScale/first-tick", test_first_tick);
  g_test_add_func ("/Sw/TimeScale/format-tick-seconds", test_format_tick);
  g_test_add_func ("/Sw/TimeScale/format-duration", test_format_duration);

  return g_test_run ();
}
