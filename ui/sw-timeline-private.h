/* sw-timeline-private.h — for the other files of ui/ and the UI tests */
#pragma once

#include "sw-timeline.h"

G_BEGIN_DECLS

void _sw_timeline_set_pointer (SwTimeline *self,
                               double      x,
                               double      y,
                               gboolean    inside);

G_END_DECLS
