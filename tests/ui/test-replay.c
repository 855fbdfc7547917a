/* test-replay.c — a saved trace played back as if live
 *
 * Playback time is driven here through sw_replay_advance(), never by the
 * frame clock, so nothing depends on how fast this machine is.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-inspector.h"
#include "sw-timeline-private.h"
#include "sw-window.h"
#include "ui-test-util.h"

static char *tmp_dir;
static char *trace_path;    /* the callbacks lesson, run once, saved */

static gboolean
is_mapped (gpointer win)
{
  return gtk_widget_get_mapped (GTK_WIDGET (sw_window_get_timeline (win)));
}

static gboolean
settled (gpointer win)
{
  SwRunState state = sw_window_get_run_state (win);

  return state == SW_RUN_STATE_FAILED || state == SW_RUN_STATE_FINISHED;
}

static gboolean
not_running (gpointer win)
{
  return sw_window_get_run_state (win) != SW_RUN_STATE_RUNNING;
}

static gboolean
saved (gpointer win)
{
  const char *text = sw_window_get_status_text (win);

  return g_str_has_prefix (text, "Saved") || g_str_has_prefix (text, "Cannot save");
}

/* Two frames of the window, so the view has followed and what changed
 * is laid out and drawn. */
static void
redraw (SwWindow *win)
{
  ui_test_draw_frames (win);
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type) &&
          (type != GTK_TYPE_EVENT_CONTROLLER_KEY ||
           gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE))
        return controller;
    }
  return NULL;
}

/* Lesson 2 on threads, headless: tasks, done-callbacks, log lines (nine
 * pages on @workers workers). */
static char *
write_trace (const char *dir,
             const char *file_name,
             const char *workers)
{
  g_autoptr(GError) error = NULL;
  const SwScenario *s = sw_scenario_lookup ("callbacks", &error);
  g_autoptr(SwParams) p = NULL;
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  char *path = g_build_filename (dir, file_name, NULL);

  g_assert_no_error (error);
  p = sw_params_new (s);
  g_assert_true (sw_params_set_assignment (p, "pool=thread", NULL));
  g_assert_true (sw_params_set_assignment (p, "scale=0.1", NULL));
  g_assert_true (sw_params_set_assignment (p, "pages=9", NULL));
  g_assert_true (sw_params_set_assignment (p, workers, NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, &error));
  g_assert_no_error (error);
  g_assert_true (sw_trace_save_chrome_json (trace, path, &error));
  g_assert_no_error (error);
  return path;
}

/* A window of @width × @height replaying the trace saved at @path, its
 * clock in the test's hands. */
static SwWindow *
open_replay_sized (const char *path,
                   int         width,
                   int         height,
                   SwTrace   **out_trace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_load_chrome_json (path, &error);
  SwWindow *win;

  g_assert_no_error (error);
  win = sw_window_new (GTK_APPLICATION (ui_test_get_app ()), NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (ui_test_spin_until (win, is_mapped, 10.0));
  sw_window_show_trace (win, trace, "callbacks.json");
  g_assert_nonnull (sw_window_get_replay (win));
  sw_replay_set_clock_widget (sw_window_get_replay (win), NULL);
  redraw (win);
  if (out_trace != NULL)
    *out_trace = g_steal_pointer (&trace);
  return win;
}

/* The three-worker trace in a window where all its lanes are in view. */
static SwWindow *
open_replay (SwTrace **out_trace)
{
  return open_replay_sized (trace_path, 1400, 900, out_trace);
}

/* The events steps stop at, as the test sees them: by time, samplers'
 * readings left out. */
static GArray *
step_times (SwTrace *trace)
{
  g_autoptr(GArray) events = sw_trace_dup_events (trace);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 origin = sw_trace_get_origin_ns (trace);

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      gint64 t = (gint64) e->time - origin;

      if (e->kind == SW_EVENT_CTX_SWITCHES || e->kind == SW_EVENT_COUNTER)
        continue;
      if (times->len == 0 || g_array_index (times, gint64, times->len - 1) != t)
        g_array_append_val (times, t);
    }
  return times;
}

