/* test-trace-export.c — the Chrome JSON opens in Perfetto and says what happened */
#include "config.h"

#include <json-glib/json-glib.h>
#include <unistd.h>

#include "switchyard.h"

static JsonArray *
run_and_export (SwTrace   *trace,
                JsonNode **root_out)
{
  const SwScenario *s = sw_scenario_get_default ();
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_true (sw_params_set_assignment (p, "tasks=6", NULL));
  g_assert_true (sw_params_set_assignment (p, "workers=3", NULL));
  g_assert_true (sw_params_set_assignment (p, "min_sleep=0.01", NULL));
  g_assert_true (sw_params_set_assignment (p, "max_sleep=0.02", NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, NULL));

  json = sw_trace_to_chrome_json (trace);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (json, NULL),
                                             g_bytes_get_size (json), &error));
  g_assert_no_error (error);
  *root_out = json_node_copy (json_parser_get_root (parser));
  root = json_node_get_object (*root_out);
  return json_object_get_array_member (root, "traceEvents");
}

static void
test_trace_export_chrome_json (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *events = run_and_export (trace, &root);
  g_autoptr(GHashTable) named_tids = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) flow_starts = g_hash_table_new (NULL, NULL);
  guint n_tasks = 0, n_flow_ends = 0, n_callbacks = 0, n_main_named = 0, n_ctx = 0;

  g_assert_nonnull (events);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *ph = json_object_get_string_member (e, "ph");
      gint64 tid = json_object_has_member (e, "tid") ? json_object_get_int_member (e, "tid") : -1;

      g_assert_nonnull (ph);
      g_assert_cmpint (json_object_get_int_member (e, "pid"), ==, getpid ());

      if (g_str_equal (ph, "M") && g_str_equal (json_object_get_string_member (e, "name"), "thread_name"))
        {
          const char *name = json_object_get_string_member (json_object_get_object_member (e, "args"), "name");

          g_hash_table_add (named_tids, GINT_TO_POINTER ((gint) tid));
          if (g_str_has_prefix (name, "main"))
            n_main_named++;
        }
      else if (g_str_equal (ph, "X") && g_str_equal (json_object_get_string_member (e, "cat"), "task"))
        {
          n_tasks++;
          /* A task runs on a real worker thread, never the main one. */
          g_assert_cmpint (tid, !=, getpid ());
          g_assert_true (g_hash_table_contains (named_tids, GINT_TO_POINTER ((gint) tid)));
          g_assert_true (g_str_has_prefix (json_object_get_string_member (e, "name"), "task "));
          g_assert_cmpfloat (json_object_get_double_member (e, "dur"), >, 5000.0); /* ≥ 10 ms sleeps, in µs */
        }
      else if (g_str_equal (ph, "C") && json_object_has_member (e, "cat") &&
               g_str_equal (json_object_get_string_member (e, "cat"), "ctx"))
        {
          /* OS context switches: a counter track per thread, both kinds. */
          JsonObject *args = json_object_get_object_member (e, "args");

          n_ctx++;
          g_assert_true (g_hash_table_contains (named_tids, GINT_TO_POINTER ((gint) tid)));
          g_assert_true (json_object_has_member (args, "voluntary"));
          g_assert_true (json_object_has_member (args, "involuntary"));
        }
      else if (g_str_equal (ph, "s"))
        g_hash_table_add (flow_starts, GINT_TO_POINTER ((gint) json_object_get_int_member (e, "id")));
      else if (g_str_equal (ph, "f"))
        {
          g_assert_true (g_hash_table_contains (flow_starts, GINT_TO_POINTER ((gint) json_object_get_int_member (e, "id"))));
          n_flow_ends++;
        }
      else if (g_str_equal (ph, "X") && g_str_equal (json_object_get_string_member (e, "cat"), "callback"))
        {
          /* A slice, so a replay keeps how long the callback ran. */
          n_callbacks++;
          g_assert_cmpint (tid, !=, getpid ()); /* thread pool: on the worker */
          g_assert_true (json_object_has_member (e, "dur"));
          g_assert_cmpfloat (json_object_get_double_member (e, "dur"), >=, 0.0);
        }
    }

  g_assert_cmpuint (n_main_named, ==, 1);
  g_assert_cmpuint (n_tasks, ==, 6);
  g_assert_cmpuint (g_hash_table_size (flow_starts), ==, 6);
  g_assert_cmpuint (n_flow_ends, ==, 6);
  g_assert_cmpuint (n_callbacks, ==, 6);
  g_assert_cmpuint (n_ctx, >, 0);
}

