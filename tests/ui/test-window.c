/* test-window.c — the real window, the real template, a real run (Xvfb) */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

#include <unistd.h>
#include "ui-test-util.h"

static gboolean
has_open_span (gpointer win)
{
  SwTimelineModel *model = sw_window_get_model (win);

  return model != NULL && sw_timeline_model_get_n_open_spans (model) > 0;
}

static void
test_run_to_completion (void)
{
  static const char * const params[] = {
    "workers", "4", "tasks", "8", "min_sleep", "0.05", "max_sleep", "0.2", NULL,
  };
  SwWindow *win;
  SwTimelineModel *model;
  const SwTimelineLane *main_lane;
  g_autofree char *console = NULL;
  guint n_worker_lanes = 0;
  guint n_bars = 0;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  ui_test_set_params (win, params);

  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_IDLE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_RUNNING);
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));

  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Finished"));
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "speedup"));

  model = sw_window_get_model (win);
  g_assert_nonnull (model);

  /* One lane for main and one per worker thread. */
  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (main_lane);
  for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);

      g_assert_cmpint (lane->tid, >, 0);
      if (lane != main_lane)
        n_worker_lanes++;
      n_bars += lane->tasks->len;
      /* Tasks run on workers, never on main. */
      if (lane == main_lane)
        g_assert_cmpuint (lane->tasks->len, ==, 0);
    }
  g_assert_cmpuint (n_worker_lanes, ==, 4);

  /* Eight bars, all closed; eight submits, all on the main lane. */
  g_assert_cmpuint (n_bars, ==, 8);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, 8);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (model), ==, 0);
  g_assert_cmpuint (main_lane->submits->len, ==, 8);
  g_assert_cmpuint (sw_timeline_model_get_n_submits (model), ==, 8);
  /* Done-callbacks are on by default and run on the workers. */
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (model), ==, 8);
  g_assert_cmpuint (main_lane->callbacks->len, ==, 0);

  /* The lesson's lines reached the console. */
  console = sw_window_dup_console_text (win);
  g_assert_nonnull (strstr (console, "task"));
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (model), >, 0);

  /* Let the timeline draw the finished run, then keep the picture. */
  ui_test_draw_frames (sw_window_get_timeline (win));

  ui_test_save_screenshot (win, "screenshot-window.png");
  /* Eight task bars and eight callbacks at least (more if sub-pixel). */
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (sw_window_get_timeline (win)), >=, 16);
  /* Sleeping tasks block: their workers' OS switches are on their rows,
   * and the lesson's lines are flags on the rows that printed them. */
  g_assert_cmpuint (sw_timeline_get_n_drawn (sw_window_get_timeline (win), SW_TIMELINE_DRAWN_CTX_TICKS), >, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn (sw_window_get_timeline (win), SW_TIMELINE_DRAWN_LOG_MARKS), >, 0);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_stop_ends_long_run (void)
{
  static const char * const long_params[] = {
    "workers", "2", "tasks", "4", "min_sleep", "20", "max_sleep", "30", NULL,
  };
  static const char * const short_params[] = {
    "workers", "2", "tasks", "3", "min_sleep", "0.01", "max_sleep", "0.05", NULL,
  };
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  ui_test_set_params (win, long_params);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, has_open_span, 10.0));

  /* A picture of a live run: open bars growing towards "now". */
  ui_test_draw_frames (sw_window_get_timeline (win));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_RUNNING);
  g_assert_true (sw_timeline_get_follow (sw_window_get_timeline (win)));
  ui_test_save_screenshot (win, "screenshot-window-running.png");

  /* Run is disabled while running; Stop is enabled. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.stop", NULL));

  /* Every task sleeps ≥ 20 s: ending within 10 s means Stop worked. */
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 10.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_STOPPED);
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Stopped"));

  /* The window still works: a short run goes to the end. */
  ui_test_set_params (win, short_params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (sw_window_get_model (win)), ==, 3);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_bad_value_is_reported (void)
{
  g_autoptr(GError) error = NULL;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);

  /* Out of range for the widget: refused with an error, nothing runs. */
  g_assert_false (sw_window_set_param (win, "workers", "100000", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sw_window_set_param (win, "no-such-key", "1", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);

  /* Valid one by one, invalid together: the scenario says why, and the
   * status line shows it. */
  ui_test_set_params (win, (const char * const[]) { "min_sleep", "2", "max_sleep", "0.5", NULL });
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FAILED);
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "min_sleep"));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Synchronous submission: main blocks in result() after each submit, and
 * the timeline shows those waits on the main lane. */
