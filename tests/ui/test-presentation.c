/* test-presentation.c — presentation mode, the scale, the preferences and
 * the shortcuts window, in the real window (Xvfb)
 *
 * Sizes are measured from what the timeline's last frame drew, so a
 * change that shrinks the type or thins the lines fails here.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-preferences.h"
#include "sw-timeline-private.h"
#include "sw-window.h"
#include "ui-test-util.h"

static gboolean
is_full_size (gpointer win)
{
  return gtk_widget_get_width (GTK_WIDGET (win)) == 1920 &&
         gtk_widget_get_height (GTK_WIDGET (win)) == 1080;
}

static GSettings *
settings (void)
{
  GSettings *s = sw_application_get_settings (ui_test_get_app ());

  g_assert_nonnull (s);
  return s;
}

/* A projector's screen: 1920×1080 (Xvfb has no window manager to make
 * the window fullscreen, so it is given that size). */
static SwWindow *
open_window (void)
{
  SwWindow *win = ui_test_open_window ("thread-pool", 1920, 1080);

  /* Without a window manager GTK keeps a few pixels off the screen's
   * edges: nearly the projector's size is what we get. */
  ui_test_spin_until (win, is_full_size, 2.0);
  g_test_message ("window %d×%d", gtk_widget_get_width (GTK_WIDGET (win)), gtk_widget_get_height (GTK_WIDGET (win)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (win)), >=, 1900);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win)), >=, 1060);

  return win;
}

/* A short real run: four workers, eight tasks of 50–150 ms. */
static void
run_short (SwWindow *win)
{
  static const char * const params[] = {
    "workers", "4", "tasks", "8", "min_sleep", "0.05", "max_sleep", "0.15", NULL,
  };

  ui_test_set_params (win, params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 60.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
}

/* A picture of the projector-sized window, into the build folder. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_assert_cmpint (gtk_widget_get_width (widget), >=, 1900);
  g_assert_cmpint (gtk_widget_get_height (widget), >=, 1060);
  ui_test_save_screenshot (widget, name);
}

/* WCAG 2 relative luminance and contrast ratio. */
static double
channel (double c)
{
  return c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * channel (c->red) + 0.7152 * channel (c->green) + 0.0722 * channel (c->blue);
}

static double
contrast (const GdkRGBA *a,
          const GdkRGBA *b)
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* ---- tests ---------------------------------------------------------- */

/* F5 asks for fullscreen and the high-contrast palette; at 100 % the
 * labels' line boxes are ≥ 24 px and no line is thinner than 2 px;
 * leaving takes it all back. */
static void
test_presentation_sizes (void)
{
  SwWindow *win;
  SwTimeline *timeline;
  double normal_label, normal_small;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_string (settings (), "presentation-palette", "light");
  g_settings_set_int (settings (), "scale", 100);
  g_settings_set_boolean (settings (), "presentation-fullscreen", TRUE);
  win = open_window ();
  timeline = sw_window_get_timeline (win);
  run_short (win);

  /* Outside presentation: thin lines and the stylesheet's type. */
  ui_test_draw_frames (timeline);
  g_assert_false (sw_window_get_presentation (win));
  g_assert_cmpfloat (sw_timeline_get_min_line_width (timeline), <, 2.0);
  normal_label = sw_timeline_get_label_height (timeline, FALSE);
  normal_small = sw_timeline_get_label_height (timeline, TRUE);
  g_assert_cmpfloat (normal_label, >, 0.0);

  /* F5 is presentation's accelerator (and no longer Run's). */
  {
    g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (ui_test_get_app ()), "F5");

    g_assert_cmpuint (g_strv_length (actions), ==, 1);
    g_assert_cmpstr (actions[0], ==, "win.presentation");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  ui_test_draw_frames (timeline);

  g_assert_true (sw_window_get_presentation (win));
  g_assert_true (sw_window_get_fullscreen_requested (win));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "presentation"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-light"));
  g_test_message ("labels: %.0f px (was %.0f), second lines %.0f px (was %.0f), thinnest line %.1f px",
                  sw_timeline_get_label_height (timeline, FALSE), normal_label,
                  sw_timeline_get_label_height (timeline, TRUE), normal_small,
                  sw_timeline_get_min_line_width (timeline));
  g_assert_cmpfloat (sw_timeline_get_label_height (timeline, FALSE), >=, 24.0);
  g_assert_cmpfloat (sw_timeline_get_label_height (timeline, TRUE), >=, 24.0);
  g_assert_cmpfloat (sw_timeline_get_min_line_width (timeline), >=, 2.0);
  /* Bars were drawn in that frame, with their labels; and every row of
   * the run (the process, main and the four workers) is on screen. */
  g_assert_cmpuint (sw_timeline_get_n_drawn_bars (timeline), >=, 8);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), ==, 5);

  /* F5 again: back to the window as it was. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  ui_test_draw_frames (timeline);
  g_assert_false (sw_window_get_fullscreen_requested (win));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-light"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (win), "presentation"));
  g_assert_cmpfloat (sw_timeline_get_label_height (timeline, FALSE), ==, normal_label);
  g_assert_cmpfloat (sw_timeline_get_min_line_width (timeline), <, 2.0);

  /* The setting says no fullscreen: none is asked for. */
  g_settings_set_boolean (settings (), "presentation-fullscreen", FALSE);
  sw_window_set_presentation (win, TRUE);
  g_assert_false (sw_window_get_fullscreen_requested (win));
  sw_window_set_presentation (win, FALSE);
  g_settings_set_boolean (settings (), "presentation-fullscreen", TRUE);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Switched on in a smaller window that then grows to the screen (as when
 * the window manager grants fullscreen a moment after F5): the timeline
 * keeps most of the height. */
