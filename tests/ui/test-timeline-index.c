/* test-timeline-index.c — the model's searches answer the same in any order
 *
 * A frame asks about columns left to right and the model starts each
 * search where the last one ended; a tooltip or a test may ask in any
 * order.  No display needed.
 */
#include "config.h"

#include "switchyard.h"
#include "sw-timeline-model.h"

#define N_COROUTINES 24
#define N_SWITCHES   3000

static void
spin_us (gint64 us)
{
  gint64 until = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < until)
    ;
}

/* Coroutines of one thread taking turns, each run a few µs long. */
static SwTrace *
record_turns (guint32 *out_thread)
{
  SwTrace *trace = sw_trace_new (0);
  guint32 thread = sw_trace_name_thread (trace, "scheduler");
  guint32 lanes[N_COROUTINES];
  guint32 current = thread;
  GRand *rand = g_rand_new_with_seed (6);

  for (guint i = 0; i < N_COROUTINES; i++)
    {
      g_autofree char *name = g_strdup_printf ("co-%u", i);

      lanes[i] = sw_trace_register_lane (trace, SW_LANE_COROUTINE, name, 1, 1, thread);
      sw_trace_record (trace, SW_EVENT_CO_SPAWN, 0, lanes[i], 0);
    }
  for (guint i = 0; i < N_SWITCHES; i++)
    {
      /* Sometimes back to the thread: gaps where nothing runs. */
      guint32 next = g_rand_int_range (rand, 0, 4) == 0 ? thread
                     : lanes[g_rand_int_range (rand, 0, N_COROUTINES)];

      if (next == current)
        continue;
      sw_trace_record_on_lane (trace, current, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, next, 0);
      current = next;
      spin_us (g_rand_int_range (rand, 1, 6));
    }
  g_rand_free (rand);
  *out_thread = thread;
  return trace;
}

static void
test_aggregate_any_order (void)
{
  guint32 thread;
  g_autoptr(SwTrace) trace = record_turns (&thread);
  g_autoptr(SwTimelineModel) model = sw_timeline_model_new (trace);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 begin, end, width;
  guint n_columns = 4000, n_busy = 0;
  g_autofree guint *running = g_new0 (guint, n_columns);
  g_autofree guint *live = g_new0 (guint, n_columns);

  sw_timeline_model_drain_all (model);
  begin = sw_timeline_model_get_begin_ns (model);
  end = sw_timeline_model_get_end_ns (model);
  g_assert_cmpint (end, >, begin);
  /* Columns narrower than the finest histogram bucket: the runs are read. */
  width = MAX ((end - begin) / n_columns, 1);
  g_assert_cmpint (width, <, 262144);

  for (guint c = 0; c < n_columns; c++)
    {
      sw_timeline_model_query_aggregate (model, thread, begin + c * width, begin + (c + 1) * width,
                                         &running[c], &live[c]);
      n_busy += running[c] > 0;
    }
  g_assert_cmpuint (n_busy, >, n_columns / 4);

  /* Right to left, then at random: the same answers. */
  for (guint c = n_columns; c-- > 0;)
    {
      guint r, l;

      sw_timeline_model_query_aggregate (model, thread, begin + c * width, begin + (c + 1) * width, &r, &l);
      g_assert_cmpuint (r, ==, running[c]);
      g_assert_cmpuint (l, ==, live[c]);
    }
  for (guint k = 0; k < 20000; k++)
    {
      guint c = g_rand_int_range (rand, 0, n_columns);
      guint r, l;

      sw_timeline_model_query_aggregate (model, thread, begin + c * width, begin + (c + 1) * width, &r, &l);
      g_assert_cmpuint (r, ==, running[c]);
      g_assert_cmpuint (l, ==, live[c]);
    }

  /* And what the coroutines' own runs say: at most one runs at a time,
   * so a column counts the runs that overlap it. */
  for (guint c = 0; c < n_columns; c += 7)
    {
      gint64 t0 = begin + c * width, t1 = t0 + width;
      guint n = 0;

      for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
        {
          const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);

          if (lane->kind != SW_LANE_COROUTINE)
            continue;
          for (guint j = 0; j < lane->running->len; j++)
            {
              const SwTimelineSpan *run = &g_array_index (lane->running, SwTimelineSpan, j);

              if (run->start_ns < t1 && run->end_ns >= t0 + 1)
                n++;
            }
        }
      g_assert_cmpuint (running[c], ==, MIN (n, live[c]));
    }
}

/* Runs seconds apart: the run index keeps the low 32 bits of each time
 * and where each 4.3 s epoch begins.  Narrow columns on, before and after
 * each run, across epochs, count it exactly. */
static void
test_aggregate_across_epochs (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTraceImporter) importer = sw_trace_importer_new (trace, 0);
  g_autoptr(SwTimelineModel) model = NULL;
  SwLane thread = { 1, SW_LANE_THREAD, "loop", 4242, 4242, 0 };
  SwLane co = { 2, SW_LANE_COROUTINE, "co", 4242, 4242, 1 };
  gint64 origin = sw_trace_get_origin_ns (trace);
  const gint64 step = G_GINT64_CONSTANT (1100000000);   /* 1.1 s */
  const guint n = 12;
  guint32 lt, lc;
  const SwTimelineLane *thread_lane;

  lt = sw_trace_importer_add_lane (importer, &thread);
  lc = sw_trace_importer_add_lane (importer, &co);
  for (guint k = 0; k < n; k++)
    {
      /* co runs 1 µs from k × 1.1 s. */
      SwEvent turn[] = {
        { origin + k * step, 1, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, lc, 0 },
        { origin + k * step + 1000, 2, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, lt, 0 },
      };

      sw_trace_importer_add_events (importer, turn, G_N_ELEMENTS (turn));
    }
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);
  thread_lane = sw_timeline_model_find_lane_by_name (model, "loop");
  g_assert_nonnull (thread_lane);

  for (guint k = 0; k < n; k++)
    {
      gint64 t = k * step;
      guint running, live;

      sw_timeline_model_query_aggregate (model, thread_lane->id, t + 200, t + 300, &running, &live);
      g_assert_cmpuint (running, ==, 1);
      sw_timeline_model_query_aggregate (model, thread_lane->id, t + 2000, t + 2100, &running, &live);
      g_assert_cmpuint (running, ==, 0);
      if (k > 0)
        {
          sw_timeline_model_query_aggregate (model, thread_lane->id, t - 200, t - 100, &running, &live);
          g_assert_cmpuint (running, ==, 0);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/TimelineModel/aggregate-same-in-any-order", test_aggregate_any_order);
  g_test_add_func ("/Sw/TimelineModel/aggregate-across-epochs", test_aggregate_across_epochs);

  return g_test_run ();
}
