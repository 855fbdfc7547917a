/* test-tasks.c — the named tasks do what the lessons need */
#include "config.h"

#include <unistd.h>

#include "switchyard.h"

static void
collect_line_cb (const char *line,
                 gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static void
test_tasks_sleep_random_prints_where_it_runs (void)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  SwTaskContext ctx = { trace, NULL, collect_line_cb, lines, FALSE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = sw_tasks_run (&ctx, "sleep_random", g_variant_new ("(udd)", 7, 0.01, 0.02), &error);
  g_autofree char *pid = g_strdup_printf ("in process %d on thread", getpid ());
  g_autoptr(GArray) events = sw_trace_dup_events (trace);

  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_get_uint32 (result), ==, 7);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (lines, 0), "task 7 is running "));
  g_assert_nonnull (strstr (g_ptr_array_index (lines, 0), pid));
  /* The line is recorded too, for the timeline's console. */
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpuint (g_array_index (events, SwEvent, 0).kind, ==, SW_EVENT_LOG);
}

static void
test_tasks_return_value_and_fail (void)
{
  SwTaskContext ctx = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = sw_tasks_run (&ctx, "return_value", g_variant_new ("(v)", g_variant_new_string ("hi")), &error);
  g_autoptr(GVariant) none = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "hi");

  none = sw_tasks_run (&ctx, "fail", g_variant_new ("(s)", "boom"), &error);
  g_assert_null (none);
  g_assert_error (error, SW_ERROR, SW_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "boom");
}

static void
test_tasks_bad_calls_refused (void)
{
  SwTaskContext ctx = { 0 };
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  g_assert_null (sw_tasks_run (&ctx, "no_such_task", NULL, &e1));
  g_assert_error (e1, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_null (sw_tasks_run (&ctx, "cpu_spin", g_variant_new ("(s)", "x"), &e2));
  g_assert_error (e2, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  /* crash would take the whole app down in a thread: refused there. */
  g_assert_null (sw_tasks_run (&ctx, "crash", NULL, &e3));
  g_assert_error (e3, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
}

static gpointer
cancel_soon_worker (gpointer data)
{
  g_usleep (20000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_tasks_sleep_wakes_on_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SwTaskContext ctx = { NULL, cancellable, NULL, NULL, FALSE };
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_new ("cancel", cancel_soon_worker, cancellable);
  g_autoptr(GVariant) v = sw_tasks_run (&ctx, "sleep", g_variant_new ("(d)", 60.0), &error);

  /* Had it slept the minute, meson's timeout would have failed us. */
  g_assert_null (v);
  g_assert_error (error, SW_ERROR, SW_ERROR_CANCELLED);
  g_thread_join (thread);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Tasks/sleep-random-prints-where-it-runs", test_tasks_sleep_random_prints_where_it_runs);
  g_test_add_func ("/Sw/Tasks/return-value-and-fail", test_tasks_return_value_and_fail);
  g_test_add_func ("/Sw/Tasks/bad-calls-refused", test_tasks_bad_calls_refused);
  g_test_add_func ("/Sw/Tasks/sleep-wakes-on-cancel", test_tasks_sleep_wakes_on_cancel);

  return g_test_run ();
}
