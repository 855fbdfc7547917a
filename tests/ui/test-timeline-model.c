/* test-timeline-model.c — events become lanes, spans and marks; no display */

#include "config.h"

#include <unistd.h>

#include "switchyard.h"
#include "sw-timeline-model.h"
#include "sw-timeline-selection.h"

typedef struct {
  SwTrace         *trace;
  SwTimelineModel *model;
  guint32          main_lane;
  guint32          worker_lane;
  GPtrArray       *scratch;   /* GArrays made by waiting_of() */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  f->main_lane = sw_trace_register_lane (f->trace, SW_LANE_THREAD, "main", getpid (), 1001,
                                         sw_trace_get_process_lane (f->trace));
  f->worker_lane = sw_trace_register_lane (f->trace, SW_LANE_THREAD, "worker-1", getpid (), 1002,
                                           sw_trace_get_process_lane (f->trace));
  f->model = sw_timeline_model_new (f->trace);
  f->scratch = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->scratch, g_ptr_array_unref);
  g_clear_object (&f->model);
  g_clear_object (&f->trace);
}

/* @lane's waiting segments as the timeline reads them, one per switch
 * that started a wait (freed with the fixture). */
static GArray *
waiting_of (Fixture              *f,
            const SwTimelineLane *lane)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));

  for (guint i = 0; i < lane->switches->len; i++)
    {
      SwTimelineSpan span;

      if (sw_timeline_lane_get_waiting (lane, i, &span))
        g_array_append_val (spans, span);
    }
  g_ptr_array_add (f->scratch, spans);
  return spans;
}

static const SwTimelineLane *
lane_named (Fixture    *f,
            const char *name)
{
  const SwTimelineLane *lane = sw_timeline_model_find_lane_by_name (f->model, name);

  g_assert_nonnull (lane);
  return lane;
}

static void
test_lanes_from_trace (Fixture       *f,
                       gconstpointer  data)
{
  const SwTimelineLane *main_lane;

  sw_timeline_model_update (f->model);

  /* Both threads show, even before any event; the process lane does not. */
  g_assert_cmpuint (sw_timeline_model_get_n_lanes (f->model), ==, 2);
  main_lane = sw_timeline_model_get_lane (f->model, 0);
  g_assert_cmpstr (main_lane->name, ==, "main");
  g_assert_cmpstr (main_lane->label, ==, "main · TID 1001");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 1)->label, ==, "worker-1 · TID 1002");

  /* A lane registered later shows up on the next update. */
  sw_trace_register_lane (f->trace, SW_LANE_THREAD, "worker-2", getpid (), 1003,
                          sw_trace_get_process_lane (f->trace));
  sw_timeline_model_update (f->model);
  g_assert_cmpuint (sw_timeline_model_get_n_lanes (f->model), ==, 3);
}

static void
test_task_lifecycle (Fixture       *f,
                     gconstpointer  data)
{
  guint64 label = sw_trace_intern (f->trace, "task 3");
  const SwTimelineLane *main_lane, *worker;
  const SwTimelineSpan *span;

  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 3, label);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 3, 0);
  g_assert_true (sw_timeline_model_update (f->model));

  main_lane = lane_named (f, "main");
  worker = lane_named (f, "worker-1");
  g_assert_cmpuint (main_lane->submits->len, ==, 1);
  g_assert_cmpuint (worker->submits->len, ==, 0);
  g_assert_cmpuint (worker->tasks->len, ==, 1);
  g_assert_cmpuint (main_lane->tasks->len, ==, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (f->model), ==, 1);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (f->model), ==, 1);
  g_assert_cmpstr (sw_timeline_model_get_task_label (f->model, 3), ==, "task 3");

  span = &g_array_index (worker->tasks, SwTimelineSpan, 0);
  g_assert_cmpint (span->end_ns, ==, SW_TIMELINE_OPEN);

  /* While running, "now" (where open spans end) follows the clock. */
  sw_timeline_model_set_running (f->model, TRUE);
  g_assert_cmpint (sw_timeline_model_get_now_ns (f->model), >=, span->start_ns);

  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_END, 0, 3, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_CALLBACK_BEGIN, 0, 3, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_CALLBACK_END, 0, 3, 0);
  sw_timeline_model_update (f->model);

  span = &g_array_index (worker->tasks, SwTimelineSpan, 0);
  g_assert_cmpint (span->end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_cmpint (span->end_ns, >=, span->start_ns);
  g_assert_cmpuint (span->state, ==, SW_TIMELINE_SPAN_OK);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (f->model), ==, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (f->model), ==, 1);
  g_assert_cmpuint (worker->callbacks->len, ==, 1);
  g_assert_cmpint (g_array_index (worker->callbacks, SwTimelineSpan, 0).end_ns, !=, SW_TIMELINE_OPEN);

  sw_timeline_model_set_running (f->model, FALSE);
  g_assert_cmpint (sw_timeline_model_get_end_ns (f->model), >=, span->end_ns);
}

static void
test_errors_waits_and_logs (Fixture       *f,
                            gconstpointer  data)
{
  const SwTimelineLane *main_lane, *worker;

  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_WAIT_BEGIN, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_ERROR, 0, 1,
                           sw_trace_intern (f->trace, "boom"));
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_WAIT_END, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_LOG, 0, 0,
                           sw_trace_intern (f->trace, "main: task 1 failed: boom"));
  /* A task cancelled before it ran never gets a bar. */
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 2, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_CANCEL, 0, 2, 0);
  sw_timeline_model_update (f->model);

  main_lane = lane_named (f, "main");
  worker = lane_named (f, "worker-1");
  g_assert_cmpuint (g_array_index (worker->tasks, SwTimelineSpan, 0).state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_cmpuint (main_lane->waits->len, ==, 1);
  g_assert_cmpint (g_array_index (main_lane->waits, SwTimelineSpan, 0).end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_cmpuint (sw_timeline_model_get_n_waits (f->model), ==, 1);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (f->model), ==, 1);
  g_assert_cmpuint (sw_timeline_model_get_n_submits (f->model), ==, 2);
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (f->model), ==, 1);
  g_assert_cmpstr (sw_timeline_model_get_log_line (f->model, 0), ==, "main: task 1 failed: boom");
  g_assert_null (sw_timeline_model_get_task_label (f->model, 1));
}

typedef struct {
  SwTrace *trace;
  guint    n_tasks;
} ProducerData;

static gpointer
producer_thread (gpointer data)
{
  ProducerData *p = data;

  sw_trace_name_thread (p->trace, "producer");
  for (guint i = 0; i < p->n_tasks; i++)
    {
      sw_trace_record (p->trace, SW_EVENT_TASK_SUBMIT, 0, 1000 + i, 0);
      sw_trace_record (p->trace, SW_EVENT_TASK_START, 0, 1000 + i, 0);
      sw_trace_record (p->trace, SW_EVENT_TASK_END, 0, 1000 + i, 0);
    }

  return NULL;
}

/* Many more events than one drain batch, written while the model reads:
 * nothing lost, nothing counted twice, spans all closed at the end. */
