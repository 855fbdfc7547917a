/* sw-timeline-private.h — SwTimeline's struct and what its two files
 * (sw-timeline.c, the widget; sw-timeline-draw.c, the drawing) share;
 * also helpers for the other files of ui/ and the UI tests.
 */
#pragma once

#include "sw-timeline.h"

G_BEGIN_DECLS

typedef struct {
  double ruler_h;
  double legend_h;
  double lane_h;
  double label_w;
  double line_h;
  double char_w;
} Metrics;

struct _SwTimeline
{
  GtkWidget        parent_instance;

  /* owned */
  SwTimelineModel *model;
  guint            tick_id;

  SwTimeScale      scale;
  Metrics          metrics;
  double           lane_offset;   /* vertical scroll, px */
  double           pointer_x;     /* in content coordinates, for zoom */
  SwTimeScale      drag_scale;
  double           drag_offset;
  guint            n_drawn_bars;  /* in the last frame, for tests */
  guint            n_drawn_rows[4];   /* by SwTimelineRowKind, last frame */
  guint            n_drawn[SW_TIMELINE_N_DRAWN];   /* by SwTimelineDrawn, last frame */
  guint32          hues_drawn;    /* bit per hue drawn in the last frame */
  double           min_line_w;    /* thinnest line of the last frame */
  double           label_px;      /* line height of the labels, last frame */
  double           small_px;      /* of the smaller second lines */
  graphene_rect_t  summary_rect;  /* the summary plate, last frame */
  /* Presentation: type and lines for the back row of a lecture hall,
   * and the run's summary drawn on the timeline. */
  double           ui_scale;      /* 1.0 … 3.0 */
  gint64           summary_task_ns;
  gint64           summary_wall_ns;
  double           summary_speedup;
  guint            presentation : 1;
  guint            have_summary : 1;
  guint            focus_row;     /* keyboard focus among rows, or G_MAXUINT */
  /* Widest lane name so far: lane ids only grow, so only lanes above
   * names_max_id need measuring (thousands of coroutine lanes). */
  SwTimelineModel *names_model;   /* compared only, not a reference */
  double           names_char_w;
  double           names_w;
  guint32          names_max_id;
  guint            follow : 1;

  /* Navigation and selection (see the "selection" section below). */
  gint64           follow_span_ns;  /* following with this width; 0: the whole run */
  SwTimelineHit    selected;        /* kind NONE: nothing selected */
  SwTimelineChain  chain;           /* of the selected task, if any */
  guint64          chain_events;    /* model events when the chain was looked up */
  SwTimelineRangeStats range;       /* lanes NULL: no range selected */
  gint64           range_anchor_ns; /* where a range drag started */
  gint64           refreshed_us;    /* last live refresh of the selection */
  guint            pointer_inside : 1;
  guint            range_drag : 1;  /* this drag selects a range, not pans */
  guint            dragged : 1;     /* the pointer moved since the press: no click */
};

/* For the other files of ui/ and the UI tests. */
void _sw_timeline_set_pointer (SwTimeline *self,
                               double      x,
                               double      y,
                               gboolean    inside);
double _sw_timeline_time_to_x   (SwTimeline *self,
                                 gint64      time_ns);
double _sw_timeline_lane_y      (SwTimeline *self,
                                 guint32     lane_id);
void   _sw_timeline_lookup_color (SwTimeline *self,
                                  const char *css_class,
                                  GdkRGBA    *color);

/* Between sw-timeline.c and sw-timeline-draw.c. */
double  _sw_timeline_max_lane_offset    (SwTimeline  *self);
void    _sw_timeline_apply_follow       (SwTimeline  *self);
void    _sw_timeline_update_metrics     (SwTimeline  *self);
void    _sw_timeline_snapshot           (GtkWidget   *widget,
                                         GtkSnapshot *snapshot);
guint   _sw_timeline_first_ending_after (GArray      *spans,
                                         gint64       t);
guint   _sw_timeline_first_mark_after   (GArray      *marks,
                                         guint        from,
                                         gint64       t);
char   *_sw_timeline_format_value       (double       v);

G_END_DECLS
