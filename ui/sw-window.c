/* sw-window.c — the main window: scenarios, parameters, timeline, console
 *
 * Run builds a fresh trace and scenario run from the parameter widgets and
 * executes it on a thread of its own (the run's "main" lane).  The UI
 * thread never waits for the engine: it reads the trace once per frame
 * through the timeline model and hears of the end through an idle.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "sw-window.h"
#include "sw-application.h"
#include "sw-connect-dialog.h"
#include "sw-stats-panel.h"
#include "sw-inspector.h"
#include "sw-param-form.h"
#include "sw-time-scale.h"
#include "sw-timeline-private.h"
#include "sw-transport-bar.h"
#include "sw-ui-private.h"

typedef struct _RunJob RunJob;

struct _SwWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkLabel             *subtitle_label;
  GtkListBox           *scenario_list;
  GtkLabel             *description_label;
  SwParamForm          *param_form;
  GtkSpinner           *spinner;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  GtkBox               *status_bar;
  SwTimeline           *timeline;
  GtkTextView          *console;
  /* panels: stats, Clear, Reset */
  GtkStack             *bottom_stack;
  SwStatsPanel         *stats_panel;
  SwTransportBar       *transport_bar;

  /* owned */
  GSettings            *settings;       /* NULL when the schema is not installed */
  SwTimelineModel      *model;          /* of the current or last run */
  RunJob               *job;            /* the running job, or NULL */
  SwReplay             *replay;         /* of a saved trace, or NULL */
  char                 *replay_title;   /* its file name */
  char                 *status_text;
  guint                 status_timeout;
  gboolean              console_follow;
  guint                 console_tick;
  guint                 console_stable;
  /* presentation and scale */
  GtkCssProvider       *scale_css;      /* window text at the scale, or NULL */
  int                   scale_percent;  /* 100 … 300 */
  gboolean              presentation;
  gboolean              fullscreened;   /* by presentation mode, to undo */
  gboolean              fullscreen_requested;   /* by presentation mode */
  gboolean              saved_prefer_dark;
  int                   saved_paned_position;   /* timeline / console split */

  /* borrowed */
  const SwScenario     *scenario;

  SwRunState            run_state;
  guint                 n_console_lines;
  gint64                run_started_us;

  /* remote: watching an engine that runs elsewhere (see "remote" below) */
  SwStreamClient       *remote;          /* owned; NULL when not watching */
  char                 *remote_address;  /* the last one dialled: the dialog's default */
  guint                 remote_tick;     /* status refresh while watching */
  gboolean              remote_retrying; /* the link dropped: CONNECTING is a retry */
};

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

/* remote (defined at the end) */
static gboolean remote_watching      (SwWindow *self);
static void     remote_release       (SwWindow *self);
static void     remote_update_actions (SwWindow *self);
static void     remote_install_actions (GtkWidgetClass *widget_class);

static void
run_job_free (RunJob *job)
{
  g_clear_pointer (&job->run, sw_scenario_run_free);
  g_clear_object (&job->trace);
  g_clear_error (&job->error);
  g_clear_object (&job->window);
  g_free (job);
}