static void
test_presentation_timeline_keeps_the_height (void)
{
  static const char * const params[] = {
    "workers", "9", "tasks", "9", "min_sleep", "0.05", "max_sleep", "0.1", NULL,
  };
  SwWindow *win;
  SwTimeline *timeline;
  double share;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_string (settings (), "presentation-palette", "light");
  g_settings_set_int (settings (), "scale", 100);
  win = ui_test_open_window ("thread-pool", 1400, 760);
  timeline = sw_window_get_timeline (win);
  ui_test_set_params (win, params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 60.0));

  sw_window_set_presentation (win, TRUE);
  ui_test_draw_frames (timeline);
  gtk_window_set_default_size (GTK_WINDOW (win), 1920, 1080);
  ui_test_spin_until (win, is_full_size, 5.0);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win)), >=, 1060);
  ui_test_draw_frames (timeline);
  ui_test_draw_frames (timeline);

  share = (double) gtk_widget_get_height (GTK_WIDGET (timeline)) / gtk_widget_get_height (GTK_WIDGET (win));
  g_test_message ("timeline %d px of %d px (%.0f %%), %u lane rows drawn",
                  gtk_widget_get_height (GTK_WIDGET (timeline)), gtk_widget_get_height (GTK_WIDGET (win)),
                  share * 100, sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE));
  ui_test_save_screenshot (GTK_WIDGET (win), "screenshot-presentation-grown.png");
  g_assert_cmpfloat (share, >=, 0.72);
  /* Rows of ≥ 24 px type: the process, main and five workers at least
   * (in the small window's split only the process, main and worker 1). */
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), >=, 7);

  sw_window_set_presentation (win, FALSE);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Both high-contrast palettes: the canvas is white or black, every task
 * hue stands out from it by ≥ 3:1 (WCAG's non-text contrast) and the bars'
 * edges by ≥ 7:1; "system" follows the desktop's dark preference, which
 * is given back afterwards.  A screenshot of each at 1920×1080. */
static void
test_presentation_palettes (void)
{
  static const struct {
    const char *palette;
    const char *css_class;
    const char *screenshot;
  } cases[] = {
    { "light", "hc-light", "screenshot-presentation-light.png" },
    { "dark", "hc-dark", "screenshot-presentation-dark.png" },
  };
  GtkSettings *gtk_settings;
  SwWindow *win;
  SwTimeline *timeline;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_int (settings (), "scale", 100);
  win = open_window ();
  timeline = sw_window_get_timeline (win);
  gtk_settings = gtk_widget_get_settings (GTK_WIDGET (win));
  run_short (win);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GdkRGBA canvas, edge;

      g_settings_set_string (settings (), "presentation-palette", cases[c].palette);
      sw_window_set_presentation (win, TRUE);
      ui_test_draw_frames (timeline);
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), cases[c].css_class));

      _sw_timeline_lookup_color (timeline, "canvas", &canvas);
      _sw_timeline_lookup_color (timeline, "bar-edge", &edge);
      g_assert_cmpfloat (canvas.alpha, ==, 1.0);
      if (c == 0)
        g_assert_cmpfloat (luminance (&canvas), >, 0.9);
      else
        g_assert_cmpfloat (luminance (&canvas), <, 0.02);
      g_assert_cmpfloat (edge.alpha, ==, 1.0);
      g_assert_cmpfloat (contrast (&edge, &canvas), >=, 7.0);

      for (guint h = 0; h < SW_TIMELINE_N_HUES; h++)
        {
          char name[32];
          GdkRGBA hue;

          g_snprintf (name, sizeof name, "task-hue-%u", h);
          _sw_timeline_lookup_color (timeline, name, &hue);
          g_test_message ("%s %s: contrast %.2f", cases[c].palette, name, contrast (&hue, &canvas));
          g_assert_cmpfloat (contrast (&hue, &canvas), >=, 3.0);
        }
      /* The run's tasks were drawn in several hues. */
      g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_HUES), >=, 1);

      save_screenshot (GTK_WIDGET (win), cases[c].screenshot);
      sw_window_set_presentation (win, FALSE);
    }

  /* "system": the desktop prefers dark, so dark; and it still does
   * after presentation mode has come and gone. */
  g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", TRUE, NULL);
  g_settings_set_string (settings (), "presentation-palette", "system");
  sw_window_set_presentation (win, TRUE);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-dark"));
  /* Switching the setting while presenting repaints at once. */
  g_settings_set_string (settings (), "presentation-palette", "light");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-light"));
  sw_window_set_presentation (win, FALSE);
  {
    gboolean dark = FALSE;

    g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &dark, NULL);
    g_assert_true (dark);
  }
  g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", FALSE, NULL);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Ctrl+plus / Ctrl+minus / Ctrl+0: 25 % steps between 100 % and 300 %,
 * kept in GSettings; the type and the lines grow with it. */
