/* sw-window.c — the main window: scenarios, parameters, timeline, console
 *
 * Run builds a fresh trace and scenario run from the parameter form and
 * executes it on a thread of its own (the run's "main" lane).  The UI
 * thread never waits for the engine: it reads the trace once per frame
 * through the timeline model and hears of the end through an idle.
 * Saved traces are in sw-window-replay.c, watching a remote engine in
 * sw-window-remote.c.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "sw-window-private.h"
#include "sw-application.h"
#include "sw-inspector.h"
#include "sw-time-scale.h"
#include "sw-ui-private.h"

/* Shared by the window (main thread) and the run thread.  The thread only
 * touches run and the result fields, and only until it queues the idle. */
struct _RunJob
{
  SwWindow      *window;      /* strong ref, main thread only */
  SwScenarioRun *run;
  SwTrace       *trace;
  gboolean       ok;
  GError        *error;
};

G_DEFINE_FINAL_TYPE (SwWindow, sw_window, GTK_TYPE_APPLICATION_WINDOW)

static void
run_job_free (RunJob *job)
{
  g_clear_pointer (&job->run, sw_scenario_run_free);
  g_clear_object (&job->trace);
  g_clear_error (&job->error);
  g_clear_object (&job->window);
  g_free (job);
}

void
_sw_window_set_status (SwWindow   *self,
                       SwRunState  state,
                       const char *text)
{
  static const char * const classes[] = { "idle", "running", "finished", "stopped", "failed" };
  static const char * const icons[] = {
    NULL, NULL, "emblem-ok-symbolic", "media-playback-stop-symbolic", "dialog-error-symbolic",
  };

  self->run_state = state;
  g_free (self->status_text);
  self->status_text = g_strdup (text);
  gtk_label_set_text (self->status_label, text);

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_bar), classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_bar), classes[state]);

  gtk_spinner_set_spinning (self->spinner, state == SW_RUN_STATE_RUNNING);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), state == SW_RUN_STATE_RUNNING);
  gtk_widget_set_visible (GTK_WIDGET (self->status_icon), icons[state] != NULL);
  if (icons[state] != NULL)
    gtk_image_set_from_icon_name (self->status_icon, icons[state]);
}

static void update_panel_actions  (SwWindow *self);

void
_sw_window_update_actions (SwWindow *self)
{
  gboolean running = self->job != NULL;
  /* Watching, the engine runs elsewhere: nothing here to run or stop. */
  gboolean busy = running || _sw_window_remote_watching (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !busy && self->scenario != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
  /* Parameters are frozen while a run uses them; the legend stays lit. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->scenario_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->param_form), !busy);
  update_panel_actions (self);
  _sw_window_replay_update_actions (self);
  _sw_window_remote_update_actions (self);
}

/* ---- console ---------------------------------------------------------- */

void
_sw_window_console_clear (SwWindow *self)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->console), "", 0);
  self->n_console_lines = 0;
  self->console_follow = TRUE;
}

/* Scrolling up to read stops the console from following new lines;
 * scrolling back to the end resumes it. */
static gboolean
console_scroll_cb (SwWindow                 *self,
                   double                    dx,
                   double                    dy,
                   GtkEventControllerScroll *controller)
{
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->console));

  if (dy < 0)
    self->console_follow = FALSE;
  else if (gtk_adjustment_get_value (vadj) + gtk_adjustment_get_page_size (vadj) >=
           gtk_adjustment_get_upper (vadj) - 4.0)
    self->console_follow = TRUE;

  return FALSE;
}

/* The text view lays out new lines over several frames, revising its
 * height estimate as it goes (and scroll_to_mark lands on the estimate),
 * so stick to the bottom frame by frame until the height stops moving. */
