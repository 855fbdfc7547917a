/* sw-timeline-draw.c — how SwTimeline draws, in snapshot
 *
 * The palette, type and metrics; every row's draw_*, the flow and switch
 * arrows, the selection highlight and range, the presentation's summary
 * plate, and _sw_timeline_snapshot() that puts them together.
 *
 * Layout: a time ruler along the top, a column of lane labels at the left,
 * and one row per lane with task bars, done-callbacks, waits and submit
 * marks.  What one frame draws is bounded by pixels: per lane, spans are
 * found by binary search and everything narrower than a pixel collapses
 * into one pixel column.  Colours come from data/style.css.
 */

#include "config.h"

#include "sw-timeline-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Presentation type, in pixels (em): a lane's or bar's label and the
 * smaller second line.  Their line boxes are then ≥ 24 px tall, what the
 * back row of a hall reads on a 1920×1080 projector. */
#define PRESENTATION_LABEL_PX 24.0
#define PRESENTATION_SMALL_PX 21.0
/* Past this many coroutine switches per 10 px, arrows would be a smear:
 * one translucent band says "switching hard here" instead. */
#define DENSE_SWITCHES_PER_10PX 3

typedef struct {
  GdkRGBA fg;
  GdkRGBA dim;
  GdkRGBA grid;
  GdkRGBA lane_alt;
  GdkRGBA label_bg;
  GdkRGBA ruler_bg;
  GdkRGBA task;
  GdkRGBA task_open;
  GdkRGBA task_failed;
  GdkRGBA task_cancelled;
  GdkRGBA task_text;
  GdkRGBA submit;
  GdkRGBA callback;
  GdkRGBA wait;
  GdkRGBA now;
  GdkRGBA agg_run;
  GdkRGBA agg_wait;
  GdkRGBA counter;
  GdkRGBA ctx_voluntary;
  GdkRGBA ctx_involuntary;
  GdkRGBA log;
  GdkRGBA hues[SW_TIMELINE_N_HUES];
  GdkRGBA failed_edge;
  GdkRGBA bar_edge;        /* transparent but in the high-contrast palettes */
  GdkRGBA summary_bg;
  GdkRGBA summary_fg;
  GdkRGBA canvas;          /* painted under everything unless transparent */
} Palette;

static void
lookup_color (GtkWidget  *widget,
              const char *css_class,
              GdkRGBA    *out)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  /* A transient style node per class: the 4.8 way to read CSS colours
   * for custom drawing (gtk_widget_get_color arrives in 4.10). */
  gtk_style_context_save (context);
  gtk_style_context_add_class (context, css_class);
  gtk_style_context_get_color (context, out);
  gtk_style_context_restore (context);
}

static void
load_palette (SwTimeline *self,
              Palette    *p)
{
  GtkWidget *w = GTK_WIDGET (self);

  gtk_style_context_get_color (gtk_widget_get_style_context (w), &p->fg);
  lookup_color (w, "dim", &p->dim);
  lookup_color (w, "grid", &p->grid);
  lookup_color (w, "lane-alt", &p->lane_alt);
  lookup_color (w, "label-bg", &p->label_bg);
  lookup_color (w, "ruler-bg", &p->ruler_bg);
  lookup_color (w, "task", &p->task);
  lookup_color (w, "task-open", &p->task_open);
  lookup_color (w, "task-failed", &p->task_failed);
  lookup_color (w, "task-cancelled", &p->task_cancelled);
  lookup_color (w, "task-text", &p->task_text);
  lookup_color (w, "submit", &p->submit);
  lookup_color (w, "callback", &p->callback);
  lookup_color (w, "wait", &p->wait);
  lookup_color (w, "now", &p->now);
  lookup_color (w, "aggregate-run", &p->agg_run);
  lookup_color (w, "aggregate-wait", &p->agg_wait);
  lookup_color (w, "counter", &p->counter);
  lookup_color (w, "ctx-voluntary", &p->ctx_voluntary);
  lookup_color (w, "ctx-involuntary", &p->ctx_involuntary);
  lookup_color (w, "log", &p->log);
  lookup_color (w, "task-failed-edge", &p->failed_edge);
  lookup_color (w, "bar-edge", &p->bar_edge);
  lookup_color (w, "summary-bg", &p->summary_bg);
  lookup_color (w, "summary-fg", &p->summary_fg);
  lookup_color (w, "canvas", &p->canvas);
  for (guint h = 0; h < SW_TIMELINE_N_HUES; h++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "task-hue-%u", h);
      lookup_color (w, name, &p->hues[h]);
    }
}

/* The timeline's type: the stylesheet's size times the scale, or in
 * presentation mode a size in pixels times the scale (so labels are as
 * tall whatever the screen's DPI setting says). */
static PangoLayout *
create_layout (SwTimeline *self,
               const char *text,
               gboolean    small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoContext *context = pango_layout_get_context (layout);
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (context));
  double factor = (small ? 0.8 : 1.0) * self->ui_scale;

  if (self->presentation)
    pango_font_description_set_absolute_size (font, (small ? PRESENTATION_SMALL_PX : PRESENTATION_LABEL_PX) *
                                                    self->ui_scale * PANGO_SCALE);
  else if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, pango_font_description_get_size (font) * factor);
  else
    pango_font_description_set_size (font, (int) (pango_font_description_get_size (font) * factor));
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  return layout;
}

/* A line @base px wide at 100 % outside presentation; twice that in
 * presentation mode, and times the scale.  Remembers the thinnest line
 * of the frame, for tests. */
static double
line_w (SwTimeline *self,
        double      base)
{
  double w = base * self->ui_scale * (self->presentation ? 2.0 : 1.0);

  self->min_line_w = MIN (self->min_line_w, w);
  return w;
}

void
_sw_timeline_update_metrics (SwTimeline *self)
{
  g_autoptr(PangoLayout) layout = NULL;
  PangoRectangle logical;
  Metrics *m = &self->metrics;
  double label_w = 0.0;

  layout = create_layout (self, "Mg", FALSE);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  m->line_h = MAX (logical.height, 8);
  m->char_w = MAX (logical.width / 2.0, 4.0);
  m->ruler_h = ceil (m->line_h * 1.9);
  m->legend_h = ceil (m->line_h * 1.7);
  m->lane_h = ceil (m->line_h * 3.4);
  /* The summary plate sits in the legend's band, bottom right, where it
   * hides no bar: two lines, the first large. */
  if (self->presentation)
    m->legend_h = ceil (m->line_h * 3.2);

  if (self->names_model != self->model || self->names_char_w != m->char_w)
    {
      self->names_model = self->model;
      self->names_char_w = m->char_w;
      self->names_w = 0.0;
      self->names_max_id = 0;
    }

  if (self->model != NULL)
    {
      guint n = sw_timeline_model_get_n_rows (self->model);
      guint32 max_id = self->names_max_id;

      /* Rows, not lanes: folded coroutines are not measured (nor drawn). */
      for (guint i = 0; i < n; i++)
        {
          const SwTimelineRow *row = sw_timeline_model_get_row (self->model, i);
          const SwTimelineLane *lane = row->lane;

          if (row->kind != SW_TIMELINE_ROW_LANE || lane->id <= self->names_max_id)
            continue;
          pango_layout_set_text (layout, lane->name, -1);
          pango_layout_get_pixel_extents (layout, NULL, &logical);
          self->names_w = MAX (self->names_w, logical.width);
          max_id = MAX (max_id, lane->id);
        }
      self->names_max_id = max_id;
      label_w = self->names_w;
    }

  /* Room for "process · PID 1234567 · ⇄ 123" (smaller type) under the
   * name, and padding either side. */
  label_w = MAX (label_w, m->char_w * 19.0);
  m->label_w = ceil (MIN (label_w, m->char_w * 24.0) + 2.5 * m->char_w);
}

/* First index whose span ends at or after t (open spans end at +∞). */
guint
_sw_timeline_first_ending_after (GArray *spans,
                                 gint64  t)
{
  return sw_timeline_lower_bound (spans, G_STRUCT_OFFSET (SwTimelineSpan, end_ns), 0, t);
}

/* First index ≥ from whose span starts at or after t. */
static guint
first_starting_after (GArray *spans,
                      guint   from,
                      gint64  t)
{
  return sw_timeline_lower_bound (spans, G_STRUCT_OFFSET (SwTimelineSpan, start_ns), from, t);
}

guint
_sw_timeline_first_mark_after (GArray *marks,
                               guint   from,
                               gint64  t)
{
  return sw_timeline_lower_bound (marks, G_STRUCT_OFFSET (SwTimelineMark, time_ns), from, t);
}

static void
append_bar (GtkSnapshot   *snapshot,
            const GdkRGBA *color,
            double         x,
            double         y,
            double         w,
            double         h,
            double         radius)
{
  graphene_rect_t rect = GRAPHENE_RECT_INIT (x, y, w, h);

  if (w >= 3.0 * radius && radius > 0.0)
    {
      GskRoundedRect rounded;

      gsk_rounded_rect_init_from_rect (&rounded, &rect, radius);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, color, &rect);
      gtk_snapshot_pop (snapshot);
    }
  else
    gtk_snapshot_append_color (snapshot, color, &rect);
}

static void
draw_hatch (GtkSnapshot   *snapshot,
            const GdkRGBA *color,
            double         x,
            double         y,
            double         w,
            double         h,
            double         line)
{
  /* Thicker stripes further apart: the same pattern, larger. */
  double t = MAX (10.0, round (line * 20.0 / 3.0));
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (x, y, w, h);
  graphene_rect_t tile = GRAPHENE_RECT_INIT (x, y, t, t);
  GdkRGBA fill = *color;
  cairo_t *cr;

  fill.alpha *= 0.35;
  gtk_snapshot_append_color (snapshot, &fill, &bounds);

  /* One 10×10 tile of diagonal stripe, repeated by the renderer. */
  gtk_snapshot_push_repeat (snapshot, &bounds, &tile);
  cr = gtk_snapshot_append_cairo (snapshot, &tile);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, line);
  cairo_move_to (cr, x - 1, y + t + 1);
  cairo_line_to (cr, x + t + 1, y - 1);
  cairo_move_to (cr, x - 1, y + 1);
  cairo_line_to (cr, x + 1, y - 1);
  cairo_move_to (cr, x + t - 1, y + t + 1);
  cairo_line_to (cr, x + t + 1, y + t - 1);
  cairo_stroke (cr);
  cairo_destroy (cr);
  gtk_snapshot_pop (snapshot);
}

static void
draw_text (GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           const GdkRGBA *color,
           double         x,
           double         y)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

typedef struct {
  SwTimeline     *self;
  GtkSnapshot    *snapshot;
  PangoLayout    *layout;
  PangoLayout    *small;
  const Palette  *palette;
  double          width;   /* content width */
  gint64          t0;      /* visible time range */
  gint64          t1;
  gint64          now;
} DrawContext;

static const GdkRGBA *
span_color (const DrawContext    *dc,
            const SwTimelineSpan *span)
{
  if (span->end_ns == SW_TIMELINE_OPEN)
    return &dc->palette->task_open;

  switch ((SwTimelineSpanState) span->state)
    {
    case SW_TIMELINE_SPAN_FAILED:
      return &dc->palette->task_failed;
    case SW_TIMELINE_SPAN_CANCELLED:
      return &dc->palette->task_cancelled;
    case SW_TIMELINE_SPAN_OK:
    default:
      return &dc->palette->task;
    }
}

typedef enum {
  SPANS_TASKS,
  SPANS_CALLBACKS,
  SPANS_WAITS,        /* a lane's blocking waits: labelled with the call */
  SPANS_FOLDED_WAITS, /* the same on a folded process's header: no label */
  SPANS_CO_RUNNING,   /* a coroutine holds the thread */
  SPANS_CO_WAITING,   /* it gave the thread up: labelled with why */
  SPANS_CO_LOOP,      /* the thread's own code between its coroutines */
} SpanStyle;

/* Draws @text centred in [x0, x1] on a small plate, if it fits; says
 * whether it did. */
