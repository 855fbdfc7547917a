/* switchyard-worker — one worker process of a process pool
 *
 * Started by SwProcessPool, never by hand:
 *   switchyard-worker --parent-pid PID --index N
 * with its end of the socketpair on fd 3.  Everything else is in
 * core/sw-worker.c, where tests can reach it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "switchyard.h"
#include "sw-worker.h"   /* not (yet) in the umbrella header */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gint parent_pid = 0;
  gint index = 0;
  gint fd = SW_WORKER_FD;
  GOptionEntry entries[] = {
    { "parent-pid", 0, 0, G_OPTION_ARG_INT, &parent_pid, "The process that started this worker", "PID" },
    { "index", 0, 0, G_OPTION_ARG_INT, &index, "The worker's number in its pool", "N" },
    { "fd", 0, 0, G_OPTION_ARG_INT, &fd, "The socket to the parent (default 3)", "FD" },
    { NULL }
  };

  /* The lines a task prints are written here, in the user's language. */
  sw_i18n_init ();

  context = g_option_context_new ("- a Switchyard process-pool worker");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "switchyard-worker: %s\n", error->message);
      return 2;
    }
  if (parent_pid <= 0 || index <= 0 || fd < 0)
    {
      fprintf (stderr, "switchyard-worker: --parent-pid and --index are required\n");
      return 2;
    }

  /* First thing: a worker must never outlive the pool that started it. */
  if (!sw_worker_die_with_parent (parent_pid, &error))
    {
      fprintf (stderr, "switchyard-worker: %s\n", error->message);
      return 1;
    }

  if (sw_worker_main (fd, (guint) index, &error) != 0)
    {
      fprintf (stderr, "switchyard-worker %d: %s\n", index, error->message);
      return 1;
    }

  return 0;
}