static gboolean
console_tick_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  SwWindow *self = user_data;
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->console));
  double bottom = gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj);

  if (!self->console_follow)
    {
      self->console_tick = 0;
      return G_SOURCE_REMOVE;
    }

  if (gtk_adjustment_get_value (vadj) != bottom)
    {
      gtk_adjustment_set_value (vadj, bottom);
      self->console_stable = 0;
    }
  else if (++self->console_stable >= 3)
    {
      self->console_tick = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

void
_sw_window_console_sync (SwWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;
  guint n;

  if (self->model == NULL)
    return;

  n = sw_timeline_model_get_n_log_lines (self->model);
  if (n == self->n_console_lines)
    return;

  buffer = gtk_text_view_get_buffer (self->console);
  gtk_text_buffer_get_end_iter (buffer, &end);
  for (; self->n_console_lines < n; self->n_console_lines++)
    {
      const char *line = sw_timeline_model_get_log_line (self->model, self->n_console_lines);

      if (gtk_text_buffer_get_char_count (buffer) > 0)
        gtk_text_buffer_insert (buffer, &end, "\n", 1);
      gtk_text_buffer_insert (buffer, &end, line != NULL ? line : "", -1);
    }

  if (self->console_follow && self->console_tick == 0)
    {
      self->console_stable = 0;
      self->console_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->console),
                                                         console_tick_cb, self, NULL);
    }
}

void
_sw_window_model_changed_cb (SwWindow        *self,
                             SwTimelineModel *model)
{
  _sw_window_console_sync (self);
  /* The plate follows the stats panel while the run goes on (its numbers
   * are at most one panel refresh old); the run's end sets the final. */
  if (self->presentation && sw_timeline_model_get_running (model))
    sw_timeline_set_summary (self->timeline,
                             sw_stats_panel_get_task_ns (self->stats_panel),
                             sw_stats_panel_get_wall_ns (self->stats_panel));
}

/* ---- panels: parameter form, Reset, Clear ------------------------------ */

static void
update_panel_actions (SwWindow *self)
{
  gboolean running = self->job != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-params",
                                 !running && self->scenario != NULL &&
                                 !sw_param_form_is_default (self->param_form));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear",
                                 !running && (self->model != NULL || self->n_console_lines > 0));
}

/* The form's values cannot run together (or can again): say why under the
 * sidebar's scroller, where it stays in view. */
static void
param_problem_cb (SwWindow *self)
{
  const char *problem = sw_param_form_get_problem (self->param_form);

  gtk_label_set_text (self->param_problem_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->param_problem_label), problem != NULL);
}

static void
reset_params_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);

  if (self->job == NULL && self->scenario != NULL)
    sw_param_form_reset (self->param_form);
}

/* Back to an empty window, the form as it is: only between runs. */
static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);

  if (self->job != NULL || _sw_window_remote_watching (self))
    return;

  _sw_window_replay_end (self);
  _sw_window_remote_release (self);
  sw_timeline_set_model (self->timeline, NULL);
  sw_timeline_set_summary (self->timeline, 0, 0);
  sw_stats_panel_set_model (self->stats_panel, NULL);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  _sw_window_console_clear (self);
  _sw_window_set_status (self, SW_RUN_STATE_IDLE, _("Ready · press Run (Ctrl+R) to start"));
  _sw_window_update_actions (self);
}

/* ---- running ---------------------------------------------------------- */

