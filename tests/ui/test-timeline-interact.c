/* test-timeline-interact.c — keys, clicks and ranges on a real timeline (Xvfb)
 *
 * A window with a timeline and an inspector on a trace with exact times
 * (known-trace.h).  Keys go through the widget's own shortcuts (looked up
 * by key, as a key press would find them), clicks through
 * sw_timeline_select_at(), the function a real click calls.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-inspector.h"
#include "sw-timeline.h"
#include "sw-timeline-private.h"
#include "sw-ui-private.h"

#include "known-trace.h"
#include "ui-test-util.h"

#define MS KNOWN_MS

typedef struct {
  SwTrace         *trace;
  SwTimelineModel *model;
  GtkWidget       *window;
  SwTimeline      *timeline;
  SwInspector     *inspector;
  guint            frames;
} Fixture;

static gboolean have_display;

static gboolean
count_frames_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  ((Fixture *) data)->frames++;
  return G_SOURCE_CONTINUE;
}

static gboolean
is_drawn (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (GTK_WIDGET (f->timeline)) &&
         gtk_widget_get_width (GTK_WIDGET (f->timeline)) > 0 &&
         f->frames >= 2;
}

static guint frames_wanted;

static gboolean
drew_again (gpointer data)
{
  Fixture *f = data;

  return f->frames >= frames_wanted;
}

/* Lets the timeline draw a frame (follow mode fits the view when drawn). */
static void
redraw (Fixture *f)
{
  gtk_widget_queue_draw (GTK_WIDGET (f->timeline));
  frames_wanted = f->frames + 2;
  g_assert_true (ui_test_spin_until (f, drew_again, 10.0));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *box;

  if (!have_display)
    return;

  f->trace = known_trace_new ();
  f->model = sw_timeline_model_new (f->trace);
  sw_timeline_model_drain_all (f->model);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 700);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  f->timeline = SW_TIMELINE (sw_timeline_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (f->timeline), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (f->timeline), TRUE);
  f->inspector = SW_INSPECTOR (sw_inspector_new ());
  gtk_widget_set_size_request (GTK_WIDGET (f->inspector), 360, -1);
  sw_inspector_set_timeline (f->inspector, f->timeline);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->timeline));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->inspector));
  gtk_window_set_child (GTK_WINDOW (f->window), box);
  sw_timeline_set_model (f->timeline, f->model);
  gtk_widget_add_tick_callback (GTK_WIDGET (f->timeline), count_frames_cb, f, NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_spin_until (f, is_drawn, 10.0));
  gtk_widget_grab_focus (GTK_WIDGET (f->timeline));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (!have_display)
    return;

  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&f->window)));
  g_clear_object (&f->model);
  g_clear_object (&f->trace);
}

/* Activates what @keyval (no modifiers) is bound to on the timeline, as a
 * key press with the focus there does; fails when nothing is bound. */
static void
press (Fixture *f,
       guint    keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->timeline));
  gboolean found = FALSE;

  for (guint i = 0; !found && i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; !found && j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            {
              found = TRUE;
              g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                           GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                           GTK_WIDGET (f->timeline),
                                                           gtk_shortcut_get_arguments (shortcut)));
            }
        }
    }

  if (!found)
    g_error ("no shortcut for key %s", gdk_keyval_name (keyval));
}

static double
content_width (Fixture *f)
{
  return gtk_widget_get_width (GTK_WIDGET (f->timeline)) - _sw_timeline_time_to_x (f->timeline, 0) +
         sw_time_scale_ns_to_px (sw_timeline_get_scale (f->timeline), 0);
}

static gint64
visible_span (Fixture *f)
{
  return (gint64) (sw_timeline_get_scale (f->timeline)->ns_per_px * content_width (f));
}

/* The time at widget x. */
static gint64
time_at (Fixture *f,
         double   x)
{
  const SwTimeScale *scale = sw_timeline_get_scale (f->timeline);
  double label_w = _sw_timeline_time_to_x (f->timeline, 0) - sw_time_scale_ns_to_px (scale, 0);

  return sw_time_scale_px_to_ns (scale, x - label_w);
}

static char *
inspector_text (Fixture *f)
{
  return sw_inspector_dup_text (f->inspector);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” not in:\n%s", part, text);
}