static void
test_scale_keys (void)
{
  g_auto(GStrv) up = NULL;
  g_auto(GStrv) down = NULL;
  g_auto(GStrv) reset = NULL;
  SwWindow *win;
  SwTimeline *timeline;
  double label_100, line_100;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_int (settings (), "scale", 100);
  up = gtk_application_get_actions_for_accel (GTK_APPLICATION (ui_test_get_app ()), "<Control>plus");
  down = gtk_application_get_actions_for_accel (GTK_APPLICATION (ui_test_get_app ()), "<Control>minus");
  reset = gtk_application_get_actions_for_accel (GTK_APPLICATION (ui_test_get_app ()), "<Control>0");
  g_assert_true (g_strv_contains ((const char * const *) up, "win.scale(1)"));
  g_assert_true (g_strv_contains ((const char * const *) down, "win.scale(-1)"));
  g_assert_true (g_strv_contains ((const char * const *) reset, "win.scale(0)"));

  win = open_window ();
  timeline = sw_window_get_timeline (win);
  run_short (win);
  sw_window_set_presentation (win, TRUE);
  ui_test_draw_frames (timeline);
  label_100 = sw_timeline_get_label_height (timeline, FALSE);
  line_100 = sw_timeline_get_min_line_width (timeline);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale", "i", 1));
  g_assert_cmpint (sw_window_get_scale (win), ==, 125);
  g_assert_cmpint (g_settings_get_int (settings (), "scale"), ==, 125);
  ui_test_draw_frames (timeline);
  g_assert_cmpfloat (sw_timeline_get_label_height (timeline, FALSE), >, label_100 * 1.1);
  g_assert_cmpfloat (sw_timeline_get_min_line_width (timeline), >, line_100);

  /* Up to 300 % and no further. */
  for (guint i = 0; i < 12; i++)
    gtk_widget_activate_action (GTK_WIDGET (win), "win.scale", "i", 1);
  g_assert_cmpint (sw_window_get_scale (win), ==, 300);
  g_assert_cmpint (g_settings_get_int (settings (), "scale"), ==, 300);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale", "i", -1));
  g_assert_cmpint (g_settings_get_int (settings (), "scale"), ==, 275);

  /* Ctrl+0: back to 100 %, and the type as it was. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale", "i", 0));
  g_assert_cmpint (g_settings_get_int (settings (), "scale"), ==, 100);
  ui_test_draw_frames (timeline);
  g_assert_cmpfloat (sw_timeline_get_label_height (timeline, FALSE), ==, label_100);

  /* Not below 100 %. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale", "i", -1));
  g_assert_cmpint (sw_window_get_scale (win), ==, 100);

  sw_window_set_presentation (win, FALSE);
  gtk_window_destroy (GTK_WINDOW (win));

  /* A new window opens at the scale kept. */
  g_settings_set_int (settings (), "scale", 200);
  win = open_window ();
  g_assert_cmpint (sw_window_get_scale (win), ==, 200);
  g_assert_cmpfloat (sw_timeline_get_ui_scale (sw_window_get_timeline (win)), ==, 2.0);
  gtk_window_destroy (GTK_WINDOW (win));
  g_settings_set_int (settings (), "scale", 100);
}