static void
set_status (SwWindow   *self,
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
static void replay_update_actions (SwWindow *self);
static void replay_end            (SwWindow *self);
static void replay_class_init     (GtkWidgetClass *widget_class);
static void replay_init           (SwWindow *self);
static void replay_model_cb       (SwWindow *self);
static void replay_set_model      (SwWindow        *self,
                                   SwTimelineModel *model);

static void
update_actions (SwWindow *self)
{
  gboolean running = self->job != NULL;
  /* Watching, the engine runs elsewhere: nothing here to run or stop. */
  gboolean busy = running || remote_watching (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !busy && self->scenario != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
  /* Parameters are frozen while a run uses them; the legend stays lit. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->scenario_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->param_form), !busy);
  update_panel_actions (self);
  replay_update_actions (self);
  remote_update_actions (self);
}

/* ---- console ---------------------------------------------------------- */

static void
console_clear (SwWindow *self)
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

static void
console_sync (SwWindow *self)
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

static void
model_changed_cb (SwWindow        *self,
                  SwTimelineModel *model)
{
  console_sync (self);
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

  if (self->job != NULL || remote_watching (self))
    return;

  replay_end (self);
  remote_release (self);
  sw_timeline_set_model (self->timeline, NULL);
  sw_timeline_set_summary (self->timeline, 0, 0);
  sw_stats_panel_set_model (self->stats_panel, NULL);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  console_clear (self);
  set_status (self, SW_RUN_STATE_IDLE, _("Ready · press Run (Ctrl+R) to start"));
  update_actions (self);
}

/* ---- running ---------------------------------------------------------- */

static char *
format_stats (SwWindow *self,
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

  if (stats.n_submitted > 0)
    wall = sw_time_scale_format_duration (stats.wall_ns);
  else
    wall = sw_time_scale_format_duration ((g_get_monotonic_time () - self->run_started_us) * 1000);

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
  set_status (self, SW_RUN_STATE_RUNNING, text);

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
      console_sync (self);

      stats = format_stats (self, job->trace);
      if (job->ok)
        {
          text = g_strdup_printf (_("Finished · %s"), stats);
          set_status (self, SW_RUN_STATE_FINISHED, text);
        }
      else if (cancelled)
        {
          text = g_strdup_printf (_("Stopped · %s"), stats);
          set_status (self, SW_RUN_STATE_STOPPED, text);
        }
      else
        {
          text = g_strdup_printf (_("Error: %s"),
                                  job->error ? job->error->message : _("the scenario failed"));
          set_status (self, SW_RUN_STATE_FAILED, text);
        }

      update_actions (self);
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

  if (self->job != NULL || self->scenario == NULL || remote_watching (self))
    return;
  remote_release (self);

  params = sw_param_form_collect (self->param_form, &error);
  if (params == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot run: %s"), error->message);

      set_status (self, SW_RUN_STATE_FAILED, text);
      return;
    }

  trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);

  job = g_new0 (RunJob, 1);
  job->window = g_object_ref (self);
  job->trace = g_object_ref (trace);
  job->run = sw_scenario_run_new (self->scenario, params, trace);

  replay_end (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, NULL);
  self->model = sw_timeline_model_new (trace);
  g_signal_connect_object (self->model, "changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
  sw_timeline_model_set_running (self->model, TRUE);
  sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  console_clear (self);

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-scenario", self->scenario->name);

  self->job = job;
  self->run_started_us = g_get_monotonic_time ();
  set_status (self, SW_RUN_STATE_RUNNING, _("Running…"));
  self->status_timeout = g_timeout_add (200, status_tick_cb, self);
  update_actions (self);

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
  set_status (self, SW_RUN_STATE_RUNNING, _("Stopping…"));
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

/* ---- settings --------------------------------------------------------- */

/* ---- presentation and scale ------------------------------------------- */

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
  remote_release (self);

  g_clear_handle_id (&self->status_timeout, g_source_remove);
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
  replay_end (self);
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
  gtk_widget_class_bind_template_child (widget_class, SwWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, status_bar);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, console);
  gtk_widget_class_bind_template_callback (widget_class, scenario_row_selected_cb);
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
  replay_class_init (widget_class);
  remote_install_actions (widget_class);
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

  replay_init (self);
  populate_scenarios (self);
  restore_window_state (self);
  set_status (self, SW_RUN_STATE_IDLE, _("Ready · press Run (Ctrl+R) to start"));
  update_actions (self);
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
  gtk_label_set_text (self->subtitle_label, scenario ? _(scenario->title) : "");
  gtk_label_set_text (self->description_label, scenario ? _(scenario->description) : "");
  sw_param_form_set_scenario (self->param_form, scenario);

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->scenario_list, i)) != NULL; i++)
    if (g_object_get_data (G_OBJECT (row), "sw-scenario") == scenario)
      gtk_list_box_select_row (self->scenario_list, row);

  update_actions (self);
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
    GtkWidget *paned = gtk_widget_get_ancestor (GTK_WIDGET (self->timeline), GTK_TYPE_PANED);

    if (paned != NULL &&
        gtk_orientable_get_orientation (GTK_ORIENTABLE (paned)) == GTK_ORIENTATION_VERTICAL)
      {
        if (presentation)
          {
            int height = gtk_widget_get_height (paned);

            if (height <= 0)
              gtk_window_get_default_size (GTK_WINDOW (self), NULL, &height);
            self->saved_paned_position = gtk_paned_get_position (GTK_PANED (paned));
            gtk_paned_set_position (GTK_PANED (paned), MAX (self->saved_paned_position, (int) (height * 0.74)));
          }
        else if (self->saved_paned_position > 0)
          gtk_paned_set_position (GTK_PANED (paned), self->saved_paned_position);
      }
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