static gboolean
draw_plate_label (DrawContext   *dc,
                  PangoLayout   *layout,
                  const char    *text,
                  const GdkRGBA *plate,
                  const GdkRGBA *color,
                  double         x0,
                  double         x1,
                  double         y,
                  double         h)
{
  PangoRectangle logical;
  double pad = 0.4 * dc->self->metrics.char_w;
  double tx;

  x0 = MAX (x0, 0.0);
  x1 = MIN (x1, dc->width);
  /* Setting the same text again would shape it again: plates come in
   * runs of one text ("recv", "recv", …). */
  if (g_strcmp0 (pango_layout_get_text (layout), text) != 0)
    pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (logical.width + 2.0 * pad > x1 - x0 - 4.0 || logical.height > h + 2.0)
    return FALSE;

  tx = round (x0 + (x1 - x0 - logical.width) / 2.0);
  append_bar (dc->snapshot, plate, tx - pad, y + (h - logical.height) / 2.0 - 1.0,
              logical.width + 2.0 * pad, logical.height + 2.0, 3.0);
  draw_text (dc->snapshot, layout, color, tx, y + (h - logical.height) / 2.0);
  return TRUE;
}

/* Draws @text on a bar [x0, x1] (from its left end, or the view's if it
 * starts before), if it fits; says whether it did. */
static gboolean
draw_bar_label (DrawContext   *dc,
                const char    *text,
                const GdkRGBA *color,
                double         x0,
                double         x1,
                double         y,
                double         h)
{
  PangoRectangle logical;
  double tx = MAX (x0, 0.0) + 0.6 * dc->self->metrics.char_w;

  pango_layout_set_text (dc->layout, text, -1);
  pango_layout_get_pixel_extents (dc->layout, NULL, &logical);
  if (tx + logical.width > x1 - 4.0)
    return FALSE;
  draw_text (dc->snapshot, dc->layout, color, tx, y + (h - logical.height) / 2.0);
  return TRUE;
}

static void
append_outline (GtkSnapshot   *snapshot,
                const GdkRGBA *color,
                double         x,
                double         y,
                double         w,
                double         h,
                double         width)
{
  GskRoundedRect outline;
  float widths[4] = { width, width, width, width };
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x, y, w, h), 0);
  gtk_snapshot_append_border (snapshot, &outline, widths, colors);
}

static const GdkRGBA *
task_hue (const DrawContext    *dc,
          const SwTimelineSpan *span)
{
  if (span->reason == 0 || span->reason > SW_TIMELINE_N_HUES)
    return &dc->palette->task;

  dc->self->hues_drawn |= 1u << (span->reason - 1);
  return &dc->palette->hues[span->reason - 1];
}

/* Light hues carry dark text. */
static const GdkRGBA *
text_on (const DrawContext *dc,
         const GdkRGBA     *fill)
{
  static const GdkRGBA dark = { 0.10, 0.10, 0.12, 1.0 };
  double luma = 0.2126 * fill->red + 0.7152 * fill->green + 0.0722 * fill->blue;

  return luma > 0.5 ? &dark : &dc->palette->task_text;
}

/* A task's bar: its hue when it went well, growing while it runs; red
 * with a dark edge when it failed, grey hatching when cancelled, whatever
 * its hue.  Returns the fill, for the label on it. */
static const GdkRGBA *
draw_task_bar (DrawContext          *dc,
               const SwTimelineSpan *span,
               double                x,
               double                y,
               double                w,
               double                h)
{
  SwTimeline *self = dc->self;
  const GdkRGBA *hue = task_hue (dc, span);

  if (span->end_ns == SW_TIMELINE_OPEN)
    {
      GdkRGBA light = *hue;

      /* Lighter body, solid leading edge: it is still going. */
      light.alpha *= 0.55;
      append_bar (dc->snapshot, &light, x, y, w, h, 4.0);
      gtk_snapshot_append_color (dc->snapshot, hue,
                                 &GRAPHENE_RECT_INIT (x + MAX (w - 3.0, 0.0), y, MIN (w, 3.0), h));
      self->n_drawn[SW_TIMELINE_DRAWN_RUNNING]++;
      return hue;
    }

  switch ((SwTimelineSpanState) span->state)
    {
    case SW_TIMELINE_SPAN_FAILED:
      append_bar (dc->snapshot, &dc->palette->task_failed, x, y, w, h, 0.0);
      if (w >= 4.0)
        append_outline (dc->snapshot, &dc->palette->failed_edge, x, y, w, h, line_w (self, 2.0));
      self->n_drawn[SW_TIMELINE_DRAWN_FAILED]++;
      return &dc->palette->task_failed;

    case SW_TIMELINE_SPAN_CANCELLED:
      draw_hatch (dc->snapshot, &dc->palette->task_cancelled, x, y, w, h, line_w (self, 1.5));
      if (w >= 4.0)
        append_outline (dc->snapshot, &dc->palette->task_cancelled, x, y, w, h, line_w (self, 1.5));
      self->n_drawn[SW_TIMELINE_DRAWN_CANCELLED]++;
      return &dc->palette->label_bg;

    case SW_TIMELINE_SPAN_OK:
    default:
      append_bar (dc->snapshot, hue, x, y, w, h, 4.0);
      /* The high-contrast palettes edge every bar: a pale hue on white
       * or a dark one on black still has a clear outline. */
      if (dc->palette->bar_edge.alpha > 0.0 && w >= 6.0)
        append_outline (dc->snapshot, &dc->palette->bar_edge, x, y, w, h, line_w (self, 1.0));
      return hue;
    }
}

/* What a blocking wait's plate says: the call that blocked, as the
 * lessons write it ("result(page 3)", "shutdown(wait=True)", "joinall"). */
static char *
wait_label (DrawContext          *dc,
            const SwTimelineSpan *span)
{
  const char *task;

  if (span->reason != SW_WAIT_RESULT)
    return g_strdup (sw_wait_kind_to_string (span->reason));
  task = sw_timeline_model_get_task_label (dc->self->model, span->object);
  if (task != NULL)
    return g_strdup_printf ("result(%s)", task);
  return g_strdup_printf ("result(task %" G_GUINT64_FORMAT ")", span->object);
}

static void
draw_spans (DrawContext *dc,
            GArray      *spans,
            SpanStyle    style,
            double       y,
            double       h)
{
  const SwTimeScale *scale = &dc->self->scale;
  guint i = _sw_timeline_first_ending_after (spans, dc->t0);
  /* A coroutine's run of a few µs still shows where it held the thread. */
  double min_w = style == SPANS_CALLBACKS ? 4.0 : style == SPANS_CO_RUNNING ? 3.0 : 1.0;

  while (i < spans->len)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, i);
      const GdkRGBA *color;
      gint64 end;
      double x0, x1;

      if (span->start_ns > dc->t1)
        break;

      end = span->end_ns == SW_TIMELINE_OPEN ? dc->now : span->end_ns;
      x0 = sw_time_scale_ns_to_px (scale, span->start_ns);
      x1 = sw_time_scale_ns_to_px (scale, end);

      if (style == SPANS_CALLBACKS)
        color = span->state == SW_TIMELINE_SPAN_FAILED ? &dc->palette->task_failed
                                                       : &dc->palette->callback;
      else if (style == SPANS_WAITS || style == SPANS_FOLDED_WAITS || style == SPANS_CO_WAITING)
        color = &dc->palette->wait;
      else if (style == SPANS_CO_LOOP)
        color = &dc->palette->dim;
      else
        color = span_color (dc, span);

      if (x1 - x0 < 1.0)
        {
          /* Everything starting in this pixel column is one mark; jump
           * straight to the next column instead of walking the events. */
          double px = floor (x0);

          if (style == SPANS_TASKS)
            draw_task_bar (dc, span, px - (min_w - 1.0) / 2.0, y, min_w, h);
          else
            append_bar (dc->snapshot, color, px - (min_w - 1.0) / 2.0, y, min_w, h, 0.0);
          dc->self->n_drawn_bars++;
          i = first_starting_after (spans, i + 1,
                                    sw_time_scale_px_to_ns (scale, px + 1.0));
          continue;
        }

      x0 = MAX (x0, -4.0);
      x1 = MIN (x1, dc->width + 4.0);

      if (style == SPANS_WAITS || style == SPANS_FOLDED_WAITS || style == SPANS_CO_WAITING)
        draw_hatch (dc->snapshot, color, x0, y, x1 - x0, h, line_w (dc->self, 1.5));
      else if (style == SPANS_TASKS)
        color = draw_task_bar (dc, span, x0, y, x1 - x0, h);
      else
        {
          append_bar (dc->snapshot, color, x0, y, MAX (x1 - x0, min_w), h, 2.0);
          /* A callback has an edge: it stands out on the bar it follows. */
          if (style == SPANS_CALLBACKS)
            {
              GdkRGBA edge = dc->palette->fg;

              edge.alpha *= 0.55;
              append_outline (dc->snapshot, &edge, x0, y, MAX (x1 - x0, min_w), h, line_w (dc->self, 1.0));
            }
        }
      dc->self->n_drawn_bars++;

      if (style == SPANS_TASKS)
        {
          const char *label = sw_timeline_model_get_task_label (dc->self->model, span->object);

          if (label != NULL && x1 - x0 > 4.0 * dc->self->metrics.char_w)
            draw_bar_label (dc, label,
                            span->state == SW_TIMELINE_SPAN_CANCELLED ? &dc->palette->fg
                                                                      : text_on (dc, color),
                            x0, x1, y, h);
        }
      else if (style == SPANS_CALLBACKS)
        {
          const char *label = sw_timeline_model_get_task_label (dc->self->model, span->object);

          /* Whose callback it is, said in full where there is room. */
          if (label != NULL && x1 - x0 > 4.0 * dc->self->metrics.char_w)
            {
              g_autofree char *full = g_strdup_printf (_("callback: %s"), label);

              if (draw_bar_label (dc, full, text_on (dc, color), x0, x1, y, h) ||
                  draw_bar_label (dc, label, text_on (dc, color), x0, x1, y, h))
                dc->self->n_drawn[SW_TIMELINE_DRAWN_CALLBACK_LABELS]++;
            }
        }
      else if (style == SPANS_WAITS)
        {
          /* In the lower half of the row: over it run the thread's event
           * loop line (with its own labels) and the log lines. */
          if (x1 - x0 > 6.0 * dc->self->metrics.char_w)
            {
              g_autofree char *label = wait_label (dc, span);

              if (draw_plate_label (dc, dc->layout, label, &dc->palette->label_bg, &dc->palette->wait,
                                    x0, x1, y + h * 0.5, h * 0.4))
                dc->self->n_drawn[SW_TIMELINE_DRAWN_WAIT_LABELS]++;
            }
        }
      else if (style == SPANS_CO_WAITING)
        draw_plate_label (dc, dc->layout, sw_switch_reason_to_string (span->reason),
                          &dc->palette->label_bg, &dc->palette->wait, x0, x1, y, h);
      else if (style == SPANS_CO_LOOP)
        draw_plate_label (dc, dc->small, _("event loop"),
                          &dc->palette->label_bg, &dc->palette->dim, x0, x1,
                          y - dc->self->metrics.line_h, 2.0 * dc->self->metrics.line_h + h);

      i++;
    }
}

/* A lane's waiting segments: draw_spans() for SPANS_CO_WAITING, read
 * from the lane's switches (the model does not store them apart). */
