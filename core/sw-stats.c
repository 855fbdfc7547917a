/* sw-stats.c — wall time, task time and speedup from a run's events */
#include "config.h"

#include "sw-stats.h"

/**
 * sw_task_stats_compute:
 * @events: (array length=n_events): events in any order
 *
 * Wall time runs from the first submit to the last end (or error); task
 * time is each task's own start → end.  Speedup is their ratio: 1.0 when
 * tasks ran one after another, up to the number of workers when they ran
 * side by side.
 */
/* What the program did, for the span: not lanes coming and going, log
 * lines, counters or context-switch readings, which go on around it (the
 * summary line itself is a log event recorded after its span was taken). */
static gboolean
is_activity (guint16 kind)
{
  switch (kind)
    {
    case SW_EVENT_LANE_BEGIN:
    case SW_EVENT_LANE_END:
    case SW_EVENT_CTX_SWITCHES:
    case SW_EVENT_LOG:
    case SW_EVENT_COUNTER:
      return FALSE;
    default:
      return TRUE;
    }
}

void
sw_task_stats_compute (const SwEvent *events,
                       gsize          n_events,
                       SwTaskStats   *stats)
{
  g_autoptr(GHashTable) starts = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gint64 *keys = g_new (gint64, MAX (n_events, 1));
  guint n_keys = 0;
  gint64 first_ns = G_MAXINT64, last_ns = G_MININT64;

  g_return_if_fail (stats != NULL);

  *stats = (SwTaskStats) { 0 };

  /* Starts first: events of different lanes may come in any order. */
  for (gsize i = 0; i < n_events; i++)
    {
      if (events[i].kind == SW_EVENT_TASK_START)
        {
          keys[n_keys] = (gint64) events[i].object;
          g_hash_table_insert (starts, &keys[n_keys], (gpointer) &events[i]);
          n_keys++;
        }
    }

  for (gsize i = 0; i < n_events; i++)
    {
      const SwEvent *e = &events[i];
      gint64 t = (gint64) e->time;

      if (is_activity (e->kind))
        {
          first_ns = MIN (first_ns, t);
          last_ns = MAX (last_ns, t);
        }

      switch (e->kind)
        {
        case SW_EVENT_TASK_SUBMIT:
          stats->n_submitted++;
          if (stats->n_submitted == 1 || t < stats->first_submit_ns)
            stats->first_submit_ns = t;
          break;

        case SW_EVENT_TASK_END:
        case SW_EVENT_TASK_ERROR:
          {
            gint64 key = (gint64) e->object;
            const SwEvent *start = g_hash_table_lookup (starts, &key);

            if (e->kind == SW_EVENT_TASK_END)
              stats->n_finished++;
            else
              stats->n_failed++;
            if (start != NULL)
              stats->task_ns_sum += t - (gint64) start->time;
            stats->last_end_ns = MAX (stats->last_end_ns, t);
          }
          break;

        case SW_EVENT_TASK_CANCEL:
          stats->n_cancelled++;
          break;

        /* The run's work is done when the last done-callback returns:
         * lesson 2's parses run in callbacks, after their downloads. */
        case SW_EVENT_CALLBACK_END:
          stats->last_end_ns = MAX (stats->last_end_ns, t);
          break;

        default:
          break;
        }
    }

  if (last_ns >= first_ns)
    stats->span_ns = last_ns - first_ns;
  if (stats->n_submitted > 0 && stats->last_end_ns > stats->first_submit_ns)
    {
      stats->wall_ns = stats->last_end_ns - stats->first_submit_ns;
      stats->speedup = (double) stats->task_ns_sum / (double) stats->wall_ns;
    }
}