/**
 * sw_window_show_trace:
 * @trace: a finished trace (a saved one, read back)
 * @title: what to call it in the status bar (its file name)
 *
 * Replays @trace: it opens showing all of it, paused at the end, with the
 * transport bar to play it back from the start.
 */
void
sw_window_show_trace (SwWindow   *self,
                      SwTrace    *trace,
                      const char *title)
{
  g_autofree char *text = NULL;

  g_return_if_fail (SW_IS_WINDOW (self));
  g_return_if_fail (SW_IS_TRACE (trace));

  if (self->job != NULL)
    return;
  remote_release (self);

  replay_end (self);
  self->replay = sw_replay_new (trace);
  g_free (self->replay_title);
  self->replay_title = g_strdup (title);
  sw_replay_set_clock_widget (self->replay, GTK_WIDGET (self->timeline));
  g_signal_connect_object (self->replay, "notify::model",
                           G_CALLBACK (replay_model_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->replay, "notify::playing",
                           G_CALLBACK (replay_update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->replay, "notify::position",
                           G_CALLBACK (replay_update_actions), self, G_CONNECT_SWAPPED);
  /* Nothing (folding) carries over from what was shown before. */
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  replay_set_model (self, sw_replay_get_model (self->replay));
  sw_timeline_fit (self->timeline);
  sw_transport_bar_set_replay (self->transport_bar, self->replay);
  gtk_widget_set_visible (GTK_WIDGET (self->transport_bar), TRUE);
  {
    g_autoptr(GArray) events = sw_trace_dup_events (trace);
    SwTaskStats stats = { 0, };

    /* The presentation plate, as for a run that just ended. */
    sw_task_stats_compute ((const SwEvent *) events->data, events->len, &stats);
    sw_timeline_set_summary (self->timeline, stats.task_ns_sum,
                             stats.n_submitted > 0 ? stats.wall_ns : 0);
  }

  /* TRANSLATORS: %s is a trace's file name, %lu its number of events */
  text = g_strdup_printf (_("Replay of %s · %" PRIu64 " events · Space plays it"), title,
                          sw_timeline_model_get_n_events (self->model));
  set_status (self, SW_RUN_STATE_FINISHED, text);
  update_actions (self);
}

static void
open_trace_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  g_autofree char *path = g_file_get_path (task_data);
  SwTrace *trace;

  if (path == NULL)
    {
      g_task_return_new_error (task, SW_ERROR, SW_ERROR_IO, "%s", _("only local files can be opened"));
      return;
    }
  /* Reading touches no widget and nothing the window owns. */
  trace = sw_trace_load_chrome_json (path, &error);
  if (trace == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, trace, g_object_unref);
}

static void
open_trace_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SwWindow *self = SW_WINDOW (source);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autoptr(SwTrace) trace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *display = g_filename_display_name (name);

  trace = g_task_propagate_pointer (G_TASK (result), &error);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  if (trace == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot open trace: %s"), error->message);

      set_status (self, SW_RUN_STATE_FAILED, text);
      return;
    }
  sw_window_show_trace (self, trace, display);
}

/**
 * sw_window_open_trace:
 * @file: a trace saved with `--trace` (Chrome trace-event JSON)
 *
 * Reads @file on a worker thread and shows it; a file that cannot be read
 * is said so in the status bar.
 */
