/* test-trace.c — the recorder keeps every event it promises to keep */
#include "config.h"

#include <unistd.h>

#include "switchyard.h"

#define N_THREADS 8
#define EVENTS_PER_THREAD 100000

typedef struct
{
  SwTrace *trace;
  guint    n_events;
  guint32  lane;
} Producer;

static gpointer
produce_worker (gpointer data)
{
  Producer *p = data;

  p->lane = sw_trace_get_thread_lane (p->trace);
  for (guint i = 0; i < p->n_events; i++)
    sw_trace_record (p->trace, SW_EVENT_COUNTER, 0, p->lane, i);
  return NULL;
}

static void
start_producers (SwTrace  *trace,
                 Producer *producers,
                 GThread **threads,
                 guint     n_threads,
                 guint     n_events)
{
  for (guint i = 0; i < n_threads; i++)
    {
      producers[i].trace = trace;
      producers[i].n_events = n_events;
      threads[i] = g_thread_new ("producer", produce_worker, &producers[i]);
    }
}

static void
join_producers (GThread **threads,
                guint     n_threads)
{
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
}

/* Each lane's events must be exactly 0, 1, 2, … in order, times never going back. */
static void
assert_lanes_complete_and_ordered (const SwEvent *events,
                                   gsize          n_events,
                                   Producer      *producers,
                                   guint          n_producers,
                                   guint          expected_per_lane)
{
  for (guint p = 0; p < n_producers; p++)
    {
      guint64 next = 0;
      guint64 last_time = 0;

      for (gsize i = 0; i < n_events; i++)
        {
          if (events[i].lane != producers[p].lane || events[i].kind != SW_EVENT_COUNTER)
            continue;
          g_assert_cmpuint (events[i].arg, ==, next);
          g_assert_cmpuint (events[i].time, >=, last_time);
          last_time = events[i].time;
          next++;
        }
      g_assert_cmpuint (next, ==, expected_per_lane);
    }
}

static void
test_trace_many_threads_nothing_lost (void)
{
  /* Capacity for every event plus one chunk of slack per thread. */
  g_autoptr(SwTrace) trace = sw_trace_new (N_THREADS * (EVENTS_PER_THREAD + SW_TRACE_CHUNK_EVENTS));
  g_autoptr(GArray) events = NULL;
  Producer producers[N_THREADS] = { 0 };
  GThread *threads[N_THREADS];

  start_producers (trace, producers, threads, N_THREADS, EVENTS_PER_THREAD);
  join_producers (threads, N_THREADS);

  g_assert_cmpuint (sw_trace_get_dropped (trace), ==, 0);
  g_assert_cmpuint (sw_trace_get_recorded (trace), ==, N_THREADS * EVENTS_PER_THREAD);

  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (events->len, ==, N_THREADS * EVENTS_PER_THREAD);
  assert_lanes_complete_and_ordered ((SwEvent *) events->data, events->len,
                                     producers, N_THREADS, EVENTS_PER_THREAD);

  /* Sorted by time across lanes. */
  for (guint i = 1; i < events->len; i++)
    g_assert_cmpuint (g_array_index (events, SwEvent, i - 1).time, <=,
                      g_array_index (events, SwEvent, i).time);
}

static void
test_trace_drops_counted_exactly (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (10000);

  for (guint i = 0; i < 12345; i++)
    sw_trace_record (trace, SW_EVENT_COUNTER, 0, 0, i);

  g_assert_cmpuint (sw_trace_get_recorded (trace), ==, 10000);
  g_assert_cmpuint (sw_trace_get_dropped (trace), ==, 2345);
}

static void
test_trace_drops_counted_across_threads (void)
{
  /* Several threads: capacity is handed out in chunks, so what one thread
   * reserved and did not use is not recorded — but nothing goes uncounted. */
  g_autoptr(SwTrace) trace = sw_trace_new (50000);
  Producer producers[4] = { 0 };
  GThread *threads[4];

  start_producers (trace, producers, threads, 4, 20000);
  join_producers (threads, 4);

  g_assert_cmpuint (sw_trace_get_recorded (trace), <=, 50000);
  g_assert_cmpuint (sw_trace_get_recorded (trace), >=, 50000 - 4 * SW_TRACE_CHUNK_EVENTS);
  g_assert_cmpuint (sw_trace_get_recorded (trace) + sw_trace_get_dropped (trace), ==, 4 * 20000);
}

static void
test_trace_drain_while_producing (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTraceCursor) cursor = sw_trace_cursor_new (trace);
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (SwEvent));
  Producer producers[2] = { 0 };
  GThread *threads[2];
  SwEvent batch[1000];
  guint n_drains_with_data = 0;
  gsize n;

  start_producers (trace, producers, threads, 2, 300000);

  /* Drain until everything has come through; bounded by the total. */
  while (seen->len < 2 * 300000)
    {
      n = sw_trace_cursor_drain (cursor, batch, G_N_ELEMENTS (batch));
      if (n > 0)
        n_drains_with_data++;
      else
        g_thread_yield ();
      g_array_append_vals (seen, batch, n);
    }
  join_producers (threads, 2);

  g_assert_cmpuint (sw_trace_cursor_drain (cursor, batch, G_N_ELEMENTS (batch)), ==, 0);
  g_assert_cmpuint (seen->len, ==, 2 * 300000);
  g_assert_cmpuint (n_drains_with_data, >, 1);
  assert_lanes_complete_and_ordered ((SwEvent *) seen->data, seen->len, producers, 2, 300000);
}

