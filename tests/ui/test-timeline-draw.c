/* test-timeline-draw.c — what the timeline draws for real runs (Xvfb):
 * flow arrows, task hues, failed and cancelled states, folded processes */

#include "config.h"

#include <gtk/gtk.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

#include <unistd.h>
#include "ui-test-util.h"

static void
redraw (SwWindow *win)
{
  ui_test_draw_frames (sw_window_get_timeline (win));
}

static SwWindow *
run_scenario (const char         *name,
              const char * const *params)
{
  SwWindow *win = ui_test_open_window (name, 1400, 900);

  ui_test_set_params (win, params);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 60.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  redraw (win);

  return win;
}

/* Lesson 2 with threads: each callback runs on the worker that ran its
 * task, right after it — no arrow to draw; every task's queue wait is. */
static void
test_callbacks_thread (void)
{
  static const char * const params[] = { "pool", "thread", "scale", "0.2", NULL };
  SwWindow *win;
  SwTimeline *timeline;
  SwTimelineModel *model;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("callbacks", params);
  timeline = sw_window_get_timeline (win);
  model = sw_window_get_model (win);
  ui_test_save_screenshot (win, "screenshot-callbacks-thread.png");

  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (model), ==, 9);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS), ==, 0);
  /* Nine pages submitted at once: one wait per worker row in view (the
   * window shows at least four of the nine). */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), >=, 4);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), <=, 9);
  /* "page 1" … "page 9" differ by one hue each: as many hues as bars in
   * view (the window shows at least four workers' rows). */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_HUES), >=, 4);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), ==, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_RUNNING), ==, 0);
  /* One process: one header. */
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_PROCESS), ==, 1);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Lesson 2 with processes: the callbacks run in the parent, on the
 * manager's lane, so each gets an arrow from its task's end on a worker
 * process's lane; each worker process has its own header. */
static void
test_callbacks_process (void)
{
  static const char * const params[] = { "pool", "process", "scale", "0.2", NULL };
  SwWindow *win;
  SwTimeline *timeline;
  SwTimelineModel *model;
  const SwTimelineLane *manager, *main_lane;
  const SwTimelineProcess *process;
  guint n_rows, arrows, lanes_drawn;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("callbacks", params);
  timeline = sw_window_get_timeline (win);
  model = sw_window_get_model (win);
  ui_test_save_screenshot (win, "screenshot-callbacks-process.png");

  manager = sw_timeline_model_find_lane_by_name (model, "manager");
  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (manager);
  g_assert_nonnull (main_lane);
  g_assert_cmpuint (manager->callbacks->len, ==, 9);
  /* Ours first, main first in it; then one per worker process. */
  g_assert_cmpuint (sw_timeline_model_get_n_processes (model), >=, 2);
  process = sw_timeline_model_get_process (model, 0);
  g_assert_cmpint (process->pid, ==, main_lane->pid);
  g_assert_cmpuint (process->row, ==, 0);
  g_assert_true (sw_timeline_model_get_row (model, 1)->lane == main_lane);
  g_assert_cmpint (sw_timeline_model_get_process (model, 1)->pid, !=, main_lane->pid);

  arrows = sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS);
  g_assert_cmpuint (arrows, >=, 5);
  g_assert_cmpuint (arrows, <=, 9);
  /* Into the worker rows in view, at least the first's. */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), >=, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_PROCESS), >=, 2);

  /* A done-callback bar wide enough for its label carries it, as a task
   * bar does: zoomed in on the manager's first callbacks, each over
   * 100 px, every one in view has its label. */
  {
    const SwTimelineSpan *first = &g_array_index (manager->callbacks, SwTimelineSpan, 0);
    gint64 range_end = first->start_ns + 5 * (first->end_ns - first->start_ns);
    const SwTimeScale *scale;
    guint wide = 0;

    sw_timeline_show_range (timeline, first->start_ns, range_end);
    redraw (win);
    ui_test_save_screenshot (win, "screenshot-callbacks-labels.png");
    scale = sw_timeline_get_scale (timeline);
    for (guint i = 0; i < manager->callbacks->len; i++)
      {
        const SwTimelineSpan *cb = &g_array_index (manager->callbacks, SwTimelineSpan, i);
        double x0 = sw_time_scale_ns_to_px (scale, cb->start_ns);
        double x1 = sw_time_scale_ns_to_px (scale, cb->end_ns);

        if (cb->start_ns >= first->start_ns && cb->end_ns <= range_end && x1 - x0 >= 100.0)
          wide++;
      }
    g_assert_cmpuint (wide, >=, 1);
    g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_LABELS), >=, wide);
    sw_timeline_fit (timeline);
    redraw (win);
  }

  /* Folding the worker processes leaves their headers, with the
   * arrows now coming from them. */
  n_rows = sw_timeline_model_get_n_rows (model);
  lanes_drawn = sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE);
  for (guint p = 1; p < sw_timeline_model_get_n_processes (model); p++)
    sw_timeline_model_set_process_expanded (model, sw_timeline_model_get_process (model, p)->pid, FALSE);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==,
                    n_rows - (sw_timeline_model_get_n_processes (model) - 1));
  redraw (win);
  ui_test_save_screenshot (win, "screenshot-callbacks-process-folded.png");
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), <, lanes_drawn);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS), >=, 5);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Task 3 kills its worker: the pool breaks, and the tasks it took down
 * are drawn failed, those still queued as failed marks. */