static void
test_drains_concurrent_producer (Fixture       *f,
                                 gconstpointer  data)
{
  ProducerData p = { f->trace, 20000 };
  const SwTimelineLane *lane;
  GThread *thread;

  thread = g_thread_new ("producer", producer_thread, &p);
  sw_timeline_model_set_running (f->model, TRUE);
  for (guint spins = 0; spins < 1000 && sw_timeline_model_get_n_spans (f->model) < p.n_tasks; spins++)
    {
      sw_timeline_model_update (f->model);
      g_usleep (1000);
    }
  g_thread_join (thread);
  sw_timeline_model_drain_all (f->model);
  sw_timeline_model_set_running (f->model, FALSE);

  g_assert_cmpuint (sw_timeline_model_get_n_events (f->model), ==, 3 * p.n_tasks);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (f->model), ==, p.n_tasks);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (f->model), ==, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_submits (f->model), ==, p.n_tasks);

  lane = lane_named (f, "producer");
  g_assert_cmpuint (lane->tasks->len, ==, p.n_tasks);
  /* Sorted by start and by end: what the drawing's binary search needs. */
  for (guint i = 1; i < lane->tasks->len; i++)
    {
      const SwTimelineSpan *a = &g_array_index (lane->tasks, SwTimelineSpan, i - 1);
      const SwTimelineSpan *b = &g_array_index (lane->tasks, SwTimelineSpan, i);

      g_assert_cmpint (a->start_ns, <=, b->start_ns);
      g_assert_cmpint (a->end_ns, <=, b->end_ns);
    }
}

typedef struct {
  Fixture *f;
  GMutex   mutex;
  GCond    cond;
  guint    step;   /* guarded by mutex: 1 = buffer made, 2 = "first" logged */
} LogOrder;

static gpointer
log_second_worker (gpointer data)
{
  LogOrder *o = data;

  /* This thread's buffer is made first, so a drain visits it first… */
  sw_trace_record (o->f->trace, SW_EVENT_COUNTER, 0, 0, 0);
  g_mutex_lock (&o->mutex);
  o->step = 1;
  g_cond_broadcast (&o->cond);
  while (o->step < 2)
    g_cond_wait (&o->cond, &o->mutex);
  g_mutex_unlock (&o->mutex);
  /* …but its line comes after the other thread's. */
  sw_trace_log (o->f->trace, "second");
  return NULL;
}

static void
test_log_lines_in_time_order (Fixture       *f,
                              gconstpointer  data)
{
  LogOrder o = { f };
  GThread *thread;

  g_mutex_init (&o.mutex);
  g_cond_init (&o.cond);
  thread = g_thread_new ("early-buffer", log_second_worker, &o);
  g_mutex_lock (&o.mutex);
  while (o.step < 1)
    g_cond_wait (&o.cond, &o.mutex);
  sw_trace_log (f->trace, "first");
  o.step = 2;
  g_cond_broadcast (&o.cond);
  g_mutex_unlock (&o.mutex);
  g_thread_join (thread);

  sw_timeline_model_drain_all (f->model);
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (f->model), ==, 2);
  g_assert_cmpstr (sw_timeline_model_get_log_line (f->model, 0), ==, "first");
  g_assert_cmpstr (sw_timeline_model_get_log_line (f->model, 1), ==, "second");
  g_mutex_clear (&o.mutex);
  g_cond_clear (&o.cond);
}

static void
assert_span_closed (const SwTimelineSpan *span)
{
  g_assert_cmpint (span->end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_cmpint (span->end_ns, >=, span->start_ns);
}

/* gevent's picture by hand: main spawns two coroutines and joins them;
 * co-1 sleeps, co-2 sleeps, main waits, co-1 exits, co-2 fails.  Every
 * switch becomes an arrow, every give-up a waiting segment with why. */
static void
test_coroutine_segments_and_switches (Fixture       *f,
                                      gconstpointer  data)
{
  guint32 co1 = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "co-1", getpid (), 1001, f->main_lane);
  guint32 co2 = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "co-2", getpid (), 1001, f->main_lane);
  guint32 co3 = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "co-3", getpid (), 1001, f->main_lane);
  const SwTimelineLane *main_lane, *l1, *l2, *l3;
  const SwTimelineSwitch *sw;

  /* This thread records for the lanes above: keep it off the timeline. */
  sw_trace_name_helper_thread (f->trace, "recorder");
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_CO_SPAWN, 0, co1, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_CO_SPAWN, 0, co2, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN, co1, 0);
  sw_trace_record_on_lane (f->trace, co1, SW_EVENT_LOG, 0, 0, sw_trace_intern (f->trace, "co-1 play 1"));
  sw_trace_record_on_lane (f->trace, co1, SW_EVENT_CO_SWITCH, SW_SWITCH_SLEEP, co2, 0);
  sw_trace_record_on_lane (f->trace, co2, SW_EVENT_CO_SWITCH, SW_SWITCH_SLEEP, f->main_lane, 0);
  sw_timeline_model_update (f->model);

  /* Half way: co-1 and co-2 wait (open), main runs again. */
  l1 = sw_timeline_model_find_lane (f->model, co1);
  l2 = sw_timeline_model_find_lane (f->model, co2);
  g_assert_nonnull (l1);
  g_assert_nonnull (l2);
  g_assert_cmpuint (l1->running->len, ==, 1);
  assert_span_closed (&g_array_index (l1->running, SwTimelineSpan, 0));
  g_assert_cmpint (l1->open_waiting, ==, 0);
  g_assert_cmpint (g_array_index (waiting_of (f, l1), SwTimelineSpan, 0).end_ns, ==, SW_TIMELINE_OPEN);
  g_assert_cmpuint (g_array_index (waiting_of (f, l1), SwTimelineSpan, 0).reason, ==, SW_SWITCH_SLEEP);
  g_assert_cmpuint (l2->running->len, ==, 1);
  g_assert_cmpuint (waiting_of (f, l2)->len, ==, 1);
  g_assert_cmpuint (sw_timeline_model_get_n_switches (f->model), ==, 3);

  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN, co1, 0);
  sw_trace_record_on_lane (f->trace, co1, SW_EVENT_CO_EXIT, 0, co1, 0);
  sw_trace_record_on_lane (f->trace, co1, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, co2, 0);
  sw_trace_record_on_lane (f->trace, co2, SW_EVENT_CO_EXIT, SW_EVENT_FLAG_FAILED, co2, 0);
  sw_trace_record_on_lane (f->trace, co2, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, f->main_lane, 0);
  /* A first run whose switch was not recorded starts at its first event. */
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_CO_SPAWN, 0, co3, 0);
  sw_trace_record_on_lane (f->trace, co3, SW_EVENT_LOG, 0, 0, sw_trace_intern (f->trace, "co-3 runs"));
  sw_timeline_model_update (f->model);

  /* Rows: main, its coroutines, then the other thread. */
  g_assert_cmpuint (sw_timeline_model_get_n_lanes (f->model), ==, 5);
  g_assert_cmpuint (sw_timeline_model_get_n_coroutine_lanes (f->model), ==, 3);
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 0)->name, ==, "main");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 1)->name, ==, "co-1");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 2)->name, ==, "co-2");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 3)->name, ==, "co-3");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 4)->name, ==, "worker-1");
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (sw_timeline_model_get_lane (f->model, i)->index, ==, i);

  /* co-1: ran twice, slept once in between, ended. */
  g_assert_true (l1->exited);
  g_assert_cmpuint (l1->running->len, ==, 2);
  g_assert_cmpuint (waiting_of (f, l1)->len, ==, 1);
  assert_span_closed (&g_array_index (l1->running, SwTimelineSpan, 1));
  assert_span_closed (&g_array_index (waiting_of (f, l1), SwTimelineSpan, 0));
  g_assert_cmpint (g_array_index (waiting_of (f, l1), SwTimelineSpan, 0).end_ns, ==,
                   g_array_index (l1->running, SwTimelineSpan, 1).start_ns);
  g_assert_cmpuint (g_array_index (l1->running, SwTimelineSpan, 1).state, ==, SW_TIMELINE_SPAN_OK);

  /* co-2: the same, and its last run is marked failed. */
  g_assert_true (l2->exited);
  g_assert_cmpuint (l2->running->len, ==, 2);
  g_assert_cmpuint (waiting_of (f, l2)->len, ==, 1);
  g_assert_cmpuint (g_array_index (l2->running, SwTimelineSpan, 1).state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_cmpint (l2->open_running, ==, -1);
  g_assert_cmpint (l2->open_waiting, ==, -1);

  /* co-3 runs, though nobody recorded switching to it. */
  l3 = sw_timeline_model_find_lane (f->model, co3);
  g_assert_cmpuint (l3->running->len, ==, 1);
  g_assert_cmpint (g_array_index (l3->running, SwTimelineSpan, 0).end_ns, ==, SW_TIMELINE_OPEN);
  g_assert_cmpuint (waiting_of (f, l3)->len, ==, 0);

  /* main's own code waited in join while its coroutines ran. */
  main_lane = lane_named (f, "main");
  g_assert_cmpuint (waiting_of (f, main_lane)->len, ==, 2);
  for (guint i = 0; i < waiting_of (f, main_lane)->len; i++)
    {
      assert_span_closed (&g_array_index (waiting_of (f, main_lane), SwTimelineSpan, i));
      g_assert_cmpuint (g_array_index (waiting_of (f, main_lane), SwTimelineSpan, i).reason, ==, SW_SWITCH_JOIN);
    }
  g_assert_cmpstr (sw_switch_reason_to_string (SW_SWITCH_JOIN), ==, "join");
  g_assert_cmpstr (sw_switch_reason_to_string (SW_SWITCH_SLEEP), ==, "sleep");

  /* Arrows, kept on the lane that gave the thread up. */
  g_assert_cmpuint (sw_timeline_model_get_n_switches (f->model), ==, 6);
  g_assert_cmpuint (main_lane->switches->len, ==, 2);
  g_assert_cmpuint (l1->switches->len, ==, 2);
  g_assert_cmpuint (l2->switches->len, ==, 2);
  sw = &g_array_index (l1->switches, SwTimelineSwitch, 0);
  g_assert_cmpuint (sw->to_lane, ==, co2);
  g_assert_cmpuint (sw->reason, ==, SW_SWITCH_SLEEP);
  sw = &g_array_index (l1->switches, SwTimelineSwitch, 1);
  g_assert_cmpuint (sw->to_lane, ==, co2);
  g_assert_cmpuint (sw->reason, ==, SW_SWITCH_EXIT);
  sw = &g_array_index (l2->switches, SwTimelineSwitch, 1);
  g_assert_cmpuint (sw->to_lane, ==, f->main_lane);
  g_assert_cmpint (sw->time_ns, >=, g_array_index (l1->switches, SwTimelineSwitch, 1).time_ns);
}

