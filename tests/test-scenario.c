/* test-scenario.c — parameters are checked; the lessons run for real */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "switchyard.h"

static void
test_scenario_lookup (void)
{
  g_autoptr(GError) error = NULL;
  guint n;

  g_assert_nonnull (sw_scenario_list (&n));
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpstr (sw_scenario_get_default ()->name, ==, "thread-pool");
  g_assert_true (sw_scenario_lookup ("thread-pool", &error) == sw_scenario_get_default ());
  g_assert_null (sw_scenario_lookup ("no-such", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no-such"));
}

static void
test_scenario_params_defaults_and_checks (void)
{
  g_autoptr(SwParams) p = sw_params_new (sw_scenario_get_default ());
  const SwScenario *s = sw_scenario_get_default ();
  struct { const char *assignment; gboolean ok; } cases[] = {
    { "workers=8", TRUE },
    { "workers=0", FALSE },        /* out of range */
    { "workers=2.5", FALSE },      /* not whole */
    { "workers=", FALSE },
    { "min_sleep=0.25", TRUE },
    { "min_sleep=abc", FALSE },
    { "min_sleep=nan", FALSE },
    { "mode=sync", TRUE },
    { "mode=fast", FALSE },
    { "colour=red", FALSE },       /* no such key */
    { "workers", FALSE },          /* not KEY=VALUE */
    { "=4", FALSE },
  };

  g_assert_cmpint (sw_params_get_int (p, "workers"), ==, 4);
  g_assert_cmpint (sw_params_get_int (p, "tasks"), ==, 10);
  g_assert_cmpfloat (sw_params_get_double (p, "min_sleep"), ==, 1.0);
  g_assert_cmpfloat (sw_params_get_double (p, "max_sleep"), ==, 3.0);
  g_assert_cmpstr (sw_params_get_string (p, "mode"), ==, "async");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = sw_params_set_assignment (p, cases[i].assignment, &error);

      g_test_message ("%s", cases[i].assignment);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
    }
  /* Failed sets leave the last good value. */
  g_assert_cmpint (sw_params_get_int (p, "workers"), ==, 8);
  g_assert_cmpstr (sw_params_get_string (p, "mode"), ==, "sync");

  {
    g_autoptr(GError) error = NULL;

    g_assert_true (sw_params_set (p, "min_sleep", "2", NULL));
    g_assert_true (sw_params_set (p, "max_sleep", "1", NULL));
    g_assert_false (s->check (p, &error));
    g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  }
}

typedef struct
{
  GMutex     mutex;     /* lines come from workers and the manager too */
  GPtrArray *all;       /* guarded by mutex */
  guint      n_lines;
  gboolean   saw_done;
  const char *kill_after;  /* SIGKILL the process that printed a line with this */
} Lines;

static void
count_line_cb (const char *line,
               gpointer    user_data)
{
  Lines *lines = user_data;

  g_mutex_lock (&lines->mutex);
  if (lines->all == NULL)
    lines->all = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (lines->all, g_strdup (line));
  lines->n_lines++;
  if (g_str_has_prefix (line, "main done in"))
    lines->saw_done = TRUE;
  /* "process PID thread TID downloads page …": kill that worker, once. */
  if (lines->kill_after != NULL && strstr (line, lines->kill_after) != NULL &&
      g_str_has_prefix (line, "process "))
    {
      int pid = atoi (line + strlen ("process "));

      g_assert_cmpint (pid, >, 1);
      g_assert_cmpint (pid, !=, getpid ());
      kill (pid, SIGKILL);
      lines->kill_after = NULL;
    }
  g_mutex_unlock (&lines->mutex);
}

static gboolean
lines_contain (Lines      *lines,
               const char *needle)
{
  for (guint i = 0; lines->all && i < lines->all->len; i++)
    if (strstr (g_ptr_array_index (lines->all, i), needle))
      return TRUE;
  return FALSE;
}

static void
lines_clear (Lines *lines)
{
  g_clear_pointer (&lines->all, g_ptr_array_unref);
}

/* Runs a scenario to its end; returns its events (and its trace). */
static GArray *
run_scenario (const char         *name,
              const char * const *assignments,
              Lines              *lines,
              SwTrace           **trace_out)
{
  const SwScenario *s = sw_scenario_lookup (name, NULL);
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; assignments[i]; i++)
    g_assert_true (sw_params_set_assignment (p, assignments[i], NULL));
  run = sw_scenario_run_new (s, p, trace);
  sw_scenario_run_set_line_func (run, count_line_cb, lines);
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
  if (trace_out)
    *trace_out = g_object_ref (trace);
  return sw_trace_dup_events (trace);
}