static void
test_process_pool_crash (void)
{
  static const char * const params[] = {
    "workers", "4", "tasks", "10", "scale", "0.2", "crash_task", "3", NULL,
  };
  SwWindow *win;
  SwTimeline *timeline;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("process-pool", params);
  timeline = sw_window_get_timeline (win);
  ui_test_save_screenshot (win, "screenshot-process-pool-crash.png");

  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), >=, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_RUNNING), ==, 0);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_thread_pool (void)
{
  static const char * const params[] = {
    "workers", "4", "tasks", "10", "scale", "0.2", NULL,
  };
  SwWindow *win;
  SwTimeline *timeline;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("thread-pool", params);
  timeline = sw_window_get_timeline (win);
  ui_test_save_screenshot (win, "screenshot-thread-pool.png");

  /* Ten tasks, four workers: six waited in the queue, all get an arrow. */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), >=, 6);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), <=, 10);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_HUES), >=, 5);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), ==, 0);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Lesson 4: main blocked in joinall([g1, g2, g3]) is a hatched wait on
 * its row, labelled joinall, spanning the run, under its event loop and
 * the switch arrows. */
static void
test_spawn_joinall (void)
{
  static const char * const params[] = { "scale", "0.1", NULL };
  SwWindow *win;
  SwTimeline *timeline;
  SwTimelineModel *model;
  const SwTimelineLane *main_lane;
  const SwTimelineSpan *wait;
  const SwTimeScale *scale;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("spawn-joinall", params);
  timeline = sw_window_get_timeline (win);
  model = sw_window_get_model (win);
  ui_test_save_screenshot (win, "screenshot-spawn-joinall.png");

  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (main_lane);
  g_assert_cmpuint (main_lane->waits->len, ==, 1);
  wait = &g_array_index (main_lane->waits, SwTimelineSpan, 0);
  g_assert_cmpuint (wait->reason, ==, SW_WAIT_JOINALL);
  /* Fitted to the run, the wait takes most of the view: wide enough for
   * its label, which is the only wait label. */
  scale = sw_timeline_get_scale (timeline);
  g_assert_cmpfloat (sw_time_scale_ns_to_px (scale, wait->end_ns) -
                     sw_time_scale_ns_to_px (scale, wait->start_ns), >, 400.0);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_WAIT_LABELS), ==, 1);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* 40,000 tasks on four workers, each followed by a callback on a manager
 * lane: the arrows a frame draws are bounded by its pixels (one per two
 * columns per lane, 2000 at most), not by the tasks. */