static void
test_sync_mode_waits_on_main (void)
{
  static const char * const params[] = {
    "workers", "2", "tasks", "3", "min_sleep", "0.1", "max_sleep", "0.15", "mode", "sync", NULL,
  };
  const SwTimelineLane *main_lane;
  SwTimelineModel *model;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  ui_test_set_params (win, params);
  sw_window_set_presentation (win, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);

  model = sw_window_get_model (win);
  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (main_lane);
  /* Each task sleeps ≥ 0.1 s and main asks for its result at once; then
   * main waits in shutdown(wait=True) for the pool (object 0). */
  {
    guint n_result_waits = 0, n_shutdown_waits = 0;

    for (guint i = 0; i < main_lane->waits->len; i++)
      {
        const SwTimelineSpan *wait = &g_array_index (main_lane->waits, SwTimelineSpan, i);

        g_assert_cmpint (wait->end_ns, !=, SW_TIMELINE_OPEN);
        if (wait->object == 0)
          n_shutdown_waits++;
        else
          n_result_waits++;
      }
    g_assert_cmpuint (n_result_waits, ==, 3);
    g_assert_cmpuint (n_shutdown_waits, ==, 1);
    g_assert_cmpuint (sw_timeline_model_get_n_waits (model), ==, main_lane->waits->len);
  }

  ui_test_draw_frames (sw_window_get_timeline (win));
  ui_test_save_screenshot (win, "screenshot-window-sync.png");

  gtk_window_destroy (GTK_WINDOW (win));
}

/* 50,000 tasks of a few nanoseconds each on one lane: what a frame draws
 * is bounded by the widget's pixels, not by the events, at any zoom. */
static void
test_timeline_level_of_detail (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  GtkWidget *window;
  SwTimeline *timeline;
  guint32 lane;
  int width;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  lane = sw_trace_register_lane (trace, SW_LANE_THREAD, "busy", getpid (), 4242,
                                 sw_trace_get_process_lane (trace));
  for (guint64 i = 1; i <= 50000; i++)
    {
      sw_trace_record_on_lane (trace, lane, SW_EVENT_TASK_START, 0, i, 0);
      sw_trace_record_on_lane (trace, lane, SW_EVENT_TASK_END, 0, i, 0);
    }
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, 50000);

  window = ui_test_show_timeline (model, 800, 300, &timeline);

  ui_test_draw_frames (timeline);
  width = gtk_widget_get_width (GTK_WIDGET (timeline));
  g_assert_cmpint (width, >, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), <=, (guint) width);

  /* Zoomed in, the user leaves follow mode; still bounded. */
  g_assert_true (sw_timeline_get_follow (timeline));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-in", NULL));
  g_assert_false (sw_timeline_get_follow (timeline));
  /* Deep zoom onto the middle task (the times may have gaps where this
   * machine paused the loop, so aim at a task, not at a time). */
  {
    const SwTimelineLane *busy = sw_timeline_model_get_lane (model, 0);
    const SwTimelineSpan *middle = &g_array_index (busy->tasks, SwTimelineSpan, busy->tasks->len / 2);

    sw_timeline_show_range (timeline, middle->start_ns - 500, middle->start_ns + 500);
  }
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), <=, (guint) width);

  /* Fit brings follow mode back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.fit", NULL));
  g_assert_true (sw_timeline_get_follow (timeline));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A synthetic single-thread server: @n_conns connection coroutines under
 * one thread, connecting one after the other over the first 40% of
 * @duration_ns, each woken @runs_per_conn times for 20 µs (a switch from
 * the thread to it and one back), a third of them closing towards the end;
 * with counters "connections", "messages/s" and "switches/s" like the echo
 * server's.  Events get chosen times through an importer, so the picture
 * is the same on any machine. */
