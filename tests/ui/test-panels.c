/* test-panels.c — the scenario form, Reset, Clear and the stats panel, on
 * the real window with real runs (Xvfb) */

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-stats-panel.h"
#include "sw-window.h"
#include "ui-test-util.h"

/* Dispatches what is ready now (the idle that shows a run's end), a
 * bounded number of times: a live window always has a frame to draw. */
static void
drain_pending (void)
{
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* The first widget of type under root (depth first) that has css_class,
 * if one is given. */
static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      (css_class == NULL || gtk_widget_has_css_class (root, css_class)))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, css_class);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* A parameter's widget, found as a user finds it: by its name label. */
static GtkWidget *
find_param_widget_in (GtkWidget  *root,
                      const char *key)
{
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, "param-name") &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), key) == 0)
    return gtk_label_get_mnemonic_widget (GTK_LABEL (root));

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_param_widget_in (child, key);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static SwStatsPanel *
get_stats_panel (SwWindow *win)
{
  GtkWidget *panel = find_widget (GTK_WIDGET (win), SW_TYPE_STATS_PANEL, NULL);

  g_assert_nonnull (panel);
  return SW_STATS_PANEL (panel);
}

static void
show_stats_page (SwWindow *win)
{
  GtkWidget *panel = GTK_WIDGET (get_stats_panel (win));
  GtkWidget *stack = gtk_widget_get_ancestor (panel, GTK_TYPE_STACK);

  g_assert_nonnull (stack);
  gtk_stack_set_visible_child (GTK_STACK (stack), panel);
}

static GtkWidget *
find_button_for (GtkWidget  *root,
                 const char *action)
{
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_for (child, action);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Whether the button of a window action can be pressed, as a user sees it
 * (the titlebar is not a child of the window's content). */
static gboolean
action_enabled (SwWindow   *win,
                const char *name)
{
  g_autofree char *action = g_strconcat ("win.", name, NULL);
  GtkWidget *button = find_button_for (GTK_WIDGET (win), action);

  if (button == NULL)
    button = find_button_for (gtk_window_get_titlebar (GTK_WINDOW (win)), action);
  g_assert_nonnull (button);

  return gtk_widget_is_sensitive (button);
}

/* ---- the form --------------------------------------------------------- */

static int
switch_on_index (const SwParamSpec *spec)
{
  if (spec->type != SW_PARAM_CHOICE || g_strv_length ((char **) spec->choices) != 2)
    return -1;
  if (g_strcmp0 (spec->choices[0], "on") == 0 && g_strcmp0 (spec->choices[1], "off") == 0)
    return 0;
  if (g_strcmp0 (spec->choices[0], "off") == 0 && g_strcmp0 (spec->choices[1], "on") == 0)
    return 1;
  return -1;
}

/* Every scenario of the engine is listed, and selecting it builds a form
 * whose widgets hold exactly the declared ranges, choices and defaults. */
static void
test_form_matches_definitions (void)
{
  const SwScenario * const *scenarios;
  guint n_scenarios = 0;
  guint n_switches = 0, n_dropdowns = 0, n_spins = 0;
  GtkListBox *list;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  scenarios = sw_scenario_list (&n_scenarios);
  g_assert_cmpuint (n_scenarios, >=, 6);

  list = GTK_LIST_BOX (find_widget (GTK_WIDGET (win), GTK_TYPE_LIST_BOX, "scenario-list"));
  g_assert_nonnull (list);
  g_assert_null (gtk_list_box_get_row_at_index (list, n_scenarios));

  for (guint s = 0; s < n_scenarios; s++)
    {
      const SwScenario *scenario = scenarios[s];
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, s);

      g_assert_nonnull (row);
      /* Choosing the row is choosing the scenario. */
      gtk_list_box_select_row (list, row);
      g_assert_true (sw_window_get_scenario (win) == scenario);

      for (guint p = 0; p < scenario->n_params; p++)
        {
          const SwParamSpec *spec = &scenario->params[p];
          GtkWidget *widget = find_param_widget_in (GTK_WIDGET (win), spec->key);
          g_autofree char *value = sw_window_dup_param (win, spec->key);
          const char *tooltip;

          g_test_message ("%s.%s", scenario->name, spec->key);
          g_assert_nonnull (widget);
          tooltip = gtk_widget_get_tooltip_text (widget);
          g_assert_nonnull (tooltip);
          g_assert_nonnull (strstr (tooltip, spec->description));

          switch (spec->type)
            {
            case SW_PARAM_INT:
            case SW_PARAM_DOUBLE:
              {
                GtkAdjustment *adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (widget));
                double step;

                g_assert_true (GTK_IS_SPIN_BUTTON (widget));
                g_assert_cmpfloat (gtk_adjustment_get_lower (adj), ==, spec->minimum);
                g_assert_cmpfloat (gtk_adjustment_get_upper (adj), ==, spec->maximum);
                g_assert_cmpfloat (fabs (gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)) -
                                         g_ascii_strtod (spec->default_value, NULL)), <, 1e-9);
                step = gtk_adjustment_get_step_increment (adj);
                if (spec->type == SW_PARAM_INT)
                  {
                    g_assert_cmpfloat (step, ==, 1.0);
                    g_assert_cmpuint (gtk_spin_button_get_digits (GTK_SPIN_BUTTON (widget)), ==, 0);
                  }
                else
                  {
                    /* Small enough to reach the default from the minimum. */
                    g_assert_cmpfloat (step, >, 0.0);
                    g_assert_cmpfloat (step, <=, (spec->maximum - spec->minimum) / 20.0);
                  }
                /* Out of range is impossible. */
                gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), spec->maximum * 10 + 10);
                g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)), ==, spec->maximum);
                gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), spec->minimum - 10);
                g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)), ==, spec->minimum);
                n_spins++;
              }
              break;

            case SW_PARAM_CHOICE:
              g_assert_cmpstr (value, ==, spec->default_value);
              if (switch_on_index (spec) >= 0)
                {
                  g_assert_true (GTK_IS_SWITCH (widget));
                  g_assert_cmpint (gtk_switch_get_active (GTK_SWITCH (widget)), ==,
                                   g_strcmp0 (spec->default_value, "on") == 0);
                  n_switches++;
                }
              else
                {
                  GListModel *items;

                  g_assert_true (GTK_IS_DROP_DOWN (widget));
                  items = gtk_drop_down_get_model (GTK_DROP_DOWN (widget));
                  g_assert_cmpuint (g_list_model_get_n_items (items), ==,
                                    g_strv_length ((char **) spec->choices));
                  for (guint c = 0; spec->choices[c] != NULL; c++)
                    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), c), ==,
                                     spec->choices[c]);
                  n_dropdowns++;
                }
              break;

            default:
              g_assert_not_reached ();
            }
        }
    }

  /* The engine has all three kinds; each got its widget. */
  g_assert_cmpuint (n_spins, >, 0);
  g_assert_cmpuint (n_dropdowns, >, 0);
  g_assert_cmpuint (n_switches, >, 0);

  gtk_window_destroy (GTK_WINDOW (win));
}

