/* test-stats.c — wall time, task time and speedup come out right */
#include "config.h"

#include "switchyard.h"

#define MS(x) ((guint64) (x) * 1000000)

static SwEvent
ev (guint64 time, SwEventKind kind, guint64 object)
{
  SwEvent e = { time, 1, (guint16) kind, 0, object, 0 };
  return e;
}

static void
test_stats_parallel_tasks (void)
{
  /* Two tasks of 100 ms side by side: wall 110 ms, task time 200 ms.
   * Listed ends-first, as lanes may interleave. */
  SwEvent events[] = {
    ev (MS (110), SW_EVENT_TASK_END, 2),
    ev (MS (105), SW_EVENT_TASK_END, 1),
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 1),
    ev (MS (1), SW_EVENT_TASK_SUBMIT, 2),
    ev (MS (5), SW_EVENT_TASK_START, 1),
    ev (MS (10), SW_EVENT_TASK_START, 2),
  };
  SwTaskStats stats;

  sw_task_stats_compute (events, G_N_ELEMENTS (events), &stats);
  g_assert_cmpuint (stats.n_submitted, ==, 2);
  g_assert_cmpuint (stats.n_finished, ==, 2);
  g_assert_cmpint (stats.wall_ns, ==, MS (110));
  g_assert_cmpint (stats.task_ns_sum, ==, MS (200));
  g_assert_cmpfloat_with_epsilon (stats.speedup, 200.0 / 110.0, 1e-9);
}

static void
test_stats_failed_and_cancelled (void)
{
  SwEvent events[] = {
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 1),
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 2),
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 3),
    ev (MS (10), SW_EVENT_TASK_START, 1),
    ev (MS (30), SW_EVENT_TASK_ERROR, 1),
    ev (MS (31), SW_EVENT_TASK_CANCEL, 2),
    ev (MS (32), SW_EVENT_TASK_START, 3),
    ev (MS (42), SW_EVENT_TASK_END, 3),
  };
  SwTaskStats stats;

  sw_task_stats_compute (events, G_N_ELEMENTS (events), &stats);
  g_assert_cmpuint (stats.n_failed, ==, 1);
  g_assert_cmpuint (stats.n_cancelled, ==, 1);
  g_assert_cmpuint (stats.n_finished, ==, 1);
  g_assert_cmpint (stats.task_ns_sum, ==, MS (30));
  g_assert_cmpint (stats.wall_ns, ==, MS (42));
}

static void
test_stats_nothing_submitted (void)
{
  SwTaskStats stats;

  sw_task_stats_compute (NULL, 0, &stats);
  g_assert_cmpuint (stats.n_submitted, ==, 0);
  g_assert_cmpint (stats.wall_ns, ==, 0);
  g_assert_cmpfloat (stats.speedup, ==, 0.0);
}

/* Coroutines only: no task to time, the wall time is first thing done →
 * last, whatever order the lanes' events come in (the window's status bar and the
 * console's summary line both say this number). */
static void
test_stats_span_of_a_coroutine_run (void)
{
  SwEvent events[] = {
    ev (MS (40), SW_EVENT_CO_SWITCH, 1),
    ev (MS (2), SW_EVENT_LOG, 0),          /* around it: not counted */
    ev (MS (7), SW_EVENT_CO_SPAWN, 1),
    ev (MS (950), SW_EVENT_CO_EXIT, 1),
    ev (MS (12), SW_EVENT_CO_SWITCH, 2),
    ev (MS (990), SW_EVENT_LOG, 0),
    ev (MS (995), SW_EVENT_CTX_SWITCHES, 0),
  };
  SwTaskStats stats;

  sw_task_stats_compute (events, G_N_ELEMENTS (events), &stats);
  g_assert_cmpuint (stats.n_submitted, ==, 0);
  g_assert_cmpint (stats.wall_ns, ==, 0);
  g_assert_cmpint (stats.span_ns, ==, MS (943));

  sw_task_stats_compute (events, 0, &stats);
  g_assert_cmpint (stats.span_ns, ==, 0);
}

/* Lesson 2 decoupled on a process pool: downloads end at 100 ms, their
 * parses run one after another as done-callbacks until 400 ms.  The run
 * took 400 ms; the tasks' own time is still 200 ms. */
static void
test_stats_wall_runs_to_the_last_callback (void)
{
  SwEvent events[] = {
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 1),
    ev (MS (0), SW_EVENT_TASK_SUBMIT, 2),
    ev (MS (0), SW_EVENT_TASK_START, 1),
    ev (MS (0), SW_EVENT_TASK_START, 2),
    ev (MS (100), SW_EVENT_TASK_END, 1),
    ev (MS (100), SW_EVENT_TASK_END, 2),
    ev (MS (100), SW_EVENT_CALLBACK_BEGIN, 1),
    ev (MS (250), SW_EVENT_CALLBACK_END, 1),
    ev (MS (250), SW_EVENT_CALLBACK_BEGIN, 2),
    ev (MS (400), SW_EVENT_CALLBACK_END, 2),
  };
  SwTaskStats stats;

  sw_task_stats_compute (events, G_N_ELEMENTS (events), &stats);
  g_assert_cmpint (stats.wall_ns, ==, MS (400));
  g_assert_cmpint (stats.task_ns_sum, ==, MS (200));
  g_assert_cmpfloat_with_epsilon (stats.speedup, 0.5, 1e-9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Stats/parallel-tasks", test_stats_parallel_tasks);
  g_test_add_func ("/Sw/Stats/failed-and-cancelled", test_stats_failed_and_cancelled);
  g_test_add_func ("/Sw/Stats/nothing-submitted", test_stats_nothing_submitted);
  g_test_add_func ("/Sw/Stats/span-of-a-coroutine-run", test_stats_span_of_a_coroutine_run);
  g_test_add_func ("/Sw/Stats/wall-runs-to-the-last-callback", test_stats_wall_runs_to_the_last_callback);

  return g_test_run ();
}