typedef struct {
  gint64  time;
  guint32 conn;     /* index, or G_MAXUINT32 for a counter sample */
  guint16 kind;
  guint16 flags;
  guint64 object;
  guint64 arg;
} SynthEvent;

static gint
synth_event_compare (gconstpointer a,
                     gconstpointer b)
{
  const SynthEvent *ea = a, *eb = b;

  return (ea->time > eb->time) - (ea->time < eb->time);
}

static SwTrace *
make_server_trace (guint    n_conns,
                   guint    runs_per_conn,
                   gint64   duration_ns,
                   gboolean counters)
{
  SwTrace *trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  g_autoptr(SwTraceImporter) importer = NULL;
  g_autoptr(GArray) plan = g_array_new (FALSE, FALSE, sizeof (SynthEvent));
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (SwEvent));
  g_autofree guint32 *conn_lane = g_new0 (guint32, n_conns);
  g_autofree gint64 *close_at = g_new0 (gint64, n_conns);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gint64 origin = sw_trace_get_origin_ns (trace);
  gint64 ramp = duration_ns * 4 / 10;
  gint64 run_ns = 20000;
  gint64 busy_until = 0;
  guint32 server;
  SwLane lane = { 0, };
  guint n_open = 0;
  const guint64 s_connections = 1, s_msgs = 2, s_switches = 3;

  importer = sw_trace_importer_new (trace, sw_trace_get_process_lane (trace));
  sw_trace_importer_add_string (importer, s_connections, "connections");
  sw_trace_importer_add_string (importer, s_msgs, "messages/s");
  sw_trace_importer_add_string (importer, s_switches, "switches/s");

  lane = (SwLane) { 1, SW_LANE_THREAD, "main", getpid (), 7000, 0 };
  sw_trace_importer_add_lane (importer, &lane);
  lane = (SwLane) { 2, SW_LANE_THREAD, "echo server", getpid (), 7001, 0 };
  server = sw_trace_importer_add_lane (importer, &lane);
  for (guint c = 0; c < n_conns; c++)
    {
      g_autofree char *name = g_strdup_printf ("conn %u", c + 1);

      lane = (SwLane) { 10 + c, SW_LANE_COROUTINE, name, getpid (), 7001, 2 };
      conn_lane[c] = sw_trace_importer_add_lane (importer, &lane);
    }

  /* What happens, by connection: open, runs, maybe close. */
  for (guint c = 0; c < n_conns; c++)
    {
      gint64 open = 1000000 + ramp * c / n_conns;
      gint64 close = c % 3 == 2 ? duration_ns * 7 / 10 + g_rand_int_range (rand, 0, (gint32) (duration_ns / 5 / 1000)) * G_GINT64_CONSTANT (1000)
                                : duration_ns;
      SynthEvent spawn = { open, c, SW_EVENT_CO_SPAWN, 0, 0, 0 };

      close_at[c] = close;
      g_array_append_val (plan, spawn);
      for (guint r = 0; r < runs_per_conn; r++)
        {
          gint64 t = open + (close - open) * r / runs_per_conn +
                     g_rand_int_range (rand, 0, 1000) * G_GINT64_CONSTANT (1000);
          SynthEvent run = { MIN (t, close - 2 * run_ns), c, SW_EVENT_CO_SWITCH, 0, 0, 0 };

          g_array_append_val (plan, run);
        }
      if (close < duration_ns)
        {
          SynthEvent exit = { close, c, SW_EVENT_CO_EXIT, 0, 0, 0 };

          g_array_append_val (plan, exit);
        }
    }
  g_array_sort (plan, synth_event_compare);

  /* One thread: runs never overlap; the thread's event loop switches to
   * each connection and it switches back when it waits in recv again. */
  for (guint i = 0; i < plan->len; i++)
    {
      SynthEvent *p = &g_array_index (plan, SynthEvent, i);
      guint32 co = conn_lane[p->conn];
      gint64 t = MAX (p->time, busy_until) + origin;
      SwEvent e;

      switch (p->kind)
        {
        case SW_EVENT_CO_SPAWN:
          /* Spawned and counted by the thread's own code (the server's
           * accept loop would be one more coroutine, always there). */
          e = (SwEvent) { t, 2, SW_EVENT_CO_SPAWN, 0, co, 0 };
          g_array_append_val (events, e);
          n_open++;
          if (counters)
            {
              e = (SwEvent) { t, 2, SW_EVENT_COUNTER, 0, s_connections, n_open };
              g_array_append_val (events, e);
            }
          break;

        case SW_EVENT_CO_SWITCH:
          e = (SwEvent) { t, 2, SW_EVENT_CO_SWITCH, SW_SWITCH_WAIT, co, 0 };
          g_array_append_val (events, e);
          e = (SwEvent) { t + run_ns, 10 + p->conn, SW_EVENT_CO_SWITCH, SW_SWITCH_RECV, server, 0 };
          g_array_append_val (events, e);
          busy_until = t - origin + run_ns + 1000;
          break;

        case SW_EVENT_CO_EXIT:
          e = (SwEvent) { t, 2, SW_EVENT_CO_SWITCH, SW_SWITCH_WAIT, co, 0 };
          g_array_append_val (events, e);
          e = (SwEvent) { t + 5000, 10 + p->conn, SW_EVENT_CO_EXIT, 0, co, 0 };
          g_array_append_val (events, e);
          e = (SwEvent) { t + 5000, 10 + p->conn, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, server, 0 };
          g_array_append_val (events, e);
          busy_until = t - origin + 6000;
          n_open--;
          if (counters)
            {
              e = (SwEvent) { t + 5000, 2, SW_EVENT_COUNTER, 0, s_connections, n_open };
              g_array_append_val (events, e);
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  /* Once a second, like the server's timer coroutine. */
  if (counters)
    for (gint64 second = 1; second * G_GINT64_CONSTANT (1000000000) <= duration_ns; second++)
      {
        gint64 t1 = second * G_GINT64_CONSTANT (1000000000);
        guint64 n_switches = 0;
        SwEvent e;

        for (guint i = 0; i < events->len; i++)
          {
            const SwEvent *s = &g_array_index (events, SwEvent, i);

            if (s->kind == SW_EVENT_CO_SWITCH && (gint64) s->time - origin >= t1 - 1000000000 &&
                (gint64) s->time - origin < t1)
              n_switches++;
          }
        e = (SwEvent) { t1 + origin, 2, SW_EVENT_COUNTER, 0, s_msgs, n_switches / 2 };
        g_array_append_val (events, e);
        e = (SwEvent) { t1 + origin, 2, SW_EVENT_COUNTER, 0, s_switches, n_switches };
        g_array_append_val (events, e);
      }

  g_array_sort (events, synth_event_compare);
  sw_trace_importer_add_events (importer, (const SwEvent *) (gpointer) events->data, events->len);

  return trace;
}

/* 10,000 connection coroutines and 100,000 switches on one thread: the
 * lanes fold into one aggregate row and a frame draws a number of
 * primitives bounded by the width, not by the lanes or the switches;
 * expanded, only the rows on screen are drawn. */
static void
test_timeline_aggregate_bounded (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  const SwTimelineLane *server;
  const SwTimelineRow *row;
  GtkWidget *window;
  SwTimeline *timeline;
  guint n_rows_folded;
  int width;
  gint64 start;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  trace = make_server_trace (10000, 5, G_GINT64_CONSTANT (10000000000), FALSE);
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);
  g_assert_cmpuint (sw_timeline_model_get_n_coroutine_lanes (model), ==, 10000);
  g_assert_cmpuint (sw_timeline_model_get_n_switches (model), >=, 100000);

  /* The process's header, main, the server thread, its aggregate:
   * nothing else. */
  server = sw_timeline_model_find_lane_by_name (model, "echo server");
  g_assert_nonnull (server);
  n_rows_folded = sw_timeline_model_get_n_rows (model);
  g_assert_cmpuint (n_rows_folded, ==, 4);
  row = sw_timeline_model_get_row (model, 3);
  g_assert_cmpint (row->kind, ==, SW_TIMELINE_ROW_AGGREGATE);
  g_assert_true (row->lane == server);
  g_assert_cmpuint (sw_timeline_model_get_n_aggregated (model, server->id), ==, 10000);
  g_assert_false (sw_timeline_model_get_expanded (model, server->id));
  g_assert_cmpuint (sw_timeline_model_find_lane_by_name (model, "conn 77")->row, ==, 3);

  window = ui_test_show_timeline (model, 1200, 500, &timeline);
  ui_test_draw_frames (timeline);
  /* For the record (not asserted: this machine is shared and noisy):
   * the widget's own snapshot, without the renderer. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 10; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderNode *node;

      GTK_WIDGET_GET_CLASS (timeline)->snapshot (GTK_WIDGET (timeline), snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      g_clear_pointer (&node, gsk_render_node_unref);
    }
  g_test_message ("snapshot with 10,000 folded lanes: %.2f ms a frame",
                  (g_get_monotonic_time () - start) / 10000.0);
  width = gtk_widget_get_width (GTK_WIDGET (timeline));
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_AGGREGATE), ==, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
  /* Per column at most: two aggregate rectangles, one switch band or
   * arrow per lane row, one loop mark per lane row. */
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), <=, 6 * (guint) width);

  /* Expanded from the keyboard: every lane gets its row again, and a
   * frame still draws only what is on screen. */
  gtk_widget_grab_focus (GTK_WIDGET (timeline));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.toggle-aggregate", NULL));
  g_assert_true (sw_timeline_model_get_expanded (model, server->id));
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==, n_rows_folded + 10000);
  g_assert_cmpuint (sw_timeline_model_find_lane_by_name (model, "conn 77")->row, >, 2);
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), <, 20);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), <=, 20 * (guint) width);

  /* Scrolled down the lanes, still bounded. */
  for (guint i = 0; i < 40; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.focus-row", "i", 1));
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), <, 20);

  /* Enter on a coroutine's row folds its aggregate again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.toggle-aggregate", NULL));
  g_assert_false (sw_timeline_model_get_expanded (model, server->id));
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==, n_rows_folded);
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_AGGREGATE), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* "A server with 2,000 connections": the aggregate and the counters
 * drawn, and kept as a picture to look at. */