static void
draw_co_waiting (DrawContext          *dc,
                 const SwTimelineLane *lane,
                 double                y,
                 double                h)
{
  const SwTimeScale *scale = &dc->self->scale;
  guint i = sw_timeline_lane_first_waiting_ending_after (lane, dc->t0);
  const GdkRGBA *color = &dc->palette->wait;

  while (i < lane->switches->len)
    {
      SwTimelineSpan span;
      gint64 end;
      double x0, x1;

      if (!sw_timeline_lane_get_waiting (lane, i, &span))
        {
          if (g_array_index (lane->switches, SwTimelineSwitch, i).time_ns > dc->t1)
            break;
          i++;
          continue;
        }
      if (span.start_ns > dc->t1)
        break;

      end = span.end_ns == SW_TIMELINE_OPEN ? dc->now : span.end_ns;
      x0 = sw_time_scale_ns_to_px (scale, span.start_ns);
      x1 = sw_time_scale_ns_to_px (scale, end);

      if (x1 - x0 < 1.0)
        {
          /* Everything starting in this pixel column is one mark. */
          double px = floor (x0);

          append_bar (dc->snapshot, color, px, y, 1.0, h, 0.0);
          dc->self->n_drawn_bars++;
          i = sw_timeline_lane_first_waiting_starting_after (lane, i + 1,
                                                             sw_time_scale_px_to_ns (scale, px + 1.0));
          continue;
        }

      x0 = MAX (x0, -4.0);
      x1 = MIN (x1, dc->width + 4.0);
      draw_hatch (dc->snapshot, color, x0, y, x1 - x0, h, line_w (dc->self, 1.5));
      dc->self->n_drawn_bars++;
      draw_plate_label (dc, dc->layout, sw_switch_reason_to_string (span.reason),
                        &dc->palette->label_bg, &dc->palette->wait, x0, x1, y, h);
      i++;
    }
}

static void
draw_submits (DrawContext *dc,
              GArray      *marks,
              double       y,
              double       h)
{
  const SwTimeScale *scale = &dc->self->scale;
  guint i = _sw_timeline_first_mark_after (marks, 0, dc->t0 - (gint64) (8 * scale->ns_per_px));
  double head = MIN (h * 0.55, 12.0 * dc->self->ui_scale * (dc->self->presentation ? 1.5 : 1.0));
  double stem = line_w (dc->self, 2.0);

  while (i < marks->len)
    {
      const SwTimelineMark *mark = &g_array_index (marks, SwTimelineMark, i);
      guint next;
      double x;

      if (mark->time_ns > dc->t1)
        break;

      x = floor (sw_time_scale_ns_to_px (scale, mark->time_ns));

      /* A stem with a diamond head: "submitted here". */
      gtk_snapshot_append_color (dc->snapshot, &dc->palette->submit,
                                 &GRAPHENE_RECT_INIT (x - stem / 2.0, y + head / 2.0, stem, h - head / 2.0));
      gtk_snapshot_save (dc->snapshot);
      gtk_snapshot_translate (dc->snapshot, &GRAPHENE_POINT_INIT (x, y + head / 2.0));
      gtk_snapshot_rotate (dc->snapshot, 45.0);
      gtk_snapshot_append_color (dc->snapshot, &dc->palette->submit,
                                 &GRAPHENE_RECT_INIT (-head / 2.8, -head / 2.8, head / 1.4, head / 1.4));
      gtk_snapshot_restore (dc->snapshot);

      /* Marks closer than 3 px read as one; skip to the next free spot
       * and say how many there were, so 8 submits at once read as 8. */
      next = _sw_timeline_first_mark_after (marks, i + 1, sw_time_scale_px_to_ns (scale, x + 3.0));
      if (next - i > 1)
        {
          g_autofree char *count = g_strdup_printf ("×%u", next - i);
          PangoRectangle logical;

          pango_layout_set_text (dc->small, count, -1);
          pango_layout_get_pixel_extents (dc->small, NULL, &logical);
          draw_text (dc->snapshot, dc->small, &dc->palette->submit,
                     x + head * 0.8, y + (h - logical.height) / 2.0);
        }
      i = next;
    }
}

/* Tasks that never ran (cancelled in the queue, or failed there when the
 * pool broke): a short block at that time on the lane that submitted
 * them, hatched or red like a bar in that state would be, with a count
 * when several fall within a few pixels. */
static void
draw_never_ran (DrawContext *dc,
                GArray      *marks,
                double       y,
                double       h)
{
  const SwTimeScale *scale = &dc->self->scale;
  double w = MAX (round (dc->self->metrics.char_w * 0.9), 6.0);
  guint i = _sw_timeline_first_mark_after (marks, 0, dc->t0 - (gint64) (w * scale->ns_per_px));

  while (i < marks->len)
    {
      const SwTimelineMark *mark = &g_array_index (marks, SwTimelineMark, i);
      SwTimelineSpan as_span = { mark->time_ns, mark->time_ns, mark->object, SW_TIMELINE_SPAN_CANCELLED, 0 };
      SwTimelineTask task;
      guint next;
      double x;

      if (mark->time_ns > dc->t1)
        break;

      x = floor (sw_time_scale_ns_to_px (scale, mark->time_ns));
      next = _sw_timeline_first_mark_after (marks, i + 1, sw_time_scale_px_to_ns (scale, x + w));

      /* Merged marks show failed if any of them failed (looking at a
       * bounded few: a broken pool fails them all alike). */
      for (guint j = i; j < next && j < i + 64; j++)
        if (sw_timeline_model_get_task (dc->self->model,
                                        g_array_index (marks, SwTimelineMark, j).object, &task) &&
            task.state == SW_TIMELINE_SPAN_FAILED)
          {
            as_span.state = SW_TIMELINE_SPAN_FAILED;
            break;
          }
      draw_task_bar (dc, &as_span, x - w / 2.0, y, w, h);
      dc->self->n_drawn_bars++;

      if (next - i > 1)
        {
          g_autofree char *count = g_strdup_printf ("×%u", next - i);
          PangoRectangle logical;

          pango_layout_set_text (dc->small, count, -1);
          pango_layout_get_pixel_extents (dc->small, NULL, &logical);
          draw_text (dc->snapshot, dc->small, &dc->palette->fg,
                     x + w / 2.0 + 2.0, y + (h - logical.height) / 2.0);
        }
      i = next;
    }
}

static guint
first_switch_after (GArray *switches,
                    guint   from,
                    gint64  t)
{
  return sw_timeline_lower_bound (switches, G_STRUCT_OFFSET (SwTimelineSwitch, time_ns), from, t);
}

/* Row geometry shared by the lanes and the arrows between them. */
static void
lane_bar_rect (SwTimeline *self,
               guint       index,
               double     *bar_y,
               double     *bar_h)
{
  const Metrics *m = &self->metrics;
  double y = m->ruler_h + index * m->lane_h - self->lane_offset;

  *bar_y = y + round (m->lane_h * 0.14);
  *bar_h = round (m->lane_h * 0.52);
}

/* A stem from the giver's bar to the taker's, the head touching the
 * taker's bar.  The head is a stack of 1 px rows: colour nodes only. */
static void
draw_arrow (DrawContext   *dc,
            const GdkRGBA *color,
            double         x,
            double         from_y,
            double         tip_y)
{
  double head_h = round (MAX (0.7 * dc->self->metrics.char_w, 6.0));
  double dir = tip_y > from_y ? 1.0 : -1.0;
  double base_y = tip_y - dir * head_h;
  double stem = line_w (dc->self, 2.0);

  if (fabs (tip_y - from_y) > head_h)
    gtk_snapshot_append_color (dc->snapshot, color,
                               &GRAPHENE_RECT_INIT (x - stem / 2.0, MIN (from_y, base_y),
                                                    stem, fabs (base_y - from_y)));
  for (double r = 0; r < head_h; r++)
    {
      double half = 0.5 + (r / head_h) * (head_h * 0.6);
      double row_y = dir > 0 ? tip_y - r - 1.0 : tip_y + r;

      gtk_snapshot_append_color (dc->snapshot, color,
                                 &GRAPHENE_RECT_INIT (x - half, row_y, 2.0 * half, 1.0));
    }
}

/* One arrow per coroutine switch, from the lane that gave the thread up
 * to the lane that got it.  Per giving lane at most one arrow per pixel
 * column, and one band per 10 px where switches are denser than that. */
static void
draw_switches (DrawContext *dc,
               double       top,
               double       bottom)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  guint n_rows = sw_timeline_model_get_n_rows (self->model);
  GdkRGBA arrow = dc->palette->fg;
  GdkRGBA band = dc->palette->fg;

  arrow.alpha *= 0.8;
  band.alpha *= 0.10;

  /* From the rows on screen only: the lanes folded into an aggregate, or
   * scrolled away, cost nothing here (arrows into a folded lane end on its
   * aggregate's row; arrows from a lane off screen are not drawn, its
   * taker's run shows where it got the thread). */
  for (guint r = (guint) MAX (0.0, floor (self->lane_offset / self->metrics.lane_h));
       r < n_rows;
       r++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (self->model, r);
      const SwTimelineLane *lane = row->lane;
      GArray *switches;
      double from_y, from_h;
      guint i;

      lane_bar_rect (self, r, &from_y, &from_h);
      if (from_y > bottom)
        break;
      if (row->kind != SW_TIMELINE_ROW_LANE || lane->switches->len == 0)
        continue;

      switches = lane->switches;
      i = first_switch_after (switches, 0, dc->t0);
      while (i < switches->len)
        {
          const SwTimelineSwitch *sw = &g_array_index (switches, SwTimelineSwitch, i);
          const SwTimelineLane *to;
          double x, to_y, to_h, y0, tip;
          guint dense_end;

          if (sw->time_ns > dc->t1)
            break;

          x = floor (sw_time_scale_ns_to_px (scale, sw->time_ns)) + 0.5;
          to = sw_timeline_model_find_lane (self->model, sw->to_lane);
          dense_end = first_switch_after (switches, i + 1,
                                          sw_time_scale_px_to_ns (scale, x + 10.0));
          if (to == NULL || to == lane || to->row == r)
            {
              i = dense_end;
              continue;
            }

          lane_bar_rect (self, to->row, &to_y, &to_h);
          if (to_y > from_y)
            {
              y0 = from_y + from_h;
              tip = to_y;
            }
          else
            {
              y0 = from_y;
              tip = to_y + to_h;
            }

          /* Both ends off screen: nothing of it shows. */
          if (MAX (y0, tip) < top || MIN (y0, tip) > bottom)
            {
              i = first_switch_after (switches, i + 1, sw_time_scale_px_to_ns (scale, x + 1.0));
              continue;
            }

          if (dense_end - i > DENSE_SWITCHES_PER_10PX)
            {
              gtk_snapshot_append_color (dc->snapshot, &band,
                                         &GRAPHENE_RECT_INIT (x - 0.5, MIN (y0, tip), 10.0, fabs (tip - y0)));
              self->n_drawn_bars++;
              i = dense_end;
              continue;
            }

          draw_arrow (dc, &arrow, x, y0, tip);
          self->n_drawn_bars++;
          i = first_switch_after (switches, i + 1, sw_time_scale_px_to_ns (scale, x + 1.0));
        }
    }
}

typedef struct {
  float x0, y0, x1, y1;
} Flow;

/* Past this many flow arrows in view they are a smear, not a picture:
 * the frame stops adding them (each lane already keeps one per column). */
#define MAX_FLOWS 2000

/* Flows closer than this in both ends say nothing an arrow could. */
#define MIN_FLOW_PX 6.0

/* The lanes a row stands for: itself, or a folded process's lanes. */
static void
row_lanes (SwTimeline          *self,
           const SwTimelineRow *row,
           guint               *first,
           guint               *n)
{
  *first = 0;
  *n = 0;
  if (row->kind == SW_TIMELINE_ROW_LANE)
    {
      *first = row->lane->index;
      *n = 1;
    }
  else if (row->kind == SW_TIMELINE_ROW_PROCESS && !row->process->expanded)
    {
      *first = row->process->first_index;
      *n = row->process->n_lanes;
    }
}

static gboolean
add_flow (GArray *flows,
          double  x0,
          double  y0,
          double  x1,
          double  y1)
{
  Flow flow;

  if (fabs (x1 - x0) < MIN_FLOW_PX && fabs (y1 - y0) < MIN_FLOW_PX)
    return FALSE;
  /* An end far out of view, zoomed in: cairo's fixed point has a range. */
  flow.x0 = CLAMP (x0, -1e5, 1e5);
  flow.y0 = y0;
  flow.x1 = CLAMP (x1, -1e5, 1e5);
  flow.y1 = y1;
  g_array_append_val (flows, flow);
  return TRUE;
}

/* For the tasks and callbacks starting in view on the rows in view:
 * submit → start (the queue wait) and task end → callback when the
 * callback ran on another row (a process pool's manager).  Per lane at
 * most one of each per two pixel columns, and at most MAX_FLOWS. */