static void
test_trace_cursor_sees_only_new_events (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTraceCursor) cursor = sw_trace_cursor_new (trace);
  SwEvent batch[16];

  g_assert_cmpuint (sw_trace_cursor_drain (cursor, batch, 16), ==, 0);
  sw_trace_record (trace, SW_EVENT_TASK_START, 0, 7, 0);
  g_assert_cmpuint (sw_trace_cursor_drain (cursor, batch, 16), ==, 1);
  g_assert_cmpuint (batch[0].kind, ==, SW_EVENT_TASK_START);
  g_assert_cmpuint (batch[0].object, ==, 7);
  g_assert_cmpuint (sw_trace_cursor_drain (cursor, batch, 16), ==, 0);
  sw_trace_record (trace, SW_EVENT_TASK_END, 0, 7, 0);
  g_assert_cmpuint (sw_trace_cursor_drain (cursor, batch, 16), ==, 1);
  g_assert_cmpuint (batch[0].kind, ==, SW_EVENT_TASK_END);
}

static void
test_trace_times_are_monotonic_ns (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  gint64 before, after;
  const SwEvent *e;

  before = sw_clock_monotonic_ns ();
  sw_trace_record (trace, SW_EVENT_LOG, 0, 0, 0);
  after = sw_clock_monotonic_ns ();

  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (events->len, ==, 1);
  e = &g_array_index (events, SwEvent, 0);
  /* The mapping is calibrated, not exact to the ns: allow 50 µs. */
  g_assert_cmpint ((gint64) e->time, >=, before - 50000);
  g_assert_cmpint ((gint64) e->time, <=, after + 50000);
}

static gpointer
name_thread_worker (gpointer data)
{
  SwTrace *trace = data;

  g_assert_false (sw_trace_thread_has_lane (trace));
  return GUINT_TO_POINTER (sw_trace_name_thread (trace, "worker 1"));
}

