/* sw-stats.h — numbers a run is judged by, computed from its events */
#pragma once

#include "sw-trace.h"

G_BEGIN_DECLS

typedef struct {
  guint  n_submitted;
  guint  n_finished;      /* ended without error */
  guint  n_failed;
  guint  n_cancelled;
  gint64 first_submit_ns; /* meaningful when n_submitted > 0 */
  gint64 last_end_ns;
  gint64 wall_ns;         /* first submit → last task or done-callback end */
  gint64 task_ns_sum;     /* sum over tasks of end − start */
  double speedup;         /* task_ns_sum / wall_ns */
  gint64 span_ns;         /* first → last thing done (tasks, callbacks, waits,
                           * coroutines, connections; not logs, counters or
                           * readings): the wall time of a run without tasks */
} SwTaskStats;

void sw_task_stats_compute (const SwEvent *events,
                            gsize          n_events,
                            SwTaskStats   *stats);

G_END_DECLS