static void
test_flows_bounded_by_pixels (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  GtkWidget *window;
  SwTimeline *timeline;
  guint32 main_lane, manager, workers[4];
  guint64 label;
  guint queue, callbacks;
  int width;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  main_lane = sw_trace_register_lane (trace, SW_LANE_THREAD, "main", getpid (), 4241,
                                      sw_trace_get_process_lane (trace));
  manager = sw_trace_register_lane (trace, SW_LANE_THREAD, "manager", getpid (), 4242,
                                    sw_trace_get_process_lane (trace));
  for (guint w = 0; w < G_N_ELEMENTS (workers); w++)
    workers[w] = sw_trace_register_lane (trace, SW_LANE_THREAD, "worker", getpid (), 4243 + w,
                                         sw_trace_get_process_lane (trace));
  label = sw_trace_intern (trace, "job");
  for (guint64 i = 1; i <= 40000; i++)
    {
      guint32 worker = workers[i % G_N_ELEMENTS (workers)];

      sw_trace_record_on_lane (trace, main_lane, SW_EVENT_TASK_SUBMIT, 0, i, label);
      sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_START, 0, i, 0);
      sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_END, 0, i, 0);
      sw_trace_record_on_lane (trace, manager, SW_EVENT_CALLBACK_BEGIN, 0, i, 0);
      sw_trace_record_on_lane (trace, manager, SW_EVENT_CALLBACK_END, 0, i, 0);
    }
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, 40000);

  window = ui_test_show_timeline (model, 800, 600, &timeline);

  ui_test_draw_frames (timeline);
  width = gtk_widget_get_width (GTK_WIDGET (timeline));
  queue = sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS);
  callbacks = sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS);
  g_assert_cmpuint (queue, >, 0);
  g_assert_cmpuint (callbacks, >, 0);
  g_assert_cmpuint (queue, <=, G_N_ELEMENTS (workers) * ((guint) width / 2 + 1));
  g_assert_cmpuint (callbacks, <=, (guint) width / 2 + 1);
  g_assert_cmpuint (queue + callbacks, <=, 2000);

  /* Folded into its header, the process draws no more than before. */
  sw_timeline_model_set_process_expanded (model, getpid (), FALSE);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==, 1);
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_PROCESS), ==, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), ==, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS) +
                    sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS), <=, 2000);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* States are drawn whatever the hue: a bar that failed, one cancelled
 * while running, and tasks given up in the queue (marks on main). */
static void
test_states_drawn (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(SwTimelineModel) model = NULL;
  GtkWidget *window;
  SwTimeline *timeline;
  guint32 main_lane, worker;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  main_lane = sw_trace_register_lane (trace, SW_LANE_THREAD, "main", getpid (), 4241,
                                      sw_trace_get_process_lane (trace));
  worker = sw_trace_register_lane (trace, SW_LANE_THREAD, "worker", getpid (), 4242,
                                   sw_trace_get_process_lane (trace));
  for (guint64 i = 1; i <= 7; i++)
    sw_trace_record_on_lane (trace, main_lane, SW_EVENT_TASK_SUBMIT, 0, i,
                             sw_trace_intern (trace, "job"));
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_START, 0, 1, 0);
  g_usleep (2000);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_ERROR, 0, 1, 0);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_START, 0, 2, 0);
  g_usleep (2000);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_CANCEL, 0, 2, 0);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_START, 0, 3, 0);
  g_usleep (2000);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_END, 0, 3, 0);
  /* 4 cancelled in the queue, 5 failed there, out of its way; 6 and 7
   * as close as can be: one mark, failed, since that matters more. */
  g_usleep (2000);
  sw_trace_record_on_lane (trace, main_lane, SW_EVENT_TASK_CANCEL, 0, 4, 0);
  g_usleep (2000);
  sw_trace_record_on_lane (trace, worker, SW_EVENT_TASK_ERROR, 0, 5, 0);
  g_usleep (2000);
  sw_trace_record_on_lane (trace, main_lane, SW_EVENT_TASK_CANCEL, 0, 6, 0);
  sw_trace_record_on_lane (trace, main_lane, SW_EVENT_TASK_ERROR, 0, 7, 0);
  model = sw_timeline_model_new (trace);
  sw_timeline_model_drain_all (model);

  window = ui_test_show_timeline (model, 800, 400, &timeline);

  ui_test_draw_frames (timeline);
  ui_test_save_screenshot (window, "screenshot-task-states.png");
  /* Failed: bar 1 and the marks of 5 and 6+7; cancelled: bar 2 and
   * the mark of 4 — fewer if this machine paused so long that others
   * were squeezed into a few pixels and merged, but a failed one always
   * shows in a merge. */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), >=, 2);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), <=, 3);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CANCELLED), >=, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CANCELLED), <=, 2);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_RUNNING), ==, 0);
  /* Only bar 3 ended well: one hue at most (none if merged under 2). */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_HUES), <=, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Timeline/thread-pool-queue-waits", test_thread_pool);
  g_test_add_func ("/Sw/Timeline/callbacks-thread-no-link", test_callbacks_thread);
  g_test_add_func ("/Sw/Timeline/callbacks-process-linked", test_callbacks_process);
  g_test_add_func ("/Sw/Timeline/process-pool-crash-failed", test_process_pool_crash);
  g_test_add_func ("/Sw/Timeline/spawn-joinall-wait", test_spawn_joinall);
  g_test_add_func ("/Sw/Timeline/flows-bounded-by-pixels", test_flows_bounded_by_pixels);
  g_test_add_func ("/Sw/Timeline/task-states-drawn", test_states_drawn);

  return ui_test_run ();
}