/* After a run, presentation mode draws the summary — the same speedup
 * as the status bar — in the legend's band, below every lane's bars. */
static void
test_summary_plate (void)
{
  graphene_rect_t rect;
  SwTimelineModel *model;
  SwWindow *win;
  SwTimeline *timeline;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_int (settings (), "scale", 100);
  win = open_window ();
  timeline = sw_window_get_timeline (win);
  run_short (win);

  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_SUMMARY), ==, 0);

  sw_window_set_presentation (win, TRUE);
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_SUMMARY), ==, 1);
  g_assert_true (sw_timeline_get_summary_rect (timeline, &rect));
  g_test_message ("plate %.0f×%.0f at %.0f,%.0f", rect.size.width, rect.size.height,
                  rect.origin.x, rect.origin.y);
  /* Large enough to read from afar, inside the widget. */
  g_assert_cmpfloat (rect.size.height, >=, 48.0);
  g_assert_cmpfloat (rect.origin.x + rect.size.width, <=, gtk_widget_get_width (GTK_WIDGET (timeline)));
  g_assert_cmpfloat (rect.origin.y + rect.size.height, <=, gtk_widget_get_height (GTK_WIDGET (timeline)));

  /* Below every lane's bars (all five are on screen): it hides none. */
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE), ==, 5);
  model = sw_window_get_model (win);
  for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);
      double y = _sw_timeline_lane_y (timeline, lane->id);

      g_assert_cmpfloat (y, >, 0.0);
      g_assert_cmpfloat (y, <, rect.origin.y);
    }
  /* Nothing to select under it, at its centre or its top edge. */
  g_assert_false (sw_timeline_select_at (timeline, rect.origin.x + rect.size.width / 2.0,
                                         rect.origin.y + rect.size.height / 2.0));
  g_assert_false (sw_timeline_select_at (timeline, rect.origin.x + rect.size.width / 2.0,
                                         rect.origin.y + 1.0));

  /* Clear: no run, no plate. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.clear", NULL));
  ui_test_draw_frames (timeline);
  g_assert_cmpuint (sw_timeline_get_n_drawn (timeline, SW_TIMELINE_DRAWN_SUMMARY), ==, 0);

  sw_window_set_presentation (win, FALSE);
  gtk_window_destroy (GTK_WINDOW (win));
}

static GtkWidget *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *label = find_label (child);

      if (label != NULL)
        return label;
    }
  return NULL;
}

static int
natural_height (GtkWidget *widget)
{
  int natural;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, -1, NULL, &natural, NULL, NULL);
  return natural;
}

/* The Preferences window writes the settings, and the window follows;
 * its own text follows the scale too. */
