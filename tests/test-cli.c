/* test-cli.c — switchyard-cli keeps its command-line contract */
#include "config.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "switchyard.h"

typedef struct
{
  int   status;   /* exit code, or 128 + signal */
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

static const char *
cli_path (void)
{
  const char *path = g_getenv ("SW_CLI");

  if (path == NULL)
    g_error ("SW_CLI is not set (run through meson test)");
  return path;
}

static Result
run_cli_argv (GPtrArray            *argv,
              GSpawnChildSetupFunc  child_setup,
              gpointer              setup_data)
{
  g_autoptr(GError) error = NULL;
  Result r = { 0 };
  int wait_status;

  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, child_setup, setup_data,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  r.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  return r;
}

static Result
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (argv, (char *) cli_path ());
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (args);

  return run_cli_argv (argv, NULL, NULL);
}

/* A usage error: exit 2 and exactly one line on stderr, naming the problem. */
static void
assert_usage_error (Result     *r,
                    const char *mention)
{
  g_assert_cmpint (r->status, ==, 2);
  g_assert_true (g_str_has_prefix (r->err, "switchyard-cli: "));
  g_assert_nonnull (strstr (r->err, mention));
  g_assert_cmpint (strchr (r->err, '\n') - r->err, ==, (gssize) strlen (r->err) - 1);
}

/* In the child: a descriptor limit too low for the flood asked for. */
static void
limit_descriptors (gpointer user_data)
{
  struct rlimit limit = { 64, 64 };

  setrlimit (RLIMIT_NOFILE, &limit);
}

/* A run that cannot start (too few descriptors for its clients) says why
 * in one line and prints no summary of zeros that would hide it. */
static void
test_cli_run_that_cannot_start_says_why (void)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  Result r;

  g_ptr_array_add (argv, (char *) cli_path ());
  g_ptr_array_add (argv, (char *) "run");
  g_ptr_array_add (argv, (char *) "echo-flood");
  g_ptr_array_add (argv, (char *) "--set");
  g_ptr_array_add (argv, (char *) "clients=500");
  r = run_cli_argv (argv, limit_descriptors, NULL);

  g_test_message ("exit %d, stdout: %s, stderr: %s", r.status, r.out, r.err);
  assert_usage_error (&r, "descriptors");
  g_assert_null (strstr (r.out, "summary"));
  result_clear (&r);
}

static void
test_cli_list (void)
{
  Result r = run_cli ("list", NULL);

  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "thread-pool\t"));
  result_clear (&r);
}

static void
test_cli_bad_input_is_one_line_exit_2 (void)
{
  struct { const char *args[5]; const char *mention; } cases[] = {
    { { "run", "no-such-scenario" }, "no-such-scenario" },
    { { "run" }, "which scenario" },
    { { "run", "thread-pool", "--set", "colour=red" }, "colour" },
    { { "run", "thread-pool", "--set", "workers=zero" }, "workers" },
    { { "run", "thread-pool", "--set", "workers=0" }, "out of range" },
    { { "run", "thread-pool", "--set", "mode=fast" }, "async|sync" },
    { { "run", "thread-pool", "--set", "min_sleep=5" }, "min_sleep" },
    { { "run", "thread-pool", "--bogus" }, "bogus" },
    { { "frobnicate" }, "frobnicate" },
    { { "bench", "no-such-bench" }, "no-such-bench" },
    { { "watch" }, "which engine" },
    { { "watch", "nonsense" }, "HOST:PORT" },
    { { "watch", "127.0.0.1:1" }, "cannot connect to 127.0.0.1:1" },
    { { "run", "thread-pool", "--wait-viewer" }, "--listen" },
    { { "run", "thread-pool", "--listen", "bogus" }, "HOST:PORT" },
    { { "run", "thread-pool", "--token", "T" }, "--token needs --listen" },
    { { "run", "process-pool", "--set", "crash_task=11" }, "crash_task" },
    /* Before the run, not after it. */
    { { "run", "thread-pool", "--trace", "/nonexistent-dir/run.json" }, "cannot write the trace to /nonexistent-dir/run.json" },
    { { "run", "thread-pool", "--trace", "/" }, "cannot write the trace to /" },
    { { "serve", "--trace", "/nonexistent-dir/serve.json" }, "cannot write the trace to" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char **a = cases[i].args;
      Result r = run_cli (a[0], a[1], a[2], a[3], a[4], NULL);

      g_test_message ("case %u: %s", i, r.err);
      assert_usage_error (&r, cases[i].mention);
      g_assert_cmpstr (r.out, ==, "");   /* refused before anything ran */
      result_clear (&r);
    }
}

static void
test_cli_run_prints_lesson_and_writes_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sw-cli-XXXXXX", NULL);
  g_autofree char *trace = g_build_filename (dir, "run.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Result r = run_cli ("run", "thread-pool", "--set", "tasks=4", "--set", "workers=2",
                      "--set", "min_sleep=0.01", "--set", "max_sleep=0.02",
                      "--trace", trace, NULL);

  g_assert_cmpint (r.status, ==, 0);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *running = g_strdup_printf ("task %u is running in process ", i);
      g_autofree char *result = g_strdup_printf ("task %u result: %u", i, i);

      g_assert_nonnull (strstr (r.out, running));
      g_assert_nonnull (strstr (r.out, result));
    }
  g_assert_nonnull (strstr (r.out, "main done in "));
  g_assert_nonnull (strstr (r.out, "summary: wall "));
  g_assert_nonnull (strstr (r.out, "speedup "));

  g_assert_true (json_parser_load_from_file (parser, trace, &error));
  g_assert_no_error (error);
  g_assert_nonnull (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "traceEvents"));
  result_clear (&r);
  g_unlink (trace);
  g_rmdir (dir);
}

