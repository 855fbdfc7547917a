/* sw-window-remote.c — SwWindow: watching an engine that runs elsewhere
 *
 * `switchyard-cli run NAME --listen HOST:PORT` on another machine (a VM),
 * this window on the desktop.  An SwStreamClient rebuilds the engine's
 * trace here, a new one per connection; the window builds its timeline
 * model on it exactly as for a local run, with the engine's start as the
 * timeline's zero, so a late joiner's backlog lands at the times it
 * happened.  The status bar says how the link is doing.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "sw-window-private.h"

gboolean
_sw_window_remote_watching (SwWindow *self)
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

void
_sw_window_remote_update_actions (SwWindow *self)
{
  gboolean watching = _sw_window_remote_watching (self);

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
      _sw_window_set_status (self, SW_RUN_STATE_RUNNING, text);
      break;

    case SW_STREAM_STATE_RECONNECTING:
      text = remote_format_retry (self);
      _sw_window_set_status (self, SW_RUN_STATE_RUNNING, text);
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
      _sw_window_set_status (self, SW_RUN_STATE_RUNNING, text);
      gtk_image_set_from_icon_name (self->status_icon, "network-transmit-receive-symbolic");
      gtk_widget_set_visible (GTK_WIDGET (self->status_icon), TRUE);
      break;

    case SW_STREAM_STATE_ENDED:
      {
        g_autofree char *stats = self->model != NULL
          ? _sw_window_format_stats (self, sw_timeline_model_get_trace (self->model)) : g_strdup ("");

        /* TRANSLATORS: the remote engine finished; the picture stays */
        text = g_strdup_printf (_("Ended · %s · %s%s"), address, stats, drops);
        _sw_window_set_status (self, SW_RUN_STATE_FINISHED, text);
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
      _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
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
  g_signal_connect_object (self->model, "changed", G_CALLBACK (_sw_window_model_changed_cb), self, G_CONNECT_SWAPPED);
  sw_timeline_model_set_running (self->model, TRUE);
  sw_timeline_set_model (self->timeline, self->model);
  sw_stats_panel_set_model (self->stats_panel, self->model);
  _sw_window_console_clear (self);
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
  _sw_window_console_sync (self);
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
  _sw_window_update_actions (self);
}

static void
remote_dropped_cb (SwWindow       *self,
                   GParamSpec     *pspec,
                   SwStreamClient *client)
{
  remote_update_status (self);
}

/* Stops watching; the picture and the status bar stay as they are. */
void
_sw_window_remote_release (SwWindow *self)
{
  g_clear_handle_id (&self->remote_tick, g_source_remove);
  if (self->remote == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->remote, self);
  sw_stream_client_stop (self->remote);
  g_clear_object (&self->remote);
  self->remote_retrying = FALSE;
  _sw_window_update_subtitle (self);
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

      _sw_window_set_status (self, SW_RUN_STATE_FAILED, text);
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

void
_sw_window_remote_class_init (GtkWidgetClass *widget_class)
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

  _sw_window_remote_release (self);
  g_free (self->remote_address);
  self->remote_address = g_strdup (address);
  /* Offered again next time, also in a new session; the token is a
   * secret and is not kept. */
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-remote-address", address);

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
  _sw_window_update_actions (self);

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

  if (_sw_window_remote_watching (self))
    {
      remote_freeze_model (self);
      stats = self->model != NULL ? _sw_window_format_stats (self, sw_timeline_model_get_trace (self->model)) : NULL;
      /* TRANSLATORS: the user stopped watching a remote engine at HOST:PORT */
      text = g_strdup_printf (_("Disconnected from %s · %s"),
                              sw_stream_client_get_address (self->remote), stats != NULL ? stats : "");
      _sw_window_set_status (self, SW_RUN_STATE_STOPPED, text);
    }
  _sw_window_remote_release (self);
  _sw_window_update_actions (self);
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
  g_autofree char *last = NULL;

  g_return_val_if_fail (SW_IS_WINDOW (self), NULL);

  if (self->remote_address == NULL && self->settings != NULL)
    last = g_settings_get_string (self->settings, "last-remote-address");
  dialog = sw_connect_dialog_new (GTK_WINDOW (self),
                                  self->remote_address != NULL ? self->remote_address
                                  : last != NULL && last[0] != '\0' ? last : NULL,
                                  NULL);
  g_signal_connect_object (dialog, "connect", G_CALLBACK (connect_dialog_connect_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}