static guint
count_events_up_to (SwTrace *trace,
                    guint16  kind,
                    gint64   t)
{
  g_autoptr(GArray) events = sw_trace_dup_events (trace);
  gint64 origin = sw_trace_get_origin_ns (trace);
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == kind && (gint64) e->time - origin <= t)
        n++;
    }
  return n;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  if (text == NULL || text[0] == '\0')
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    n += (*p == '\n');
  return n + 1;
}

/* At any position the model holds exactly the events up to it: every
 * span starts by then, those that end later are still open, and "now" is
 * the position — forward, and back (a fresh model) alike. */
static void
check_model_at (SwTrace         *trace,
                SwTimelineModel *model,
                gint64           position)
{
  g_autoptr(GArray) events = sw_trace_dup_events (trace);
  gint64 origin = sw_trace_get_origin_ns (trace);
  guint64 n = 0;
  guint n_open = 0, n_ending_later = 0;

  for (guint i = 0; i < events->len; i++)
    if ((gint64) g_array_index (events, SwEvent, i).time - origin <= position)
      n++;
  g_assert_cmpuint (sw_timeline_model_get_n_events (model), ==, n);
  g_assert_cmpint (sw_timeline_model_get_now_ns (model), ==, position);
  g_assert_cmpint (sw_timeline_model_get_limit (model), ==, position);

  for (guint l = 0; l < sw_timeline_model_get_n_lanes (model); l++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, l);

      for (guint i = 0; i < lane->tasks->len; i++)
        {
          const SwTimelineSpan *span = &g_array_index (lane->tasks, SwTimelineSpan, i);

          g_assert_cmpint (span->start_ns, <=, position);
          if (span->end_ns == SW_TIMELINE_OPEN)
            n_open++;
          else
            g_assert_cmpint (span->end_ns, <=, position);
        }
    }
  /* The tasks running at the position, counted from the events. */
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_TASK_START && (gint64) e->time - origin <= position)
        n_ending_later++;
      else if ((e->kind == SW_EVENT_TASK_END || e->kind == SW_EVENT_TASK_ERROR ||
                e->kind == SW_EVENT_TASK_CANCEL) && (gint64) e->time - origin <= position)
        n_ending_later -= n_ending_later > 0;
    }
  g_assert_cmpuint (n_open, ==, n_ending_later);
}

static void
test_model_limit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_load_chrome_json (trace_path, &error);
  g_autoptr(SwReplay) replay = NULL;
  gint64 begin, end;
  guint rebuilds;

  g_assert_no_error (error);
  replay = sw_replay_new (trace);
  begin = sw_replay_get_begin_ns (replay);
  end = sw_replay_get_end_ns (replay);
  check_model_at (trace, sw_replay_get_model (replay), end);
  g_assert_cmpuint (sw_replay_get_n_rebuilds (replay), ==, 0);

  for (int k = 1; k <= 8; k++)
    {
      sw_replay_set_position (replay, begin + (end - begin) * (k % 2 ? 8 - k : k) / 8);
      check_model_at (trace, sw_replay_get_model (replay), sw_replay_get_position (replay));
    }
  rebuilds = sw_replay_get_n_rebuilds (replay);
  g_assert_cmpuint (rebuilds, >, 0);

  /* Forward does not rebuild. */
  sw_replay_set_position (replay, begin);
  rebuilds = sw_replay_get_n_rebuilds (replay);
  for (int k = 1; k <= 8; k++)
    sw_replay_set_position (replay, begin + (end - begin) * k / 8);
  g_assert_cmpuint (sw_replay_get_n_rebuilds (replay), ==, rebuilds);
  check_model_at (trace, sw_replay_get_model (replay), end);
}

/* Opens on the whole trace; playing starts over from the beginning and
 * moves by elapsed real time × speed; pause stops it. */
