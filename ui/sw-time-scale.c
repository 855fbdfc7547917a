/* sw-time-scale.c — time ↔ pixel mapping of the timeline */

#include "config.h"

#include "sw-time-scale.h"

#include <math.h>
#include <string.h>

void
sw_time_scale_init (SwTimeScale *scale,
                    gint64       start_ns,
                    double       ns_per_px)
{
  g_return_if_fail (scale != NULL);

  scale->start_ns = start_ns;
  scale->ns_per_px = CLAMP (ns_per_px,
                            SW_TIME_SCALE_MIN_NS_PER_PX,
                            SW_TIME_SCALE_MAX_NS_PER_PX);
}

double
sw_time_scale_ns_to_px (const SwTimeScale *scale,
                        gint64             time_ns)
{
  g_return_val_if_fail (scale != NULL, 0.0);

  /* Subtract in integers first so large absolute times keep precision. */
  return (double) (time_ns - scale->start_ns) / scale->ns_per_px;
}

gint64
sw_time_scale_px_to_ns (const SwTimeScale *scale,
                        double             x)
{
  g_return_val_if_fail (scale != NULL, 0);

  return scale->start_ns + (gint64) llround (x * scale->ns_per_px);
}

/* Shows [begin_ns, end_ns] across width_px; an empty range still gets a
 * sane scale so the ruler never divides by zero. */
void
sw_time_scale_fit (SwTimeScale *scale,
                   gint64       begin_ns,
                   gint64       end_ns,
                   double       width_px)
{
  gint64 span;

  g_return_if_fail (scale != NULL);

  if (end_ns < begin_ns)
    {
      gint64 tmp = begin_ns;
      begin_ns = end_ns;
      end_ns = tmp;
    }

  span = MAX (end_ns - begin_ns, 1);
  width_px = MAX (width_px, 1.0);
  sw_time_scale_init (scale, begin_ns, (double) span / width_px);
}

/* factor > 1 zooms in.  The time under anchor_x stays under anchor_x. */
void
sw_time_scale_zoom (SwTimeScale *scale,
                    double       anchor_x,
                    double       factor)
{
  gint64 anchor_ns;
  double ns_per_px;

  g_return_if_fail (scale != NULL);
  g_return_if_fail (factor > 0.0);

  anchor_ns = sw_time_scale_px_to_ns (scale, anchor_x);
  ns_per_px = CLAMP (scale->ns_per_px / factor,
                     SW_TIME_SCALE_MIN_NS_PER_PX,
                     SW_TIME_SCALE_MAX_NS_PER_PX);
  scale->ns_per_px = ns_per_px;
  scale->start_ns = anchor_ns - (gint64) llround (anchor_x * ns_per_px);
}

/* Positive dx moves the content right, i.e. shows earlier times. */
void
sw_time_scale_pan (SwTimeScale *scale,
                   double       dx_px)
{
  g_return_if_fail (scale != NULL);

  scale->start_ns -= (gint64) llround (dx_px * scale->ns_per_px);
}

/* The smallest 1-2-5 × 10^k nanosecond step that leaves at least min_px
 * between two ruler ticks. */
gint64
sw_time_scale_tick_interval (const SwTimeScale *scale,
                             double             min_px)
{
  static const int steps[] = { 1, 2, 5 };
  double min_ns;
  gint64 decade;

  g_return_val_if_fail (scale != NULL, 1);

  min_ns = MAX (min_px, 1.0) * scale->ns_per_px;

  for (decade = 1; decade <= G_GINT64_CONSTANT (1000000000000000000); decade *= 10)
    {
      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          gint64 interval = steps[i] * decade;

          if ((double) interval >= min_ns)
            return interval;
        }
    }

  return G_GINT64_CONSTANT (1000000000000000000);
}

/* The first multiple of interval_ns at or right of x = 0. */
gint64
sw_time_scale_first_tick (const SwTimeScale *scale,
                          gint64             interval_ns)
{
  gint64 start;
  gint64 q;

  g_return_val_if_fail (scale != NULL, 0);
  g_return_val_if_fail (interval_ns > 0, 0);

  start = scale->start_ns;
  q = start / interval_ns;
  /* C division truncates toward zero; we want the ceiling. */
  if (q * interval_ns < start)
    q++;

  return q * interval_ns;
}

static int
decimals_for_interval (gint64 interval_ns)
{
  int decimals = 0;

  /* A 1-2-5 step below a second needs as many decimals as its leading
   * digit sits below the unit: 0.5 s → 1, 0.02 s → 2. */
  while (interval_ns > 0 && interval_ns < G_GINT64_CONSTANT (1000000000) && decimals < 9)
    {
      interval_ns *= 10;
      decimals++;
    }

  return decimals;
}

/* Ruler labels in seconds: "0 s", "0.5 s", "1.5 s", "-0.25 s".  Always a
 * '.' as decimal point so a projected ruler reads the same everywhere. */
char *
sw_time_scale_format_tick (gint64 time_ns,
                           gint64 interval_ns)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char fmt[16];
  int decimals;
  double seconds;

  decimals = decimals_for_interval (MAX (interval_ns, 1));
  seconds = (double) time_ns / 1e9;

  /* Round first so "-0.0000001" does not print as "-0". */
  if (fabs (seconds) < 0.5 * pow (10.0, -decimals))
    seconds = 0.0;

  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  g_ascii_formatd (buf, sizeof buf, fmt, seconds);

  /* Whole ticks read "1 s", not "1.0 s", between "0.5 s" and "1.5 s". */
  if (strchr (buf, '.') != NULL)
    {
      char *end = buf + strlen (buf) - 1;

      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }

  return g_strdup_printf ("%s s", buf);
}

/* Durations for the status line: "850 ms", "1.25 s", "12 µs". */
char *
sw_time_scale_format_duration (gint64 duration_ns)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gint64 abs_ns = ABS (duration_ns);

  if (abs_ns >= G_GINT64_CONSTANT (1000000000))
    {
      g_ascii_formatd (buf, sizeof buf, "%.2f", (double) duration_ns / 1e9);
      return g_strdup_printf ("%s s", buf);
    }
  if (abs_ns >= 1000000)
    {
      g_ascii_formatd (buf, sizeof buf, "%.0f", (double) duration_ns / 1e6);
      return g_strdup_printf ("%s ms", buf);
    }
  if (abs_ns >= 1000)
    {
      g_ascii_formatd (buf, sizeof buf, "%.0f", (double) duration_ns / 1e3);
      return g_strdup_printf ("%s µs", buf);
    }

  return g_strdup_printf ("%" G_GINT64_FORMAT " ns", duration_ns);
}