static void
test_timeline_server_screenshot (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  const SwTimelineCounter *connections;
  GtkWidget *window;
  SwTimeline *timeline;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  trace = make_server_trace (2000, 40, G_GINT64_CONSTANT (10000000000), TRUE);
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);

  g_assert_cmpuint (sw_timeline_model_get_n_counters (model), ==, 3);
  connections = sw_timeline_model_find_counter (model, "connections");
  g_assert_nonnull (connections);
  g_assert_cmpfloat (connections->max, ==, 2000.0);
  g_assert_cmpfloat (connections->last, <, 2000.0);

  window = ui_test_show_timeline (model, 1400, 700, &timeline);
  gtk_widget_add_css_class (window, "presentation");
  ui_test_draw_frames (timeline);

  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_AGGREGATE), ==, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_COUNTER), ==, 3);
  ui_test_save_screenshot (window, "screenshot-aggregate.png");

  /* Expanded by a click on its label: the connections one by one. */
  {
    const SwTimelineLane *server = sw_timeline_model_find_lane_by_name (model, "echo server");

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.toggle-aggregate", NULL));
    g_assert_true (sw_timeline_model_get_expanded (model, server->id));
    sw_timeline_show_range (timeline, G_GINT64_CONSTANT (1000000), G_GINT64_CONSTANT (41000000));
    ui_test_draw_frames (timeline);
    g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), >, 2);
    ui_test_save_screenshot (window, "screenshot-aggregate-expanded.png");
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Every scenario of the engine, run in the window with short durations,
 * ends finished and draws its story; one picture each in the build
 * folder (screenshot-scenario-NAME.png) to look at. */
