/* sw-timeline.c — the live timeline: one widget, drawn in snapshot
 *
 * The widget: GObject boilerplate, properties, model hookup and tick,
 * following "now", tooltips and hit-testing, navigation (zoom, pan,
 * scroll, drag, keys, actions), selection, folding, the public API.
 * The drawing is in sw-timeline-draw.c; the struct in -private.h.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sw-timeline.h"
#include "sw-timeline-private.h"
#include "sw-timeline-selection.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

/* Fit leaves this much room right of "now" so the growing edge is seen. */
#define FOLLOW_MARGIN    0.03
#define MIN_VISIBLE_NS   G_GINT64_CONSTANT (200000000)
#define WHEEL_STEP_PX    64.0
#define ZOOM_STEP        1.25

G_DEFINE_FINAL_TYPE (SwTimeline, sw_timeline, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_FOLLOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static double
content_width (SwTimeline *self)
{
  return MAX (gtk_widget_get_width (GTK_WIDGET (self)) - self->metrics.label_w, 1.0);
}

double
_sw_timeline_max_lane_offset (SwTimeline *self)
{
  double lanes_h;
  double visible_h;
  guint n = self->model ? sw_timeline_model_get_n_rows (self->model) : 0;

  lanes_h = n * self->metrics.lane_h;
  visible_h = gtk_widget_get_height (GTK_WIDGET (self)) - self->metrics.ruler_h - self->metrics.legend_h;

  return MAX (0.0, lanes_h - visible_h);
}

/* Scrolls vertically, as little as it takes, so row @index is in view. */
static void
scroll_row_into_view (SwTimeline *self,
                      guint       index)
{
  const Metrics *m = &self->metrics;
  double y = index * m->lane_h;
  double visible_h = gtk_widget_get_height (GTK_WIDGET (self)) - m->ruler_h - m->legend_h;

  if (y < self->lane_offset)
    self->lane_offset = y;
  else if (y + m->lane_h > self->lane_offset + visible_h)
    self->lane_offset = y + m->lane_h - visible_h;
  self->lane_offset = CLAMP (self->lane_offset, 0.0, _sw_timeline_max_lane_offset (self));
}

static void set_follow (SwTimeline *self,
                        gboolean    follow);

/* Pans when @time_ns is off screen (or hard by its right edge), so that
 * it sits a third of the way in. */
static void
pan_time_into_view (SwTimeline *self,
                    gint64      time_ns)
{
  double x = sw_time_scale_ns_to_px (&self->scale, time_ns);

  if (x < 0.0 || x > content_width (self) * 0.9)
    {
      set_follow (self, FALSE);
      sw_time_scale_pan (&self->scale, content_width (self) / 3.0 - x);
    }
}

void
_sw_timeline_apply_follow (SwTimeline *self)
{
  gint64 begin = 0;
  gint64 end = MIN_VISIBLE_NS;
  double pad = self->metrics.char_w;

  if (self->model != NULL)
    {
      /* A run just started is not zoomed in to its first microseconds;
       * a finished one, however short, fills the view. */
      gint64 min_visible = sw_timeline_model_get_running (self->model) ? MIN_VISIBLE_NS : 1000;

      begin = sw_timeline_model_get_begin_ns (self->model);
      end = MAX (sw_timeline_model_get_end_ns (self->model), begin + min_visible);

      /* Following zoomed in: exactly that width, "now" a little left of
       * the right edge. */
      if (self->follow_span_ns > 0)
        {
          double width = content_width (self);

          if (sw_timeline_model_get_running (self->model))
            end = MAX (end, sw_timeline_model_get_now_ns (self->model));
          sw_time_scale_init (&self->scale,
                              end - (gint64) (self->follow_span_ns * (1.0 - FOLLOW_MARGIN)),
                              self->follow_span_ns / width);
          return;
        }
    }

  /* A little room left of 0 so marks at the very start are seen whole. */
  sw_time_scale_fit (&self->scale, begin,
                     end + (gint64) ((end - begin) * FOLLOW_MARGIN),
                     MAX (content_width (self) - pad, 1.0));
  sw_time_scale_pan (&self->scale, pad);
}

static void
set_follow (SwTimeline *self,
            gboolean    follow)
{
  follow = !!follow;
  if (self->follow == follow)
    return;

  self->follow = follow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
}

/* The span of spans under time t, give or take tol_ns, or NULL. */
static const SwTimelineSpan *
find_span (GArray *spans,
           gint64  t,
           gint64  tol_ns,
           gint64  now)
{
  guint i = _sw_timeline_first_ending_after (spans, t - tol_ns);

  if (i < spans->len)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, i);
      gint64 end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;

      if (span->start_ns <= t + tol_ns && end >= t - tol_ns)
        return span;
    }

  return NULL;
}

/* find_span() for @lane's waiting segments: fills @out and the index
 * of its switch. */
static const SwTimelineSpan *
find_waiting (const SwTimelineLane *lane,
              gint64                t,
              gint64                now,
              SwTimelineSpan       *out,
              guint                *index)
{
  guint i = sw_timeline_lane_first_waiting_ending_after (lane, t);

  /* Switches that started no wait end where they are: skip them. */
  for (; i < lane->switches->len; i++)
    {
      gint64 end;

      if (!sw_timeline_lane_get_waiting (lane, i, out))
        continue;
      end = out->end_ns == SW_TIMELINE_OPEN ? now : out->end_ns;
      if (out->start_ns <= t && end >= t)
        {
          *index = i;
          return out;
        }
      break;
    }

  return NULL;
}

/* The mark of @marks nearest @t within tol_ns, or NULL. */
static const SwTimelineMark *
find_mark (GArray *marks,
           gint64  t,
           gint64  tol_ns)
{
  guint i = _sw_timeline_first_mark_after (marks, 0, t - tol_ns);

  if (i < marks->len && g_array_index (marks, SwTimelineMark, i).time_ns <= t + tol_ns)
    return &g_array_index (marks, SwTimelineMark, i);

  return NULL;
}