static GArray *
run_lesson (const char * const *assignments,
            Lines              *lines)
{
  return run_scenario ("thread-pool", assignments, lines, NULL);
}

static gint
lane_pid (SwTrace *trace,
          guint32  lane_id)
{
  SwLane lane;

  g_assert_true (sw_trace_get_lane (trace, lane_id, &lane));
  return lane.pid;
}

static void
test_scenario_process_pool_reuses_four_processes (void)
{
  const char *set[] = { "workers=4", "tasks=10", "min_sleep=0.05", "max_sleep=0.1", NULL };
  Lines lines = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) events = run_scenario ("process-pool", set, &lines, &trace);
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  guint callbacks = 0, ctx_in_workers = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_START)
        {
          gint pid = lane_pid (trace, e->lane);

          g_assert_cmpint (pid, !=, getpid ());
          g_hash_table_add (pids, GINT_TO_POINTER (pid));
        }
      else if (e->kind == SW_EVENT_CTX_SWITCHES)
        ctx_in_workers += lane_pid (trace, e->lane) != getpid ();
      else if (e->kind == SW_EVENT_CALLBACK_BEGIN)
        {
          /* Done-callbacks of a process pool run in the parent process. */
          g_assert_cmpint (lane_pid (trace, e->lane), ==, getpid ());
          callbacks++;
        }
    }
  g_assert_cmpuint (g_hash_table_size (pids), ==, 4);
  g_assert_cmpuint (callbacks, ==, 10);
  /* Workers read their own context switches and ship them with their events. */
  g_assert_cmpuint (ctx_in_workers, >, 0);
  g_assert_true (lines.saw_done);
  g_assert_true (lines_contain (&lines, "task 10 result: 10"));
  lines_clear (&lines);
}

static void
test_scenario_process_pool_crash_breaks_pool (void)
{
  const char *set[] = { "workers=2", "tasks=4", "min_sleep=0.05", "max_sleep=0.1", "crash_task=2", NULL };
  Lines lines = { 0 };
  g_autoptr(GArray) events = run_scenario ("process-pool", set, &lines, NULL);
  SwTaskStats stats;

  /* The run ends by itself and says which futures failed and why. */
  sw_task_stats_compute ((SwEvent *) events->data, events->len, &stats);
  g_assert_cmpuint (stats.n_failed, >=, 1);
  g_assert_true (lines_contain (&lines, "task 2 failed: "));
  g_assert_true (lines_contain (&lines, "killed by signal 6"));
  g_assert_true (lines_contain (&lines, "summary: wall "));
  g_assert_true (lines.saw_done);
  lines_clear (&lines);
}

/* Lesson 2 on a pool that breaks: the pages never parsed say why. */
static void
test_scenario_callbacks_broken_pool_says_why (void)
{
  const char *set[] = { "pool=process", "pages=4", "workers=2", "min_download=0.3",
                        "max_download=0.3", "parse=0.01", NULL };
  Lines lines = { 0 };
  g_autoptr(GArray) events = NULL;
  SwTaskStats stats;

  lines.kill_after = "downloads page 1 ";
  events = run_scenario ("callbacks", set, &lines, NULL);
  g_assert_null (lines.kill_after);
  sw_task_stats_compute ((SwEvent *) events->data, events->len, &stats);
  g_assert_cmpuint (stats.n_failed, >=, 1);
  g_assert_true (lines_contain (&lines, "page 1 failed: the process pool is broken: worker "));
  g_assert_true (lines_contain (&lines, "killed by signal 9"));
  g_assert_true (lines.saw_done);
  lines_clear (&lines);
}

