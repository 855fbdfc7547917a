/* sw-timeline-selection.c — hit test, task chains and range statistics
 *
 * Everything here works on one lane's sorted arrays with binary searches:
 * a click never walks the events of the trace.
 */

#include "config.h"

#include "sw-timeline-selection.h"

#include <glib/gi18n.h>
#include <string.h>

/* Past this many entries a chain lookup that did not find its task by
 * id gives up on that lane (only traces whose ids do not grow with time
 * on a lane get there; ours always do). */
#define CHAIN_SCAN_LIMIT 4096u

static guint
first_ending_after (GArray *spans,
                    gint64  t)
{
  return sw_timeline_lower_bound (spans, G_STRUCT_OFFSET (SwTimelineSpan, end_ns), 0, t);
}

static guint
first_starting_after (GArray *spans,
                      gint64  t)
{
  return sw_timeline_lower_bound (spans, G_STRUCT_OFFSET (SwTimelineSpan, start_ns), 0, t);
}

static gint64
span_end (const SwTimelineSpan *span,
          gint64                now)
{
  return span->end_ns == SW_TIMELINE_OPEN ? MAX (now, span->start_ns) : span->end_ns;
}

/* The span holding @t, else the nearest within @tol_ns of it, and its
 * distance from @t.  Spans of one array do not overlap, so only two
 * candidates: the first that ends at or after @t, and the one before. */
static gboolean
find_near (GArray *spans,
           gint64  t,
           gint64  tol_ns,
           gint64  now,
           guint  *index,
           gint64 *distance)
{
  guint j = first_ending_after (spans, t);
  gint64 best = G_MAXINT64;

  /* An open span's end is +∞ in the array but "now" on screen. */
  for (guint k = j > 0 ? j - 1 : 0; k <= j && k < spans->len; k++)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, k);
      gint64 end = span_end (span, now);
      gint64 dist = t < span->start_ns ? span->start_ns - t : t > end ? t - end : 0;

      if (dist <= tol_ns && dist < best)
        {
          best = dist;
          *index = k;
        }
    }

  *distance = best;
  return best != G_MAXINT64;
}

/* find_near() for @lane's waiting segments, which are made from its
 * switches (sw_timeline_lane_get_waiting): the one that ends first at or
 * after @t, and the one before it. */
static gboolean
find_near_waiting (const SwTimelineLane *lane,
                   gint64                t,
                   gint64                tol_ns,
                   gint64                now,
                   guint                *index,
                   gint64               *distance,
                   SwTimelineSpan       *out)
{
  guint n = lane->switches->len;
  guint j = sw_timeline_lane_first_waiting_ending_after (lane, t);
  gint64 best = G_MAXINT64;
  guint before = j, after = j;
  guint candidates[2];

  /* Skip switches that started no wait, both ways. */
  while (after < n && !sw_timeline_lane_get_waiting (lane, after, out))
    after++;
  while (before > 0 && !sw_timeline_lane_get_waiting (lane, before - 1, out))
    before--;
  candidates[0] = before > 0 ? before - 1 : n;
  candidates[1] = after;

  for (guint c = 0; c < 2; c++)
    {
      SwTimelineSpan span;
      gint64 end, dist;

      if (candidates[c] >= n || !sw_timeline_lane_get_waiting (lane, candidates[c], &span))
        continue;
      end = span_end (&span, now);
      dist = t < span.start_ns ? span.start_ns - t : t > end ? t - end : 0;
      if (dist <= tol_ns && dist < best)
        {
          best = dist;
          *index = candidates[c];
          *out = span;
        }
    }

  *distance = best;
  return best != G_MAXINT64;
}

/**
 * sw_timeline_hit_test:
 * @lane: the lane of the row under the pointer
 * @t: the time under the pointer
 * @tol_ns: how far off a mark may be and still count (a few pixels' worth,
 *   so a bar narrower than a pixel can be clicked)
 *
 * Finds what is drawn at @t on @lane.  What lies under @t wins, in the
 * order the eye reads it (narrow callbacks over task bars, task bars over
 * waits, a coroutine's runs over its waits); else the nearest mark within
 * @tol_ns.  O(log n) per kind of mark.
 *
 * Returns: TRUE and fills @hit when something is there
 */
