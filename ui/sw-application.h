/* sw-application.h — the GtkApplication of Switchyard */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SW_TYPE_APPLICATION (sw_application_get_type ())
G_DECLARE_FINAL_TYPE (SwApplication, sw_application, SW, APPLICATION, GtkApplication)

SwApplication *sw_application_new          (void) G_GNUC_WARN_UNUSED_RESULT;
GSettings     *sw_application_get_settings (SwApplication *self);

G_END_DECLS
