/* test-trace-import.c — a saved trace reads back as the events it was made of */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "switchyard.h"

/* One line per event, with all it says: lanes by kind, name, pid and tid
 * (their ids are renumbered), times relative to the first event, strings
 * as text.  Every kind the timeline draws is here: nothing may be lost. */
static GPtrArray *
describe_events (SwTrace *trace)
{
  g_autoptr(GArray) events = sw_trace_dup_events (trace);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  gint64 first = -1;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      SwLane lane = { 0, }, other = { 0, };
      g_autofree char *where = NULL;
      gint64 t = (gint64) e->time;
      guint64 object = e->object;
      const char *text = "";
      guint flags = e->flags;
      guint64 arg = 0;

      switch (e->kind)
        {
        case SW_EVENT_TASK_SUBMIT:
        case SW_EVENT_TASK_ERROR:
        case SW_EVENT_LOG:
          text = sw_trace_lookup_string (trace, e->arg);
          break;
        case SW_EVENT_COUNTER:
          text = sw_trace_lookup_string (trace, e->object);
          object = e->arg;
          break;
        case SW_EVENT_LANE_BEGIN:
        case SW_EVENT_LANE_END:
          continue;   /* lanes are compared on their own */
        default:
          /* Everything else, with its argument. */
          arg = e->arg;
          break;
        }

      if (first < 0)
        first = t;

      g_assert_true (sw_trace_get_lane (trace, e->lane, &lane));
      where = g_strdup_printf ("%d %s %d/%d", lane.kind, lane.name, lane.pid, lane.tid);
      if (e->kind == SW_EVENT_CO_SWITCH || e->kind == SW_EVENT_CO_SPAWN || e->kind == SW_EVENT_CO_EXIT)
        {
          g_assert_true (sw_trace_get_lane (trace, (guint32) e->object, &other));
          object = 0;
        }

      g_ptr_array_add (lines, g_strdup_printf ("%12" G_GINT64_FORMAT " %2u %s | %" G_GUINT64_FORMAT " %u %" G_GUINT64_FORMAT " %s | %s %d/%d",
                                               t - first, e->kind, where, object, flags, arg, text ? text : "",
                                               other.name ? other.name : "", other.pid, other.tid));
    }

  return lines;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static char *
join_lines (GPtrArray *lines)
{
  GString *out = g_string_new (NULL);

  g_ptr_array_sort (lines, compare_strings);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s\n", (char *) g_ptr_array_index (lines, i));
  return g_string_free (out, FALSE);
}

static GPtrArray *
describe_lanes (SwTrace *trace)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (trace);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);
      SwLane parent = { 0, };

      if (lane->kind == SW_LANE_HELPER)
        continue;
      if (lane->parent != 0)
        g_assert_true (sw_trace_get_lane (trace, lane->parent, &parent));
      g_ptr_array_add (lines, g_strdup_printf ("%d %s %d/%d under %s", lane->kind, lane->name,
                                               lane->pid, lane->tid, parent.name ? parent.name : "-"));
    }
  return lines;
}

static void
run_scenario (SwTrace     *trace,
              const char  *name,
              const char **assignments)
{
  g_autoptr(GError) error = NULL;
  const SwScenario *s = sw_scenario_lookup (name, &error);
  g_autoptr(SwParams) p = NULL;
  g_autoptr(SwScenarioRun) run = NULL;

  g_assert_no_error (error);
  p = sw_params_new (s);
  for (guint i = 0; assignments[i] != NULL; i++)
    g_assert_true (sw_params_set_assignment (p, assignments[i], NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
}

/* Runs a scenario, saves its trace, reads it back: the events the file
 * carries are the same, and saving the read trace gives the same file
 * (but for lane and flow ids and this process's own lane). */
static void check_saved_trace (SwTrace *trace,
                               guint    min_events,
                               guint64  kinds);

static void
check_round_trip (const char  *name,
                  const char **assignments,
                  guint        min_events,
                  guint64      kinds)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);

  run_scenario (trace, name, assignments);
  check_saved_trace (trace, min_events, kinds);
}