/* Many switches: every segment ends where the next begins, all sorted
 * by start and by end, as the drawing's binary search needs. */
static void
test_coroutine_many_switches_sorted (Fixture       *f,
                                     gconstpointer  data)
{
  guint32 a = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "a", getpid (), 1002, f->worker_lane);
  guint32 b = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "b", getpid (), 1002, f->worker_lane);
  const SwTimelineLane *la, *lb;
  const guint n = 10000;

  sw_trace_name_helper_thread (f->trace, "recorder");
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN, a, 0);
  for (guint i = 0; i < n; i++)
    {
      sw_trace_record_on_lane (f->trace, a, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, b, 0);
      sw_trace_record_on_lane (f->trace, b, SW_EVENT_CO_SWITCH, SW_SWITCH_RECV, a, 0);
    }
  sw_timeline_model_drain_all (f->model);

  /* The worker thread's row comes before its coroutines, after main. */
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 0)->name, ==, "main");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 1)->name, ==, "worker-1");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 2)->name, ==, "a");
  g_assert_cmpstr (sw_timeline_model_get_lane (f->model, 3)->name, ==, "b");

  g_assert_cmpuint (sw_timeline_model_get_n_switches (f->model), ==, 2 * n + 1);
  la = sw_timeline_model_find_lane (f->model, a);
  lb = sw_timeline_model_find_lane (f->model, b);
  g_assert_cmpuint (la->running->len, ==, n + 1);
  g_assert_cmpuint (waiting_of (f, la)->len, ==, n);
  g_assert_cmpuint (lb->running->len, ==, n);
  g_assert_cmpuint (waiting_of (f, lb)->len, ==, n);
  g_assert_cmpuint (g_array_index (waiting_of (f, lb), SwTimelineSpan, 0).reason, ==, SW_SWITCH_RECV);
  g_assert_cmpuint (g_array_index (waiting_of (f, la), SwTimelineSpan, n - 1).reason, ==, SW_SWITCH_YIELD);

  {
    GArray *arrays[] = { la->running, waiting_of (f, la), lb->running, waiting_of (f, lb) };

    for (guint j = 0; j < G_N_ELEMENTS (arrays); j++)
      for (guint i = 1; i < arrays[j]->len; i++)
        {
          const SwTimelineSpan *p = &g_array_index (arrays[j], SwTimelineSpan, i - 1);
          const SwTimelineSpan *q = &g_array_index (arrays[j], SwTimelineSpan, i);

          g_assert_cmpint (p->start_ns, <=, q->start_ns);
          g_assert_cmpint (p->end_ns, <=, q->end_ns);
        }
  }
}

/* More coroutines under one thread than the threshold: they fold into one
 * aggregate row under the thread (rows, not lanes, are what is drawn);
 * expanded, each gets its row back.  The aggregate counts how many were
 * alive and how many ran in a time range. */