char *
_sw_window_format_stats (SwWindow *self,
                         SwTrace  *trace)
{
  g_autoptr(GArray) events = sw_trace_dup_events (trace);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *wall = NULL;
  SwTaskStats stats = { 0, };
  guint64 dropped;

  sw_task_stats_compute ((const SwEvent *) events->data, events->len, &stats);
  /* The presentation plate says the same as the status bar. */
  sw_timeline_set_summary (self->timeline, stats.task_ns_sum,
                           stats.n_submitted > 0 ? stats.wall_ns : 0);

  /* The same wall time as the run's summary line in the console. */
  wall = sw_time_scale_format_duration (stats.n_submitted > 0 ? stats.wall_ns : stats.span_ns);

  g_string_append_printf (text, _("wall %s"), wall);
  if (stats.n_submitted > 0)
    {
      char speedup[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u of %u task done", "%u of %u tasks done", stats.n_submitted),
                              stats.n_finished, stats.n_submitted);
      if (stats.n_failed > 0)
        {
          g_string_append (text, " · ");
          g_string_append_printf (text, ngettext ("%u failed", "%u failed", stats.n_failed), stats.n_failed);
        }
      if (stats.n_cancelled > 0)
        {
          g_string_append (text, " · ");
          g_string_append_printf (text, ngettext ("%u cancelled", "%u cancelled", stats.n_cancelled),
                                  stats.n_cancelled);
        }
      if (stats.wall_ns > 0)
        {
          g_ascii_formatd (speedup, sizeof speedup, "%.2f", stats.speedup);
          g_string_append (text, " · ");
          /* TRANSLATORS: speedup = sum of task times / wall time */
          g_string_append_printf (text, _("speedup %s×"), speedup);
        }
    }

  dropped = sw_trace_get_dropped (trace);
  if (dropped > 0)
    {
      g_string_append (text, " · ");
      /* PRIu64, not G_GUINT64_FORMAT: xgettext understands only the former. */
      g_string_append_printf (text, ngettext ("%" PRIu64 " event dropped",
                                              "%" PRIu64 " events dropped", dropped),
                              (uint64_t) dropped);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
status_tick_cb (gpointer user_data)
{
  SwWindow *self = user_data;
  g_autofree char *elapsed = NULL;
  g_autofree char *text = NULL;
  guint n_spans, n_open, n_submits;
  guint64 dropped;

  if (self->job == NULL || self->model == NULL)
    return G_SOURCE_CONTINUE;

  elapsed = sw_time_scale_format_duration ((g_get_monotonic_time () - self->run_started_us) * 1000);
  n_spans = sw_timeline_model_get_n_spans (self->model);
  n_open = sw_timeline_model_get_n_open_spans (self->model);
  n_submits = sw_timeline_model_get_n_submits (self->model);
  dropped = sw_trace_get_dropped (sw_timeline_model_get_trace (self->model));
  if (dropped > 0)
    /* TRANSLATORS: shown while running when the trace buffer is full */
    text = g_strdup_printf (_("Running… %s · %u submitted · %u running · %u done · %" PRIu64 " events dropped"),
                            elapsed, n_submits, n_open, n_spans - n_open, dropped);
  else
    text = g_strdup_printf (_("Running… %s · %u submitted · %u running · %u done"),
                            elapsed, n_submits, n_open, n_spans - n_open);
  _sw_window_set_status (self, SW_RUN_STATE_RUNNING, text);

  return G_SOURCE_CONTINUE;
}

static gboolean
run_done_cb (gpointer user_data)
{
  RunJob *job = user_data;
  SwWindow *self = job->window;
  g_autofree char *stats = NULL;
  g_autofree char *text = NULL;
  GApplication *app = g_application_get_default ();
  gboolean cancelled;

  cancelled = g_cancellable_is_cancelled (sw_scenario_run_get_cancellable (job->run)) ||
              g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              g_error_matches (job->error, SW_ERROR, SW_ERROR_CANCELLED);

  g_assert (self->job == job);
  self->job = NULL;
  g_clear_handle_id (&self->status_timeout, g_source_remove);

  if (!gtk_widget_in_destruction (GTK_WIDGET (self)) && self->model != NULL)
    {
      sw_timeline_model_drain_all (self->model);
      sw_timeline_model_set_running (self->model, FALSE);
      _sw_window_console_sync (self);

      stats = _sw_window_format_stats (self, job->trace);
      if (job->ok)
        {
          text = g_strdup_printf (_("Finished · %s"), stats);
          _sw_window_set_status (self, SW_RUN_STATE_FINISHED, text);
        }
      else if (cancelled)
        {
          text = g_strdup_printf (_("Stopped · %s"), stats);
          _sw_window_set_status (self, SW_RUN_STATE_STOPPED, text);
        }
      else
        {
          text = g_strdup_printf (_("Error: %s"),
                                  job->error ? job->error->message : _("the scenario failed"));
          _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
        }

      _sw_window_update_actions (self);
    }

  if (app != NULL)
    g_application_release (app);
  run_job_free (job);

  return G_SOURCE_REMOVE;
}

static gpointer
run_thread (gpointer data)
{
  RunJob *job = data;

  job->ok = sw_scenario_run_execute (job->run, &job->error);

  /* Hand everything back to the UI thread; touch nothing after this. */
  g_idle_add_full (G_PRIORITY_DEFAULT, run_done_cb, job, NULL);

  return NULL;
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwParams) params = NULL;
  g_autoptr(SwTrace) trace = NULL;
  GApplication *app = g_application_get_default ();
  RunJob *job;
  GThread *thread;

  if (self->job != NULL || self->scenario == NULL || _sw_window_remote_watching (self))
    return;
  _sw_window_remote_release (self);

  params = sw_param_form_collect (self->param_form, &error);
  if (params == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot run: %s"), error->message);

      _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
      return;
    }

  trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);

  job = g_new0 (RunJob, 1);
  job->window = g_object_ref (self);
  job->trace = g_object_ref (trace);
  job->run = sw_scenario_run_new (self->scenario, params, trace);

  _sw_window_replay_end (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, NULL);
  self->model = sw_timeline_model_new (trace);
  g_signal_connect_object (self->model, "changed", G_CALLBACK (_sw_window_model_changed_cb), self, G_CONNECT_SWAPPED);
  sw_timeline_model_set_running (self->model, TRUE);
  sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  _sw_window_console_clear (self);

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-scenario", self->scenario->name);

  self->job = job;
  self->run_started_us = g_get_monotonic_time ();
  _sw_window_set_status (self, SW_RUN_STATE_RUNNING, _("Running…"));
  self->status_timeout = g_timeout_add (200, status_tick_cb, self);
  _sw_window_update_actions (self);

  /* The app outlives a window closed mid-run until the run is over. */
  if (app != NULL)
    g_application_hold (app);

  thread = g_thread_try_new ("sw-scenario", run_thread, job, &error);
  if (thread == NULL)
    {
      job->ok = FALSE;
      job->error = g_steal_pointer (&error);
      run_done_cb (job);
      return;
    }
  g_thread_unref (thread);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);

  if (self->job == NULL)
    return;

  g_cancellable_cancel (sw_scenario_run_get_cancellable (self->job->run));
  _sw_window_set_status (self, SW_RUN_STATE_RUNNING, _("Stopping…"));
}

