/* sw-scenario.h — the lessons, as runnable scenarios
 *
 * A scenario is a static descriptor (name, parameters, body).  A run binds
 * it to parameter values, a trace and a cancellable, and executes the body
 * on the calling thread, which becomes the run's "main" lane.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

typedef enum {
  SW_PARAM_INT,
  SW_PARAM_DOUBLE,
  SW_PARAM_CHOICE,
} SwParamType;

typedef struct {
  const char         *key;
  SwParamType         type;
  const char         *default_value;
  double              minimum;       /* INT and DOUBLE */
  double              maximum;
  const char * const *choices;       /* CHOICE: NULL-terminated */
  const char         *description;   /* N_() marked */
} SwParamSpec;

typedef struct _SwParams      SwParams;
typedef struct _SwScenarioRun SwScenarioRun;

typedef struct {
  const char        *name;
  const char        *title;          /* N_() marked */
  const char        *description;    /* N_() marked */
  const SwParamSpec *params;
  guint              n_params;
  gboolean         (*body) (SwScenarioRun  *run,
                            GError        **error);
  /* Optional: checks that span several parameters (min ≤ max, …). */
  gboolean         (*check) (const SwParams *params,
                             GError        **error);
} SwScenario;

const SwScenario * const *sw_scenario_list        (guint            *n_scenarios);
const SwScenario         *sw_scenario_lookup      (const char       *name,
                                                   GError          **error);
const SwScenario         *sw_scenario_get_default (void);
const SwParamSpec        *sw_scenario_find_param  (const SwScenario *scenario,
                                                   const char       *key);

SwParams   *sw_params_new            (const SwScenario  *scenario) G_GNUC_WARN_UNUSED_RESULT;
void        sw_params_free           (SwParams          *params);
SwParams   *sw_params_copy           (const SwParams    *params);
gboolean    sw_params_set            (SwParams          *params,
                                      const char        *key,
                                      const char        *value,
                                      GError           **error);
gboolean    sw_params_set_assignment (SwParams          *params,
                                      const char        *key_equals_value,
                                      GError           **error);
const char *sw_params_get_string     (const SwParams    *params,
                                      const char        *key);
gint64      sw_params_get_int        (const SwParams    *params,
                                      const char        *key);
double      sw_params_get_double     (const SwParams    *params,
                                      const char        *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwParams, sw_params_free)

/* Called for every lesson line, on the thread that printed it. */
typedef void (*SwScenarioLineFunc) (const char *line,
                                    gpointer    user_data);

SwScenarioRun *sw_scenario_run_new        (const SwScenario   *scenario,
                                           const SwParams     *params,
                                           SwTrace            *trace) G_GNUC_WARN_UNUSED_RESULT;
void           sw_scenario_run_free       (SwScenarioRun      *run);
void           sw_scenario_run_set_line_func (SwScenarioRun   *run,
                                           SwScenarioLineFunc  func,
                                           gpointer            user_data);
GCancellable  *sw_scenario_run_get_cancellable (SwScenarioRun *run);
gboolean       sw_scenario_run_execute    (SwScenarioRun      *run,
                                           GError            **error);

/* For scenario bodies. */
const SwScenario *sw_scenario_run_get_scenario (SwScenarioRun *run);
SwTrace       *sw_scenario_run_get_trace  (SwScenarioRun      *run);
const SwParams *sw_scenario_run_get_params (SwScenarioRun     *run);
void           sw_scenario_run_print      (SwScenarioRun      *run,
                                           const char         *format,
                                           ...) G_GNUC_PRINTF (2, 3);
void           sw_scenario_run_show_line  (SwScenarioRun      *run,
                                           const char         *line);
gboolean       sw_scenario_run_sleep      (SwScenarioRun      *run,
                                           gint64              duration_us);
gboolean       sw_scenario_run_is_cancelled (SwScenarioRun    *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwScenarioRun, sw_scenario_run_free)

G_END_DECLS