static void
test_aggregate_folds_coroutines (Fixture       *f,
                                 gconstpointer  data)
{
  const guint n = SW_TIMELINE_AGGREGATE_THRESHOLD + 50;
  g_autofree guint32 *co = g_new (guint32, n);
  const SwTimelineLane *worker, *first, *last;
  const SwTimelineRow *row;
  guint running, live;
  gint64 t_end;

  sw_trace_name_helper_thread (f->trace, "recorder");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("conn %u", i);

      co[i] = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, name, getpid (), 1002, f->worker_lane);
      /* The threshold itself does not fold. */
      if (i + 1 == SW_TIMELINE_AGGREGATE_THRESHOLD)
        {
          sw_timeline_model_update (f->model);
          g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 3 + SW_TIMELINE_AGGREGATE_THRESHOLD);
          g_assert_cmpuint (sw_timeline_model_get_n_aggregated (f->model, f->worker_lane), ==, 0);
        }
    }
  sw_timeline_model_update (f->model);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 4);
  g_assert_cmpuint (sw_timeline_model_get_n_aggregated (f->model, f->worker_lane), ==, n);

  /* Every coroutine spawned, run once and back to the thread; the first
   * half ends. */
  for (guint i = 0; i < n; i++)
    sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_CO_SPAWN, 0, co[i], 0);
  for (guint i = 0; i < n; i++)
    {
      sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_CO_SWITCH, SW_SWITCH_WAIT, co[i], 0);
      if (i < n / 2)
        sw_trace_record_on_lane (f->trace, co[i], SW_EVENT_CO_EXIT, 0, co[i], 0);
      sw_trace_record_on_lane (f->trace, co[i], SW_EVENT_CO_SWITCH,
                               i < n / 2 ? SW_SWITCH_EXIT : SW_SWITCH_RECV, f->worker_lane, 0);
    }
  sw_timeline_model_drain_all (f->model);

  /* The process's header, main, worker-1, the aggregate. */
  worker = lane_named (f, "worker-1");
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 4);
  row = sw_timeline_model_get_row (f->model, 0);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_PROCESS);
  g_assert_cmpint (row->process->pid, ==, getpid ());
  row = sw_timeline_model_get_row (f->model, 1);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_LANE);
  g_assert_cmpstr (row->lane->name, ==, "main");
  row = sw_timeline_model_get_row (f->model, 2);
  g_assert_true (row->lane == worker);
  g_assert_cmpuint (worker->row, ==, 2);
  row = sw_timeline_model_get_row (f->model, 3);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_AGGREGATE);
  g_assert_true (row->lane == worker);
  g_assert_cmpuint (row->thread, ==, f->worker_lane);
  first = sw_timeline_model_find_lane (f->model, co[0]);
  last = sw_timeline_model_find_lane (f->model, co[n - 1]);
  g_assert_cmpuint (first->row, ==, 3);
  g_assert_cmpuint (last->row, ==, 3);
  g_assert_cmpuint (sw_timeline_model_get_aggregate_max_live (f->model, f->worker_lane), ==, n);

  /* Over the whole run: all were alive, and they ran.  After the end: the
   * second half is still alive (waiting), nobody runs. */
  t_end = sw_timeline_model_get_end_ns (f->model);
  sw_timeline_model_query_aggregate (f->model, f->worker_lane, 0, t_end + 1, &running, &live);
  g_assert_cmpuint (live, ==, n);
  /* Read from buckets no wider than the range: how many fall in one
   * depends on this machine's speed, not all of them need to. */
  g_assert_cmpuint (running, >, 0);
  g_assert_cmpuint (running, <=, n);
  sw_timeline_model_query_aggregate (f->model, f->worker_lane, t_end + 1, t_end + 2, &running, &live);
  g_assert_cmpuint (live, ==, n - n / 2);
  g_assert_cmpuint (running, ==, 0);
  /* A column within one run: exactly that one ran. */
  {
    const SwTimelineSpan *run = &g_array_index (last->running, SwTimelineSpan, 0);

    if (run->end_ns - run->start_ns >= 3)
      {
        sw_timeline_model_query_aggregate (f->model, f->worker_lane, run->start_ns + 1, run->end_ns - 1,
                                           &running, &live);
        g_assert_cmpuint (running, ==, 1);
      }
  }

  /* Expanded: the thread, the aggregate as a header, then every lane. */
  sw_timeline_model_set_expanded (f->model, f->worker_lane, TRUE);
  g_assert_true (sw_timeline_model_get_expanded (f->model, f->worker_lane));
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 4 + n);
  g_assert_cmpuint (first->row, ==, 4);
  g_assert_cmpuint (last->row, ==, 3 + n);
  row = sw_timeline_model_get_row (f->model, 4);
  g_assert_true (row->lane == first);
  sw_timeline_model_set_expanded (f->model, f->worker_lane, FALSE);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 4);
  g_assert_cmpuint (last->row, ==, 3);
}

/* COUNTER events: one series per name, samples by time, max and latest
 * value; rows after the last lane of their process. */
static void
test_counters (Fixture       *f,
               gconstpointer  data)
{
  guint64 connections = sw_trace_intern (f->trace, "connections");
  guint64 msgs = sw_trace_intern (f->trace, "msgs/s");
  const SwTimelineCounter *c, *m;
  const SwTimelineRow *row;
  static const guint64 values[] = { 1, 2, 3, 2, 5, 4 };
  double v, lo, hi;

  sw_trace_name_helper_thread (f->trace, "recorder");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_COUNTER, 0, connections, values[i]);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_COUNTER, 0, msgs, 100);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_COUNTER, 0, msgs, 70);
  /* Nameless: ignored. */
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_COUNTER, 0, 0, 9);
  sw_timeline_model_update (f->model);

  g_assert_cmpuint (sw_timeline_model_get_n_counters (f->model), ==, 2);
  c = sw_timeline_model_find_counter (f->model, "connections");
  m = sw_timeline_model_find_counter (f->model, "msgs/s");
  g_assert_nonnull (c);
  g_assert_nonnull (m);
  g_assert_null (sw_timeline_model_find_counter (f->model, ""));
  g_assert_true (sw_timeline_model_get_counter (f->model, 0) == c);
  g_assert_cmpint (c->pid, ==, getpid ());

  g_assert_cmpuint (c->samples->len, ==, G_N_ELEMENTS (values));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (g_array_index (c->samples, SwTimelineSample, i).value, ==, (double) values[i]);
  for (guint i = 1; i < c->samples->len; i++)
    g_assert_cmpint (g_array_index (c->samples, SwTimelineSample, i - 1).time_ns, <=,
                     g_array_index (c->samples, SwTimelineSample, i).time_ns);
  g_assert_cmpfloat (c->max, ==, 5.0);
  g_assert_cmpfloat (c->last, ==, 4.0);
  g_assert_cmpuint (m->samples->len, ==, 2);
  g_assert_cmpfloat (m->max, ==, 100.0);
  g_assert_cmpfloat (m->last, ==, 70.0);

  /* Values in time: before the first sample there is none. */
  g_assert_false (sw_timeline_counter_value_at (c, g_array_index (c->samples, SwTimelineSample, 0).time_ns - 1, &v));
  g_assert_true (sw_timeline_counter_value_at (c, g_array_index (c->samples, SwTimelineSample, 2).time_ns, &v));
  g_assert_cmpfloat (v, ==, 3.0);
  g_assert_true (sw_timeline_counter_get_range (c, 0, G_MAXINT64, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 1.0);
  g_assert_cmpfloat (hi, ==, 5.0);

  /* Rows: the process's header, main, worker-1, then its counters. */
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 5);
  row = sw_timeline_model_get_row (f->model, 3);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_COUNTER);
  g_assert_true (row->counter == c);
  row = sw_timeline_model_get_row (f->model, 4);
  g_assert_true (row->counter == m);
}

/* Many samples: the min/max of any range, read through the levels, is
 * that of the samples themselves. */
static void
test_counter_range_levels (Fixture       *f,
                           gconstpointer  data)
{
  guint64 name = sw_trace_intern (f->trace, "switches/s");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const SwTimelineCounter *c;
  const guint n = 20000;

  sw_trace_name_helper_thread (f->trace, "recorder");
  for (guint i = 0; i < n; i++)
    sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_COUNTER, 0, name,
                             g_rand_int_range (rand, 0, 1000000));
  sw_timeline_model_drain_all (f->model);
  c = sw_timeline_model_find_counter (f->model, "switches/s");
  g_assert_cmpuint (c->samples->len, ==, n);

  for (guint k = 0; k < 200; k++)
    {
      guint a = g_rand_int_range (rand, 0, n);
      guint b = g_rand_int_range (rand, a, n) + 1;
      gint64 t0 = g_array_index (c->samples, SwTimelineSample, a).time_ns;
      gint64 t1 = b < n ? g_array_index (c->samples, SwTimelineSample, b).time_ns : G_MAXINT64;
      double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, got_lo, got_hi;

      /* Samples may share a time: the range is by time, not index. */
      for (guint i = 0; i < n; i++)
        {
          const SwTimelineSample *s = &g_array_index (c->samples, SwTimelineSample, i);

          if (s->time_ns >= t0 && s->time_ns < t1)
            {
              lo = MIN (lo, s->value);
              hi = MAX (hi, s->value);
            }
        }
      if (lo > hi)
        {
          g_assert_false (sw_timeline_counter_get_range (c, t0, t1, &got_lo, &got_hi));
          continue;
        }
      g_assert_true (sw_timeline_counter_get_range (c, t0, t1, &got_lo, &got_hi));
      g_assert_cmpfloat (got_lo, ==, lo);
      g_assert_cmpfloat (got_hi, ==, hi);
    }
}

/* Readings of a thread's OS context switches arrive from the thread and
 * from the sampler, so one may come after a later one: the model keeps
 * them in time order with running totals, and counts any time range
 * exactly.  Log lines sit on the lane that logged them. */
