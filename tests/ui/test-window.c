/* test-window.c — the real window, the real template, a real run (Xvfb) */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

#include <unistd.h>

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
has_open_span (gpointer win)
{
  SwTimelineModel *model = sw_window_get_model (win);

  return model != NULL && sw_timeline_model_get_n_open_spans (model) > 0;
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

static void
set_params (SwWindow          *win,
            const char * const *assignments)
{
  for (guint i = 0; assignments[i] != NULL; i += 2)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;

      g_assert_true (sw_window_set_param (win, assignments[i], assignments[i + 1], &error));
      g_assert_no_error (error);
      value = sw_window_dup_param (win, assignments[i]);
      g_assert_nonnull (value);
    }
}

static SwWindow *
open_window (void)
{
  const SwScenario *scenario = sw_scenario_lookup ("thread-pool", NULL);
  SwWindow *win;

  g_assert_nonnull (scenario);
  win = sw_window_new (GTK_APPLICATION (app), scenario);
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 860);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (spin_until (win, is_mapped, 10.0));
  g_assert_true (sw_window_get_scenario (win) == scenario);

  return win;
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
  guint tick;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = open_window ();
  set_params (win, params);

  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_IDLE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_RUNNING);
  g_assert_true (spin_until (win, not_running, 20.0));

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
  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)),
                                       count_frames_cb, NULL, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (sw_window_get_timeline (win)));
  g_assert_true (spin_until (win, drew_twice, 10.0));
  gtk_widget_remove_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)), tick);

  save_screenshot (GTK_WIDGET (win), "screenshot-window.png");
  /* Eight task bars and eight callbacks at least (more if sub-pixel). */
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (sw_window_get_timeline (win)), >=, 16);

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
  guint tick;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = open_window ();
  set_params (win, long_params);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, has_open_span, 10.0));

  /* A picture of a live run: open bars growing towards "now". */
  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)),
                                       count_frames_cb, NULL, NULL);
  g_assert_true (spin_until (win, drew_twice, 10.0));
  gtk_widget_remove_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)), tick);
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_RUNNING);
  g_assert_true (sw_timeline_get_follow (sw_window_get_timeline (win)));
  save_screenshot (GTK_WIDGET (win), "screenshot-window-running.png");

  /* Run is disabled while running; Stop is enabled. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.stop", NULL));

  /* Every task sleeps ≥ 20 s: ending within 10 s means Stop worked. */
  g_assert_true (spin_until (win, not_running, 10.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_STOPPED);
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Stopped"));

  /* The window still works: a short run goes to the end. */
  set_params (win, short_params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, not_running, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (sw_window_get_model (win)), ==, 3);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_bad_value_is_reported (void)
{
  g_autoptr(GError) error = NULL;
  SwWindow *win;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = open_window ();

  /* Out of range for the widget: refused with an error, nothing runs. */
  g_assert_false (sw_window_set_param (win, "workers", "100000", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sw_window_set_param (win, "no-such-key", "1", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);

  /* Valid one by one, invalid together: the scenario says why, and the
   * status line shows it. */
  set_params (win, (const char * const[]) { "min_sleep", "2", "max_sleep", "0.5", NULL });
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, not_running, 20.0));
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
  guint tick;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = open_window ();
  set_params (win, params);
  sw_window_set_presentation (win, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, not_running, 20.0));
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

  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)),
                                       count_frames_cb, NULL, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (sw_window_get_timeline (win)));
  g_assert_true (spin_until (win, drew_twice, 10.0));
  gtk_widget_remove_tick_callback (GTK_WIDGET (sw_window_get_timeline (win)), tick);
  save_screenshot (GTK_WIDGET (win), "screenshot-window-sync.png");

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
  guint tick;
  int width;

  if (!have_display)
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

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 300);
  timeline = SW_TIMELINE (sw_timeline_new ());
  sw_timeline_set_model (timeline, model);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (timeline));
  gtk_window_present (GTK_WINDOW (window));

  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (timeline), count_frames_cb, NULL, NULL);
  g_assert_true (spin_until (NULL, drew_twice, 10.0));
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
  drawn_frames = 0;
  gtk_widget_queue_draw (GTK_WIDGET (timeline));
  g_assert_true (spin_until (NULL, drew_twice, 10.0));
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >, 0);
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), <=, (guint) width);

  /* Fit brings follow mode back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.fit", NULL));
  g_assert_true (sw_timeline_get_follow (timeline));

  gtk_widget_remove_tick_callback (GTK_WIDGET (timeline), tick);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* Before g_test_init makes warnings fatal: GtkApplication warns when
   * there is no session bus (CI has none), which is not under test; so
   * would the accessibility bridge, which has nothing to talk to. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  have_display = gtk_init_check ();
  if (have_display)
    {
      app = sw_application_new ();
      /* No D-Bus name needed (nor wanted) for a test instance. */
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, &error))
        g_error ("cannot register the application: %s", error->message);
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Window/run-to-completion", test_run_to_completion);
  g_test_add_func ("/Sw/Window/stop-ends-long-run", test_stop_ends_long_run);
  g_test_add_func ("/Sw/Window/bad-value-is-reported", test_bad_value_is_reported);
  g_test_add_func ("/Sw/Window/sync-mode-waits-on-main", test_sync_mode_waits_on_main);
  g_test_add_func ("/Sw/Timeline/level-of-detail-bounded-by-pixels", test_timeline_level_of_detail);

  ret = g_test_run ();
  g_clear_object (&app);

  return ret;
}
