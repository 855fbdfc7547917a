/* sw-clock.c — calibrating the cheap counter against CLOCK_MONOTONIC
 *
 * The mapping is ns = anchor_ns + (ticks − anchor_ticks) × ns_per_tick.
 * The anchor is taken once; the rate is measured over an ever longer span
 * (sw_clock_recalibrate, called by consumers as they drain), so its error
 * shrinks with the run's length.  Each sample brackets one clock_gettime
 * between two counter reads and keeps the tightest of several tries.
 */
#include "config.h"

#include "sw-clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

SwClockSource _sw_clock_source = SW_CLOCK_SOURCE_MONOTONIC;

#define NS_PER_MS G_GINT64_CONSTANT (1000000)

typedef struct {
  guint64 ticks;
  gint64  ns;
} SwClockSample;

/* guarded by calib_lock; written by init and recalibrate, read by converters */
static GMutex        calib_lock;
static SwClockSample calib_anchor;
static SwClockSample calib_latest;
static double        calib_ns_per_tick = 1.0;

gint64
sw_clock_monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

guint64
_sw_clock_ticks_slow (void)
{
  return (guint64) sw_clock_monotonic_ns ();
}

static gboolean
cpu_has_invariant_counter (void)
{
#if defined(__x86_64__)
  g_autofree char *cpuinfo = NULL;
  const char *flags;
  const char *eol;
  g_autofree char *line = NULL;
  g_auto(GStrv) words = NULL;
  gboolean constant = FALSE, nonstop = FALSE;

  /* Invariant TSC = constant rate and keeps counting in deep C-states; the
   * kernel reports both flags, also inside a VM whose host guarantees it. */
  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return FALSE;
  flags = strstr (cpuinfo, "\nflags");
  if (flags == NULL)
    return FALSE;
  eol = strchr (flags + 1, '\n');
  line = eol ? g_strndup (flags, eol - flags) : g_strdup (flags);
  words = g_strsplit_set (line, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_str_equal (words[i], "constant_tsc"))
        constant = TRUE;
      else if (g_str_equal (words[i], "nonstop_tsc"))
        nonstop = TRUE;
    }
  return constant && nonstop;
#elif defined(__aarch64__)
  return TRUE; /* the generic timer's virtual count is invariant by architecture */
#else
  return FALSE;
#endif
}

static SwClockSample
take_sample (void)
{
  SwClockSample best = { 0, 0 };
  guint64 best_width = G_MAXUINT64;

  for (guint i = 0; i < 7; i++)
    {
      guint64 before = sw_clock_ticks ();
      gint64 ns = sw_clock_monotonic_ns ();
      guint64 after = sw_clock_ticks ();

      if (after - before < best_width)
        {
          best_width = after - before;
          best.ticks = before + (after - before) / 2;
          best.ns = ns;
        }
    }
  return best;
}

static gpointer
clock_init_once (gpointer data)
{
  const char *forced = g_getenv ("SW_CLOCK");
  SwClockSample second;
  SwClockSource source = SW_CLOCK_SOURCE_MONOTONIC;

  if (forced == NULL || !g_str_equal (forced, "monotonic"))
    {
      if (cpu_has_invariant_counter ())
#if defined(__x86_64__)
        source = SW_CLOCK_SOURCE_TSC;
#elif defined(__aarch64__)
        source = SW_CLOCK_SOURCE_CNTVCT;
#endif
    }

  _sw_clock_source = source;
  if (source == SW_CLOCK_SOURCE_MONOTONIC)
    {
      gint64 now = sw_clock_monotonic_ns ();

      /* ticks are ns: an identity mapping, anchored near now for precision */
      calib_anchor = (SwClockSample) { (guint64) now, now };
      calib_latest = calib_anchor;
      calib_ns_per_tick = 1.0;
      return NULL;
    }

  /* A first rate over ~2 ms; recalibration refines it as the run goes on. */
  calib_anchor = take_sample ();
  do
    second = take_sample ();
  while (second.ns - calib_anchor.ns < 2 * NS_PER_MS);
  calib_latest = second;
  calib_ns_per_tick = (double) (second.ns - calib_anchor.ns)
                      / (double) (second.ticks - calib_anchor.ticks);
  return NULL;
}

void
sw_clock_init (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, clock_init_once, NULL);
}

SwClockSource
sw_clock_get_source (void)
{
  sw_clock_init ();
  return _sw_clock_source;
}

const char *
sw_clock_source_name (SwClockSource source)
{
  switch (source)
    {
    case SW_CLOCK_SOURCE_TSC:
      return "tsc";
    case SW_CLOCK_SOURCE_CNTVCT:
      return "cntvct";
    case SW_CLOCK_SOURCE_MONOTONIC:
    default:
      return "monotonic";
    }
}

void
sw_clock_recalibrate (void)
{
  SwClockSample now;

  sw_clock_init ();
  if (_sw_clock_source == SW_CLOCK_SOURCE_MONOTONIC)
    return;

  g_mutex_lock (&calib_lock);
  /* Only when the span has grown by a quarter: a longer baseline is a
   * better rate, and frequent small corrections would only add jitter. */
  if (sw_clock_monotonic_ns () - calib_latest.ns
      > MAX ((calib_latest.ns - calib_anchor.ns) / 4, 50 * NS_PER_MS))
    {
      now = take_sample ();
      calib_latest = now;
      calib_ns_per_tick = (double) (now.ns - calib_anchor.ns)
                          / (double) (now.ticks - calib_anchor.ticks);
    }
  g_mutex_unlock (&calib_lock);
}

void
sw_clock_get_mapping (SwClockMapping *mapping)
{
  sw_clock_init ();
  g_mutex_lock (&calib_lock);
  mapping->anchor_ticks = calib_anchor.ticks;
  mapping->anchor_ns = calib_anchor.ns;
  mapping->ns_per_tick = calib_ns_per_tick;
  g_mutex_unlock (&calib_lock);
}

gint64
sw_clock_ticks_to_ns (guint64 ticks)
{
  SwClockMapping mapping;

  sw_clock_get_mapping (&mapping);
  return sw_clock_mapping_apply (&mapping, ticks);
}
