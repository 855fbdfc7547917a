/* sw-param-form.c — a scenario's parameters as a form
 *
 * Generated from the scenario's parameter specs: a spin button per number
 * (its range and a step that suits it), a drop-down per choice, a switch
 * for an on/off choice, each with its description and a tooltip giving
 * the range and the default.  Each widget keeps its own value in range;
 * what only the values together can break (min_sleep > max_sleep) is
 * the form's "problem", set at once; the window shows it where it stays in
 * view however far the form is scrolled.  "changed" fires on every edit.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "sw-param-form.h"

struct _SwParamForm
{
  GtkWidget         parent_instance;

  GtkGrid          *grid;
  char             *problem;    /* why the values cannot run together, or NULL */
  GPtrArray        *widgets;    /* one per SwParamSpec of scenario */
  const SwScenario *scenario;   /* borrowed (static), or NULL */
};

G_DEFINE_FINAL_TYPE (SwParamForm, sw_param_form, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static double
parse_double (const char *text,
              double      fallback)
{
  char *end = NULL;
  double value;

  if (text == NULL)
    return fallback;

  value = g_ascii_strtod (text, &end);
  return (end == text) ? fallback : value;
}

/* A choice between exactly an "on" and an "off" word is a boolean, shown
 * as a switch; returns the index of the "on" word, or -1. */
static int
switch_on_index (const SwParamSpec *spec)
{
  static const char * const on_words[] = { "on", "true", "yes", "enabled", NULL };
  static const char * const off_words[] = { "off", "false", "no", "disabled", NULL };

  if (spec->type != SW_PARAM_CHOICE || spec->choices == NULL ||
      g_strv_length ((char **) spec->choices) != 2)
    return -1;

  for (int i = 0; i < 2; i++)
    if (g_strv_contains (on_words, spec->choices[i]) &&
        g_strv_contains (off_words, spec->choices[1 - i]))
      return i;

  return -1;
}

/* Shows @value (a value the spec allows) in @widget; FALSE when it is not
 * one. */
static gboolean
show_value (const SwParamSpec *spec,
            GtkWidget         *widget,
            const char        *value)
{
  if (spec->type == SW_PARAM_CHOICE)
    {
      for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
        if (g_strcmp0 (spec->choices[i], value) == 0)
          {
            if (GTK_IS_SWITCH (widget))
              gtk_switch_set_active (GTK_SWITCH (widget), (int) i == switch_on_index (spec));
            else
              gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), i);
            return TRUE;
          }
    }
  else
    {
      char *end = NULL;
      double v = g_ascii_strtod (value, &end);

      if (end != value && *end == '\0' && v >= spec->minimum && v <= spec->maximum)
        {
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), v);
          return TRUE;
        }
    }

  return FALSE;
}

static char *
widget_value (const SwParamSpec *spec,
              GtkWidget         *widget)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  int on = switch_on_index (spec);

  if (on >= 0)
    return g_strdup (spec->choices[gtk_switch_get_active (GTK_SWITCH (widget)) ? on : 1 - on]);

  switch (spec->type)
    {
    case SW_PARAM_INT:
      gtk_spin_button_update (GTK_SPIN_BUTTON (widget));
      return g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (widget)));

    case SW_PARAM_DOUBLE:
      gtk_spin_button_update (GTK_SPIN_BUTTON (widget));
      return g_strdup (g_ascii_dtostr (buf, sizeof buf,
                                       gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget))));

    case SW_PARAM_CHOICE:
      {
        guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (widget));

        if (spec->choices == NULL || selected == GTK_INVALID_LIST_POSITION ||
            selected >= g_strv_length ((char **) spec->choices))
          return NULL;
        return g_strdup (spec->choices[selected]);
      }

    default:
      g_return_val_if_reached (NULL);
    }
}

