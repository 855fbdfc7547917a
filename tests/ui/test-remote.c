/* test-remote.c — the window watching a real engine in another process (Xvfb)
 *
 * Each test starts `switchyard-cli run thread-pool --listen 127.0.0.1:0`,
 * learns the port it bound from its first line on stderr, and points a
 * real window at it: through the Connect dialog, through sw_window_connect
 * after the run began (a late joiner), with a wrong token, and with the
 * engine killed under it.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "switchyard.h"
#include "sw-connect-dialog.h"
#include "sw-window.h"

#include "ui-test-util.h"

/* ---- the engine ------------------------------------------------------- */

typedef struct {
  GPid        pid;
  GIOChannel *out;
  GIOChannel *err;
  char       *address;   /* HOST:PORT it bound */
  gboolean    reaped;
} Engine;

#define STREAMING_ON "switchyard-cli: streaming on "

static const char *
cli_path (void)
{
  const char *path = g_getenv ("SW_CLI");

  g_assert_nonnull (path);
  return path;
}

/* An engine waiting for a viewer would wait for ever if a failed
 * assertion ended the test before engine_clear: it dies with the test. */
static void
engine_child_setup (gpointer data)
{
#ifdef __linux__
  (void) prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* extra: more arguments after "run thread-pool", NULL-terminated */
static void
engine_start (Engine             *engine,
              const char * const *extra)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  int out_fd, err_fd;

  memset (engine, 0, sizeof *engine);
  g_ptr_array_add (argv, (char *) cli_path ());
  g_ptr_array_add (argv, (char *) "run");
  g_ptr_array_add (argv, (char *) "thread-pool");
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) "127.0.0.1:0");
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           engine_child_setup, NULL, &engine->pid, NULL, &out_fd, &err_fd, &error));
  g_assert_no_error (error);
  engine->out = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (engine->out, TRUE);
  engine->err = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (engine->err, TRUE);

  /* "switchyard-cli: streaming on 127.0.0.1:PORT (…)" comes first. */
  g_assert_cmpint (g_io_channel_read_line (engine->err, &line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_test_message ("engine: %s", line);
  g_assert_true (g_str_has_prefix (line, STREAMING_ON "127.0.0.1:"));
  engine->address = g_strndup (line + strlen (STREAMING_ON), strcspn (line + strlen (STREAMING_ON), " \n"));
}

/* Waits for the engine to exit by itself; returns its stdout.  (Not
 * inlined: GCC 12 then mistakes the returned text for a local.) */
G_GNUC_NO_INLINE static char *
engine_finish (Engine *engine)
{
  char *out = NULL;
  int status;

  g_assert_cmpint (g_io_channel_read_to_end (engine->out, &out, NULL, NULL), ==, G_IO_STATUS_NORMAL);
  g_assert_cmpint (waitpid (engine->pid, &status, 0), ==, engine->pid);
  engine->reaped = TRUE;
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  return out;
}

static void
engine_clear (Engine *engine)
{
  if (!engine->reaped)
    {
      int status;

      kill (engine->pid, SIGKILL);
      g_assert_cmpint (waitpid (engine->pid, &status, 0), ==, engine->pid);
    }
  g_spawn_close_pid (engine->pid);
  g_clear_pointer (&engine->out, g_io_channel_unref);
  g_clear_pointer (&engine->err, g_io_channel_unref);
  g_clear_pointer (&engine->address, g_free);
}

/* ---- the window ------------------------------------------------------- */

static SwStreamState
link_state (gpointer win)
{
  SwStreamClient *client = sw_window_get_stream_client (win);

  g_assert_nonnull (client);
  return sw_stream_client_get_state (client);
}

static gboolean
is_live_with_tasks (gpointer win)
{
  SwTimelineModel *model = sw_window_get_model (win);

  return link_state (win) == SW_STREAM_STATE_LIVE && model != NULL &&
         sw_timeline_model_get_n_spans (model) >= 8 && sw_timeline_model_get_n_callbacks (model) >= 4;
}

/* The status bar has counted the tasks and the console has lines. */
static gboolean
is_shown (gpointer win)
{
  g_autofree char *console = sw_window_dup_console_text (win);

  return g_str_has_prefix (sw_window_get_status_text (win), "Live from ") &&
         strstr (sw_window_get_status_text (win), " · 0 done") == NULL &&
         strstr (console, "is running in process") != NULL;
}

static gboolean
is_live (gpointer win)
{
  return link_state (win) == SW_STREAM_STATE_LIVE;
}

static gboolean
is_reconnecting (gpointer win)
{
  return g_str_has_prefix (sw_window_get_status_text (win), "Reconnecting");
}

static gboolean
is_disconnected (gpointer win)
{
  return link_state (win) == SW_STREAM_STATE_DISCONNECTED;
}

/* What the status bar said while the link was live, and what the model
 * held then, seen frame by frame until the engine ended. */
typedef struct {
  gboolean said_live;
  guint    live_lanes;
  guint    live_spans;
  guint    live_callbacks;
  gboolean run_enabled_while_live;
  gboolean stop_enabled_while_live;
} LiveSeen;

static LiveSeen live_seen;

static GtkWidget *
find_button_for (GtkWidget  *root,
                 const char *action)
{
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_for (child, action);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Whether the titlebar button of a window action can be pressed. */
static gboolean
button_enabled (SwWindow   *win,
                const char *action)
{
  GtkWidget *button = find_button_for (gtk_window_get_titlebar (GTK_WINDOW (win)), action);

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

static gboolean
watch_until_ended (gpointer win)
{
  SwTimelineModel *model = sw_window_get_model (win);

  if (link_state (win) == SW_STREAM_STATE_LIVE && model != NULL)
    {
      if (g_str_has_prefix (sw_window_get_status_text (win), "Live from "))
        live_seen.said_live = TRUE;
      live_seen.live_lanes = MAX (live_seen.live_lanes, sw_timeline_model_get_n_lanes (model));
      live_seen.live_spans = MAX (live_seen.live_spans, sw_timeline_model_get_n_spans (model));
      live_seen.live_callbacks = MAX (live_seen.live_callbacks, sw_timeline_model_get_n_callbacks (model));
      live_seen.run_enabled_while_live |= button_enabled (win, "win.run");
      live_seen.stop_enabled_while_live |= button_enabled (win, "win.stop");
    }

  return link_state (win) == SW_STREAM_STATE_ENDED;
}

static SwConnectDialog *
find_connect_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SW_IS_CONNECT_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return SW_CONNECT_DIALOG (window);
    }

  return NULL;
}

/* ---- tests ------------------------------------------------------------ */

/* Connect… (the dialog), a run from its start to its end: the window
 * shows the engine's lanes, tasks and callbacks while live, says "Live
 * from", then "Ended" with the engine's own task count, and the console
 * holds the engine's lines. */
static void
test_connect_dialog_live_then_ended (void)
{
  const char * const extra[] = { "--set", "scale=0.05", "--set", "tasks=40", "--wait-viewer", NULL };
  Engine engine;
  SwWindow *win;
  SwConnectDialog *dialog;
  SwTimelineModel *model;
  SwStreamClient *client;
  g_autofree char *engine_out = NULL;
  g_autofree char *console = NULL;
  const char *summary;
  guint finished = 0;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  engine_start (&engine, extra);
  win = ui_test_open_window ("thread-pool", 1400, 860);

  /* The dialog refuses what the client could not dial, then connects. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.connect", NULL));
  dialog = find_connect_dialog ();
  g_assert_nonnull (dialog);
  sw_connect_dialog_set_address (dialog, "no-port-here");
  g_assert_nonnull (sw_connect_dialog_get_error (dialog));
  g_assert_null (sw_window_get_stream_client (win));
  sw_connect_dialog_set_address (dialog, engine.address);
  g_assert_null (sw_connect_dialog_get_error (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.connect", NULL));
  g_assert_null (find_connect_dialog ());
  g_assert_nonnull (sw_window_get_stream_client (win));
  g_assert_cmpstr (sw_stream_client_get_address (sw_window_get_stream_client (win)), ==, engine.address);

  memset (&live_seen, 0, sizeof live_seen);
  g_assert_true (ui_test_spin_until (win, watch_until_ended, 60.0));

  /* Seen live: "main" and the four workers, tasks and done-callbacks. */
  g_assert_true (live_seen.said_live);
  g_assert_cmpuint (live_seen.live_lanes, >=, 5);
  g_assert_cmpuint (live_seen.live_spans, >, 0);
  g_assert_cmpuint (live_seen.live_callbacks, >, 0);
  /* The engine runs elsewhere: nothing to run or stop here meanwhile. */
  g_assert_false (live_seen.run_enabled_while_live);
  g_assert_false (live_seen.stop_enabled_while_live);

  engine_out = engine_finish (&engine);
  summary = strstr (engine_out, "summary: ");
  g_assert_nonnull (summary);
  g_assert_nonnull (strstr (summary, " finished, "));
  g_assert_cmpint (sscanf (strrchr (summary, '(') + 1, "%u finished", &finished), ==, 1);
  g_assert_cmpuint (finished, ==, 40);

  /* Ended: the final picture is the engine's whole run. */
  g_test_message ("status: %s", sw_window_get_status_text (win));
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Ended · "));
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "40 of 40 tasks done"));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FINISHED);
  model = sw_window_get_model (win);
  client = sw_window_get_stream_client (win);
  g_assert_false (sw_timeline_model_get_running (model));
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), ==, finished);
  g_assert_cmpuint (sw_timeline_model_get_n_open_spans (model), ==, 0);
  g_assert_cmpuint (sw_timeline_model_get_n_submits (model), ==, finished);
  g_assert_nonnull (sw_timeline_model_find_lane_by_name (model, "worker 4"));
  g_assert_cmpuint (sw_stream_client_get_dropped (client), ==, 0);
  g_assert_cmpuint (sw_stream_client_get_received (client), ==, sw_stream_client_get_engine_recorded (client));
  console = sw_window_dup_console_text (win);
  g_assert_nonnull (strstr (console, "task 40 result: 40"));
  g_assert_nonnull (strstr (console, "summary: wall "));
  /* Run is back: the window may run its own now. */
  g_assert_true (button_enabled (win, "win.run"));

  gtk_window_destroy (GTK_WINDOW (win));

  /* A new window (a new session) offers the address watched last, and
   * never the token. */
  win = ui_test_open_window ("thread-pool", 1400, 860);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.connect", NULL));
  dialog = find_connect_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (sw_connect_dialog_get_address (dialog), ==, engine.address);
  g_assert_cmpstr (sw_connect_dialog_get_token (dialog), ==, "");
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (win));
  engine_clear (&engine);
}