/* A crash_task past the last task would show an unbroken pool: refused. */
static void
test_scenario_crash_task_past_the_tasks_refused (void)
{
  const SwScenario *s = sw_scenario_lookup ("process-pool", NULL);
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(GError) error = NULL;

  g_assert_true (sw_params_set_assignment (p, "tasks=4", NULL));
  g_assert_true (sw_params_set_assignment (p, "crash_task=4", NULL));
  g_assert_true (s->check (p, NULL));
  g_assert_true (sw_params_set_assignment (p, "crash_task=5", NULL));
  g_assert_false (s->check (p, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "crash_task"));
}

/* Decoupled parse: which lane printed "parses page i", and where did
 * page i's download start? */
static void
assert_parse_lanes (const char *pool,
                    gboolean    in_parent)
{
  g_autofree char *pool_set = g_strdup_printf ("pool=%s", pool);
  const char *set[] = { pool_set, "pages=4", "workers=4", "min_download=0.05",
                        "max_download=0.1", "parse=0.02", NULL };
  Lines lines = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) events = run_scenario ("callbacks", set, &lines, &trace);
  g_autoptr(GHashTable) start_lane = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) label_task = g_hash_table_new (g_str_hash, g_str_equal);
  guint parses = 0;

  for (guint i = 0; i < events->len; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_SUBMIT)
        g_hash_table_insert (label_task, (gpointer) sw_trace_lookup_string (trace, e->arg), &e->object);
      else if (e->kind == SW_EVENT_TASK_START)
        g_hash_table_insert (start_lane, &e->object, GUINT_TO_POINTER (e->lane));
    }
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      const char *line;
      guint page;
      g_autofree char *label = NULL;
      guint64 *task;

      if (e->kind != SW_EVENT_LOG)
        continue;
      line = sw_trace_lookup_string (trace, e->arg);
      if (strstr (line, " parses page ") == NULL)
        continue;
      page = (guint) g_ascii_strtoull (strstr (line, " parses page ") + 13, NULL, 10);
      label = g_strdup_printf ("page %u", page);
      task = g_hash_table_lookup (label_task, label);
      g_assert_nonnull (task);
      if (in_parent)
        g_assert_cmpint (lane_pid (trace, e->lane), ==, getpid ());
      else
        g_assert_cmpuint (e->lane, ==, GPOINTER_TO_UINT (g_hash_table_lookup (start_lane, task)));
      parses++;
    }
  g_assert_cmpuint (parses, ==, 4);
  lines_clear (&lines);
}

static void
test_scenario_callbacks_parse_in_parent_for_processes (void)
{
  assert_parse_lanes ("process", TRUE);
}

static void
test_scenario_callbacks_parse_on_worker_thread_for_threads (void)
{
  assert_parse_lanes ("thread", FALSE);
}

static guint
max_concurrent_tasks (GArray *events)
{
  guint running = 0, peak = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_START)
        {
          running++;
          peak = MAX (peak, running);
        }
      else if (e->kind == SW_EVENT_TASK_END || e->kind == SW_EVENT_TASK_ERROR)
        running--;
    }
  return peak;
}

