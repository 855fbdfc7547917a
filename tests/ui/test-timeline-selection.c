/* test-timeline-selection.c — hit test, chains, range statistics; no display */

#include "config.h"

#include "switchyard.h"
#include "sw-timeline-model.h"
#include "sw-timeline-selection.h"

#include "known-trace.h"

#define MS KNOWN_MS

typedef struct {
  SwTrace         *trace;
  SwTimelineModel *model;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->trace = known_trace_new ();
  f->model = sw_timeline_model_new (f->trace);
  sw_timeline_model_drain_all (f->model);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->model);
  g_clear_object (&f->trace);
}

static void
test_hit_exact (Fixture       *f,
                gconstpointer  data)
{
  const SwTimelineLane *w1 = known_lane (f->model, "worker-1");
  const SwTimelineLane *w2 = known_lane (f->model, "worker-2");
  const SwTimelineLane *main_lane = known_lane (f->model, "main");
  SwTimelineHit hit;

  g_assert_true (sw_timeline_hit_test (f->model, w1, 60 * MS, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit.lane, ==, w1->id);
  g_assert_cmpuint (hit.span.object, ==, 1);
  g_assert_cmpint (hit.span.start_ns, ==, 10 * MS);
  g_assert_cmpint (hit.span.end_ns, ==, 110 * MS);

  /* The callback right after the task is its own mark. */
  g_assert_true (sw_timeline_hit_test (f->model, w1, 112 * MS, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpuint (hit.span.object, ==, 1);

  /* The second task on a lane, found by the index, not the first. */
  g_assert_true (sw_timeline_hit_test (f->model, w2, 200 * MS, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit.span.object, ==, 3);
  g_assert_cmpuint (hit.index, ==, 1);

  g_assert_true (sw_timeline_hit_test (f->model, w2, 30 * MS, 0, &hit));
  g_assert_cmpuint (hit.span.state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_cmpstr (sw_timeline_model_get_task_error (f->model, 2), ==, "boom");
  g_assert_null (sw_timeline_model_get_task_error (f->model, 1));

  /* main blocks in result() for task 3, then runs its callback. */
  g_assert_true (sw_timeline_hit_test (f->model, main_lane, 100 * MS, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_WAIT);
  g_assert_cmpuint (hit.span.object, ==, 3);
  g_assert_true (sw_timeline_hit_test (f->model, main_lane, 405 * MS, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpuint (hit.span.object, ==, 3);
}

static void
test_hit_tolerance (Fixture       *f,
                    gconstpointer  data)
{
  const SwTimelineLane *w1 = known_lane (f->model, "worker-1");
  const SwTimelineLane *w2 = known_lane (f->model, "worker-2");
  SwTimelineHit hit;

  /* Nothing there, and nothing near enough. */
  g_assert_false (sw_timeline_hit_test (f->model, w1, 200 * MS, 1 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_NONE);
  g_assert_false (sw_timeline_hit_test (f->model, w1, 5 * MS, 4 * MS, &hit));

  /* Zoomed out a bar is narrower than the tolerance: near is enough. */
  g_assert_true (sw_timeline_hit_test (f->model, w1, 117 * MS, 3 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_true (sw_timeline_hit_test (f->model, w1, 7 * MS, 4 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);

  /* Between two bars the nearer one wins: 74 is 2 from task 2's callback
   * (ends 72) and 6 from task 3 (starts 80). */
  g_assert_true (sw_timeline_hit_test (f->model, w2, 74 * MS, 10 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpuint (hit.span.object, ==, 2);
  g_assert_true (sw_timeline_hit_test (f->model, w2, 78 * MS, 10 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit.span.object, ==, 3);

  /* A bar under the pointer beats a callback within the tolerance. */
  g_assert_true (sw_timeline_hit_test (f->model, w1, 108 * MS, 5 * MS, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
}

static void
test_hit_step (Fixture       *f,
               gconstpointer  data)
{
  const SwTimelineLane *w2 = known_lane (f->model, "worker-2");
  const SwTimelineLane *main_lane = known_lane (f->model, "main");
  SwTimelineHit hit;

  /* worker-2 reads: task 2 (20), its callback (70), task 3 (80). */
  g_assert_true (sw_timeline_hit_step (f->model, w2, -1, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit.span.object, ==, 2);
  g_assert_true (sw_timeline_hit_step (f->model, w2, hit.span.start_ns, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpint (hit.span.start_ns, ==, 70 * MS);
  g_assert_true (sw_timeline_hit_step (f->model, w2, hit.span.start_ns, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit.span.object, ==, 3);
  g_assert_false (sw_timeline_hit_step (f->model, w2, hit.span.start_ns, 1, &hit));

  /* And back. */
  g_assert_true (sw_timeline_hit_step (f->model, w2, 80 * MS, -1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_true (sw_timeline_hit_step (f->model, w2, 70 * MS, -1, &hit));
  g_assert_cmpuint (hit.span.object, ==, 2);
  g_assert_false (sw_timeline_hit_step (f->model, w2, 20 * MS, -1, &hit));

  /* main: its wait, then the callback it ran. */
  g_assert_true (sw_timeline_hit_step (f->model, main_lane, 0, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_WAIT);
  g_assert_true (sw_timeline_hit_step (f->model, main_lane, hit.span.start_ns, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CALLBACK);
}

static void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  const SwTimelineLane *w1 = known_lane (f->model, "worker-1");
  const SwTimelineLane *w2 = known_lane (f->model, "worker-2");
  const SwTimelineLane *main_lane = known_lane (f->model, "main");
  SwTimelineChain chain;
  gint64 begin, end;

  /* Process-pool style: run on a worker, callback back on main. */
  g_assert_true (sw_timeline_chain_lookup (f->model, 3, &chain));
  g_assert_true (chain.has_submit);
  g_assert_cmpuint (chain.submit_lane, ==, main_lane->id);
  g_assert_cmpint (chain.submit_ns, ==, 2 * MS);
  g_assert_true (chain.has_run);
  g_assert_cmpuint (chain.run_lane, ==, w2->id);
  g_assert_cmpint (chain.run.start_ns, ==, 80 * MS);
  g_assert_cmpint (chain.run.end_ns, ==, 380 * MS);
  g_assert_cmpuint (chain.n_callbacks, ==, 1);
  g_assert_cmpuint (chain.callbacks[0].lane, ==, main_lane->id);
  g_assert_cmpint (chain.callbacks[0].start_ns, ==, 400 * MS);
  g_assert_cmpint (chain.callbacks[0].end_ns, ==, 410 * MS);
  g_assert_true (sw_timeline_chain_get_extent (&chain, 0, &begin, &end));
  g_assert_cmpint (begin, ==, 2 * MS);
  g_assert_cmpint (end, ==, 410 * MS);

  /* Thread-pool style: the callback on the worker that ran it. */
  g_assert_true (sw_timeline_chain_lookup (f->model, 1, &chain));
  g_assert_cmpint (chain.submit_ns, ==, 0);
  g_assert_cmpuint (chain.run_lane, ==, w1->id);
  g_assert_cmpuint (chain.n_callbacks, ==, 1);
  g_assert_cmpuint (chain.callbacks[0].lane, ==, w1->id);
  g_assert_cmpint (chain.callbacks[0].start_ns, ==, 110 * MS);

  g_assert_true (sw_timeline_chain_lookup (f->model, 2, &chain));
  g_assert_cmpuint (chain.run.state, ==, SW_TIMELINE_SPAN_FAILED);

  g_assert_false (sw_timeline_chain_lookup (f->model, 77, &chain));
  g_assert_false (chain.has_run || chain.has_submit || chain.n_callbacks > 0);
}

/* Ids that do not grow with time on a lane (an imported trace) are still
 * found, by the scan near where time says they are. */
static void
test_chain_ids_out_of_order (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  g_autoptr(SwTimelineModel) model = NULL;
  SwLane lane = { 1, SW_LANE_THREAD, "w", 1, 2, 0 };
  KnownTrace k = { trace, NULL, sw_trace_get_origin_ns (trace) };
  SwTimelineChain chain;

  k.importer = sw_trace_importer_new (trace, sw_trace_get_process_lane (trace));
  sw_trace_importer_add_lane (k.importer, &lane);
  known_event (&k, 1, SW_EVENT_TASK_SUBMIT, 0, 9, 0, 0);
  known_event (&k, 1, SW_EVENT_TASK_SUBMIT, 0, 5, 0, 1 * MS);
  known_event (&k, 1, SW_EVENT_TASK_SUBMIT, 0, 7, 0, 2 * MS);
  known_task (&k, 1, 9, 10, 20, FALSE);
  known_task (&k, 1, 5, 20, 30, FALSE);
  known_task (&k, 1, 7, 30, 40, FALSE);
  known_callback (&k, 1, 7, 40, 41);
  known_callback (&k, 1, 9, 41, 42);
  sw_trace_importer_free (k.importer);

  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);

  g_assert_true (sw_timeline_chain_lookup (model, 5, &chain));
  g_assert_cmpint (chain.submit_ns, ==, 1 * MS);
  g_assert_cmpint (chain.run.start_ns, ==, 20 * MS);
  g_assert_cmpuint (chain.n_callbacks, ==, 0);

  g_assert_true (sw_timeline_chain_lookup (model, 9, &chain));
  g_assert_cmpint (chain.submit_ns, ==, 0);
  g_assert_cmpint (chain.run.start_ns, ==, 10 * MS);
  g_assert_cmpuint (chain.n_callbacks, ==, 1);
  g_assert_cmpint (chain.callbacks[0].start_ns, ==, 41 * MS);
}

static gint64
busy_of (const SwTimelineRangeStats *stats,
         const SwTimelineLane       *lane)
{
  for (guint i = 0; i < stats->lanes->len; i++)
    if (g_array_index (stats->lanes, SwTimelineLaneBusy, i).lane == lane->id)
      return g_array_index (stats->lanes, SwTimelineLaneBusy, i).busy_ns;

  g_assert_not_reached ();
  return -1;
}

static void
test_range_stats (Fixture       *f,
                  gconstpointer  data)
{
  const SwTimelineLane *w1 = known_lane (f->model, "worker-1");
  const SwTimelineLane *w2 = known_lane (f->model, "worker-2");
  const SwTimelineLane *main_lane = known_lane (f->model, "main");
  SwTimelineRangeStats stats;

  /* [50, 150]: all three tasks overlap it. */
  sw_timeline_range_stats_compute (f->model, 150 * MS, 50 * MS, &stats);
  g_assert_cmpint (stats.t0, ==, 50 * MS);
  g_assert_cmpint (stats.t1, ==, 150 * MS);
  g_assert_cmpuint (stats.n_tasks, ==, 3);
  g_assert_cmpint (stats.total_ns, ==, 450 * MS);
  g_assert_cmpint (sw_timeline_range_stats_get_mean_ns (&stats), ==, 150 * MS);
  g_assert_cmpint (stats.max_ns, ==, 300 * MS);
  g_assert_cmpuint (stats.max_task, ==, 3);
  /* worker-1: task 1 50–110 and its callback 110–115; worker-2: task 2
   * 50–70, its callback 70–72, task 3 80–150; main only waits. */
  g_assert_cmpuint (stats.lanes->len, ==, 3);
  g_assert_cmpuint (g_array_index (stats.lanes, SwTimelineLaneBusy, 0).lane, ==, main_lane->id);
  g_assert_cmpint (busy_of (&stats, w1), ==, 65 * MS);
  g_assert_cmpint (busy_of (&stats, w2), ==, 92 * MS);
  g_assert_cmpint (busy_of (&stats, main_lane), ==, 0);
  sw_timeline_range_stats_clear (&stats);
  g_assert_null (stats.lanes);

  /* A bar that only touches the range is not in it. */
  sw_timeline_range_stats_compute (f->model, 110 * MS, 115 * MS, &stats);
  g_assert_cmpuint (stats.n_tasks, ==, 1);
  g_assert_cmpuint (stats.max_task, ==, 3);
  g_assert_cmpint (busy_of (&stats, w1), ==, 5 * MS);
  g_assert_cmpint (busy_of (&stats, w2), ==, 5 * MS);
  sw_timeline_range_stats_clear (&stats);

  /* After everything: nothing. */
  sw_timeline_range_stats_compute (f->model, 500 * MS, 600 * MS, &stats);
  g_assert_cmpuint (stats.n_tasks, ==, 0);
  g_assert_cmpint (sw_timeline_range_stats_get_mean_ns (&stats), ==, 0);
  g_assert_cmpint (busy_of (&stats, w1), ==, 0);
  sw_timeline_range_stats_clear (&stats);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Sw/TimelineSelection/hit-exact", Fixture, NULL,
              fixture_set_up, test_hit_exact, fixture_tear_down);
  g_test_add ("/Sw/TimelineSelection/hit-tolerance", Fixture, NULL,
              fixture_set_up, test_hit_tolerance, fixture_tear_down);
  g_test_add ("/Sw/TimelineSelection/hit-step", Fixture, NULL,
              fixture_set_up, test_hit_step, fixture_tear_down);
  g_test_add ("/Sw/TimelineSelection/chain", Fixture, NULL,
              fixture_set_up, test_chain, fixture_tear_down);
  g_test_add_func ("/Sw/TimelineSelection/chain-ids-out-of-order", test_chain_ids_out_of_order);
  g_test_add ("/Sw/TimelineSelection/range-stats", Fixture, NULL,
              fixture_set_up, test_range_stats, fixture_tear_down);

  return g_test_run ();
}