static gboolean
is_default (const SwParamSpec *spec,
            GtkWidget         *widget)
{
  if (GTK_IS_SPIN_BUTTON (widget))
    return fabs (gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)) -
                 parse_double (spec->default_value, spec->minimum)) < 1e-9;
  else
    {
      g_autofree char *value = widget_value (spec, widget);

      return g_strcmp0 (value, spec->default_value) == 0;
    }
}

static GtkWidget *
create_widget (const SwParamSpec *spec)
{
  GtkWidget *widget;

  if (switch_on_index (spec) >= 0)
    {
      widget = gtk_switch_new ();
      gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
      gtk_widget_set_halign (widget, GTK_ALIGN_END);
      show_value (spec, widget, spec->default_value);
      return widget;
    }

  switch (spec->type)
    {
    case SW_PARAM_INT:
      widget = gtk_spin_button_new_with_range (spec->minimum, spec->maximum, 1.0);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (widget), 0);
      break;

    case SW_PARAM_DOUBLE:
      {
        /* Steps of about a hundredth of the range, in 1-2-5 units, so the
         * arrows move seconds parameters by 0.05 s and not by 1 s. */
        double range = MAX (spec->maximum - spec->minimum, 1e-6);
        double step = 1.0;

        while (step > range / 50.0)
          step /= 10.0;
        if (step * 5.0 <= range / 50.0)
          step *= 5.0;
        else if (step * 2.0 <= range / 50.0)
          step *= 2.0;

        widget = gtk_spin_button_new_with_range (spec->minimum, spec->maximum, step);
        gtk_spin_button_set_digits (GTK_SPIN_BUTTON (widget), MAX (2, (guint) ceil (-log10 (step))));
      }
      break;

    case SW_PARAM_CHOICE:
      {
        g_autoptr(GStrvBuilder) labels = g_strv_builder_new ();
        g_auto(GStrv) shown = NULL;

        /* The choices' translated labels; the value stays the machine word. */
        for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
          g_strv_builder_add (labels, g_dpgettext2 (GETTEXT_PACKAGE, "parameter choice", spec->choices[i]));
        shown = g_strv_builder_end (labels);
        widget = gtk_drop_down_new_from_strings ((const char * const *) shown);
      }
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (widget, FALSE);
  gtk_widget_set_size_request (widget, 130, -1);
  if (spec->type != SW_PARAM_CHOICE)
    {
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (widget), TRUE);
      /* Typed text out of range or not a number goes back to the last
       * good value instead of being clamped into a surprise. */
      gtk_spin_button_set_update_policy (GTK_SPIN_BUTTON (widget), GTK_UPDATE_IF_VALID);
    }
  if (!show_value (spec, widget, spec->default_value))
    g_warning ("parameter %s: default %s is not one of its values", spec->key, spec->default_value);

  return widget;
}

static char *
format_number (const SwParamSpec *spec,
               double             value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (spec->type == SW_PARAM_INT)
    return g_strdup_printf ("%.0f", value);

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", value));
}

/* The description, then what the form allows: the range or the choices,
 * and the default. */
static char *
create_tooltip (const SwParamSpec *spec)
{
  GString *text = g_string_new (NULL);

  if (spec->description != NULL && spec->description[0] != '\0')
    {
      g_string_append (text, _(spec->description));
      g_string_append_c (text, '\n');
    }

  if (spec->type == SW_PARAM_CHOICE)
    {
      g_autofree char *choices = g_strjoinv (" | ", (char **) spec->choices);

      /* TRANSLATORS: a parameter's choices and its default */
      g_string_append_printf (text, _("%s · default %s"), choices, spec->default_value);
    }
  else
    {
      g_autofree char *min = format_number (spec, spec->minimum);
      g_autofree char *max = format_number (spec, spec->maximum);

      /* TRANSLATORS: a parameter's range and its default */
      g_string_append_printf (text, _("%s to %s · default %s"), min, max, spec->default_value);
    }

  return g_string_free (text, FALSE);
}