static void
test_scenario_thread_pool_async_overlaps (void)
{
  const char *set[] = { "workers=4", "tasks=8", "min_sleep=0.2", "max_sleep=0.2", NULL };
  Lines lines = { 0 };
  g_autoptr(GArray) events = run_lesson (set, &lines);
  g_autoptr(GHashTable) worker_lanes = g_hash_table_new (NULL, NULL);
  guint32 main_lane = 0;
  guint submits = 0, ends = 0, callbacks = 0, ctx_on_workers = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      switch (e->kind)
        {
        case SW_EVENT_TASK_SUBMIT:
          submits++;
          g_assert_true (main_lane == 0 || main_lane == e->lane);
          main_lane = e->lane;
          break;
        case SW_EVENT_TASK_START:
          g_assert_cmpuint (e->lane, !=, main_lane);
          g_hash_table_add (worker_lanes, GUINT_TO_POINTER (e->lane));
          break;
        case SW_EVENT_CTX_SWITCHES:
          ctx_on_workers += g_hash_table_contains (worker_lanes, GUINT_TO_POINTER (e->lane));
          break;
        case SW_EVENT_TASK_END:
          ends++;
          break;
        case SW_EVENT_CALLBACK_BEGIN:
          callbacks++;
          g_assert_true (g_hash_table_contains (worker_lanes, GUINT_TO_POINTER (e->lane)));
          break;
        default:
          break;
        }
    }

  g_assert_cmpuint (submits, ==, 8);
  g_assert_cmpuint (ends, ==, 8);
  g_assert_cmpuint (callbacks, ==, 8);
  /* Sleeping tasks block: their threads' voluntary switches are recorded. */
  g_assert_cmpuint (ctx_on_workers, >, 0);
  g_assert_cmpuint (g_hash_table_size (worker_lanes), <=, 4);
  g_assert_cmpuint (max_concurrent_tasks (events), >=, 2);
  g_assert_cmpuint (max_concurrent_tasks (events), <=, 4);
  g_assert_true (lines.saw_done);
  /* Per task: a running line, a callback line, a result line. */
  g_assert_cmpuint (lines.n_lines, >=, 8 * 3);
  lines_clear (&lines);
}

static void
test_scenario_thread_pool_sync_serialises (void)
{
  const char *set[] = { "workers=4", "tasks=5", "min_sleep=0.01", "max_sleep=0.03", "mode=sync", NULL };
  Lines lines = { 0 };
  g_autoptr(GArray) events = run_lesson (set, &lines);
  SwTaskStats stats;

  /* Waiting for each result at once: never two tasks at a time. */
  g_assert_cmpuint (max_concurrent_tasks (events), ==, 1);
  sw_task_stats_compute ((SwEvent *) events->data, events->len, &stats);
  g_assert_cmpuint (stats.n_finished, ==, 5);
  g_assert_cmpfloat (stats.speedup, <=, 1.0);
  g_assert_true (lines.saw_done);
  lines_clear (&lines);
}

static guint
count_events (GArray  *events,
              guint16  kind,
              gint     flags)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == kind && (flags < 0 || e->flags == flags))
        n++;
    }
  return n;
}

/* Lesson 4: three coroutines sleeping 5, 5 and 3 s (scaled) overlap on
 * one thread; the lesson's lines come out, every switch is recorded. */
static void
test_scenario_spawn_joinall_overlaps (void)
{
  const char *set[] = { "scale=0.02", NULL };
  const double scale = 0.02;
  Lines lines = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) events = NULL;
  g_autoptr(GArray) lanes = NULL;
  gint64 start = g_get_monotonic_time ();
  double wall;
  guint32 main_lane = 0;
  guint n_coroutine_lanes = 0;

  events = run_scenario ("spawn-joinall", set, &lines, &trace);
  wall = (g_get_monotonic_time () - start) / 1e6;

  /* One-sided: run one after another they would take 13 × scale. */
  g_assert_cmpfloat (wall, <, 0.8 * 13 * scale);

  for (const char * const *l = (const char * const[]) {
         "大海1 play 1", "大海2 play 1", "大海 eat 1",
         "大海 eat 2", "大海1 play 2", "大海2 play 2", "主 ", NULL }; *l; l++)
    {
      g_test_message ("line %s", *l);
      g_assert_true (lines_contain (&lines, *l));
    }
  g_assert_true (lines.saw_done);

  /* The coroutines are lanes under main. */
  lanes = sw_trace_dup_lanes (trace);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);

      if (lane->kind == SW_LANE_THREAD && g_strcmp0 (lane->name, "main") == 0)
        main_lane = lane->id;
    }
  g_assert_cmpuint (main_lane, !=, 0);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);

      if (lane->kind == SW_LANE_COROUTINE)
        {
          g_assert_cmpuint (lane->parent, ==, main_lane);
          n_coroutine_lanes++;
        }
    }
  g_assert_cmpuint (n_coroutine_lanes, ==, 3);

  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SPAWN, -1), ==, 3);
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_EXIT, 0), ==, 3);
  /* Each gave the thread up to sleep, and main to join them. */
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SWITCH, SW_SWITCH_SLEEP), >=, 3);
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN), >=, 1);
  g_assert_true (lines_contain (&lines, "summary: wall "));
  lines_clear (&lines);
}

