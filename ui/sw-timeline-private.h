/* sw-timeline-private.h — for the other files of ui/ and the UI tests */
#pragma once

#include "sw-timeline.h"

G_BEGIN_DECLS

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

G_END_DECLS
