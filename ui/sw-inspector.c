/* sw-inspector.c — details of what is selected on the timeline
 *
 * Follows one SwTimeline's "selection-changed": a clicked mark shows its
 * times, lane and state and, for a task, its chain submit → start → end →
 * callbacks; a dragged range shows its statistics and each lane's busy
 * fraction.  Rebuilt on each change (at most ~10 per second while a run
 * fills the selection in), a few dozen labels.
 */

#include "config.h"

#include "sw-inspector.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _SwInspector
{
  GtkWidget   parent_instance;

  /* owned */
  GtkWidget  *box;        /* the content, rebuilt on each change */
  /* borrowed, weak */
  SwTimeline *timeline;

  GtkWidget  *grid;       /* in box, while building */
  int         grid_row;
};

G_DEFINE_FINAL_TYPE (SwInspector, sw_inspector, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TIMELINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "12.5 ms", with up to three decimals: the inspector is read up close,
 * unlike the ruler. */
static char *
format_duration (gint64 ns)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  const char *unit;
  double value;
  char *end;

  if (ns >= G_GINT64_CONSTANT (1000000000))
    value = ns / 1e9, unit = "s";
  else if (ns >= 1000000)
    value = ns / 1e6, unit = "ms";
  else if (ns >= 1000)
    value = ns / 1e3, unit = "µs";
  else
    return g_strdup_printf ("%" G_GINT64_FORMAT " ns", ns);

  g_ascii_formatd (buf, sizeof buf, "%.3f", value);
  end = buf + strlen (buf) - 1;
  while (*end == '0')
    *end-- = '\0';
  if (*end == '.')
    *end = '\0';

  return g_strdup_printf ("%s %s", buf, unit);
}

/* A time on the timeline's axis, to the microsecond. */
static char *
format_time (gint64 ns)
{
  return sw_time_scale_format_tick (ns, 1000);
}

static void
clear_box (SwInspector *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->box)) != NULL)
    gtk_box_remove (GTK_BOX (self->box), child);
  self->grid = NULL;
  self->grid_row = 0;
}

static GtkWidget *
add_label (SwInspector *self,
           const char  *text,
           const char  *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  /* Wrapped text asks for no more than this: the panel stays narrow. */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_focusable (label, FALSE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (self->box), label);

  return label;
}

static void
add_heading (SwInspector *self,
             const char  *text)
{
  add_label (self, text, "inspector-heading");
  self->grid = NULL;
}

/* One "key  value" row of the current grid (a new one after a heading). */
static void
add_row (SwInspector *self,
         const char  *key,
         const char  *value)
{
  GtkWidget *k, *v;

  if (self->grid == NULL)
    {
      self->grid = gtk_grid_new ();
      gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
      gtk_grid_set_row_spacing (GTK_GRID (self->grid), 2);
      gtk_box_append (GTK_BOX (self->box), self->grid);
      self->grid_row = 0;
    }

  k = gtk_label_new (key);
  gtk_label_set_xalign (GTK_LABEL (k), 0.0);
  gtk_widget_add_css_class (k, "dim-label");
  v = gtk_label_new (value);
  gtk_label_set_xalign (GTK_LABEL (v), 0.0);
  gtk_label_set_wrap (GTK_LABEL (v), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (v), 32);
  gtk_label_set_selectable (GTK_LABEL (v), TRUE);
  gtk_widget_set_focusable (v, FALSE);
  gtk_widget_set_hexpand (v, TRUE);
  gtk_grid_attach (GTK_GRID (self->grid), k, 0, self->grid_row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->grid), v, 1, self->grid_row, 1, 1);
  self->grid_row++;
}

static const char *
lane_label (SwTimelineModel *model,
            guint32          lane_id)
{
  const SwTimelineLane *lane = sw_timeline_model_find_lane (model, lane_id);

  return lane != NULL ? lane->label : "?";
}

static char *
span_state (SwTimelineModel      *model,
            const SwTimelineHit  *hit)
{
  const char *error;

  if (hit->span.end_ns == SW_TIMELINE_OPEN)
    return g_strdup (hit->kind == SW_TIMELINE_HIT_TASK ? _("running") : _("ongoing"));

  switch ((SwTimelineSpanState) hit->span.state)
    {
    case SW_TIMELINE_SPAN_FAILED:
      error = hit->kind == SW_TIMELINE_HIT_TASK
              ? sw_timeline_model_get_task_error (model, hit->span.object) : NULL;
      return error != NULL ? g_strdup_printf (_("failed: %s"), error) : g_strdup (_("failed"));
    case SW_TIMELINE_SPAN_CANCELLED:
      return g_strdup (_("cancelled"));
    case SW_TIMELINE_SPAN_OK:
    default:
      return g_strdup (_("finished"));
    }
}