/* Joining a run under way: the backlog lands at the times it happened on
 * the engine's timeline (from 0, not before it), and killing the engine
 * turns the link to "Reconnecting" with the last picture kept. */
static void
test_late_join_then_engine_killed (void)
{
  const char * const extra[] = { "--set", "scale=0.05", "--set", "tasks=200", NULL };
  g_autoptr(GError) error = NULL;
  Engine engine;
  SwWindow *win;
  SwTimelineModel *model;
  const SwTimelineLane *main_lane;
  const SwTimelineMark *first_submit;
  gint64 joined_ns;
  guint n_spans;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  engine_start (&engine, extra);
  win = ui_test_open_window ("thread-pool", 1400, 860);

  /* Wait until the engine has done something worth a backlog. */
  for (;;)
    {
      g_autofree char *line = NULL;

      g_assert_cmpint (g_io_channel_read_line (engine.out, &line, NULL, NULL, NULL), ==, G_IO_STATUS_NORMAL);
      if (g_str_has_prefix (line, "done-callback of task 4 "))
        break;
    }

  g_assert_true (sw_window_connect (win, engine.address, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ui_test_spin_until (win, is_live_with_tasks, 60.0));
  model = sw_window_get_model (win);
  joined_ns = sw_clock_monotonic_ns () -
              sw_stream_client_get_remote_origin_ns (sw_window_get_stream_client (win));

  /* The first submit happened after the engine began and before we came;
   * timed from the local copy's start it would lie before 0. */
  main_lane = sw_timeline_model_find_lane_by_name (model, "main");
  g_assert_nonnull (main_lane);
  g_assert_cmpuint (main_lane->submits->len, >, 0);
  first_submit = &g_array_index (main_lane->submits, SwTimelineMark, 0);
  g_assert_cmpint (sw_timeline_model_get_begin_ns (model), ==, 0);
  g_assert_cmpint (first_submit->time_ns, >=, 0);
  g_assert_cmpint (first_submit->time_ns, <, joined_ns);
  g_assert_nonnull (sw_timeline_model_find_lane_by_name (model, "worker 1"));

  g_assert_true (ui_test_spin_until (win, is_shown, 30.0));
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Live from 127.0.0.1:"));
  ui_test_draw_frames (win);
  ui_test_save_screenshot (win, "screenshot-remote.png");

  /* The engine dies mid-run: the link retries, the picture stays. */
  n_spans = sw_timeline_model_get_n_spans (model);
  kill (engine.pid, SIGKILL);
  g_assert_true (ui_test_spin_until (win, is_reconnecting, 30.0));
  g_test_message ("status: %s", sw_window_get_status_text (win));
  g_assert_true (sw_window_get_model (win) == model);
  g_assert_cmpuint (sw_timeline_model_get_n_spans (model), >=, n_spans);
  g_assert_false (sw_timeline_model_get_running (model));
  g_assert_false (button_enabled (win, "win.run"));

  /* Disconnect ends the retrying and gives Run back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.disconnect", NULL));
  g_assert_null (sw_window_get_stream_client (win));
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Disconnected from 127.0.0.1:"));
  g_assert_true (sw_window_get_model (win) == model);
  g_assert_true (button_enabled (win, "win.run"));

  gtk_window_destroy (GTK_WINDOW (win));
  engine_clear (&engine);
}

/* A wrong token is refused by the engine, and the window says why
 * instead of retrying. */
static void
test_wrong_token_refused (void)
{
  const char * const extra[] = { "--set", "scale=0.05", "--token", "right-token", "--wait-viewer", NULL };
  g_autoptr(GError) error = NULL;
  Engine engine;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  engine_start (&engine, extra);
  win = ui_test_open_window ("thread-pool", 1400, 860);

  g_assert_true (sw_window_connect (win, engine.address, "wrong-token", &error));
  g_assert_no_error (error);
  g_assert_true (ui_test_spin_until (win, is_disconnected, 30.0));
  g_test_message ("status: %s", sw_window_get_status_text (win));
  g_assert_true (g_str_has_prefix (sw_window_get_status_text (win), "Cannot watch · 127.0.0.1:"));
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "refused this viewer: wrong token"));
  g_assert_cmpint (sw_window_get_run_state (win), ==, SW_RUN_STATE_FAILED);
  g_assert_null (sw_window_get_model (win));
  g_assert_true (button_enabled (win, "win.run"));

  gtk_window_destroy (GTK_WINDOW (win));
  engine_clear (&engine);
}