static void
fit_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  sw_timeline_fit (SW_WINDOW (widget)->timeline);
}

static void
presentation_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);

  sw_window_set_presentation (self, !self->presentation);
}

/* F11: plain fullscreen, palette and sizes as they are. */
static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
scale_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);
  int step = g_variant_get_int32 (param);

  /* 0 resets; ±1 moves by one step of 25 %. */
  sw_window_set_scale (self, step == 0 ? 100 : self->scale_percent + step * SW_WINDOW_SCALE_STEP);
}

/* ---- scenarios -------------------------------------------------------- */

static void
scenario_row_selected_cb (SwWindow      *self,
                          GtkListBoxRow *row,
                          GtkListBox    *list)
{
  const SwScenario *scenario;

  if (row == NULL)
    return;

  scenario = g_object_get_data (G_OBJECT (row), "sw-scenario");
  if (scenario != NULL && scenario != self->scenario)
    sw_window_set_scenario (self, scenario);
}

static void
populate_scenarios (SwWindow *self)
{
  const SwScenario * const *scenarios;
  guint n = 0;

  scenarios = sw_scenario_list (&n);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *title = gtk_label_new (_(scenarios[i]->title));
      GtkWidget *name = gtk_label_new (scenarios[i]->name);

      gtk_label_set_xalign (GTK_LABEL (title), 0.0);
      gtk_label_set_xalign (GTK_LABEL (name), 0.0);
      gtk_label_set_wrap (GTK_LABEL (title), TRUE);
      gtk_widget_add_css_class (title, "scenario-title");
      gtk_widget_add_css_class (name, "scenario-name");
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), name);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      g_object_set_data (G_OBJECT (row), "sw-scenario", (gpointer) scenarios[i]);
      gtk_list_box_append (self->scenario_list, row);
    }
}

/* ---- presentation and scale ------------------------------------------- */

#define PRESENTATION_TIMELINE_SHARE 0.84

/* The split between the timeline (above) and the console (below). */
static GtkPaned *
timeline_paned (SwWindow *self)
{
  GtkWidget *paned = gtk_widget_get_ancestor (GTK_WIDGET (self->timeline), GTK_TYPE_PANED);

  if (paned == NULL ||
      gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)) != GTK_ORIENTATION_VERTICAL)
    return NULL;
  return GTK_PANED (paned);
}