static void
collect_flows (DrawContext *dc,
               double       top,
               double       bottom,
               GArray      *queue,
               GArray      *callbacks)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  guint n_rows = sw_timeline_model_get_n_rows (self->model);

  for (guint r = (guint) MAX (0.0, floor (self->lane_offset / self->metrics.lane_h));
       r < n_rows && queue->len + callbacks->len < MAX_FLOWS;
       r++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (self->model, r);
      double to_y, to_h;
      guint first, n;

      lane_bar_rect (self, r, &to_y, &to_h);
      if (to_y > bottom)
        break;
      row_lanes (self, row, &first, &n);

      for (guint l = first; l < first + n && queue->len + callbacks->len < MAX_FLOWS; l++)
        {
          const SwTimelineLane *lane = sw_timeline_model_get_lane (self->model, l);
          GArray *tasks = lane->tasks;
          GArray *cbs = lane->callbacks;
          guint i;

          i = first_starting_after (tasks, 0, dc->t0);
          while (i < tasks->len && queue->len + callbacks->len < MAX_FLOWS)
            {
              const SwTimelineSpan *span = &g_array_index (tasks, SwTimelineSpan, i);
              SwTimelineTask task;
              double x1, from_y, from_h;

              if (span->start_ns > dc->t1)
                break;
              x1 = sw_time_scale_ns_to_px (scale, span->start_ns);
              if (sw_timeline_model_get_task (self->model, span->object, &task) &&
                  task.submit_lane != NULL)
                {
                  lane_bar_rect (self, task.submit_lane->row, &from_y, &from_h);
                  add_flow (queue, sw_time_scale_ns_to_px (scale, task.submit_ns),
                            from_y + from_h / 2.0, x1, to_y + to_h / 2.0);
                }
              i = first_starting_after (tasks, i + 1, sw_time_scale_px_to_ns (scale, floor (x1) + 2.0));
            }

          /* Submits in view whose task starts past the right edge: the
           * arrow leaves the view, so the wait is seen from either end. */
          i = _sw_timeline_first_mark_after (lane->submits, 0, dc->t0);
          while (i < lane->submits->len && queue->len + callbacks->len < MAX_FLOWS)
            {
              const SwTimelineMark *mark = &g_array_index (lane->submits, SwTimelineMark, i);
              SwTimelineTask task;
              double x0, run_y, run_h;

              if (mark->time_ns > dc->t1)
                break;
              x0 = sw_time_scale_ns_to_px (scale, mark->time_ns);
              if (sw_timeline_model_get_task (self->model, mark->object, &task) &&
                  task.span != NULL && task.span->start_ns > dc->t1)
                {
                  lane_bar_rect (self, task.run_lane->row, &run_y, &run_h);
                  add_flow (queue, x0, to_y + to_h / 2.0,
                            sw_time_scale_ns_to_px (scale, task.span->start_ns), run_y + run_h / 2.0);
                }
              i = _sw_timeline_first_mark_after (lane->submits, i + 1, sw_time_scale_px_to_ns (scale, floor (x0) + 2.0));
            }

          i = first_starting_after (cbs, 0, dc->t0);
          while (i < cbs->len && queue->len + callbacks->len < MAX_FLOWS)
            {
              const SwTimelineSpan *span = &g_array_index (cbs, SwTimelineSpan, i);
              SwTimelineTask task;
              double x1, from_y, from_h;

              if (span->start_ns > dc->t1)
                break;
              x1 = sw_time_scale_ns_to_px (scale, span->start_ns);
              /* On the lane that ran the task it follows the bar: the
               * thread pool's way, nothing to point at. */
              if (sw_timeline_model_get_task (self->model, span->object, &task) &&
                  task.run_lane != NULL && task.run_lane->row != r &&
                  task.end_ns != SW_TIMELINE_OPEN)
                {
                  lane_bar_rect (self, task.run_lane->row, &from_y, &from_h);
                  add_flow (callbacks, sw_time_scale_ns_to_px (scale, task.end_ns),
                            from_y + from_h / 2.0, x1, to_y + to_h / 2.0);
                }
              i = first_starting_after (cbs, i + 1, sw_time_scale_px_to_ns (scale, floor (x1) + 2.0));
            }
        }
    }
}

static void
stroke_flows (cairo_t       *cr,
              GArray        *flows,
              const GdkRGBA *color,
              double         width,
              gboolean       dashed)
{
  double head = MAX (7.0, 2.8 * width);

  if (flows->len == 0)
    return;

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  if (dashed)
    cairo_set_dash (cr, (double[]) { MAX (5.0, 3.3 * width), MAX (3.0, 2.0 * width) }, 2, 0.0);
  else
    cairo_set_dash (cr, NULL, 0, 0.0);

  /* Leaves and enters horizontally, like time does; ends where the head
   * begins. */
  for (guint i = 0; i < flows->len; i++)
    {
      const Flow *f = &g_array_index (flows, Flow, i);
      double bend = MAX (fabs (f->x1 - f->x0) / 2.0, 14.0);
      double end_x = f->x1 - head;

      cairo_move_to (cr, f->x0, f->y0);
      cairo_curve_to (cr, f->x0 + bend, f->y0, end_x - bend, f->y1, end_x, f->y1);
    }
  cairo_stroke (cr);

  cairo_set_dash (cr, NULL, 0, 0.0);
  for (guint i = 0; i < flows->len; i++)
    {
      const Flow *f = &g_array_index (flows, Flow, i);

      cairo_move_to (cr, f->x1, f->y1);
      cairo_line_to (cr, f->x1 - head, f->y1 - head * 0.55);
      cairo_line_to (cr, f->x1 - head, f->y1 + head * 0.55);
      cairo_close_path (cr);
    }
  cairo_fill (cr);
}

/* The flow arrows, over every row, in one cairo node. */
static void
draw_flows (DrawContext *dc,
            double       top,
            double       bottom)
{
  SwTimeline *self = dc->self;
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (Flow));
  g_autoptr(GArray) callbacks = g_array_new (FALSE, FALSE, sizeof (Flow));
  GdkRGBA queue_color = dc->palette->submit;
  cairo_t *cr;

  collect_flows (dc, top, bottom, queue, callbacks);
  self->n_drawn[SW_TIMELINE_DRAWN_QUEUE_ARROWS] = queue->len;
  self->n_drawn[SW_TIMELINE_DRAWN_CALLBACK_ARROWS] = callbacks->len;
  if (queue->len + callbacks->len == 0)
    return;

  queue_color.alpha *= 0.75;
  cr = gtk_snapshot_append_cairo (dc->snapshot, &GRAPHENE_RECT_INIT (0, top, dc->width, bottom - top));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  stroke_flows (cr, queue, &queue_color, line_w (self, 1.5), TRUE);
  stroke_flows (cr, callbacks, &dc->palette->callback, line_w (self, 2.5), FALSE);
  cairo_destroy (cr);
}

static gint64
ruler_interval (SwTimeline *self)
{
  /* Room for a label like "12.25 s" between two ticks. */
  return sw_time_scale_tick_interval (&self->scale, 9.0 * self->metrics.char_w);
}

/* Vertical lines at the ruler's ticks, under the bars. */
static void
draw_grid (SwTimeline    *self,
           GtkSnapshot   *snapshot,
           const Palette *palette,
           double         width,
           double         height)
{
  const Metrics *m = &self->metrics;
  gint64 interval = ruler_interval (self);

  for (gint64 t = sw_time_scale_first_tick (&self->scale, interval);
       sw_time_scale_ns_to_px (&self->scale, t) <= width - m->label_w;
       t += interval)
    {
      double x = m->label_w + round (sw_time_scale_ns_to_px (&self->scale, t));

      gtk_snapshot_append_color (snapshot, &palette->grid,
                                 &GRAPHENE_RECT_INIT (x, m->ruler_h, line_w (self, 1.0), height - m->ruler_h));
    }
}

static void
draw_ruler (SwTimeline    *self,
            GtkSnapshot   *snapshot,
            PangoLayout   *layout,
            const Palette *palette,
            double         width,
            double         height)
{
  const Metrics *m = &self->metrics;
  PangoRectangle logical;
  gint64 interval;
  gint64 t;

  gtk_snapshot_append_color (snapshot, &palette->ruler_bg,
                             &GRAPHENE_RECT_INIT (0, 0, width, m->ruler_h));
  gtk_snapshot_append_color (snapshot, &palette->grid,
                             &GRAPHENE_RECT_INIT (0, m->ruler_h - line_w (self, 1.0), width, line_w (self, 1.0)));

  interval = ruler_interval (self);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, 0, width - m->label_w, height));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (m->label_w, 0));

  for (t = sw_time_scale_first_tick (&self->scale, interval);
       sw_time_scale_ns_to_px (&self->scale, t) <= width;
       t += interval)
    {
      double x = round (sw_time_scale_ns_to_px (&self->scale, t));
      g_autofree char *text = sw_time_scale_format_tick (t, interval);

      gtk_snapshot_append_color (snapshot, &palette->dim,
                                 &GRAPHENE_RECT_INIT (x, m->ruler_h * 0.55, line_w (self, 1.0), m->ruler_h * 0.45));

      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_extents (layout, NULL, &logical);
      /* A label cut by the right edge reads as a wrong number. */
      if (x + 0.4 * m->char_w + logical.width <= width - m->label_w)
        draw_text (snapshot, layout, &palette->dim, x + 0.4 * m->char_w,
                   (m->ruler_h * 0.55 - logical.height) / 2.0 + 2.0);
    }

  gtk_snapshot_pop (snapshot);
  gtk_snapshot_restore (snapshot);
}

