/* sw-bench-render.c — how fast the timeline draws a big trace
 *
 * Plays a fixed script of SW_BENCH_RENDER_FRAMES frames on the window's
 * timeline: zoom in 1000×, pan, zoom back out, pan across at 1/20 of the
 * trace.  One step per frame, set from a tick callback (the frame clock's
 * update phase); a frame's time runs from there to the end of the frame
 * clock's after-paint, so it holds layout, snapshot and rendering, not
 * the wait for the next vertical blank.  Prints "bench NAME VALUE" lines
 * and closes the window.
 */
#include "config.h"

#include "sw-bench-render.h"

#include <math.h>
#include <stdio.h>

/* Frames drawn before the script starts: fonts and caches warm up. */
#define WARMUP_FRAMES 5

typedef struct
{
  SwWindow      *window;          /* owned */
  SwTimeline    *timeline;        /* borrowed from window */
  GdkFrameClock *clock;           /* owned once known */
  gulong         after_paint_id;
  double         load_s;
  gint64         begin_ns;
  gint64         end_ns;
  guint          ticks;
  guint          step;            /* the next script step */
  gint64         frame_start_us;  /* 0: no frame being measured */
  GArray        *frame_us;        /* gint64, one per step drawn */
  guint64        n_bars;          /* marks drawn over the measured frames */
  gboolean       done;
} Bench;

static void
bench_free (Bench *bench)
{
  if (bench->clock != NULL)
    g_clear_signal_handler (&bench->after_paint_id, bench->clock);
  g_clear_object (&bench->clock);
  g_array_unref (bench->frame_us);
  g_object_unref (bench->window);
  g_free (bench);
}

/* Step i of the script, as a visible range. */
static void
script_range (const Bench *bench,
              guint        i,
              gint64      *t0,
              gint64      *t1)
{
  const guint quarter = SW_BENCH_RENDER_FRAMES / 4;
  const double deep = 1.0 / 1000.0;
  double total = (double) MAX (bench->end_ns - bench->begin_ns, 1000);
  double f, span, center;

  if (i < quarter)
    {
      /* zoom in on a point a third of the way in */
      f = (double) i / (quarter - 1);
      span = total * pow (deep, f);
      center = 0.37 * total;
    }
  else if (i < 2 * quarter)
    {
      /* pan at that depth */
      f = (double) (i - quarter) / (quarter - 1);
      span = total * deep;
      center = (0.37 + 0.3 * f) * total;
    }
  else if (i < 3 * quarter)
    {
      /* back out to the whole trace */
      f = (double) (i - 2 * quarter) / (quarter - 1);
      span = total * pow (deep, 1.0 - f);
      center = 0.67 * total + (0.5 - 0.67) * total * f;
    }
  else
    {
      /* pan across the whole trace, a twentieth at a time */
      f = (double) (i - 3 * quarter) / MAX (SW_BENCH_RENDER_FRAMES - 3 * quarter - 1, 1);
      span = total / 20.0;
      center = span / 2.0 + f * (total - span);
    }

  *t0 = bench->begin_ns + (gint64) (center - span / 2.0);
  *t1 = *t0 + MAX ((gint64) span, 1);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted_us,
               double  p)
{
  guint i;

  if (sorted_us->len == 0)
    return 0.0;
  i = (guint) ceil (p * sorted_us->len) - 1;
  i = MIN (i, sorted_us->len - 1);
  return g_array_index (sorted_us, gint64, i) / 1000.0;
}

static gboolean
bench_finish_cb (gpointer user_data)
{
  Bench *bench = user_data;
  SwTimelineModel *model = sw_timeline_get_model (bench->timeline);
  guint64 n_events = model != NULL ? sw_timeline_model_get_n_events (model) : 0;
  gsize bytes = model != NULL ? sw_timeline_model_get_memory_size (model) : 0;
  GtkWindow *window;

  g_array_sort (bench->frame_us, compare_gint64);
  g_print ("bench render_load_s %.3f\n", bench->load_s);
  g_print ("bench render_frame_ms_median %.2f\n", percentile_ms (bench->frame_us, 0.5));
  g_print ("bench render_frame_ms_p95 %.2f\n", percentile_ms (bench->frame_us, 0.95));
  g_print ("bench render_model_bytes_per_event %.1f\n",
           n_events > 0 ? (double) bytes / (double) n_events : 0.0);
  g_print ("bench render_events %" G_GUINT64_FORMAT "\n", n_events);
  g_print ("bench render_marks_per_frame %.0f\n",
           bench->frame_us->len > 0 ? (double) bench->n_bars / bench->frame_us->len : 0.0);
  fflush (stdout);

  window = GTK_WINDOW (g_object_ref (bench->window));
  bench_free (bench);
  gtk_window_destroy (window);
  g_object_unref (window);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  Bench *bench = user_data;

  if (bench->frame_start_us == 0 || bench->done)
    return;
  g_array_append_val (bench->frame_us, (gint64) { g_get_monotonic_time () - bench->frame_start_us });
  bench->n_bars += sw_timeline_get_n_drawn_bars (bench->timeline);
  bench->frame_start_us = 0;
  if (bench->frame_us->len >= SW_BENCH_RENDER_FRAMES)
    {
      bench->done = TRUE;
      g_idle_add (bench_finish_cb, bench);
    }
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Bench *bench = user_data;
  gint64 t0, t1;

  if (bench->done)
    return G_SOURCE_REMOVE;

  if (bench->clock == NULL)
    {
      bench->clock = g_object_ref (clock);
      bench->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), bench);
    }

  if (++bench->ticks <= WARMUP_FRAMES)
    {
      gtk_widget_queue_draw (widget);
      return G_SOURCE_CONTINUE;
    }

  /* A step whose frame was not painted (nothing changed) is not counted. */
  if (bench->step < SW_BENCH_RENDER_FRAMES)
    {
      script_range (bench, bench->step++, &t0, &t1);
      bench->frame_start_us = g_get_monotonic_time ();
      sw_timeline_show_range (bench->timeline, t0, t1);
      gtk_widget_queue_draw (widget);
    }
  else if (bench->frame_start_us == 0)
    {
      /* Every step shown but some frame was skipped: play on from the start. */
      bench->step = 0;
    }

  return G_SOURCE_CONTINUE;
}

/**
 * _sw_bench_render_start:
 * @window: a window already showing the trace to draw
 * @load_s: how long reading the trace and building its model took
 *
 * Plays the script once the window draws; prints the results and closes
 * the window when done.
 */
void
_sw_bench_render_start (SwWindow *window,
                        double    load_s)
{
  Bench *bench;
  SwTimelineModel *model;

  g_return_if_fail (SW_IS_WINDOW (window));

  bench = g_new0 (Bench, 1);
  bench->window = g_object_ref (window);
  bench->timeline = sw_window_get_timeline (window);
  bench->load_s = load_s;
  bench->frame_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  model = sw_timeline_get_model (bench->timeline);
  if (model != NULL)
    {
      bench->begin_ns = sw_timeline_model_get_begin_ns (model);
      bench->end_ns = sw_timeline_model_get_end_ns (model);
    }

  gtk_widget_add_tick_callback (GTK_WIDGET (bench->timeline), tick_cb, bench, NULL);
}