/* In presentation mode, at least this share of the split's height goes to
 * the timeline (the console keeps a strip of four or five lines): when it
 * is switched on, and again whenever the split grows, as when the window
 * manager grants fullscreen a moment after the switch. */
static void
give_timeline_the_height (SwWindow *self)
{
  GtkPaned *paned = timeline_paned (self);
  int height;

  if (paned == NULL || !self->presentation)
    return;
  height = gtk_widget_get_height (GTK_WIDGET (paned));
  if (height <= 0)
    gtk_window_get_default_size (GTK_WINDOW (self), NULL, &height);
  if (gtk_paned_get_position (paned) < (int) (height * PRESENTATION_TIMELINE_SHARE))
    gtk_paned_set_position (paned, (int) (height * PRESENTATION_TIMELINE_SHARE));
}

static gboolean
split_idle_cb (gpointer data)
{
  SwWindow *self = data;

  self->split_idle = 0;
  give_timeline_the_height (self);
  return G_SOURCE_REMOVE;
}

/* The split's size changed (its allocation is under way: move it after). */
static void
split_resized_cb (SwWindow *self)
{
  if (self->presentation && self->split_idle == 0)
    self->split_idle = g_idle_add (split_idle_cb, self);
}


/* Text sizes of the window's own classes at 100 %, outside and inside
 * presentation mode (as data/style.css has them); the scale multiplies. */
static const struct {
  const char *selector;
  double      normal_pt;
  double      presentation_pt;
} scaled_text[] = {
  { ".status-bar", 13, 17 },
  { "textview.console", 11, 15 },
  { ".param-name", 12, 15 },
  { ".param-description", 10, 12 },
  { ".scenario-title", 12, 15 },
  { ".scenario-name", 10, 12 },
  { ".scenario-description", 11, 13 },
  { ".sw-heading", 11, 13 },
  { "stats .stats-caption", 11, 13 },
  { "stats .stats-value", 12, 15 },
  { "stats .stats-lane-name", 11, 15 },
  { "stats .stats-lane-value", 11, 15 },
  { "stats .stats-big", 20, 26 },
  { "inspector", 11, 15 },
};

static void
apply_scale (SwWindow *self)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
  double factor = self->scale_percent / 100.0;
  g_autoptr(GString) css = NULL;
  g_autofree char *font_name = NULL;
  int base_pt = 11;

  sw_timeline_set_ui_scale (self->timeline, factor);

  if (self->scale_css != NULL)
    {
      gtk_style_context_remove_provider_for_display (display, GTK_STYLE_PROVIDER (self->scale_css));
      g_clear_object (&self->scale_css);
    }
  if (self->scale_percent == 100)
    return;

  /* Text without a class of ours inherits its window's size: the
   * desktop's font size, scaled.  Every window of the app, so that the
   * Preferences, the shortcuts, About and the dialogs read as well (the
   * scale is one setting for all windows). */
  g_object_get (gtk_settings_get_for_display (display), "gtk-font-name", &font_name, NULL);
  if (font_name != NULL)
    {
      PangoFontDescription *font = pango_font_description_from_string (font_name);

      if (pango_font_description_get_size (font) > 0 && !pango_font_description_get_size_is_absolute (font))
        base_pt = pango_font_description_get_size (font) / PANGO_SCALE;
      pango_font_description_free (font);
    }

  css = g_string_new (NULL);
  g_string_append_printf (css, "window { font-size: %dpt; }\n", (int) round (base_pt * factor));
  for (guint i = 0; i < G_N_ELEMENTS (scaled_text); i++)
    g_string_append_printf (css,
                            "window %s { font-size: %dpt; }\n"
                            "window.presentation %s { font-size: %dpt; }\n",
                            scaled_text[i].selector, (int) round (scaled_text[i].normal_pt * factor),
                            scaled_text[i].selector, (int) round (scaled_text[i].presentation_pt * factor));

  self->scale_css = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (self->scale_css, css->str, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (self->scale_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
}

/* Setting it restyles every widget of the app, even to the same value:
 * only when it changes. */
static void
set_prefer_dark (GtkSettings *gtk_settings,
                 gboolean     dark)
{
  gboolean now = FALSE;

  g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &now, NULL);
  if (!now != !dark)
    g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

static gboolean
presentation_dark (SwWindow *self)
{
  g_autofree char *palette = NULL;

  if (self->settings != NULL)
    palette = g_settings_get_string (self->settings, "presentation-palette");
  if (g_strcmp0 (palette, "light") == 0)
    return FALSE;
  if (g_strcmp0 (palette, "dark") == 0)
    return TRUE;
  /* "system": the desktop's preference as it was before we changed it. */
  return self->saved_prefer_dark;
}

static void
apply_palette (SwWindow *self)
{
  GtkSettings *gtk_settings = gtk_widget_get_settings (GTK_WIDGET (self));
  gboolean dark = presentation_dark (self);

  gtk_widget_remove_css_class (GTK_WIDGET (self), "hc-light");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "hc-dark");
  if (!self->presentation)
    return;

  gtk_widget_add_css_class (GTK_WIDGET (self), dark ? "hc-dark" : "hc-light");
  /* The theme's own widgets (buttons, entries) in the matching variant. */
  set_prefer_dark (gtk_settings, dark);
}