static void
test_ctx_switches_and_logs_per_lane (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(SwTraceImporter) importer = sw_trace_importer_new (f->trace, sw_trace_get_process_lane (f->trace));
  SwLane foreign = { .id = 7, .kind = SW_LANE_THREAD, .name = "sampled", .pid = getpid (), .tid = 4242 };
  gint64 origin = sw_trace_get_origin_ns (f->trace);
  /* (time after origin in µs, voluntary, involuntary); the third is late. */
  const struct { gint64 us; guint32 v, i; } readings[] = {
    { 100, 2, 0 }, { 300, 1, 1 }, { 200, 4, 0 }, { 400, 0, 3 },
  };
  SwEvent events[G_N_ELEMENTS (readings) + 1];
  const SwTimelineLane *lane;
  const SwTimelineCtxSample *samples;
  guint v, i;

  sw_trace_importer_add_lane (importer, &foreign);
  sw_trace_importer_add_string (importer, 1, "hello from the sampled thread");
  for (guint k = 0; k < G_N_ELEMENTS (readings); k++)
    events[k] = (SwEvent) { (guint64) (origin + readings[k].us * 1000), 7, SW_EVENT_CTX_SWITCHES, 0, 0,
                            sw_ctx_switches_pack (readings[k].v, readings[k].i) };
  events[G_N_ELEMENTS (readings)] = (SwEvent) { (guint64) (origin + 250 * 1000), 7, SW_EVENT_LOG, 0, 0, 1 };
  sw_trace_importer_add_events (importer, events, G_N_ELEMENTS (events));
  sw_timeline_model_update (f->model);

  lane = lane_named (f, "sampled");
  g_assert_cmpuint (lane->ctx_samples->len, ==, 4);
  samples = (const SwTimelineCtxSample *) (gpointer) lane->ctx_samples->data;
  for (guint k = 1; k < lane->ctx_samples->len; k++)
    g_assert_cmpint (samples[k - 1].time_ns, <, samples[k].time_ns);
  /* Running totals, in time order: 2, 6, 7, 7 blocked; 0, 0, 1, 4 preempted. */
  g_assert_cmpuint (samples[1].voluntary, ==, 6);
  g_assert_cmpuint (samples[3].voluntary, ==, 7);
  g_assert_cmpuint (samples[3].involuntary, ==, 4);
  g_assert_cmpuint (lane->ctx_voluntary, ==, 7);

  /* (150 µs, 350 µs] holds the readings at 200 and 300. */
  sw_timeline_lane_count_ctx_switches (lane, 150 * 1000, 350 * 1000, &v, &i);
  g_assert_cmpuint (v, ==, 5);
  g_assert_cmpuint (i, ==, 1);
  /* A reading exactly at the end counts; one exactly at the start does not. */
  sw_timeline_lane_count_ctx_switches (lane, 100 * 1000, 200 * 1000, &v, &i);
  g_assert_cmpuint (v, ==, 4);
  sw_timeline_lane_count_ctx_switches (lane, 0, 50 * 1000, &v, &i);
  g_assert_cmpuint (v + i, ==, 0);

  g_assert_cmpuint (lane->logs->len, ==, 1);
  g_assert_cmpint (g_array_index (lane->logs, SwTimelineMark, 0).time_ns, ==, 250 * 1000);
  g_assert_cmpstr (sw_timeline_model_lookup_string (f->model, g_array_index (lane->logs, SwTimelineMark, 0).object),
                   ==, "hello from the sampled thread");
  /* The lanes that logged nothing have no flags. */
  g_assert_cmpuint (lane_named (f, "main")->logs->len, ==, 0);
}

/* A task's chain: where it was submitted and when, where it ran, how it
 * ended; a callback run elsewhere (a process pool's manager) finds the
 * task it follows through it. */
static void
test_task_chain (Fixture       *f,
                 gconstpointer  data)
{
  guint64 label = sw_trace_intern (f->trace, "page 4");
  guint32 manager = sw_trace_register_lane (f->trace, SW_LANE_THREAD, "manager", getpid (), 1003,
                                            sw_trace_get_process_lane (f->trace));
  const SwTimelineLane *main_lane, *worker, *manager_lane;
  const SwTimelineSpan *callback;
  SwTimelineTask task;

  g_assert_false (sw_timeline_model_get_task (f->model, 4, &task));

  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 4, label);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 4, 0);
  sw_timeline_model_update (f->model);
  main_lane = lane_named (f, "main");
  worker = lane_named (f, "worker-1");

  g_assert_true (sw_timeline_model_get_task (f->model, 4, &task));
  g_assert_true (task.submit_lane == main_lane);
  g_assert_cmpint (task.submit_ns, ==, g_array_index (main_lane->submits, SwTimelineMark, 0).time_ns);
  g_assert_true (task.run_lane == worker);
  g_assert_true (task.span == &g_array_index (worker->tasks, SwTimelineSpan, 0));
  /* The queue wait: from the submit to the start, never backwards. */
  g_assert_cmpint (task.span->start_ns, >=, task.submit_ns);
  g_assert_cmpint (task.end_ns, ==, SW_TIMELINE_OPEN);
  /* The bar carries the label's hue. */
  g_assert_cmpuint (task.hue, ==, sw_timeline_task_hue ("page 4"));
  g_assert_cmpuint (task.span->reason, ==, 1 + task.hue);

  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_END, 0, 4, 0);
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_CALLBACK_BEGIN, 0, 4, 0);
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_CALLBACK_END, 0, 4, 0);
  sw_timeline_model_update (f->model);

  manager_lane = lane_named (f, "manager");
  g_assert_cmpuint (manager_lane->callbacks->len, ==, 1);
  callback = &g_array_index (manager_lane->callbacks, SwTimelineSpan, 0);
  g_assert_true (sw_timeline_model_get_task (f->model, callback->object, &task));
  g_assert_true (task.run_lane == worker);
  g_assert_cmpuint (task.state, ==, SW_TIMELINE_SPAN_OK);
  g_assert_cmpint (task.end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_cmpint (task.end_ns, <=, callback->start_ns);
  g_assert_cmpint (task.end_ns, ==, g_array_index (worker->tasks, SwTimelineSpan, 0).end_ns);

  /* A worker process's start may be drained before the submit that
   * names it: the bar gets its hue when the name comes. */
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 5, 0);
  sw_timeline_model_update (f->model);
  g_assert_cmpuint (g_array_index (worker->tasks, SwTimelineSpan, 1).reason, ==, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 5,
                           sw_trace_intern (f->trace, "page 5"));
  sw_timeline_model_update (f->model);
  g_assert_cmpuint (g_array_index (worker->tasks, SwTimelineSpan, 1).reason, ==,
                    1 + sw_timeline_task_hue ("page 5"));
  g_assert_true (sw_timeline_model_get_task (f->model, 5, &task));
  g_assert_true (task.submit_lane == main_lane);
}

/* Failed and cancelled: a bar that ran ends in that state; a task that
 * never ran gets a mark on the lane that submitted it, at the time it
 * was given up, whichever lane recorded that. */