/* A task's tooltip goes on with how it ended and how long it queued. */
static void
append_task_chain (SwTimeline           *self,
                   const SwTimelineSpan *span,
                   char                **markup)
{
  SwTimelineTask task;
  g_autofree char *extra = NULL;
  char *joined;

  if (!sw_timeline_model_get_task (self->model, span->object, &task))
    return;

  if (task.submit_lane != NULL)
    {
      g_autofree char *wait = sw_time_scale_format_duration (span->start_ns - task.submit_ns);

      extra = g_markup_printf_escaped (_("waited %s in the queue (submitted on %s)"), wait, task.submit_lane->name);
    }
  if (span->end_ns != SW_TIMELINE_OPEN && span->state != SW_TIMELINE_SPAN_OK)
    {
      char *state = g_markup_printf_escaped ("%s<b>%s</b>", extra != NULL ? "\n" : "",
                                             span->state == SW_TIMELINE_SPAN_FAILED ? _("failed") : _("cancelled"));
      char *with = g_strconcat (extra != NULL ? extra : "", state, NULL);

      g_free (state);
      g_free (extra);
      extra = with;
    }
  if (extra == NULL)
    return;

  joined = g_strconcat (*markup, "\n", extra, NULL);
  g_free (*markup);
  *markup = joined;
}

/* The row under y (widget coordinates), or G_MAXUINT. */
static guint
row_at_y (SwTimeline *self,
          double      y)
{
  const Metrics *m = &self->metrics;
  double row;

  if (self->model == NULL || y < m->ruler_h ||
      y >= gtk_widget_get_height (GTK_WIDGET (self)) - m->legend_h)
    return G_MAXUINT;

  row = floor ((y - m->ruler_h + self->lane_offset) / m->lane_h);
  if (row < 0 || row >= sw_timeline_model_get_n_rows (self->model))
    return G_MAXUINT;

  return (guint) row;
}

/* Over an aggregate or a counter: the numbers under the pointer. */
static gboolean
query_graph_tooltip (SwTimeline          *self,
                     const SwTimelineRow *row,
                     double               x,
                     GtkTooltip          *tooltip)
{
  const Metrics *m = &self->metrics;
  g_autofree char *markup = NULL;
  g_autofree char *at = NULL;
  g_autofree char *duration = NULL;
  gint64 t0, t1;

  if (row->kind == SW_TIMELINE_ROW_AGGREGATE)
    {
      guint n = sw_timeline_model_get_n_aggregated (self->model, row->thread);
      guint running, live;

      if (x < m->label_w)
        {
          markup = g_markup_printf_escaped (_("<b>%u coroutines</b> of thread %s, folded into one row\n"
                                              "solid: how many ran, light: how many waited\n"
                                              "click or press Enter to %s them"),
                                            n, row->lane != NULL ? row->lane->name : "?",
                                            sw_timeline_model_get_expanded (self->model, row->thread)
                                              ? _("fold") : _("show"));
          gtk_tooltip_set_markup (tooltip, markup);
          return TRUE;
        }

      t0 = sw_time_scale_px_to_ns (&self->scale, floor (x - m->label_w));
      t1 = sw_time_scale_px_to_ns (&self->scale, floor (x - m->label_w) + 1.0);
      sw_timeline_model_query_aggregate (self->model, row->thread, t0, t1, &running, &live);
      at = sw_time_scale_format_tick (t0, 1000000);
      duration = sw_time_scale_format_duration (t1 - t0);
      markup = g_markup_printf_escaped (_("at %s: <b>%u coroutines alive</b>\n"
                                          "%u ran in these %s, %u only waited"),
                                        at, live, running, duration, live - running);
    }
  else
    {
      const SwTimelineCounter *counter = row->counter;
      g_autofree char *max = NULL;
      g_autofree char *now = NULL;
      double value;

      max = _sw_timeline_format_value (counter->max);
      now = _sw_timeline_format_value (counter->last);
      t0 = sw_time_scale_px_to_ns (&self->scale, x - m->label_w);
      if (x >= m->label_w && sw_timeline_counter_value_at (counter, t0, &value))
        {
          g_autofree char *v = _sw_timeline_format_value (value);

          at = sw_time_scale_format_tick (t0, 1000000);
          markup = g_markup_printf_escaped (_("<b>%s</b> = %s at %s\nmax %s, now %s"),
                                            counter->name, v, at, max, now);
        }
      else
        markup = g_markup_printf_escaped (_("<b>%s</b>\nmax %s, now %s, %u samples"),
                                          counter->name, max, now, counter->samples->len);
    }

  gtk_tooltip_set_markup (tooltip, markup);
  return TRUE;
}

