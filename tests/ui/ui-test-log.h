/* ui-test-log.h — GTK's own harmless warnings, not fatal in UI tests
 *
 * GLib tests make every warning fatal.  GTK 4.8 prints one warning of its
 * own, now and then, when a popover or a freshly rebuilt form is drawn in
 * the frame after it was shown ("Trying to snapshot GtkGizmo … without a
 * current allocation"): nothing a person sees goes wrong, and whether it
 * shows depends on timing (it did in the slower ASan build).  Only that
 * message is let through; every other warning still fails the test.
 */
#pragma once

#include <glib.h>
#include <string.h>

static gboolean
ui_test_log_fatal_cb (const char     *log_domain,
                      GLogLevelFlags  log_level,
                      const char     *message,
                      gpointer        user_data)
{
  if (g_strcmp0 (log_domain, "Gtk") == 0 &&
      (log_level & G_LOG_LEVEL_WARNING) != 0 &&
      message != NULL &&
      strstr (message, "without a current allocation") != NULL)
    return FALSE;
  return TRUE;
}

/* Call after g_test_init / gtk_init. */
static inline void
ui_test_allow_gtk_allocation_warnings (void)
{
  g_test_log_set_fatal_handler (ui_test_log_fatal_cb, NULL);
}