static void
show_hint (SwInspector *self)
{
  add_label (self, _("Nothing selected"), "inspector-title");
  add_label (self, _("Click a bar to see its times and its task's chain. "
                     "Shift+drag (or drag along the ruler) to measure a range. "
                     "Z zooms to the selection, Esc clears it."),
             "dim-label");
}

static void
show_chain (SwInspector           *self,
            SwTimelineModel       *model,
            const SwTimelineChain *chain,
            gint64                 now)
{
  g_autofree char *submit_text = NULL;

  add_heading (self, _("Chain"));

  if (chain->has_submit)
    {
      g_autofree char *at = format_time (chain->submit_ns);

      submit_text = g_strdup_printf (_("%s on %s"), at, lane_label (model, chain->submit_lane));
      add_row (self, _("submit"), submit_text);
    }
  if (chain->has_run)
    {
      g_autofree char *at = format_time (chain->run.start_ns);
      g_autofree char *text = NULL;

      if (chain->has_submit)
        {
          g_autofree char *queued = format_duration (chain->run.start_ns - chain->submit_ns);

          text = g_strdup_printf (_("%s on %s (queued %s)"), at, lane_label (model, chain->run_lane), queued);
        }
      else
        text = g_strdup_printf (_("%s on %s"), at, lane_label (model, chain->run_lane));
      add_row (self, _("start"), text);

      if (chain->run.end_ns != SW_TIMELINE_OPEN)
        {
          g_autofree char *end = format_time (chain->run.end_ns);
          g_autofree char *ran = format_duration (chain->run.end_ns - chain->run.start_ns);
          g_autofree char *end_text = g_strdup_printf (_("%s (ran %s)"), end, ran);

          add_row (self, _("end"), end_text);
        }
      else
        add_row (self, _("end"), _("still running"));
    }
  for (guint i = 0; i < chain->n_callbacks; i++)
    {
      const SwTimelineChainCallback *cb = &chain->callbacks[i];
      g_autofree char *at = format_time (cb->start_ns);
      g_autofree char *took = format_duration ((cb->end_ns == SW_TIMELINE_OPEN ? now : cb->end_ns) - cb->start_ns);
      g_autofree char *text = NULL;

      if (chain->has_run && chain->run.end_ns != SW_TIMELINE_OPEN)
        {
          g_autofree char *after = format_duration (cb->start_ns - chain->run.end_ns);

          text = g_strdup_printf (_("%s on %s, %s after the end, took %s"),
                                  at, lane_label (model, cb->lane), after, took);
        }
      else
        text = g_strdup_printf (_("%s on %s, took %s"), at, lane_label (model, cb->lane), took);
      add_row (self, _("callback"), text);
    }
  if (chain->n_callbacks == 0 && chain->has_run)
    add_row (self, _("callback"), _("none"));
}