static void
test_advance (void)
{
  g_autoptr(SwTrace) trace = NULL;
  SwWindow *win;
  SwReplay *replay;
  SwTimelineModel *model;
  gint64 begin, end, p;
  guint n_callbacks_all;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = open_replay (&trace);
  replay = sw_window_get_replay (win);
  begin = sw_replay_get_begin_ns (replay);
  end = sw_replay_get_end_ns (replay);
  g_assert_cmpint (end - begin, >, 10 * 1000 * 1000);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (sw_window_get_transport_bar (win))));

  /* At first, everything: the end, paused. */
  g_assert_cmpint (sw_replay_get_position (replay), ==, end);
  g_assert_false (sw_replay_get_playing (replay));
  n_callbacks_all = sw_timeline_model_get_n_callbacks (sw_window_get_model (win));
  g_assert_cmpuint (n_callbacks_all, ==, 9);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-play", NULL));
  g_assert_true (sw_replay_get_playing (replay));
  g_assert_cmpint (sw_replay_get_position (replay), ==, begin);
  model = sw_window_get_model (win);
  g_assert_cmpint (sw_timeline_model_get_now_ns (model), ==, begin);
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (model), ==, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, 0);

  /* 1×: 3 ms of real time, 3 ms of trace. */
  sw_replay_advance (replay, 3 * 1000 * 1000);
  g_assert_cmpint (sw_replay_get_position (replay), ==, begin + 3 * 1000 * 1000);
  g_assert_cmpint (sw_timeline_model_get_now_ns (sw_window_get_model (win)), ==, begin + 3 * 1000 * 1000);
  /* As if live: what is open now is drawn as still going on. */
  g_assert_true (sw_timeline_model_get_running (sw_window_get_model (win)));

  /* 0.05×: 20 ms of real time, 1 ms of trace. */
  sw_replay_set_speed (replay, 0.05);
  p = sw_replay_get_position (replay);
  sw_replay_advance (replay, 20 * 1000 * 1000);
  g_assert_cmpint (sw_replay_get_position (replay), ==, p + 1000 * 1000);
  /* In slices that do not divide evenly, nothing is lost. */
  for (int i = 0; i < 3; i++)
    sw_replay_advance (replay, 333333);
  sw_replay_advance (replay, 1);
  g_assert_cmpint (sw_replay_get_position (replay), ==, p + 1000 * 1000 + 50000);

  /* The speed menu says so. */
  {
    GtkDropDown *dropdown = sw_transport_bar_get_speed_dropdown (sw_window_get_transport_bar (win));
    GObject *item = gtk_string_object_get_type () != 0
                    ? g_list_model_get_item (gtk_drop_down_get_model (dropdown),
                                             gtk_drop_down_get_selected (dropdown))
                    : NULL;

    g_assert_cmpstr (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), ==, "0.05×");
    g_object_unref (item);
  }

  /* Paused, time passes and the position stays. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-play", NULL));
  g_assert_false (sw_replay_get_playing (replay));
  p = sw_replay_get_position (replay);
  sw_replay_advance (replay, 500 * 1000 * 1000);
  g_assert_cmpint (sw_replay_get_position (replay), ==, p);

  /* Playing on to the end stops there, with everything shown again. */
  sw_replay_set_speed (replay, 10.0);
  sw_replay_set_playing (replay, TRUE);
  for (int i = 0; i < 100000 && sw_replay_get_playing (replay); i++)
    sw_replay_advance (replay, 16 * 1000 * 1000);
  g_assert_false (sw_replay_get_playing (replay));
  g_assert_cmpint (sw_replay_get_position (replay), ==, end);
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (sw_window_get_model (win)), ==, n_callbacks_all);
  g_assert_false (sw_timeline_model_get_running (sw_window_get_model (win)));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Steps land exactly on the next (previous) event of any lane; at a
 * callback's begin the inspector shows that callback, and the console and
 * the model hold what happened up to there and nothing after. */