static void
draw_empty (SwTimeline    *self,
            GtkSnapshot   *snapshot,
            PangoLayout   *layout,
            const Palette *palette,
            double         width,
            double         height)
{
  PangoRectangle logical;

  pango_layout_set_text (layout, _("Press Run to start the scenario"), -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  draw_text (snapshot, layout, &palette->dim,
             (width - logical.width) / 2.0,
             self->metrics.ruler_h + (height - self->metrics.ruler_h - logical.height) / 2.0);
}

static void
draw_legend (SwTimeline    *self,
             GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             const Palette *palette,
             double         width,
             double         height,
             double         right)
{
  const Metrics *m = &self->metrics;
  double y = height - m->legend_h;
  double sw = 2.2 * m->char_w;   /* swatch width */
  double sh = round (m->legend_h * 0.45);
  double sy = y + round ((m->legend_h - sh) / 2.0);
  double x = m->char_w;
  GdkRGBA arrow = palette->fg;
  typedef struct {
    const char    *label;
    const GdkRGBA *color;
    int            style;   /* 0 bar, 1 thin, 2 mark, 3 hatch, 4 arrow, 5 line */
  } Item;
  GdkRGBA running = palette->hues[1];

  running.alpha *= 0.55;
  Item task_items[] = {
    { N_("task"), &palette->task, 6 },
    { N_("running"), &running, 0 },
    { N_("done-callback"), &palette->callback, 1 },
    { N_("to its callback"), &palette->callback, 8 },
    { N_("submit"), &palette->submit, 2 },
    { N_("queue wait"), &palette->submit, 7 },
    { N_("failed"), &palette->task_failed, 0 },
    { N_("cancelled"), &palette->task_cancelled, 3 },
    { N_("waiting"), &palette->wait, 3 },
    { N_("OS switches: blocked"), &palette->ctx_voluntary, 2 },
    { N_("preempted"), &palette->ctx_involuntary, 2 },
  };
  /* A coroutine run says what coroutines are: runs, waits and hand-overs. */
  Item coroutine_items[] = {
    { N_("coroutine runs"), &palette->task, 0 },
    { N_("waits (sleep, recv, join…)"), &palette->wait, 3 },
    { N_("switch"), &arrow, 4 },
    { N_("event loop"), &palette->dim, 5 },
  };
  /* Folded coroutines: the two shades of the aggregate say it all. */
  Item aggregate_items[] = {
    { N_("coroutines that ran"), &palette->agg_run, 0 },
    { N_("alive, waiting"), &palette->agg_wait, 0 },
    { N_("switch"), &arrow, 4 },
    { N_("event loop"), &palette->dim, 5 },
  };
  gboolean coroutines = self->model != NULL &&
                        sw_timeline_model_get_n_coroutine_lanes (self->model) > 0 &&
                        sw_timeline_model_get_n_spans (self->model) == 0;
  Item *items = coroutines ? coroutine_items : task_items;
  guint n_items = coroutines ? G_N_ELEMENTS (coroutine_items) : G_N_ELEMENTS (task_items);

  if (coroutines)
    for (guint r = 0; r < sw_timeline_model_get_n_rows (self->model); r++)
      if (sw_timeline_model_get_row (self->model, r)->kind == SW_TIMELINE_ROW_AGGREGATE)
        {
          items = aggregate_items;
          n_items = G_N_ELEMENTS (aggregate_items);
          break;
        }

  arrow.alpha *= 0.8;

  gtk_snapshot_append_color (snapshot, &palette->ruler_bg,
                             &GRAPHENE_RECT_INIT (0, y, width, m->legend_h));
  gtk_snapshot_append_color (snapshot, &palette->grid,
                             &GRAPHENE_RECT_INIT (0, y, width, line_w (self, 1.0)));

  for (guint i = 0; i < n_items; i++)
    {
      PangoRectangle logical;

      pango_layout_set_text (layout, _(items[i].label), -1);
      pango_layout_get_pixel_extents (layout, NULL, &logical);
      /* Half an item says nothing: stop at the first that does not fit. */
      if (x + sw + 0.6 * m->char_w + logical.width > right)
        break;

      switch (items[i].style)
        {
        case 0:
          append_bar (snapshot, items[i].color, x, sy, sw, sh, 3.0);
          x += sw;
          break;
        case 1:
          append_bar (snapshot, items[i].color, x, sy, line_w (self, 4.0), sh, 0.0);
          x += line_w (self, 4.0);
          break;
        case 2:
          gtk_snapshot_append_color (snapshot, items[i].color,
                                     &GRAPHENE_RECT_INIT (x, sy, line_w (self, 2.0), sh));
          x += line_w (self, 2.0);
          break;
        case 6:
          /* Three hues: bars differ by their label. */
          for (guint h = 0; h < 3; h++)
            append_bar (snapshot, &palette->hues[h * 2 + 1], x + h * sw / 3.0, sy, sw / 3.0 - 1.0, sh, 0.0);
          x += sw;
          break;
        case 7:
        case 8:
          {
            g_autoptr(GArray) flows = g_array_new (FALSE, FALSE, sizeof (Flow));
            GdkRGBA color = *items[i].color;
            cairo_t *cr;

            add_flow (flows, x, sy + sh / 2.0, x + 1.6 * sw, sy + sh / 2.0);
            if (items[i].style == 7)
              color.alpha *= 0.75;
            cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x - 2, y, 1.6 * sw + 4, m->legend_h));
            stroke_flows (cr, flows, &color, line_w (self, items[i].style == 7 ? 1.5 : 2.5), items[i].style == 7);
            cairo_destroy (cr);
            x += 1.6 * sw;
          }
          break;
        case 5:
          gtk_snapshot_append_color (snapshot, items[i].color,
                                     &GRAPHENE_RECT_INIT (x, sy + round (sh * 0.4), sw, MAX (round (sh * 0.2), line_w (self, 2.0))));
          x += sw;
          break;
        case 4:
          {
            DrawContext dc = { .self = self, .snapshot = snapshot };

            draw_arrow (&dc, items[i].color, x + 0.5 * m->char_w, y + 2.0, y + m->legend_h - 2.0);
            x += m->char_w;
          }
          break;
        default:
          draw_hatch (snapshot, items[i].color, x, sy, sw, sh, line_w (self, 1.5));
          x += sw;
          break;
        }

      draw_text (snapshot, layout, &palette->dim, x + 0.6 * m->char_w,
                 y + (m->legend_h - logical.height) / 2.0);
      x += 0.6 * m->char_w + logical.width + 2.0 * m->char_w;
    }
}

/* A thread's or coroutine's own row: its spans, waits and marks. */
static void
draw_lane (DrawContext          *dc,
           const SwTimelineLane *lane,
           double                y)
{
  const Metrics *m = &dc->self->metrics;
  double bar_y = y + round (m->lane_h * 0.14);
  double bar_h = round (m->lane_h * 0.52);

  draw_spans (dc, lane->waits, SPANS_WAITS, y + 2.0, m->lane_h - 4.0);
  /* A coroutine's runs are solid and its waits hatched on one track.
   * A thread's own code, between its coroutines, runs the main loop
   * (polling until one is ready): a thin line, not a work bar; while it
   * has given the thread to a coroutine it is not waiting for anything,
   * so those gaps stay empty (the coroutine's own row shows the run). */
  if (lane->kind == SW_LANE_COROUTINE)
    {
      draw_co_waiting (dc, lane, bar_y, bar_h);
      draw_spans (dc, lane->running, SPANS_CO_RUNNING, bar_y, bar_h);
    }
  else
    draw_spans (dc, lane->running, SPANS_CO_LOOP, bar_y + round (bar_h * 0.4), round (bar_h * 0.2));
  draw_spans (dc, lane->tasks, SPANS_TASKS, bar_y, bar_h);
  draw_spans (dc, lane->callbacks, SPANS_CALLBACKS, bar_y + bar_h * 0.15, bar_h * 0.7);
  /* A lane that only submits (main, for a thread pool) gets tall
   * marks; elsewhere they share the lane under the bars. */
  if (lane->tasks->len == 0 && lane->callbacks->len == 0)
    draw_submits (dc, lane->submits, bar_y, bar_h);
  else
    draw_submits (dc, lane->submits, bar_y + bar_h + 3.0, m->lane_h - (bar_y - y) - bar_h - 6.0);
  draw_never_ran (dc, lane->never_ran, bar_y + round (bar_h * 0.2), round (bar_h * 0.6));
}

/* A process's header row.  Folded, it shows its threads' work on one
 * track (so a folded worker still says when it was busy). */
static void
draw_process (DrawContext             *dc,
              const SwTimelineProcess *process,
              double                   y)
{
  SwTimeline *self = dc->self;
  SwTimelineModel *model = self->model;
  const Metrics *m = &self->metrics;
  double bar_y = y + round (m->lane_h * 0.14);
  double bar_h = round (m->lane_h * 0.52);

  gtk_snapshot_append_color (dc->snapshot, &dc->palette->grid,
                             &GRAPHENE_RECT_INIT (0, y, dc->width, line_w (self, 1.0)));
  if (process->expanded)
    return;

  for (guint i = process->first_index;
       i < process->first_index + process->n_lanes && i < sw_timeline_model_get_n_lanes (model);
       i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);

      /* Its coroutines' runs are its threads' runs already. */
      if (lane->kind == SW_LANE_COROUTINE)
        continue;
      draw_spans (dc, lane->waits, SPANS_FOLDED_WAITS, y + 2.0, m->lane_h - 4.0);
      draw_spans (dc, lane->tasks, SPANS_TASKS, bar_y, bar_h);
      draw_spans (dc, lane->callbacks, SPANS_CALLBACKS, bar_y + bar_h * 0.15, bar_h * 0.7);
      draw_never_ran (dc, lane->never_ran, bar_y + round (bar_h * 0.2), round (bar_h * 0.6));
    }
}

/* The lane's OS context switches as a strip along the bottom of its row:
 * upper half the times it blocked, lower half the times it was preempted,
 * one tick per pixel column that had any (darker for more).  Columns
 * without readings are skipped by binary search, so a frame costs at most
 * one pair of searches per column, whatever the number of readings. */
static void
draw_ctx_strip (DrawContext          *dc,
                const SwTimelineLane *lane,
                double                y)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  GArray *samples = lane->ctx_samples;
  double strip_h = MAX (6.0, round (self->metrics.lane_h * 0.12));
  double half = floor (strip_h / 2.0);
  double top = y + self->metrics.lane_h - strip_h - 1.0;
  guint i;

  if (samples->len == 0)
    return;

  i = sw_timeline_lower_bound (samples, G_STRUCT_OFFSET (SwTimelineCtxSample, time_ns), 0, dc->t0);
  while (i < samples->len)
    {
      const SwTimelineCtxSample *sample = &g_array_index (samples, SwTimelineCtxSample, i);
      double x = floor (sw_time_scale_ns_to_px (scale, sample->time_ns));
      guint voluntary, involuntary;

      if (sample->time_ns > dc->t1)
        break;
      /* Everything read within this pixel column, as one tick. */
      sw_timeline_lane_count_ctx_switches (lane, sw_time_scale_px_to_ns (scale, x) - 1,
                                           sw_time_scale_px_to_ns (scale, x + 1.0),
                                           &voluntary, &involuntary);
      for (guint half_i = 0; half_i < 2; half_i++)
        {
          guint n = half_i == 0 ? voluntary : involuntary;
          GdkRGBA color = half_i == 0 ? dc->palette->ctx_voluntary : dc->palette->ctx_involuntary;

          if (n == 0)
            continue;
          color.alpha *= MIN (1.0, 0.7 + 0.15 * log2 (n));
          gtk_snapshot_append_color (dc->snapshot, &color,
                                     &GRAPHENE_RECT_INIT (x, top + half_i * half, 3.0, half));
          self->n_drawn[SW_TIMELINE_DRAWN_CTX_TICKS]++;
        }
      i = sw_timeline_lower_bound (samples, G_STRUCT_OFFSET (SwTimelineCtxSample, time_ns), i + 1,
                       sw_time_scale_px_to_ns (scale, x + 1.0) + 1);
    }
}

/* Log lines recorded on the lane, as small flags at the top of its row,
 * with their text where it has room; flags closer than a pixel merge. */
static void
draw_log_marks (DrawContext          *dc,
                const SwTimelineLane *lane,
                double                y)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  GArray *logs = lane->logs;
  double flag_h = MAX (6.0, round (self->metrics.lane_h * 0.14));
  gboolean with_text = lane->kind != SW_LANE_COROUTINE &&
                       lane->tasks->len == 0 && lane->callbacks->len == 0;
  guint i;

  if (logs->len == 0)
    return;

  i = sw_timeline_lower_bound (logs, G_STRUCT_OFFSET (SwTimelineMark, time_ns), 0, dc->t0);
  while (i < logs->len)
    {
      const SwTimelineMark *mark = &g_array_index (logs, SwTimelineMark, i);
      double x = floor (sw_time_scale_ns_to_px (scale, mark->time_ns));
      guint next;
      double room;

      if (mark->time_ns > dc->t1)
        break;
      next = sw_timeline_lower_bound (logs, G_STRUCT_OFFSET (SwTimelineMark, time_ns), i + 1,
                          sw_time_scale_px_to_ns (scale, x + 1.0));
      room = next < logs->len
             ? sw_time_scale_ns_to_px (scale, g_array_index (logs, SwTimelineMark, next).time_ns) - x
             : dc->width - x;

      gtk_snapshot_append_color (dc->snapshot, &dc->palette->log,
                                 &GRAPHENE_RECT_INIT (x, y + 1.0, line_w (self, 2.0), flag_h));
      gtk_snapshot_append_color (dc->snapshot, &dc->palette->log,
                                 &GRAPHENE_RECT_INIT (x, y + 1.0, flag_h * 0.8, flag_h * 0.5));
      self->n_drawn[SW_TIMELINE_DRAWN_LOG_MARKS]++;

      /* One line of text only where it fits before the next flag, and
       * on rows without bars for it to run over (the console has every
       * line anyway). */
      if (with_text && room > 6.0 * self->metrics.char_w)
        {
          const char *text = sw_timeline_model_lookup_string (self->model, mark->object);
          PangoRectangle logical;

          pango_layout_set_text (dc->small, text != NULL ? text : "", -1);
          pango_layout_set_width (dc->small, (int) ((room - flag_h - 4.0) * PANGO_SCALE));
          pango_layout_set_ellipsize (dc->small, PANGO_ELLIPSIZE_END);
          pango_layout_get_pixel_extents (dc->small, NULL, &logical);
          /* On a plate in presentation: readable over a hatched wait. */
          if (self->presentation)
            append_bar (dc->snapshot, &dc->palette->label_bg, x + flag_h - 2.0, y + 1.0,
                        logical.width + 4.0, logical.height, 3.0);
          draw_text (dc->snapshot, dc->small, &dc->palette->log, x + flag_h, y + 1.0);
          pango_layout_set_width (dc->small, -1);
          pango_layout_set_ellipsize (dc->small, PANGO_ELLIPSIZE_NONE);
        }
      i = next;
    }
}

