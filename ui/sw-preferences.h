/* sw-preferences.h — the Preferences window */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SW_TYPE_PREFERENCES (sw_preferences_get_type ())
G_DECLARE_FINAL_TYPE (SwPreferences, sw_preferences, SW, PREFERENCES, GtkWindow)

SwPreferences *sw_preferences_new          (GtkWindow     *parent,
                                            GSettings     *settings);
GSettings     *sw_preferences_get_settings (SwPreferences *self);
GtkWidget     *sw_preferences_get_widget   (SwPreferences *self,
                                            const char    *name);

G_END_DECLS