static void
test_step (void)
{
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GArray) times = NULL;
  g_autofree char *inspector_text = NULL;
  g_autofree char *console = NULL;
  SwWindow *win;
  SwReplay *replay;
  SwTimeline *timeline;
  SwInspector *inspector;
  const SwTimelineHit *hit;
  const SwEvent *event = NULL;
  gint64 at_callback, begin;
  guint i, rebuilds;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = open_replay (&trace);
  replay = sw_window_get_replay (win);
  timeline = sw_window_get_timeline (win);
  inspector = SW_INSPECTOR (find_widget (GTK_WIDGET (win), SW_TYPE_INSPECTOR));
  g_assert_nonnull (inspector);
  times = step_times (trace);
  g_assert_cmpuint (times->len, >, 20);

  begin = sw_replay_get_begin_ns (replay);
  sw_replay_set_position (replay, begin);
  /* "." until the first callback begins, checking every landing. */
  for (i = 0; i < times->len; i++)
    {
      gint64 expected = g_array_index (times, gint64, i);

      if (expected <= begin)
        continue;
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-step-forward", NULL));
      g_assert_cmpint (sw_replay_get_position (replay), ==, expected);
      event = sw_replay_get_event_at_position (replay);
      g_assert_nonnull (event);
      if (event->kind == SW_EVENT_CALLBACK_BEGIN)
        break;
    }
  g_assert_cmpuint (i, <, times->len);
  at_callback = sw_replay_get_position (replay);

  redraw (win);
  hit = sw_timeline_get_selection (timeline);
  g_assert_nonnull (hit);
  g_assert_cmpint (hit->kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpint (hit->span.start_ns, ==, at_callback);
  g_assert_cmpuint (hit->span.object, ==, event->object);
  inspector_text = sw_inspector_dup_text (inspector);
  g_test_message ("inspector: %s", inspector_text);
  g_assert_nonnull (strstr (inspector_text, "allback"));

  /* Only what happened so far: one callback, the log lines up to now. */
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (sw_window_get_model (win)), ==,
                    count_events_up_to (trace, SW_EVENT_CALLBACK_BEGIN, at_callback));
  console = sw_window_dup_console_text (win);
  g_assert_cmpuint (count_lines (console), ==, count_events_up_to (trace, SW_EVENT_LOG, at_callback));
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (sw_window_get_model (win)), ==,
                    count_events_up_to (trace, SW_EVENT_LOG, at_callback));

  ui_test_save_screenshot (win, "screenshot-replay-callback.png");

  /* "," goes back to the event before, building the model again. */
  rebuilds = sw_replay_get_n_rebuilds (replay);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-step-back", NULL));
  g_assert_cmpint (sw_replay_get_position (replay), ==, g_array_index (times, gint64, i - 1));
  g_assert_cmpuint (sw_replay_get_n_rebuilds (replay), ==, rebuilds + 1);
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (sw_window_get_model (win)), ==,
                    count_events_up_to (trace, SW_EVENT_CALLBACK_BEGIN, g_array_index (times, gint64, i - 1)));
  g_assert_cmpint (sw_timeline_model_get_now_ns (sw_window_get_model (win)), ==, g_array_index (times, gint64, i - 1));

  /* Nothing before the first event, nothing after the last. */
  sw_replay_set_position (replay, sw_replay_get_end_ns (replay));
  g_assert_false (sw_replay_step (replay, 1));
  g_assert_true (sw_replay_step (replay, -1));
  g_assert_cmpint (sw_replay_get_position (replay), ==, g_array_index (times, gint64, times->len - 2));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* With more lanes than the window shows, a step to a callback on a lane
 * scrolled out of view scrolls to it and selects it. */
/* Where @lane_id's row is drawn, and whether that is on screen. */
static gboolean
lane_on_screen (SwTimeline *timeline,
                guint32     lane_id,
                double     *y)
{
  *y = _sw_timeline_lane_y (timeline, lane_id);
  return *y > 0.0 && *y < gtk_widget_get_height (GTK_WIDGET (timeline));
}

/* With more lanes than the window shows, a step to a callback on a lane
 * scrolled out of view scrolls to it and selects it; a step back (which
 * builds the model again) leaves the view where it was. */