/* Lesson 3: both runs report their totals and switch counts. */
static void
test_scenario_io_vs_cpu_reports_both (void)
{
  const char *set[] = { "scale=0.02", "coroutines=3", "rounds=3", "slices=200", NULL };
  Lines lines = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) events = run_scenario ("io-vs-cpu", set, &lines, &trace);
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (trace);
  guint io = 0, cpu = 0;

  g_assert_true (lines_contain (&lines, "io total "));
  g_assert_true (lines_contain (&lines, "cpu total "));
  g_assert_true (lines_contain (&lines, " switches"));
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *lane = &g_array_index (lanes, SwLane, i);

      if (lane->kind != SW_LANE_COROUTINE)
        continue;
      if (g_str_has_prefix (lane->name, "io-") && g_ascii_isdigit (lane->name[3]))
        io++;
      else if (g_str_has_prefix (lane->name, "cpu-") && g_ascii_isdigit (lane->name[4]))
        cpu++;
    }
  g_assert_cmpuint (io, ==, 3);
  g_assert_cmpuint (cpu, ==, 3);
  /* Readers wait on real sockets (recv); the CPU run switches by force. */
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SWITCH, SW_SWITCH_RECV), >=, 3 * 3);
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD), >=, 3 * 200);
  lines_clear (&lines);
}

/* Every scenario that sleeps takes the scale parameter. */
static void
test_scenario_scale_everywhere (void)
{
  const char *names[] = { "thread-pool", "process-pool", "callbacks", "spawn-joinall", "io-vs-cpu" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const SwScenario *s = sw_scenario_lookup (names[i], NULL);
      g_autoptr(SwParams) p = NULL;

      g_assert_nonnull (s);
      p = sw_params_new (s);
      g_assert_nonnull (sw_scenario_find_param (s, "scale"));
      g_assert_cmpfloat (sw_params_get_double (p, "scale"), ==, 1.0);
      g_assert_false (sw_params_set (p, "scale", "0", NULL));
      g_assert_true (sw_params_set (p, "scale", "0.5", NULL));
    }
}

typedef struct
{
  SwScenarioRun *run;
  gboolean       ok;
  GError        *error;
} Background;

static gpointer
execute_worker (gpointer data)
{
  Background *bg = data;

  bg->ok = sw_scenario_run_execute (bg->run, &bg->error);
  return NULL;
}

static gboolean
has_lane_named (SwTrace    *trace,
                const char *name)
{
  g_autoptr(GArray) lanes = sw_trace_dup_lanes (trace);

  for (guint i = 0; i < lanes->len; i++)
    if (g_strcmp0 (g_array_index (lanes, SwLane, i).name, name) == 0)
      return TRUE;
  return FALSE;
}

/* Stops the run once it recorded @min_events events and @lane exists;
 * returns what it recorded. */
static GArray *
assert_stop_ends_run_with (const char         *name,
                           const char * const *assignments,
                           guint64             min_events,
                           const char         *lane)
{
  const SwScenario *s = sw_scenario_lookup (name, NULL);
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwScenarioRun) run = NULL;
  Background bg = { 0 };
  GThread *thread;
  gint64 deadline;

  for (guint i = 0; assignments[i]; i++)
    g_assert_true (sw_params_set_assignment (p, assignments[i], NULL));
  run = sw_scenario_run_new (s, p, trace);
  bg.run = run;
  thread = g_thread_new ("scenario", execute_worker, &bg);

  /* Once a task is sleeping, stop. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((sw_trace_get_recorded (trace) < min_events ||
          (lane != NULL && !has_lane_named (trace, lane))) &&
         g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_cancellable_cancel (sw_scenario_run_get_cancellable (run));
  g_thread_join (thread);

  g_assert_false (bg.ok);
  g_assert_error (bg.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&bg.error);
  return sw_trace_dup_events (trace);
}

static void
assert_stop_ends_run (const char *name)
{
  /* Four workers, ten tasks: all but four are still queued when Stop
   * comes (if it comes before all ten are submitted, fewer are). */
  const char *set[] = { "min_sleep=30", "max_sleep=30", NULL };
  g_autoptr(GArray) events = assert_stop_ends_run_with (name, set, 5, NULL);
  SwTaskStats stats;

  /* The queued ones never run: cancelled, not started and then failed. */
  sw_task_stats_compute ((SwEvent *) events->data, events->len, &stats);
  g_assert_cmpuint (stats.n_submitted, >=, 1);
  g_assert_cmpuint (stats.n_cancelled + stats.n_failed, ==, stats.n_submitted);
  g_assert_cmpuint (stats.n_cancelled + 4, >=, stats.n_submitted);
}

