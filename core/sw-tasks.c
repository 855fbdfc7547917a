/* sw-tasks.c — the named tasks of the lessons
 *
 * Each prints where it runs (pid and thread) the way the lessons' print()
 * does, so the place of execution is visible in the output as well as on
 * the timeline.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-tasks.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw-error.h"
#include "sw-variant-private.h"

static long
current_tid (void)
{
  return (long) syscall (SYS_gettid);
}

/* (u index, d min_s, d max_s) → u index: lesson 1's task(name). */
static GVariant *
sleep_random_task (SwTaskContext  *context,
                   GVariant       *args,
                   GError        **error)
{
  guint32 index;
  double min_s, max_s, seconds;

  g_variant_get (args, "(udd)", &index, &min_s, &max_s);
  seconds = max_s > min_s ? g_random_double_range (min_s, max_s) : min_s;
  sw_task_print (context, _("task %u is running in process %d on thread %ld, sleeping %.2f s"),
                 index, getpid (), current_tid (), seconds);
  if (!sw_sleep_cancellable ((gint64) (seconds * G_USEC_PER_SEC), context->cancellable))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_CANCELLED, _("task %u stopped"), index);
      return NULL;
    }
  return g_variant_new_uint32 (index);
}

/* (d seconds) → b: a plain sleep, for tests that need a task to be busy. */
static GVariant *
sleep_task (SwTaskContext  *context,
            GVariant       *args,
            GError        **error)
{
  double seconds;

  g_variant_get (args, "(d)", &seconds);
  if (!sw_sleep_cancellable ((gint64) (seconds * G_USEC_PER_SEC), context->cancellable))
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_CANCELLED, _("sleep stopped"));
      return NULL;
    }
  return g_variant_new_boolean (TRUE);
}

/* (u ms) → t iterations: burns CPU for @ms of wall time. */
static GVariant *
cpu_spin_task (SwTaskContext  *context,
               GVariant       *args,
               GError        **error)
{
  guint32 ms;
  gint64 deadline;
  volatile guint64 iterations = 0;

  g_variant_get (args, "(u)", &ms);
  deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < deadline)
    {
      for (guint i = 0; i < 1000; i++)
        iterations++;
      if (g_cancellable_is_cancelled (context->cancellable))
        break;
    }
  return g_variant_new_uint64 (iterations);
}

/* (v) → its content: returns at once; what benchmarks submit. */
static GVariant *
return_value_task (SwTaskContext  *context,
                   GVariant       *args,
                   GError        **error)
{
  GVariant *boxed = g_variant_get_child_value (args, 0);
  GVariant *value = g_variant_get_variant (boxed);

  g_variant_unref (boxed);
  return value;
}

/* (u i, d seconds) → u i: lesson 2's get(i), "downloading". */
static GVariant *
download_task (SwTaskContext  *context,
               GVariant       *args,
               GError        **error)
{
  guint32 i;
  double seconds;

  g_variant_get (args, "(ud)", &i, &seconds);
  sw_task_print (context, _("process %d thread %ld downloads page %u (%.2f s)"),
                 getpid (), current_tid (), i, seconds);
  if (!sw_sleep_cancellable ((gint64) (seconds * G_USEC_PER_SEC), context->cancellable))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_CANCELLED, _("download %u stopped"), i);
      return NULL;
    }
  return g_variant_new_uint32 (i);
}

/* (u i, d seconds) → u i: lesson 2's parse(i). */
static GVariant *
parse_task (SwTaskContext  *context,
            GVariant       *args,
            GError        **error)
{
  guint32 i;
  double seconds;

  g_variant_get (args, "(ud)", &i, &seconds);
  sw_task_print (context, _("process %d thread %ld parses page %u (%.2f s)"),
                 getpid (), current_tid (), i, seconds);
  if (!sw_sleep_cancellable ((gint64) (seconds * G_USEC_PER_SEC), context->cancellable))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_CANCELLED, _("parse %u stopped"), i);
      return NULL;
    }
  return g_variant_new_uint32 (i);
}

/* (u i, d download_s, d parse_s) → u i: lesson 2 coupled, get(i) calling
 * parse(i) itself, in the same worker. */
static GVariant *
download_and_parse_task (SwTaskContext  *context,
                         GVariant       *args,
                         GError        **error)
{
  g_autoptr(GVariant) download_args = NULL;
  g_autoptr(GVariant) parse_args = NULL;
  g_autoptr(GVariant) page = NULL;
  guint32 i;
  double download_s, parse_s;

  g_variant_get (args, "(udd)", &i, &download_s, &parse_s);
  download_args = g_variant_ref_sink (g_variant_new ("(ud)", i, download_s));
  parse_args = g_variant_ref_sink (g_variant_new ("(ud)", i, parse_s));
  page = download_task (context, download_args, error);
  if (page == NULL)
    return NULL;
  return parse_task (context, parse_args, error);
}