/* Saves @trace, reads it back and compares event by event and lane by lane. */
static void
check_saved_trace (SwTrace *trace,
                   guint    min_events,
                   guint64  kinds)
{
  g_autoptr(SwTrace) back = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines_a = NULL;
  g_autoptr(GPtrArray) lines_b = NULL;
  g_autoptr(GPtrArray) lanes_a = NULL;
  g_autoptr(GPtrArray) lanes_b = NULL;
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;
  g_autofree char *own = NULL;
  guint n_extra = 0;

  json = sw_trace_to_chrome_json (trace);
  back = sw_trace_from_chrome_json (g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);

  /* The run recorded what it is meant to show, so the test shows something. */
  {
    g_autoptr(GArray) events = sw_trace_dup_events (trace);
    guint64 seen = 0;

    for (guint i = 0; i < events->len; i++)
      seen |= G_GUINT64_CONSTANT (1) << g_array_index (events, SwEvent, i).kind;
    g_assert_cmphex (seen & kinds, ==, kinds);
  }

  lines_a = describe_events (trace);
  lines_b = describe_events (back);
  g_assert_cmpuint (lines_a->len, >=, min_events);
  text_a = join_lines (lines_a);
  text_b = join_lines (lines_b);
  if (g_strcmp0 (text_a, text_b) != 0)
    {
      /* Say which events differ, not the whole trace twice. */
      g_autoptr(GHashTable) in_b = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) in_a = g_hash_table_new (g_str_hash, g_str_equal);
      guint shown = 0;

      for (guint i = 0; i < lines_b->len; i++)
        g_hash_table_add (in_b, g_ptr_array_index (lines_b, i));
      for (guint i = 0; i < lines_a->len; i++)
        g_hash_table_add (in_a, g_ptr_array_index (lines_a, i));
      for (guint i = 0; i < lines_a->len && shown < 20; i++)
        if (!g_hash_table_contains (in_b, g_ptr_array_index (lines_a, i)) && ++shown)
          g_test_message ("lost:  %s", (char *) g_ptr_array_index (lines_a, i));
      for (guint i = 0; i < lines_b->len && shown < 40; i++)
        if (!g_hash_table_contains (in_a, g_ptr_array_index (lines_b, i)) && ++shown)
          g_test_message ("added: %s", (char *) g_ptr_array_index (lines_b, i));
      g_test_message ("%u events recorded, %u read back", lines_a->len, lines_b->len);
    }
  g_assert_cmpstr (text_a, ==, text_b);

  /* Every lane comes back with its name, pid, tid and parent; the new
   * trace has one more: its own process's. */
  lanes_a = describe_lanes (trace);
  lanes_b = describe_lanes (back);
  for (guint i = 0; i < lanes_a->len; i++)
    {
      guint at;

      if (!g_ptr_array_find_with_equal_func (lanes_b, g_ptr_array_index (lanes_a, i), g_str_equal, &at))
        g_error ("lane \"%s\" did not come back", (char *) g_ptr_array_index (lanes_a, i));
      g_ptr_array_remove_index (lanes_b, at);
    }
  own = g_strdup_printf ("%d %s %d/%d under -", SW_LANE_PROCESS, g_get_prgname (), getpid (), getpid ());
  for (guint i = 0; i < lanes_b->len; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (lanes_b, i), ==, own);
      n_extra++;
    }
  g_assert_cmpuint (n_extra, ==, 1);
}

#define K(kind) (G_GUINT64_CONSTANT (1) << (kind))

static void
test_round_trip_thread_callbacks (void)
{
  const char *set[] = { "pool=thread", "pages=6", "workers=3", "min_download=0.01", "max_download=0.02", NULL };

  check_round_trip ("callbacks", set, 6 * 4,
                    K (SW_EVENT_TASK_SUBMIT) | K (SW_EVENT_TASK_START) | K (SW_EVENT_TASK_END) | K (SW_EVENT_CALLBACK_BEGIN) | K (SW_EVENT_CALLBACK_END) | K (SW_EVENT_CTX_SWITCHES) | K (SW_EVENT_LOG));
}

static void
test_round_trip_process_callbacks (void)
{
  const char *set[] = { "pool=process", "pages=4", "workers=2", "min_download=0.01", "max_download=0.02", NULL };

  check_round_trip ("callbacks", set, 4 * 4,
                    K (SW_EVENT_TASK_SUBMIT) | K (SW_EVENT_TASK_START) | K (SW_EVENT_TASK_END) | K (SW_EVENT_CALLBACK_BEGIN) | K (SW_EVENT_CALLBACK_END) | K (SW_EVENT_LOG));
}

static void
test_round_trip_thread_pool (void)
{
  const char *set[] = { "tasks=6", "workers=3", "min_sleep=0.01", "max_sleep=0.02", NULL };

  check_round_trip ("thread-pool", set, 6 * 3,
                    K (SW_EVENT_TASK_SUBMIT) | K (SW_EVENT_TASK_START) | K (SW_EVENT_TASK_END) | K (SW_EVENT_CALLBACK_BEGIN) | K (SW_EVENT_WAIT_BEGIN) | K (SW_EVENT_WAIT_END) | K (SW_EVENT_POOL_SHUTDOWN) | K (SW_EVENT_CTX_SWITCHES));
}

/* A worker that dies fails its task and breaks the pool: failures and
 * the lane that recorded them come back. */
static void
test_round_trip_process_crash (void)
{
  const char *set[] = { "tasks=6", "workers=2", "min_sleep=0.01", "max_sleep=0.02", "crash_task=2", NULL };

  check_round_trip ("process-pool", set, 6 * 2,
                    K (SW_EVENT_TASK_SUBMIT) | K (SW_EVENT_TASK_START) | K (SW_EVENT_TASK_ERROR));
}

/* Main joins each run's coroutines: its joinall waits come back too. */
static void
test_round_trip_coroutines (void)
{
  const char *set[] = { "coroutines=3", "rounds=3", "io_wait=0.01", "cpu_work=0.01", "slices=20", NULL };

  check_round_trip ("io-vs-cpu", set, 3 * 3 * 2,
                    K (SW_EVENT_CO_SPAWN) | K (SW_EVENT_CO_SWITCH) | K (SW_EVENT_CO_EXIT) | K (SW_EVENT_LOG) | K (SW_EVENT_WAIT_BEGIN) | K (SW_EVENT_WAIT_END));
}

/* Lesson 4: main blocked in joinall([g1, g2, g3]) is a wait on its lane,
 * and reads back as one (its kind and count in its arg). */