/* Tasks sleep 30 s: had Stop not reached them, meson's timeout fails us. */
static void
test_scenario_stop_ends_run (void)
{
  assert_stop_ends_run ("thread-pool");
}

static void
test_scenario_stop_reaches_worker_processes (void)
{
  assert_stop_ends_run ("process-pool");
}

/* Coroutines sleep 50 s (scale 10): Stop cancels them on their thread.
 * Ten events: three spawns, main's switch, three prints and three
 * switches to sleep — all three are asleep by then. */
static void
test_scenario_stop_ends_coroutines (void)
{
  const char *set[] = { "scale=10", NULL };
  g_autoptr(GArray) events = assert_stop_ends_run_with ("spawn-joinall", set, 10, NULL);

  /* Woken from their sleeps, each ended with the cancellation error. */
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_SWITCH, SW_SWITCH_SLEEP), ==, 3);
  g_assert_cmpuint (count_events (events, SW_EVENT_CO_EXIT, SW_EVENT_FLAG_FAILED), ==, 3);
}

/* The CPU run never waits: Stop must still end it (4 × 60 s of work). */
static void
test_scenario_stop_ends_cpu_coroutines (void)
{
  const char *set[] = { "io_wait=0", "rounds=1", "cpu_work=60", "slices=100000", NULL };

  g_autoptr(GArray) events = assert_stop_ends_run_with ("io-vs-cpu", set, 5, "cpu-1");

  g_assert_cmpuint (count_events (events, SW_EVENT_CO_EXIT, SW_EVENT_FLAG_FAILED), >=, 1);
}

/* Lesson 5: server and flood in one process; every reply right, both
 * sides recorded (the server's ids from 1, the clients' from
 * SW_FLOOD_CONNECTION_ID_BASE), the server's counters there. */
static void
assert_echo_flood_runs (const char *mode)
{
  g_autofree char *mode_set = g_strdup_printf ("mode=%s", mode);
  const char *set[] = { "clients=30", "messages=5", mode_set, NULL };
  Lines lines = { 0 };
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) events = NULL;
  guint server_opens = 0, server_closes = 0, client_opens = 0, client_closes = 0;
  gboolean saw_connections_counter = FALSE;
  guint64 connections_id;

  events = run_scenario ("echo-flood", set, &lines, &trace);
  g_assert_true (lines_contain (&lines, "flood: clients 30 messages 150 ok 150 errors 0 msgs/s "));
  g_assert_true (lines_contain (&lines, "server: accepted 30 messages "));

  connections_id = sw_trace_intern (trace, "connections");
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      gboolean client = e->object >= SW_FLOOD_CONNECTION_ID_BASE;

      if (e->kind == SW_EVENT_CONN_OPEN)
        (*(client ? &client_opens : &server_opens))++;
      else if (e->kind == SW_EVENT_CONN_CLOSE)
        (*(client ? &client_closes : &server_closes))++;
      else if (e->kind == SW_EVENT_COUNTER && e->object == connections_id)
        saw_connections_counter = TRUE;
    }
  g_assert_cmpuint (client_opens, ==, 30);
  g_assert_cmpuint (client_closes, ==, 30);
  g_assert_cmpuint (server_opens, ==, 30);
  g_assert_cmpuint (server_closes, ==, 30);
  g_assert_true (saw_connections_counter);
  g_assert_true (has_lane_named (trace, "echo server"));
  lines_clear (&lines);
}