static void
show_hit (SwInspector         *self,
          SwTimelineModel     *model,
          const SwTimelineHit *hit)
{
  const SwTimelineChain *chain = sw_timeline_get_chain (self->timeline);
  const SwTimelineLane *lane = sw_timeline_model_find_lane (model, hit->lane);
  gint64 now = sw_timeline_model_get_now_ns (model);
  gint64 end = hit->span.end_ns == SW_TIMELINE_OPEN ? now : hit->span.end_ns;
  g_autofree char *title = NULL;
  g_autofree char *start = format_time (hit->span.start_ns);
  g_autofree char *end_text = NULL;
  g_autofree char *duration = format_duration (end - hit->span.start_ns);
  g_autofree char *ids = NULL;
  g_autofree char *state = span_state (model, hit);
  const char *task_label = NULL;

  if (hit->kind == SW_TIMELINE_HIT_TASK || hit->kind == SW_TIMELINE_HIT_CALLBACK ||
      (hit->kind == SW_TIMELINE_HIT_WAIT && hit->span.object != 0))
    task_label = sw_timeline_model_get_task_label (model, hit->span.object);

  switch (hit->kind)
    {
    case SW_TIMELINE_HIT_TASK:
      title = g_strdup (task_label != NULL ? task_label : _("task"));
      break;
    case SW_TIMELINE_HIT_CALLBACK:
      title = g_strdup_printf (_("done-callback of %s"), task_label != NULL ? task_label : "?");
      break;
    case SW_TIMELINE_HIT_WAIT:
      switch ((SwWaitKind) hit->span.reason)
        {
        case SW_WAIT_SHUTDOWN:
          title = g_strdup (_("waiting in shutdown(wait=True)"));
          break;
        case SW_WAIT_JOIN:
          title = g_strdup (_("waiting in join"));
          break;
        case SW_WAIT_JOINALL:
          title = g_strdup (_("waiting in joinall"));
          break;
        case SW_WAIT_RESULT:
        default:
          title = g_strdup_printf (_("waiting for %s"), task_label != NULL ? task_label : "?");
          break;
        }
      break;
    case SW_TIMELINE_HIT_CO_WAITING:
      title = g_strdup_printf (_("%s waits: %s"), lane != NULL ? lane->name : "?",
                               sw_switch_reason_to_string (hit->span.reason));
      break;
    case SW_TIMELINE_HIT_CO_RUNNING:
      title = g_strdup_printf (_("%s holds the thread"), lane != NULL ? lane->name : "?");
      break;
    case SW_TIMELINE_HIT_EVENT_LOOP:
    case SW_TIMELINE_HIT_NONE:
    default:
      title = g_strdup_printf (_("%s runs its event loop"), lane != NULL ? lane->name : "?");
      break;
    }

  add_label (self, title, "inspector-title");
  add_label (self, sw_timeline_hit_kind_to_string (hit->kind), "dim-label");

  add_row (self, _("start"), start);
  if (hit->span.end_ns != SW_TIMELINE_OPEN)
    {
      end_text = format_time (hit->span.end_ns);
      add_row (self, _("end"), end_text);
    }
  add_row (self, _("duration"), duration);
  add_row (self, _("lane"), lane != NULL ? lane->name : "?");
  if (lane != NULL)
    {
      ids = g_strdup_printf (_("PID %d · TID %d"), lane->pid, lane->tid);
      add_row (self, _("process"), ids);
    }
  add_row (self, _("state"), state);

  if (chain != NULL)
    show_chain (self, model, chain, now);
}

static void
show_range (SwInspector                *self,
            SwTimelineModel            *model,
            const SwTimelineRangeStats *stats)
{
  gint64 length = stats->t1 - stats->t0;
  g_autofree char *title = NULL;
  g_autofree char *t0 = format_time (stats->t0);
  g_autofree char *t1 = format_time (stats->t1);
  g_autofree char *span = g_strdup_printf (_("%s – %s"), t0, t1);
  g_autofree char *count = g_strdup_printf ("%u", stats->n_tasks);
  g_autofree char *duration = format_duration (length);

  title = g_strdup_printf (_("Range of %s"), duration);
  add_label (self, title, "inspector-title");
  add_row (self, _("from – to"), span);
  add_row (self, _("tasks"), count);
  if (stats->n_tasks > 0)
    {
      g_autofree char *total = format_duration (stats->total_ns);
      g_autofree char *mean = format_duration (sw_timeline_range_stats_get_mean_ns (stats));
      g_autofree char *max = format_duration (stats->max_ns);
      const char *label = sw_timeline_model_get_task_label (model, stats->max_task);
      g_autofree char *max_text = label != NULL ? g_strdup_printf ("%s (%s)", max, label) : g_strdup (max);

      add_row (self, _("total"), total);
      add_row (self, _("mean"), mean);
      add_row (self, _("max"), max_text);
    }

  add_heading (self, _("Busy per lane"));
  for (guint i = 0; i < stats->lanes->len; i++)
    {
      const SwTimelineLaneBusy *busy = &g_array_index (stats->lanes, SwTimelineLaneBusy, i);
      const SwTimelineLane *lane = sw_timeline_model_find_lane (model, busy->lane);
      double fraction = length > 0 ? (double) busy->busy_ns / (double) length : 0.0;
      g_autofree char *text = g_strdup_printf ("%.0f %%", 100.0 * fraction);
      GtkWidget *bar;

      add_row (self, lane != NULL ? lane->name : "?", text);
      /* A bar beside the number: idle workers stand out at a glance. */
      bar = gtk_level_bar_new_for_interval (0.0, 1.0);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (fraction, 0.0, 1.0));
      gtk_widget_set_size_request (bar, 80, -1);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_grid_attach (GTK_GRID (self->grid), bar, 2, self->grid_row - 1, 1, 1);
    }
  if (stats->lanes->len == 0)
    add_row (self, _("no lanes"), "");
}

