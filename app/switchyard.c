/* switchyard.c — the GUI entry point; everything else lives in ui/ */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "switchyard.h"
#include "sw-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SwApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Switchyard"));

  app = sw_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
