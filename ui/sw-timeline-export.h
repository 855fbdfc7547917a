/* sw-timeline-export.h — the timeline as a PNG, SVG or PDF, for slides */
#pragma once

#include <gtk/gtk.h>

#include "sw-timeline.h"

G_BEGIN_DECLS

typedef enum {
  SW_TIMELINE_EXPORT_PNG,
  SW_TIMELINE_EXPORT_SVG,
  SW_TIMELINE_EXPORT_PDF,
} SwTimelineExportFormat;

#define SW_TIMELINE_EXPORT_DEFAULT_WIDTH  1920
#define SW_TIMELINE_EXPORT_DEFAULT_HEIGHT 1080
#define SW_TIMELINE_EXPORT_MAX_SIDE       16384

gboolean sw_timeline_export_format_for_path (const char              *path,
                                             SwTimelineExportFormat  *out_format,
                                             GError                 **error);
gboolean sw_timeline_export_parse_size      (const char              *text,
                                             int                     *out_width,
                                             int                     *out_height,
                                             GError                 **error);
gboolean sw_timeline_export                 (SwTimelineModel         *model,
                                             SwTimeline              *view,
                                             const char              *path,
                                             int                      width,
                                             int                      height,
                                             GError                 **error);
void     sw_timeline_export_show_dialog     (GtkWindow               *parent,
                                             SwTimeline              *view);

G_END_DECLS