static void
test_step_reveals (void)
{
  g_autofree char *path = NULL;
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GHashTable) was_on_screen = g_hash_table_new (NULL, NULL);
  SwWindow *win;
  SwReplay *replay;
  SwTimeline *timeline;
  SwTimelineModel *model;
  guint n_callbacks = 0, n_were_hidden = 0;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  path = write_trace (tmp_dir, "callbacks-9.json", "workers=9");
  win = open_replay_sized (path, 1000, 520, &trace);
  replay = sw_window_get_replay (win);
  timeline = sw_window_get_timeline (win);

  /* The whole trace in view, not following: a step only scrolls. */
  sw_replay_set_position (replay, sw_replay_get_begin_ns (replay));
  sw_timeline_show_range (timeline, sw_replay_get_begin_ns (replay), sw_replay_get_end_ns (replay));
  redraw (win);
  for (;;)
    {
      const SwEvent *event;
      const SwTimelineHit *hit;
      SwTimeScale scale;
      double y, y_back;

      /* Which lanes were on screen before this step. */
      model = sw_window_get_model (win);
      g_hash_table_remove_all (was_on_screen);
      for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
        {
          const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);

          if (lane_on_screen (timeline, lane->id, &y))
            g_hash_table_add (was_on_screen, GUINT_TO_POINTER (lane->id));
        }

      if (!gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-step-forward", NULL) ||
          sw_replay_get_position (replay) >= sw_replay_get_end_ns (replay))
        break;
      event = sw_replay_get_event_at_position (replay);
      g_assert_nonnull (event);
      redraw (win);
      if (_sw_timeline_lane_y (timeline, event->lane) < 0.0)
        continue;  /* a lane without a row of its own */
      g_assert_true (lane_on_screen (timeline, event->lane, &y));
      if (!g_hash_table_contains (was_on_screen, GUINT_TO_POINTER (event->lane)))
        n_were_hidden++;
      if (event->kind != SW_EVENT_CALLBACK_BEGIN)
        continue;

      n_callbacks++;
      hit = sw_timeline_get_selection (timeline);
      g_assert_nonnull (hit);
      g_assert_cmpint (hit->kind, ==, SW_TIMELINE_HIT_CALLBACK);
      g_assert_cmpuint (hit->span.object, ==, event->object);
      if (n_callbacks == 9)
        ui_test_save_screenshot (win, "screenshot-replay-reveal.png");

      /* Back one event and forward again: the rebuilt model is shown
       * exactly where the old one was. */
      scale = *sw_timeline_get_scale (timeline);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-step-back", NULL));
      redraw (win);
      g_assert_true (sw_timeline_get_scale (timeline)->start_ns == scale.start_ns);
      g_assert_cmpfloat (sw_timeline_get_scale (timeline)->ns_per_px, ==, scale.ns_per_px);
      g_assert_true (lane_on_screen (timeline, event->lane, &y_back));
      g_assert_cmpfloat (y_back, ==, y);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.replay-step-forward", NULL));
      redraw (win);
    }

  g_test_message ("%u callbacks; %u steps to lanes out of view", n_callbacks, n_were_hidden);
  g_assert_cmpuint (n_callbacks, ==, 9);
  g_assert_cmpuint (n_were_hidden, >, 0);

  gtk_window_destroy (GTK_WINDOW (win));
  g_remove (path);
}

static gboolean press (SwWindow *win,
                       guint     keyval);

/* The scrubber sets the position and follows it. */
static void
test_scrubber (void)
{
  SwWindow *win;
  SwReplay *replay;
  GtkScale *scrubber;
  gint64 begin, end, mid;
  g_autofree char *label = NULL;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = open_replay (NULL);
  replay = sw_window_get_replay (win);
  scrubber = sw_transport_bar_get_scrubber (sw_window_get_transport_bar (win));
  begin = sw_replay_get_begin_ns (replay);
  end = sw_replay_get_end_ns (replay);
  mid = begin + (end - begin) / 2;

  gtk_range_set_value (GTK_RANGE (scrubber), (double) mid);
  g_assert_cmpint (sw_replay_get_position (replay), ==, mid);
  g_assert_cmpint (sw_timeline_model_get_now_ns (sw_window_get_model (win)), ==, mid);
  label = g_strdup (sw_transport_bar_get_position_text (sw_window_get_transport_bar (win)));

  sw_replay_set_position (replay, begin + (end - begin) / 4);
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (scrubber)), ==, (double) (begin + (end - begin) / 4));
  g_assert_cmpstr (sw_transport_bar_get_position_text (sw_window_get_transport_bar (win)), !=, label);

  /* Its own keys: End goes to the end of the trace. */
  gtk_widget_grab_focus (GTK_WIDGET (scrubber));
  g_signal_emit_by_name (scrubber, "move-slider", GTK_SCROLL_END);
  g_assert_cmpint (sw_replay_get_position (replay), ==, end);

  /* Run ends the replay: the transport bar goes, the run is shown. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_null (sw_window_get_replay (win));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (sw_window_get_transport_bar (win))));
  g_assert_true (ui_test_spin_until (win, not_running, 60.0));
  /* Without a replay, Space is the timeline's again. */
  g_assert_false (press (win, GDK_KEY_space));

  gtk_window_destroy (GTK_WINDOW (win));
}