/* 1234 → "1234", 12345 → "12.3k", 2.5 → "2.5": short enough for a
 * label read from afar. */
char *
_sw_timeline_format_value (double v)
{
  double a = fabs (v);

  if (a >= 1e6)
    return g_strdup_printf ("%.1fM", v / 1e6);
  if (a >= 1e4)
    return g_strdup_printf ("%.1fk", v / 1e3);
  if (a == floor (a))
    return g_strdup_printf ("%.0f", v);
  return g_strdup_printf ("%.1f", v);
}

/* A small "max N" at the top left of a graph row: its scale. */
static void
draw_axis_label (DrawContext   *dc,
                 const char    *text,
                 const GdkRGBA *color,
                 double         y)
{
  PangoRectangle logical;
  double pad = 0.4 * dc->self->metrics.char_w;

  pango_layout_set_text (dc->small, text, -1);
  pango_layout_get_pixel_extents (dc->small, NULL, &logical);
  append_bar (dc->snapshot, &dc->palette->label_bg, 0.4 * dc->self->metrics.char_w, y + 1.0,
              logical.width + 2.0 * pad, logical.height, 3.0);
  draw_text (dc->snapshot, dc->small, color, 0.4 * dc->self->metrics.char_w + pad, y + 1.0);
}

/* A column of the aggregate chart: how tall its running and its alive
 * parts are, in whole pixels. */
static void
aggregate_heights (guint   running,
                   guint   live,
                   guint   max_live,
                   double  chart_h,
                   double *h_run,
                   double *h_live)
{
  *h_live = round (chart_h * live / max_live);
  *h_run = round (chart_h * running / max_live);
  /* One that ran shows, however many are alive. */
  if (running > 0)
    *h_run = MAX (*h_run, 2.0);
  if (live <= running)
    *h_live = *h_run;
}

/* "N coroutines" of one thread as a stacked step chart: per pixel column,
 * how many ran in it (solid) and how many were alive but waiting
 * (lighter), scaled to the most ever alive.  One model query per column
 * and one rectangle per run of equal columns: the folded lanes and their
 * switches cost nothing here. */
static void
draw_aggregate (DrawContext         *dc,
                const SwTimelineRow *row,
                double               y,
                double               h)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  guint max_live = sw_timeline_model_get_aggregate_max_live (self->model, row->thread);
  double top = y + round (h * 0.10);
  double chart_h = h - round (h * 0.10) - 2.0;
  double base = top + chart_h;
  double x_end = MIN (dc->width, ceil (sw_time_scale_ns_to_px (scale, dc->now)));
  double x = MAX (0.0, floor (sw_time_scale_ns_to_px (scale, 0)));
  g_autofree char *axis = NULL;

  if (max_live == 0)
    return;

  while (x < x_end)
    {
      guint running, live;
      double x0 = x;
      double h_run, h_live, next_run, next_live;

      sw_timeline_model_query_aggregate (self->model, row->thread,
                                         sw_time_scale_px_to_ns (scale, x),
                                         sw_time_scale_px_to_ns (scale, x + 1.0),
                                         &running, &live);
      aggregate_heights (running, live, max_live, chart_h, &h_run, &h_live);
      /* Extend over the following columns that look the same: the same
       * heights in pixels, not the same counts (with a thousand alive,
       * counts differ in every column, heights seldom). */
      do
        {
          x += 1.0;
          if (x >= x_end)
            break;
          sw_timeline_model_query_aggregate (self->model, row->thread,
                                             sw_time_scale_px_to_ns (scale, x),
                                             sw_time_scale_px_to_ns (scale, x + 1.0),
                                             &running, &live);
          aggregate_heights (running, live, max_live, chart_h, &next_run, &next_live);
        }
      while (next_run == h_run && next_live == h_live);
      if (h_live - h_run > 0.0)
        {
          gtk_snapshot_append_color (dc->snapshot, &dc->palette->agg_wait,
                                     &GRAPHENE_RECT_INIT (x0, base - h_live, x - x0, h_live - h_run));
          self->n_drawn_bars++;
        }
      if (h_run > 0.0)
        {
          gtk_snapshot_append_color (dc->snapshot, &dc->palette->agg_run,
                                     &GRAPHENE_RECT_INIT (x0, base - h_run, x - x0, h_run));
          self->n_drawn_bars++;
        }
    }

  axis = g_strdup_printf (_("max %u alive"), max_live);
  draw_axis_label (dc, axis, &dc->palette->dim, y);
}

/* A counter as a step line over a light fill, 0 at the bottom and its
 * maximum at the top.  Per pixel column: the value it had at the column's
 * start and the min/max of the samples within (one model query), merged
 * over runs of equal columns. */
static void
draw_counter (DrawContext             *dc,
              const SwTimelineCounter *counter,
              double                   y,
              double                   h)
{
  SwTimeline *self = dc->self;
  const SwTimeScale *scale = &self->scale;
  double top = y + round (h * 0.12);
  double chart_h = h - round (h * 0.12) - 3.0;
  double base = top + chart_h;
  double vmax = MAX (counter->max, 1e-9);
  double x_end = MIN (dc->width, ceil (sw_time_scale_ns_to_px (scale, dc->now)));
  double x = 0.0;
  GdkRGBA fill = dc->palette->counter;
  g_autofree char *max_text = NULL;
  g_autofree char *axis = NULL;
  double value;
  gboolean have;

  fill.alpha *= 0.22;
  if (counter->samples->len == 0)
    return;

  /* Nothing before the first sample. */
  x = MAX (x, floor (sw_time_scale_ns_to_px (scale,
                                             g_array_index (counter->samples, SwTimelineSample, 0).time_ns)));
  have = sw_timeline_counter_value_at (counter, sw_time_scale_px_to_ns (scale, x), &value);
  if (!have)
    value = g_array_index (counter->samples, SwTimelineSample, 0).value;

  while (x < x_end)
    {
      double x0 = x;
      double lo, hi;
      double y_line = base - round (chart_h * CLAMP (value / vmax, 0.0, 1.0));
      gint64 t1;

      /* Columns without a sample keep the value: one rectangle for all. */
      do
        {
          t1 = sw_time_scale_px_to_ns (scale, x + 1.0);
          if (sw_timeline_counter_get_range (counter, sw_time_scale_px_to_ns (scale, x), t1, &lo, &hi))
            break;
          x += 1.0;
        }
      while (x < x_end);

      if (x > x0)
        {
          gtk_snapshot_append_color (dc->snapshot, &fill,
                                     &GRAPHENE_RECT_INIT (x0, y_line, x - x0, base - y_line));
          gtk_snapshot_append_color (dc->snapshot, &dc->palette->counter,
                                     &GRAPHENE_RECT_INIT (x0, y_line - 1.0, x - x0, line_w (self, 2.5)));
          self->n_drawn_bars += 2;
        }
      if (x >= x_end)
        break;

      /* A column with samples: a vertical stroke over everything it held
       * (the step from the previous value, and min..max when dense). */
      {
        double before = value;
        double y_lo, y_hi, y_after;

        lo = MIN (lo, before);
        hi = MAX (hi, before);
        sw_timeline_counter_value_at (counter, t1 - 1, &value);
        y_lo = base - round (chart_h * CLAMP (lo / vmax, 0.0, 1.0));
        y_hi = base - round (chart_h * CLAMP (hi / vmax, 0.0, 1.0));
        y_after = base - round (chart_h * CLAMP (value / vmax, 0.0, 1.0));
        gtk_snapshot_append_color (dc->snapshot, &fill,
                                   &GRAPHENE_RECT_INIT (x, y_after, 1.0, base - y_after));
        gtk_snapshot_append_color (dc->snapshot, &dc->palette->counter,
                                   &GRAPHENE_RECT_INIT (x - 0.5, y_hi - 1.0, line_w (self, 2.5), y_lo - y_hi + line_w (self, 2.5)));
        self->n_drawn_bars += 2;
        x += 1.0;
      }
    }

  max_text = _sw_timeline_format_value (counter->max);
  axis = g_strdup_printf (_("max %s"), max_text);
  draw_axis_label (dc, axis, &dc->palette->dim, y);
}

/* The label column of one row: a lane's name and TID, an aggregate's
 * count with its fold arrow, a counter's name and current value. */