static const char *
param_default (SwWindow   *win,
               const char *key)
{
  return sw_scenario_find_param (sw_window_get_scenario (win), key)->default_value;
}

static void
test_reset_restores_defaults (void)
{
  static const char * const changed[] = {
    "workers", "7", "tasks", "3", "mode", "sync", "callbacks", "off", NULL,
  };
  GtkWidget *error_label;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  error_label = find_widget (GTK_WIDGET (win), GTK_TYPE_LABEL, "param-error");
  g_assert_nonnull (error_label);

  /* Nothing to reset yet. */
  g_assert_false (action_enabled (win, "reset-params"));
  g_assert_false (gtk_widget_get_visible (error_label));

  ui_test_set_params (win, changed);
  for (guint i = 0; changed[i] != NULL; i += 2)
    {
      g_autofree char *value = sw_window_dup_param (win, changed[i]);

      g_assert_cmpstr (value, ==, changed[i + 1]);
      g_assert_cmpstr (value, !=, param_default (win, changed[i]));
    }
  g_assert_true (action_enabled (win, "reset-params"));

  /* Values fine one by one, wrong together: said at once, and in view even
   * though the form is taller than the window (860 px) and not scrolled. */
  ui_test_set_params (win, (const char * const[]) { "min_sleep", "2", "max_sleep", "0.5", NULL });
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "min_sleep"));
  ui_test_draw_frames (win);
  {
    graphene_rect_t bounds;

    g_assert_true (gtk_widget_get_mapped (error_label));
    g_assert_true (gtk_widget_compute_bounds (error_label, GTK_WIDGET (win), &bounds));
    g_assert_cmpfloat (bounds.size.height, >, 0);
    g_assert_cmpfloat (bounds.origin.y, >=, 0);
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (win)));
  }
  ui_test_save_screenshot (win, "screenshot-param-error.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.reset-params", NULL));
  for (guint i = 0; i < sw_window_get_scenario (win)->n_params; i++)
    {
      const SwParamSpec *spec = &sw_window_get_scenario (win)->params[i];
      g_autofree char *value = sw_window_dup_param (win, spec->key);

      g_assert_cmpfloat (fabs (g_ascii_strtod (value, NULL) - g_ascii_strtod (spec->default_value, NULL)), <, 1e-9);
      if (spec->type == SW_PARAM_CHOICE)
        g_assert_cmpstr (value, ==, spec->default_value);
    }
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (action_enabled (win, "reset-params"));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- the stats panel -------------------------------------------------- */