/* "... wall 1.93 s ..." or "... wall 274 ms ..." → seconds. */
static double
parse_wall_seconds (const char *text)
{
  const char *at = strstr (text, "wall ");
  char *unit;
  double value;

  g_assert_nonnull (at);
  value = g_ascii_strtod (at + strlen ("wall "), &unit);
  while (*unit == ' ')
    unit++;
  if (g_str_has_prefix (unit, "ms"))
    return value / 1e3;
  if (g_str_has_prefix (unit, "µs"))
    return value / 1e6;
  g_assert_true (g_str_has_prefix (unit, "s"));
  return value;
}

static void
test_every_scenario_screenshot (void)
{
  const SwScenario * const *scenarios;
  guint n_scenarios;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  scenarios = sw_scenario_list (&n_scenarios);
  g_assert_cmpuint (n_scenarios, >=, 6);
  for (guint i = 0; i < n_scenarios; i++)
    {
      const SwScenario *scenario = scenarios[i];
      SwTimeline *timeline = sw_window_get_timeline (win);
      g_autofree char *name = g_strdup_printf ("screenshot-scenario-%s.png", scenario->name);
      g_autoptr(GError) error = NULL;

      sw_window_set_scenario (win, scenario);
      g_assert_true (sw_window_get_scenario (win) == scenario);
      /* Short runs: five times faster, or a small flood. */
      if (g_str_equal (scenario->name, "echo-flood"))
        {
          g_assert_true (sw_window_set_param (win, "clients", "300", &error));
          g_assert_true (sw_window_set_param (win, "messages", "5", &error));
        }
      else
        g_assert_true (sw_window_set_param (win, "scale", "0.2", &error));
      g_assert_no_error (error);
      /* As a person would: the new form is laid out and shown before Run. */
      ui_test_draw_frames (timeline);

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
      g_assert_true (ui_test_spin_until (win, ui_test_not_running, 90.0));
      g_test_message ("%s: %s", scenario->name, sw_window_get_status_text (win));
      g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);

      /* One run, one wall time: the status bar says what the console's
       * summary line says (to the rounding of their formats). */
      {
        g_autofree char *console = sw_window_dup_console_text (win);
        const char *summary = strstr (console, "summary: wall ");
        double status_s = parse_wall_seconds (sw_window_get_status_text (win));
        double summary_s;

        g_assert_nonnull (summary);
        summary_s = parse_wall_seconds (summary);
        g_assert_cmpfloat (summary_s, >, 0);
        g_assert_cmpfloat (fabs (status_s - summary_s), <=, MAX (0.01 * summary_s, 0.0015));
      }

      sw_timeline_fit (timeline);
      ui_test_draw_frames (timeline);
      g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE) +
                        sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_AGGREGATE), >=, 2);
      g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
      ui_test_save_screenshot (win, name);
    }

  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Window/run-to-completion", test_run_to_completion);
  g_test_add_func ("/Sw/Window/stop-ends-long-run", test_stop_ends_long_run);
  g_test_add_func ("/Sw/Window/bad-value-is-reported", test_bad_value_is_reported);
  g_test_add_func ("/Sw/Window/sync-mode-waits-on-main", test_sync_mode_waits_on_main);
  g_test_add_func ("/Sw/Timeline/level-of-detail-bounded-by-pixels", test_timeline_level_of_detail);
  g_test_add_func ("/Sw/Timeline/aggregate-bounded-by-pixels", test_timeline_aggregate_bounded);
  g_test_add_func ("/Sw/Timeline/server-aggregate-and-counters", test_timeline_server_screenshot);
  g_test_add_func ("/Sw/Window/every-scenario-screenshot", test_every_scenario_screenshot);

  return ui_test_run ();
}