static gboolean
press (SwWindow *win,
       guint     keyval)
{
  GtkEventController *keys = find_controller (GTK_WIDGET (win), GTK_TYPE_EVENT_CONTROLLER_KEY);
  gboolean handled = FALSE;

  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
  return handled;
}

/* Space, "." and "," reach the replay wherever the focus is (the
 * timeline's own Space folds otherwise), but not inside a number field. */
static void
test_keys (void)
{
  SwWindow *win;
  SwReplay *replay;
  GtkWidget *spin;
  gint64 p;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = open_replay (NULL);
  replay = sw_window_get_replay (win);
  gtk_widget_grab_focus (GTK_WIDGET (sw_window_get_timeline (win)));

  g_assert_true (press (win, GDK_KEY_space));
  g_assert_true (sw_replay_get_playing (replay));
  g_assert_true (press (win, GDK_KEY_space));
  g_assert_false (sw_replay_get_playing (replay));

  p = sw_replay_get_position (replay);
  g_assert_true (press (win, GDK_KEY_period));
  g_assert_cmpint (sw_replay_get_position (replay), >, p);
  p = sw_replay_get_position (replay);
  g_assert_true (press (win, GDK_KEY_comma));
  g_assert_cmpint (sw_replay_get_position (replay), <, p);

  spin = find_widget (GTK_WIDGET (win), GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (spin);
  /* Without selecting its text, which would take the PRIMARY selection
   * (and GTK 4.8 leaks a little of that when the window goes). */
  g_assert_true (gtk_text_grab_focus_without_selecting (GTK_TEXT (find_widget (spin, GTK_TYPE_TEXT))));
  p = sw_replay_get_position (replay);
  g_assert_false (press (win, GDK_KEY_period));
  g_assert_cmpint (sw_replay_get_position (replay), ==, p);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* A run saved with Save Trace… opens again with the same lanes, tasks and
 * callbacks; the run's trace is not a replay. */
static void
test_save_and_open (void)
{
  const SwScenario *scenario = sw_scenario_lookup ("callbacks", NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "saved-run.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SwTimelineModel) live = NULL;
  g_autoptr(GError) error = NULL;
  SwTimelineModel *model;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = sw_window_new (GTK_APPLICATION (ui_test_get_app ()), scenario);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (ui_test_spin_until (win, is_mapped, 10.0));
  g_assert_true (sw_window_set_param (win, "pool", "thread", &error));
  g_assert_true (sw_window_set_param (win, "scale", "0.1", &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, not_running, 60.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  g_assert_null (sw_window_get_replay (win));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (sw_window_get_transport_bar (win))));
  live = g_object_ref (sw_window_get_model (win));

  sw_window_save_trace (win, file);
  g_assert_true (ui_test_spin_until (win, saved, 20.0));
  g_assert_cmpstr (sw_window_get_status_text (win), ==, "Saved saved-run.json");

  sw_window_open_trace (win, file);
  g_assert_true (ui_test_spin_until (win, settled, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  model = sw_window_get_model (win);
  g_assert_true (model != live);
  g_assert_nonnull (sw_window_get_replay (win));
  /* The header names the file shown, not the scenario selected. */
  g_assert_cmpstr (sw_window_get_subtitle (win), ==, "Replay · saved-run.json");

  g_assert_cmpuint (sw_timeline_model_get_n_lanes (model), ==, sw_timeline_model_get_n_lanes (live));
  for (guint i = 0; i < sw_timeline_model_get_n_lanes (live); i++)
    {
      const SwTimelineLane *a = sw_timeline_model_get_lane (live, i);
      const SwTimelineLane *b = sw_timeline_model_get_lane (model, i);

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpuint (a->tasks->len, ==, b->tasks->len);
      g_assert_cmpuint (a->callbacks->len, ==, b->callbacks->len);
      for (guint t = 0; t < a->tasks->len; t++)
        g_assert_cmpstr (sw_timeline_model_get_task_label (live, g_array_index (a->tasks, SwTimelineSpan, t).object), ==,
                         sw_timeline_model_get_task_label (model, g_array_index (b->tasks, SwTimelineSpan, t).object));
    }
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, sw_timeline_model_get_n_spans (live));
  g_assert_cmpuint (sw_timeline_model_get_n_callbacks (model), ==, 9);
  g_assert_cmpuint (sw_timeline_model_get_n_log_lines (model), ==, sw_timeline_model_get_n_log_lines (live));

  gtk_window_destroy (GTK_WINDOW (win));
  g_remove (path);
}

/* A file dropped on the window opens like Open Trace…; a bad one says why
 * in the status bar, in red, and leaves what was shown. */
static void
test_drop (void)
{
  g_autofree char *bad = g_build_filename (tmp_dir, "not-a-trace.json", NULL);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(GFile) good_file = g_file_new_for_path (trace_path);
  GtkDropTarget *drop;
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  SwTimelineModel *model;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_assert_true (g_file_set_contents (bad, "hello, I am not JSON", -1, NULL));
  win = sw_window_new (GTK_APPLICATION (ui_test_get_app ()), NULL);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (ui_test_spin_until (win, is_mapped, 10.0));
  drop = GTK_DROP_TARGET (find_controller (GTK_WIDGET (win), GTK_TYPE_DROP_TARGET));
  g_assert_nonnull (drop);

  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, good_file);
  g_signal_emit_by_name (drop, "drop", &value, 100.0, 100.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);
  g_assert_true (ui_test_spin_until (win, settled, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  g_assert_nonnull (sw_window_get_replay (win));
  model = sw_window_get_model (win);

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, g_slist_prepend (NULL, g_object_ref (bad_file)));
  g_signal_emit_by_name (drop, "drop", &value, 100.0, 100.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);
  g_assert_true (ui_test_spin_until (win, settled, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FAILED);
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Cannot open trace:"));
  g_assert_true (sw_window_get_model (win) == model);
  redraw (win);
  ui_test_save_screenshot (win, "screenshot-replay-bad-drop.png");

  gtk_window_destroy (GTK_WINDOW (win));
  g_remove (bad);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  ui_test_init (&argc, &argv);

  tmp_dir = g_dir_make_tmp ("sw-replay-XXXXXX", NULL);
  trace_path = write_trace (tmp_dir, "callbacks.json", "workers=3");

  g_test_add_func ("/Sw/Replay/model-holds-events-up-to-position", test_model_limit);
  g_test_add_func ("/Sw/Replay/advance-moves-by-time-times-speed", test_advance);
  g_test_add_func ("/Sw/Replay/step-lands-on-events", test_step);
  g_test_add_func ("/Sw/Replay/step-scrolls-to-lanes-and-back-keeps-view", test_step_reveals);
  g_test_add_func ("/Sw/Replay/scrubber-sets-position", test_scrubber);
  g_test_add_func ("/Sw/Replay/keys-reach-actions", test_keys);
  g_test_add_func ("/Sw/Replay/saved-run-opens-the-same", test_save_and_open);
  g_test_add_func ("/Sw/Replay/bad-drop-shows-error", test_drop);

  ret = ui_test_run ();

  if (trace_path != NULL)
    g_remove (trace_path);
  if (tmp_dir != NULL)
    g_rmdir (tmp_dir);
  g_free (trace_path);
  g_free (tmp_dir);

  return ret;
}