static void
test_cli_sigint_stops_and_keeps_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sw-cli-XXXXXX", NULL);
  g_autofree char *trace = g_build_filename (dir, "stopped.json", NULL);
  const char *argv[] = { cli_path (), "run", "thread-pool", "--set", "min_sleep=30",
                         "--set", "max_sleep=30", "--trace", trace, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) out = NULL;
  g_autofree char *first_line = NULL;
  GPid pid;
  int out_fd, wait_status;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);

  /* The first line means the run is under way; then Ctrl-C. */
  out = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (out, TRUE);
  g_assert_cmpint (g_io_channel_read_line (out, &first_line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_assert_true (g_str_has_prefix (first_line, "main: "));
  kill (pid, SIGINT);

  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 130);
  g_assert_true (g_file_test (trace, G_FILE_TEST_EXISTS));
  g_unlink (trace);
  g_rmdir (dir);
}

/* An engine streams its run while printing it as always; a headless
 * viewer gets every lane and every event, then "ended". */
static void
test_cli_run_listen_and_watch (void)
{
  const char *argv[] = { cli_path (), "run", "thread-pool", "--set", "tasks=4", "--set", "workers=2",
                         "--set", "min_sleep=0.01", "--set", "max_sleep=0.02",
                         "--listen", "127.0.0.1:0", "--wait-viewer", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) err = NULL;
  g_autoptr(GIOChannel) out = NULL;
  g_autofree char *first_line = NULL;
  g_autofree char *address = NULL;
  g_autofree char *engine_out = NULL;
  const char *ended;
  guint64 events = 0, recorded = 1;
  GPid pid;
  int out_fd, err_fd, wait_status;
  Result r;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, &err_fd, &error));
  g_assert_no_error (error);
  err = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (err, TRUE);
  out = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (out, TRUE);

  g_assert_cmpint (g_io_channel_read_line (err, &first_line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_assert_true (g_str_has_prefix (first_line, "switchyard-cli: streaming on 127.0.0.1:"));
  g_assert_nonnull (strstr (first_line, "(loopback viewers only)"));
  address = g_strndup (first_line + strlen ("switchyard-cli: streaming on "),
                       strcspn (first_line + strlen ("switchyard-cli: streaming on "), " "));

  r = run_cli ("watch", address, NULL);
  g_test_message ("watch: %s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "watch: live from switchyard-cli thread-pool (pid "));
  g_assert_nonnull (strstr (r.out, "lane process \"switchyard-cli\""));
  g_assert_nonnull (strstr (r.out, "lane thread \"main\""));
  g_assert_nonnull (strstr (r.out, "lane thread \"worker 1\""));
  ended = strstr (r.out, "watch: ended: events ");
  g_assert_nonnull (ended);
  g_assert_cmpint (sscanf (ended, "watch: ended: events %" G_GUINT64_FORMAT " recorded %" G_GUINT64_FORMAT,
                           &events, &recorded), ==, 2);
  g_assert_cmpuint (events, ==, recorded);
  g_assert_cmpuint (events, >, 20);
  g_assert_nonnull (strstr (ended, " dropped 0 skipped 0 "));
  result_clear (&r);

  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
  g_spawn_close_pid (pid);

  /* The run printed its lesson as it does without --listen. */
  g_assert_cmpint (g_io_channel_read_to_end (out, &engine_out, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_assert_true (g_str_has_prefix (engine_out, "main: 4 tasks on a pool of 2 threads"));
  g_assert_nonnull (strstr (engine_out, "task 4 result: 4"));
  g_assert_nonnull (strstr (engine_out, "summary: wall "));
  g_assert_null (strstr (engine_out, "stream"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Cli/list", test_cli_list);
  g_test_add_func ("/Sw/Cli/bad-input-is-one-line-exit-2", test_cli_bad_input_is_one_line_exit_2);
  g_test_add_func ("/Sw/Cli/run-that-cannot-start-says-why", test_cli_run_that_cannot_start_says_why);
  g_test_add_func ("/Sw/Cli/run-prints-lesson-and-writes-trace", test_cli_run_prints_lesson_and_writes_trace);
  g_test_add_func ("/Sw/Cli/sigint-stops-and-keeps-trace", test_cli_sigint_stops_and_keeps_trace);
  g_test_add_func ("/Sw/Cli/run-listen-and-watch", test_cli_run_listen_and_watch);

  return g_test_run ();
}