static void
test_home_fits (Fixture       *f,
                gconstpointer  data)
{
  const SwTimeScale *scale;
  double width;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  scale = sw_timeline_get_scale (f->timeline);
  width = gtk_widget_get_width (GTK_WIDGET (f->timeline));

  /* A finished run opens fitted: 0 and 410 ms both on screen. */
  g_assert_true (sw_timeline_get_follow (f->timeline));
  g_assert_cmpfloat (sw_time_scale_ns_to_px (scale, 0), >=, 0.0);
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS), <=, width);

  /* Away from it, then Home: back. */
  press (f, GDK_KEY_w);
  press (f, GDK_KEY_w);
  press (f, GDK_KEY_d);
  redraw (f);
  g_assert_false (sw_timeline_get_follow (f->timeline));
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS), >, width);
  press (f, GDK_KEY_Home);
  redraw (f);
  g_assert_true (sw_timeline_get_follow (f->timeline));
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS), <=, width);
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS), >, width * 0.8);
  g_assert_cmpint (time_at (f, _sw_timeline_time_to_x (f->timeline, 0) - 0.5), <=, 0);

  /* 0 does the same. */
  press (f, GDK_KEY_s);
  redraw (f);
  g_assert_false (sw_timeline_get_follow (f->timeline));
  press (f, GDK_KEY_0);
  redraw (f);
  g_assert_true (sw_timeline_get_follow (f->timeline));
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS), <=, width);
}

/* Zoom keys keep the time under the anchor where it is: the middle of
 * the view, or the pointer when it is over the bars. */
static void
test_zoom_keys (Fixture       *f,
                gconstpointer  data)
{
  const guint in_keys[] = { GDK_KEY_w, GDK_KEY_plus, GDK_KEY_equal };
  const guint out_keys[] = { GDK_KEY_s, GDK_KEY_minus };
  double label_w, mid;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  sw_timeline_show_range (f->timeline, 0, 400 * MS);
  label_w = _sw_timeline_time_to_x (f->timeline, 0);
  mid = label_w + content_width (f) / 2.0;

  for (guint i = 0; i < G_N_ELEMENTS (in_keys); i++)
    {
      gint64 span = visible_span (f);
      gint64 centre = time_at (f, mid);

      press (f, in_keys[i]);
      g_assert_cmpint (visible_span (f), <, span * 0.85);
      g_assert_cmpint (ABS (time_at (f, mid) - centre), <=, (gint64) sw_timeline_get_scale (f->timeline)->ns_per_px + 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (out_keys); i++)
    {
      gint64 span = visible_span (f);
      gint64 centre = time_at (f, mid);

      press (f, out_keys[i]);
      g_assert_cmpint (visible_span (f), >, span * 1.15);
      g_assert_cmpint (ABS (time_at (f, mid) - centre), <=, (gint64) sw_timeline_get_scale (f->timeline)->ns_per_px + 1);
    }

  /* With the pointer over the bars, 100 px in: that time stays there. */
  {
    double x = label_w + 100.0;
    gint64 under = time_at (f, x);
    gint64 span = visible_span (f);

    _sw_timeline_set_pointer (f->timeline, x, 200.0, TRUE);
    press (f, GDK_KEY_w);
    g_assert_cmpint (visible_span (f), <, span * 0.85);
    g_assert_cmpint (ABS (time_at (f, x) - under), <=, (gint64) sw_timeline_get_scale (f->timeline)->ns_per_px + 1);
    /* …and the middle moved toward it. */
    g_assert_cmpint (time_at (f, mid), <, under + (span / 2));

    /* Over the label column it is not "over the bars": the middle again. */
    _sw_timeline_set_pointer (f->timeline, 10.0, 200.0, TRUE);
    {
      gint64 centre = time_at (f, mid);

      press (f, GDK_KEY_s);
      g_assert_cmpint (ABS (time_at (f, mid) - centre), <=, (gint64) sw_timeline_get_scale (f->timeline)->ns_per_px + 1);
    }
  }
}

static void
test_pan_keys (Fixture       *f,
               gconstpointer  data)
{
  struct {
    guint  keyval;
    int    direction;   /* +1 later, -1 earlier */
  } keys[] = {
    { GDK_KEY_d, 1 }, { GDK_KEY_Right, 1 }, { GDK_KEY_a, -1 }, { GDK_KEY_Left, -1 },
  };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  sw_timeline_show_range (f->timeline, 100 * MS, 200 * MS);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const SwTimeScale *scale = sw_timeline_get_scale (f->timeline);
      gint64 start = scale->start_ns;
      gint64 span = visible_span (f);

      press (f, keys[i].keyval);
      /* A tenth of the view per press, the zoom untouched. */
      g_assert_cmpint (ABS (visible_span (f) - span), <=, 1);
      g_assert_cmpint (keys[i].direction * (scale->start_ns - start), >, span / 12);
      g_assert_cmpint (keys[i].direction * (scale->start_ns - start), <, span / 8);
    }
}

/* While a run goes on, following keeps "now" at the right edge: zooming
 * keeps following, panning back in time stops it, F turns it back on. */