static void
test_preferences_window (void)
{
  SwPreferences *prefs;
  GtkWidget *palette, *scale, *fullscreen, *label;
  SwWindow *win;
  int label_h;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  g_settings_set_string (settings (), "presentation-palette", "light");
  g_settings_set_int (settings (), "scale", 100);
  g_settings_set_boolean (settings (), "presentation-fullscreen", TRUE);
  win = open_window ();
  sw_window_set_presentation (win, TRUE);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-light"));

  /* As the menu opens it (Ctrl+comma). */
  {
    g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (ui_test_get_app ()), "<Control>comma");

    g_assert_true (g_strv_contains ((const char * const *) actions, "app.preferences"));
  }
  prefs = sw_preferences_new (GTK_WINDOW (win), settings ());
  gtk_window_present (GTK_WINDOW (prefs));
  palette = sw_preferences_get_widget (prefs, "palette_dropdown");
  scale = sw_preferences_get_widget (prefs, "scale_spin");
  fullscreen = sw_preferences_get_widget (prefs, "fullscreen_switch");

  /* It shows the settings as they are. */
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (palette)), ==, 1);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (scale)), ==, 100.0);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (fullscreen)));
  label = find_label (GTK_WIDGET (prefs));
  g_assert_nonnull (label);
  ui_test_draw_frames (prefs);
  label_h = natural_height (label);

  /* Dark, 200 %, not fullscreen: kept, and the window follows. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (palette), 2);
  {
    g_autofree char *value = g_settings_get_string (settings (), "presentation-palette");

    g_assert_cmpstr (value, ==, "dark");
  }
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-dark"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (win), "hc-light"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (scale), 200.0);
  g_assert_cmpint (g_settings_get_int (settings (), "scale"), ==, 200);
  g_assert_cmpint (sw_window_get_scale (win), ==, 200);
  g_assert_cmpfloat (sw_timeline_get_ui_scale (sw_window_get_timeline (win)), ==, 2.0);
  ui_test_draw_frames (prefs);
  g_test_message ("preferences label \"%s\": %d px at 100 %%, %d px at 200 %%",
                  gtk_label_get_text (GTK_LABEL (label)), label_h, natural_height (label));
  g_assert_cmpint (natural_height (label), >=, label_h * 17 / 10);
  ui_test_save_screenshot (prefs, "screenshot-preferences-200.png");

  gtk_switch_set_active (GTK_SWITCH (fullscreen), FALSE);
  g_assert_false (g_settings_get_boolean (settings (), "presentation-fullscreen"));

  /* And the other way: a setting changed elsewhere shows in it. */
  g_settings_set_string (settings (), "presentation-palette", "system");
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (palette)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (prefs));
  sw_window_set_presentation (win, FALSE);
  gtk_window_destroy (GTK_WINDOW (win));
  g_settings_reset (settings (), "presentation-palette");
  g_settings_reset (settings (), "scale");
  g_settings_reset (settings (), "presentation-fullscreen");
}

static void
collect_shortcuts (GtkWidget  *widget,
                   GPtrArray  *names,
                   GString    *accels)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *action = NULL;
      g_autofree char *accel = NULL;

      g_object_get (widget, "action-name", &action, "accelerator", &accel, NULL);
      if (action != NULL)
        g_ptr_array_add (names, g_steal_pointer (&action));
      if (accel != NULL)
        g_string_append_printf (accels, " %s ", accel);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, names, accels);
}

/* Every action with an accelerator is in the shortcuts window (Ctrl+?),
 * by its name or by its keys. */
static void
test_shortcuts_window_lists_actions (void)
{
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) accels = g_string_new (NULL);
  g_auto(GStrv) actions = NULL;
  GtkWidget *overlay;
  guint n_checked = 0;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  builder = gtk_builder_new_from_resource ("/io/github/switchyard/Switchyard/gtk/help-overlay.ui");
  overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_assert_nonnull (overlay);
  collect_shortcuts (overlay, names, accels);

  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (ui_test_get_app ()));
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) keys = gtk_application_get_accels_for_action (GTK_APPLICATION (ui_test_get_app ()), actions[i]);
      gboolean listed = FALSE;

      if (keys[0] == NULL)
        continue;
      for (guint n = 0; n < names->len && !listed; n++)
        listed = g_strcmp0 (g_ptr_array_index (names, n), actions[i]) == 0;
      for (guint k = 0; keys[k] != NULL && !listed; k++)
        {
          g_autofree char *needle = g_strdup_printf (" %s ", keys[k]);

          listed = strstr (accels->str, needle) != NULL;
        }
      if (!listed)
        g_test_message ("%s (%s) is not in the shortcuts window", actions[i], keys[0]);
      g_assert_true (listed);
      n_checked++;
    }
  /* Run, stop, quit, open, presentation, fullscreen, scale ×3, preferences… */
  g_assert_cmpuint (n_checked, >=, 10);

  gtk_window_destroy (GTK_WINDOW (overlay));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Presentation/sizes-at-100-percent", test_presentation_sizes);
  g_test_add_func ("/Sw/Presentation/timeline-keeps-the-height", test_presentation_timeline_keeps_the_height);
  g_test_add_func ("/Sw/Presentation/high-contrast-palettes", test_presentation_palettes);
  g_test_add_func ("/Sw/Presentation/scale-keys-kept", test_scale_keys);
  g_test_add_func ("/Sw/Presentation/summary-plate", test_summary_plate);
  g_test_add_func ("/Sw/Preferences/window-changes-settings", test_preferences_window);
  g_test_add_func ("/Sw/Application/shortcuts-window-lists-actions", test_shortcuts_window_lists_actions);

  return ui_test_run ();
}