static void
draw_row_label (DrawContext         *dc,
                guint                index,
                const SwTimelineRow *row,
                double               y)
{
  SwTimeline *self = dc->self;
  const Metrics *m = &self->metrics;
  GtkSnapshot *snapshot = dc->snapshot;
  PangoLayout *layout = dc->layout;
  PangoLayout *small = dc->small;
  const Palette *palette = dc->palette;
  const SwTimelineLane *lane = row->lane;
  g_autofree char *name = NULL;
  g_autofree char *tid = NULL;
  PangoRectangle name_rect, tid_rect;
  guint n_rows = sw_timeline_model_get_n_rows (self->model);
  double top;
  /* Threads hang under their process's header, indented; a coroutine's
   * row (or an aggregate of coroutines) under its thread's, more so. */
  double thread_indent = 1.2 * m->char_w;
  double indent = row->kind == SW_TIMELINE_ROW_PROCESS ? 0.0
                  : row->kind == SW_TIMELINE_ROW_AGGREGATE ||
                    (row->kind == SW_TIMELINE_ROW_LANE && lane->kind == SW_LANE_COROUTINE)
                  ? thread_indent + 1.6 * m->char_w : thread_indent;

  switch (row->kind)
    {
    case SW_TIMELINE_ROW_AGGREGATE:
      {
        guint n = sw_timeline_model_get_n_aggregated (self->model, row->thread);
        guint running, live;

        sw_timeline_model_query_aggregate (self->model, row->thread, dc->now, dc->now + 1,
                                           &running, &live);
        /* ▸ folded, ▾ expanded: click or Enter toggles. */
        name = g_strdup_printf (ngettext ("%s %u coroutine", "%s %u coroutines", n),
                                sw_timeline_model_get_expanded (self->model, row->thread) ? "▾" : "▸",
                                n);
        tid = g_strdup_printf (_("%u alive · TID %d"), live, lane != NULL ? lane->tid : 0);
      }
      break;

    case SW_TIMELINE_ROW_PROCESS:
      {
        const SwTimelineProcess *process = row->process;

        /* ▾ unfolded, ▸ folded: click or Enter toggles. */
        name = g_strdup_printf ("%s %s", process->expanded ? "▾" : "▸", process->name);
        /* Folded with one thread (a pool's worker): its name here, as
         * its row is not shown. */
        if (!process->expanded && process->n_lanes == 1 && process->pid != 0)
          tid = g_strdup_printf (_("PID %d · %s"), process->pid,
                                 sw_timeline_model_get_lane (self->model, process->first_index)->name);
        else if (process->pid != 0)
          tid = g_strdup_printf (ngettext ("PID %d · %u lane", "PID %d · %u lanes", process->n_lanes),
                                 process->pid, process->n_lanes);
        else
          tid = g_strdup_printf (ngettext ("%u lane", "%u lanes", process->n_lanes), process->n_lanes);
      }
      break;

    case SW_TIMELINE_ROW_COUNTER:
      {
        g_autofree char *value = _sw_timeline_format_value (row->counter->last);

        name = g_strdup (row->counter->name);
        tid = g_strdup_printf (_("now %s · counter"), value);
      }
      break;

    case SW_TIMELINE_ROW_LANE:
    default:
      name = g_strdup (lane->name);
      /* The PID is on the process's header above.  ⇄ counts the OS
       * context switches seen on the lane so far. */
      if (lane->kind == SW_LANE_COROUTINE)
        tid = g_strdup_printf (_("coroutine · TID %d"), lane->tid);
      else
        tid = g_strdup_printf (_("TID %d"), lane->tid);
      if (lane->ctx_voluntary + lane->ctx_involuntary > 0)
        {
          char *with_switches = g_strdup_printf ("%s · ⇄ %" G_GUINT64_FORMAT, tid,
                                                 lane->ctx_voluntary + lane->ctx_involuntary);
          g_free (tid);
          tid = with_switches;
        }
      break;
    }

  pango_layout_set_text (layout, name, -1);
  pango_layout_set_width (layout, (int) ((m->label_w - 2.0 * m->char_w - indent) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_extents (layout, NULL, &name_rect);
  pango_layout_set_text (small, tid, -1);
  pango_layout_get_pixel_extents (small, NULL, &tid_rect);

  top = y + (m->lane_h - name_rect.height - tid_rect.height) / 2.0;
  if (row->kind == SW_TIMELINE_ROW_AGGREGATE)
    {
      /* A button-like plate says "click me". */
      GdkRGBA plate = palette->agg_run;

      plate.alpha *= 0.14;
      append_bar (snapshot, &plate, indent + 0.4 * m->char_w, y + 3.0,
                  m->label_w - indent - 1.0 * m->char_w, m->lane_h - 6.0, 6.0);
    }
  draw_text (snapshot, layout,
             row->kind == SW_TIMELINE_ROW_COUNTER ? &palette->counter : &palette->fg,
             m->char_w + indent, top);
  draw_text (snapshot, small, &palette->dim, m->char_w + indent, top + name_rect.height);
  pango_layout_set_width (layout, -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);

  if (indent > thread_indent)
    {
      /* The tree's stem: down from the row above, then into this one. */
      double mid = round (top + name_rect.height / 2.0);
      double stem_x = round (thread_indent + m->char_w + 0.3 * m->char_w);
      double stem = line_w (self, 2.0);

      gtk_snapshot_append_color (snapshot, &palette->dim,
                                 &GRAPHENE_RECT_INIT (stem_x, y, stem, mid - y + 1.0));
      gtk_snapshot_append_color (snapshot, &palette->dim,
                                 &GRAPHENE_RECT_INIT (stem_x, mid - 1.0, indent - thread_indent - 0.6 * m->char_w, stem));
      if (index + 1 < n_rows)
        {
          const SwTimelineRow *next = sw_timeline_model_get_row (self->model, index + 1);

          if (next->kind == SW_TIMELINE_ROW_LANE && next->lane->kind == SW_LANE_COROUTINE)
            gtk_snapshot_append_color (snapshot, &palette->dim,
                                       &GRAPHENE_RECT_INIT (stem_x, mid, stem, y + m->lane_h - mid));
        }
    }

  if (index > 0 && indent <= thread_indent)
    gtk_snapshot_append_color (snapshot, &palette->grid,
                               &GRAPHENE_RECT_INIT (indent, y, m->label_w - indent, line_w (self, 1.0)));
}

/* ---- selection: highlight ------------------------------------------- */

/* The bar rectangle of @lane_id's row, in widget coordinates, or FALSE
 * when the lane has no row (not drawn yet). */
static gboolean
selection_row_rect (SwTimeline *self,
                    guint32     lane_id,
                    double     *y,
                    double     *h)
{
  const SwTimelineLane *lane = sw_timeline_model_find_lane (self->model, lane_id);

  if (lane == NULL || lane->row >= sw_timeline_model_get_n_rows (self->model))
    return FALSE;

  lane_bar_rect (self, lane->row, y, h);
  return TRUE;
}

/* An outline around [t0, t1] on a lane's bar, never narrower than a few
 * pixels, so a task of a microsecond seen from a minute away still shows
 * where it is.  Returns its centre line in @mid_y. */
static gboolean
outline_span (SwTimeline    *self,
              GtkSnapshot   *snapshot,
              const GdkRGBA *color,
              guint32        lane_id,
              gint64         t0,
              gint64         t1,
              double        *mid_y)
{
  GskRoundedRect outline;
  const double min_w = 8.0;
  double y, h, x0, x1;
  float lw;

  if (!selection_row_rect (self, lane_id, &y, &h))
    return FALSE;

  x0 = self->metrics.label_w + sw_time_scale_ns_to_px (&self->scale, t0);
  x1 = self->metrics.label_w + sw_time_scale_ns_to_px (&self->scale, t1);
  if (x1 - x0 < min_w)
    {
      double c = (x0 + x1) / 2.0;

      x0 = c - min_w / 2.0;
      x1 = c + min_w / 2.0;
    }
  /* Far off screen: clamp so the rectangle stays a sane size. */
  x0 = MAX (x0, self->metrics.label_w - 10.0);
  x1 = MIN (x1, gtk_widget_get_width (GTK_WIDGET (self)) + 10.0);
  if (x1 <= x0)
    return FALSE;

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x0 - 3.0, y - 3.0, x1 - x0 + 6.0, h + 6.0), 5.0);
  lw = line_w (self, 2.5);
  gtk_snapshot_append_border (snapshot, &outline,
                              (float[4]) { lw, lw, lw, lw },
                              (GdkRGBA[4]) { *color, *color, *color, *color });
  *mid_y = y + h / 2.0;
  return TRUE;
}

static void
draw_range_selection (SwTimeline    *self,
                      GtkSnapshot   *snapshot,
                      PangoLayout   *layout,
                      const GdkRGBA *color,
                      double         lanes_bottom)
{
  const Metrics *m = &self->metrics;
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double x0 = m->label_w + sw_time_scale_ns_to_px (&self->scale, self->range.t0);
  double x1 = m->label_w + sw_time_scale_ns_to_px (&self->scale, self->range.t1);
  g_autofree char *text = sw_time_scale_format_duration (self->range.t1 - self->range.t0);
  GdkRGBA fill = *color;
  PangoRectangle logical;

  x0 = CLAMP (x0, m->label_w, width);
  x1 = CLAMP (x1, m->label_w, width);
  fill.alpha *= 0.16;
  gtk_snapshot_append_color (snapshot, &fill, &GRAPHENE_RECT_INIT (x0, 0, MAX (x1 - x0, 1.0), lanes_bottom));
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x0 - line_w (self, 1.0), 0, line_w (self, 2.0), lanes_bottom));
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x1 - line_w (self, 1.0), 0, line_w (self, 2.0), lanes_bottom));

  /* Its length on the ruler, where the eye measures time. */
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (logical.width + m->char_w < x1 - x0)
    {
      double tx = round ((x0 + x1 - logical.width) / 2.0);
      double ty = round ((m->ruler_h - logical.height) / 2.0);

      append_bar (snapshot, color, tx - 0.4 * m->char_w, ty - 1.0,
                  logical.width + 0.8 * m->char_w, logical.height + 2.0, 3.0);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (tx, ty));
      gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 1, 1, 1, 1 });
      gtk_snapshot_restore (snapshot);
    }
}

/* The selected mark, and for a task its chain: the submit, the run, each
 * callback, joined by lines (dashed while queued). */
static void
draw_selection (SwTimeline  *self,
                GtkSnapshot *snapshot,
                PangoLayout *layout,
                double       lanes_bottom)
{
  const Metrics *m = &self->metrics;
  const SwTimelineChain *chain = &self->chain;
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  gint64 now;
  GdkRGBA color;
  double run_y = 0.0, sub_y = 0.0;
  gboolean have_run = FALSE, have_sub = FALSE;
  double cb_y[SW_TIMELINE_CHAIN_MAX_CALLBACKS];
  gboolean have_cb[SW_TIMELINE_CHAIN_MAX_CALLBACKS] = { FALSE, };
  cairo_t *cr;

  if (self->model == NULL)
    return;
  if (self->range.lanes == NULL && self->selected.kind == SW_TIMELINE_HIT_NONE)
    return;

  lookup_color (GTK_WIDGET (self), "selection", &color);
  now = sw_timeline_model_get_now_ns (self->model);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, 0, width - m->label_w, lanes_bottom));

  if (self->range.lanes != NULL)
    draw_range_selection (self, snapshot, layout, &color, lanes_bottom);

  if (self->selected.kind != SW_TIMELINE_HIT_NONE)
    {
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, m->ruler_h, width - m->label_w,
                                                             lanes_bottom - m->ruler_h));
      if (chain->has_run)
        have_run = outline_span (self, snapshot, &color, chain->run_lane, chain->run.start_ns,
                                 chain->run.end_ns == SW_TIMELINE_OPEN ? now : chain->run.end_ns, &run_y);
      if (chain->has_submit)
        have_sub = outline_span (self, snapshot, &color, chain->submit_lane,
                                 chain->submit_ns, chain->submit_ns, &sub_y);
      for (guint i = 0; i < chain->n_callbacks; i++)
        have_cb[i] = outline_span (self, snapshot, &color, chain->callbacks[i].lane,
                                   chain->callbacks[i].start_ns,
                                   chain->callbacks[i].end_ns == SW_TIMELINE_OPEN ? now : chain->callbacks[i].end_ns,
                                   &cb_y[i]);

      /* Not part of a task (a coroutine's run, a wait for shutdown): the
       * span itself. */
      if (!have_run && !have_sub && chain->n_callbacks == 0)
        {
          double y;

          outline_span (self, snapshot, &color, self->selected.lane, self->selected.span.start_ns,
                        self->selected.span.end_ns == SW_TIMELINE_OPEN ? now : self->selected.span.end_ns, &y);
        }

      /* The links between the parts, as lines over everything. */
      if (have_run && (have_sub || chain->n_callbacks > 0))
        {
          double run_x0 = m->label_w + sw_time_scale_ns_to_px (&self->scale, chain->run.start_ns);
          double run_x1 = m->label_w + sw_time_scale_ns_to_px (&self->scale,
                                                               chain->run.end_ns == SW_TIMELINE_OPEN ? now : chain->run.end_ns);

          cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (m->label_w, m->ruler_h, width - m->label_w,
                                                                         lanes_bottom - m->ruler_h));
          gdk_cairo_set_source_rgba (cr, &color);
          cairo_set_line_width (cr, line_w (self, 2.0));
          if (have_sub)
            {
              double sx = m->label_w + sw_time_scale_ns_to_px (&self->scale, chain->submit_ns);
              const double dash[] = { 5.0, 3.0 };

              /* Queued: from the submit to the start. */
              cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
              cairo_move_to (cr, CLAMP (sx, -1e5, 1e5), sub_y);
              cairo_line_to (cr, CLAMP (run_x0, -1e5, 1e5), run_y);
              cairo_stroke (cr);
              cairo_set_dash (cr, NULL, 0, 0.0);
            }
          for (guint i = 0; i < chain->n_callbacks; i++)
            if (have_cb[i])
              {
                double cx = m->label_w + sw_time_scale_ns_to_px (&self->scale, chain->callbacks[i].start_ns);

                cairo_move_to (cr, CLAMP (run_x1, -1e5, 1e5), run_y);
                cairo_line_to (cr, CLAMP (cx, -1e5, 1e5), cb_y[i]);
                cairo_stroke (cr);
              }
          cairo_destroy (cr);
        }
      gtk_snapshot_pop (snapshot);
    }

  gtk_snapshot_pop (snapshot);
}

/* ---- presentation: the run's summary on the timeline ------------------ */

/* The two lines of the plate: the speedup, large, and what it is made
 * of.  FALSE when there is nothing to say (no task has run). */
static gboolean
summary_layouts (SwTimeline  *self,
                 PangoLayout *big,
                 PangoLayout *small)
{
  g_autofree char *task = NULL;
  g_autofree char *wall = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  PangoFontDescription *font;
  char speedup[32];

  if (!self->presentation || !self->have_summary || self->summary_wall_ns <= 0)
    return FALSE;

  task = sw_time_scale_format_duration (self->summary_task_ns);
  wall = sw_time_scale_format_duration (self->summary_wall_ns);
  g_ascii_formatd (speedup, sizeof speedup, "%.2f", self->summary_speedup);
  /* TRANSLATORS: on the timeline in presentation mode; %s is like "3.42" */
  line1 = g_strdup_printf (_("speedup %s×"), speedup);
  /* TRANSLATORS: the serial sum of the tasks' own times, then the wall time */
  line2 = g_strdup_printf (_("%s of tasks in %s wall time"), task, wall);

  font = pango_font_description_copy (pango_layout_get_font_description (big));
  pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_font_description_set_absolute_size (font, pango_font_description_get_size (font) * 1.35);
  pango_layout_set_font_description (big, font);
  pango_font_description_free (font);
  pango_layout_set_text (big, line1, -1);
  pango_layout_set_text (small, line2, -1);

  return TRUE;
}