static void
test_follow_live (Fixture       *f,
                  gconstpointer  data)
{
  double width;
  gint64 span;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  width = gtk_widget_get_width (GTK_WIDGET (f->timeline));
  sw_timeline_model_set_running (f->model, TRUE);
  redraw (f);
  g_assert_true (sw_timeline_get_follow (f->timeline));

  span = visible_span (f);
  press (f, GDK_KEY_w);
  press (f, GDK_KEY_w);
  {
    gint64 now_before = sw_timeline_model_get_now_ns (f->model);

    redraw (f);
    g_assert_true (sw_timeline_get_follow (f->timeline));
    g_assert_cmpint (visible_span (f), <, span * 0.75);
    /* The view ends at "now" (as of its frame, which is later than
     * now_before): the live edge is on screen, not the run's start. */
    g_assert_cmpint (time_at (f, width), >=, now_before);
    g_assert_cmpint (time_at (f, width - content_width (f)), >, now_before - span);
  }

  /* Forward does nothing to it; back in time leaves it. */
  press (f, GDK_KEY_d);
  g_assert_true (sw_timeline_get_follow (f->timeline));
  press (f, GDK_KEY_a);
  g_assert_false (sw_timeline_get_follow (f->timeline));

  /* F: on again, with the zoomed width it has now. */
  span = visible_span (f);
  press (f, GDK_KEY_f);
  g_assert_true (sw_timeline_get_follow (f->timeline));
  redraw (f);
  g_assert_cmpint (ABS (visible_span (f) - span), <, span / 20);
  press (f, GDK_KEY_f);
  g_assert_false (sw_timeline_get_follow (f->timeline));

  sw_timeline_model_set_running (f->model, FALSE);
}