static void
test_trace_export_coroutines (void)
{
  const SwScenario *s = sw_scenario_lookup ("spawn-joinall", NULL);
  g_autoptr(SwParams) p = sw_params_new (s);
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwScenarioRun) run = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) recorded = NULL;
  g_autoptr(GHashTable) flow_starts = g_hash_table_new (NULL, NULL);
  JsonArray *events;
  guint n_switches = 0, n_flow_ends = 0, n_runs = 0, n_sleeps = 0, n_exits = 0;

  g_assert_true (sw_params_set_assignment (p, "scale=0.02", NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, NULL));

  recorded = sw_trace_dup_events (trace);
  for (guint i = 0; i < recorded->len; i++)
    n_switches += g_array_index (recorded, SwEvent, i).kind == SW_EVENT_CO_SWITCH;
  g_assert_cmpuint (n_switches, >, 0);

  json = sw_trace_to_chrome_json (trace);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (json, NULL),
                                             g_bytes_get_size (json), NULL));
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "traceEvents");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *ph = json_object_get_string_member (e, "ph");
      const char *name = json_object_get_string_member (e, "name");
      const char *cat = json_object_has_member (e, "cat") ? json_object_get_string_member (e, "cat") : "";

      if (g_str_equal (ph, "X") && g_str_equal (cat, "coroutine"))
        {
          /* Coroutines share their thread's tid: each gets its own track. */
          g_assert_cmpint (json_object_get_int_member (e, "tid"), >=, 1000000);
          n_runs++;
        }
      else if (g_str_equal (ph, "X") && g_str_equal (name, "wait: sleep"))
        n_sleeps++;
      else if (g_str_equal (ph, "s") && g_str_equal (cat, "coroutine"))
        g_hash_table_add (flow_starts, GINT_TO_POINTER ((gint) json_object_get_int_member (e, "id")));
      else if (g_str_equal (ph, "f") && g_str_equal (cat, "coroutine"))
        {
          g_assert_true (g_hash_table_contains (flow_starts, GINT_TO_POINTER ((gint) json_object_get_int_member (e, "id"))));
          n_flow_ends++;
        }
      else if (g_str_equal (ph, "i") && g_str_equal (cat, "coroutine") && g_str_has_prefix (name, "exit"))
        n_exits++;
    }

  /* An arrow per switch; play, play and eat each slept once and ran. */
  g_assert_cmpuint (n_flow_ends, ==, n_switches);
  g_assert_cmpuint (g_hash_table_size (flow_starts), ==, n_switches);
  g_assert_cmpuint (n_sleeps, ==, 3);
  g_assert_cmpuint (n_runs, >=, 3);
  g_assert_cmpuint (n_exits, ==, 3);
}

static void
test_trace_export_escapes_strings (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GBytes) json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *events;
  gboolean found = FALSE;
  gboolean found_counter = FALSE;

  sw_trace_log (trace, "quote \" backslash \\ newline \n tab \t bell \a 中文");
  sw_trace_record (trace, SW_EVENT_COUNTER, 0, sw_trace_intern (trace, "connections"), 42);
  json = sw_trace_to_chrome_json (trace);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (json, NULL),
                                             g_bytes_get_size (json), &error));
  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "traceEvents");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);

      if (g_str_equal (json_object_get_string_member (e, "ph"), "C"))
        {
          g_assert_cmpstr (json_object_get_string_member (e, "name"), ==, "connections");
          g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (e, "args"), "value"), ==, 42);
          found_counter = TRUE;
        }
      if (g_str_equal (json_object_get_string_member (e, "ph"), "i"))
        {
          g_assert_cmpstr (json_object_get_string_member (e, "name"), ==,
                           "quote \" backslash \\ newline \n tab \t bell \a 中文");
          found = TRUE;
        }
    }
  g_assert_true (found);
  g_assert_true (found_counter);
}

static void
test_trace_export_unwritable_path_fails (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;

  g_assert_false (sw_trace_save_chrome_json (trace, "/nonexistent-dir/x.json", &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_IO);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/TraceExport/chrome-json", test_trace_export_chrome_json);
  g_test_add_func ("/Sw/TraceExport/coroutines", test_trace_export_coroutines);
  g_test_add_func ("/Sw/TraceExport/escapes-strings", test_trace_export_escapes_strings);
  g_test_add_func ("/Sw/TraceExport/unwritable-path-fails", test_trace_export_unwritable_path_fails);

  return g_test_run ();
}