void
sw_window_open_trace (SwWindow *self,
                      GFile    *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (SW_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->job != NULL)
    {
      set_status (self, SW_RUN_STATE_RUNNING, _("Stop the run before opening a trace"));
      return;
    }

  name = g_file_get_basename (file);
  /* TRANSLATORS: %s is a trace's file name */
  text = g_strdup_printf (_("Opening %s…"), name);
  set_status (self, SW_RUN_STATE_IDLE, text);

  task = g_task_new (self, NULL, open_trace_done_cb, NULL);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_set_name (task, "sw-open-trace");
  g_task_run_in_thread (task, open_trace_thread);
}

/* ---- replay: transport, stepping, saving, dropping ---------------------- */

/* The model shown and the one a replay built after going back share
 * nothing, so folded processes and aggregates are carried over. */
static void
copy_folding (SwTimelineModel *from,
              SwTimelineModel *to)
{
  for (guint i = 0; i < sw_timeline_model_get_n_processes (from); i++)
    {
      const SwTimelineProcess *process = sw_timeline_model_get_process (from, i);

      if (sw_timeline_model_find_process (to, process->pid) != NULL)
        sw_timeline_model_set_process_expanded (to, process->pid, process->expanded);
    }
  for (guint i = 0; i < sw_timeline_model_get_n_lanes (from); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (from, i);

      if (sw_timeline_model_get_n_aggregated (from, lane->id) > 0 &&
          sw_timeline_model_get_n_aggregated (to, lane->id) > 0)
        sw_timeline_model_set_expanded (to, lane->id, sw_timeline_model_get_expanded (from, lane->id));
    }
}

/* The replay's first model, or the one it built going back: the same
 * trace up to an earlier time, so folding and the view stay as they were. */
static void
replay_set_model (SwWindow        *self,
                  SwTimelineModel *model)
{
  gboolean rebuilt = self->model != NULL;

  if (rebuilt)
    {
      copy_folding (self->model, model);
      g_signal_handlers_disconnect_by_data (self->model, self);
    }
  g_set_object (&self->model, model);
  g_signal_connect_object (self->model, "changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
  if (rebuilt)
    sw_timeline_swap_model (self->timeline, self->model);
  else
    sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  console_clear (self);
  console_sync (self);
}

static void
replay_model_cb (SwWindow *self)
{
  if (self->replay != NULL)
    replay_set_model (self, sw_replay_get_model (self->replay));
}

/* Back to a window of runs: hides the transport bar. */
static void
replay_end (SwWindow *self)
{
  if (self->replay == NULL)
    return;

  sw_replay_set_clock_widget (self->replay, NULL);
  g_signal_handlers_disconnect_by_data (self->replay, self);
  g_clear_object (&self->replay);
  if (self->transport_bar != NULL)
    {
      sw_transport_bar_set_replay (self->transport_bar, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->transport_bar), FALSE);
    }
}

static void
replay_update_actions (SwWindow *self)
{
  gboolean replay = self->replay != NULL;
  gint64 position = replay ? sw_replay_get_position (self->replay) : 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.replay-play", replay);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.replay-step-forward",
                                 replay && position < sw_replay_get_end_ns (self->replay));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.replay-step-back",
                                 replay && position > sw_replay_get_begin_ns (self->replay));
  /* A run is saved once it is over (finished, stopped or failed). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-trace",
                                 self->job == NULL && self->model != NULL);
}

/* After a step, what happened there is scrolled into view and selected,
 * so the inspector says what it was (a callback's begin, a task's start
 * or end). */
static void
select_event_at_position (SwWindow *self)
{
  const SwEvent *event = sw_replay_get_event_at_position (self->replay);
  double x, y;

  if (event == NULL)
    return;

  sw_timeline_reveal (self->timeline, event->lane, sw_replay_get_position (self->replay));
  x = _sw_timeline_time_to_x (self->timeline, sw_replay_get_position (self->replay));
  y = _sw_timeline_lane_y (self->timeline, event->lane);
  if (y < 0 || !sw_timeline_select_at (self->timeline, x, y))
    sw_timeline_clear_selection (self->timeline);
}

static void
replay_play_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);

  if (self->replay != NULL)
    sw_replay_set_playing (self->replay, !sw_replay_get_playing (self->replay));
}

static void
replay_step_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);
  int direction = g_str_equal (action_name, "win.replay-step-forward") ? 1 : -1;

  if (self->replay != NULL && sw_replay_step (self->replay, direction))
    select_event_at_position (self);
}

