/* sw-param-form.h — a scenario's parameters as a form */
#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SW_TYPE_PARAM_FORM (sw_param_form_get_type ())
G_DECLARE_FINAL_TYPE (SwParamForm, sw_param_form, SW, PARAM_FORM, GtkWidget)

GtkWidget        *sw_param_form_new          (void);
const SwScenario *sw_param_form_get_scenario (SwParamForm      *self);
const char       *sw_param_form_get_problem  (SwParamForm      *self);
void              sw_param_form_set_scenario (SwParamForm      *self,
                                              const SwScenario *scenario);
SwParams         *sw_param_form_collect      (SwParamForm      *self,
                                              GError          **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean          sw_param_form_is_default   (SwParamForm      *self);
void              sw_param_form_reset        (SwParamForm      *self);
gboolean          sw_param_form_set_value    (SwParamForm      *self,
                                              const char       *key,
                                              const char       *value,
                                              GError          **error);
char             *sw_param_form_dup_value    (SwParamForm      *self,
                                              const char       *key) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