static void
test_round_trip_spawn_joinall (void)
{
  const char *set[] = { "scale=0.01", NULL };
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTrace) back = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint n_joinall = 0;

  run_scenario (trace, "spawn-joinall", set);
  check_saved_trace (trace, 3 * 4,
                     K (SW_EVENT_CO_SPAWN) | K (SW_EVENT_CO_SWITCH) | K (SW_EVENT_CO_EXIT) | K (SW_EVENT_WAIT_BEGIN) | K (SW_EVENT_WAIT_END));

  json = sw_trace_to_chrome_json (trace);
  back = sw_trace_from_chrome_json (g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error);
  g_assert_no_error (error);
  events = sw_trace_dup_events (back);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      SwLane lane;

      if (e->kind != SW_EVENT_WAIT_BEGIN)
        continue;
      g_assert_true (sw_trace_get_lane (back, e->lane, &lane));
      g_assert_cmpstr (lane.name, ==, "main");
      g_assert_cmpint (sw_wait_kind (e->object, e->arg), ==, SW_WAIT_JOINALL);
      g_assert_cmpuint (SW_WAIT_ARG_N_COROUTINES (e->arg), ==, 3);
      n_joinall++;
    }
  g_assert_cmpuint (n_joinall, ==, 1);
}

static void
test_round_trip_echo_flood (void)
{
  const char *set[] = { "clients=12", "messages=4", NULL };

  check_round_trip ("echo-flood", set, 12 * 4 * 2,
                    K (SW_EVENT_CO_SWITCH) | K (SW_EVENT_CONN_OPEN) | K (SW_EVENT_CONN_CLOSE) | K (SW_EVENT_BYTES_IN) | K (SW_EVENT_BYTES_OUT) | K (SW_EVENT_COUNTER));
}

/* Saved while things were still going on (a task running, a callback and
 * a wait not over, a coroutine spawned that never ran), with odd values:
 * what was open stays open, nothing is made up. */
static void
test_round_trip_still_open (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  guint32 process = sw_trace_get_process_lane (trace);
  guint32 worker = sw_trace_register_lane (trace, SW_LANE_THREAD, "worker \"1\"\n", getpid (), 77001, process);
  guint32 loop = sw_trace_register_lane (trace, SW_LANE_THREAD, "loop", getpid (), 77002, process);
  guint32 co = sw_trace_register_lane (trace, SW_LANE_COROUTINE, "never ran", getpid (), 77002, loop);

  sw_trace_record_on_lane (trace, loop, SW_EVENT_TASK_SUBMIT, 0, 5, sw_trace_intern (trace, "runs on"));
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_START, 0, 5, 0);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_TASK_SUBMIT, 0, 6, sw_trace_intern (trace, "task 6"));
  sw_trace_record_on_lane (trace, loop, SW_EVENT_TASK_CANCEL, 0, 6, 0);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_TASK_ERROR, SW_EVENT_FLAG_FAILED, 7, sw_trace_intern (trace, "broken"));
  sw_trace_record_on_lane (trace, worker, SW_EVENT_CALLBACK_BEGIN, 0, 4, 0);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_WAIT_BEGIN, 0, 0, 3);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_WAIT_BEGIN, 0, 0, SW_WAIT_ARG_JOINALL | 2);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_CO_SPAWN, 0, co, 0);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_CTX_SWITCHES, 0, 0, G_GUINT64_CONSTANT (0xffffffff00000001));
  sw_trace_record_on_lane (trace, loop, SW_EVENT_COUNTER, 0, sw_trace_intern (trace, "queue"), 42);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_CONN_OPEN, 0, 9, 0);
  sw_trace_record_on_lane (trace, loop, SW_EVENT_BYTES_IN, 0, 9, 65536);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_LOG, 0, 0, sw_trace_intern (trace, "tab\there, \"quoted\" ✓"));
  sw_trace_record_on_lane (trace, loop, SW_EVENT_POOL_SHUTDOWN, 0, 3, 1);

  check_saved_trace (trace, 15, K (SW_EVENT_TASK_START) | K (SW_EVENT_CALLBACK_BEGIN) | K (SW_EVENT_WAIT_BEGIN));
}

/* A small file written by hand: lanes from the metadata (a coroutine told
 * from a thread by its made-up tid), a callback slice with its end. */
