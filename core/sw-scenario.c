/* sw-scenario.c — the scenario registry, parameter values and runs */
#include "config.h"

#include "sw-scenario.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>

#include "sw-ctx-switches.h"
#include "sw-error.h"
#include "sw-stats.h"
#include "sw-tasks.h"

extern const SwScenario sw_scenario_thread_pool;
extern const SwScenario sw_scenario_process_pool;
extern const SwScenario sw_scenario_callbacks;
extern const SwScenario sw_scenario_spawn_joinall;
extern const SwScenario sw_scenario_io_vs_cpu;
extern const SwScenario sw_scenario_echo_flood;

static const SwScenario * const scenarios[] = {
  &sw_scenario_thread_pool,
  &sw_scenario_process_pool,
  &sw_scenario_callbacks,
  &sw_scenario_spawn_joinall,
  &sw_scenario_io_vs_cpu,
  &sw_scenario_echo_flood,
};

/**
 * sw_scenario_list:
 *
 * Returns: (transfer none) (array length=n_scenarios): every scenario
 */
const SwScenario * const *
sw_scenario_list (guint *n_scenarios)
{
  if (n_scenarios)
    *n_scenarios = G_N_ELEMENTS (scenarios);
  return scenarios;
}

const SwScenario *
sw_scenario_get_default (void)
{
  return scenarios[0];
}

const SwScenario *
sw_scenario_lookup (const char  *name,
                    GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if (g_strcmp0 (scenarios[i]->name, name) == 0)
      return scenarios[i];

  g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
               _("unknown scenario '%s' (try 'switchyard-cli list')"), name ? name : "");
  return NULL;
}

const SwParamSpec *
sw_scenario_find_param (const SwScenario *scenario,
                        const char       *key)
{
  g_return_val_if_fail (scenario != NULL, NULL);

  for (guint i = 0; i < scenario->n_params; i++)
    if (g_strcmp0 (scenario->params[i].key, key) == 0)
      return &scenario->params[i];
  return NULL;
}

/* Parameter values: validated strings, parsed again on read. */

struct _SwParams
{
  const SwScenario *scenario;
  char            **values;   /* one per scenario->params, owned */
};

SwParams *
sw_params_new (const SwScenario *scenario)
{
  SwParams *params;

  g_return_val_if_fail (scenario != NULL, NULL);

  params = g_new0 (SwParams, 1);
  params->scenario = scenario;
  params->values = g_new0 (char *, scenario->n_params + 1);
  for (guint i = 0; i < scenario->n_params; i++)
    params->values[i] = g_strdup (scenario->params[i].default_value);
  return params;
}

void
sw_params_free (SwParams *params)
{
  if (params == NULL)
    return;
  g_strfreev (params->values);
  g_free (params);
}

SwParams *
sw_params_copy (const SwParams *params)
{
  SwParams *copy;

  g_return_val_if_fail (params != NULL, NULL);

  copy = g_new0 (SwParams, 1);
  copy->scenario = params->scenario;
  copy->values = g_strdupv (params->values);
  return copy;
}

static gboolean
parse_number (const SwParamSpec  *spec,
              const char         *value,
              double             *out,
              GError            **error)
{
  char *end = NULL;
  double number;

  if (spec->type == SW_PARAM_INT)
    {
      gint64 i;

      if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &i, NULL))
        {
          g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                       _("%s: '%s' is not a whole number"), spec->key, value);
          return FALSE;
        }
      number = (double) i;
    }
  else
    {
      number = g_ascii_strtod (value, &end);
      if (end == value || *end != '\0' || !isfinite (number))
        {
          g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                       _("%s: '%s' is not a number"), spec->key, value);
          return FALSE;
        }
    }

  if (number < spec->minimum || number > spec->maximum)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("%s: %s is out of range (%g to %g)"), spec->key, value,
                   spec->minimum, spec->maximum);
      return FALSE;
    }

  *out = number;
  return TRUE;
}