gboolean
sw_timeline_hit_test (SwTimelineModel      *model,
                      const SwTimelineLane *lane,
                      gint64                t,
                      gint64                tol_ns,
                      SwTimelineHit        *hit)
{
  gboolean coroutine = lane != NULL && lane->kind == SW_LANE_COROUTINE;
  struct {
    GArray            *spans;
    SwTimelineHitKind  kind;
  } order[] = {
    { lane ? lane->callbacks : NULL, SW_TIMELINE_HIT_CALLBACK },
    { lane ? lane->tasks : NULL, SW_TIMELINE_HIT_TASK },
    { coroutine && lane ? lane->running : NULL, SW_TIMELINE_HIT_CO_RUNNING },
    { lane ? lane->waits : NULL, SW_TIMELINE_HIT_WAIT },
    { NULL, SW_TIMELINE_HIT_CO_WAITING },   /* from its switches */
    { !coroutine && lane ? lane->running : NULL, SW_TIMELINE_HIT_EVENT_LOOP },
  };
  gint64 now, best = G_MAXINT64;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (model), FALSE);
  g_return_val_if_fail (lane != NULL, FALSE);
  g_return_val_if_fail (hit != NULL, FALSE);

  memset (hit, 0, sizeof *hit);
  now = sw_timeline_model_get_now_ns (model);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      guint index = 0;
      gint64 distance;

      if (order[i].kind == SW_TIMELINE_HIT_CO_WAITING)
        {
          SwTimelineSpan span;

          if (!coroutine ||
              !find_near_waiting (lane, t, tol_ns, now, &index, &distance, &span) ||
              distance >= best)
            continue;
          best = distance;
          hit->kind = order[i].kind;
          hit->lane = lane->id;
          hit->index = index;
          hit->span = span;
          if (distance == 0)
            break;
          continue;
        }

      if (order[i].spans == NULL || order[i].spans->len == 0 ||
          !find_near (order[i].spans, t, tol_ns, now, &index, &distance) ||
          distance >= best)
        continue;

      best = distance;
      hit->kind = order[i].kind;
      hit->lane = lane->id;
      hit->index = index;
      hit->span = g_array_index (order[i].spans, SwTimelineSpan, index);
      if (distance == 0)
        break;
    }

  return hit->kind != SW_TIMELINE_HIT_NONE;
}

/**
 * sw_timeline_hit_step:
 * @direction: 1 for the next mark, -1 for the previous one
 *
 * The mark on @lane that starts first after @t (or last before it), of
 * any kind the lane draws: stepping through a lane from the keyboard.
 * O(log n) per kind.
 *
 * Returns: TRUE and fills @hit when there is one
 */