static void
test_hand_written (void)
{
  static const char json[] =
    "{\"traceEvents\":[\n"
    "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":70,\"args\":{\"name\":\"lesson\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":70,\"tid\":71,\"args\":{\"name\":\"loop \\\"one\\\" (tid 71)\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":70,\"tid\":71,\"args\":{\"sort_index\":2}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":70,\"tid\":1000003,\"args\":{\"name\":\"reader (tid 71)\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":70,\"tid\":1000003,\"args\":{\"sort_index\":3}},\n"
    "{\"ph\":\"X\",\"name\":\"done-callback\",\"cat\":\"callback\",\"pid\":70,\"tid\":71,\"ts\":100.25,\"dur\":1000.5,"
    "\"args\":{\"task\":9,\"state\":\"failed\",\"extra\":[1,{\"a\":null},true,-2.5e3]}},\n"
    "{\"ph\":\"i\",\"name\":\"caf\\u00e9 \\ud83d\\ude80\",\"cat\":\"log\",\"s\":\"t\",\"pid\":70,\"tid\":1000003,\"ts\":50}\n"
    "],\"otherData\":{\"dropped_events\":0}}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_from_chrome_json (json, sizeof json - 1, &error);
  g_autoptr(GArray) events = NULL;
  const SwEvent *log, *begin, *end;
  SwLane lane, parent, process;

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (events->len, ==, 3);
  log = &g_array_index (events, SwEvent, 0);
  begin = &g_array_index (events, SwEvent, 1);
  end = &g_array_index (events, SwEvent, 2);

  /* Times shift onto the new trace's origin; what lies between stays. */
  g_assert_cmpint ((gint64) log->time, ==, sw_trace_get_origin_ns (trace));
  g_assert_cmpuint (log->kind, ==, SW_EVENT_LOG);
  g_assert_cmpstr (sw_trace_lookup_string (trace, log->arg), ==, "café 🚀");
  g_assert_true (sw_trace_get_lane (trace, log->lane, &lane));
  g_assert_cmpint (lane.kind, ==, SW_LANE_COROUTINE);
  g_assert_cmpstr (lane.name, ==, "reader");
  g_assert_cmpint (lane.tid, ==, 71);
  g_assert_true (sw_trace_get_lane (trace, lane.parent, &parent));
  g_assert_cmpint (parent.kind, ==, SW_LANE_THREAD);
  g_assert_cmpstr (parent.name, ==, "loop \"one\"");
  g_assert_cmpint (parent.pid, ==, 70);
  g_assert_true (sw_trace_get_lane (trace, parent.parent, &process));
  g_assert_cmpint (process.kind, ==, SW_LANE_PROCESS);
  g_assert_cmpstr (process.name, ==, "lesson");

  g_assert_cmpuint (begin->kind, ==, SW_EVENT_CALLBACK_BEGIN);
  g_assert_cmpuint (begin->object, ==, 9);
  g_assert_cmpint ((gint64) (begin->time - log->time), ==, 50250);
  g_assert_cmpuint (begin->lane, ==, lane.parent);
  g_assert_cmpuint (end->kind, ==, SW_EVENT_CALLBACK_END);
  g_assert_cmpint ((gint64) (end->time - begin->time), ==, 1000500);
  g_assert_cmpuint (end->flags, ==, SW_EVENT_FLAG_FAILED);
}

/* Another tool's events as what the timeline shows of them, one line
 * each, "NS-AFTER-ORIGIN KIND LANE LABEL", compared with @expected (in any
 * order: the times tell it). */
static void
assert_foreign_events (SwTrace           *trace,
                       const char *const *expected,
                       guint              n_expected)
{
  g_autoptr(GArray) events = NULL;
  g_autoptr(GHashTable) labels = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) want = g_ptr_array_new ();
  g_autofree char *text_got = NULL;
  g_autofree char *text_want = NULL;

  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      SwLane lane;
      gint64 t = (gint64) e->time - sw_trace_get_origin_ns (trace);
      const char *label;

      g_assert_true (sw_trace_get_lane (trace, e->lane, &lane));
      switch (e->kind)
        {
        case SW_EVENT_TASK_SUBMIT:
          g_hash_table_insert (labels, GSIZE_TO_POINTER ((gsize) e->object), GSIZE_TO_POINTER ((gsize) e->arg));
          label = sw_trace_lookup_string (trace, e->arg);
          g_ptr_array_add (got, g_strdup_printf ("%" G_GINT64_FORMAT " submit %s %s", t, lane.name, label));
          break;
        case SW_EVENT_TASK_START:
        case SW_EVENT_TASK_END:
          label = sw_trace_lookup_string (trace, GPOINTER_TO_SIZE (g_hash_table_lookup (labels, GSIZE_TO_POINTER ((gsize) e->object))));
          g_ptr_array_add (got, g_strdup_printf ("%" G_GINT64_FORMAT " %s %s %s", t,
                                                 e->kind == SW_EVENT_TASK_START ? "start" : "end", lane.name, label));
          break;
        case SW_EVENT_LOG:
          g_ptr_array_add (got, g_strdup_printf ("%" G_GINT64_FORMAT " log %s %s", t, lane.name,
                                                 sw_trace_lookup_string (trace, e->arg)));
          break;
        case SW_EVENT_COUNTER:
          g_ptr_array_add (got, g_strdup_printf ("%" G_GINT64_FORMAT " counter %s %s=%" G_GUINT64_FORMAT, t, lane.name,
                                                 sw_trace_lookup_string (trace, e->object), e->arg));
          break;
        default:
          g_error ("unexpected event kind %u", e->kind);
        }
    }
  for (guint i = 0; i < n_expected; i++)
    g_ptr_array_add (want, g_strdup (expected[i]));
  text_got = join_lines (got);
  g_ptr_array_set_free_func (want, g_free);
  text_want = join_lines (want);
  g_assert_cmpstr (text_got, ==, text_want);
}

/* A trace written by another tool (Chrome/Perfetto style): its slices
 * become labelled bars on their threads (X, nested B/E, a B never ended
 * still running), its flow arrow a submit on the lane it starts from, its
 * instants log lines, its counters one series per argument. */
