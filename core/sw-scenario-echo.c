/* sw-scenario-echo.c — lesson 5: one thread serves the client army
 *
 * echo-flood runs the coroutine echo server on a thread of its own (its
 * thread-default context, its connection coroutines as lanes under it)
 * and floods it from the scenario's thread over loopback: the clients as
 * coroutines of that thread, or as one OS thread each, the lesson's way.
 * Both sides record into the run's trace; the server's counters (open
 * connections, messages/s, switches/s) are the server's own COUNTER
 * events.  Nothing here sleeps, so there is no scale parameter.
 *
 * Stop cancels the flood; the server is then stopped the same way as
 * after a normal end.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "sw-echo-server.h"
#include "sw-error.h"
#include "sw-flood.h"
#include "sw-scenario.h"

static const char * const mode_choices[] = { NC_("parameter choice", "coroutines"), NC_("parameter choice", "threads"), NULL };

static const SwParamSpec echo_flood_params[] = {
  { NC_("parameter name", "clients"),  SW_PARAM_INT,    "500",        1, SW_FLOOD_MAX_COROUTINES, NULL,
    N_("Clients connected at once (threads: at most 1000)") },
  { NC_("parameter name", "messages"), SW_PARAM_INT,    "20",         1, 1000000, NULL, N_("Messages each client sends") },
  { NC_("parameter name", "mode"),     SW_PARAM_CHOICE, "coroutines", 0, 0,       mode_choices,
    N_("Clients as coroutines on one thread, or one OS thread each") },
};

/* Server side: its own thread and context; the flood waits for its port. */
typedef struct {
  SwTrace      *trace;          /* the run's */
  GCancellable *cancellable;    /* ends serve; owned */
  GMutex        mutex;
  GCond         cond;
  /* guarded by mutex */
  gboolean      ready;
  SwEchoServer *server;         /* NULL if it could not start; owned */
  GError       *error;
} ServerThread;

static gpointer
server_thread (gpointer data)
{
  ServerThread *st = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  SwEchoServer *server;

  g_main_context_push_thread_default (context);
  sw_trace_name_thread (st->trace, "echo server");
  server = sw_echo_server_new (st->trace, "127.0.0.1", 0, &error);

  g_mutex_lock (&st->mutex);
  st->server = server ? g_object_ref (server) : NULL;
  st->error = g_steal_pointer (&error);
  st->ready = TRUE;
  g_cond_signal (&st->cond);
  g_mutex_unlock (&st->mutex);

  if (server != NULL)
    {
      /* Ends only by the cancellable (no duration). */
      if (!sw_echo_server_serve (server, st->cancellable, -1, &error))
        g_warning ("echo server: %s", error->message);
      sw_echo_server_stop (server);
      /* Stopped on its thread: the body may read the counters and drop
       * the last reference. */
      g_object_unref (server);
    }

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static gboolean
check_echo_flood (const SwParams  *params,
                  GError         **error)
{
  SwFloodMode mode = SW_FLOOD_MODE_COROUTINES;
  gint64 clients = sw_params_get_int (params, "clients");

  sw_flood_mode_from_string (sw_params_get_string (params, "mode"), &mode);
  if (mode == SW_FLOOD_MODE_THREADS && clients > SW_FLOOD_MAX_THREADS)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("mode=threads runs at most %u clients (one OS thread each), not %" PRId64),
                   SW_FLOOD_MAX_THREADS, clients);
      return FALSE;
    }
  return TRUE;
}

static gboolean
echo_flood_body (SwScenarioRun  *run,
                 GError        **error)
{
  const SwParams *p = sw_scenario_run_get_params (run);
  SwTrace *trace = sw_scenario_run_get_trace (run);
  ServerThread st = { 0 };
  SwFloodOptions options;
  SwFloodResult result = { 0 };
  g_autofree char *summary = NULL;
  GMainContext *context;
  GThread *thread;
  gboolean ok;

  if (!check_echo_flood (p, error))
    return FALSE;

  sw_flood_options_init (&options);
  options.clients = (guint) sw_params_get_int (p, "clients");
  options.messages = (guint64) sw_params_get_int (p, "messages");
  sw_flood_mode_from_string (sw_params_get_string (p, "mode"), &options.mode);
  /* The server's connections live in this process too. */
  options.reserve_fds = options.clients + 16;
  /* Checked before any thread starts, so a too-low limit is one clear error. */
  if (!sw_flood_ensure_fds (options.clients, options.clients + options.reserve_fds + 10, error))
    return FALSE;

  st.trace = trace;
  st.cancellable = g_cancellable_new ();
  g_mutex_init (&st.mutex);
  g_cond_init (&st.cond);
  thread = g_thread_new ("echo-server", server_thread, &st);

  g_mutex_lock (&st.mutex);
  while (!st.ready)
    g_cond_wait (&st.cond, &st.mutex);
  g_mutex_unlock (&st.mutex);

  if (st.server == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&st.error));
      ok = FALSE;
      goto out;
    }

  options.port = sw_echo_server_get_port (st.server);
  sw_scenario_run_print (run, _("echo server on one thread, listening on %s:%u"),
                         sw_echo_server_get_host (st.server), options.port);
  sw_scenario_run_print (run, _("flood: %u clients × %" PRIu64 " messages, as %s"),
                         options.clients, options.messages,
                         options.mode == SW_FLOOD_MODE_THREADS ? _("one OS thread each")
                                                               : _("coroutines on this thread"));

  /* The flood's coroutines need this thread's own context (a GUI run
   * thread must not lend them the GUI's). */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  ok = sw_flood_run (&options, trace, sw_scenario_run_get_cancellable (run), &result, error);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (result.clients > 0)
    {
      summary = sw_flood_result_format (&result);
      sw_scenario_run_print (run, "%s", summary);
    }
  if (ok && result.errors > 0)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_FAILED, _("flood: %" PRIu64
                   " errors; the first: %s"), result.errors, result.first_error);
      ok = FALSE;
    }

out:
  g_cancellable_cancel (st.cancellable);
  g_thread_join (thread);
  if (st.server != NULL)
    sw_scenario_run_print (run, _("server: accepted %" PRIu64 " messages %" PRIu64
                           " errors %" PRIu64),
                           sw_echo_server_get_n_accepted (st.server),
                           sw_echo_server_get_n_messages (st.server),
                           sw_echo_server_get_n_errors (st.server));
  g_clear_object (&st.server);
  g_clear_error (&st.error);
  g_object_unref (st.cancellable);
  g_cond_clear (&st.cond);
  g_mutex_clear (&st.mutex);
  sw_flood_result_clear (&result);
  return ok;
}

const SwScenario sw_scenario_echo_flood = {
  .name = "echo-flood",
  .title = N_("Echo server and client flood"),
  .description = N_("Lesson 5: a coroutine echo server on one thread serves hundreds of clients "
                    "at once; every reply is checked, open connections and messages per second "
                    "are counted."),
  .params = echo_flood_params,
  .n_params = G_N_ELEMENTS (echo_flood_params),
  .body = echo_flood_body,
  .check = check_echo_flood,
};