static void
test_failed_and_cancelled (Fixture       *f,
                           gconstpointer  data)
{
  guint32 manager = sw_trace_register_lane (f->trace, SW_LANE_THREAD, "manager", getpid (), 1003,
                                            sw_trace_get_process_lane (f->trace));
  const SwTimelineLane *main_lane, *worker, *manager_lane;
  SwTimelineTask task;

  for (guint64 id = 1; id <= 4; id++)
    sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, id, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 2, 0);
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_ERROR, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_CANCEL, 0, 2, 0);
  /* 3 fails in the queue (the pool broke), 4 is cancelled there. */
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_ERROR, 0, 3, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_CANCEL, 0, 4, 0);
  /* A second end changes nothing. */
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_END, 0, 1, 0);
  sw_timeline_model_update (f->model);

  main_lane = lane_named (f, "main");
  worker = lane_named (f, "worker-1");
  manager_lane = lane_named (f, "manager");
  g_assert_cmpuint (worker->tasks->len, ==, 2);
  g_assert_cmpuint (g_array_index (worker->tasks, SwTimelineSpan, 0).state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_cmpuint (g_array_index (worker->tasks, SwTimelineSpan, 1).state, ==, SW_TIMELINE_SPAN_CANCELLED);
  g_assert_true (sw_timeline_model_get_task (f->model, 1, &task));
  g_assert_cmpuint (task.state, ==, SW_TIMELINE_SPAN_FAILED);

  g_assert_cmpuint (main_lane->never_ran->len, ==, 2);
  g_assert_cmpuint (manager_lane->never_ran->len, ==, 0);
  g_assert_cmpuint (worker->never_ran->len, ==, 0);
  g_assert_cmpuint (g_array_index (main_lane->never_ran, SwTimelineMark, 0).object, ==, 3);
  g_assert_cmpuint (g_array_index (main_lane->never_ran, SwTimelineMark, 1).object, ==, 4);
  g_assert_cmpint (g_array_index (main_lane->never_ran, SwTimelineMark, 0).time_ns, <=,
                   g_array_index (main_lane->never_ran, SwTimelineMark, 1).time_ns);
  g_assert_true (sw_timeline_model_get_task (f->model, 3, &task));
  g_assert_null (task.run_lane);
  g_assert_cmpuint (task.state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_true (sw_timeline_model_get_task (f->model, 4, &task));
  g_assert_cmpuint (task.state, ==, SW_TIMELINE_SPAN_CANCELLED);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (f->model), ==, 0);
}

/* Lanes group under their process: ours first (main first in it), then
 * each worker process under its pid, in the order they came; folding a
 * process hides its threads' rows and points them at its header. */
static void
test_processes_fold (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SwTraceImporter) importer = sw_trace_importer_new (f->trace, sw_trace_get_process_lane (f->trace));
  SwLane worker_process = { 1, SW_LANE_PROCESS, "switchyard-worker", 4242, 4242, 0 };
  SwLane worker_thread = { 2, SW_LANE_THREAD, "worker 1", 4242, 4242, 1 };
  const SwTimelineProcess *ours, *theirs;
  const SwTimelineLane *remote, *worker;
  const SwTimelineRow *row;

  sw_trace_importer_add_lane (importer, &worker_process);
  sw_trace_importer_add_lane (importer, &worker_thread);
  /* A thread of ours registered after the worker's still goes with ours. */
  sw_trace_register_lane (f->trace, SW_LANE_THREAD, "manager", getpid (), 1003,
                          sw_trace_get_process_lane (f->trace));
  sw_timeline_model_update (f->model);

  g_assert_cmpuint (sw_timeline_model_get_n_processes (f->model), ==, 2);
  ours = sw_timeline_model_get_process (f->model, 0);
  theirs = sw_timeline_model_get_process (f->model, 1);
  g_assert_true (sw_timeline_model_find_process (f->model, 4242) == theirs);
  g_assert_cmpint (ours->pid, ==, getpid ());
  g_assert_cmpuint (ours->n_lanes, ==, 3);
  g_assert_cmpstr (theirs->label, ==, "switchyard-worker · PID 4242");
  g_assert_cmpuint (theirs->n_lanes, ==, 1);

  /* ours, main, worker-1, manager; theirs, worker 1. */
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 6);
  row = sw_timeline_model_get_row (f->model, 0);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_PROCESS);
  g_assert_true (row->process == ours);
  g_assert_cmpstr (sw_timeline_model_get_row (f->model, 1)->lane->name, ==, "main");
  g_assert_cmpstr (sw_timeline_model_get_row (f->model, 3)->lane->name, ==, "manager");
  row = sw_timeline_model_get_row (f->model, 4);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_PROCESS);
  g_assert_true (row->process == theirs);
  g_assert_cmpuint (theirs->row, ==, 4);
  remote = lane_named (f, "worker 1");
  g_assert_cmpint (remote->pid, ==, 4242);
  /* Recorded live: a worker's lane says whose it is, ours need not. */
  g_assert_cmpstr (remote->label, ==, "worker 1 · PID 4242");
  g_assert_cmpstr (lane_named (f, "main")->label, ==, "main · TID 1001");
  g_assert_cmpuint (remote->row, ==, 5);
  g_assert_cmpuint (remote->index, ==, theirs->first_index);

  /* Folding ours: its three threads' rows go, their lanes point at its
   * header, the worker process moves up. */
  sw_timeline_model_set_process_expanded (f->model, getpid (), FALSE);
  g_assert_false (ours->expanded);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 3);
  worker = lane_named (f, "worker-1");
  g_assert_cmpuint (worker->row, ==, 0);
  g_assert_cmpuint (lane_named (f, "main")->row, ==, 0);
  g_assert_cmpuint (theirs->row, ==, 1);
  g_assert_cmpuint (remote->row, ==, 2);
  for (guint r = 0; r < sw_timeline_model_get_n_rows (f->model); r++)
    {
      row = sw_timeline_model_get_row (f->model, r);
      g_assert_false (row->kind == SW_TIMELINE_ROW_LANE && row->lane->pid == getpid ());
    }

  sw_timeline_model_set_process_expanded (f->model, getpid (), TRUE);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (f->model), ==, 6);
  g_assert_cmpuint (worker->row, ==, 2);
}

/* One hue per label, the same in every run; numbered labels walk the
 * hues so neighbours differ. */
static void
test_task_hues (void)
{
  guint a = sw_timeline_task_hue ("page 3");

  g_assert_cmpuint (a, <, SW_TIMELINE_N_HUES);
  g_assert_cmpuint (sw_timeline_task_hue ("page 3"), ==, a);
  g_assert_cmpuint (sw_timeline_task_hue ("page 4"), ==, (a + 1) % SW_TIMELINE_N_HUES);
  g_assert_cmpuint (sw_timeline_task_hue ("page 10"), ==, (a + 7) % SW_TIMELINE_N_HUES);
  g_assert_cmpuint (sw_timeline_task_hue ("download"), <, SW_TIMELINE_N_HUES);
  g_assert_cmpuint (sw_timeline_task_hue (""), <, SW_TIMELINE_N_HUES);
  g_assert_cmpuint (sw_timeline_task_hue (NULL), ==, 0);
}

/* A drain hands out each thread's events in order, not all in time order,
 * and a broken process pool's manager records the errors before it
 * imports its workers' starts: the chain comes out the same. */
