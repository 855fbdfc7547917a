/* test-app-options.c — the GUI's command line, checked without a display */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static void
run_gui (Result     *r,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *gui = g_getenv ("SW_GUI");
  va_list args;

  g_assert_nonnull (gui);
  g_ptr_array_add (argv, (char *) gui);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* No display: every case here must end before the GUI would start. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &r->out, &r->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  r->status = g_subprocess_get_exit_status (proc);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;

  return n;
}

static void
test_unknown_scenario (void)
{
  Result r = { 0, };

  run_gui (&r, "--scenario", "no-such-scenario", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "no-such-scenario"));
  result_clear (&r);
}

static void
test_replay_missing_file (void)
{
  Result r = { 0, };

  run_gui (&r, "--replay", "/nonexistent/trace.json", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "trace.json"));
  result_clear (&r);
}

/* A cut-off trace is refused before any window opens, saying where. */
static void
test_replay_bad_file (void)
{
  Result r = { 0, };
  g_autofree char *dir = g_dir_make_tmp ("sw-replay-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cut.json", NULL);

  g_assert_true (g_file_set_contents (path, "{\"traceEvents\":[\n{\"ph\":\"M\",\"name\":\"thread_", -1, NULL));
  run_gui (&r, "--replay", path, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "cut.json"));
  g_assert_nonnull (strstr (r.err, "truncated"));
  result_clear (&r);

  run_gui (&r, "--bench-render", path, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  result_clear (&r);

  g_remove (path);
  g_rmdir (dir);
}

/* A mistyped engine address is one line and status 2, not a window that
 * retries forever. */
static void
test_connect_bad_address (void)
{
  Result r = { 0, };

  run_gui (&r, "--connect", "192.168.122.10", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "--connect"));
  g_assert_nonnull (strstr (r.err, "192.168.122.10"));
  g_assert_cmpstr (r.out, ==, "");
  result_clear (&r);

  run_gui (&r, "--connect", "localhost:99999", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  result_clear (&r);

  run_gui (&r, "--token", "s3cret", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "--connect"));
  result_clear (&r);

  /* One source for the window: refused before any window opens. */
  run_gui (&r, "--connect", "127.0.0.1:7070", "--replay", "nothing.json", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "cannot be used together"));
  result_clear (&r);
}

static void
test_version (void)
{
  Result r = { 0, };

  run_gui (&r, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "switchyard " PACKAGE_VERSION "\n");
  result_clear (&r);
}

static void
test_bad_option (void)
{
  Result r = { 0, };

  run_gui (&r, "--no-such-option", NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_cmpstr (r.err, !=, "");
  result_clear (&r);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/App/unknown-scenario-exits-2", test_unknown_scenario);
  g_test_add_func ("/Sw/App/replay-missing-file-exits-2", test_replay_missing_file);
  g_test_add_func ("/Sw/App/replay-bad-file-exits-2", test_replay_bad_file);
  g_test_add_func ("/Sw/App/connect-bad-address-exits-2", test_connect_bad_address);
  g_test_add_func ("/Sw/App/version", test_version);
  g_test_add_func ("/Sw/App/bad-option-fails", test_bad_option);

  return g_test_run ();
}