static void
settings_changed_cb (SwWindow   *self,
                     const char *key,
                     GSettings  *settings)
{
  if (g_strcmp0 (key, "scale") == 0)
    {
      int percent = g_settings_get_int (settings, "scale");

      if (percent != self->scale_percent)
        {
          self->scale_percent = percent;
          apply_scale (self);
        }
    }
  else if (g_strcmp0 (key, "presentation-palette") == 0)
    apply_palette (self);
}

static void
restore_window_state (SwWindow *self)
{
  if (self->settings == NULL)
    return;

  self->scale_percent = g_settings_get_int (self->settings, "scale");
  apply_scale (self);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (SwWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (self->settings);
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
sw_window_close_request (GtkWindow *window)
{
  SwWindow *self = SW_WINDOW (window);

  save_window_state (self);
  sw_window_set_presentation (self, FALSE);
  if (self->job != NULL)
    g_cancellable_cancel (sw_scenario_run_get_cancellable (self->job->run));

  return GTK_WINDOW_CLASS (sw_window_parent_class)->close_request (window);
}

/* ---- GObject ---------------------------------------------------------- */

static void
sw_window_dispose (GObject *object)
{
  SwWindow *self = SW_WINDOW (object);

  /* The job holds a ref on us, so a live job means close without
   * close-request (gtk_window_destroy): still stop the engine. */
  if (self->job != NULL)
    g_cancellable_cancel (sw_scenario_run_get_cancellable (self->job->run));
  _sw_window_remote_release (self);

  g_clear_handle_id (&self->status_timeout, g_source_remove);
  g_clear_handle_id (&self->split_idle, g_source_remove);
  if (self->scale_css != NULL)
    {
      gtk_style_context_remove_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                                     GTK_STYLE_PROVIDER (self->scale_css));
      g_clear_object (&self->scale_css);
    }
  if (self->presentation)
    {
      /* Give the desktop its dark-style preference back. */
      set_prefer_dark (gtk_widget_get_settings (GTK_WIDGET (self)), self->saved_prefer_dark);
      self->presentation = FALSE;
    }
  if (self->console_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->console), self->console_tick);
      self->console_tick = 0;
    }
  _sw_window_replay_end (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  gtk_widget_dispose_template (GTK_WIDGET (self), SW_TYPE_WINDOW);

  G_OBJECT_CLASS (sw_window_parent_class)->dispose (object);
}

static void
sw_window_finalize (GObject *object)
{
  SwWindow *self = SW_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->status_text, g_free);
  g_clear_pointer (&self->replay_title, g_free);
  g_clear_pointer (&self->remote_address, g_free);

  G_OBJECT_CLASS (sw_window_parent_class)->finalize (object);
}

