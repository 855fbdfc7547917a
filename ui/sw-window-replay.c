/* sw-window-replay.c — SwWindow: saved traces
 *
 * Open (dialog, drag-and-drop, --replay), save, and play back as if live
 * through an SwReplay: the transport bar, Space/./, keys, steps that
 * scroll to and select what happened.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "sw-window-private.h"
#include "sw-timeline-private.h"

static void replay_model_cb  (SwWindow        *self);
static void replay_set_model (SwWindow        *self,
                              SwTimelineModel *model);

/* ---- opening a saved trace --------------------------------------------- */

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
  _sw_window_remote_release (self);

  _sw_window_replay_end (self);
  self->replay = sw_replay_new (trace);
  g_free (self->replay_title);
  self->replay_title = g_strdup (title);
  sw_replay_set_clock_widget (self->replay, GTK_WIDGET (self->timeline));
  g_signal_connect_object (self->replay, "notify::model",
                           G_CALLBACK (replay_model_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->replay, "notify::playing",
                           G_CALLBACK (_sw_window_replay_update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->replay, "notify::position",
                           G_CALLBACK (_sw_window_replay_update_actions), self, G_CONNECT_SWAPPED);
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

  _sw_window_update_subtitle (self);

  /* TRANSLATORS: %s is a trace's file name, %lu its number of events */
  text = g_strdup_printf (_("Replay of %s · %" PRIu64 " events · Space plays it"), title,
                          sw_timeline_model_get_n_events (self->model));
  _sw_window_set_status (self, SW_RUN_STATE_FINISHED, text);
  _sw_window_update_actions (self);
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

      _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
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
      _sw_window_set_status (self, SW_RUN_STATE_RUNNING, _("Stop the run before opening a trace"));
      return;
    }

  name = g_file_get_basename (file);
  /* TRANSLATORS: %s is a trace's file name */
  text = g_strdup_printf (_("Opening %s…"), name);
  _sw_window_set_status (self, SW_RUN_STATE_IDLE, text);

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
  g_signal_connect_object (self->model, "changed", G_CALLBACK (_sw_window_model_changed_cb), self, G_CONNECT_SWAPPED);
  if (rebuilt)
    sw_timeline_swap_model (self->timeline, self->model);
  else
    sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  _sw_window_console_clear (self);
  _sw_window_console_sync (self);
}

static void
replay_model_cb (SwWindow *self)
{
  if (self->replay != NULL)
    replay_set_model (self, sw_replay_get_model (self->replay));
}

/* Back to a window of runs: hides the transport bar. */
void
_sw_window_replay_end (SwWindow *self)
{
  if (self->replay == NULL)
    return;

  sw_replay_set_clock_widget (self->replay, NULL);
  g_signal_handlers_disconnect_by_data (self->replay, self);
  g_clear_object (&self->replay);
  _sw_window_update_subtitle (self);
  if (self->transport_bar != NULL)
    {
      sw_transport_bar_set_replay (self->transport_bar, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->transport_bar), FALSE);
    }
}

void
_sw_window_replay_update_actions (SwWindow *self)
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
      _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
      return;
    }

  /* TRANSLATORS: %s is a trace's file name */
  text = g_strdup_printf (_("Saved %s"), name);
  _sw_window_set_status (self, self->run_state == SW_RUN_STATE_FAILED ? SW_RUN_STATE_FINISHED : self->run_state, text);
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

void
_sw_window_replay_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (SW_TYPE_TRANSPORT_BAR);
  gtk_widget_class_bind_template_child (widget_class, SwWindow, transport_bar);

  gtk_widget_class_install_action (widget_class, "win.save-trace", NULL, save_trace_action);
  gtk_widget_class_install_action (widget_class, "win.replay-play", NULL, replay_play_action);
  gtk_widget_class_install_action (widget_class, "win.replay-step-forward", NULL, replay_step_action);
  gtk_widget_class_install_action (widget_class, "win.replay-step-back", NULL, replay_step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-trace", NULL);
}

void
_sw_window_replay_init (SwWindow *self)
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