static gboolean
stats_live (gpointer data)
{
  SwWindow *win = data;
  SwStatsPanel *panel = get_stats_panel (win);
  g_autofree char *text = sw_stats_panel_dup_text (panel);

  return strstr (text, "2 running") != NULL && sw_stats_panel_get_wall_ns (panel) > 0;
}

static guint refreshes_wanted;

static gboolean
refreshed_enough (gpointer panel)
{
  return sw_stats_panel_get_n_refreshes (panel) >= refreshes_wanted;
}

/* While tasks run with no event for seconds, the panel still moves:
 * elapsed and wall grow on the timer, a few times a second at most. */
static void
test_stats_live (void)
{
  static const char * const params[] = {
    "workers", "2", "tasks", "4", "min_sleep", "20", "max_sleep", "30", NULL,
  };
  SwWindow *win;
  SwStatsPanel *panel;
  gint64 wall0;
  guint refreshes0;
  gint64 t0;
  double waited_s;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  panel = get_stats_panel (win);
  show_stats_page (win);
  ui_test_set_params (win, params);

  t0 = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (sw_stats_panel_get_model (panel) == sw_window_get_model (win));
  /* Clear is not for a running run. */
  g_assert_false (action_enabled (win, "clear"));

  g_assert_true (ui_test_spin_until (win, stats_live, 10.0));
  wall0 = sw_stats_panel_get_wall_ns (panel);
  refreshes0 = sw_stats_panel_get_n_refreshes (panel);
  g_assert_cmpuint (sw_stats_panel_get_n_tasks_done (panel), ==, 0);
  g_assert_cmpuint (sw_stats_panel_get_n_lane_rows (panel), >=, 3);   /* main + 2 workers */

  refreshes_wanted = refreshes0 + 2;
  g_assert_true (ui_test_spin_until (panel, refreshed_enough, 10.0));
  g_assert_cmpint (sw_stats_panel_get_wall_ns (panel), >, wall0);
  /* Two tasks side by side, from the first moment: speedup near 2. */
  g_assert_cmpfloat (sw_stats_panel_get_speedup (panel), >, 1.5);

  waited_s = (g_get_monotonic_time () - t0) / 1e6;
  /* At most four a second, plus the ones for a new model and a state. */
  g_assert_cmpuint (sw_stats_panel_get_n_refreshes (panel), <=, (guint) (waited_s * 4.0) + 4);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.stop", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 10.0));
  gtk_window_destroy (GTK_WINDOW (win));
}

static double
run_and_check_stats (SwWindow           *win,
                     const char * const *params)
{
  SwStatsPanel *panel = get_stats_panel (win);
  SwTimelineModel *model;
  g_autoptr(GArray) events = NULL;
  g_autofree char *text = NULL;
  g_autofree char *done = NULL;
  SwTaskStats expected = { 0, };
  gint64 elapsed;
  double peak = 0.0;

  ui_test_set_params (win, params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 30.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  /* The final numbers, without waiting on any timer. */
  drain_pending ();

  model = sw_window_get_model (win);
  events = sw_trace_dup_events (sw_timeline_model_get_trace (model));
  sw_task_stats_compute ((const SwEvent *) events->data, events->len, &expected);
  g_assert_cmpuint (expected.n_finished, ==, 8);

  /* The same numbers as the engine's own statistics, from the trace (the
   * model keeps times relative to the trace's origin: a few ns of
   * rounding per event). */
  g_assert_cmpuint (sw_stats_panel_get_n_tasks_done (panel), ==, expected.n_finished);
  g_assert_cmpint (ABS (sw_stats_panel_get_task_ns (panel) - expected.task_ns_sum), <=, 1000);
  g_assert_cmpint (ABS (sw_stats_panel_get_wall_ns (panel) - expected.wall_ns), <=, 1000);
  g_assert_cmpfloat (fabs (sw_stats_panel_get_speedup (panel) - expected.speedup), <, 1e-4);

  /* … and on screen. */
  text = sw_stats_panel_dup_text (panel);
  done = g_strdup_printf ("%u done · 0 running · 8 submitted", expected.n_finished);
  g_assert_nonnull (strstr (text, done));
  g_assert_nonnull (strstr (text, "×"));

  /* Each worker's bar: its tasks and callbacks over the run's time. */
  elapsed = sw_timeline_model_get_now_ns (model) - sw_timeline_model_get_begin_ns (model);
  for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);
      gint64 busy = 0;

      if (lane->kind != SW_LANE_THREAD)
        continue;
      for (guint j = 0; j < lane->tasks->len; j++)
        busy += g_array_index (lane->tasks, SwTimelineSpan, j).end_ns -
                g_array_index (lane->tasks, SwTimelineSpan, j).start_ns;
      for (guint j = 0; j < lane->callbacks->len; j++)
        busy += g_array_index (lane->callbacks, SwTimelineSpan, j).end_ns -
                g_array_index (lane->callbacks, SwTimelineSpan, j).start_ns;
      g_assert_cmpfloat (fabs (sw_stats_panel_get_lane_busy (panel, lane->id) -
                               MIN ((double) busy / (double) elapsed, 1.0)), <, 1e-9);
      g_assert_nonnull (strstr (text, lane->name));
    }

  g_assert_cmpint (sw_stats_panel_get_throughput (panel, &peak), ==, SW_STATS_THROUGHPUT_TASKS);
  g_assert_cmpfloat (peak, >, 0.0);

  return sw_stats_panel_get_speedup (panel);
}