static void
test_scenario_echo_flood_coroutines (void)
{
  assert_echo_flood_runs ("coroutines");
}

static void
test_scenario_echo_flood_threads (void)
{
  assert_echo_flood_runs ("threads");
}

static void
test_scenario_echo_flood_checks_threads_limit (void)
{
  const SwScenario *s = sw_scenario_lookup ("echo-flood", NULL);
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sw_params_get_int (p, "clients"), ==, 500);
  g_assert_true (sw_params_set (p, "clients", "5000", NULL));
  g_assert_true (s->check (p, NULL));
  g_assert_true (sw_params_set (p, "mode", "threads", NULL));
  g_assert_false (s->check (p, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

/* A million messages each: only Stop ends it in time. */
static void
test_scenario_stop_ends_echo_flood (void)
{
  const char *modes[] = { "mode=coroutines", "mode=threads" };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      const char *set[] = { "clients=20", "messages=1000000", modes[i], NULL };
      g_autoptr(GArray) events = assert_stop_ends_run_with ("echo-flood", set, 2000, NULL);

      g_assert_cmpuint (count_events (events, SW_EVENT_BYTES_IN, -1), >, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Scenario/lookup", test_scenario_lookup);
  g_test_add_func ("/Sw/Scenario/params-defaults-and-checks", test_scenario_params_defaults_and_checks);
  g_test_add_func ("/Sw/Scenario/thread-pool-async-overlaps", test_scenario_thread_pool_async_overlaps);
  g_test_add_func ("/Sw/Scenario/thread-pool-sync-serialises", test_scenario_thread_pool_sync_serialises);
  g_test_add_func ("/Sw/Scenario/stop-ends-run", test_scenario_stop_ends_run);
  g_test_add_func ("/Sw/Scenario/stop-reaches-worker-processes", test_scenario_stop_reaches_worker_processes);
  g_test_add_func ("/Sw/Scenario/process-pool-reuses-four-processes", test_scenario_process_pool_reuses_four_processes);
  g_test_add_func ("/Sw/Scenario/process-pool-crash-breaks-pool", test_scenario_process_pool_crash_breaks_pool);
  g_test_add_func ("/Sw/Scenario/callbacks-broken-pool-says-why", test_scenario_callbacks_broken_pool_says_why);
  g_test_add_func ("/Sw/Scenario/crash-task-past-the-tasks-refused", test_scenario_crash_task_past_the_tasks_refused);
  g_test_add_func ("/Sw/Scenario/callbacks-parse-in-parent-for-processes", test_scenario_callbacks_parse_in_parent_for_processes);
  g_test_add_func ("/Sw/Scenario/callbacks-parse-on-worker-thread-for-threads", test_scenario_callbacks_parse_on_worker_thread_for_threads);
  g_test_add_func ("/Sw/Scenario/spawn-joinall-overlaps", test_scenario_spawn_joinall_overlaps);
  g_test_add_func ("/Sw/Scenario/io-vs-cpu-reports-both", test_scenario_io_vs_cpu_reports_both);
  g_test_add_func ("/Sw/Scenario/scale-everywhere", test_scenario_scale_everywhere);
  g_test_add_func ("/Sw/Scenario/stop-ends-coroutines", test_scenario_stop_ends_coroutines);
  g_test_add_func ("/Sw/Scenario/stop-ends-cpu-coroutines", test_scenario_stop_ends_cpu_coroutines);
  g_test_add_func ("/Sw/Scenario/echo-flood-coroutines", test_scenario_echo_flood_coroutines);
  g_test_add_func ("/Sw/Scenario/echo-flood-threads", test_scenario_echo_flood_threads);
  g_test_add_func ("/Sw/Scenario/echo-flood-checks-threads-limit", test_scenario_echo_flood_checks_threads_limit);
  g_test_add_func ("/Sw/Scenario/stop-ends-echo-flood", test_scenario_stop_ends_echo_flood);

  return g_test_run ();
}