static gboolean
sw_timeline_query_tooltip (GtkWidget  *widget,
                           int         x,
                           int         y,
                           gboolean    keyboard_mode,
                           GtkTooltip *tooltip)
{
  SwTimeline *self = SW_TIMELINE (widget);
  const Metrics *m = &self->metrics;
  const SwTimelineRow *row;
  const SwTimelineLane *lane;
  const SwTimelineSpan *span;
  SwTimelineSpan waiting;
  guint k;
  const SwTimelineMark *mark;
  g_autofree char *markup = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *at = NULL;
  const char *label;
  gint64 t, tol, now, end;
  guint index;

  if (keyboard_mode || self->model == NULL || y < m->ruler_h ||
      y >= gtk_widget_get_height (widget) - m->legend_h)
    return FALSE;

  index = row_at_y (self, y);
  if (index == G_MAXUINT)
    return FALSE;

  row = sw_timeline_model_get_row (self->model, index);
  if (row->kind == SW_TIMELINE_ROW_PROCESS)
    {
      markup = g_markup_printf_escaped (_("<b>%s</b>\n%u lanes\nclick its name or press Enter to %s them"),
                                        row->process->label, row->process->n_lanes,
                                        row->process->expanded ? _("fold") : _("show"));
      gtk_tooltip_set_markup (tooltip, markup);
      return TRUE;
    }
  if (row->kind != SW_TIMELINE_ROW_LANE)
    return query_graph_tooltip (self, row, x, tooltip);

  lane = row->lane;

  /* Over a coroutine's label: whose thread it shares, how often it let go. */
  if (x < m->label_w && lane->kind == SW_LANE_COROUTINE)
    {
      const SwTimelineLane *thread = sw_timeline_model_find_lane (self->model, lane->parent);

      markup = g_markup_printf_escaped (_("<b>%s</b>\ncoroutine on thread %s (TID %d)\n"
                                          "ran %u times, gave the thread up %u times%s"),
                                        lane->name, thread ? thread->name : "?", lane->tid,
                                        lane->running->len, lane->switches->len,
                                        lane->exited ? _(", ended") : "");
      gtk_tooltip_set_markup (tooltip, markup);
      return TRUE;
    }

  /* Over the label: who this is, and how often the OS switched it out. */
  if (x < m->label_w)
    {
      markup = g_markup_printf_escaped (_("<b>%s</b>\nprocess %d, thread %d\n"
                                          "%" PRIu64 " voluntary context switches (it blocked)\n"
                                          "%" PRIu64 " involuntary (it was preempted)"),
                                        lane->name, lane->pid, lane->tid,
                                        (uint64_t) lane->ctx_voluntary, (uint64_t) lane->ctx_involuntary);
      gtk_tooltip_set_markup (tooltip, markup);
      return TRUE;
    }

  t = sw_time_scale_px_to_ns (&self->scale, x - m->label_w);
  tol = (gint64) (3.0 * self->scale.ns_per_px);
  now = sw_timeline_model_get_now_ns (self->model);

  /* Narrow things first: a callback sits at the end of a task bar. */
  if ((span = find_span (lane->callbacks, t, tol, now)) != NULL)
    {
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      label = sw_timeline_model_get_task_label (self->model, span->object);
      markup = g_markup_printf_escaped (_("<b>done-callback</b> of %s\n%s on %s"),
                                        label ? label : "?", duration, lane->label);
    }
  else if ((span = find_span (lane->tasks, t, 0, now)) != NULL)
    {
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      at = sw_time_scale_format_tick (span->start_ns, 1000000);
      label = sw_timeline_model_get_task_label (self->model, span->object);
      markup = g_markup_printf_escaped (span->end_ns == SW_TIMELINE_OPEN
                                          ? _("<b>%s</b> (running)\n%s so far on %s\nstarted at %s")
                                          : _("<b>%s</b>\n%s on %s\nstarted at %s"),
                                        label ? label : "?", duration, lane->label, at);
      append_task_chain (self, span, &markup);
    }
  else if ((mark = find_mark (lane->never_ran, t, tol)) != NULL)
    {
      SwTimelineTask task;

      label = sw_timeline_model_get_task_label (self->model, mark->object);
      sw_timeline_model_get_task (self->model, mark->object, &task);
      markup = g_markup_printf_escaped (task.state == SW_TIMELINE_SPAN_FAILED
                                          ? _("<b>%s</b> failed before it started\n(its pool broke while it was queued)")
                                          : _("<b>%s</b> was cancelled before it started"),
                                        label ? label : "?");
    }
  else if ((span = find_span (lane->waits, t, 0, now)) != NULL)
    {
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      label = sw_timeline_model_get_task_label (self->model, span->object);
      switch ((SwWaitKind) span->reason)
        {
        case SW_WAIT_SHUTDOWN:
          markup = g_markup_printf_escaped (_("<b>%s</b> waited %s\nin shutdown(wait=True) for every task"),
                                            lane->name, duration);
          break;
        case SW_WAIT_JOIN:
          markup = g_markup_printf_escaped (_("<b>%s</b> waited %s\nin join until its coroutine was done"),
                                            lane->name, duration);
          break;
        case SW_WAIT_JOINALL:
          markup = g_markup_printf_escaped (_("<b>%s</b> waited %s\nin joinall until all its coroutines were done"),
                                            lane->name, duration);
          break;
        case SW_WAIT_RESULT:
        default:
          markup = g_markup_printf_escaped (_("<b>%s</b> waited %s\nfor the result of %s"),
                                            lane->name, duration, label ? label : "?");
          break;
        }
    }
  else if (lane->kind == SW_LANE_COROUTINE &&
           (span = find_span (lane->running, t, 0, now)) != NULL)
    {
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      at = sw_time_scale_format_tick (span->start_ns, 1000000);
      markup = g_markup_printf_escaped (span->end_ns == SW_TIMELINE_OPEN
                                          ? _("<b>%s</b> holds the thread\n%s so far, since %s")
                                          : _("<b>%s</b> held the thread\n%s, from %s"),
                                        lane->name, duration, at);
    }
  else if (lane->kind != SW_LANE_COROUTINE &&
           (span = find_span (lane->running, t, 0, now)) != NULL)
    {
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      markup = g_markup_printf_escaped (_("<b>%s</b> ran its event loop for %s\n"
                                          "every coroutine was waiting (sleep, I/O…)"),
                                        lane->name, duration);
    }
  else if ((span = find_waiting (lane, t, now, &waiting, &k)) != NULL)
    {
      const SwTimelineLane *to;

      to = sw_timeline_model_find_lane (self->model,
                                        g_array_index (lane->switches, SwTimelineSwitch, k).to_lane);
      end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      duration = sw_time_scale_format_duration (end - span->start_ns);
      markup = g_markup_printf_escaped (span->end_ns == SW_TIMELINE_OPEN
                                          ? _("<b>%s</b> waits: %s\n%s so far; gave the thread to %s")
                                          : _("<b>%s</b> waited: %s\n%s; gave the thread to %s"),
                                        lane->name, sw_switch_reason_to_string (span->reason),
                                        duration, to ? to->name : "?");
    }
  else
    {
      guint i = _sw_timeline_first_mark_after (lane->submits, 0, t - tol);
      guint n = _sw_timeline_first_mark_after (lane->submits, i, t + tol + 1) - i;

      if (n == 0)
        return FALSE;

      at = sw_time_scale_format_tick (g_array_index (lane->submits, SwTimelineMark, i).time_ns, 1000000);
      if (n == 1)
        {
          label = sw_timeline_model_get_task_label (self->model,
                                                    g_array_index (lane->submits, SwTimelineMark, i).object);
          markup = g_markup_printf_escaped (_("<b>%s</b> submitted at %s\nby %s"),
                                            label ? label : "?", at, lane->label);
        }
      else
        markup = g_markup_printf_escaped (ngettext ("<b>%u task</b> submitted at %s\nby %s",
                                                    "<b>%u tasks</b> submitted at %s\nby %s", n),
                                          n, at, lane->label);
    }

  gtk_tooltip_set_markup (tooltip, markup);
  return TRUE;
}

static void refresh_selection (SwTimeline *self,
                               gboolean    force);
static void emit_selection_changed (SwTimeline *self);

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  SwTimeline *self = SW_TIMELINE (widget);

  if (self->model != NULL && sw_timeline_model_update (self->model))
    gtk_widget_queue_draw (widget);

  return G_SOURCE_CONTINUE;
}

