/* sw-inspector.h — details of what is selected on the timeline */
#pragma once

#include <gtk/gtk.h>

#include "sw-timeline.h"

G_BEGIN_DECLS

#define SW_TYPE_INSPECTOR (sw_inspector_get_type ())
G_DECLARE_FINAL_TYPE (SwInspector, sw_inspector, SW, INSPECTOR, GtkWidget)

GtkWidget  *sw_inspector_new          (void);
SwTimeline *sw_inspector_get_timeline (SwInspector *self);
void        sw_inspector_set_timeline (SwInspector *self,
                                       SwTimeline  *timeline);
char       *sw_inspector_dup_text     (SwInspector *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
