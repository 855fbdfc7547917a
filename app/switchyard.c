/* switchyard.c — the GUI entry point; everything else lives in ui/ */

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "switchyard.h"
#include "sw-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SwApplication) app = NULL;

  sw_i18n_init ();
  /* Done above, with the C.UTF-8 fallback that gtk_init's own call would undo. */
  gtk_disable_setlocale ();

  g_set_application_name (_("Switchyard"));

  app = sw_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
