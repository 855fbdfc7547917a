/* sw-preferences.c — the Preferences window
 *
 * Each widget is bound to its GSettings key, so a change applies at once
 * (the window listens to the settings) and is kept.
 */

#include "config.h"

#include "sw-preferences.h"
#include "sw-ui-private.h"

struct _SwPreferences
{
  GtkWindow    parent_instance;

  /* template widgets */
  GtkDropDown *palette_dropdown;
  GtkSpinButton *scale_spin;
  GtkSwitch   *fullscreen_switch;

  /* owned */
  GSettings   *settings;
};

G_DEFINE_FINAL_TYPE (SwPreferences, sw_preferences, GTK_TYPE_WINDOW)

/* The drop-down's rows, in order, as the key's choices. */
static const char * const palette_choices[] = { "system", "light", "dark" };

static gboolean
palette_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *choice = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (palette_choices); i++)
    if (g_strcmp0 (choice, palette_choices[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
palette_set_mapping (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (palette_choices))
    return NULL;

  return g_variant_new_string (palette_choices[selected]);
}

static void
sw_preferences_finalize (GObject *object)
{
  SwPreferences *self = SW_PREFERENCES (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sw_preferences_parent_class)->finalize (object);
}

static void
sw_preferences_class_init (SwPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sw_preferences_finalize;

  _sw_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sw-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, SwPreferences, palette_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SwPreferences, scale_spin);
  gtk_widget_class_bind_template_child (widget_class, SwPreferences, fullscreen_switch);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sw_preferences_init (SwPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * sw_preferences_new:
 * @parent: (nullable): the window it is for
 * @settings: the application's settings
 *
 * Returns: (transfer full): a new Preferences window, not yet shown
 */
SwPreferences *
sw_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  SwPreferences *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SW_TYPE_PREFERENCES, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);

  g_settings_bind_with_mapping (settings, "presentation-palette",
                                self->palette_dropdown, "selected", G_SETTINGS_BIND_DEFAULT,
                                palette_get_mapping, palette_set_mapping, NULL, NULL);
  g_settings_bind (settings, "scale",
                   gtk_spin_button_get_adjustment (self->scale_spin), "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "presentation-fullscreen",
                   self->fullscreen_switch, "active", G_SETTINGS_BIND_DEFAULT);

  return self;
}

/**
 * sw_preferences_get_settings:
 *
 * Returns: (transfer none): the settings it edits
 */
GSettings *
sw_preferences_get_settings (SwPreferences *self)
{
  g_return_val_if_fail (SW_IS_PREFERENCES (self), NULL);

  return self->settings;
}

/* A template widget by its id ("palette_dropdown", "scale_spin",
 * "fullscreen_switch"), for tests that change a setting as a user would. */
GtkWidget *
sw_preferences_get_widget (SwPreferences *self,
                           const char    *name)
{
  g_return_val_if_fail (SW_IS_PREFERENCES (self), NULL);

  if (g_strcmp0 (name, "palette_dropdown") == 0)
    return GTK_WIDGET (self->palette_dropdown);
  if (g_strcmp0 (name, "scale_spin") == 0)
    return GTK_WIDGET (self->scale_spin);
  if (g_strcmp0 (name, "fullscreen_switch") == 0)
    return GTK_WIDGET (self->fullscreen_switch);

  return NULL;
}