static void
test_task_events_out_of_order (Fixture       *f,
                               gconstpointer  data)
{
  guint32 manager = sw_trace_register_lane (f->trace, SW_LANE_THREAD, "manager", getpid (), 1003,
                                            sw_trace_get_process_lane (f->trace));
  const SwTimelineLane *main_lane, *worker, *manager_lane;
  const SwTimelineSpan *span;
  SwTimelineTask task;

  /* 1: error, then submit, then start (it ran, and failed). */
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_ERROR, 0, 1, 0);
  /* 2: error, then submit, never started (failed in the queue). */
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_ERROR, 0, 2, 0);
  /* 3: end, then start, then submit (it ran, and ended well). */
  sw_trace_record_on_lane (f->trace, manager, SW_EVENT_TASK_END, 0, 3, 0);
  sw_timeline_model_update (f->model);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 2, 0);
  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 3, 0);
  sw_timeline_model_update (f->model);
  main_lane = lane_named (f, "main");
  manager_lane = lane_named (f, "manager");
  /* Both look as if they failed in the queue, for now, on main. */
  g_assert_cmpuint (main_lane->never_ran->len, ==, 2);
  g_assert_cmpuint (manager_lane->never_ran->len, ==, 0);

  sw_trace_record_on_lane (f->trace, f->worker_lane, SW_EVENT_TASK_START, 0, 1, 0);
  sw_trace_record_on_lane (f->trace, f->main_lane, SW_EVENT_TASK_SUBMIT, 0, 3, 0);
  sw_timeline_model_update (f->model);

  worker = lane_named (f, "worker-1");
  /* 1 ran after all: a closed, failed bar, and no mark. */
  g_assert_cmpuint (main_lane->never_ran->len, ==, 1);
  g_assert_cmpuint (g_array_index (main_lane->never_ran, SwTimelineMark, 0).object, ==, 2);
  g_assert_cmpuint (worker->tasks->len, ==, 2);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (f->model), ==, 0);
  span = &g_array_index (worker->tasks, SwTimelineSpan, 0);
  g_assert_cmpuint (span->object, ==, 3);
  g_assert_cmpuint (span->state, ==, SW_TIMELINE_SPAN_OK);
  g_assert_cmpint (span->end_ns, !=, SW_TIMELINE_OPEN);
  span = &g_array_index (worker->tasks, SwTimelineSpan, 1);
  g_assert_cmpuint (span->object, ==, 1);
  g_assert_cmpuint (span->state, ==, SW_TIMELINE_SPAN_FAILED);
  g_assert_cmpint (span->end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_true (sw_timeline_model_get_task (f->model, 3, &task));
  g_assert_true (task.submit_lane == main_lane);
  g_assert_true (task.run_lane == worker);
}

/* A replay: the trace holds our process (no threads) and the file's.
 * The file's first process recorded it: its lanes read like ours would
 * (by TID), its workers' with their PID. */
static void
test_replay_labels (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTraceImporter) importer = sw_trace_importer_new (trace, 0);
  g_autoptr(SwTimelineModel) model = NULL;
  SwLane lanes[] = {
    { 1, SW_LANE_PROCESS, "switchyard", 4242, 4242, 0 },
    { 2, SW_LANE_PROCESS, "switchyard-worker", 4300, 4300, 1 },
    { 3, SW_LANE_THREAD, "main", 4242, 4242, 1 },
    { 4, SW_LANE_THREAD, "worker-1", 4242, 4244, 1 },
    { 5, SW_LANE_THREAD, "pool worker", 4300, 4300, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    sw_trace_importer_add_lane (importer, &lanes[i]);
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);

  g_assert_cmpstr (sw_timeline_model_find_lane_by_name (model, "main")->label, ==, "main · TID 4242");
  g_assert_cmpstr (sw_timeline_model_find_lane_by_name (model, "worker-1")->label, ==, "worker-1 · TID 4244");
  g_assert_cmpstr (sw_timeline_model_find_lane_by_name (model, "pool worker")->label, ==,
                   "pool worker · PID 4300");
}

/* Two coroutines taking turns: what one switch costs the model.  Each
 * is a run on the lane that gets the thread, a switch record (which is
 * also the giver's waiting segment) and two times in the aggregate: 56
 * bytes, under the 64 per event the timeline is allowed.  The counts
 * stay under powers of two, so arrays growing by doubling add little. */
static void
test_memory_per_switch (Fixture       *f,
                        gconstpointer  data)
{
  guint32 a = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "a", getpid (), 1002, f->worker_lane);
  guint32 b = sw_trace_register_lane (f->trace, SW_LANE_COROUTINE, "b", getpid (), 1002, f->worker_lane);
  const guint n = (1u << 17) - 64;
  const SwTimelineLane *la;
  double per_event;

  for (guint i = 0; i < n; i++)
    {
      sw_trace_record_on_lane (f->trace, a, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, b, 0);
      sw_trace_record_on_lane (f->trace, b, SW_EVENT_CO_SWITCH, SW_SWITCH_RECV, a, 0);
    }
  sw_timeline_model_drain_all (f->model);

  g_assert_cmpuint (sw_timeline_model_get_n_events (f->model), ==, 2 * n);
  la = sw_timeline_model_find_lane (f->model, a);
  g_assert_cmpuint (waiting_of (f, la)->len, ==, n);
  per_event = (double) sw_timeline_model_get_memory_size (f->model) /
              (double) sw_timeline_model_get_n_events (f->model);
  g_test_message ("%.1f bytes per event", per_event);
  g_assert_cmpfloat (per_event, <=, 64.0);
}

/* Waiting segments are read from the switches: ties of time (a trace
 * saved in µs) still end each at the run after it, not one before. */