gboolean
sw_params_set (SwParams    *params,
               const char  *key,
               const char  *value,
               GError     **error)
{
  const SwParamSpec *spec;
  double number;
  guint index;

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  spec = sw_scenario_find_param (params->scenario, key);
  if (spec == NULL)
    {
      g_autoptr(GString) keys = g_string_new (NULL);

      for (guint i = 0; i < params->scenario->n_params; i++)
        g_string_append_printf (keys, "%s%s", i ? ", " : "", params->scenario->params[i].key);
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("scenario '%s' has no parameter '%s' (it has: %s)"),
                   params->scenario->name, key, keys->str);
      return FALSE;
    }

  switch (spec->type)
    {
    case SW_PARAM_INT:
    case SW_PARAM_DOUBLE:
      if (!parse_number (spec, value, &number, error))
        return FALSE;
      break;

    case SW_PARAM_CHOICE:
      if (!g_strv_contains (spec->choices, value))
        {
          g_autofree char *choices = g_strjoinv ("|", (char **) spec->choices);

          g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                       _("%s: '%s' is not one of %s"), key, value, choices);
          return FALSE;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  index = spec - params->scenario->params;
  g_free (params->values[index]);
  params->values[index] = g_strdup (value);
  return TRUE;
}

gboolean
sw_params_set_assignment (SwParams    *params,
                          const char  *key_equals_value,
                          GError     **error)
{
  const char *eq;
  g_autofree char *key = NULL;

  g_return_val_if_fail (key_equals_value != NULL, FALSE);

  eq = strchr (key_equals_value, '=');
  if (eq == NULL || eq == key_equals_value)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not KEY=VALUE"), key_equals_value);
      return FALSE;
    }
  key = g_strndup (key_equals_value, eq - key_equals_value);
  return sw_params_set (params, key, eq + 1, error);
}

static const char *
lookup_value (const SwParams *params,
              const char     *key,
              SwParamType     type)
{
  const SwParamSpec *spec = sw_scenario_find_param (params->scenario, key);

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->type == type, NULL);
  return params->values[spec - params->scenario->params];
}

const char *
sw_params_get_string (const SwParams *params,
                      const char     *key)
{
  const SwParamSpec *spec;

  g_return_val_if_fail (params != NULL, NULL);

  spec = sw_scenario_find_param (params->scenario, key);
  g_return_val_if_fail (spec != NULL, NULL);
  return params->values[spec - params->scenario->params];
}

gint64
sw_params_get_int (const SwParams *params,
                   const char     *key)
{
  const char *value = lookup_value (params, key, SW_PARAM_INT);

  return value ? g_ascii_strtoll (value, NULL, 10) : 0;
}

double
sw_params_get_double (const SwParams *params,
                      const char     *key)
{
  const char *value = lookup_value (params, key, SW_PARAM_DOUBLE);

  return value ? g_ascii_strtod (value, NULL) : 0.0;
}

/* Runs */

struct _SwScenarioRun
{
  const SwScenario  *scenario;
  SwParams          *params;
  SwTrace           *trace;
  GCancellable      *cancellable;
  SwScenarioLineFunc line_func;
  gpointer           line_data;
};

SwScenarioRun *
sw_scenario_run_new (const SwScenario *scenario,
                     const SwParams   *params,
                     SwTrace          *trace)
{
  SwScenarioRun *run;

  g_return_val_if_fail (scenario != NULL, NULL);
  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  run = g_new0 (SwScenarioRun, 1);
  run->scenario = scenario;
  run->params = params ? sw_params_copy (params) : sw_params_new (scenario);
  run->trace = g_object_ref (trace);
  run->cancellable = g_cancellable_new ();
  return run;
}

void
sw_scenario_run_free (SwScenarioRun *run)
{
  if (run == NULL)
    return;
  sw_params_free (run->params);
  g_object_unref (run->trace);
  g_object_unref (run->cancellable);
  g_free (run);
}

void
sw_scenario_run_set_line_func (SwScenarioRun      *run,
                               SwScenarioLineFunc  func,
                               gpointer            user_data)
{
  g_return_if_fail (run != NULL);
  run->line_func = func;
  run->line_data = user_data;
}

GCancellable *
sw_scenario_run_get_cancellable (SwScenarioRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->cancellable;
}

const SwScenario *
sw_scenario_run_get_scenario (SwScenarioRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->scenario;
}

SwTrace *
sw_scenario_run_get_trace (SwScenarioRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->trace;
}

const SwParams *
sw_scenario_run_get_params (SwScenarioRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  return run->params;
}