static void
sw_window_class_init (SwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sw_window_dispose;
  object_class->finalize = sw_window_finalize;
  window_class->close_request = sw_window_close_request;

  g_type_ensure (SW_TYPE_TIMELINE);
  g_type_ensure (SW_TYPE_STATS_PANEL);
  g_type_ensure (SW_TYPE_INSPECTOR);
  g_type_ensure (SW_TYPE_PARAM_FORM);
  _sw_ui_ensure_resources ();

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SwWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, scenario_list);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, description_label);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, param_form);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, param_problem_label);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_bar);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, console);
  gtk_widget_class_bind_template_callback (widget_class, scenario_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, param_problem_cb);
  /* panels */
  gtk_widget_class_bind_template_child (widget_class, SwWindow, bottom_stack);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, stats_panel);
  gtk_widget_class_install_action (widget_class, "win.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "win.reset-params", NULL, reset_params_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.clear", NULL);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.fit", NULL, fit_action);
  gtk_widget_class_install_action (widget_class, "win.presentation", NULL, presentation_action);
  _sw_window_replay_class_init (widget_class);
  _sw_window_remote_class_init (widget_class);
  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "win.scale", "i", scale_action);
}

static void
sw_window_init (SwWindow *self)
{
  GApplication *app = g_application_get_default ();
  GtkEventController *scroll;

  self->scale_percent = 100;

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->param_form, "changed",
                           G_CALLBACK (update_panel_actions), self, G_CONNECT_SWAPPED);
  if (timeline_paned (self) != NULL)
    g_signal_connect_object (timeline_paned (self), "notify::max-position",
                             G_CALLBACK (split_resized_cb), self, G_CONNECT_SWAPPED);

  if (SW_IS_APPLICATION (app))
    {
      GSettings *settings = sw_application_get_settings (SW_APPLICATION (app));

      if (settings != NULL)
        self->settings = g_object_ref (settings);
    }

  self->console_follow = TRUE;
  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect_object (scroll, "scroll", G_CALLBACK (console_scroll_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->console), scroll);

  _sw_window_replay_init (self);
  populate_scenarios (self);
  restore_window_state (self);
  _sw_window_set_status (self, SW_RUN_STATE_IDLE, _("Ready · press Run (Ctrl+R) to start"));
  _sw_window_update_actions (self);
}

/* ---- public ----------------------------------------------------------- */

/* scenario: the one to open on, or NULL for the last used / the default. */
SwWindow *
sw_window_new (GtkApplication   *application,
               const SwScenario *scenario)
{
  SwWindow *self;

  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  self = g_object_new (SW_TYPE_WINDOW, "application", application, NULL);

  if (scenario == NULL && self->settings != NULL)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-scenario");

      if (last != NULL && last[0] != '\0')
        scenario = sw_scenario_lookup (last, NULL);
    }
  if (scenario == NULL)
    scenario = sw_scenario_get_default ();

  sw_window_set_scenario (self, scenario);

  return self;
}

const SwScenario *
sw_window_get_scenario (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->scenario;
}

void
sw_window_set_scenario (SwWindow         *self,
                        const SwScenario *scenario)
{
  GtkListBoxRow *row;

  g_return_if_fail (SW_IS_WINDOW (self));

  if (self->job != NULL || self->scenario == scenario)
    return;

  self->scenario = scenario;
  _sw_window_update_subtitle (self);
  gtk_label_set_text (self->description_label, scenario ? _(scenario->description) : "");
  sw_param_form_set_scenario (self->param_form, scenario);

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->scenario_list, i)) != NULL; i++)
    if (g_object_get_data (G_OBJECT (row), "sw-scenario") == scenario)
      gtk_list_box_select_row (self->scenario_list, row);

  _sw_window_update_actions (self);
}

/* Sets a parameter as a user would; FALSE for an unknown key or a value
 * the form cannot show. */
gboolean
sw_window_set_param (SwWindow    *self,
                     const char  *key,
                     const char  *value,
                     GError     **error)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), FALSE);

  return sw_param_form_set_value (self->param_form, key, value, error);
}

char *
sw_window_dup_param (SwWindow   *self,
                     const char *key)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return sw_param_form_dup_value (self->param_form, key);
}

SwRunState
sw_window_get_run_state (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), SW_RUN_STATE_IDLE);

  return self->run_state;
}

const char *
sw_window_get_status_text (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->status_text;
}

/* The header's second line says what the timeline shows: the replayed
 * file, or the scenario; a remote engine's name is set by the remote part
 * once the engine has said it. */