static void
test_waiting_from_switches (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SwTraceImporter) importer = sw_trace_importer_new (f->trace, sw_trace_get_process_lane (f->trace));
  SwLane thread = { 1, SW_LANE_THREAD, "loop", 4242, 4242, 0 };
  SwLane co_a = { 2, SW_LANE_COROUTINE, "a", 4242, 4242, 1 };
  SwLane co_b = { 3, SW_LANE_COROUTINE, "b", 4242, 4242, 1 };
  gint64 origin = sw_trace_get_origin_ns (f->trace);
  const SwTimelineLane *a, *b;
  SwTimelineSpan span;
  SwTimelineHit hit;
  guint32 la, lb, lt;

  lt = sw_trace_importer_add_lane (importer, &thread);
  la = sw_trace_importer_add_lane (importer, &co_a);
  lb = sw_trace_importer_add_lane (importer, &co_b);
  {
    /* a logs and gives up at the same µs; b runs, a runs again at 3 µs,
     * then b exits while a waits on it, and a goes on waiting for ever.
     * (Objects are lane ids of this trace already.) */
    SwEvent events[] = {
      { origin + 1000, 2, SW_EVENT_LOG, 0, 0, 0 },
      { origin + 1000, 2, SW_EVENT_CO_SWITCH, SW_SWITCH_SEND, lb, 0 },
      { origin + 3000, 3, SW_EVENT_CO_SWITCH, SW_SWITCH_RECV, la, 0 },
      { origin + 5000, 2, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN, lb, 0 },
      { origin + 6000, 3, SW_EVENT_CO_EXIT, 0, lb, 0 },
      { origin + 6000, 3, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, lt, 0 },
    };

    sw_trace_importer_add_events (importer, events, G_N_ELEMENTS (events));
  }
  sw_timeline_model_drain_all (f->model);

  a = lane_named (f, "a");
  b = lane_named (f, "b");
  g_assert_cmpuint (a->running->len, ==, 2);
  g_assert_cmpint (g_array_index (a->running, SwTimelineSpan, 0).start_ns, ==, 1000);
  g_assert_cmpint (g_array_index (a->running, SwTimelineSpan, 0).end_ns, ==, 1000);

  /* a's first wait: 1 µs (not the empty run at 1 µs) to 3 µs, "send". */
  g_assert_true (sw_timeline_lane_get_waiting (a, 0, &span));
  g_assert_cmpint (span.start_ns, ==, 1000);
  g_assert_cmpint (span.end_ns, ==, 3000);
  g_assert_cmpuint (span.reason, ==, SW_SWITCH_SEND);
  g_assert_cmpuint (span.state, ==, SW_TIMELINE_SPAN_OK);
  /* Its second goes on: b exited, nobody gave a the thread back. */
  g_assert_true (sw_timeline_lane_get_waiting (a, 1, &span));
  g_assert_cmpint (span.start_ns, ==, 5000);
  g_assert_cmpint (span.end_ns, ==, SW_TIMELINE_OPEN);
  g_assert_cmpint (a->open_waiting, ==, 1);

  /* b waited 3 µs to 5 µs; its exit switch started no wait. */
  g_assert_cmpuint (b->switches->len, ==, 2);
  g_assert_true (sw_timeline_lane_get_waiting (b, 0, &span));
  g_assert_cmpint (span.end_ns, ==, 5000);
  g_assert_false (sw_timeline_lane_get_waiting (b, 1, &span));

  /* The searches the drawing uses. */
  g_assert_cmpuint (sw_timeline_lane_first_waiting_ending_after (a, 2000), ==, 0);
  g_assert_cmpuint (sw_timeline_lane_first_waiting_ending_after (a, 4000), ==, 1);
  g_assert_cmpuint (sw_timeline_lane_first_waiting_starting_after (a, 0, 1001), ==, 1);

  /* Clicking a's row at 2 µs selects that wait, with its reason. */
  g_assert_true (sw_timeline_hit_test (f->model, a, 2000, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CO_WAITING);
  g_assert_cmpuint (hit.index, ==, 0);
  g_assert_cmpint (hit.span.end_ns, ==, 3000);
  g_assert_cmpuint (hit.span.reason, ==, SW_SWITCH_SEND);
  /* Stepping from its start lands on b's wake-up wait after it. */
  g_assert_true (sw_timeline_hit_step (f->model, a, 1000, 1, &hit));
  g_assert_cmpint (hit.span.start_ns, ==, 3000);
  g_assert_true (sw_timeline_hit_step (f->model, a, 3000, 1, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_CO_WAITING);
  g_assert_cmpint (hit.span.start_ns, ==, 5000);
}

/* Lesson 4 run for real: main blocked in joinall([g1, g2, g3]) is one
 * wait on main's lane, a joinall, as long as the run: every run and
 * switch of its coroutines lies inside it, and main's event loop is
 * still there under it.  A click on main's row inside it finds it. */
static void
test_spawn_joinall_wait (void)
{
  const double scale = 0.05;
  const SwScenario *scenario = sw_scenario_lookup ("spawn-joinall", NULL);
  g_autoptr(SwParams) params = sw_params_new (scenario);
  g_autoptr(SwTrace) trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *assignment = g_strdup_printf ("scale=%g", scale);
  const SwTimelineLane *main_lane = NULL;
  const SwTimelineSpan *wait;
  SwTimelineHit hit;
  gint64 wall_ns, mid;
  guint n_coroutines = 0, n_loop_inside = 0;

  g_assert_true (sw_params_set_assignment (params, assignment, NULL));
  run = sw_scenario_run_new (scenario, params, trace);
  wall_ns = g_get_monotonic_time ();
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
  wall_ns = (g_get_monotonic_time () - wall_ns) * 1000;

  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);
  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (main_lane);
  g_assert_cmpint (main_lane->kind, ==, SW_LANE_THREAD);

  g_assert_cmpuint (main_lane->waits->len, ==, 1);
  g_assert_cmpuint (sw_timeline_model_get_n_waits (model), ==, 1);
  wait = &g_array_index (main_lane->waits, SwTimelineSpan, 0);
  g_assert_cmpint (wait->end_ns, !=, SW_TIMELINE_OPEN);
  g_assert_cmpuint (wait->reason, ==, SW_WAIT_JOINALL);
  g_assert_cmpstr (sw_wait_kind_to_string (wait->reason), ==, "joinall");
  g_assert_cmpuint (wait->object, ==, 0);
  /* About the run's length: the 5 s sleep (scaled), and no more than the
   * whole run took. */
  g_assert_cmpint (wait->end_ns - wait->start_ns, >=, (gint64) (5 * scale * 1e9));
  g_assert_cmpint (wait->end_ns - wait->start_ns, <=, wall_ns);

  for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);

      if (lane->kind != SW_LANE_COROUTINE || lane->parent != main_lane->id)
        continue;
      n_coroutines++;
      g_assert_cmpuint (lane->running->len, >, 0);
      for (guint k = 0; k < lane->running->len; k++)
        {
          const SwTimelineSpan *ran = &g_array_index (lane->running, SwTimelineSpan, k);

          g_assert_cmpint (ran->start_ns, >=, wait->start_ns);
          g_assert_cmpint (ran->end_ns, <=, wait->end_ns);
        }
      for (guint k = 0; k < lane->switches->len; k++)
        {
          gint64 at = g_array_index (lane->switches, SwTimelineSwitch, k).time_ns;

          g_assert_cmpint (at, >=, wait->start_ns);
          g_assert_cmpint (at, <=, wait->end_ns);
        }
    }
  g_assert_cmpuint (n_coroutines, ==, 3);

  /* Main ran its event loop while it waited (the hub, in gevent). */
  for (guint k = 0; k < main_lane->running->len; k++)
    {
      const SwTimelineSpan *loop = &g_array_index (main_lane->running, SwTimelineSpan, k);

      n_loop_inside += loop->start_ns >= wait->start_ns && loop->end_ns <= wait->end_ns;
    }
  g_assert_cmpuint (n_loop_inside, >, 0);

  mid = wait->start_ns + (wait->end_ns - wait->start_ns) / 2;
  g_assert_true (sw_timeline_hit_test (model, main_lane, mid, 0, &hit));
  g_assert_cmpint (hit.kind, ==, SW_TIMELINE_HIT_WAIT);
  g_assert_cmpuint (hit.span.reason, ==, SW_WAIT_JOINALL);
  g_assert_cmpint (hit.span.start_ns, ==, wait->start_ns);
  g_assert_cmpint (hit.span.end_ns, ==, wait->end_ns);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Sw/TimelineModel/lanes-from-trace", Fixture, NULL,
              fixture_set_up, test_lanes_from_trace, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/task-lifecycle", Fixture, NULL,
              fixture_set_up, test_task_lifecycle, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/errors-waits-and-logs", Fixture, NULL,
              fixture_set_up, test_errors_waits_and_logs, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/task-chain", Fixture, NULL,
              fixture_set_up, test_task_chain, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/failed-and-cancelled", Fixture, NULL,
              fixture_set_up, test_failed_and_cancelled, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/task-events-out-of-order", Fixture, NULL,
              fixture_set_up, test_task_events_out_of_order, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/processes-fold", Fixture, NULL,
              fixture_set_up, test_processes_fold, fixture_tear_down);
  g_test_add_func ("/Sw/TimelineModel/task-hues", test_task_hues);
  g_test_add ("/Sw/TimelineModel/drains-concurrent-producer", Fixture, NULL,
              fixture_set_up, test_drains_concurrent_producer, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/log-lines-in-time-order", Fixture, NULL,
              fixture_set_up, test_log_lines_in_time_order, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/coroutine-segments-and-switches", Fixture, NULL,
              fixture_set_up, test_coroutine_segments_and_switches, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/coroutine-many-switches-sorted", Fixture, NULL,
              fixture_set_up, test_coroutine_many_switches_sorted, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/aggregate-folds-coroutines", Fixture, NULL,
              fixture_set_up, test_aggregate_folds_coroutines, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/ctx-switches-and-logs-per-lane", Fixture, NULL,
              fixture_set_up, test_ctx_switches_and_logs_per_lane, fixture_tear_down);
  g_test_add_func ("/Sw/TimelineModel/replay-labels", test_replay_labels);
  g_test_add ("/Sw/TimelineModel/memory-per-switch", Fixture, NULL,
              fixture_set_up, test_memory_per_switch, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/waiting-from-switches", Fixture, NULL,
              fixture_set_up, test_waiting_from_switches, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/counters", Fixture, NULL,
              fixture_set_up, test_counters, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/counter-range-levels", Fixture, NULL,
              fixture_set_up, test_counter_range_levels, fixture_tear_down);
  g_test_add_func ("/Sw/TimelineModel/spawn-joinall-wait", test_spawn_joinall_wait);

  return g_test_run ();
}