/* Space, period and comma drive the replay from anywhere in the window
 * (before the timeline's own Space, which folds), except where they are
 * typed: a parameter's number. */
static gboolean
replay_key_pressed_cb (SwWindow              *self,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEventControllerKey *controller)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  const char *action;

  if (self->replay == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus)))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_space:
      action = "win.replay-play";
      break;
    case GDK_KEY_period:
    case GDK_KEY_KP_Decimal:
      action = "win.replay-step-forward";
      break;
    case GDK_KEY_comma:
      action = "win.replay-step-back";
      break;
    default:
      return FALSE;
    }

  gtk_widget_activate_action (GTK_WIDGET (self), action, NULL);
  return TRUE;
}

static void
save_trace_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  SwTrace *trace = g_object_get_data (G_OBJECT (task), "sw-trace");
  g_autofree char *path = g_file_get_path (task_data);
  GError *error = NULL;

  if (path == NULL)
    g_task_return_new_error (task, SW_ERROR, SW_ERROR_IO, "%s", _("only local files can be written"));
  /* The run is over: nothing records into the trace any more. */
  else if (!sw_trace_save_chrome_json (trace, path, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_trace_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SwWindow *self = SW_WINDOW (source);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = NULL;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      text = g_strdup_printf (_("Cannot save trace: %s"), error->message);
      set_status (self, SW_RUN_STATE_FAILED, text);
      return;
    }

  /* TRANSLATORS: %s is a trace's file name */
  text = g_strdup_printf (_("Saved %s"), name);
  set_status (self, self->run_state == SW_RUN_STATE_FAILED ? SW_RUN_STATE_FINISHED : self->run_state, text);
}

/**
 * sw_window_save_trace:
 * @file: where to write the shown run's trace (Chrome trace-event JSON)
 *
 * Writes on a worker thread; the status bar says when it is done or why
 * it failed.  Nothing happens while a run is going on.
 */
void
sw_window_save_trace (SwWindow *self,
                      GFile    *file)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SW_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->job != NULL || self->model == NULL)
    return;

  task = g_task_new (self, NULL, save_trace_done_cb, NULL);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "sw-trace",
                          g_object_ref (sw_timeline_model_get_trace (self->model)), g_object_unref);
  g_task_set_name (task, "sw-save-trace");
  g_task_run_in_thread (task, save_trace_thread);
}

static void
save_trace_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        gpointer         user_data)
{
  SwWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        sw_window_save_trace (self, file);
    }
  g_object_unref (self);
  g_object_unref (dialog);
}