static void
test_click_selects (Fixture       *f,
                    gconstpointer  data)
{
  const SwTimelineLane *w2, *main_lane;
  const SwTimelineHit *hit;
  const SwTimelineChain *chain;
  g_autofree char *text = NULL;
  double x, y;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  w2 = known_lane (f->model, "worker-2");
  main_lane = known_lane (f->model, "main");
  sw_timeline_show_range (f->timeline, 0, 420 * MS);
  redraw (f);

  text = inspector_text (f);
  assert_contains (text, "Nothing selected");
  g_clear_pointer (&text, g_free);

  /* Task 3's bar on worker-2. */
  x = _sw_timeline_time_to_x (f->timeline, 200 * MS);
  y = _sw_timeline_lane_y (f->timeline, w2->id);
  g_assert_cmpfloat (y, >, 0.0);
  g_assert_true (sw_timeline_select_at (f->timeline, x, y));
  hit = sw_timeline_get_selection (f->timeline);
  g_assert_nonnull (hit);
  g_assert_cmpint (hit->kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (hit->span.object, ==, 3);
  chain = sw_timeline_get_chain (f->timeline);
  g_assert_nonnull (chain);
  g_assert_cmpuint (chain->submit_lane, ==, main_lane->id);
  g_assert_cmpuint (chain->n_callbacks, ==, 1);

  text = inspector_text (f);
  assert_contains (text, "task 3");
  assert_contains (text, "duration 300 ms");
  assert_contains (text, "lane worker-2");
  assert_contains (text, "PID 4242 · TID 103");
  assert_contains (text, "state finished");
  assert_contains (text, "submit 0.002 s on main · TID 101");
  assert_contains (text, "(queued 78 ms)");
  assert_contains (text, "callback 0.4 s on main · TID 101, 20 ms after the end, took 10 ms");
  g_clear_pointer (&text, g_free);
  redraw (f);
  ui_test_save_screenshot (f->window, "timeline-selection.png");

  /* The failed one says why. */
  g_assert_true (sw_timeline_select_at (f->timeline, _sw_timeline_time_to_x (f->timeline, 40 * MS), y));
  text = inspector_text (f);
  assert_contains (text, "task 2");
  assert_contains (text, "state failed: boom");
  g_clear_pointer (&text, g_free);

  /* Z: the whole chain, submit to callback, fills the view. */
  sw_timeline_select_at (f->timeline, x, y);
  press (f, GDK_KEY_z);
  g_assert_false (sw_timeline_get_follow (f->timeline));
  g_assert_cmpint (time_at (f, _sw_timeline_time_to_x (f->timeline, 0) + 1.0), <, 2 * MS);
  g_assert_cmpint (visible_span (f), >, 408 * MS);
  g_assert_cmpint (visible_span (f), <, 520 * MS);

  /* ] and [ step along the lane from the selection: task 3, back to
   * task 2's callback, then task 2. */
  press (f, GDK_KEY_bracketleft);
  hit = sw_timeline_get_selection (f->timeline);
  g_assert_cmpint (hit->kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpuint (hit->span.object, ==, 2);
  press (f, GDK_KEY_bracketleft);
  g_assert_cmpint (sw_timeline_get_selection (f->timeline)->kind, ==, SW_TIMELINE_HIT_TASK);
  g_assert_cmpuint (sw_timeline_get_selection (f->timeline)->span.object, ==, 2);
  press (f, GDK_KEY_bracketright);
  press (f, GDK_KEY_bracketright);
  g_assert_cmpuint (sw_timeline_get_selection (f->timeline)->span.object, ==, 3);
  text = inspector_text (f);
  assert_contains (text, "duration 300 ms");
  g_clear_pointer (&text, g_free);

  /* Nothing where nothing is drawn; Escape clears. */
  sw_timeline_show_range (f->timeline, 0, 1000 * MS);
  g_assert_false (sw_timeline_select_at (f->timeline, _sw_timeline_time_to_x (f->timeline, 800 * MS), y));
  g_assert_nonnull (sw_timeline_get_selection (f->timeline));
  press (f, GDK_KEY_Escape);
  g_assert_null (sw_timeline_get_selection (f->timeline));
  text = inspector_text (f);
  assert_contains (text, "Nothing selected");
}

/* Zoomed far out a callback is a sliver of a pixel: still clickable. */
static void
test_click_tiny (Fixture       *f,
                 gconstpointer  data)
{
  const SwTimelineLane *main_lane;
  const SwTimelineHit *hit;
  double x, y;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  main_lane = known_lane (f->model, "main");
  sw_timeline_show_range (f->timeline, 0, 200000 * MS);
  redraw (f);
  g_assert_cmpfloat (_sw_timeline_time_to_x (f->timeline, 410 * MS) - _sw_timeline_time_to_x (f->timeline, 400 * MS), <, 0.1);

  x = _sw_timeline_time_to_x (f->timeline, 405 * MS) + 2.0;
  y = _sw_timeline_lane_y (f->timeline, main_lane->id);
  g_assert_true (sw_timeline_select_at (f->timeline, x, y));
  hit = sw_timeline_get_selection (f->timeline);
  g_assert_nonnull (hit);
  g_assert_cmpint (hit->kind, ==, SW_TIMELINE_HIT_CALLBACK);
  g_assert_cmpuint (hit->span.object, ==, 3);
  redraw (f);
  ui_test_save_screenshot (f->window, "timeline-selection-tiny.png");
}

static void
test_range_statistics (Fixture       *f,
                       gconstpointer  data)
{
  const SwTimelineRangeStats *stats;
  g_autofree char *text = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  sw_timeline_show_range (f->timeline, 0, 420 * MS);
  sw_timeline_select_range (f->timeline, 150 * MS, 50 * MS);
  stats = sw_timeline_get_range_stats (f->timeline);
  g_assert_nonnull (stats);
  g_assert_null (sw_timeline_get_selection (f->timeline));
  g_assert_cmpuint (stats->n_tasks, ==, 3);

  text = inspector_text (f);
  assert_contains (text, "Range of 100 ms");
  assert_contains (text, "tasks 3");
  assert_contains (text, "total 450 ms");
  assert_contains (text, "mean 150 ms");
  assert_contains (text, "max 300 ms (task 3)");
  assert_contains (text, "main 0 %");
  assert_contains (text, "worker-1 65 %");
  assert_contains (text, "worker-2 92 %");
  redraw (f);
  ui_test_save_screenshot (f->window, "timeline-range.png");

  /* Z fits the range. */
  press (f, GDK_KEY_z);
  g_assert_cmpint (ABS (sw_timeline_get_scale (f->timeline)->start_ns - 50 * MS), <, MS / 10);
  g_assert_cmpint (ABS (visible_span (f) - 100 * MS), <, MS / 10);

  /* A click on a bar replaces the range. */
  g_assert_true (sw_timeline_select_at (f->timeline, _sw_timeline_time_to_x (f->timeline, 100 * MS),
                                        _sw_timeline_lane_y (f->timeline, known_lane (f->model, "worker-1")->id)));
  g_assert_null (sw_timeline_get_range_stats (f->timeline));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ui_test_filter_gtk_warnings ();

  have_display = gtk_init_check ();
  if (have_display)
    {
      /* The app's colours, so the screenshots look as the app does. */
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      _sw_ui_ensure_resources ();
      gtk_css_provider_load_from_resource (css, "/io/github/switchyard/Switchyard/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

#define ADD(path, func) \
  g_test_add ("/Sw/TimelineInteract/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("home-fits", test_home_fits);
  ADD ("zoom-keys-anchor", test_zoom_keys);
  ADD ("pan-keys", test_pan_keys);
  ADD ("follow-live", test_follow_live);
  ADD ("click-selects-and-inspects", test_click_selects);
  ADD ("click-tiny-bar", test_click_tiny);
  ADD ("range-statistics", test_range_statistics);
#undef ADD

  return g_test_run ();
}
