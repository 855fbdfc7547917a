/* sw-i18n.c — gettext set-up for the programs (GUI, CLI, worker)
 *
 * Every main() calls sw_i18n_init() first, so the window, the console
 * lines and the lines a worker process prints all come in the language
 * chosen by LANGUAGE / LC_MESSAGES.
 */
#include "config.h"

#include "sw-i18n.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

/* The program was started from the build tree (its executable lives under
 * the build root): use the catalogues built there, since LOCALEDIR only
 * holds them after `meson install`. */
static gboolean
running_from_build_tree (void)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *root = g_strconcat (SW_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);

  return self_exe != NULL && g_str_has_prefix (self_exe, root);
}

/**
 * sw_i18n_get_localedir:
 *
 * Returns: where the message catalogues are looked up: the build tree's
 *   po/ folder for a program run from the build tree, else LOCALEDIR
 */
const char *
sw_i18n_get_localedir (void)
{
  return running_from_build_tree () ? SW_BUILD_LOCALEDIR : LOCALEDIR;
}

/**
 * sw_i18n_init:
 *
 * Sets the locale from the environment and binds the switchyard text
 * domain (UTF-8, whatever the locale's charset) as the default one.
 *
 * glibc ignores LANGUAGE while LC_MESSAGES is "C", which is what a
 * machine without any locale installed (a fresh Debian, a container)
 * ends up with; C.UTF-8 is always there and does honour LANGUAGE, so a
 * LANGUAGE set by hand is taken to mean it.
 */
void
sw_i18n_init (void)
{
  const char *messages;
  const char *language = g_getenv ("LANGUAGE");

  setlocale (LC_ALL, "");
  messages = setlocale (LC_MESSAGES, NULL);
  if (language != NULL && *language != '\0' &&
      (messages == NULL || g_str_equal (messages, "C") || g_str_equal (messages, "POSIX")))
    setlocale (LC_ALL, "C.UTF-8");

  bindtextdomain (GETTEXT_PACKAGE, sw_i18n_get_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