gboolean
sw_timeline_hit_step (SwTimelineModel      *model,
                      const SwTimelineLane *lane,
                      gint64                t,
                      int                   direction,
                      SwTimelineHit        *hit)
{
  gboolean coroutine;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (model), FALSE);
  g_return_val_if_fail (lane != NULL, FALSE);
  g_return_val_if_fail (hit != NULL, FALSE);
  g_return_val_if_fail (direction == 1 || direction == -1, FALSE);

  memset (hit, 0, sizeof *hit);
  coroutine = lane->kind == SW_LANE_COROUTINE;

  {
    struct {
      GArray            *spans;
      SwTimelineHitKind  kind;
    } order[] = {
      { lane->callbacks, SW_TIMELINE_HIT_CALLBACK },
      { lane->tasks, SW_TIMELINE_HIT_TASK },
      { coroutine ? lane->running : NULL, SW_TIMELINE_HIT_CO_RUNNING },
      { lane->waits, SW_TIMELINE_HIT_WAIT },
      { NULL, SW_TIMELINE_HIT_CO_WAITING },   /* from its switches */
      { !coroutine ? lane->running : NULL, SW_TIMELINE_HIT_EVENT_LOOP },
    };

    for (guint i = 0; i < G_N_ELEMENTS (order); i++)
      {
        GArray *spans = order[i].spans;
        guint k;
        const SwTimelineSpan *span;
        SwTimelineSpan waiting;

        if (order[i].kind == SW_TIMELINE_HIT_CO_WAITING)
          {
            guint n = lane->switches->len;

            if (!coroutine || n == 0)
              continue;
            /* The next (previous) switch that started a wait. */
            if (direction > 0)
              {
                k = sw_timeline_lane_first_waiting_starting_after (lane, 0, t == G_MAXINT64 ? t : t + 1);
                while (k < n && !sw_timeline_lane_get_waiting (lane, k, &waiting))
                  k++;
                if (k >= n)
                  continue;
              }
            else
              {
                k = sw_timeline_lane_first_waiting_starting_after (lane, 0, t);
                while (k > 0 && !sw_timeline_lane_get_waiting (lane, k - 1, &waiting))
                  k--;
                if (k == 0)
                  continue;
                k--;
              }
            if (hit->kind != SW_TIMELINE_HIT_NONE &&
                (direction > 0 ? waiting.start_ns >= hit->span.start_ns : waiting.start_ns <= hit->span.start_ns))
              continue;
            hit->kind = order[i].kind;
            hit->lane = lane->id;
            hit->index = k;
            hit->span = waiting;
            continue;
          }

        if (spans == NULL || spans->len == 0)
          continue;
        if (direction > 0)
          {
            k = first_starting_after (spans, t == G_MAXINT64 ? t : t + 1);
            if (k >= spans->len)
              continue;
          }
        else
          {
            k = first_starting_after (spans, t);
            if (k == 0)
              continue;
            k--;
          }

        span = &g_array_index (spans, SwTimelineSpan, k);
        if (hit->kind != SW_TIMELINE_HIT_NONE &&
            (direction > 0 ? span->start_ns >= hit->span.start_ns : span->start_ns <= hit->span.start_ns))
          continue;

        hit->kind = order[i].kind;
        hit->lane = lane->id;
        hit->index = k;
        hit->span = *span;
      }
  }

  return hit->kind != SW_TIMELINE_HIT_NONE;
}

const char *
sw_timeline_hit_kind_to_string (SwTimelineHitKind kind)
{
  switch (kind)
    {
    case SW_TIMELINE_HIT_TASK:
      return _("task");
    case SW_TIMELINE_HIT_CALLBACK:
      return _("done-callback");
    case SW_TIMELINE_HIT_WAIT:
      return _("blocking wait");
    case SW_TIMELINE_HIT_CO_RUNNING:
      return _("coroutine run");
    case SW_TIMELINE_HIT_CO_WAITING:
      return _("coroutine wait");
    case SW_TIMELINE_HIT_EVENT_LOOP:
      return _("event loop");
    case SW_TIMELINE_HIT_NONE:
    default:
      return _("nothing");
    }
}

static guint64
object_at (GArray *array,
           gsize   field,
           guint   index)
{
  guint64 object;

  memcpy (&object, array->data + (gsize) index * g_array_get_element_size (array) + field,
          sizeof object);
  return object;
}

/* Where @object is in @array (sorted by time), or G_MAXUINT.  Ids are
 * handed out at submit and pools run in order, so on one lane they grow
 * with time: a binary search by id.  Should that not find it, a scan of
 * the CHAIN_SCAN_LIMIT entries nearest @hint (the index where time says
 * it should be), so a trace from elsewhere still mostly works. */
static guint
find_object (GArray  *array,
             gsize    field,
             guint64  object,
             guint    hint)
{
  guint lo = 0;
  guint hi = array->len;
  guint from, to;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (object_at (array, field, mid) < object)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo < array->len && object_at (array, field, lo) == object)
    return lo;

  hint = MIN (hint, array->len);
  from = hint > CHAIN_SCAN_LIMIT / 2 ? hint - CHAIN_SCAN_LIMIT / 2 : 0;
  to = MIN (array->len, from + CHAIN_SCAN_LIMIT);
  for (guint i = from; i < to; i++)
    if (object_at (array, field, i) == object)
      return i;

  return G_MAXUINT;
}