static void
test_other_tool (void)
{
  static const char *const expected[] = {
    "0 log tid 4242 NavigationStart",
    "100000 submit CrMainThread ParseHTML",
    "100000 start CrMainThread ParseHTML",
    "2600500 end CrMainThread ParseHTML",
    "1100000 submit CrMainThread RunTask",
    "3100000 start Compositor RunTask",
    "4100000 end Compositor RunTask",
    "3300000 submit Compositor Paint",
    "3300000 start Compositor Paint",
    "3900000 end Compositor Paint",
    "4000000 log Compositor FirstPaint",
    "4600000 submit CrMainThread Unfinished",
    "4600000 start CrMainThread Unfinished",
    "100000 counter renderer memory heap=1048576",
    "100000 counter renderer memory stack=65536",
    "2100000 counter renderer memory heap=2097152",
    "2100000 counter renderer memory stack=32768",
  };
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "other-tool.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_load_chrome_json (path, &error);
  g_autoptr(GArray) lanes = NULL;
  guint n_threads = 0;

  g_assert_no_error (error);
  g_assert_nonnull (trace);

  /* Lanes: the named process and its two named threads (and the main
   * thread, tid = pid, that the global instant went to). */
  lanes = sw_trace_dup_lanes (trace);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);
      SwLane parent;

      if (lane->pid != 4242)
        continue;
      if (lane->kind == SW_LANE_PROCESS)
        {
          g_assert_cmpstr (lane->name, ==, "renderer");
          continue;
        }
      g_assert_cmpint (lane->kind, ==, SW_LANE_THREAD);
      g_assert_true (sw_trace_get_lane (trace, lane->parent, &parent));
      g_assert_cmpstr (parent.name, ==, "renderer");
      n_threads++;
    }
  g_assert_cmpuint (n_threads, ==, 3);

  assert_foreign_events (trace, expected, G_N_ELEMENTS (expected));
}

/* The names of a trace's lanes in the order they are listed (which is
 * the order the timeline draws them in), this process's own left out. */
static char *
lane_order (SwTrace *trace)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (trace);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);

      if (lane->kind != SW_LANE_HELPER && lane->pid != getpid ())
        g_ptr_array_add (names, (gpointer) lane->name);
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

/* other-tool.json gives its Compositor thread a sort index of -1: it is
 * listed before CrMainThread, which has none, as Chrome and Perfetto do. */
static void
test_other_tool_lane_order (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "other-tool.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_load_chrome_json (path, &error);
  g_autofree char *order = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  order = lane_order (trace);
  g_assert_cmpstr (order, ==, "renderer, Compositor, CrMainThread, tid 4242");
}

/* Sort indices, thread and process: lowest first, negatives too, lanes
 * without one after, in the order they appeared; a process sorted first
 * is still added before the processes put under it. */
static void
test_sort_index (void)
{
  static const char json[] =
    "[{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":10,\"args\":{\"name\":\"first\"}},\n"
    "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":20,\"args\":{\"name\":\"second\"}},\n"
    "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":20,\"args\":{\"sort_index\":-1}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":10,\"tid\":11,\"args\":{\"name\":\"a\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":10,\"tid\":12,\"args\":{\"name\":\"b\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":10,\"tid\":12,\"args\":{\"sort_index\":5}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":10,\"tid\":13,\"args\":{\"name\":\"c\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":10,\"tid\":13,\"args\":{\"sort_index\":-3}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":10,\"tid\":14,\"args\":{\"sort_index\":0}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":10,\"tid\":14,\"args\":{\"name\":\"d\"}},\n"
    "{\"ph\":\"i\",\"name\":\"x\",\"pid\":20,\"tid\":21,\"ts\":1}]\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_from_chrome_json (json, sizeof json - 1, &error);
  g_autoptr(GArray) lanes = NULL;
  g_autofree char *order = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  order = lane_order (trace);
  g_assert_cmpstr (order, ==, "second, first, c, d, b, a, tid 21");

  lanes = sw_trace_dup_lanes (trace);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);
      SwLane parent;

      if (g_strcmp0 (lane->name, "first") != 0)
        continue;
      g_assert_true (sw_trace_get_lane (trace, lane->parent, &parent));
      g_assert_cmpstr (parent.name, ==, "second");
    }
}

/* The format allows times before a clock's origin: they are read, in
 * order, and the earliest lands on the new trace's origin as a
 * non-negative trace's first event does. */