static void
save_trace_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  SwWindow *self = SW_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (self->job != NULL || self->model == NULL)
    return;

  dialog = gtk_file_chooser_native_new (_("Save Trace"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Traces (Chrome trace-event JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  /* TRANSLATORS: default file name of a saved trace; %s is the scenario */
  if (self->replay != NULL && self->replay_title != NULL)
    name = g_strdup (self->replay_title);
  else
    name = g_strdup_printf (_("%s-trace.json"), self->scenario != NULL ? self->scenario->name : "switchyard");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (save_trace_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
drop_cb (SwWindow      *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GFile *file = NULL;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      file = files != NULL ? files->data : NULL;
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;

  sw_window_open_trace (self, file);
  return TRUE;
}

static void
replay_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (SW_TYPE_TRANSPORT_BAR);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, transport_bar);

  gtk_widget_class_install_action (widget_class, "win.save-trace", NULL, save_trace_action);
  gtk_widget_class_install_action (widget_class, "win.replay-play", NULL, replay_play_action);
  gtk_widget_class_install_action (widget_class, "win.replay-step-forward", NULL, replay_step_action);
  gtk_widget_class_install_action (widget_class, "win.replay-step-back", NULL, replay_step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-trace", NULL);
}

static void
replay_init (SwWindow *self)
{
  GtkEventController *keys;
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (replay_key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect_object (drop, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

/**
 * sw_window_get_replay:
 *
 * Returns: (transfer none) (nullable): the replay shown, or NULL for a run
 */
SwReplay *
sw_window_get_replay (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->replay;
}

SwTransportBar *
sw_window_get_transport_bar (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->transport_bar;
}

/* ---- remote: watching an engine that runs elsewhere -------------------
 *
 * `switchyard-cli run NAME --listen HOST:PORT` on another machine (a VM),
 * this window on the desktop.  An SwStreamClient rebuilds the engine's
 * trace here, a new one per connection; the window builds its timeline
 * model on it exactly as for a local run, with the engine's start as the
 * timeline's zero, so a late joiner's backlog lands at the times it
 * happened.  The status bar says how the link is doing.
 */

static gboolean
remote_watching (SwWindow *self)
{
  if (self->remote == NULL)
    return FALSE;

  switch (sw_stream_client_get_state (self->remote))
    {
    case SW_STREAM_STATE_CONNECTING:
    case SW_STREAM_STATE_LIVE:
    case SW_STREAM_STATE_RECONNECTING:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
remote_update_actions (SwWindow *self)
{
  gboolean watching = remote_watching (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.connect", self->job == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.disconnect", watching);
  if (watching)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-params", FALSE);
    }
}

/* " · N events dropped for this viewer", or "" */
static char *
remote_format_drops (SwWindow *self)
{
  guint64 dropped = sw_stream_client_get_dropped (self->remote);
  guint64 skipped = sw_stream_client_get_skipped (self->remote);
  GString *text = g_string_new (NULL);

  if (dropped > 0)
    {
      g_string_append (text, " · ");
      /* TRANSLATORS: the engine was faster than the link to this viewer */
      g_string_append_printf (text, ngettext ("%" PRIu64 " event dropped for this viewer",
                                              "%" PRIu64 " events dropped for this viewer", dropped),
                              (uint64_t) dropped);
    }
  if (skipped > 0)
    {
      g_string_append (text, " · ");
      /* TRANSLATORS: a late joiner gets only the newest part of what was recorded */
      g_string_append_printf (text, ngettext ("%" PRIu64 " early event left out",
                                              "%" PRIu64 " early events left out", skipped),
                              (uint64_t) skipped);
    }

  return g_string_free (text, FALSE);
}

/* The client's reasons name the address already. */
static char *
remote_format_retry (SwWindow *self)
{
  const char *error = sw_stream_client_get_last_error (self->remote);

  if (error != NULL)
    /* TRANSLATORS: the link to a remote engine dropped; %s is why */
    return g_strdup_printf (_("Reconnecting… · %s"), error);

  return g_strdup_printf (_("Reconnecting to %s…"), sw_stream_client_get_address (self->remote));
}

static void
remote_update_status (SwWindow *self)
{
  const char *address = sw_stream_client_get_address (self->remote);
  const char *error = sw_stream_client_get_last_error (self->remote);
  g_autofree char *drops = remote_format_drops (self);
  g_autofree char *text = NULL;

  switch (sw_stream_client_get_state (self->remote))
    {
    case SW_STREAM_STATE_CONNECTING:
      if (self->remote_retrying)
        text = remote_format_retry (self);
      else
        text = g_strdup_printf (_("Connecting to %s…"), address);
      set_status (self, SW_RUN_STATE_RUNNING, text);
      break;

    case SW_STREAM_STATE_RECONNECTING:
      text = remote_format_retry (self);
      set_status (self, SW_RUN_STATE_RUNNING, text);
      break;

    case SW_STREAM_STATE_LIVE:
      if (self->model != NULL)
        {
          guint n_spans = sw_timeline_model_get_n_spans (self->model);
          guint n_open = sw_timeline_model_get_n_open_spans (self->model);

          /* TRANSLATORS: watching a remote engine: HOST:PORT, then task counts */
          text = g_strdup_printf (_("Live from %s · %u submitted · %u running · %u done%s"),
                                  address, sw_timeline_model_get_n_submits (self->model),
                                  n_open, n_spans - n_open, drops);
        }
      else
        text = g_strdup_printf (_("Live from %s%s"), address, drops);
      set_status (self, SW_RUN_STATE_RUNNING, text);
      gtk_image_set_from_icon_name (self->status_icon, "network-transmit-receive-symbolic");
      gtk_widget_set_visible (GTK_WIDGET (self->status_icon), TRUE);
      break;

    case SW_STREAM_STATE_ENDED:
      {
        g_autofree char *stats = self->model != NULL
          ? format_stats (self, sw_timeline_model_get_trace (self->model)) : g_strdup ("");

        /* TRANSLATORS: the remote engine finished; the picture stays */
        text = g_strdup_printf (_("Ended · %s · %s%s"), address, stats, drops);
        set_status (self, SW_RUN_STATE_FINISHED, text);
      }
      break;

    case SW_STREAM_STATE_DISCONNECTED:
    default:
      /* Refused (wrong token, another version, not a Switchyard engine):
       * retrying would not help, so the reason stays in view. */
      if (error != NULL)
        /* TRANSLATORS: %s is why, and names the address already */
        text = g_strdup_printf (_("Cannot watch · %s"), error);
      else
        text = g_strdup_printf (_("Cannot watch %s"), address);
      set_status (self, SW_RUN_STATE_FAILED, text);
      break;
    }
}

static gboolean
remote_tick_cb (gpointer user_data)
{
  SwWindow *self = user_data;

  if (self->remote != NULL)
    remote_update_status (self);

  return G_SOURCE_CONTINUE;
}

/* The model on the client's current trace: a new connection brings a new
 * trace (its backlog first), so the picture starts over with it. */
static void
remote_sync_model (SwWindow *self)
{
  SwTrace *trace = sw_stream_client_get_trace (self->remote);

  if (trace == NULL || (self->model != NULL && sw_timeline_model_get_trace (self->model) == trace))
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  self->model = sw_timeline_model_new_with_origin (trace, sw_stream_client_get_remote_origin_ns (self->remote));
  g_signal_connect_object (self->model, "changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
  sw_timeline_model_set_running (self->model, TRUE);
  sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  console_clear (self);
  self->run_started_us = g_get_monotonic_time ();
}

/* Whatever reached this machine goes on the timeline, and it stops
 * growing with the clock. */
static void
remote_freeze_model (SwWindow *self)
{
  if (self->model == NULL)
    return;

  sw_timeline_model_drain_all (self->model);
  sw_timeline_model_set_running (self->model, FALSE);
  console_sync (self);
}

static void
remote_trace_cb (SwWindow       *self,
                 GParamSpec     *pspec,
                 SwStreamClient *client)
{
  remote_sync_model (self);
}

static void
remote_name_cb (SwWindow       *self,
                GParamSpec     *pspec,
                SwStreamClient *client)
{
  const char *name = sw_stream_client_get_remote_name (client);

  if (name != NULL)
    {
      /* TRANSLATORS: the header's subtitle: the engine's program (pid) and HOST:PORT */
      g_autofree char *text = g_strdup_printf (_("%s on %s"), name, sw_stream_client_get_address (client));

      gtk_label_set_text (self->subtitle_label, text);
    }
}

static void
remote_state_cb (SwWindow       *self,
                 GParamSpec     *pspec,
                 SwStreamClient *client)
{
  switch (sw_stream_client_get_state (client))
    {
    case SW_STREAM_STATE_LIVE:
      self->remote_retrying = FALSE;
      remote_sync_model (self);
      if (self->model != NULL)
        sw_timeline_model_set_running (self->model, TRUE);
      break;

    case SW_STREAM_STATE_RECONNECTING:
      self->remote_retrying = TRUE;
      remote_freeze_model (self);
      break;

    case SW_STREAM_STATE_ENDED:
    case SW_STREAM_STATE_DISCONNECTED:
      remote_freeze_model (self);
      g_clear_handle_id (&self->remote_tick, g_source_remove);
      break;

    case SW_STREAM_STATE_CONNECTING:
    default:
      break;
    }

  remote_update_status (self);
  update_actions (self);
}

static void
remote_dropped_cb (SwWindow       *self,
                   GParamSpec     *pspec,
                   SwStreamClient *client)
{
  remote_update_status (self);
}

/* Stops watching; the picture and the status bar stay as they are. */
static void
remote_release (SwWindow *self)
{
  g_clear_handle_id (&self->remote_tick, g_source_remove);
  if (self->remote == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->remote, self);
  sw_stream_client_stop (self->remote);
  g_clear_object (&self->remote);
  self->remote_retrying = FALSE;
  if (!gtk_widget_in_destruction (GTK_WIDGET (self)))
    gtk_label_set_text (self->subtitle_label, self->scenario != NULL ? _(self->scenario->title) : "");
}

static void
connect_dialog_connect_cb (SwWindow        *self,
                           const char      *address,
                           const char      *token,
                           SwConnectDialog *dialog)
{
  g_autoptr(GError) error = NULL;

  if (!sw_window_connect (self, address, token, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot watch %s: %s"), address, error->message);

      set_status (self, SW_RUN_STATE_FAILED, text);
    }
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  sw_window_show_connect_dialog (SW_WINDOW (widget));
}

static void
disconnect_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  sw_window_disconnect (SW_WINDOW (widget));
}

static void
remote_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "win.disconnect", NULL, disconnect_action);
}

/**
 * sw_window_connect:
 * @address: the engine's HOST:PORT (`switchyard-cli run NAME --listen`)
 * @token: (nullable): its token; NULL reads SWITCHYARD_TOKEN
 *
 * Watches a run of an engine elsewhere, live, instead of running here;
 * reconnects when the link drops until the engine ends or refuses.
 *
 * Returns: FALSE (and why) for an address that cannot be dialled or while
 *   a run of this window's own is going on
 */
gboolean
sw_window_connect (SwWindow    *self,
                   const char  *address,
                   const char  *token,
                   GError     **error)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (self->job != NULL)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                           _("stop the run here first"));
      return FALSE;
    }
  if (!sw_stream_parse_address (address, NULL, NULL, error))
    return FALSE;

  remote_release (self);
  g_free (self->remote_address);
  self->remote_address = g_strdup (address);

  self->remote = sw_stream_client_new (address, token);
  g_signal_connect_object (self->remote, "notify::state", G_CALLBACK (remote_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->remote, "notify::trace", G_CALLBACK (remote_trace_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->remote, "notify::remote-name", G_CALLBACK (remote_name_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->remote, "notify::dropped", G_CALLBACK (remote_dropped_cb), self, G_CONNECT_SWAPPED);
  self->remote_tick = g_timeout_add (250, remote_tick_cb, self);
  g_source_set_name_by_id (self->remote_tick, "[switchyard] remote status");

  sw_stream_client_start (self->remote);
  /* start may have failed already, before any notify reached us */
  remote_update_status (self);
  update_actions (self);

  return TRUE;
}

/* Stops watching: the picture stays, frozen where it was. */
void
sw_window_disconnect (SwWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *stats = NULL;

  g_return_if_fail (SW_IS_WINDOW (self));

  if (self->remote == NULL)
    return;

  if (remote_watching (self))
    {
      remote_freeze_model (self);
      stats = self->model != NULL ? format_stats (self, sw_timeline_model_get_trace (self->model)) : NULL;
      /* TRANSLATORS: the user stopped watching a remote engine at HOST:PORT */
      text = g_strdup_printf (_("Disconnected from %s · %s"),
                              sw_stream_client_get_address (self->remote), stats != NULL ? stats : "");
      set_status (self, SW_RUN_STATE_STOPPED, text);
    }
  remote_release (self);
  update_actions (self);
}

/**
 * sw_window_get_stream_client:
 *
 * Returns: (transfer none) (nullable): the link to the engine being
 *   watched, or NULL
 */
SwStreamClient *
sw_window_get_stream_client (SwWindow *self)
{
  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  return self->remote;
}

/**
 * sw_window_show_connect_dialog:
 *
 * Asks for an engine's address and token (win.connect, Ctrl+K).
 *
 * Returns: (transfer none): the dialog, shown
 */
SwConnectDialog *
sw_window_show_connect_dialog (SwWindow *self)
{
  SwConnectDialog *dialog;

  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  dialog = sw_connect_dialog_new (GTK_WINDOW (self), self->remote_address, NULL);
  g_signal_connect_object (dialog, "connect", G_CALLBACK (connect_dialog_connect_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}