/* ---- a viewer too slow for its engine --------------------------------- */

typedef struct {
  SwTrace *trace;
  guint    n;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;
  guint64 name = sw_trace_intern (p->trace, "value");

  sw_trace_name_thread (p->trace, "producer");
  for (guint i = 0; i < p->n; i++)
    sw_trace_record (p->trace, SW_EVENT_COUNTER, 0, name, i);

  return NULL;
}

static gboolean
says_dropped (gpointer win)
{
  SwStreamClient *client = sw_window_get_stream_client (win);
  g_autofree char *expected = NULL;

  if (sw_stream_client_get_dropped (client) == 0)
    return FALSE;
  expected = g_strdup_printf (" · %" G_GUINT64_FORMAT " events dropped for this viewer",
                              sw_stream_client_get_dropped (client));
  return strstr (sw_window_get_status_text (win), expected) != NULL;
}

/* An engine in this process (a real server on a real trace) records far
 * more than the window reads while its main loop is busy: the server
 * drops for this viewer, and the status bar says how many. */
static void
test_slow_viewer_drops_shown (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (3000000);
  g_autoptr(SwStreamServer) server = sw_stream_server_new (trace, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  Producer producer = { trace, 1000000 };
  gint64 deadline;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  sw_stream_server_set_max_lag (server, 50000);
  sw_stream_server_set_send_buffer (server, 256 * 1024);
  g_assert_true (sw_stream_server_listen (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  address = sw_stream_server_dup_address (server);

  win = ui_test_open_window ("thread-pool", 1400, 860);
  g_assert_true (sw_window_connect (win, address, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ui_test_spin_until (win, is_live, 30.0));
  g_assert_null (strstr (sw_window_get_status_text (win), "dropped"));

  /* The window reads nothing meanwhile: its main loop is here. */
  g_thread_join (g_thread_new ("producer", producer_thread, &producer));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (sw_stream_server_get_dropped (server) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  g_assert_cmpuint (sw_stream_server_get_dropped (server), >, 0);

  g_assert_true (ui_test_spin_until (win, says_dropped, 30.0));
  g_test_message ("status: %s", sw_window_get_status_text (win));
  g_assert_cmpint (link_state (win), ==, SW_STREAM_STATE_LIVE);

  sw_window_disconnect (win);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  /* The engine's token must come from the test, not the environment. */
  g_unsetenv (SW_STREAM_TOKEN_ENV);
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Remote/connect-dialog-live-then-ended", test_connect_dialog_live_then_ended);
  g_test_add_func ("/Sw/Remote/late-join-then-engine-killed", test_late_join_then_engine_killed);
  g_test_add_func ("/Sw/Remote/wrong-token-refused", test_wrong_token_refused);
  g_test_add_func ("/Sw/Remote/slow-viewer-drops-shown", test_slow_viewer_drops_shown);

  return ui_test_run ();
}