void
_sw_window_update_subtitle (SwWindow *self)
{
  g_autofree char *text = NULL;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->remote != NULL)
    return;
  if (self->replay != NULL)
    /* TRANSLATORS: the header's subtitle while a saved trace is shown; %s is its file name */
    text = g_strdup_printf (_("Replay · %s"), self->replay_title);
  else
    text = g_strdup (self->scenario != NULL ? _(self->scenario->title) : "");
  gtk_label_set_text (self->subtitle_label, text);
}

/* The header's second line: the scenario, the replayed file or the
 * remote engine. */
const char *
sw_window_get_subtitle (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return gtk_label_get_text (self->subtitle_label);
}

char *
sw_window_dup_console_text (SwWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->console);
  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

SwTimeline *
sw_window_get_timeline (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->timeline;
}

/**
 * sw_window_get_model:
 *
 * Returns: (transfer none) (nullable): the model of the current or last run
 */
SwTimelineModel *
sw_window_get_model (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->model;
}

/**
 * sw_window_set_presentation:
 *
 * Presentation mode, for the back row of a lecture hall: fullscreen
 * (unless the presentation-fullscreen setting says no), a high-contrast
 * palette (light, dark or as the desktop prefers: presentation-palette),
 * larger type and lines, and the run's summary on the timeline.
 */
void
sw_window_set_presentation (SwWindow *self,
                            gboolean  presentation)
{
  GtkSettings *gtk_settings;

  g_return_if_fail (SW_IS_WINDOW (self));

  presentation = !!presentation;
  if (self->presentation == presentation)
    return;

  gtk_settings = gtk_widget_get_settings (GTK_WIDGET (self));
  if (presentation)
    g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &self->saved_prefer_dark, NULL);
  else
    set_prefer_dark (gtk_settings, self->saved_prefer_dark);

  self->presentation = presentation;
  if (presentation)
    gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
  apply_palette (self);
  sw_timeline_set_presentation (self->timeline, presentation);

  /* The timeline gets most of the height; the console keeps a strip. */
  {
    GtkPaned *paned = timeline_paned (self);

    if (paned != NULL && presentation)
      {
        self->saved_paned_position = gtk_paned_get_position (paned);
        give_timeline_the_height (self);
      }
    else if (paned != NULL && self->saved_paned_position > 0)
      gtk_paned_set_position (paned, self->saved_paned_position);
  }

  if (presentation && (self->settings == NULL ||
                       g_settings_get_boolean (self->settings, "presentation-fullscreen")))
    {
      self->fullscreened = !gtk_window_is_fullscreen (GTK_WINDOW (self));
      self->fullscreen_requested = TRUE;
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else if (!presentation)
    {
      self->fullscreen_requested = FALSE;
      if (self->fullscreened)
        gtk_window_unfullscreen (GTK_WINDOW (self));
      self->fullscreened = FALSE;
    }

  if (presentation && self->model != NULL && !sw_timeline_model_get_running (self->model))
    sw_stats_panel_refresh (self->stats_panel);
  if (presentation && self->model != NULL)
    sw_timeline_set_summary (self->timeline,
                             sw_stats_panel_get_task_ns (self->stats_panel),
                             sw_stats_panel_get_wall_ns (self->stats_panel));
}

gboolean
sw_window_get_presentation (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), FALSE);

  return self->presentation;
}

/* Whether presentation mode asked for fullscreen (the window manager may
 * take a while to grant it, or, without one, never). */
gboolean
sw_window_get_fullscreen_requested (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), FALSE);

  return self->fullscreen_requested;
}

/**
 * sw_window_set_scale:
 * @percent: 100 to 300; rounded to a step of 25
 *
 * Scales the timeline's type and lines and the window's text, and keeps
 * the scale in the settings.
 */
void
sw_window_set_scale (SwWindow *self,
                     int       percent)
{
  g_return_if_fail (SW_IS_WINDOW (self));

  percent = CLAMP ((percent + SW_WINDOW_SCALE_STEP / 2) / SW_WINDOW_SCALE_STEP * SW_WINDOW_SCALE_STEP,
                   SW_WINDOW_MIN_SCALE, SW_WINDOW_MAX_SCALE);
  if (percent == self->scale_percent)
    return;
  self->scale_percent = percent;
  apply_scale (self);
  if (self->settings != NULL)
    g_settings_set_int (self->settings, "scale", percent);
}

int
sw_window_get_scale (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), 100);

  return self->scale_percent;
}