/**
 * sw_timeline_chain_lookup:
 * @task: a task id (SwTimelineSpan.object of a task, callback or wait)
 *
 * Finds where @task was submitted, where it ran and which callbacks ran
 * for it.  Per lane a binary search (see find_object()); the lanes
 * searched are those that have marks of the kind at all.
 *
 * Returns: TRUE when any part of the chain was found
 */
gboolean
sw_timeline_chain_lookup (SwTimelineModel *model,
                          guint64          task,
                          SwTimelineChain *chain)
{
  guint n_lanes;
  gsize mark_field = G_STRUCT_OFFSET (SwTimelineMark, object);
  gsize span_field = G_STRUCT_OFFSET (SwTimelineSpan, object);

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (model), FALSE);
  g_return_val_if_fail (chain != NULL, FALSE);

  memset (chain, 0, sizeof *chain);
  chain->task = task;
  if (task == 0)
    return FALSE;

  n_lanes = sw_timeline_model_get_n_lanes (model);

  /* The run first: its times narrow down where the rest can be. */
  for (guint l = 0; l < n_lanes && !chain->has_run; l++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, l);
      guint i;

      if (lane->tasks->len == 0)
        continue;
      i = find_object (lane->tasks, span_field, task, lane->tasks->len);
      if (i != G_MAXUINT)
        {
          chain->has_run = TRUE;
          chain->run_lane = lane->id;
          chain->run = g_array_index (lane->tasks, SwTimelineSpan, i);
        }
    }

  for (guint l = 0; l < n_lanes && !chain->has_submit; l++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, l);
      guint hint, i;

      if (lane->submits->len == 0)
        continue;
      hint = chain->has_run ? sw_timeline_lower_bound (lane->submits, G_STRUCT_OFFSET (SwTimelineMark, time_ns),
                                           0, chain->run.start_ns + 1)
                            : lane->submits->len;
      i = find_object (lane->submits, mark_field, task, hint);
      if (i != G_MAXUINT)
        {
          chain->has_submit = TRUE;
          chain->submit_lane = lane->id;
          chain->submit_ns = g_array_index (lane->submits, SwTimelineMark, i).time_ns;
        }
    }

  for (guint l = 0; l < n_lanes; l++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, l);
      guint hint, i;

      if (lane->callbacks->len == 0)
        continue;
      hint = chain->has_run && chain->run.end_ns != SW_TIMELINE_OPEN
             ? first_starting_after (lane->callbacks, chain->run.end_ns)
             : 0;
      i = find_object (lane->callbacks, span_field, task, hint);
      if (i == G_MAXUINT)
        continue;

      /* A future's callbacks run one after another on one lane. */
      while (i > 0 && g_array_index (lane->callbacks, SwTimelineSpan, i - 1).object == task)
        i--;
      for (; i < lane->callbacks->len && chain->n_callbacks < SW_TIMELINE_CHAIN_MAX_CALLBACKS; i++)
        {
          const SwTimelineSpan *span = &g_array_index (lane->callbacks, SwTimelineSpan, i);
          SwTimelineChainCallback *cb;

          if (span->object != task)
            break;
          cb = &chain->callbacks[chain->n_callbacks++];
          cb->lane = lane->id;
          cb->start_ns = span->start_ns;
          cb->end_ns = span->end_ns;
          cb->state = span->state;
        }
    }

  return chain->has_run || chain->has_submit || chain->n_callbacks > 0;
}

