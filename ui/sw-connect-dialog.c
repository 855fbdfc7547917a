/* sw-connect-dialog.c — asks where the engine to watch is
 *
 * A small modal window: the engine's HOST:PORT (checked as it is typed,
 * with the same parser the stream client uses, so what Connect accepts is
 * what the client can dial) and its token.  Connect emits "connect" and
 * closes; the window does the connecting and shows how it goes.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "switchyard.h"
#include "sw-connect-dialog.h"
#include "sw-ui-private.h"

struct _SwConnectDialog
{
  GtkWindow         parent_instance;

  /* template widgets */
  GtkEntry         *address_entry;
  GtkPasswordEntry *token_entry;
  GtkLabel         *error_label;
};

enum {
  CONNECT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SwConnectDialog, sw_connect_dialog, GTK_TYPE_WINDOW)

/* An empty address is no error yet, only nothing to connect to. */
static gboolean
validate (SwConnectDialog *self)
{
  const char *address = sw_connect_dialog_get_address (self);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (address[0] != '\0')
    ok = sw_stream_parse_address (address, NULL, NULL, &error);

  gtk_label_set_text (self->error_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.connect", ok);

  return ok;
}

static void
address_changed_cb (SwConnectDialog *self,
                    GtkEditable     *entry)
{
  validate (self);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  SwConnectDialog *self = SW_CONNECT_DIALOG (widget);
  g_autofree char *address = NULL;
  const char *token;

  if (!validate (self))
    return;

  address = g_strstrip (g_strdup (sw_connect_dialog_get_address (self)));
  token = sw_connect_dialog_get_token (self);

  /* No token typed: the client falls back on SWITCHYARD_TOKEN. */
  g_signal_emit (self, signals[CONNECT], 0, address, token[0] != '\0' ? token : NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
sw_connect_dialog_class_init (SwConnectDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  _sw_ui_ensure_resources ();

  /**
   * SwConnectDialog::connect:
   * @address: HOST:PORT, as checked by sw_stream_parse_address()
   * @token: (nullable): the token, or NULL when none was typed
   */
  signals[CONNECT] =
    g_signal_new ("connect",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sw-connect-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SwConnectDialog, address_entry);
  gtk_widget_class_bind_template_child (widget_class, SwConnectDialog, token_entry);
  gtk_widget_class_bind_template_child (widget_class, SwConnectDialog, error_label);

  gtk_widget_class_install_action (widget_class, "dialog.connect", NULL, connect_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sw_connect_dialog_init (SwConnectDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->address_entry, "changed", G_CALLBACK (address_changed_cb), self, G_CONNECT_SWAPPED);
  validate (self);
}

/**
 * sw_connect_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @address: (nullable): the address to start with (the last one used)
 * @token: (nullable): the token to start with
 */
SwConnectDialog *
sw_connect_dialog_new (GtkWindow  *parent,
                       const char *address,
                       const char *token)
{
  SwConnectDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (SW_TYPE_CONNECT_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  if (address != NULL)
    sw_connect_dialog_set_address (self, address);
  if (token != NULL)
    sw_connect_dialog_set_token (self, token);
  gtk_widget_grab_focus (GTK_WIDGET (self->address_entry));

  return self;
}

void
sw_connect_dialog_set_address (SwConnectDialog *self,
                               const char      *address)
{
  g_return_if_fail (SW_IS_CONNECT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->address_entry), address != NULL ? address : "");
}

const char *
sw_connect_dialog_get_address (SwConnectDialog *self)
{
  g_return_val_if_fail (SW_IS_CONNECT_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->address_entry));
}

void
sw_connect_dialog_set_token (SwConnectDialog *self,
                             const char      *token)
{
  g_return_if_fail (SW_IS_CONNECT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->token_entry), token != NULL ? token : "");
}

const char *
sw_connect_dialog_get_token (SwConnectDialog *self)
{
  g_return_val_if_fail (SW_IS_CONNECT_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->token_entry));
}

/* Returns: (nullable): why the address cannot be dialled, or NULL */
const char *
sw_connect_dialog_get_error (SwConnectDialog *self)
{
  g_return_val_if_fail (SW_IS_CONNECT_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}