/* The plate, right-aligned in the legend's band; its rectangle is kept
 * for tests (it must not cover the lanes). */
static void
draw_summary (SwTimeline    *self,
              GtkSnapshot   *snapshot,
              PangoLayout   *big,
              PangoLayout   *small,
              const Palette *palette,
              double         width,
              double         height)
{
  const Metrics *m = &self->metrics;
  PangoRectangle r1, r2;
  double pad = 0.8 * m->char_w;
  double w, h, x, y;

  pango_layout_get_pixel_extents (big, NULL, &r1);
  pango_layout_get_pixel_extents (small, NULL, &r2);
  w = MAX (r1.width, r2.width) + 2.0 * pad;
  h = MIN (r1.height + r2.height + 0.5 * pad, m->legend_h - 4.0);
  x = width - w - 0.5 * m->char_w;
  y = height - m->legend_h + (m->legend_h - h) / 2.0;

  append_bar (snapshot, &palette->summary_bg, x, y, w, h, 8.0);
  append_outline (snapshot, &palette->summary_fg, x, y, w, h, line_w (self, 1.0));
  draw_text (snapshot, big, &palette->summary_fg, x + (w - r1.width) / 2.0, y + 0.25 * pad);
  draw_text (snapshot, small, &palette->summary_fg, x + (w - r2.width) / 2.0, y + 0.25 * pad + r1.height);

  self->summary_rect = GRAPHENE_RECT_INIT (x, y, w, h);
  self->n_drawn[SW_TIMELINE_DRAWN_SUMMARY]++;
}

void
_sw_timeline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  SwTimeline *self = SW_TIMELINE (widget);
  g_autoptr(PangoLayout) layout = NULL;
  g_autoptr(PangoLayout) small = NULL;
  g_autoptr(PangoLayout) summary_big = NULL;
  g_autoptr(PangoLayout) summary_small = NULL;
  const Metrics *m = &self->metrics;
  PangoRectangle logical;
  double legend_right;
  DrawContext dc;
  Palette palette;
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double lanes_bottom;
  guint n_lanes;
  guint first_row;

  if (width <= 1 || height <= 1)
    return;

  self->min_line_w = G_MAXDOUBLE;
  self->summary_rect = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  load_palette (self, &palette);
  _sw_timeline_update_metrics (self);
  lanes_bottom = height - m->legend_h;
  if (palette.canvas.alpha > 0.0)
    gtk_snapshot_append_color (snapshot, &palette.canvas, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* Rows: lanes, aggregates of folded coroutines, counters. */
  n_lanes = self->model ? sw_timeline_model_get_n_rows (self->model) : 0;

  /* Few lanes share the free height (bigger bars read better from afar),
   * up to half as tall again. */
  if (n_lanes > 0)
    self->metrics.lane_h = floor (CLAMP ((lanes_bottom - m->ruler_h) / n_lanes,
                                         m->lane_h, m->lane_h * 1.5));
  self->n_drawn_bars = 0;
  memset (self->n_drawn_rows, 0, sizeof self->n_drawn_rows);
  memset (self->n_drawn, 0, sizeof self->n_drawn);
  self->hues_drawn = 0;

  layout = create_layout (self, "Mg", FALSE);
  small = create_layout (self, "Mg", TRUE);
  /* What a label's line box measures this frame, for tests. */
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  self->label_px = logical.height;
  pango_layout_get_pixel_extents (small, NULL, &logical);
  self->small_px = logical.height;

  if (self->follow)
    _sw_timeline_apply_follow (self);
  self->lane_offset = CLAMP (self->lane_offset, 0.0, _sw_timeline_max_lane_offset (self));

  dc.self = self;
  dc.snapshot = snapshot;
  dc.layout = layout;
  dc.small = small;
  dc.palette = &palette;
  dc.width = width - m->label_w;
  dc.t0 = sw_time_scale_px_to_ns (&self->scale, -4.0);
  dc.t1 = sw_time_scale_px_to_ns (&self->scale, dc.width + 4.0);
  dc.now = self->model ? sw_timeline_model_get_now_ns (self->model) : 0;

  /* Lanes: rows, the grid, then their content clipped to the right of
   * the labels. */
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, m->ruler_h, width, lanes_bottom - m->ruler_h));

  for (guint i = 1; i < n_lanes; i += 2)
    gtk_snapshot_append_color (snapshot, &palette.lane_alt,
                               &GRAPHENE_RECT_INIT (0, m->ruler_h + i * m->lane_h - self->lane_offset,
                                                    width, m->lane_h));
  if (n_lanes > 0)
    draw_grid (self, snapshot, &palette, width, lanes_bottom);

  /* Only the rows on screen: with an aggregate expanded there may be
   * thousands. */
  first_row = (guint) MAX (0.0, floor (self->lane_offset / m->lane_h));
  for (guint i = first_row; i < n_lanes; i++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (self->model, i);
      double y = m->ruler_h + i * m->lane_h - self->lane_offset;

      if (y > lanes_bottom)
        break;
      if (y + m->lane_h < m->ruler_h)
        continue;

      gtk_snapshot_save (snapshot);
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, y, dc.width, m->lane_h));
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (m->label_w, 0));

      if (row->kind < G_N_ELEMENTS (self->n_drawn_rows))
        self->n_drawn_rows[row->kind]++;
      switch (row->kind)
        {
        case SW_TIMELINE_ROW_AGGREGATE:
          draw_aggregate (&dc, row, y, m->lane_h);
          break;
        case SW_TIMELINE_ROW_COUNTER:
          draw_counter (&dc, row->counter, y, m->lane_h);
          break;
        case SW_TIMELINE_ROW_PROCESS:
          draw_process (&dc, row->process, y);
          break;
        case SW_TIMELINE_ROW_LANE:
        default:
          draw_lane (&dc, row->lane, y);
          draw_ctx_strip (&dc, row->lane, y);
          draw_log_marks (&dc, row->lane, y);
          break;
        }

      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
    }

  /* Flows cross rows: drawn over all of them. */
  if (self->model != NULL && sw_timeline_model_get_n_spans (self->model) > 0)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, m->ruler_h, dc.width,
                                                             lanes_bottom - m->ruler_h));
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (m->label_w, 0));
      draw_flows (&dc, m->ruler_h, lanes_bottom);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
    }
  for (guint h = 0; h < SW_TIMELINE_N_HUES; h++)
    self->n_drawn[SW_TIMELINE_DRAWN_HUES] += (self->hues_drawn >> h) & 1;

  /* Switch arrows cross rows: drawn over all of them. */
  if (self->model != NULL && sw_timeline_model_get_n_switches (self->model) > 0)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (m->label_w, m->ruler_h, dc.width,
                                                             lanes_bottom - m->ruler_h));
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (m->label_w, 0));
      draw_switches (&dc, m->ruler_h, lanes_bottom);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
    }

  /* Where "now" is while the run goes on. */
  if (self->model != NULL && sw_timeline_model_get_running (self->model))
    {
      double x = m->label_w + round (sw_time_scale_ns_to_px (&self->scale, dc.now));

      if (x >= m->label_w && x <= width)
        gtk_snapshot_append_color (snapshot, &palette.now,
                                   &GRAPHENE_RECT_INIT (x - line_w (self, 1.0), m->ruler_h, line_w (self, 2.0),
                                                        lanes_bottom - m->ruler_h));
    }

  /* Label column, over the content so panned bars slide under it. */
  if (n_lanes > 0)
    {
      gtk_snapshot_append_color (snapshot, &palette.label_bg,
                                 &GRAPHENE_RECT_INIT (0, m->ruler_h, m->label_w, lanes_bottom - m->ruler_h));
      gtk_snapshot_append_color (snapshot, &palette.grid,
                                 &GRAPHENE_RECT_INIT (m->label_w - line_w (self, 1.0), 0, line_w (self, 1.0), lanes_bottom));
    }

  for (guint i = first_row; i < n_lanes; i++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (self->model, i);
      double y = m->ruler_h + i * m->lane_h - self->lane_offset;

      if (y > lanes_bottom)
        break;
      if (y + m->lane_h < m->ruler_h)
        continue;

      draw_row_label (&dc, i, row, y);

      if (i == self->focus_row && gtk_widget_has_focus (widget))
        {
          GdkRGBA ring = palette.fg;
          double inset = 2.0;
          double rw = line_w (self, 2.0);

          ring.alpha *= 0.7;
          gtk_snapshot_append_color (snapshot, &ring, &GRAPHENE_RECT_INIT (inset, y + inset, m->label_w - 2 * inset, rw));
          gtk_snapshot_append_color (snapshot, &ring, &GRAPHENE_RECT_INIT (inset, y + m->lane_h - inset - rw, m->label_w - 2 * inset, rw));
          gtk_snapshot_append_color (snapshot, &ring, &GRAPHENE_RECT_INIT (inset, y + inset, rw, m->lane_h - 2 * inset));
          gtk_snapshot_append_color (snapshot, &ring, &GRAPHENE_RECT_INIT (m->label_w - inset - rw - 1, y + inset, rw, m->lane_h - 2 * inset));
        }
    }
  pango_layout_set_width (layout, -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);

  gtk_snapshot_pop (snapshot);

  /* Nothing run yet: no time axis to speak of, just what to do. */
  if (n_lanes == 0)
    {
      gtk_snapshot_append_color (snapshot, &palette.ruler_bg,
                                 &GRAPHENE_RECT_INIT (0, 0, width, m->ruler_h));
      gtk_snapshot_append_color (snapshot, &palette.grid,
                                 &GRAPHENE_RECT_INIT (0, m->ruler_h - line_w (self, 1.0), width, line_w (self, 1.0)));
      draw_empty (self, snapshot, layout, &palette, width, lanes_bottom);
    }
  else
    draw_ruler (self, snapshot, small, &palette, width, lanes_bottom);

  summary_big = create_layout (self, NULL, FALSE);
  summary_small = create_layout (self, NULL, TRUE);
  legend_right = width;
  if (summary_layouts (self, summary_big, summary_small))
    {
      PangoRectangle r1, r2;

      pango_layout_get_pixel_extents (summary_big, NULL, &r1);
      pango_layout_get_pixel_extents (summary_small, NULL, &r2);
      legend_right = width - MAX (r1.width, r2.width) - 3.0 * m->char_w;
    }
  draw_legend (self, snapshot, small, &palette, width, height, legend_right);
  if (legend_right < width)
    draw_summary (self, snapshot, summary_big, summary_small, &palette, width, height);
  draw_selection (self, snapshot, small, lanes_bottom);
}

/* ---- for the other files of ui/ and the tests ----------------------- */

/* Widget x of @time_ns (for tests: where to click). */
double
_sw_timeline_time_to_x (SwTimeline *self,
                        gint64      time_ns)
{
  g_return_val_if_fail (SW_IS_TIMELINE (self), 0.0);

  return self->metrics.label_w + sw_time_scale_ns_to_px (&self->scale, time_ns);
}

/* Widget y of the middle of a lane's bars, or -1 when it has no row. */
double
_sw_timeline_lane_y (SwTimeline *self,
                     guint32     lane_id)
{
  double y, h;

  g_return_val_if_fail (SW_IS_TIMELINE (self), -1.0);

  if (self->model == NULL || !selection_row_rect (self, lane_id, &y, &h))
    return -1.0;

  return y + h / 2.0;
}

/* A colour of the palette in use, by its style class ("task-hue-0",
 * "canvas"…), for tests that check contrast. */
void
_sw_timeline_lookup_color (SwTimeline *self,
                           const char *css_class,
                           GdkRGBA    *color)
{
  g_return_if_fail (SW_IS_TIMELINE (self));

  lookup_color (GTK_WIDGET (self), css_class, color);
}