/* Four workers side by side beat one after another; the panel says by
 * how much, and says the same as the engine's statistics. */
static void
test_stats_speedup (void)
{
  static const char * const async_params[] = {
    "workers", "4", "tasks", "8", "min_sleep", "0.1", "max_sleep", "0.25", "mode", "async", NULL,
  };
  static const char * const sync_params[] = {
    "workers", "4", "tasks", "8", "min_sleep", "0.05", "max_sleep", "0.1", "mode", "sync", NULL,
  };
  SwWindow *win;
  double speedup;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  show_stats_page (win);

  /* One at a time (sync): no speedup to speak of. */
  speedup = run_and_check_stats (win, sync_params);
  g_assert_cmpfloat (speedup, >, 0.5);
  g_assert_cmpfloat (speedup, <, 1.2);

  speedup = run_and_check_stats (win, async_params);
  g_assert_cmpfloat (speedup, >, 1.5);
  g_assert_cmpfloat (speedup, <=, 4.0 + 1e-6);

  ui_test_draw_frames (win);
  ui_test_save_screenshot (win, "screenshot-window-stats.png");

  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- Clear ------------------------------------------------------------ */

static void
test_clear_empties (void)
{
  static const char * const params[] = {
    "workers", "2", "tasks", "3", "min_sleep", "0.01", "max_sleep", "0.05", NULL,
  };
  SwWindow *win;
  SwStatsPanel *panel;
  g_autofree char *console = NULL;
  g_autofree char *text = NULL;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);
  panel = get_stats_panel (win);
  g_assert_false (action_enabled (win, "clear"));

  ui_test_set_params (win, params);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));
  drain_pending ();
  console = sw_window_dup_console_text (win);
  g_assert_cmpstr (console, !=, "");
  g_assert_nonnull (sw_timeline_get_model (sw_window_get_timeline (win)));
  g_assert_cmpuint (sw_stats_panel_get_n_tasks_done (panel), ==, 3);
  g_clear_pointer (&console, g_free);

  g_assert_true (action_enabled (win, "clear"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.clear", NULL));

  console = sw_window_dup_console_text (win);
  g_assert_cmpstr (console, ==, "");
  g_assert_null (sw_window_get_model (win));
  g_assert_null (sw_timeline_get_model (sw_window_get_timeline (win)));
  g_assert_null (sw_stats_panel_get_model (panel));
  g_assert_cmpuint (sw_stats_panel_get_n_tasks_done (panel), ==, 0);
  text = sw_stats_panel_dup_text (panel);
  g_assert_null (strstr (text, "3 done"));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_IDLE);
  g_assert_false (action_enabled (win, "clear"));

  /* The form is kept, and the next run works. */
  {
    g_autofree char *tasks = sw_window_dup_param (win, "tasks");
    g_assert_cmpstr (tasks, ==, "3");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (ui_test_spin_until (win, ui_test_not_running, 20.0));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);

  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Window/form-matches-definitions", test_form_matches_definitions);
  g_test_add_func ("/Sw/Window/reset-restores-defaults", test_reset_restores_defaults);
  g_test_add_func ("/Sw/Window/clear-empties", test_clear_empties);
  g_test_add_func ("/Sw/StatsPanel/live", test_stats_live);
  g_test_add_func ("/Sw/StatsPanel/speedup-matches-trace", test_stats_speedup);

  return ui_test_run ();
}