/* From the submit (or start) to the end of the last callback (or run). */
gboolean
sw_timeline_chain_get_extent (const SwTimelineChain *chain,
                              gint64                 now,
                              gint64                *begin_ns,
                              gint64                *end_ns)
{
  gint64 begin = G_MAXINT64;
  gint64 end = G_MININT64;

  g_return_val_if_fail (chain != NULL, FALSE);

  if (chain->has_submit)
    {
      begin = MIN (begin, chain->submit_ns);
      end = MAX (end, chain->submit_ns);
    }
  if (chain->has_run)
    {
      begin = MIN (begin, chain->run.start_ns);
      end = MAX (end, span_end (&chain->run, now));
    }
  for (guint i = 0; i < chain->n_callbacks; i++)
    {
      begin = MIN (begin, chain->callbacks[i].start_ns);
      end = MAX (end, chain->callbacks[i].end_ns == SW_TIMELINE_OPEN ? now : chain->callbacks[i].end_ns);
    }

  if (begin > end)
    return FALSE;

  *begin_ns = begin;
  *end_ns = end;
  return TRUE;
}

/* Time within [t0, t1] covered by @spans; counts and sums task bars into
 * @stats when @tasks. */
static gint64
busy_in (GArray               *spans,
         gint64                t0,
         gint64                t1,
         gint64                now,
         gboolean              tasks,
         SwTimelineRangeStats *stats)
{
  gint64 busy = 0;

  for (guint i = first_ending_after (spans, t0); i < spans->len; i++)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, i);
      gint64 end = span_end (span, now);

      if (span->start_ns >= t1)
        break;
      /* Touching the range at one end is not inside it. */
      if (end <= t0)
        continue;

      busy += MIN (end, t1) - MAX (span->start_ns, t0);
      if (tasks)
        {
          gint64 duration = end - span->start_ns;

          stats->n_tasks++;
          stats->total_ns += duration;
          if (duration > stats->max_ns || stats->n_tasks == 1)
            {
              stats->max_ns = duration;
              stats->max_task = span->object;
            }
        }
    }

  return busy;
}

/**
 * sw_timeline_range_stats_compute:
 *
 * Statistics of [t0, t1]: the task bars that overlap it (count, and the
 * total, mean and longest of their whole durations) and, per lane, how
 * much of the range it spent inside bars (tasks and callbacks; for a
 * coroutine, its runs).  Threads with anything drawn are listed even when
 * idle in the range (an idle worker is news); coroutines only when they
 * ran in it, there may be thousands.  Cost: per lane a binary search,
 * then the bars inside the range.
 *
 * Free with sw_timeline_range_stats_clear().
 */
void
sw_timeline_range_stats_compute (SwTimelineModel      *model,
                                 gint64                t0,
                                 gint64                t1,
                                 SwTimelineRangeStats *stats)
{
  gint64 now;
  guint n_lanes;

  g_return_if_fail (SW_IS_TIMELINE_MODEL (model));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  stats->t0 = MIN (t0, t1);
  stats->t1 = MAX (t0, t1);
  stats->lanes = g_array_new (FALSE, FALSE, sizeof (SwTimelineLaneBusy));
  now = sw_timeline_model_get_now_ns (model);
  n_lanes = sw_timeline_model_get_n_lanes (model);

  for (guint l = 0; l < n_lanes; l++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, l);
      SwTimelineLaneBusy busy = { lane->id, 0 };

      busy.busy_ns += busy_in (lane->tasks, stats->t0, stats->t1, now, TRUE, stats);
      busy.busy_ns += busy_in (lane->callbacks, stats->t0, stats->t1, now, FALSE, stats);
      if (lane->kind == SW_LANE_COROUTINE)
        {
          busy.busy_ns += busy_in (lane->running, stats->t0, stats->t1, now, FALSE, stats);
          if (busy.busy_ns == 0)
            continue;
        }
      else if (lane->tasks->len + lane->callbacks->len + lane->waits->len +
               lane->running->len + lane->submits->len == 0)
        continue;

      g_array_append_val (stats->lanes, busy);
    }
}

gint64
sw_timeline_range_stats_get_mean_ns (const SwTimelineRangeStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);

  return stats->n_tasks > 0 ? stats->total_ns / stats->n_tasks : 0;
}

void
sw_timeline_range_stats_clear (SwTimelineRangeStats *stats)
{
  g_return_if_fail (stats != NULL);

  g_clear_pointer (&stats->lanes, g_array_unref);
  memset (stats, 0, sizeof *stats);
}