static void
test_trace_lanes_name_threads (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  guint32 main_lane, worker_lane, co_lane;
  GThread *thread;
  SwLane lane;
  g_autoptr(GArray) lanes = NULL;
  g_autoptr(GArray) events = NULL;

  main_lane = sw_trace_get_thread_lane (trace);
  g_assert_true (sw_trace_thread_has_lane (trace));
  g_assert_true (sw_trace_get_lane (trace, main_lane, &lane));
  g_assert_cmpstr (lane.name, ==, "main");
  g_assert_cmpint (lane.pid, ==, getpid ());
  g_assert_cmpint (lane.tid, ==, getpid ());
  g_assert_cmpuint (lane.kind, ==, SW_LANE_THREAD);
  g_assert_cmpuint (lane.parent, ==, sw_trace_get_process_lane (trace));

  thread = g_thread_new ("t", name_thread_worker, trace);
  worker_lane = GPOINTER_TO_UINT (g_thread_join (thread));
  g_assert_cmpuint (worker_lane, !=, main_lane);
  g_assert_true (sw_trace_get_lane (trace, worker_lane, &lane));
  g_assert_cmpstr (lane.name, ==, "worker 1");
  g_assert_cmpint (lane.tid, !=, getpid ());

  /* A coroutine lane: this thread's events go there until switched back. */
  co_lane = sw_trace_register_lane (trace, SW_LANE_COROUTINE, "co 1", getpid (), getpid (), main_lane);
  g_assert_cmpuint (sw_trace_set_current_lane (trace, co_lane), ==, main_lane);
  sw_trace_record (trace, SW_EVENT_LOG, 0, 0, 0);
  g_assert_cmpuint (sw_trace_set_current_lane (trace, 0), ==, co_lane);
  sw_trace_record (trace, SW_EVENT_LOG, 0, 0, 0);

  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpuint (g_array_index (events, SwEvent, 0).lane, ==, co_lane);
  g_assert_cmpuint (g_array_index (events, SwEvent, 1).lane, ==, main_lane);

  lanes = sw_trace_dup_lanes (trace);
  g_assert_cmpuint (lanes->len, ==, 4); /* process, main, worker, coroutine */

  /* A consumer that has seen two lanes gets only the two after them. */
  {
    g_autoptr(GArray) newer = sw_trace_dup_lanes_from (trace, 2);
    g_autoptr(GArray) none = sw_trace_dup_lanes_from (trace, 9);

    g_assert_cmpuint (newer->len, ==, 2);
    g_assert_cmpuint (g_array_index (newer, SwLane, 0).id, ==, worker_lane);
    g_assert_cmpuint (g_array_index (newer, SwLane, 1).id, ==, co_lane);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

static void
test_trace_strings_interned (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  guint64 a = sw_trace_intern (trace, "task 1");
  guint64 b = sw_trace_intern (trace, "task 2");

  g_assert_cmpuint (a, !=, 0);
  g_assert_cmpuint (a, !=, b);
  g_assert_cmpuint (sw_trace_intern (trace, "task 1"), ==, a);
  g_assert_cmpstr (sw_trace_lookup_string (trace, a), ==, "task 1");
  g_assert_cmpstr (sw_trace_lookup_string (trace, 0), ==, "");
  g_assert_null (sw_trace_lookup_string (trace, 9999));
}

static void
test_trace_two_traces_one_thread (void)
{
  /* A thread's cached buffer must not leak from one trace into another. */
  g_autoptr(SwTrace) one = sw_trace_new (0);
  g_autoptr(SwTrace) two = sw_trace_new (0);

  sw_trace_record (one, SW_EVENT_LOG, 0, 1, 0);
  sw_trace_record (two, SW_EVENT_LOG, 0, 2, 0);
  sw_trace_record (one, SW_EVENT_LOG, 0, 1, 0);
  g_assert_cmpuint (sw_trace_get_recorded (one), ==, 2);
  g_assert_cmpuint (sw_trace_get_recorded (two), ==, 1);
}

static void
test_trace_import_maps_lanes_and_strings (void)
{
  /* "worker" plays another process's recorder; "parent" merges it. */
  g_autoptr(SwTrace) worker = sw_trace_new (0);
  g_autoptr(SwTrace) parent = sw_trace_new (0);
  g_autoptr(SwTraceCursor) cursor = sw_trace_cursor_new (worker);
  g_autoptr(SwTraceImporter) importer = NULL;
  g_autoptr(GArray) lanes = NULL;
  g_autoptr(GPtrArray) strings = NULL;
  g_autoptr(GArray) merged = NULL;
  SwEvent drained[8];
  gsize n;
  guint32 parent_lane;
  gboolean saw_log = FALSE;

  sw_trace_name_thread (parent, "main");
  sw_trace_log (parent, "parent line");
  sw_trace_log (worker, "worker line");
  sw_trace_record (worker, SW_EVENT_TASK_START, 0, 42, 0);
  n = sw_trace_cursor_drain (cursor, drained, G_N_ELEMENTS (drained));
  g_assert_cmpuint (n, ==, 2);

  importer = sw_trace_importer_new (parent, sw_trace_get_process_lane (parent));
  lanes = sw_trace_dup_lanes (worker);
  for (guint i = 0; i < lanes->len; i++)
    sw_trace_importer_add_lane (importer, &g_array_index (lanes, SwLane, i));
  strings = sw_trace_dup_strings_from (worker, 1);
  for (guint i = 0; i < strings->len; i++)
    sw_trace_importer_add_string (importer, i + 1, g_ptr_array_index (strings, i));
  sw_trace_importer_add_events (importer, drained, n);

  parent_lane = sw_trace_importer_map_lane (importer, drained[0].lane);
  g_assert_cmpuint (parent_lane, !=, 0);
  merged = sw_trace_dup_events (parent);
  g_assert_cmpuint (merged->len, ==, 3);
  for (guint i = 0; i < merged->len; i++)
    {
      const SwEvent *e = &g_array_index (merged, SwEvent, i);

      if (e->lane != parent_lane)
        continue;
      /* Times were already nanoseconds: kept as they were. */
      g_assert_true (e->time == drained[0].time || e->time == drained[1].time);
      if (e->kind == SW_EVENT_LOG)
        {
          g_assert_cmpstr (sw_trace_lookup_string (parent, e->arg), ==, "worker line");
          saw_log = TRUE;
        }
      else
        g_assert_cmpuint (e->object, ==, 42);
    }
  g_assert_true (saw_log);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Trace/many-threads-nothing-lost", test_trace_many_threads_nothing_lost);
  g_test_add_func ("/Sw/Trace/drops-counted-exactly", test_trace_drops_counted_exactly);
  g_test_add_func ("/Sw/Trace/drops-counted-across-threads", test_trace_drops_counted_across_threads);
  g_test_add_func ("/Sw/Trace/drain-while-producing", test_trace_drain_while_producing);
  g_test_add_func ("/Sw/Trace/cursor-sees-only-new-events", test_trace_cursor_sees_only_new_events);
  g_test_add_func ("/Sw/Trace/times-are-monotonic-ns", test_trace_times_are_monotonic_ns);
  g_test_add_func ("/Sw/Trace/lanes-name-threads", test_trace_lanes_name_threads);
  g_test_add_func ("/Sw/Trace/strings-interned", test_trace_strings_interned);
  g_test_add_func ("/Sw/Trace/two-traces-one-thread", test_trace_two_traces_one_thread);

  g_test_add_func ("/Sw/Trace/import-maps-lanes-and-strings", test_trace_import_maps_lanes_and_strings);

  return g_test_run ();
}