static void
update_tick (SwTimeline *self)
{
  gboolean want = self->model != NULL && sw_timeline_model_get_running (self->model);

  if (want && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
  else if (!want && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

static void
model_running_cb (SwTimeline      *self,
                  GParamSpec      *pspec,
                  SwTimelineModel *model)
{
  update_tick (self);
  /* The run's last events may have closed what is selected. */
  refresh_selection (self, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
model_changed_cb (SwTimeline      *self,
                  SwTimelineModel *model)
{
  refresh_selection (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- navigation --------------------------------------------------------- */

/* The run's whole length on the axis, for deciding whether a followed
 * view is "zoomed in". */
static gint64
run_length (SwTimeline *self)
{
  gint64 begin, end;

  if (self->model == NULL)
    return MIN_VISIBLE_NS;

  begin = sw_timeline_model_get_begin_ns (self->model);
  end = sw_timeline_model_get_end_ns (self->model);
  if (sw_timeline_model_get_running (self->model))
    end = MAX (end, sw_timeline_model_get_now_ns (self->model));

  return MAX (end - begin, 1);
}

static gint64
visible_ns (SwTimeline *self)
{
  return (gint64) (self->scale.ns_per_px * content_width (self));
}

/* Zooming the live view keeps it live: the width changes, "now" stays at
 * the right edge.  Anywhere else the view zooms about @anchor_x (content
 * coordinates) and stops following. */
static void
zoom_about (SwTimeline *self,
            double      anchor_x,
            double      factor)
{
  if (self->follow && self->model != NULL && sw_timeline_model_get_running (self->model))
    {
      /* The width asked for last, not the one drawn last: two presses
       * before a frame zoom twice. */
      gint64 span = (gint64) ((self->follow_span_ns > 0 ? self->follow_span_ns : visible_ns (self)) / factor);

      self->follow_span_ns = span >= run_length (self) ? 0 : MAX (span, 1000);
    }
  else
    {
      set_follow (self, FALSE);
      sw_time_scale_zoom (&self->scale, anchor_x, factor);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Where key zooms anchor: the pointer when it is over the bars, else the
 * middle of the view. */
static double
zoom_anchor (SwTimeline *self)
{
  double w = content_width (self);

  if (self->pointer_inside && self->pointer_x >= 0.0 && self->pointer_x <= w)
    return self->pointer_x;

  return w / 2.0;
}

/* Positive @dx_px shows earlier times.  Going back in time leaves the
 * live edge, so following stops; going forward while following is
 * already as far as there is. */
static void
pan_by (SwTimeline *self,
        double      dx_px)
{
  if (self->follow && dx_px <= 0.0)
    return;

  set_follow (self, FALSE);
  sw_time_scale_pan (&self->scale, dx_px);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
scroll_cb (SwTimeline               *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state;
  double step;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  step = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL ? WHEEL_STEP_PX : 1.0;

  if (state & GDK_CONTROL_MASK)
    zoom_about (self, self->pointer_x, pow (ZOOM_STEP, -dy * (step == 1.0 ? 0.05 : 1.0)));
  else if (state & GDK_SHIFT_MASK)
    {
      self->lane_offset = CLAMP (self->lane_offset + dy * step, 0.0, _sw_timeline_max_lane_offset (self));
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    pan_by (self, -(dx + dy) * step);

  return TRUE;
}

static void
motion_cb (SwTimeline               *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *controller)
{
  _sw_timeline_set_pointer (self, x, y, TRUE);
}

static void
leave_cb (SwTimeline               *self,
          GtkEventControllerMotion *controller)
{
  self->pointer_inside = FALSE;
}

static void
drag_begin_cb (SwTimeline     *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  self->drag_scale = self->scale;
  self->drag_offset = self->lane_offset;
  self->dragged = FALSE;

  /* Shift+drag over the bars, or a plain drag along the ruler, measures
   * a range; a plain drag over the bars pans. */
  self->range_drag = x >= self->metrics.label_w &&
                     ((state & GDK_SHIFT_MASK) != 0 || y < self->metrics.ruler_h);
  if (self->range_drag)
    self->range_anchor_ns = sw_time_scale_px_to_ns (&self->scale, x - self->metrics.label_w);
}

static void
drag_update_cb (SwTimeline     *self,
                double          dx,
                double          dy,
                GtkGestureDrag *gesture)
{
  double x0, y0;

  if (fabs (dx) >= 3.0 || fabs (dy) >= 3.0)
    self->dragged = TRUE;

  if (self->range_drag)
    {
      gtk_gesture_drag_get_start_point (gesture, &x0, &y0);
      if (fabs (dx) >= 2.0)
        sw_timeline_select_range (self, self->range_anchor_ns,
                                  sw_time_scale_px_to_ns (&self->scale, x0 + dx - self->metrics.label_w));
      return;
    }

  /* A click is not a pan: only leave follow mode once really dragged. */
  if (self->follow && fabs (dx) < 3.0 && fabs (dy) < 3.0)
    return;

  set_follow (self, FALSE);
  self->scale = self->drag_scale;
  sw_time_scale_pan (&self->scale, dx);
  self->lane_offset = CLAMP (self->drag_offset - dy, 0.0, _sw_timeline_max_lane_offset (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);

  zoom_about (self, zoom_anchor (self), ZOOM_STEP);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);

  zoom_about (self, zoom_anchor (self), 1.0 / ZOOM_STEP);
}

static void
fit_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  sw_timeline_fit (SW_TIMELINE (widget));
}

static void
pan_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);

  pan_by (self, g_variant_get_int32 (param) * content_width (self) / 10.0);
}

static void
zoom_to_selection_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  sw_timeline_zoom_to_selection (SW_TIMELINE (widget));
}

/* ] and [: the next or previous mark on the selected (else the focused)
 * lane, scrolled into view. */
static void
select_step_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);
  int direction = g_variant_get_int32 (param) > 0 ? 1 : -1;
  const SwTimelineLane *lane = NULL;
  SwTimelineHit hit;
  gint64 t;

  if (self->model == NULL)
    return;

  if (self->selected.kind != SW_TIMELINE_HIT_NONE)
    lane = sw_timeline_model_find_lane (self->model, self->selected.lane);
  for (guint i = self->focus_row == G_MAXUINT ? 0 : self->focus_row;
       lane == NULL && i < sw_timeline_model_get_n_rows (self->model);
       i++)
    if (sw_timeline_model_get_row (self->model, i)->kind == SW_TIMELINE_ROW_LANE)
      lane = sw_timeline_model_get_row (self->model, i)->lane;
  if (lane == NULL)
    return;

  if (self->selected.kind != SW_TIMELINE_HIT_NONE)
    t = self->selected.span.start_ns;
  else
    t = direction > 0 ? sw_time_scale_px_to_ns (&self->scale, 0.0) - 1
                      : sw_time_scale_px_to_ns (&self->scale, content_width (self));

  if (!sw_timeline_hit_step (self->model, lane, t, direction, &hit))
    return;

  sw_timeline_range_stats_clear (&self->range);
  self->selected = hit;
  memset (&self->chain, 0, sizeof self->chain);
  if (lane->row < sw_timeline_model_get_n_rows (self->model))
    {
      self->focus_row = lane->row;
      scroll_row_into_view (self, lane->row);
    }
  pan_time_into_view (self, hit.span.start_ns);

  refresh_selection (self, TRUE);
  emit_selection_changed (self);
}

static void
clear_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  sw_timeline_clear_selection (SW_TIMELINE (widget));
}

/* ---- selection ---------------------------------------------------------- */

static void
emit_selection_changed (SwTimeline *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Re-reads the selected span and chain from the model: while a run goes
 * on an open task ends, its callbacks arrive, a range fills up.  At most
 * every 100 ms, and only when the model has new events. */
static void
refresh_selection (SwTimeline *self,
                   gboolean    force)
{
  gint64 now_us = g_get_monotonic_time ();
  guint64 n_events;
  gboolean changed = FALSE;

  if (self->model == NULL)
    return;
  if (self->selected.kind == SW_TIMELINE_HIT_NONE && self->range.lanes == NULL)
    return;
  n_events = sw_timeline_model_get_n_events (self->model);
  if (!force && (n_events == self->chain_events || now_us - self->refreshed_us < 100000))
    return;

  self->chain_events = n_events;
  self->refreshed_us = now_us;

  if (self->selected.kind != SW_TIMELINE_HIT_NONE)
    {
      const SwTimelineLane *lane = sw_timeline_model_find_lane (self->model, self->selected.lane);
      GArray *spans = NULL;
      SwTimelineChain chain;

      if (lane != NULL)
        switch (self->selected.kind)
          {
          case SW_TIMELINE_HIT_TASK: spans = lane->tasks; break;
          case SW_TIMELINE_HIT_CALLBACK: spans = lane->callbacks; break;
          case SW_TIMELINE_HIT_WAIT: spans = lane->waits; break;
          case SW_TIMELINE_HIT_CO_RUNNING:
          case SW_TIMELINE_HIT_EVENT_LOOP: spans = lane->running; break;
          case SW_TIMELINE_HIT_CO_WAITING:
            {
              SwTimelineSpan waiting;

              /* Not stored: made from its switch (it may have ended since). */
              if (sw_timeline_lane_get_waiting (lane, self->selected.index, &waiting) &&
                  memcmp (&self->selected.span, &waiting, sizeof waiting) != 0)
                {
                  self->selected.span = waiting;
                  changed = TRUE;
                }
            }
            break;
          case SW_TIMELINE_HIT_NONE:
          default: break;
          }
      if (spans != NULL && self->selected.index < spans->len &&
          memcmp (&self->selected.span, &g_array_index (spans, SwTimelineSpan, self->selected.index),
                  sizeof (SwTimelineSpan)) != 0)
        {
          self->selected.span = g_array_index (spans, SwTimelineSpan, self->selected.index);
          changed = TRUE;
        }

      /* Coroutine runs carry no task: no chain to look up. */
      if (self->selected.kind == SW_TIMELINE_HIT_TASK ||
          self->selected.kind == SW_TIMELINE_HIT_CALLBACK ||
          self->selected.kind == SW_TIMELINE_HIT_WAIT)
        {
          sw_timeline_chain_lookup (self->model, self->selected.span.object, &chain);
          if (memcmp (&chain, &self->chain, sizeof chain) != 0)
            {
              self->chain = chain;
              changed = TRUE;
            }
        }
    }

  if (self->range.lanes != NULL && sw_timeline_model_get_running (self->model))
    {
      gint64 t0 = self->range.t0, t1 = self->range.t1;

      sw_timeline_range_stats_clear (&self->range);
      sw_timeline_range_stats_compute (self->model, t0, t1, &self->range);
      changed = TRUE;
    }

  if (changed)
    emit_selection_changed (self);
}

static void
click_released_cb (SwTimeline      *self,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkGestureClick *gesture)
{
  if (n_press != 1 || self->dragged || x < self->metrics.label_w || y < self->metrics.ruler_h)
    return;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  /* Clicking where nothing is drawn clears the selection. */
  if (!sw_timeline_select_at (self, x, y))
    sw_timeline_clear_selection (self);
}

/* The aggregate a row belongs to: itself, or the expanded one a
 * coroutine row sits under.  0 when none. */
static guint32
row_aggregate_thread (SwTimeline *self,
                      guint       index)
{
  const SwTimelineRow *row;

  if (self->model == NULL || index >= sw_timeline_model_get_n_rows (self->model))
    return 0;

  row = sw_timeline_model_get_row (self->model, index);
  if (row->kind == SW_TIMELINE_ROW_AGGREGATE)
    return row->thread;
  if (row->kind == SW_TIMELINE_ROW_LANE && row->lane->kind == SW_LANE_COROUTINE &&
      sw_timeline_model_get_n_aggregated (self->model, row->lane->parent) > 0)
    return row->lane->parent;

  return 0;
}

static void
toggle_aggregate (SwTimeline *self,
                  guint32     thread)
{
  gboolean expanded = !sw_timeline_model_get_expanded (self->model, thread);
  guint n = sw_timeline_model_get_n_rows (self->model);

  sw_timeline_model_set_expanded (self->model, thread, expanded);

  /* Keep the focus on the aggregate's own row, which does not move. */
  for (guint i = 0; i < n; i++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (self->model, i);

      if (row->kind == SW_TIMELINE_ROW_AGGREGATE && row->thread == thread)
        {
          self->focus_row = i;
          break;
        }
    }
  self->lane_offset = CLAMP (self->lane_offset, 0.0, _sw_timeline_max_lane_offset (self));
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Folds or unfolds a process: its header row stays where it is (rows
 * above it do not change), and keeps the focus. */
static void
toggle_process (SwTimeline              *self,
                const SwTimelineProcess *process)
{
  sw_timeline_model_set_process_expanded (self->model, process->pid, !process->expanded);
  self->focus_row = process->row;
  self->lane_offset = CLAMP (self->lane_offset, 0.0, _sw_timeline_max_lane_offset (self));
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Folds or expands the aggregate of the focused row, or the process
 * whose header is focused; with no row focused (or one outside any
 * aggregate), the first aggregate. */
static void
toggle_aggregate_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);
  guint32 thread = 0;

  if (self->model == NULL)
    return;

  if (self->focus_row < sw_timeline_model_get_n_rows (self->model) &&
      sw_timeline_model_get_row (self->model, self->focus_row)->kind == SW_TIMELINE_ROW_PROCESS)
    {
      toggle_process (self, sw_timeline_model_get_row (self->model, self->focus_row)->process);
      return;
    }

  if (self->focus_row != G_MAXUINT)
    thread = row_aggregate_thread (self, self->focus_row);
  for (guint i = 0; thread == 0 && i < sw_timeline_model_get_n_rows (self->model); i++)
    if (sw_timeline_model_get_row (self->model, i)->kind == SW_TIMELINE_ROW_AGGREGATE)
      thread = sw_timeline_model_get_row (self->model, i)->thread;

  if (thread != 0)
    toggle_aggregate (self, thread);
}

/* Moves the keyboard focus up or down the rows, scrolling it into view. */
static void
focus_row_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  SwTimeline *self = SW_TIMELINE (widget);
  guint n;
  gint64 row;

  if (self->model == NULL || (n = sw_timeline_model_get_n_rows (self->model)) == 0)
    return;

  row = self->focus_row == G_MAXUINT ? 0 : (gint64) self->focus_row + g_variant_get_int32 (param);
  self->focus_row = (guint) CLAMP (row, 0, (gint64) n - 1);
  scroll_row_into_view (self, self->focus_row);
  gtk_widget_queue_draw (widget);
}

/* A click on a label focuses that row; on an aggregate's, folds or
 * expands it. */
static void
click_pressed_cb (SwTimeline      *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  guint index;
  const SwTimelineRow *row;

  /* A double click is one toggle, not two. */
  if (n_press != 1 || x >= self->metrics.label_w || (index = row_at_y (self, y)) == G_MAXUINT)
    return;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->focus_row = index;
  row = sw_timeline_model_get_row (self->model, index);
  if (row->kind == SW_TIMELINE_ROW_AGGREGATE)
    toggle_aggregate (self, row->thread);
  else if (row->kind == SW_TIMELINE_ROW_PROCESS)
    toggle_process (self, row->process);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
sw_timeline_dispose (GObject *object)
{
  SwTimeline *self = SW_TIMELINE (object);

  sw_timeline_set_model (self, NULL);
  sw_timeline_range_stats_clear (&self->range);

  G_OBJECT_CLASS (sw_timeline_parent_class)->dispose (object);
}

static void
sw_timeline_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SwTimeline *self = SW_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_FOLLOW:
      g_value_set_boolean (value, self->follow);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SwTimeline *self = SW_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      sw_timeline_set_model (self, g_value_get_object (value));
      break;

    case PROP_FOLLOW:
      sw_timeline_set_follow (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  SwTimeline *self = SW_TIMELINE (widget);

  _sw_timeline_update_metrics (self);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (self->metrics.label_w + 120);
      *natural = (int) (self->metrics.label_w + 800);
    }
  else
    {
      guint n = self->model ? sw_timeline_model_get_n_rows (self->model) : 0;

      *minimum = (int) (self->metrics.ruler_h + self->metrics.legend_h + 2 * self->metrics.lane_h);
      *natural = (int) (self->metrics.ruler_h + self->metrics.legend_h + MAX (n, 5) * self->metrics.lane_h);
    }
}

static void
sw_timeline_class_init (SwTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sw_timeline_dispose;
  object_class->get_property = sw_timeline_get_property;
  object_class->set_property = sw_timeline_set_property;

  widget_class->snapshot = _sw_timeline_snapshot;
  widget_class->measure = sw_timeline_measure;
  widget_class->query_tooltip = sw_timeline_query_tooltip;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         SW_TYPE_TIMELINE_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* TRUE while the view tracks "now" (the whole run, or the width it had
   * when following was turned on); panning back in time or zooming a
   * finished run turns it off, sw_timeline_fit() or F on again. */
  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The selection, its chain or the range statistics changed (also
   * while a run fills them in). */
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "timeline.fit", NULL, fit_action);
  gtk_widget_class_install_action (widget_class, "timeline.pan", "i", pan_action);
  gtk_widget_class_install_action (widget_class, "timeline.toggle-aggregate", NULL, toggle_aggregate_action);
  gtk_widget_class_install_action (widget_class, "timeline.focus-row", "i", focus_row_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-to-selection", NULL, zoom_to_selection_action);
  gtk_widget_class_install_action (widget_class, "timeline.clear-selection", NULL, clear_selection_action);
  gtk_widget_class_install_action (widget_class, "timeline.select-step", "i", select_step_action);
  gtk_widget_class_install_property_action (widget_class, "timeline.follow", "follow");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "timeline.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "timeline.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "timeline.pan", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "timeline.pan", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, 0, "timeline.pan", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, 0, "timeline.pan", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "timeline.follow", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, 0, "timeline.zoom-to-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "timeline.clear-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0, "timeline.select-step", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0, "timeline.select-step", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, 0, "timeline.focus-row", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, 0, "timeline.focus-row", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "timeline.toggle-aggregate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "timeline.toggle-aggregate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "timeline.toggle-aggregate", NULL);

  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sw_timeline_init (SwTimeline *self)
{
  GtkEventController *controller;
  GtkGesture *drag;

  self->follow = TRUE;
  self->focus_row = G_MAXUINT;
  self->ui_scale = 1.0;
  self->min_line_w = 1.0;
  sw_time_scale_init (&self->scale, 0, 1e6);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_object (controller, "scroll", G_CALLBACK (scroll_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect_object (controller, "motion", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "enter", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "leave", G_CALLBACK (leave_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drag = gtk_gesture_drag_new ();
  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drag, "drag-update", G_CALLBACK (drag_update_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect_object (controller, "pressed", G_CALLBACK (click_pressed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "released", G_CALLBACK (click_released_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
sw_timeline_new (void)
{
  return g_object_new (SW_TYPE_TIMELINE, NULL);
}

/**
 * sw_timeline_get_model:
 *
 * Returns: (transfer none) (nullable): the model drawn
 */
SwTimelineModel *
sw_timeline_get_model (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), NULL);

  return self->model;
}

/* A new model (a new run) starts in follow mode. */
void
sw_timeline_set_model (SwTimeline      *self,
                       SwTimelineModel *model)
{
  g_return_if_fail (SW_IS_TIMELINE (self));
  g_return_if_fail (model == NULL || SW_IS_TIMELINE_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (self->model != NULL)
    {
      g_signal_connect_object (self->model, "notify::running",
                               G_CALLBACK (model_running_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "changed",
                               G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
    }

  update_tick (self);
  self->lane_offset = 0.0;
  self->focus_row = G_MAXUINT;
  self->follow_span_ns = 0;
  set_follow (self, TRUE);
  sw_timeline_clear_selection (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

/**
 * sw_timeline_swap_model:
 * @model: another model of the same trace (a replay gone back rebuilds
 *   its model)
 *
 * Shows @model where the current one was without moving the view: the
 * time range (or following live), the vertical scroll and the focused row
 * stay.  The selection is cleared, as it points into the old model.
 */
void
sw_timeline_swap_model (SwTimeline      *self,
                        SwTimelineModel *model)
{
  SwTimeScale scale;
  gboolean follow;
  gint64 follow_span_ns;
  double lane_offset;
  guint focus_row;

  g_return_if_fail (SW_IS_TIMELINE (self));
  g_return_if_fail (SW_IS_TIMELINE_MODEL (model));

  scale = self->scale;
  follow = self->follow;
  follow_span_ns = self->follow_span_ns;
  lane_offset = self->lane_offset;
  focus_row = self->focus_row;

  sw_timeline_set_model (self, model);

  set_follow (self, follow);
  self->follow_span_ns = follow_span_ns;
  if (!follow)
    self->scale = scale;
  /* Clamped to the new model's rows when drawn. */
  self->lane_offset = lane_offset;
  if (focus_row < sw_timeline_model_get_n_rows (model))
    self->focus_row = focus_row;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
sw_timeline_get_follow (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), FALSE);

  return self->follow;
}

/* Back to showing the whole run, tracking "now" while it runs. */
void
sw_timeline_fit (SwTimeline *self)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  self->follow_span_ns = 0;
  set_follow (self, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Shows [begin_ns, end_ns] (relative to the run's start) across the
 * width; the view stays there (no follow). */
void
sw_timeline_show_range (SwTimeline *self,
                        gint64      begin_ns,
                        gint64      end_ns)
{
  g_return_if_fail (SW_IS_TIMELINE (self));
  g_return_if_fail (end_ns > begin_ns);

  set_follow (self, FALSE);
  sw_time_scale_fit (&self->scale, begin_ns, end_ns, content_width (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Zooms about the middle of the view (the live edge while following). */
void
sw_timeline_zoom (SwTimeline *self,
                  double      factor)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  zoom_about (self, content_width (self) / 2.0, factor);
}

const SwTimeScale *
sw_timeline_get_scale (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), NULL);

  return &self->scale;
}

guint
sw_timeline_get_n_drawn_bars (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0);

  return self->n_drawn_bars;
}

/* Rows of @kind drawn in the last frame (on screen), for tests. */
guint
sw_timeline_get_n_drawn_rows (SwTimeline        *self,
                              SwTimelineRowKind  kind)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0);
  g_return_val_if_fail (kind <= SW_TIMELINE_ROW_PROCESS, 0);

  return self->n_drawn_rows[kind];
}

/* Turns following "now" on or off.  On while zoomed in, the view keeps
 * its width and slides with the run; else it fits the whole run. */
void
sw_timeline_set_follow (SwTimeline *self,
                        gboolean    follow)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  if (follow && !self->follow)
    {
      gint64 span = visible_ns (self);

      self->follow_span_ns = span < run_length (self) ? span : 0;
    }
  set_follow (self, follow);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * sw_timeline_select_at:
 * @x: widget coordinates
 * @y: widget coordinates
 *
 * Selects what is drawn at (@x, @y), as a click there does: a task bar,
 * a callback, a wait, a coroutine's run or wait, within a few pixels.
 * Clears a range selection.
 *
 * Returns: TRUE when something was there (and is now selected)
 */
gboolean
sw_timeline_select_at (SwTimeline *self,
                       double      x,
                       double      y)
{
  const SwTimelineRow *row;
  SwTimelineHit hit;
  guint index;
  gint64 t;

  g_return_val_if_fail (SW_IS_TIMELINE (self), FALSE);

  if (self->model == NULL || x < self->metrics.label_w || (index = row_at_y (self, y)) == G_MAXUINT)
    return FALSE;
  row = sw_timeline_model_get_row (self->model, index);
  if (row->kind != SW_TIMELINE_ROW_LANE)
    return FALSE;

  t = sw_time_scale_px_to_ns (&self->scale, x - self->metrics.label_w);
  if (!sw_timeline_hit_test (self->model, row->lane, t, (gint64) ceil (4.0 * self->scale.ns_per_px), &hit))
    return FALSE;

  sw_timeline_range_stats_clear (&self->range);
  self->selected = hit;
  memset (&self->chain, 0, sizeof self->chain);
  refresh_selection (self, TRUE);
  emit_selection_changed (self);
  return TRUE;
}

/* Selects the range between @t0 and @t1 (either order) for its
 * statistics; clears a selected mark. */
void
sw_timeline_select_range (SwTimeline *self,
                          gint64      t0,
                          gint64      t1)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  if (self->model == NULL || t0 == t1)
    return;

  memset (&self->selected, 0, sizeof self->selected);
  memset (&self->chain, 0, sizeof self->chain);
  sw_timeline_range_stats_clear (&self->range);
  sw_timeline_range_stats_compute (self->model, t0, t1, &self->range);
  emit_selection_changed (self);
}

void
sw_timeline_clear_selection (SwTimeline *self)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  if (self->selected.kind == SW_TIMELINE_HIT_NONE && self->range.lanes == NULL)
    return;

  memset (&self->selected, 0, sizeof self->selected);
  memset (&self->chain, 0, sizeof self->chain);
  sw_timeline_range_stats_clear (&self->range);
  emit_selection_changed (self);
}

/**
 * sw_timeline_get_selection:
 *
 * Returns: (nullable): the selected mark, or NULL
 */
const SwTimelineHit *
sw_timeline_get_selection (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), NULL);

  return self->selected.kind != SW_TIMELINE_HIT_NONE ? &self->selected : NULL;
}

/**
 * sw_timeline_get_chain:
 *
 * Returns: (nullable): the selected task's chain, or NULL when the
 *   selection is not part of a task
 */
const SwTimelineChain *
sw_timeline_get_chain (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), NULL);

  if (self->selected.kind == SW_TIMELINE_HIT_NONE ||
      (!self->chain.has_run && !self->chain.has_submit && self->chain.n_callbacks == 0))
    return NULL;

  return &self->chain;
}

/**
 * sw_timeline_get_range_stats:
 *
 * Returns: (nullable): the statistics of the selected range, or NULL
 */
const SwTimelineRangeStats *
sw_timeline_get_range_stats (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), NULL);

  return self->range.lanes != NULL ? &self->range : NULL;
}

/* Fits the selected range, or the selected task's whole chain (or the
 * selected span), with a little room either side. */
void
sw_timeline_zoom_to_selection (SwTimeline *self)
{
  gint64 begin, end, pad;

  g_return_if_fail (SW_IS_TIMELINE (self));

  if (self->model == NULL)
    return;

  if (self->range.lanes != NULL)
    {
      sw_timeline_show_range (self, self->range.t0, self->range.t1);
      return;
    }
  if (self->selected.kind == SW_TIMELINE_HIT_NONE)
    return;

  if (!sw_timeline_chain_get_extent (&self->chain, sw_timeline_model_get_now_ns (self->model), &begin, &end))
    {
      begin = self->selected.span.start_ns;
      end = self->selected.span.end_ns == SW_TIMELINE_OPEN ? sw_timeline_model_get_now_ns (self->model)
                                                           : self->selected.span.end_ns;
    }
  end = MAX (end, begin + 1000);
  pad = (end - begin) / 10;
  sw_timeline_show_range (self, begin - pad, end + pad);
}

/* Where the pointer is (widget coordinates): key zooms anchor there. */
void
_sw_timeline_set_pointer (SwTimeline *self,
                          double      x,
                          double      y,
                          gboolean    inside)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  self->pointer_x = x - self->metrics.label_w;
  self->pointer_inside = inside && x >= self->metrics.label_w;
}

/**
 * sw_timeline_reveal:
 * @lane_id: a lane of the model
 * @time_ns: a time on the model's clock
 *
 * Scrolls, as little as it takes, so that @time_ns on @lane_id's row is
 * in view: a replay's step lands on an event wherever it happened.  A
 * lane folded away (its process, its thread's aggregate) stays folded;
 * only the time is brought into view then.
 */
void
sw_timeline_reveal (SwTimeline *self,
                    guint32     lane_id,
                    gint64      time_ns)
{
  const SwTimelineLane *lane;

  g_return_if_fail (SW_IS_TIMELINE (self));

  if (self->model == NULL)
    return;

  lane = sw_timeline_model_find_lane (self->model, lane_id);
  if (lane != NULL && lane->row < sw_timeline_model_get_n_rows (self->model))
    scroll_row_into_view (self, lane->row);
  pan_time_into_view (self, time_ns);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* How many of @what the last frame drew, for tests. */
guint
sw_timeline_get_n_drawn (SwTimeline      *self,
                         SwTimelineDrawn  what)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0);
  g_return_val_if_fail (what < SW_TIMELINE_N_DRAWN, 0);

  return self->n_drawn[what];
}

/* ---- presentation ------------------------------------------------------ */

/**
 * sw_timeline_set_presentation:
 *
 * Presentation mode: labels in pixel sizes (≥ 24 px line boxes at 100 %),
 * lines twice as wide, and the run's summary drawn in the legend's band.
 * The palette comes from the stylesheet (the window's classes).
 */
void
sw_timeline_set_presentation (SwTimeline *self,
                              gboolean    presentation)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  presentation = !!presentation;
  if (self->presentation == presentation)
    return;
  self->presentation = presentation;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
sw_timeline_get_presentation (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), FALSE);

  return self->presentation;
}

/* @scale: 1.0 (100 %) to 3.0; type and lines grow with it. */
void
sw_timeline_set_ui_scale (SwTimeline *self,
                          double      scale)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  scale = CLAMP (scale, SW_TIMELINE_MIN_UI_SCALE, SW_TIMELINE_MAX_UI_SCALE);
  if (self->ui_scale == scale)
    return;
  self->ui_scale = scale;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

double
sw_timeline_get_ui_scale (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 1.0);

  return self->ui_scale;
}

/**
 * sw_timeline_set_summary:
 * @task_ns: the serial sum of the tasks' own times
 * @wall_ns: the wall time they took (first submit to last end); 0 for none
 *
 * What the summary plate says in presentation mode.
 */
void
sw_timeline_set_summary (SwTimeline *self,
                         gint64      task_ns,
                         gint64      wall_ns)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  if (self->have_summary == (wall_ns > 0) &&
      self->summary_task_ns == task_ns && self->summary_wall_ns == wall_ns)
    return;
  self->have_summary = wall_ns > 0;
  self->summary_task_ns = task_ns;
  self->summary_wall_ns = wall_ns;
  self->summary_speedup = wall_ns > 0 ? (double) task_ns / (double) wall_ns : 0.0;
  if (self->presentation)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The line height, in pixels, of the labels (lane names, bar labels) or
 * of the smaller second lines (TIDs, ruler), as the last frame drew them. */
double
sw_timeline_get_label_height (SwTimeline *self,
                              gboolean    small)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0.0);

  return small ? self->small_px : self->label_px;
}

/* The thinnest line (grid, tick, outline, arrow) of the last frame; 0
 * when it drew none. */
double
sw_timeline_get_min_line_width (SwTimeline *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0.0);

  return self->min_line_w == G_MAXDOUBLE ? 0.0 : self->min_line_w;
}

/* Where the last frame drew the summary plate; FALSE when it drew none. */
gboolean
sw_timeline_get_summary_rect (SwTimeline      *self,
                              graphene_rect_t *rect)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), FALSE);

  if (rect != NULL)
    *rect = self->summary_rect;
  return self->n_drawn[SW_TIMELINE_DRAWN_SUMMARY] > 0;
}
