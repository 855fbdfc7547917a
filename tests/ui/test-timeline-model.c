/* test-timeline-model.c — events become lanes, spans and marks; no display */

#include "config.h"

#include <unistd.h>

#include "switchyard.h"
#include "sw-timeline-model.h"

typedef struct {
  SwTrace         *trace;
  SwTimelineModel *model;
  guint32          main_lane;
  guint32          worker_lane;
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
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->model);
  g_clear_object (&f->trace);
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
  g_test_add ("/Sw/TimelineModel/drains-concurrent-producer", Fixture, NULL,
              fixture_set_up, test_drains_concurrent_producer, fixture_tear_down);
  g_test_add ("/Sw/TimelineModel/log-lines-in-time-order", Fixture, NULL,
              fixture_set_up, test_log_lines_in_time_order, fixture_tear_down);

  return g_test_run ();
}
