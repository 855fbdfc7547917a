/* test-timeline-draw.c — what the timeline draws for real runs (Xvfb):
 * flow arrows, task hues, failed and cancelled states, folded processes */

#include "config.h"

#include <gtk/gtk.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

#include <unistd.h>
#include "ui-test-log.h"

static SwApplication *app;
static gboolean have_display;

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main loop until cond (win) holds or timeout_s pass; never
 * blocks longer than 50 ms at a time. */
static gboolean
spin_until (gpointer   win,
            gboolean (*cond) (gpointer win),
            double     timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint wake = g_timeout_add (50, wake_cb, NULL);
  gboolean ok;

  while (!(ok = cond (win)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake);
  return ok;
}

static gboolean
not_running (gpointer win)
{
  return sw_window_get_run_state (win) != SW_RUN_STATE_RUNNING;
}

static gboolean
is_mapped (gpointer win)
{
  return gtk_widget_get_mapped (GTK_WIDGET (win)) &&
         gtk_widget_get_width (GTK_WIDGET (sw_window_get_timeline (win))) > 0;
}

static guint drawn_frames;

static gboolean
count_frames_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  drawn_frames++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drew_twice (gpointer win)
{
  return drawn_frames >= 2;
}

/* Two frames drawn after the last change: the counters are this picture's. */
static void
redraw (SwWindow *win)
{
  GtkWidget *timeline = GTK_WIDGET (sw_window_get_timeline (win));
  guint tick;

  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (timeline, count_frames_cb, NULL, NULL);
  gtk_widget_queue_draw (timeline);
  g_assert_true (spin_until (win, drew_twice, 10.0));
  gtk_widget_remove_tick_callback (timeline, tick);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  const char *root = g_getenv ("SW_BUILD_ROOT");
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);

  path = g_build_filename (root != NULL ? root : ".", name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* Runs @scenario with @params to its end in a fresh window. */
static SwWindow *
run_scenario (const char         *name,
              const char * const *params)
{
  const SwScenario *scenario = sw_scenario_lookup (name, NULL);
  SwWindow *win;

  g_assert_nonnull (scenario);
  win = sw_window_new (GTK_APPLICATION (app), scenario);
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 900);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (spin_until (win, is_mapped, 10.0));

  for (guint i = 0; params[i] != NULL; i += 2)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (sw_window_set_param (win, params[i], params[i + 1], &error));
      g_assert_no_error (error);
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, not_running, 60.0));
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

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("callbacks", params);
  timeline = sw_window_get_timeline (win);
  model = sw_window_get_model (win);
  save_screenshot (GTK_WIDGET (win), "screenshot-callbacks-thread.png");

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

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("callbacks", params);
  timeline = sw_window_get_timeline (win);
  model = sw_window_get_model (win);
  save_screenshot (GTK_WIDGET (win), "screenshot-callbacks-process.png");

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

  /* Folding the worker processes leaves their headers, with the
   * arrows now coming from them. */
  n_rows = sw_timeline_model_get_n_rows (model);
  lanes_drawn = sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE);
  for (guint p = 1; p < sw_timeline_model_get_n_processes (model); p++)
    sw_timeline_model_set_process_expanded (model, sw_timeline_model_get_process (model, p)->pid, FALSE);
  g_assert_cmpuint (sw_timeline_model_get_n_rows (model), ==,
                    n_rows - (sw_timeline_model_get_n_processes (model) - 1));
  redraw (win);
  save_screenshot (GTK_WIDGET (win), "screenshot-callbacks-process-folded.png");
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

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("process-pool", params);
  timeline = sw_window_get_timeline (win);
  save_screenshot (GTK_WIDGET (win), "screenshot-process-pool-crash.png");

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

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = run_scenario ("thread-pool", params);
  timeline = sw_window_get_timeline (win);
  save_screenshot (GTK_WIDGET (win), "screenshot-thread-pool.png");

  /* Ten tasks, four workers: six waited in the queue, all get an arrow. */
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), >=, 6);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS), <=, 10);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_HUES), >=, 5);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_FAILED), ==, 0);

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
  guint tick, queue, callbacks;
  int width;

  if (!have_display)
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

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  timeline = SW_TIMELINE (sw_timeline_new ());
  sw_timeline_set_model (timeline, model);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (timeline));
  gtk_window_present (GTK_WINDOW (window));

  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (timeline), count_frames_cb, NULL, NULL);
  g_assert_true (spin_until (NULL, drew_twice, 10.0));
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
  drawn_frames = 0;
  gtk_widget_queue_draw (GTK_WIDGET (timeline));
  g_assert_true (spin_until (NULL, drew_twice, 10.0));
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_PROCESS), ==, 1);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), ==, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_QUEUE_ARROWS) +
                    sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_CALLBACK_ARROWS), <=, 2000);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);

  gtk_widget_remove_tick_callback (GTK_WIDGET (timeline), tick);
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
  guint tick;

  if (!have_display)
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

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 400);
  timeline = SW_TIMELINE (sw_timeline_new ());
  sw_timeline_set_model (timeline, model);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (timeline));
  gtk_window_present (GTK_WINDOW (window));

  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (timeline), count_frames_cb, NULL, NULL);
  g_assert_true (spin_until (NULL, drew_twice, 10.0));
  save_screenshot (window, "screenshot-task-states.png");
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

  gtk_widget_remove_tick_callback (GTK_WIDGET (timeline), tick);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* Before g_test_init makes warnings fatal (see test-window.c). */
  g_setenv ("GTK_A11Y", "none", FALSE);
  have_display = gtk_init_check ();
  if (have_display)
    {
      app = sw_application_new ();
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, &error))
        g_error ("cannot register the application: %s", error->message);
    }

  g_test_init (&argc, &argv, NULL);
  ui_test_allow_gtk_allocation_warnings ();

  g_test_add_func ("/Sw/Timeline/thread-pool-queue-waits", test_thread_pool);
  g_test_add_func ("/Sw/Timeline/callbacks-thread-no-link", test_callbacks_thread);
  g_test_add_func ("/Sw/Timeline/callbacks-process-linked", test_callbacks_process);
  g_test_add_func ("/Sw/Timeline/process-pool-crash-failed", test_process_pool_crash);
  g_test_add_func ("/Sw/Timeline/flows-bounded-by-pixels", test_flows_bounded_by_pixels);
  g_test_add_func ("/Sw/Timeline/task-states-drawn", test_states_drawn);

  ret = g_test_run ();
  g_clear_object (&app);

  return ret;
}