static void
test_negative_time (void)
{
  static const char json[] =
    "{\"traceEvents\":[\n"
    "{\"ph\":\"i\",\"name\":\"later\",\"pid\":1,\"tid\":1,\"ts\":3},\n"
    "{\"ph\":\"X\",\"name\":\"early\",\"pid\":1,\"tid\":1,\"ts\":-2000.5,\"dur\":500},\n"
    "{\"ph\":\"B\",\"name\":\"open\",\"pid\":1,\"tid\":2,\"ts\":-5},\n"
    "{\"ph\":\"E\",\"pid\":1,\"tid\":2,\"ts\":-1},\n"
    "{\"ph\":\"i\",\"name\":\"first\",\"pid\":1,\"tid\":1,\"ts\":-2500}\n"
    "]}\n";
  static const char *const expected[] = {
    "0 log tid 1 first",
    "499500 submit tid 1 early",
    "499500 start tid 1 early",
    "999500 end tid 1 early",
    "2495000 submit tid 2 open",
    "2495000 start tid 2 open",
    "2499000 end tid 2 open",
    "2503000 log tid 1 later",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_from_chrome_json (json, sizeof json - 1, &error);
  g_autoptr(GArray) events = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  assert_foreign_events (trace, expected, G_N_ELEMENTS (expected));

  /* In order, the earliest on the origin. */
  events = sw_trace_dup_events (trace);
  g_assert_cmpint ((gint64) g_array_index (events, SwEvent, 0).time, ==, sw_trace_get_origin_ns (trace));
  for (guint i = 1; i < events->len; i++)
    g_assert_cmpuint (g_array_index (events, SwEvent, i - 1).time, <=, g_array_index (events, SwEvent, i).time);
}

/* Times at both ends of what a file may say, with the longest durations:
 * read without overflow (the sanitizer build says more), each slice's end
 * after its start. */
static void
test_extreme_times (void)
{
  /* ±2^62 ns: ends and lengths past 2^63 - 1. */
  static const char json[] =
    "[{\"ph\":\"X\",\"name\":\"a\",\"pid\":1,\"tid\":1,\"ts\":-4611686018427387.904,\"dur\":1},\n"
    "{\"ph\":\"X\",\"name\":\"b\",\"pid\":1,\"tid\":1,\"ts\":4611686018427387.904,\"dur\":4611686018427387.904},\n"
    "{\"ph\":\"B\",\"name\":\"c\",\"pid\":1,\"tid\":2,\"ts\":-4611686018427387.904},\n"
    "{\"ph\":\"E\",\"pid\":1,\"tid\":2,\"ts\":4611686018427387.904},\n"
    "{\"ph\":\"s\",\"id\":1,\"cat\":\"x\",\"pid\":1,\"tid\":2,\"ts\":-4611686018427387.904},\n"
    "{\"ph\":\"f\",\"id\":1,\"cat\":\"x\",\"bp\":\"e\",\"pid\":1,\"tid\":1,\"ts\":4611686018427387.904}]";
  /* The limits themselves: more than the model's times can hold. */
  static const char limits[] =
    "[{\"ph\":\"X\",\"name\":\"a\",\"pid\":1,\"tid\":1,\"ts\":-9223372036854774.999,\"dur\":9223372036854774.999},\n"
    "{\"ph\":\"X\",\"name\":\"b\",\"pid\":1,\"tid\":1,\"ts\":9223372036854774.999,\"dur\":9223372036854774.999}]";
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_from_chrome_json (json, sizeof json - 1, &error);
  g_autoptr(GHashTable) starts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GArray) events = NULL;
  guint64 origin, last = 0;
  guint n_ends = 0;

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  origin = (guint64) sw_trace_get_origin_ns (trace);
  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      guint64 t = e->time - origin;

      g_assert_cmpuint (t, >=, last);
      last = t;
      if (e->kind == SW_EVENT_TASK_START)
        g_hash_table_insert (starts, g_memdup2 (&e->object, sizeof e->object), g_memdup2 (&t, sizeof t));
      else if (e->kind == SW_EVENT_TASK_END)
        {
          const guint64 *start = g_hash_table_lookup (starts, &e->object);

          /* Each lasts: an end that wrapped round would come first. */
          g_assert_nonnull (start);
          g_assert_cmpuint (t, >, *start);
          n_ends++;
        }
    }
  g_assert_cmpuint (n_ends, ==, 3);

  g_clear_object (&trace);
  g_clear_pointer (&events, g_array_unref);
  trace = sw_trace_from_chrome_json (limits, sizeof limits - 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);
  origin = (guint64) sw_trace_get_origin_ns (trace);
  events = sw_trace_dup_events (trace);
  last = 0;
  for (guint i = 0; i < events->len; i++)
    {
      guint64 t = g_array_index (events, SwEvent, i).time - origin;

      g_assert_cmpuint (t, >=, last);
      last = t;
    }
}

static void
assert_refused (const char *data,
                gsize       length,
                const char *expect_in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_from_chrome_json (data, length, &error);

  g_assert_null (trace);
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  /* One line, that says where. */
  g_assert_null (strchr (error->message, '\n'));
  if (expect_in_message != NULL && strstr (error->message, expect_in_message) == NULL)
    g_error ("message \"%s\" does not say \"%s\"", error->message, expect_in_message);
}

/* @message says each of @says and none of @never (NULL-terminated, or NULL). */
static void
assert_words (const char        *message,
              const char *const *says,
              const char *const *never)
{
  for (guint k = 0; says != NULL && says[k] != NULL; k++)
    if (strstr (message, says[k]) == NULL)
      g_error ("message \"%s\" does not say \"%s\"", message, says[k]);
  for (guint k = 0; never != NULL && never[k] != NULL; k++)
    if (strstr (message, never[k]) != NULL)
      g_error ("message \"%s\" says \"%s\"", message, never[k]);
}