static void
rebuild (SwInspector *self)
{
  SwTimelineModel *model = self->timeline != NULL ? sw_timeline_get_model (self->timeline) : NULL;
  const SwTimelineHit *hit = self->timeline != NULL ? sw_timeline_get_selection (self->timeline) : NULL;
  const SwTimelineRangeStats *stats = self->timeline != NULL ? sw_timeline_get_range_stats (self->timeline) : NULL;

  clear_box (self);

  if (model != NULL && hit != NULL)
    show_hit (self, model, hit);
  else if (model != NULL && stats != NULL)
    show_range (self, model, stats);
  else
    show_hint (self);
}

static void
selection_changed_cb (SwInspector *self,
                      SwTimeline  *timeline)
{
  rebuild (self);
}

static void
sw_inspector_dispose (GObject *object)
{
  SwInspector *self = SW_INSPECTOR (object);

  sw_inspector_set_timeline (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (sw_inspector_parent_class)->dispose (object);
}

static void
sw_inspector_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SwInspector *self = SW_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_TIMELINE:
      g_value_set_object (value, self->timeline);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_inspector_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SwInspector *self = SW_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_TIMELINE:
      sw_inspector_set_timeline (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_inspector_class_init (SwInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sw_inspector_dispose;
  object_class->get_property = sw_inspector_get_property;
  object_class->set_property = sw_inspector_set_property;

  properties[PROP_TIMELINE] =
    g_param_spec_object ("timeline", NULL, NULL,
                         SW_TYPE_TIMELINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspector");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sw_inspector_init (SwInspector *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  rebuild (self);
}

GtkWidget *
sw_inspector_new (void)
{
  return g_object_new (SW_TYPE_INSPECTOR, NULL);
}

/**
 * sw_inspector_get_timeline:
 *
 * Returns: (transfer none) (nullable): the timeline whose selection is shown
 */
SwTimeline *
sw_inspector_get_timeline (SwInspector *self)
{
  g_return_val_if_fail (SW_IS_INSPECTOR (self), NULL);

  return self->timeline;
}

void
sw_inspector_set_timeline (SwInspector *self,
                           SwTimeline  *timeline)
{
  g_return_if_fail (SW_IS_INSPECTOR (self));
  g_return_if_fail (timeline == NULL || SW_IS_TIMELINE (timeline));

  if (self->timeline == timeline)
    return;

  if (self->timeline != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->timeline, self);
      g_object_remove_weak_pointer (G_OBJECT (self->timeline), (gpointer *) &self->timeline);
    }
  self->timeline = timeline;
  if (self->timeline != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (self->timeline), (gpointer *) &self->timeline);
      g_signal_connect_object (self->timeline, "selection-changed",
                               G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
      /* A new model is a new run: nothing of the old one is selected. */
      g_signal_connect_object (self->timeline, "notify::model",
                               G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
    }

  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMELINE]);
}

/**
 * sw_inspector_dup_text:
 *
 * Returns: (transfer full): everything the inspector shows, one label a
 *   line (for tests and for copying)
 */
char *
sw_inspector_dup_text (SwInspector *self)
{
  GString *text;
  GtkWidget *child;

  g_return_val_if_fail (SW_IS_INSPECTOR (self), NULL);

  text = g_string_new (NULL);
  for (child = gtk_widget_get_first_child (self->box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (child)));
      else if (GTK_IS_GRID (child))
        {
          /* Row by row: "key value". */
          for (int row = 0; ; row++)
            {
              GtkWidget *k = gtk_grid_get_child_at (GTK_GRID (child), 0, row);
              GtkWidget *v = gtk_grid_get_child_at (GTK_GRID (child), 1, row);

              if (k == NULL)
                break;
              g_string_append_printf (text, "%s %s\n", gtk_label_get_text (GTK_LABEL (k)),
                                      v != NULL ? gtk_label_get_text (GTK_LABEL (v)) : "");
            }
        }
    }

  return g_string_free (text, FALSE);
}