gboolean
sw_scenario_run_is_cancelled (SwScenarioRun *run)
{
  g_return_val_if_fail (run != NULL, TRUE);
  return g_cancellable_is_cancelled (run->cancellable);
}

/* The print() of the lessons: recorded on the caller's lane, and shown. */
void
sw_scenario_run_print (SwScenarioRun *run,
                       const char    *format,
                       ...)
{
  g_autofree char *line = NULL;
  va_list args;

  g_return_if_fail (run != NULL);

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  sw_trace_record (run->trace, SW_EVENT_LOG, 0, 0, sw_trace_intern (run->trace, line));
  if (run->line_func)
    run->line_func (line, run->line_data);
}

/* A line already recorded elsewhere (a task's print): only shown. */
void
sw_scenario_run_show_line (SwScenarioRun *run,
                           const char    *line)
{
  g_return_if_fail (run != NULL);

  if (run->line_func)
    run->line_func (line, run->line_data);
}

/**
 * sw_scenario_run_sleep:
 *
 * Sleeps like time.sleep(), but wakes at once when the run is stopped.
 *
 * Returns: FALSE if the run was stopped
 */
gboolean
sw_scenario_run_sleep (SwScenarioRun *run,
                       gint64         duration_us)
{
  g_return_val_if_fail (run != NULL, FALSE);
  return sw_sleep_cancellable (duration_us, run->cancellable);
}

/* After a body that failed before anything ran (a limit, a port in use),
 * a summary of zeros would only hide the error line: none then. */
static void
print_summary (SwScenarioRun *run,
               gboolean       body_ok)
{
  g_autoptr(GArray) events = sw_trace_dup_events (run->trace);
  SwTaskStats stats;
  guint64 dropped = sw_trace_get_dropped (run->trace);
  guint n_coroutines = 0, n_switches = 0;

  sw_task_stats_compute ((const SwEvent *) events->data, events->len, &stats);
  for (guint i = 0; i < events->len; i++)
    {
      guint16 kind = g_array_index (events, SwEvent, i).kind;

      n_coroutines += kind == SW_EVENT_CO_SPAWN;
      n_switches += kind == SW_EVENT_CO_SWITCH;
    }

  if (!body_ok && stats.n_submitted == 0 && n_coroutines == 0)
    return;

  /* A run of coroutines only has no task times to sum: count what it did. */
  if (stats.n_finished + stats.n_failed + stats.n_cancelled == 0 && n_coroutines > 0)
    sw_scenario_run_print (run, _("summary: wall %.3f s, %u coroutines, %u switches"),
                           stats.span_ns / 1e9, n_coroutines, n_switches);
  else
    sw_scenario_run_print (run,
                           _("summary: wall %.3f s, sum of task times %.3f s, speedup %.2fx "
                           "(%u finished, %u failed, %u cancelled)"),
                           stats.wall_ns / 1e9, stats.task_ns_sum / 1e9, stats.speedup,
                           stats.n_finished, stats.n_failed, stats.n_cancelled);
  if (dropped > 0)
    sw_scenario_run_print (run, _("warning: %" PRIu64 " events dropped (trace full)"), dropped);
}

/**
 * sw_scenario_run_execute:
 *
 * Runs the scenario's body on the calling thread — its "main" lane — and
 * prints the summary.  Blocks until the body is done or stopped.
 *
 * Returns: FALSE with G_IO_ERROR_CANCELLED when stopped, or another error
 */
gboolean
sw_scenario_run_execute (SwScenarioRun  *run,
                         GError        **error)
{
  SwCtxSampler *sampler;
  SwCtxLane *ctx_lane;
  gboolean ok;

  g_return_val_if_fail (run != NULL, FALSE);

  if (run->scenario->check && !run->scenario->check (run->params, error))
    return FALSE;

  /* main's own context switches, beside the pools' threads'. */
  sampler = sw_ctx_sampler_new (run->trace, SW_CTX_SAMPLE_PERIOD_MS);
  ctx_lane = sw_ctx_sampler_add_self (sampler, sw_trace_name_thread (run->trace, "main"));
  ok = run->scenario->body (run, error);
  sw_ctx_lane_sample_self (ctx_lane);
  sw_ctx_sampler_free (sampler);
  print_summary (run, ok);

  if (ok && g_cancellable_set_error_if_cancelled (run->cancellable, error))
    ok = FALSE;

  return ok;
}