static void
test_malformed (void)
{
  static const struct {
    const char *json;
    const char *says;
  } cases[] = {
    { "", "empty" },
    { "   \n", "truncated" },
    { "hello", "not a trace" },
    { "{}", "traceEvents" },
    { "{\"traceEvents\":{}}", "array" },
    { "{\"traceEvents\":[]} x", "after the trace" },
    { "{\"traceEvents\":[1]}", "event object" },
    { "{\"traceEvents\":[{\"ph\":\"X\",\"name\":\"a\"}]}", "without" },
    { "{\"traceEvents\":[{\"ph\":\"X\",\"pid\":99999999999,\"tid\":2,\"ts\":5}]}", "range" },
    { "{\"traceEvents\":[{\"ph\":\"i\",\"pid\":1,\"tid\":2,\"ts\":5,\"cat\":\"log\",\"name\":\"bad \\q\"}]}", "escape" },
    { "{\"traceEvents\":[{\"ph\":\"i\",\"pid\":1,\"tid\":2,\"ts\":5,\"cat\":\"log\",\"name\":\"\\ud800\"}]}", "escape" },
    { "{\"traceEvents\":[{\"ph\":\"i\",\"pid\":1,\"tid\":2,\"ts\":5,\"cat\":\"log\",\"name\":\"\xff\"}]}", "UTF-8" },
    { "{\"traceEvents\":[{\"ph\":\"i\",\"pid\":1,\"tid\":2,\"ts\":1e5,\"cat\":\"log\",\"name\":\"x\"}]}", "time" },
    { "{\"traceEvents\":[{\"ph\":\"C\",\"pid\":1,\"ts\":5,\"args\":{\"value\":1}}]}", "name" },
    { "{\"traceEvents\":[{\"ph\":\"X\",\"pid\":1,\"tid\":2,\"ts\":5,\"dur\":-1,\"name\":\"x\"}]}", "time" },
    { "{\"traceEvents\":[{\"ph\":\"f\",\"pid\":1,\"tid\":2,\"ts\":5,\"id\":\"unterminated}]}", "truncated" },
    { "{\"traceEvents\":[{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":2,\"args\":{}}]}", "args" },
    { "{\"traceEvents\":[{\"ph\":\"XY\"}]}", "ph" },
    { "{\"traceEvents\":[{\"ph\" \"X\"}]}", "':'" },
    { "{\"traceEvents\":[{\"ph\":\"X\",}]}", "string" },
    { "{\"traceEvents\":[],\"other\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "deeply" },
    { "{\"traceEvents\":[{\"ph\":\"i\",\"pid\":1,\"tid\":2,\"ts\":5,\"cat\":\"log\",\"name\":\"a\nb\"}]}", "control" },
  };

  /* Messages that once said the wrong thing: each says what is wrong and
   * where, and none of what it used to. */
  static const struct {
    const char *data;
    gsize       length;     /* NUL bytes in some */
    const char *says[5];      /* NULL-terminated */
    const char *never[5];
  } messages[] = {
    { "", 0, { "empty" }, { "truncated", "line" } },
    { "\x00\x01garbage", 9, { "line 1", "binary", "not JSON" }, { "empty", "truncated" } },
    { "  \x1f\x8b\x08\x00", 6, { "line 1", "binary" }, { "empty", "truncated" } },
    { "\xff\xfe{}", 4, { "line 1", "binary" }, { "empty", "truncated" } },
    { "{\"ph\":\"X\"}", 10, { "line 1", "not a Chrome trace", "traceEvents", "array of events" }, { "truncated", "ends at" } },
    { "\n{\"ph\":\"X\",\n\"ts\":1}\n", 20, { "line 2", "not a Chrome trace" }, { "truncated", "line 4" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      assert_refused (cases[i].json, strlen (cases[i].json), cases[i].says);
    }

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SwTrace) trace = NULL;

      g_test_message ("message %u", i);
      trace = sw_trace_from_chrome_json (messages[i].data, messages[i].length, &error);
      g_assert_null (trace);
      g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
      g_assert_null (strchr (error->message, '\n'));
      assert_words (error->message, messages[i].says, messages[i].never);
    }
}

/* Cut anywhere, a real trace is refused, never half read. */
static void
test_truncated (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTrace) whole = NULL;
  g_autoptr(GBytes) json = NULL;
  const char *set[] = { "coroutines=2", "rounds=2", "io_wait=0.001", "cpu_work=0.001", "slices=4", NULL };
  const char *data;
  gsize length, end;

  run_scenario (trace, "io-vs-cpu", set);
  json = sw_trace_to_chrome_json (trace);
  data = g_bytes_get_data (json, &length);

  whole = sw_trace_from_chrome_json (data, length, NULL);
  g_assert_nonnull (whole);

  end = length;
  while (end > 0 && g_ascii_isspace (data[end - 1]))
    end--;
  for (gsize cut = 0; cut < end; cut += 1 + cut / 64)
    {
      /* A copy of just the prefix, so reading past it would be caught. */
      g_autofree char *prefix = g_memdup2 (data, MAX (cut, 1));

      assert_refused (prefix, cut, NULL);
    }
}

/* A real trace with bytes flipped, dropped, doubled or punctuation put
 * in, from a fixed seed (the libFuzzer target goes further where clang
 * is installed): each is read or refused in one line, never a crash. */
static void
test_mutated (void)
{
  static const char punctuation[] = "{}[]\",:\\ 0-.eE\x80\xff";
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240607);
  const char *set[] = { "pool=thread", "pages=3", "workers=2", "min_download=0.001", "max_download=0.002", NULL };
  const char *data;
  gsize length;
  guint n_read = 0, n_refused = 0;

  run_scenario (trace, "callbacks", set);
  json = sw_trace_to_chrome_json (trace);
  data = g_bytes_get_data (json, &length);

  for (guint round = 0; round < 3000; round++)
    {
      GString *copy = g_string_new_len (data, (gssize) length);
      guint n_edits = 1 + g_rand_int_range (rand, 0, 4);
      g_autoptr(GError) error = NULL;
      g_autoptr(SwTrace) back = NULL;
      g_autofree char *bytes = NULL;
      gsize size;

      for (guint k = 0; k < n_edits && copy->len > 0; k++)
        {
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) copy->len);
          gsize span = (gsize) g_rand_int_range (rand, 1, 64);

          switch (g_rand_int_range (rand, 0, 5))
            {
            case 0:
              copy->str[at] = punctuation[g_rand_int_range (rand, 0, sizeof punctuation - 1)];
              break;
            case 1:
              g_string_erase (copy, (gssize) at, (gssize) MIN (span, copy->len - at));
              break;
            case 2:
              g_string_insert_c (copy, (gssize) at, punctuation[g_rand_int_range (rand, 0, sizeof punctuation - 1)]);
              break;
            case 3:
              g_string_truncate (copy, at);
              break;
            default:
              copy->str[at] ^= (char) (1 << g_rand_int_range (rand, 0, 8));
              break;
            }
        }
      /* Exactly the bytes, in a block of their own, so ASan sees any overread. */
      size = copy->len;
      bytes = g_memdup2 (copy->str, MAX (size, 1));
      g_string_free (copy, TRUE);

      back = sw_trace_from_chrome_json (bytes, size, &error);
      if (back != NULL)
        n_read++;
      else
        {
          g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
          g_assert_null (strchr (error->message, '\n'));
          n_refused++;
        }
    }
  /* Both outcomes happened: the edits hit structure and plain text. */
  g_assert_cmpuint (n_read, >, 0);
  g_assert_cmpuint (n_refused, >, 0);
}

