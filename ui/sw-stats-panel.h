/* sw-stats-panel.h — a run's numbers, live: elapsed, speedup, busy lanes,
 * switches, throughput */
#pragma once

#include <gtk/gtk.h>

#include "sw-timeline-model.h"

G_BEGIN_DECLS

/* What the throughput sparkline counts. */
typedef enum {
  SW_STATS_THROUGHPUT_NONE,
  SW_STATS_THROUGHPUT_TASKS,      /* tasks finished per second */
  SW_STATS_THROUGHPUT_MESSAGES,   /* the echo server's "messages/s" counter */
  SW_STATS_THROUGHPUT_SWITCHES,   /* coroutine switches per second */
} SwStatsThroughput;

#define SW_TYPE_STATS_PANEL (sw_stats_panel_get_type ())
G_DECLARE_FINAL_TYPE (SwStatsPanel, sw_stats_panel, SW, STATS_PANEL, GtkWidget)

GtkWidget         *sw_stats_panel_new               (void);
SwTimelineModel   *sw_stats_panel_get_model         (SwStatsPanel    *self);
void               sw_stats_panel_set_model         (SwStatsPanel    *self,
                                                     SwTimelineModel *model);
void               sw_stats_panel_refresh           (SwStatsPanel    *self);

/* What the panel shows, for tests and the inspector. */
guint              sw_stats_panel_get_n_tasks_done  (SwStatsPanel    *self);
gint64             sw_stats_panel_get_task_ns       (SwStatsPanel    *self);
gint64             sw_stats_panel_get_wall_ns       (SwStatsPanel    *self);
double             sw_stats_panel_get_speedup       (SwStatsPanel    *self);
guint              sw_stats_panel_get_n_lane_rows   (SwStatsPanel    *self);
double             sw_stats_panel_get_lane_busy     (SwStatsPanel    *self,
                                                     guint32          lane_id);
SwStatsThroughput  sw_stats_panel_get_throughput    (SwStatsPanel    *self,
                                                     double          *peak_per_s);
guint              sw_stats_panel_get_n_refreshes   (SwStatsPanel    *self);
char              *sw_stats_panel_dup_text          (SwStatsPanel    *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
