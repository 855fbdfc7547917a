/* sw-transport-bar.c — play/pause, speed, steps and a scrubber for a replay
 *
 * The buttons activate the window's replay actions (so keys and buttons
 * do the same); the speed menu and the scrubber talk to the SwReplay.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sw-transport-bar.h"
#include "sw-time-scale.h"

struct _SwTransportBar
{
  GtkWidget     parent_instance;

  /* template widgets */
  GtkWidget    *box;
  GtkButton    *play_button;
  GtkDropDown  *speed_dropdown;
  GtkScale     *scrubber;
  GtkLabel     *position_label;

  /* owned */
  SwReplay     *replay;

  gboolean      syncing;   /* the widgets are being set from the replay */
};

G_DEFINE_FINAL_TYPE (SwTransportBar, sw_transport_bar, GTK_TYPE_WIDGET)

static void
sync_position (SwTransportBar *self)
{
  g_autofree char *at = NULL;
  g_autofree char *total = NULL;
  g_autofree char *text = NULL;
  gint64 begin, position;

  if (self->replay == NULL)
    return;

  begin = sw_replay_get_begin_ns (self->replay);
  position = sw_replay_get_position (self->replay);
  self->syncing = TRUE;
  gtk_range_set_value (GTK_RANGE (self->scrubber), (double) position);
  self->syncing = FALSE;

  at = sw_time_scale_format_duration (position - begin);
  total = sw_time_scale_format_duration (sw_replay_get_end_ns (self->replay) - begin);
  /* TRANSLATORS: replay position: "1.25 s / 4.00 s" */
  text = g_strdup_printf (_("%s / %s"), at, total);
  gtk_label_set_text (self->position_label, text);
}

static void
sync_playing (SwTransportBar *self)
{
  gboolean playing = self->replay != NULL && sw_replay_get_playing (self->replay);

  gtk_button_set_icon_name (self->play_button,
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
}

static void
sync_speed (SwTransportBar *self)
{
  const double *speeds;
  guint n;

  if (self->replay == NULL)
    return;

  speeds = sw_replay_get_speeds (&n);
  for (guint i = 0; i < n; i++)
    if (speeds[i] == sw_replay_get_speed (self->replay))
      {
        self->syncing = TRUE;
        gtk_drop_down_set_selected (self->speed_dropdown, i);
        self->syncing = FALSE;
      }
}

static void
scrubber_value_changed_cb (SwTransportBar *self,
                           GtkRange       *range)
{
  if (self->syncing || self->replay == NULL)
    return;

  sw_replay_set_position (self->replay, (gint64) gtk_range_get_value (range));
}

static void
speed_selected_cb (SwTransportBar *self,
                   GParamSpec     *pspec,
                   GtkDropDown    *dropdown)
{
  const double *speeds;
  guint n, selected = gtk_drop_down_get_selected (dropdown);

  speeds = sw_replay_get_speeds (&n);
  if (self->syncing || self->replay == NULL || selected >= n)
    return;

  sw_replay_set_speed (self->replay, speeds[selected]);
}

static void
sw_transport_bar_dispose (GObject *object)
{
  SwTransportBar *self = SW_TRANSPORT_BAR (object);

  sw_transport_bar_set_replay (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SW_TYPE_TRANSPORT_BAR);

  G_OBJECT_CLASS (sw_transport_bar_parent_class)->dispose (object);
}

static void
sw_transport_bar_class_init (SwTransportBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sw_transport_bar_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sw-transport-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, SwTransportBar, box);
  gtk_widget_class_bind_template_child (widget_class, SwTransportBar, play_button);
  gtk_widget_class_bind_template_child (widget_class, SwTransportBar, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SwTransportBar, scrubber);
  gtk_widget_class_bind_template_child (widget_class, SwTransportBar, position_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "transportbar");
}

static void
sw_transport_bar_init (SwTransportBar *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const double *speeds;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));

  speeds = sw_replay_get_speeds (&n);
  for (guint i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *label = NULL;

      g_ascii_formatd (buf, sizeof buf, "%g", speeds[i]);
      /* TRANSLATORS: a playback speed, "0.25×" */
      label = g_strdup_printf (_("%s×"), buf);
      gtk_string_list_append (labels, label);
    }
  gtk_drop_down_set_model (self->speed_dropdown, G_LIST_MODEL (labels));

  g_signal_connect_object (self->scrubber, "value-changed",
                           G_CALLBACK (scrubber_value_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->speed_dropdown, "notify::selected",
                           G_CALLBACK (speed_selected_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *
sw_transport_bar_new (void)
{
  return g_object_new (SW_TYPE_TRANSPORT_BAR, NULL);
}

SwReplay *
sw_transport_bar_get_replay (SwTransportBar *self)
{
  g_return_val_if_fail (SW_IS_TRANSPORT_BAR (self), NULL);

  return self->replay;
}

void
sw_transport_bar_set_replay (SwTransportBar *self,
                             SwReplay       *replay)
{
  g_return_if_fail (SW_IS_TRANSPORT_BAR (self));
  g_return_if_fail (replay == NULL || SW_IS_REPLAY (replay));

  if (self->replay == replay)
    return;

  if (self->replay != NULL)
    g_signal_handlers_disconnect_by_data (self->replay, self);
  g_set_object (&self->replay, replay);

  if (replay != NULL)
    {
      gint64 begin = sw_replay_get_begin_ns (replay);
      gint64 end = sw_replay_get_end_ns (replay);
      double span = (double) MAX (end - begin, 1);

      self->syncing = TRUE;
      /* Arrow keys move a hundredth, Page Up/Down a tenth. */
      gtk_range_set_range (GTK_RANGE (self->scrubber), (double) begin, (double) MAX (end, begin + 1));
      gtk_range_set_increments (GTK_RANGE (self->scrubber), span / 100.0, span / 10.0);
      self->syncing = FALSE;

      g_signal_connect_object (replay, "notify::position",
                               G_CALLBACK (sync_position), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (replay, "notify::playing",
                               G_CALLBACK (sync_playing), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (replay, "notify::speed",
                               G_CALLBACK (sync_speed), self, G_CONNECT_SWAPPED);
    }

  sync_position (self);
  sync_playing (self);
  sync_speed (self);
}

GtkScale *
sw_transport_bar_get_scrubber (SwTransportBar *self)
{
  g_return_val_if_fail (SW_IS_TRANSPORT_BAR (self), NULL);

  return self->scrubber;
}

GtkDropDown *
sw_transport_bar_get_speed_dropdown (SwTransportBar *self)
{
  g_return_val_if_fail (SW_IS_TRANSPORT_BAR (self), NULL);

  return self->speed_dropdown;
}

const char *
sw_transport_bar_get_position_text (SwTransportBar *self)
{
  g_return_val_if_fail (SW_IS_TRANSPORT_BAR (self), NULL);

  return gtk_label_get_text (self->position_label);
}