/* (s message) → an error: what a raising task looks like. */
static GVariant *
fail_task (SwTaskContext  *context,
           GVariant       *args,
           GError        **error)
{
  const char *message;

  g_variant_get (args, "(&s)", &message);
  g_set_error_literal (error, SW_ERROR, SW_ERROR_FAILED, message);
  return NULL;
}

/* () → never: aborts its worker process, to show a broken pool. */
static GVariant *
crash_task (SwTaskContext  *context,
            GVariant       *args,
            GError        **error)
{
  if (!context->in_worker)
    {
      g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                           _("the crash task only runs in a worker process"));
      return NULL;
    }
  sw_task_print (context, _("process %d crashes on purpose"), getpid ());
  abort ();
}

static const SwTaskInfo tasks[] = {
  { "sleep_random", "(udd)", "print where it runs, sleep between min and max seconds, return the index", sleep_random_task },
  { "sleep",        "(d)",   "sleep that many seconds", sleep_task },
  { "cpu_spin",     "(u)",   "burn CPU for that many milliseconds", cpu_spin_task },
  { "return_value", "(v)",   "return the value at once", return_value_task },
  { "download",     "(ud)",  "lesson 2: download page i (sleep), return i", download_task },
  { "parse",        "(ud)",  "lesson 2: parse page i (sleep), return i", parse_task },
  { "download_and_parse", "(udd)", "lesson 2 coupled: download then parse page i in one task", download_and_parse_task },
  { "fail",         "(s)",   "fail with the message", fail_task },
  { "crash",        "()",    "abort the worker process", crash_task },
};

const SwTaskInfo *
sw_tasks_list (guint *n_tasks)
{
  if (n_tasks)
    *n_tasks = G_N_ELEMENTS (tasks);
  return tasks;
}

const SwTaskInfo *
sw_tasks_lookup (const char  *name,
                 GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    if (g_strcmp0 (tasks[i].name, name) == 0)
      return &tasks[i];

  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT, _("unknown task '%s'"), name ? name : "");
  return NULL;
}

/**
 * sw_tasks_run:
 * @args: (nullable): the arguments, of the task's type; floating is fine
 *
 * Returns: (transfer full) (nullable): the result, or NULL with @error
 */
GVariant *
sw_tasks_run (SwTaskContext  *context,
              const char     *name,
              GVariant       *args,
              GError        **error)
{
  const SwTaskInfo *info = sw_tasks_lookup (name, error);
  g_autoptr(GVariant) owned_args = NULL;
  GVariant *result;

  if (info == NULL)
    return NULL;

  owned_args = args ? sw_variant_ref_sink (args) : g_variant_ref_sink (g_variant_new ("()"));
  if (!g_variant_is_of_type (owned_args, G_VARIANT_TYPE (info->args_type)))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("task '%s' takes %s, not %s"), name, info->args_type,
                   g_variant_get_type_string (owned_args));
      return NULL;
    }

  result = info->func (context, owned_args, error);
  if (result == NULL && error != NULL && *error == NULL)
    g_set_error (error, SW_ERROR, SW_ERROR_FAILED, _("task '%s' returned nothing"), name);
  /* Tasks return a new or a floating reference: own it either way. */
  return result ? sw_variant_take_ref (result) : NULL;
}

void
sw_task_print (SwTaskContext *context,
               const char    *format,
               ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  if (context->trace != NULL)
    sw_trace_record (context->trace, SW_EVENT_LOG, 0, 0, sw_trace_intern (context->trace, line));
  if (context->print != NULL)
    context->print (line, context->print_data);
}

/**
 * sw_sleep_cancellable:
 *
 * Sleeps like time.sleep(), but wakes at once when @cancellable is
 * cancelled.
 *
 * Returns: FALSE if it was cancelled
 */
gboolean
sw_sleep_cancellable (gint64        duration_us,
                      GCancellable *cancellable)
{
  GPollFD pollfd;
  gint64 deadline;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_usleep (MAX (duration_us, 0));
      return !g_cancellable_is_cancelled (cancellable);
    }

  deadline = g_get_monotonic_time () + duration_us;
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_cancellable_is_cancelled (cancellable) || left <= 0)
        break;
      /* Round up: g_poll counts milliseconds, and waking early would spin. */
      g_poll (&pollfd, 1, (gint) MIN ((left + 999) / 1000, G_MAXINT));
    }
  g_cancellable_release_fd (cancellable);

  return !g_cancellable_is_cancelled (cancellable);
}