/* Loads @path, which must be refused with @code in one line; its message. */
static char *
load_refused (const char *path,
              gint        code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_load_chrome_json (path, &error);

  g_assert_null (trace);
  g_assert_error (error, SW_ERROR, code);
  g_assert_null (strchr (error->message, '\n'));
  return g_strdup (error->message);
}

static void
test_load_file_errors (void)
{
  static const char *const binary_says[] = { "bad.json: line 1", "binary", NULL };
  static const char *const binary_never[] = { "empty", "truncated", NULL };
  static const char *const event_says[] = { "bad.json: line 1", "not a Chrome trace", NULL };
  static const char *const event_never[] = { "truncated", NULL };
  static const char *const cut_says[] = { "bad.json", "line 2", NULL };
  static const char *const dir_never[] = { "map", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sw-import-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *is_dir = g_strdup_printf ("%s: is a directory", dir);
  char *message;

  message = load_refused (missing, SW_ERROR_IO);
  g_assert_nonnull (strstr (message, "missing.json"));
  g_free (message);

  g_assert_true (g_file_set_contents (bad, "{\"traceEvents\":[\n{\"ph\":\"X\"", -1, NULL));
  message = load_refused (bad, SW_ERROR_INVALID_ARGUMENT);
  assert_words (message, cut_says, NULL);
  g_free (message);

  /* A folder given as the file: said once, plainly, with its name. */
  message = load_refused (dir, SW_ERROR_IO);
  g_assert_cmpstr (message, ==, is_dir);
  assert_words (message, NULL, dir_never);
  g_free (message);

  /* Binary data is not an empty file. */
  g_assert_true (g_file_set_contents (bad, "\x00\x01garbage", 9, NULL));
  message = load_refused (bad, SW_ERROR_INVALID_ARGUMENT);
  assert_words (message, binary_says, binary_never);
  g_free (message);

  /* One event on its own is whole, not truncated. */
  g_assert_true (g_file_set_contents (bad, "{\"ph\":\"X\"}\n", -1, NULL));
  message = load_refused (bad, SW_ERROR_INVALID_ARGUMENT);
  assert_words (message, event_says, event_never);
  g_free (message);

  /* A negative "ts" is read, not "out of range". */
  g_assert_true (g_file_set_contents (bad, "[{\"ph\":\"i\",\"name\":\"a\",\"pid\":1,\"ts\":-5}]", -1, NULL));
  trace = sw_trace_load_chrome_json (bad, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);

  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/TraceImport/round-trip-thread-callbacks", test_round_trip_thread_callbacks);
  g_test_add_func ("/Sw/TraceImport/round-trip-process-callbacks", test_round_trip_process_callbacks);
  g_test_add_func ("/Sw/TraceImport/round-trip-thread-pool", test_round_trip_thread_pool);
  g_test_add_func ("/Sw/TraceImport/round-trip-process-crash", test_round_trip_process_crash);
  g_test_add_func ("/Sw/TraceImport/round-trip-coroutines", test_round_trip_coroutines);
  g_test_add_func ("/Sw/TraceImport/round-trip-spawn-joinall", test_round_trip_spawn_joinall);
  g_test_add_func ("/Sw/TraceImport/round-trip-echo-flood", test_round_trip_echo_flood);
  g_test_add_func ("/Sw/TraceImport/round-trip-still-open", test_round_trip_still_open);
  g_test_add_func ("/Sw/TraceImport/hand-written", test_hand_written);
  g_test_add_func ("/Sw/TraceImport/other-tool", test_other_tool);
  g_test_add_func ("/Sw/TraceImport/other-tool-lane-order", test_other_tool_lane_order);
  g_test_add_func ("/Sw/TraceImport/sort-index", test_sort_index);
  g_test_add_func ("/Sw/TraceImport/negative-time", test_negative_time);
  g_test_add_func ("/Sw/TraceImport/extreme-times", test_extreme_times);
  g_test_add_func ("/Sw/TraceImport/malformed-refused", test_malformed);
  g_test_add_func ("/Sw/TraceImport/truncated-refused", test_truncated);
  g_test_add_func ("/Sw/TraceImport/mutated", test_mutated);
  g_test_add_func ("/Sw/TraceImport/load-file-errors", test_load_file_errors);

  return g_test_run ();
}