/* The values as they are, without the cross-field check. */
static SwParams *
collect_values (SwParamForm  *self,
                GError      **error)
{
  g_autoptr(SwParams) params = sw_params_new (self->scenario);

  for (guint i = 0; i < self->widgets->len; i++)
    {
      const SwParamSpec *spec = &self->scenario->params[i];
      g_autofree char *value = widget_value (spec, g_ptr_array_index (self->widgets, i));

      if (value == NULL)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                       _("No value for parameter “%s”"), spec->key);
          return NULL;
        }
      if (!sw_params_set (params, spec->key, value, error))
        return NULL;
    }

  return g_steal_pointer (&params);
}

static void
values_changed (SwParamForm *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwParams) params = NULL;

  if (self->scenario != NULL)
    params = sw_param_form_collect (self, &error);

  if (g_strcmp0 (self->problem, error != NULL ? error->message : NULL) != 0)
    {
      g_free (self->problem);
      self->problem = error != NULL ? g_strdup (error->message) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static int
find_index (SwParamForm *self,
            const char  *key)
{
  for (guint i = 0; self->scenario != NULL && i < self->scenario->n_params; i++)
    if (g_strcmp0 (self->scenario->params[i].key, key) == 0)
      return (int) i;

  return -1;
}

static void
sw_param_form_dispose (GObject *object)
{
  SwParamForm *self = SW_PARAM_FORM (object);

  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->grid = NULL;

  G_OBJECT_CLASS (sw_param_form_parent_class)->dispose (object);
}

static void
sw_param_form_finalize (GObject *object)
{
  SwParamForm *self = SW_PARAM_FORM (object);

  g_clear_pointer (&self->widgets, g_ptr_array_unref);
  g_clear_pointer (&self->problem, g_free);

  G_OBJECT_CLASS (sw_param_form_parent_class)->finalize (object);
}

static void
sw_param_form_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SwParamForm *self = SW_PARAM_FORM (object);

  switch (prop_id)
    {
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_param_form_class_init (SwParamFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sw_param_form_dispose;
  object_class->finalize = sw_param_form_finalize;
  object_class->get_property = sw_param_form_get_property;

  /**
   * SwParamForm:problem:
   *
   * Why the values shown cannot run together (say, min_sleep above
   * max_sleep), or %NULL when they can.
   */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SwParamForm::changed:
   *
   * A value changed (by the user, a reset or a set_value).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "paramform");
}

static void
sw_param_form_init (SwParamForm *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 10);

  self->widgets = g_ptr_array_new ();

  self->grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (self->grid, 6);
  gtk_grid_set_column_spacing (self->grid, 12);
  gtk_widget_set_parent (GTK_WIDGET (self->grid), GTK_WIDGET (self));
}

GtkWidget *
sw_param_form_new (void)
{
  return g_object_new (SW_TYPE_PARAM_FORM, NULL);
}

/* Why the values shown cannot run together, or NULL when they can. */
const char *
sw_param_form_get_problem (SwParamForm *self)
{
  g_return_val_if_fail (SW_IS_PARAM_FORM (self), NULL);

  return self->problem;
}

const SwScenario *
sw_param_form_get_scenario (SwParamForm *self)
{
  g_return_val_if_fail (SW_IS_PARAM_FORM (self), NULL);

  return self->scenario;
}

