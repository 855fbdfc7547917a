/* sw-connect-dialog.h — asks where the engine to watch is: HOST:PORT and a token */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SW_TYPE_CONNECT_DIALOG (sw_connect_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SwConnectDialog, sw_connect_dialog, SW, CONNECT_DIALOG, GtkWindow)

SwConnectDialog *sw_connect_dialog_new         (GtkWindow       *parent,
                                                const char      *address,
                                                const char      *token) G_GNUC_WARN_UNUSED_RESULT;
void             sw_connect_dialog_set_address (SwConnectDialog *self,
                                                const char      *address);
const char      *sw_connect_dialog_get_address (SwConnectDialog *self);
void             sw_connect_dialog_set_token   (SwConnectDialog *self,
                                                const char      *token);
const char      *sw_connect_dialog_get_token   (SwConnectDialog *self);
const char      *sw_connect_dialog_get_error   (SwConnectDialog *self);

G_END_DECLS