/* Builds the form for @scenario (NULL: empty), every value its default. */
void
sw_param_form_set_scenario (SwParamForm      *self,
                            const SwScenario *scenario)
{
  GtkWidget *child;
  int row = 0;

  g_return_if_fail (SW_IS_PARAM_FORM (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_grid_remove (self->grid, child);
  g_ptr_array_set_size (self->widgets, 0);
  self->scenario = scenario;

  for (guint i = 0; scenario != NULL && i < scenario->n_params; i++)
    {
      const SwParamSpec *spec = &scenario->params[i];
      g_autofree char *tooltip = create_tooltip (spec);
      GtkWidget *label = gtk_label_new (g_dpgettext2 (GETTEXT_PACKAGE, "parameter name", spec->key));
      GtkWidget *widget = create_widget (spec);

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "param-name");
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
      gtk_widget_set_tooltip_text (widget, tooltip);
      gtk_widget_set_tooltip_text (label, tooltip);
      gtk_grid_attach (self->grid, label, 0, row, 1, 1);
      gtk_grid_attach (self->grid, widget, 1, row, 1, 1);
      row++;

      if (spec->description != NULL && spec->description[0] != '\0')
        {
          GtkWidget *caption = gtk_label_new (_(spec->description));

          gtk_label_set_xalign (GTK_LABEL (caption), 0.0);
          gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
          gtk_label_set_max_width_chars (GTK_LABEL (caption), 36);
          gtk_widget_add_css_class (caption, "param-description");
          gtk_grid_attach (self->grid, caption, 0, row, 2, 1);
          row++;
        }

      if (GTK_IS_SPIN_BUTTON (widget))
        g_signal_connect_object (widget, "value-changed", G_CALLBACK (values_changed), self, G_CONNECT_SWAPPED);
      else if (GTK_IS_SWITCH (widget))
        g_signal_connect_object (widget, "notify::active", G_CALLBACK (values_changed), self, G_CONNECT_SWAPPED);
      else
        g_signal_connect_object (widget, "notify::selected", G_CALLBACK (values_changed), self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->widgets, widget);
    }

  values_changed (self);
}

/**
 * sw_param_form_collect:
 *
 * Returns: (transfer full): the values shown, checked together, or NULL
 *   with @error saying what is wrong
 */
SwParams *
sw_param_form_collect (SwParamForm  *self,
                       GError      **error)
{
  g_autoptr(SwParams) params = NULL;

  g_return_val_if_fail (SW_IS_PARAM_FORM (self), NULL);
  g_return_val_if_fail (self->scenario != NULL, NULL);

  params = collect_values (self, error);
  if (params == NULL)
    return NULL;
  if (self->scenario->check != NULL && !self->scenario->check (params, error))
    return NULL;

  return g_steal_pointer (&params);
}

/* Whether every value is its default (Reset has nothing to do). */
gboolean
sw_param_form_is_default (SwParamForm *self)
{
  g_return_val_if_fail (SW_IS_PARAM_FORM (self), TRUE);

  for (guint i = 0; i < self->widgets->len; i++)
    if (!is_default (&self->scenario->params[i], g_ptr_array_index (self->widgets, i)))
      return FALSE;

  return TRUE;
}

/* Every value back to its default. */
void
sw_param_form_reset (SwParamForm *self)
{
  g_return_if_fail (SW_IS_PARAM_FORM (self));

  for (guint i = 0; i < self->widgets->len; i++)
    {
      const SwParamSpec *spec = &self->scenario->params[i];

      show_value (spec, g_ptr_array_index (self->widgets, i), spec->default_value);
    }
  values_changed (self);
}

/* Sets a value as a user would; FALSE for an unknown key or a value the
 * form cannot show. */
gboolean
sw_param_form_set_value (SwParamForm  *self,
                         const char   *key,
                         const char   *value,
                         GError      **error)
{
  int index;

  g_return_val_if_fail (SW_IS_PARAM_FORM (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  index = find_index (self, key);
  if (index < 0)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("Unknown parameter “%s”"), key);
      return FALSE;
    }

  if (!show_value (&self->scenario->params[index], g_ptr_array_index (self->widgets, index), value))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("Bad value “%s” for parameter “%s”"), value, key);
      return FALSE;
    }

  return TRUE;
}

/* The value shown for @key, or NULL for an unknown key. */
char *
sw_param_form_dup_value (SwParamForm *self,
                         const char  *key)
{
  int index;

  g_return_val_if_fail (SW_IS_PARAM_FORM (self), NULL);

  index = find_index (self, key);
  if (index < 0)
    return NULL;

  return widget_value (&self->scenario->params[index], g_ptr_array_index (self->widgets, index));
}
