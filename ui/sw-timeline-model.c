/* sw-timeline-model.c — what the timeline draws, built from a trace */

#include "config.h"

#include "sw-timeline-model.h"

#include <string.h>
#include <unistd.h>

/* How many events one drain call hands out, and how long one update may
 * spend draining before it leaves the rest for the next frame. */
#define DRAIN_BATCH      4096
/* Per frame, reading new events may take this long, or more when frames
 * come slowly (a software renderer, a busy machine): a share of the time
 * since the last frame, so a live view keeps up with a fast producer
 * instead of falling seconds behind, while frames keep coming. */
#define UPDATE_BUDGET_US     4000
#define UPDATE_BUDGET_MAX_US 32000
#define UPDATE_BUDGET_SHARE  0.3

/* A task's chain as indexes into the lanes' arrays, not copies: 40
 * bytes per task, whatever it went through.
 *
 * Its events may come in any order: a drain hands out each thread's
 * events in order, but not across threads, and a worker process's come
 * when the pool's manager imports them — after the manager recorded the
 * end, when the pool broke.  So whichever comes first, the chain is
 * completed when the rest arrives. */
typedef struct {
  guint64  id;              /* key */
  guint64  label;           /* string id from TASK_SUBMIT, 0 if unknown */
  gint64   over_ns;         /* when it ended, failed or was cancelled */
  guint32  submit_lane;     /* lane id of its submit mark, 0 if not seen */
  guint32  submit_index;    /* in that lane's submits */
  guint32  run_lane;        /* lane id of its bar, 0 if it never started */
  guint32  run_index : 25;  /* in that lane's tasks */
  guint32  open : 1;        /* the bar has not ended yet */
  guint32  state : 2;       /* SwTimelineSpanState, once over */
  guint32  over : 1;        /* ended, failed or was cancelled */
  guint32  hue_known : 1;
  guint32  marked : 1;      /* has a never-ran mark on its submit lane */
} TaskInfo;

G_STATIC_ASSERT (sizeof (TaskInfo) == 40);

typedef struct {
  guint64 time;
  guint64 string_id;
} LogLine;

/* Room for an element at time @t in @array, whose elements start with a
 * gint64 time and are sorted by it: returns its index.  A lane's context
 * switch readings come from the thread and from the sampler thread, and
 * its log lines interleave with other lanes' in a drain, so one may
 * arrive a little after a later one; searching from the end is O(1) for
 * the usual append. */
static guint
insert_by_time (GArray *array,
                gint64  t)
{
  gsize size = g_array_get_element_size (array);
  guint at = array->len;
  gint64 before;

  g_array_set_size (array, array->len + 1);
  while (at > 0)
    {
      memcpy (&before, array->data + (gsize) (at - 1) * size, sizeof before);
      if (before <= t)
        break;
      at--;
    }
  memmove (array->data + (gsize) (at + 1) * size, array->data + (gsize) at * size,
           (gsize) (array->len - 1 - at) * size);
  return at;
}

/* A reading's running totals include those before it, so the ones after
 * a late reading grow by its counts. */
static void
insert_ctx_sample (GArray  *samples,
                   gint64   t,
                   guint32  voluntary,
                   guint32  involuntary)
{
  guint at = insert_by_time (samples, t);
  SwTimelineCtxSample *all = (SwTimelineCtxSample *) (gpointer) samples->data;

  all[at].time_ns = t;
  all[at].voluntary = (at > 0 ? all[at - 1].voluntary : 0) + voluntary;
  all[at].involuntary = (at > 0 ? all[at - 1].involuntary : 0) + involuntary;
  for (guint k = at + 1; k < samples->len; k++)
    {
      all[k].voluntary += voluntary;
      all[k].involuntary += involuntary;
    }
}

/* The aggregate of one thread's coroutines: for every level a histogram
 * over time buckets of 2^(AGG_FIRST_SHIFT + level) ns, each bucket holding
 * how many distinct coroutines ran in it.  Built as runs arrive (O(levels)
 * per run), so a frame reads one or two buckets per pixel column whatever
 * the number of lanes or switches.  Finest buckets: 262 µs; coarsest: 69 s. */
#define AGG_FIRST_SHIFT 18
#define AGG_N_LEVELS    19

/* Sorted times (clamped at 0) in 4 bytes each: their low 32 bits, and
 * per epoch of 2^32 ns (4.3 s) where its times begin.  A million runs
 * cost 4 MB instead of 8, and a search is still a binary search. */
typedef struct {
  GArray *low;      /* guint32 */
  GArray *epochs;   /* guint32: [e] = how many times are before epoch e */
} TimeIndex;

typedef struct {
  guint32   thread;        /* the thread lane's id */
  guint     n_lanes;       /* its coroutine lanes */
  guint     row;           /* set when rows are built */
  gboolean  expanded;
  GArray   *levels[AGG_N_LEVELS];   /* guint32 per bucket */
  GArray   *births;        /* gint64, sorted: a coroutine's first event */
  GArray   *exits;         /* gint64, sorted: its CO_EXIT */
  /* Every run's start and end, for columns narrower than a bucket: runs
   * on one thread do not overlap, so both are sorted and the runs in a
   * range are two binary searches away. */
  TimeIndex run_starts;
  TimeIndex run_ends;      /* shorter by the run still open */
  guint     n_live;        /* alive after the latest event */
  guint     max_live;
  /* Where the last query's searches ended: a frame asks column after
   * column, left to right, so the next answer is close by. */
  guint     hint_start;
  guint     hint_end;
} Aggregate;

/* A lane and what only the model needs to know about it. */
typedef struct {
  SwTimelineLane     pub;
  SwTimelineProcess *process; /* the process it belongs to */
  Aggregate         *agg;     /* a coroutine's thread's aggregate, or NULL */
  gint64          agg_last;   /* end of its last run counted, or -1 */
  gint64          exit_ns;    /* CO_EXIT: where a wait going on ends */
  gboolean        born;
} LaneImpl;

/* Min/max of a counter's samples over blocks of 16^k samples, so a pixel
 * column spanning thousands of samples costs a few dozen reads. */
#define COUNTER_FANOUT_SHIFT 4
#define COUNTER_MAX_LEVELS   8

typedef struct {
  double min;
  double max;
} MinMax;

typedef struct {
  SwTimelineCounter  pub;
  guint64            name_id;
  GArray            *levels[COUNTER_MAX_LEVELS];   /* MinMax; [0] unused */
  guint              built;   /* samples below this are in the levels */
} CounterImpl;

struct _SwTimelineModel
{
  GObject         parent_instance;

  /* owned */
  SwTrace        *trace;
  SwTraceCursor  *cursor;
  SwEvent        *buffer;         /* DRAIN_BATCH events of scratch */
  gint64          last_update_us; /* monotonic time of the last update, or 0 */
  guint           n_trace_lanes;  /* lanes of the trace seen by sync_lanes */
  GPtrArray      *lanes;          /* SwTimelineLane *, sorted by id */
  GHashTable     *lane_by_id;     /* guint32 → SwTimelineLane * */
  GHashTable     *tasks;          /* &TaskInfo.id → TaskInfo * */
  GHashTable     *task_errors;    /* task id → string id of its error message;
                                   * apart, as failures are rare */
  GArray         *log_lines;      /* LogLine, in time order within each drain */
  GHashTable     *aggregates;     /* thread lane id → Aggregate * */
  GPtrArray      *counters;       /* CounterImpl *, in order of appearance */
  GHashTable     *counter_by_name;  /* name string id → CounterImpl * */
  GArray         *rows;           /* SwTimelineRow */
  GPtrArray      *processes;      /* SwTimelineProcess *, in row order once sorted */
  GHashTable     *process_by_pid; /* pid → SwTimelineProcess * */
  /* A replay reads these (the trace's events by time) instead of the
   * cursor, and only up to limit_ns, which is also its "now". */
  GArray         *replay_events;  /* SwEvent, or NULL */
  guint           replay_pos;     /* next one to handle */
  gint64          limit_ns;

  gint            main_pid;       /* whose lanes need no PID: ours, or in a
                                   * replay its recorder's; 0 until known */
  gint64          origin_ns;
  gint64          first_ns;       /* G_MAXINT64 until the first event */
  gint64          last_ns;
  guint64         n_events;
  guint           n_spans;
  guint           n_open_spans;
  guint           n_submits;
  guint           n_callbacks;
  guint           n_waits;
  guint           n_coroutine_lanes;
  guint           n_switches;
  guint           lanes_dirty : 1;  /* lanes need sorting into rows */
  guint           rows_dirty : 1;   /* rows need building from lanes */
  guint           running : 1;
};

G_DEFINE_FINAL_TYPE (SwTimelineModel, sw_timeline_model, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRACE,
  PROP_RUNNING,
  PROP_ORIGIN_NS,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
aggregate_free (gpointer data)
{
  Aggregate *agg = data;

  for (guint l = 0; l < AGG_N_LEVELS; l++)
    g_array_unref (agg->levels[l]);
  g_array_unref (agg->births);
  g_array_unref (agg->exits);
  g_array_unref (agg->run_starts.low);
  g_array_unref (agg->run_starts.epochs);
  g_array_unref (agg->run_ends.low);
  g_array_unref (agg->run_ends.epochs);
  g_free (agg);
}

static void
counter_free (gpointer data)
{
  CounterImpl *counter = data;

  g_free (counter->pub.name);
  g_array_unref (counter->pub.samples);
  for (guint k = 0; k < COUNTER_MAX_LEVELS; k++)
    g_clear_pointer (&counter->levels[k], g_array_unref);
  g_free (counter);
}

static void
process_free (gpointer data)
{
  SwTimelineProcess *process = data;

  g_free (process->name);
  g_free (process->label);
  g_free (process);
}

static void
lane_free (gpointer data)
{
  SwTimelineLane *lane = data;

  g_free (lane->name);
  g_free (lane->label);
  g_array_unref (lane->tasks);
  g_array_unref (lane->waits);
  g_array_unref (lane->callbacks);
  g_array_unref (lane->submits);
  g_array_unref (lane->never_ran);
  g_array_unref (lane->running);
  g_array_unref (lane->switches);
  g_array_unref (lane->ctx_samples);
  g_array_unref (lane->logs);
  g_free (lane);
}

/* The thread a lane's row is grouped under: itself, or a coroutine's. */
static guint32
lane_group (const SwTimelineLane *lane)
{
  return lane->kind == SW_LANE_COROUTINE ? lane->parent : lane->id;
}

/* Rows: processes in the order their first lane was registered (ours
 * first, then a pool's workers as they were spawned); in each, threads in
 * the order they were registered (a run names "main" before it starts
 * anything, so main comes first), each followed by its coroutines in the
 * order they were made. */
static gint
lane_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const SwTimelineLane *la = *(const SwTimelineLane * const *) a;
  const SwTimelineLane *lb = *(const SwTimelineLane * const *) b;
  guint32 pa = ((const LaneImpl *) la)->process->first_lane;
  guint32 pb = ((const LaneImpl *) lb)->process->first_lane;
  guint32 ga = lane_group (la);
  guint32 gb = lane_group (lb);
  gboolean ca, cb;

  if (pa != pb)
    return (pa > pb) - (pa < pb);

  if (ga != gb)
    return (ga > gb) - (ga < gb);

  ca = la->kind == SW_LANE_COROUTINE;
  cb = lb->kind == SW_LANE_COROUTINE;
  if (ca != cb)
    return ca ? 1 : -1;

  return (la->id > lb->id) - (la->id < lb->id);
}

/* Sorting once per drain rather than per new lane: a run may bring
 * thousands of coroutine lanes at once. */
static void
sort_lanes (SwTimelineModel *self)
{
  if (!self->lanes_dirty)
    return;

  g_ptr_array_sort_with_data (self->lanes, lane_compare, self);
  for (guint i = 0; i < self->lanes->len; i++)
    ((SwTimelineLane *) g_ptr_array_index (self->lanes, i))->index = i;
  self->lanes_dirty = FALSE;
  self->rows_dirty = TRUE;
}

static SwTimelineLane *ensure_lane (SwTimelineModel *self,
                                    guint32          id);


static Aggregate *
ensure_aggregate (SwTimelineModel *self,
                  guint32          thread)
{
  Aggregate *agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread));

  if (agg == NULL)
    {
      agg = g_new0 (Aggregate, 1);
      agg->thread = thread;
      for (guint l = 0; l < AGG_N_LEVELS; l++)
        agg->levels[l] = g_array_new (FALSE, TRUE, sizeof (guint32));
      agg->births = g_array_new (FALSE, FALSE, sizeof (gint64));
      agg->exits = g_array_new (FALSE, FALSE, sizeof (gint64));
      agg->run_starts.low = g_array_new (FALSE, FALSE, sizeof (guint32));
      agg->run_starts.epochs = g_array_new (FALSE, FALSE, sizeof (guint32));
      agg->run_ends.low = g_array_new (FALSE, FALSE, sizeof (guint32));
      agg->run_ends.epochs = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_hash_table_insert (self->aggregates, GUINT_TO_POINTER (thread), agg);
    }

  return agg;
}

static gboolean
aggregate_folds (const Aggregate *agg)
{
  return agg != NULL && agg->n_lanes > SW_TIMELINE_AGGREGATE_THRESHOLD;
}

/* Keeps a nearly sorted array sorted: times of one thread arrive in order
 * but lanes of different drains may interleave a little. */
static void
insert_sorted_time (GArray *times,
                    gint64  t)
{
  guint i = times->len;

  while (i > 0 && g_array_index (times, gint64, i - 1) > t)
    i--;
  g_array_insert_val (times, i, t);
}

/* Where the times of epoch @e are: [*lo, *hi). */
static void
time_index_epoch (const TimeIndex *index,
                  guint64          e,
                  guint           *lo,
                  guint           *hi)
{
  const guint32 *first = (const guint32 *) (gpointer) index->epochs->data;
  guint n = index->low->len;

  *lo = e < index->epochs->len ? first[e] : n;
  *hi = e + 1 < index->epochs->len ? first[e + 1] : n;
}

static gint64
time_index_get (const TimeIndex *index,
                guint            i,
                guint64          e)
{
  return (gint64) ((e << 32) | g_array_index (index->low, guint32, i));
}

/* Like insert_sorted_time(): from the end, as times come nearly in order. */
static void
time_index_insert (TimeIndex *index,
                   gint64     t)
{
  guint64 e, te;
  guint i = index->low->len;
  guint32 low;

  t = MAX (t, 0);
  te = (guint64) t >> 32;
  low = (guint32) ((guint64) t & G_MAXUINT32);
  e = index->epochs->len > 0 ? index->epochs->len - 1 : 0;
  while (i > 0)
    {
      while (e > 0 && g_array_index (index->epochs, guint32, e) >= i)
        e--;
      if (time_index_get (index, i - 1, e) <= t)
        break;
      i--;
    }
  g_array_insert_val (index->low, i, low);

  /* Epochs up to t's begin where they did; the later ones one further. */
  while (index->epochs->len <= te)
    {
      guint32 n = index->low->len - 1;

      g_array_append_val (index->epochs, n);
    }
  for (guint64 k = te + 1; k < index->epochs->len; k++)
    g_array_index (index->epochs, guint32, k)++;
}

/* How many times are before @t.  @hint (or NULL): where the previous
 * search ended — a gallop from there, then a binary search over what it
 * spanned.  Columns come left to right, so at a deep zoom (a million
 * runs, a few in view) this reads a few neighbouring entries instead of
 * 20 far-apart ones. */
static guint
time_index_count_before (const TimeIndex *index,
                         gint64           t,
                         guint           *hint)
{
  const guint32 *v = (const guint32 *) (gpointer) index->low->data;
  guint64 e;
  guint32 low;
  guint lo, hi, first, end;

  if (t <= 0)
    return 0;
  e = (guint64) t >> 32;
  if (e >= index->epochs->len)
    return index->low->len;
  low = (guint32) ((guint64) t & G_MAXUINT32);
  time_index_epoch (index, e, &first, &end);
  lo = first;
  hi = end;

  if (hint != NULL && *hint >= first && *hint <= end)
    {
      guint at = *hint;

      if (at == first || v[at - 1] < low)
        {
          guint step = 1;

          /* The answer is at or after @at. */
          lo = at;
          hi = at;
          while (hi < end && v[hi] < low)
            {
              lo = hi + 1;
              hi = at + step;
              step <<= 1;
            }
          hi = MIN (hi, end);
        }
      else
        hi = at;   /* before @at: search what lies before */
    }

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (v[mid] < low)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (hint != NULL)
    *hint = lo;
  return lo;
}

static gsize array_bytes (GArray *array);

static gsize
time_index_bytes (const TimeIndex *index)
{
  return array_bytes (index->low) + array_bytes (index->epochs);
}

static void
aggregate_birth (LaneImpl *impl,
                 gint64    t)
{
  Aggregate *agg = impl->agg;

  if (agg == NULL || impl->born)
    return;

  impl->born = TRUE;
  insert_sorted_time (agg->births, t);
  agg->n_live++;
  agg->max_live = MAX (agg->max_live, agg->n_live);
}

static void
aggregate_death (LaneImpl *impl,
                 gint64    t)
{
  Aggregate *agg = impl->agg;

  if (agg == NULL || !impl->born)
    return;

  insert_sorted_time (agg->exits, t);
  agg->n_live--;
}

/* The lane ran over [s, e]: one more distinct runner in every bucket of
 * every level it touches that its earlier runs did not already touch. */
static void
aggregate_touch (LaneImpl *impl,
                 gint64    s,
                 gint64    e)
{
  Aggregate *agg = impl->agg;

  if (agg == NULL)
    return;

  s = MAX (s, 0);
  e = MAX (e, s);
  for (guint l = 0; l < AGG_N_LEVELS; l++)
    {
      guint shift = AGG_FIRST_SHIFT + l;
      gint64 from = s >> shift;
      gint64 to = e >> shift;
      GArray *buckets = agg->levels[l];

      if (impl->agg_last >= 0)
        from = MAX (from, (impl->agg_last >> shift) + 1);
      if (from > to)
        continue;
      if (buckets->len <= (guint) to)
        g_array_set_size (buckets, (guint) to + 1);
      for (gint64 b = from; b <= to; b++)
        g_array_index (buckets, guint32, b)++;
    }
  impl->agg_last = MAX (impl->agg_last, e);
}

static void
append_row (SwTimelineModel         *self,
            SwTimelineRowKind        kind,
            const SwTimelineLane    *lane,
            const SwTimelineCounter *counter)
{
  SwTimelineRow row = { kind, lane, counter, 0, NULL };

  g_array_append_val (self->rows, row);
}

static void
append_counter_rows (SwTimelineModel *self,
                     gint             pid,
                     gboolean         any_pid)
{
  for (guint c = 0; c < self->counters->len; c++)
    {
      const SwTimelineCounter *counter = g_ptr_array_index (self->counters, c);

      if (any_pid || counter->pid == pid)
        append_row (self, SW_TIMELINE_ROW_COUNTER, NULL, counter);
    }
}

/* Rows from the sorted lanes: a thread with more than the threshold of
 * coroutines gets an aggregate row right under it, and its coroutines'
 * rows only when expanded; a process's counters follow its last lane. */
static void
build_rows (SwTimelineModel *self)
{
  g_autoptr(GHashTable) last_of_pid = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) counter_pids = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;

  if (!self->rows_dirty)
    return;

  g_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->processes, 0);
  g_hash_table_iter_init (&iter, self->aggregates);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Aggregate *) value)->row = G_MAXUINT;

  for (guint i = 0; i < self->lanes->len; i++)
    {
      const SwTimelineLane *lane = g_ptr_array_index (self->lanes, i);

      g_hash_table_insert (last_of_pid, GINT_TO_POINTER (lane->pid), GUINT_TO_POINTER (i));
    }

  for (guint i = 0; i < self->lanes->len; i++)
    {
      SwTimelineLane *lane = g_ptr_array_index (self->lanes, i);
      SwTimelineProcess *process = ((LaneImpl *) lane)->process;
      Aggregate *agg = lane->kind == SW_LANE_COROUTINE ? ((LaneImpl *) lane)->agg
                         : g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (lane->id));

      /* Lanes of one process are together: its header comes first. */
      if (i == 0 || ((LaneImpl *) g_ptr_array_index (self->lanes, i - 1))->process != process)
        {
          process->first_index = i;
          process->row = self->rows->len;
          g_ptr_array_add (self->processes, process);
          append_row (self, SW_TIMELINE_ROW_PROCESS, lane, NULL);
          g_array_index (self->rows, SwTimelineRow, process->row).process = process;
        }

      /* Folded: everything of it is drawn on (and points at) its header. */
      if (!process->expanded)
        {
          lane->row = process->row;
          if (GPOINTER_TO_UINT (g_hash_table_lookup (last_of_pid, GINT_TO_POINTER (lane->pid))) == i)
            g_hash_table_add (counter_pids, GINT_TO_POINTER (lane->pid));
          continue;
        }

      if (lane->kind == SW_LANE_COROUTINE && aggregate_folds (agg))
        {
          /* The thread is not a lane of ours: the aggregate stands alone. */
          if (agg->row == G_MAXUINT)
            {
              agg->row = self->rows->len;
              append_row (self, SW_TIMELINE_ROW_AGGREGATE,
                          g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (agg->thread)),
                          NULL);
              g_array_index (self->rows, SwTimelineRow, agg->row).thread = agg->thread;
            }
          lane->row = agg->row;
          if (agg->expanded)
            {
              lane->row = self->rows->len;
              append_row (self, SW_TIMELINE_ROW_LANE, lane, NULL);
            }
        }
      else
        {
          lane->row = self->rows->len;
          append_row (self, SW_TIMELINE_ROW_LANE, lane, NULL);
          if (lane->kind != SW_LANE_COROUTINE && aggregate_folds (agg))
            {
              agg->row = self->rows->len;
              append_row (self, SW_TIMELINE_ROW_AGGREGATE, lane, NULL);
              g_array_index (self->rows, SwTimelineRow, agg->row).thread = agg->thread;
            }
        }

      if (GPOINTER_TO_UINT (g_hash_table_lookup (last_of_pid, GINT_TO_POINTER (lane->pid))) == i)
        {
          append_counter_rows (self, lane->pid, FALSE);
          g_hash_table_add (counter_pids, GINT_TO_POINTER (lane->pid));
        }
    }

  /* Counters of a process with no lane (yet) go last. */
  for (guint c = 0; c < self->counters->len; c++)
    {
      const SwTimelineCounter *counter = g_ptr_array_index (self->counters, c);

      if (!g_hash_table_contains (counter_pids, GINT_TO_POINTER (counter->pid)))
        append_row (self, SW_TIMELINE_ROW_COUNTER, NULL, counter);
    }

  self->rows_dirty = FALSE;
}

/* The process of @pid, named after its process lane once that is seen
 * (a lane of an unknown process may come first). */
static SwTimelineProcess *
ensure_process (SwTimelineModel *self,
                gint             pid,
                const char      *name)
{
  SwTimelineProcess *process = g_hash_table_lookup (self->process_by_pid, GINT_TO_POINTER (pid));

  if (process == NULL)
    {
      process = g_new0 (SwTimelineProcess, 1);
      process->pid = pid;
      process->first_lane = G_MAXUINT32;
      process->expanded = TRUE;
      g_hash_table_insert (self->process_by_pid, GINT_TO_POINTER (pid), process);
    }

  if (process->label == NULL || name != NULL)
    {
      g_free (process->name);
      g_free (process->label);
      /* A program run by its path is named by its file. */
      process->name = name != NULL ? g_path_get_basename (name) : g_strdup (pid != 0 ? "process" : "?");
      process->label = pid != 0 ? g_strdup_printf ("%s · PID %d", process->name, pid)
                                : g_strdup (process->name);
      self->rows_dirty = TRUE;
    }

  return process;
}

static SwTimelineLane *
add_lane (SwTimelineModel *self,
          const SwLane    *info)
{
  SwTimelineLane *lane;
  LaneImpl *impl;

  impl = g_new0 (LaneImpl, 1);
  impl->agg_last = -1;
  impl->exit_ns = SW_TIMELINE_OPEN;
  lane = &impl->pub;
  lane->id = info->id;
  lane->parent = info->parent;
  lane->kind = info->kind;
  lane->name = g_strdup (info->name != NULL ? info->name : "");
  lane->pid = info->pid;
  lane->tid = info->tid;
  /* The TID tells the audience these are real OS threads; a lane of
   * another process (a pool's worker) shows its PID first. */
  if (lane->pid != 0 && lane->pid != (self->main_pid != 0 ? self->main_pid : getpid ()))
    lane->label = lane->tid == lane->pid
                  ? g_strdup_printf ("%s · PID %d", lane->name, lane->pid)
                  : g_strdup_printf ("%s · PID %d TID %d", lane->name, lane->pid, lane->tid);
  else
    lane->label = g_strdup_printf ("%s · TID %d", lane->name, lane->tid);
  lane->tasks = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->waits = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->callbacks = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->submits = g_array_new (FALSE, FALSE, sizeof (SwTimelineMark));
  lane->never_ran = g_array_new (FALSE, FALSE, sizeof (SwTimelineMark));
  lane->open_wait = -1;
  lane->open_callback = -1;
  lane->running = g_array_new (FALSE, FALSE, sizeof (SwTimelineSpan));
  lane->switches = g_array_new (FALSE, FALSE, sizeof (SwTimelineSwitch));
  lane->ctx_samples = g_array_new (FALSE, FALSE, sizeof (SwTimelineCtxSample));
  lane->logs = g_array_new (FALSE, FALSE, sizeof (SwTimelineMark));
  lane->open_running = -1;
  lane->open_waiting = -1;

  impl->process = ensure_process (self, lane->pid, NULL);
  impl->process->first_lane = MIN (impl->process->first_lane, lane->id);
  impl->process->n_lanes++;

  g_hash_table_insert (self->lane_by_id, GUINT_TO_POINTER (lane->id), lane);
  lane->index = self->lanes->len;
  g_ptr_array_add (self->lanes, lane);
  self->lanes_dirty = TRUE;

  /* A coroutine's row goes under its thread's: make sure that one is there. */
  if (lane->kind == SW_LANE_COROUTINE)
    {
      SwLane parent;

      self->n_coroutine_lanes++;
      impl->agg = ensure_aggregate (self, lane->parent);
      impl->agg->n_lanes++;
      if (sw_trace_get_lane (self->trace, lane->parent, &parent) &&
          parent.kind == SW_LANE_THREAD)
        ensure_lane (self, lane->parent);
    }

  return lane;
}

static SwTimelineLane *
ensure_lane (SwTimelineModel *self,
             guint32          id)
{
  SwTimelineLane *lane;
  SwLane info = { 0, };

  lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (id));
  if (lane != NULL)
    return lane;

  if (!sw_trace_get_lane (self->trace, id, &info))
    {
      info.id = id;
      info.kind = SW_LANE_THREAD;
      info.name = "?";
    }

  return add_lane (self, &info);
}

/* The process whose lanes are labelled by TID alone: ours when we
 * recorded (our threads are there), else — a replay, whose trace holds
 * our process with no threads, then the file's — the file's first
 * process, which recorded it.  Decided on the first lanes besides ours. */
static void
find_main_pid (SwTimelineModel *self,
               GArray          *lanes)
{
  gint foreign = 0;

  if (self->main_pid != 0)
    return;

  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *info = &g_array_index (lanes, SwLane, i);

      if (info->pid == getpid () && info->kind != SW_LANE_PROCESS)
        {
          self->main_pid = getpid ();
          return;
        }
      if (foreign == 0 && info->pid != 0 && info->pid != getpid ())
        foreign = info->pid;
    }
  self->main_pid = foreign;
}

/* Thread lanes show up as soon as they exist, even before their first
 * event: an idle worker is part of the picture. */
static void
sync_lanes (SwTimelineModel *self)
{
  /* Only the lanes registered since the last frame: with thousands of
   * coroutine lanes, copying them all every frame would cost the frame. */
  g_autoptr(GArray) lanes = sw_trace_dup_lanes_from (self->trace, self->n_trace_lanes);

  self->n_trace_lanes += lanes->len;
  find_main_pid (self, lanes);
  for (guint i = 0; i < lanes->len; i++)
    {
      const SwLane *info = &g_array_index (lanes, SwLane, i);

      /* A process is no row of its own but names its header. */
      if (info->kind == SW_LANE_PROCESS)
        {
          ensure_process (self, info->pid, info->name);
          continue;
        }
      if (info->kind == SW_LANE_HELPER)
        continue;
      if (!g_hash_table_contains (self->lane_by_id, GUINT_TO_POINTER (info->id)))
        add_lane (self, info);
    }
}

static TaskInfo *
ensure_task (SwTimelineModel *self,
             guint64          id)
{
  TaskInfo *task;

  task = g_hash_table_lookup (self->tasks, &id);
  if (task == NULL)
    {
      task = g_new0 (TaskInfo, 1);
      task->id = id;
      g_hash_table_insert (self->tasks, &task->id, task);
    }

  return task;
}

/* Marks of a lane come in time order, except when another lane puts
 * them there (a cancel on the submitter's lane): keep them sorted. */
static guint
insert_mark (GArray               *marks,
             const SwTimelineMark *mark)
{
  guint i = marks->len;

  while (i > 0 && g_array_index (marks, SwTimelineMark, i - 1).time_ns > mark->time_ns)
    i--;
  g_array_insert_val (marks, i, *mark);
  return i;
}

/* Labels "page 3" and "page 4" differ by one hue, "page 3" has the same
 * hue in every run: the hue of the name, shifted by the number after it. */
guint
sw_timeline_task_hue (const char *label)
{
  g_autofree char *name = NULL;
  const char *end;
  guint number = 0;
  guint scale = 1;

  if (label == NULL)
    return 0;

  end = label + strlen (label);
  while (end > label && g_ascii_isdigit (end[-1]))
    {
      number += scale * (guint) (end[-1] - '0');
      scale *= 10;
      end--;
    }
  name = g_strndup (label, end - label);

  return (g_str_hash (name) + number) % SW_TIMELINE_N_HUES;
}

/* The hue goes into the bar once both the label and the bar are known
 * (the submit of a process pool's task may arrive after its start). */
static void
task_set_hue (SwTimelineModel *self,
              TaskInfo        *task)
{
  SwTimelineLane *lane;

  if (task->hue_known || task->label == 0 || task->run_lane == 0)
    return;

  lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->run_lane));
  g_array_index (lane->tasks, SwTimelineSpan, task->run_index).reason =
    1 + sw_timeline_task_hue (sw_trace_lookup_string (self->trace, task->label));
  task->hue_known = TRUE;
}

static void close_span (GArray              *spans,
                        guint                index,
                        gint64               time_ns,
                        SwTimelineSpanState  state);

static void
task_close (SwTimelineModel *self,
            TaskInfo        *task)
{
  SwTimelineLane *lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->run_lane));

  close_span (lane->tasks, task->run_index, task->over_ns, task->state);
  task->open = FALSE;
  self->n_open_spans--;
}

/* Cancelled or failed in the queue (a broken pool): no bar; a mark where
 * it was submitted says what became of it.  Once both the submit and the
 * end are known, and while no start is. */
static void
task_mark_never_ran (SwTimelineModel *self,
                     TaskInfo        *task)
{
  SwTimelineMark mark;
  SwTimelineLane *lane;

  if (!task->over || task->marked || task->run_lane != 0 || task->submit_lane == 0 ||
      task->state == SW_TIMELINE_SPAN_OK)
    return;

  mark.time_ns = task->over_ns;
  mark.object = task->id;
  lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->submit_lane));
  insert_mark (lane->never_ran, &mark);
  task->marked = TRUE;
}

/* Its start came after all: the bar says it, not a mark.  The mark is
 * among the last few (it was just put there). */
static void
task_unmark_never_ran (SwTimelineModel *self,
                       TaskInfo        *task)
{
  SwTimelineLane *lane;

  if (!task->marked)
    return;

  lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->submit_lane));
  for (guint i = lane->never_ran->len; i > 0; i--)
    if (g_array_index (lane->never_ran, SwTimelineMark, i - 1).object == task->id)
      {
        g_array_remove_index (lane->never_ran, i - 1);
        break;
      }
  task->marked = FALSE;
}

static guint
open_span (GArray  *spans,
           gint64   time_ns,
           guint64  object)
{
  SwTimelineSpan span = { time_ns, SW_TIMELINE_OPEN, object, SW_TIMELINE_SPAN_OK, 0 };

  g_array_append_val (spans, span);
  return spans->len - 1;
}

static void
close_span (GArray              *spans,
            guint                index,
            gint64               time_ns,
            SwTimelineSpanState  state)
{
  SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, index);

  span->end_ns = MAX (time_ns, span->start_ns);
  span->state = state;
}

/* The lane gets the thread at t: whatever it waited for is over. */
static void
co_resume (SwTimelineLane *lane,
           gint64          t)
{
  LaneImpl *impl = (LaneImpl *) lane;

  if (lane->exited || lane->open_running >= 0)
    return;

  /* The wait going on ends where this run starts. */
  lane->open_waiting = -1;
  lane->open_running = open_span (lane->running, t, 0);
  aggregate_birth (impl, t);
  aggregate_touch (impl, t, t);
  if (impl->agg != NULL)
    time_index_insert (&impl->agg->run_starts, t);
}

static void
co_close_running (LaneImpl            *impl,
                  gint64               t,
                  SwTimelineSpanState  state)
{
  SwTimelineLane *lane = &impl->pub;
  const SwTimelineSpan *span;

  close_span (lane->running, lane->open_running, t, state);
  span = &g_array_index (lane->running, SwTimelineSpan, lane->open_running);
  aggregate_touch (impl, span->start_ns, span->end_ns);
  if (impl->agg != NULL)
    time_index_insert (&impl->agg->run_ends, span->end_ns);
  lane->open_running = -1;
}

/* How many runs a switch can count (SwTimelineSwitch.next_run). */
#define NEXT_RUN_MAX ((1u << 23) - 1)

/* The lane gives the thread up at t, waiting for @reason: its switch
 * record @sw, about to be appended, is where the wait starts. */
static void
co_suspend (SwTimelineLane   *lane,
            gint64            t,
            guint32           reason,
            SwTimelineSwitch *sw)
{
  if (lane->open_running >= 0)
    co_close_running ((LaneImpl *) lane, t, SW_TIMELINE_SPAN_OK);

  if (!lane->exited && reason != SW_SWITCH_EXIT && lane->open_waiting < 0)
    {
      aggregate_birth ((LaneImpl *) lane, t);
      lane->open_waiting = (gint) lane->switches->len;
      sw->waits = TRUE;
      sw->next_run = MIN (lane->running->len, NEXT_RUN_MAX);
    }
}

static void
co_exit (SwTimelineLane *lane,
         gint64          t,
         gboolean        failed)
{
  SwTimelineSpanState state = failed ? SW_TIMELINE_SPAN_FAILED : SW_TIMELINE_SPAN_OK;

  if (lane->exited)
    return;
  if (lane->open_running >= 0)
    co_close_running ((LaneImpl *) lane, t, state);
  else if (failed && lane->running->len > 0)
    g_array_index (lane->running, SwTimelineSpan, lane->running->len - 1).state = state;
  /* A wait going on ends here, cancelled (sw_timeline_lane_get_waiting). */
  ((LaneImpl *) lane)->exit_ns = t;
  lane->open_running = -1;
  lane->open_waiting = -1;
  lane->exited = TRUE;
  aggregate_death ((LaneImpl *) lane, t);
}

static void
add_counter_sample (SwTimelineModel *self,
                    const SwEvent   *event,
                    gint64           t)
{
  CounterImpl *counter;
  SwTimelineSample sample = { t, (double) (gint64) event->arg };
  guint i;

  /* A counter without a name cannot be told apart from any other. */
  if (event->object == 0)
    return;

  counter = g_hash_table_lookup (self->counter_by_name, &event->object);
  if (counter == NULL)
    {
      const char *name = sw_trace_lookup_string (self->trace, event->object);
      const SwTimelineLane *lane = g_hash_table_lookup (self->lane_by_id,
                                                        GUINT_TO_POINTER (event->lane));
      SwLane info;

      counter = g_new0 (CounterImpl, 1);
      counter->name_id = event->object;
      counter->pub.name = g_strdup (name != NULL ? name : "?");
      if (lane != NULL)
        counter->pub.pid = lane->pid;
      else if (sw_trace_get_lane (self->trace, event->lane, &info))
        counter->pub.pid = info.pid;
      counter->pub.samples = g_array_new (FALSE, FALSE, sizeof (SwTimelineSample));
      counter->pub.max = sample.value;
      g_hash_table_insert (self->counter_by_name, &counter->name_id, counter);
      g_ptr_array_add (self->counters, counter);
      self->rows_dirty = TRUE;
    }

  /* Samples from several lanes may interleave a little across a drain. */
  i = counter->pub.samples->len;
  while (i > 0 && g_array_index (counter->pub.samples, SwTimelineSample, i - 1).time_ns > t)
    i--;
  g_array_insert_val (counter->pub.samples, i, sample);
  counter->built = MIN (counter->built, i);
  counter->pub.max = MAX (counter->pub.max, sample.value);
  counter->pub.last = g_array_index (counter->pub.samples, SwTimelineSample,
                                     counter->pub.samples->len - 1).value;
}

/* Brings the min/max levels up to date with the samples (only the blocks
 * from the first new or moved sample on are recomputed). */
static void
counter_build_levels (CounterImpl *counter)
{
  GArray *samples = counter->pub.samples;
  guint first = counter->built;

  if (first >= samples->len)
    return;

  for (guint k = 1; k < COUNTER_MAX_LEVELS; k++)
    {
      guint block_shift = k * COUNTER_FANOUT_SHIFT;
      guint n_blocks = (samples->len + (1u << block_shift) - 1) >> block_shift;
      guint from = first >> block_shift;
      GArray *level;

      if (n_blocks <= 1 && k > 1)
        break;
      if (counter->levels[k] == NULL)
        counter->levels[k] = g_array_new (FALSE, FALSE, sizeof (MinMax));
      level = counter->levels[k];
      g_array_set_size (level, n_blocks);

      for (guint b = from; b < n_blocks; b++)
        {
          MinMax mm = { G_MAXDOUBLE, -G_MAXDOUBLE };
          guint lo = b << COUNTER_FANOUT_SHIFT;
          guint hi = MIN (lo + (1u << COUNTER_FANOUT_SHIFT),
                          k == 1 ? samples->len
                                 : counter->levels[k - 1]->len);

          for (guint j = lo; j < hi; j++)
            {
              double lo_v, hi_v;

              if (k == 1)
                lo_v = hi_v = g_array_index (samples, SwTimelineSample, j).value;
              else
                {
                  lo_v = g_array_index (counter->levels[k - 1], MinMax, j).min;
                  hi_v = g_array_index (counter->levels[k - 1], MinMax, j).max;
                }
              mm.min = MIN (mm.min, lo_v);
              mm.max = MAX (mm.max, hi_v);
            }
          g_array_index (level, MinMax, b) = mm;
        }
    }
  counter->built = samples->len;
}

static void
handle_event (SwTimelineModel *self,
              const SwEvent   *event)
{
  SwTimelineLane *lane;
  TaskInfo *task;
  gint64 t = (gint64) event->time - self->origin_ns;

  self->n_events++;

  /* A coroutine that records anything holds the thread, even when the
   * switch that gave it the thread was not recorded (its first run). */
  if (self->n_coroutine_lanes > 0 &&
      event->kind != SW_EVENT_CO_SWITCH && event->kind != SW_EVENT_CO_EXIT &&
      event->kind != SW_EVENT_CTX_SWITCHES)
    {
      lane = g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (event->lane));
      if (lane != NULL && lane->kind == SW_LANE_COROUTINE)
        co_resume (lane, t);
    }

  switch ((SwEventKind) event->kind)
    {
    case SW_EVENT_TASK_SUBMIT:
      {
        SwTimelineMark mark = { t, event->object };

        lane = ensure_lane (self, event->lane);
        task = ensure_task (self, event->object);
        task->label = event->arg;
        task->submit_lane = lane->id;
        g_array_append_val (lane->submits, mark);
        task->submit_index = lane->submits->len - 1;
        task_set_hue (self, task);
        task_mark_never_ran (self, task);
        self->n_submits++;
      }
      break;

    case SW_EVENT_TASK_START:
      lane = ensure_lane (self, event->lane);
      task = ensure_task (self, event->object);
      if (task->run_lane != 0)
        break;
      task->run_lane = lane->id;
      task->run_index = open_span (lane->tasks, t, event->object);
      task->open = TRUE;
      task_set_hue (self, task);
      self->n_spans++;
      self->n_open_spans++;
      if (task->over)
        {
          /* Its end came first: it did run after all. */
          task_close (self, task);
          task_unmark_never_ran (self, task);
        }
      break;

    case SW_EVENT_TASK_END:
    case SW_EVENT_TASK_ERROR:
    case SW_EVENT_TASK_CANCEL:
      task = ensure_task (self, event->object);
      if (!task->over)
        {
          task->over = TRUE;
          task->over_ns = t;
          if (event->kind == SW_EVENT_TASK_ERROR && event->arg != 0)
            g_hash_table_insert (self->task_errors, GSIZE_TO_POINTER (task->id),
                                 GSIZE_TO_POINTER (event->arg));
          task->state = event->kind == SW_EVENT_TASK_ERROR ? SW_TIMELINE_SPAN_FAILED
                        : event->kind == SW_EVENT_TASK_CANCEL ? SW_TIMELINE_SPAN_CANCELLED
                        : SW_TIMELINE_SPAN_OK;
          if (task->open)
            task_close (self, task);
          else
            task_mark_never_ran (self, task);
        }
      break;

    case SW_EVENT_CALLBACK_BEGIN:
      lane = ensure_lane (self, event->lane);
      lane->open_callback = open_span (lane->callbacks, t, event->object);
      self->n_callbacks++;
      break;

    case SW_EVENT_CALLBACK_END:
      lane = ensure_lane (self, event->lane);
      if (lane->open_callback >= 0)
        {
          close_span (lane->callbacks, lane->open_callback, t,
                      (event->flags & SW_EVENT_FLAG_FAILED) ? SW_TIMELINE_SPAN_FAILED
                                                            : SW_TIMELINE_SPAN_OK);
          lane->open_callback = -1;
        }
      break;

    case SW_EVENT_WAIT_BEGIN:
      lane = ensure_lane (self, event->lane);
      lane->open_wait = open_span (lane->waits, t, event->object);
      g_array_index (lane->waits, SwTimelineSpan, lane->open_wait).reason =
        sw_wait_kind (event->object, event->arg);
      self->n_waits++;
      break;

    case SW_EVENT_WAIT_END:
      lane = ensure_lane (self, event->lane);
      if (lane->open_wait >= 0)
        {
          close_span (lane->waits, lane->open_wait, t, SW_TIMELINE_SPAN_OK);
          lane->open_wait = -1;
        }
      break;

    case SW_EVENT_CTX_SWITCHES:
      {
        SwCtxSwitches delta;

        lane = ensure_lane (self, event->lane);
        sw_ctx_switches_unpack (event->arg, &delta);
        lane->ctx_voluntary += delta.voluntary;
        lane->ctx_involuntary += delta.involuntary;
        insert_ctx_sample (lane->ctx_samples, t, delta.voluntary, delta.involuntary);
      }
      break;

    case SW_EVENT_LOG:
      {
        LogLine line = { event->time, event->arg };
        guint at;

        g_array_append_val (self->log_lines, line);
        lane = ensure_lane (self, event->lane);
        at = insert_by_time (lane->logs, t);
        g_array_index (lane->logs, SwTimelineMark, at) = (SwTimelineMark) { t, event->arg };
      }
      break;

    case SW_EVENT_LANE_BEGIN:
    case SW_EVENT_LANE_END:
      ensure_lane (self, (guint32) event->object);
      break;

    case SW_EVENT_CO_SPAWN:
      /* Alive (ready to run) from here, in its thread's aggregate. */
      lane = ensure_lane (self, (guint32) event->object);
      aggregate_birth ((LaneImpl *) lane, t);
      break;

    case SW_EVENT_COUNTER:
      add_counter_sample (self, event, t);
      break;

    case SW_EVENT_CO_SWITCH:
      {
        SwTimelineLane *to;
        /* A reason past 8 bits is none we know: "?" */
        SwTimelineSwitch sw = { t, (guint32) event->object, event->flags <= 0xff ? event->flags : 0, FALSE, 0 };

        lane = ensure_lane (self, event->lane);
        to = ensure_lane (self, (guint32) event->object);
        co_suspend (lane, t, event->flags, &sw);
        co_resume (to, t);
        g_array_append_val (lane->switches, sw);
        self->n_switches++;
      }
      break;

    case SW_EVENT_CO_EXIT:
      lane = ensure_lane (self, event->lane);
      co_exit (lane, t, (event->flags & SW_EVENT_FLAG_FAILED) != 0);
      break;

    case SW_EVENT_NONE:
    case SW_EVENT_POOL_SHUTDOWN:
    case SW_EVENT_CONN_OPEN:
    case SW_EVENT_CONN_CLOSE:
    case SW_EVENT_BYTES_IN:
    case SW_EVENT_BYTES_OUT:
    case SW_EVENT_N_KINDS:
    default:
      /* Drawn by later timeline tracks; still extends the time range. */
      break;
    }

  if (t < self->first_ns)
    self->first_ns = t;
  if (t > self->last_ns)
    self->last_ns = t;
}

/* Lanes come interleaved out of a drain; the console reads in time order.
 * Insertion sort: a drain's new lines are few and nearly in order. */
static void
sort_new_log_lines (SwTimelineModel *self,
                    guint            first)
{
  LogLine *lines = (LogLine *) (gpointer) self->log_lines->data;

  for (guint i = first + 1; i < self->log_lines->len; i++)
    {
      LogLine line = lines[i];
      guint j = i;

      while (j > first && lines[j - 1].time > line.time)
        {
          lines[j] = lines[j - 1];
          j--;
        }
      lines[j] = line;
    }
}

static gboolean
drain (SwTimelineModel *self,
       gint64           deadline_us)
{
  gboolean changed = FALSE;
  gsize n;

  sync_lanes (self);

  do
    {
      guint first_new_line = self->log_lines->len;

      if (self->replay_events != NULL)
        {
          const SwEvent *events = (const SwEvent *) self->replay_events->data;

          for (n = 0; n < DRAIN_BATCH && self->replay_pos < self->replay_events->len; n++)
            {
              if ((gint64) events[self->replay_pos].time - self->origin_ns > self->limit_ns)
                break;
              handle_event (self, &events[self->replay_pos++]);
            }
        }
      else
        {
          n = sw_trace_cursor_drain (self->cursor, self->buffer, DRAIN_BATCH);
          for (gsize i = 0; i < n; i++)
            handle_event (self, &self->buffer[i]);
        }
      sort_new_log_lines (self, first_new_line);
      changed |= (n > 0);
    }
  while (n > 0 &&
         (deadline_us == 0 || g_get_monotonic_time () < deadline_us));

  sort_lanes (self);
  build_rows (self);
  for (guint c = 0; c < self->counters->len; c++)
    counter_build_levels (g_ptr_array_index (self->counters, c));

  return changed;
}

static void
sw_timeline_model_finalize (GObject *object)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  g_clear_pointer (&self->cursor, sw_trace_cursor_free);
  g_clear_pointer (&self->replay_events, g_array_unref);
  g_clear_object (&self->trace);
  g_clear_pointer (&self->buffer, g_free);
  g_clear_pointer (&self->lanes, g_ptr_array_unref);
  g_clear_pointer (&self->lane_by_id, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_hash_table_unref);
  g_clear_pointer (&self->task_errors, g_hash_table_unref);
  g_clear_pointer (&self->log_lines, g_array_unref);
  g_clear_pointer (&self->aggregates, g_hash_table_unref);
  g_clear_pointer (&self->counter_by_name, g_hash_table_unref);
  g_clear_pointer (&self->counters, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->processes, g_ptr_array_unref);
  g_clear_pointer (&self->process_by_pid, g_hash_table_unref);

  G_OBJECT_CLASS (sw_timeline_model_parent_class)->finalize (object);
}

static void
sw_timeline_model_constructed (GObject *object)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  G_OBJECT_CLASS (sw_timeline_model_parent_class)->constructed (object);

  g_assert (self->trace != NULL);
  if (self->origin_ns == G_MININT64)
    self->origin_ns = sw_trace_get_origin_ns (self->trace);
  self->cursor = sw_trace_cursor_new (self->trace);
}

static void
sw_timeline_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      g_value_set_object (value, self->trace);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_ORIGIN_NS:
      g_value_set_int64 (value, self->origin_ns);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_model_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SwTimelineModel *self = SW_TIMELINE_MODEL (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      self->trace = g_value_dup_object (value);
      break;

    case PROP_RUNNING:
      sw_timeline_model_set_running (self, g_value_get_boolean (value));
      break;

    case PROP_ORIGIN_NS:
      self->origin_ns = g_value_get_int64 (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_timeline_model_class_init (SwTimelineModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sw_timeline_model_constructed;
  object_class->finalize = sw_timeline_model_finalize;
  object_class->get_property = sw_timeline_model_get_property;
  object_class->set_property = sw_timeline_model_set_property;

  properties[PROP_TRACE] =
    g_param_spec_object ("trace", NULL, NULL,
                         SW_TYPE_TRACE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* While running, open spans grow with the clock. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The timeline's zero, on the trace's clock; G_MININT64: the trace's
   * own origin.  A remote engine's trace began before the local copy. */
  properties[PROP_ORIGIN_NS] =
    g_param_spec_int64 ("origin-ns", NULL, NULL,
                        G_MININT64, G_MAXINT64, G_MININT64,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted after an update that brought new events. */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sw_timeline_model_init (SwTimelineModel *self)
{
  self->buffer = g_new (SwEvent, DRAIN_BATCH);
  self->lanes = g_ptr_array_new_with_free_func (lane_free);
  self->lane_by_id = g_hash_table_new (NULL, NULL);
  self->tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->task_errors = g_hash_table_new (NULL, NULL);
  self->log_lines = g_array_new (FALSE, FALSE, sizeof (LogLine));
  self->aggregates = g_hash_table_new_full (NULL, NULL, NULL, aggregate_free);
  self->counters = g_ptr_array_new_with_free_func (counter_free);
  self->counter_by_name = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->rows = g_array_new (FALSE, FALSE, sizeof (SwTimelineRow));
  self->processes = g_ptr_array_new ();
  self->process_by_pid = g_hash_table_new_full (NULL, NULL, NULL, process_free);
  self->first_ns = G_MAXINT64;
  self->last_ns = 0;
}

SwTimelineModel *
sw_timeline_model_new (SwTrace *trace)
{
  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  return g_object_new (SW_TYPE_TIMELINE_MODEL, "trace", trace, NULL);
}

/**
 * sw_timeline_model_new_with_origin:
 * @origin_ns: the timeline's zero, on @trace's clock (CLOCK_MONOTONIC ns)
 *
 * For a trace that is a copy of one begun earlier elsewhere (a remote
 * engine's): times count from when that one began, as they would there.
 */
SwTimelineModel *
sw_timeline_model_new_with_origin (SwTrace *trace,
                                   gint64   origin_ns)
{
  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  return g_object_new (SW_TYPE_TIMELINE_MODEL, "trace", trace, "origin-ns", origin_ns, NULL);
}

/**
 * sw_timeline_model_get_trace:
 *
 * Returns: (transfer none): the trace this model reads
 */
SwTrace *
sw_timeline_model_get_trace (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  return self->trace;
}

/* Drains what is new, within a per-frame time budget.  Returns TRUE when
 * something changed (new events, or open spans that grew with the clock). */
gboolean
sw_timeline_model_update (SwTimelineModel *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 budget = UPDATE_BUDGET_US;
  gboolean changed;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);

  if (self->last_update_us != 0)
    budget = CLAMP ((gint64) ((now - self->last_update_us) * UPDATE_BUDGET_SHARE),
                    UPDATE_BUDGET_US, UPDATE_BUDGET_MAX_US);
  self->last_update_us = now;

  changed = drain (self, now + budget);
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);

  /* A replay's open spans grow only when its limit moves (which says
   * "changed" itself), not with the clock. */
  return changed || (self->running && self->replay_events == NULL);
}

/* Drains everything left, whatever it costs: used once a run has ended. */
void
sw_timeline_model_drain_all (SwTimelineModel *self)
{
  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  if (drain (self, 0))
    g_signal_emit (self, signals[CHANGED], 0);
}

gboolean
sw_timeline_model_get_running (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);

  return self->running;
}

void
sw_timeline_model_set_running (SwTimelineModel *self,
                               gboolean         running)
{
  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  running = !!running;
  if (self->running == running)
    return;

  /* Freeze "now" where the run ended, so open spans stop growing there. */
  if (!running && self->replay_events == NULL)
    self->last_ns = MAX (self->last_ns, sw_clock_monotonic_ns () - self->origin_ns);

  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Where open spans end: the clock while running, else the last event. */
gint64
sw_timeline_model_get_now_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  if (self->replay_events != NULL)
    return self->limit_ns;

  if (self->running)
    return MAX (self->last_ns, sw_clock_monotonic_ns () - self->origin_ns);

  return self->last_ns;
}

/**
 * sw_timeline_model_new_replay:
 * @trace: a finished trace
 * @events: (element-type SwEvent): sw_trace_dup_events (@trace), shared
 *   (kept, not copied) by the models of one replay
 *
 * A model that shows @trace only up to a limit (sw_timeline_model_set_limit),
 * as if the clock stood at the limit.  It starts at the trace's beginning,
 * showing nothing after it.  "running" is up to its user: TRUE while the
 * limit is before the trace's end, so what is open there is drawn as
 * still going on.
 */
SwTimelineModel *
sw_timeline_model_new_replay (SwTrace *trace,
                              GArray  *events)
{
  SwTimelineModel *self;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);
  g_return_val_if_fail (events != NULL && g_array_get_element_size (events) == sizeof (SwEvent), NULL);

  self = sw_timeline_model_new (trace);
  self->replay_events = g_array_ref (events);
  self->limit_ns = events->len > 0
                   ? MIN ((gint64) g_array_index (events, SwEvent, 0).time - self->origin_ns, 0)
                   : 0;
  drain (self, 0);

  return self;
}

/* The replay's position: events up to @limit_ns are shown, open spans end
 * there.  It only moves forward (what was handled stays); to go back, a
 * replay builds a new model from the same events. */
void
sw_timeline_model_set_limit (SwTimelineModel *self,
                             gint64           limit_ns)
{
  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));
  g_return_if_fail (self->replay_events != NULL);
  g_return_if_fail (limit_ns >= self->limit_ns);

  if (limit_ns == self->limit_ns)
    return;

  self->limit_ns = limit_ns;
  drain (self, 0);
  /* Even without new events, open spans grew to the new "now". */
  g_signal_emit (self, signals[CHANGED], 0);
}

/* G_MAXINT64 when the model is not a replay's. */
gint64
sw_timeline_model_get_limit (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), G_MAXINT64);

  return self->replay_events != NULL ? self->limit_ns : G_MAXINT64;
}

gint64
sw_timeline_model_get_begin_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->first_ns == G_MAXINT64 ? 0 : MIN (self->first_ns, 0);
}

gint64
sw_timeline_model_get_end_ns (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return sw_timeline_model_get_now_ns (self);
}

guint64
sw_timeline_model_get_n_events (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_events;
}

guint
sw_timeline_model_get_n_lanes (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->lanes->len;
}

const SwTimelineLane *
sw_timeline_model_get_lane (SwTimelineModel *self,
                            guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->lanes->len, NULL);

  return g_ptr_array_index (self->lanes, index);
}

const SwTimelineLane *
sw_timeline_model_find_lane_by_name (SwTimelineModel *self,
                                     const char      *name)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->lanes->len; i++)
    {
      const SwTimelineLane *lane = g_ptr_array_index (self->lanes, i);

      if (g_strcmp0 (lane->name, name) == 0)
        return lane;
    }

  return NULL;
}

guint
sw_timeline_model_get_n_spans (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_spans;
}

guint
sw_timeline_model_get_n_open_spans (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_open_spans;
}

guint
sw_timeline_model_get_n_submits (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_submits;
}

guint
sw_timeline_model_get_n_callbacks (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_callbacks;
}

guint
sw_timeline_model_get_n_waits (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_waits;
}

/* The label given at submit ("task 3"), or NULL when not known (yet). */
const char *
sw_timeline_model_get_task_label (SwTimelineModel *self,
                                  guint64          task_id)
{
  TaskInfo *task;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  task = g_hash_table_lookup (self->tasks, &task_id);
  if (task == NULL || task->label == 0)
    return NULL;

  return sw_trace_lookup_string (self->trace, task->label);
}

/* The message a failed task ended with, or NULL. */
const char *
sw_timeline_model_get_task_error (SwTimelineModel *self,
                                  guint64          task_id)
{
  gpointer error_id;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  error_id = g_hash_table_lookup (self->task_errors, GSIZE_TO_POINTER (task_id));
  if (error_id == NULL)
    return NULL;

  return sw_trace_lookup_string (self->trace, GPOINTER_TO_SIZE (error_id));
}

/* Where @task_id was submitted, ran and how it ended; FALSE when the
 * model has seen nothing of it. */
gboolean
sw_timeline_model_get_task (SwTimelineModel *self,
                            guint64          task_id,
                            SwTimelineTask  *out_task)
{
  TaskInfo *task;
  SwTimelineLane *lane;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);
  g_return_val_if_fail (out_task != NULL, FALSE);

  memset (out_task, 0, sizeof *out_task);
  task = g_hash_table_lookup (self->tasks, &task_id);
  if (task == NULL)
    return FALSE;

  out_task->state = task->state;
  out_task->end_ns = SW_TIMELINE_OPEN;
  lane = task->submit_lane != 0
         ? g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->submit_lane)) : NULL;
  if (lane != NULL)
    {
      out_task->submit_lane = lane;
      out_task->submit_ns = g_array_index (lane->submits, SwTimelineMark, task->submit_index).time_ns;
    }
  lane = task->run_lane != 0
         ? g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (task->run_lane)) : NULL;
  if (lane != NULL)
    {
      out_task->run_lane = lane;
      out_task->span = &g_array_index (lane->tasks, SwTimelineSpan, task->run_index);
      out_task->end_ns = out_task->span->end_ns;
    }
  if (task->label != 0)
    out_task->hue = sw_timeline_task_hue (sw_trace_lookup_string (self->trace, task->label));

  return TRUE;
}

guint
sw_timeline_model_get_n_log_lines (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->log_lines->len;
}

const char *
sw_timeline_model_lookup_string (SwTimelineModel *self,
                                 guint64          id)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  return sw_trace_lookup_string (self->trace, id);
}

/**
 * sw_timeline_lower_bound:
 * @array: elements sorted by the gint64 at @field (the model's spans,
 *   marks, switches and readings all are)
 *
 * The first index ≥ @from whose gint64 at @field is ≥ @t: the one binary
 * search that drawing, hit-testing and the statistics share.
 */
guint
sw_timeline_lower_bound (GArray *array,
                         gsize   field,
                         guint   from,
                         gint64  t)
{
  gsize size = g_array_get_element_size (array);
  guint lo = from;
  guint hi = array->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 value;

      memcpy (&value, array->data + (gsize) mid * size + field, sizeof value);
      if (value < t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* How many readings of @samples are at or before @t. */
static guint
ctx_samples_up_to (GArray *samples,
                   gint64  t)
{
  return t == G_MAXINT64 ? samples->len
                         : sw_timeline_lower_bound (samples, G_STRUCT_OFFSET (SwTimelineCtxSample, time_ns),
                                                    0, t + 1);
}

/**
 * sw_timeline_lane_count_ctx_switches:
 *
 * The OS context switches read on @lane in (@from_ns, @to_ns], in
 * O(log n).  A reading counts what happened since the one before it, so
 * they are placed at the reading's time.
 */
void
sw_timeline_lane_count_ctx_switches (const SwTimelineLane *lane,
                                     gint64                from_ns,
                                     gint64                to_ns,
                                     guint                *voluntary,
                                     guint                *involuntary)
{
  const SwTimelineCtxSample *all = (const SwTimelineCtxSample *) (gpointer) lane->ctx_samples->data;
  guint a = ctx_samples_up_to (lane->ctx_samples, from_ns);
  guint b = ctx_samples_up_to (lane->ctx_samples, to_ns);

  *voluntary = b > a ? all[b - 1].voluntary - (a > 0 ? all[a - 1].voluntary : 0) : 0;
  *involuntary = b > a ? all[b - 1].involuntary - (a > 0 ? all[a - 1].involuntary : 0) : 0;
}

/* Where the wait that starts at @sw ends: at the giver's next run, else
 * at its exit (cancelled), else it goes on. */
static gint64
waiting_end (const SwTimelineLane   *lane,
             const SwTimelineSwitch *sw,
             SwTimelineSpanState    *state)
{
  const SwTimelineSpan *runs = (const SwTimelineSpan *) (gpointer) lane->running->data;
  gint64 exit_ns = ((const LaneImpl *) lane)->exit_ns;
  guint j = sw->next_run;

  *state = SW_TIMELINE_SPAN_OK;
  if (!sw->waits)
    return sw->time_ns;

  /* Saturated: the first run from there on that starts after it. */
  if (j == NEXT_RUN_MAX)
    {
      guint hi = lane->running->len;

      while (j < hi)
        {
          guint mid = j + (hi - j) / 2;

          if (runs[mid].start_ns < sw->time_ns)
            j = mid + 1;
          else
            hi = mid;
        }
    }

  if (j < lane->running->len)
    return MAX (runs[j].start_ns, sw->time_ns);
  if (exit_ns != SW_TIMELINE_OPEN)
    {
      *state = SW_TIMELINE_SPAN_CANCELLED;
      return MAX (exit_ns, sw->time_ns);
    }
  return SW_TIMELINE_OPEN;
}

/**
 * sw_timeline_lane_get_waiting:
 *
 * The waiting segment that starts at switch @index of @lane: from the
 * switch to the lane's next run, .reason the switch's.  FALSE when that
 * switch started no wait (the lane exited, or was waiting already).
 */
gboolean
sw_timeline_lane_get_waiting (const SwTimelineLane *lane,
                              guint                 index,
                              SwTimelineSpan       *out_span)
{
  const SwTimelineSwitch *sw;
  SwTimelineSpanState state;

  g_return_val_if_fail (lane != NULL, FALSE);
  g_return_val_if_fail (out_span != NULL, FALSE);

  if (index >= lane->switches->len)
    return FALSE;
  sw = &g_array_index (lane->switches, SwTimelineSwitch, index);
  if (!sw->waits)
    return FALSE;

  out_span->start_ns = sw->time_ns;
  out_span->end_ns = waiting_end (lane, sw, &state);
  out_span->object = 0;
  out_span->state = state;
  out_span->reason = sw->reason;
  return TRUE;
}

/* First switch index whose waiting segment ends at or after @t (open
 * ones end at +∞); a switch that started none counts as ending at its
 * time.  O(log² n). */
guint
sw_timeline_lane_first_waiting_ending_after (const SwTimelineLane *lane,
                                             gint64                t)
{
  const SwTimelineSwitch *all;
  guint lo = 0, hi;

  g_return_val_if_fail (lane != NULL, 0);

  all = (const SwTimelineSwitch *) (gpointer) lane->switches->data;
  hi = lane->switches->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      SwTimelineSpanState state;

      if (waiting_end (lane, &all[mid], &state) < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* First switch index ≥ @from whose waiting segment starts at or after @t. */
guint
sw_timeline_lane_first_waiting_starting_after (const SwTimelineLane *lane,
                                               guint                 from,
                                               gint64                t)
{
  const SwTimelineSwitch *all;
  guint lo = from, hi;

  g_return_val_if_fail (lane != NULL, 0);

  all = (const SwTimelineSwitch *) (gpointer) lane->switches->data;
  hi = lane->switches->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (all[mid].time_ns < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

const char *
sw_timeline_model_get_log_line (SwTimelineModel *self,
                                guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->log_lines->len, NULL);

  return sw_trace_lookup_string (self->trace,
                                 g_array_index (self->log_lines, LogLine, index).string_id);
}

guint
sw_timeline_model_get_n_coroutine_lanes (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_coroutine_lanes;
}

/* Coroutine switches seen so far, on every lane. */
guint
sw_timeline_model_get_n_switches (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->n_switches;
}

/**
 * sw_timeline_model_find_lane:
 *
 * Returns: (transfer none) (nullable): the lane with trace id @lane_id
 */
const SwTimelineLane *
sw_timeline_model_find_lane (SwTimelineModel *self,
                             guint32          lane_id)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  return g_hash_table_lookup (self->lane_by_id, GUINT_TO_POINTER (lane_id));
}


guint
sw_timeline_model_get_n_rows (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->rows->len;
}

/**
 * sw_timeline_model_get_row:
 *
 * Returns: (transfer none): row @index, top to bottom; valid until the
 *   next update or expansion change
 */
const SwTimelineRow *
sw_timeline_model_get_row (SwTimelineModel *self,
                           guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);

  return &g_array_index (self->rows, SwTimelineRow, index);
}

guint
sw_timeline_model_get_n_processes (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->processes->len;
}

/**
 * sw_timeline_model_get_process:
 *
 * Returns: (transfer none): process @index, in row order
 */
const SwTimelineProcess *
sw_timeline_model_get_process (SwTimelineModel *self,
                               guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->processes->len, NULL);

  return g_ptr_array_index (self->processes, index);
}

/**
 * sw_timeline_model_find_process:
 *
 * Returns: (transfer none) (nullable): the process @pid, if it has lanes
 */
const SwTimelineProcess *
sw_timeline_model_find_process (SwTimelineModel *self,
                                gint             pid)
{
  SwTimelineProcess *process;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);

  process = g_hash_table_lookup (self->process_by_pid, GINT_TO_POINTER (pid));
  return process != NULL && process->n_lanes > 0 ? process : NULL;
}

/* Folds (hides its threads' rows under its header) or unfolds @pid. */
void
sw_timeline_model_set_process_expanded (SwTimelineModel *self,
                                        gint             pid,
                                        gboolean         expanded)
{
  SwTimelineProcess *process;

  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  process = g_hash_table_lookup (self->process_by_pid, GINT_TO_POINTER (pid));
  if (process == NULL || process->expanded == !!expanded)
    return;

  process->expanded = !!expanded;
  self->rows_dirty = TRUE;
  build_rows (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* TRUE when @thread_lane's coroutines are folded into an aggregate row
 * that shows them one by one. */
gboolean
sw_timeline_model_get_expanded (SwTimelineModel *self,
                                guint32          thread_lane)
{
  Aggregate *agg;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), FALSE);

  agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread_lane));
  return agg != NULL && agg->expanded;
}

void
sw_timeline_model_set_expanded (SwTimelineModel *self,
                                guint32          thread_lane,
                                gboolean         expanded)
{
  Aggregate *agg;

  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread_lane));
  if (agg == NULL || agg->expanded == !!expanded)
    return;

  agg->expanded = !!expanded;
  self->rows_dirty = TRUE;
  build_rows (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Coroutine lanes of @thread_lane when they fold into an aggregate row
 * (more than SW_TIMELINE_AGGREGATE_THRESHOLD of them), else 0. */
guint
sw_timeline_model_get_n_aggregated (SwTimelineModel *self,
                                    guint32          thread_lane)
{
  Aggregate *agg;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread_lane));
  return aggregate_folds (agg) ? agg->n_lanes : 0;
}

/* Most coroutines of @thread_lane alive at once, so far. */
guint
sw_timeline_model_get_aggregate_max_live (SwTimelineModel *self,
                                          guint32          thread_lane)
{
  Aggregate *agg;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread_lane));
  return agg != NULL ? agg->max_live : 0;
}

static guint
count_before (GArray *times,
              gint64  t)
{
  guint lo = 0, hi = times->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (times, gint64, mid) < t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* For one pixel column [t0, t1): how many of @thread_lane's coroutines
 * were alive in it (*n_live: born before t1, not ended before t0) and how
 * many of those ran in it (*n_running).  O(log n) whatever the number of
 * lanes and switches: runs are read from the histogram level whose
 * buckets are as wide as the column (at most three buckets, the largest
 * taken: an estimate within a factor of two of the column's own count);
 * below 262 µs per column, from the runs themselves. */
void
sw_timeline_model_query_aggregate (SwTimelineModel *self,
                                   guint32          thread_lane,
                                   gint64           t0,
                                   gint64           t1,
                                   guint           *n_running,
                                   guint           *n_live)
{
  Aggregate *agg;
  guint level = 0;
  guint running = 0;
  guint live;
  GArray *buckets;

  g_return_if_fail (SW_IS_TIMELINE_MODEL (self));

  *n_running = 0;
  *n_live = 0;
  agg = g_hash_table_lookup (self->aggregates, GUINT_TO_POINTER (thread_lane));
  if (agg == NULL || t1 <= 0 || t1 <= t0)
    return;

  live = count_before (agg->births, t1);
  live -= MIN (live, count_before (agg->exits, t0));

  /* Narrower than the finest bucket: count the runs themselves (at this
   * zoom a coroutine rarely runs twice in one column). */
  if (t1 - t0 < (G_GINT64_CONSTANT (1) << AGG_FIRST_SHIFT))
    {
      guint started = time_index_count_before (&agg->run_starts, t1, &agg->hint_start);
      guint ended = time_index_count_before (&agg->run_ends, t0 + 1, &agg->hint_end);

      *n_live = live;
      *n_running = MIN (started - MIN (started, ended), live);
      return;
    }

  t0 = MAX (t0, 0);
  while (level + 1 < AGG_N_LEVELS &&
         (G_GINT64_CONSTANT (1) << (AGG_FIRST_SHIFT + level + 1)) <= t1 - t0)
    level++;
  buckets = agg->levels[level];
  for (gint64 b = t0 >> (AGG_FIRST_SHIFT + level);
       b <= (t1 - 1) >> (AGG_FIRST_SHIFT + level) && b < (gint64) buckets->len;
       b++)
    running = MAX (running, g_array_index (buckets, guint32, b));

  *n_live = live;
  *n_running = MIN (running, live);
}

guint
sw_timeline_model_get_n_counters (SwTimelineModel *self)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  return self->counters->len;
}

/**
 * sw_timeline_model_get_counter:
 *
 * Returns: (transfer none): counter @index, in order of first appearance
 */
const SwTimelineCounter *
sw_timeline_model_get_counter (SwTimelineModel *self,
                               guint            index)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (index < self->counters->len, NULL);

  return g_ptr_array_index (self->counters, index);
}

/**
 * sw_timeline_model_find_counter:
 *
 * Returns: (transfer none) (nullable): the counter named @name
 */
const SwTimelineCounter *
sw_timeline_model_find_counter (SwTimelineModel *self,
                                const char      *name)
{
  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint c = 0; c < self->counters->len; c++)
    {
      const SwTimelineCounter *counter = g_ptr_array_index (self->counters, c);

      if (g_strcmp0 (counter->name, name) == 0)
        return counter;
    }

  return NULL;
}

static guint
first_sample_at (GArray *samples,
                 gint64  t)
{
  guint lo = 0, hi = samples->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (samples, SwTimelineSample, mid).time_ns < t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* Min and max of the samples in [t0, t1); FALSE when there are none.
 * Reads at most 2 × 16 values per level, however many samples. */
gboolean
sw_timeline_counter_get_range (const SwTimelineCounter *counter,
                               gint64                   t0,
                               gint64                   t1,
                               double                  *min,
                               double                  *max)
{
  const CounterImpl *impl = (const CounterImpl *) counter;
  guint i, end;
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

  g_return_val_if_fail (counter != NULL, FALSE);

  i = first_sample_at (counter->samples, t0);
  end = first_sample_at (counter->samples, t1);
  if (i >= end)
    return FALSE;

  while (i < end)
    {
      guint k = 0;

      /* The biggest built block that starts at i and ends by end. */
      while (k + 1 < COUNTER_MAX_LEVELS && impl->levels[k + 1] != NULL &&
             (i & ((1u << ((k + 1) * COUNTER_FANOUT_SHIFT)) - 1)) == 0 &&
             i + (1u << ((k + 1) * COUNTER_FANOUT_SHIFT)) <= MIN (end, impl->built))
        k++;

      if (k == 0)
        {
          double v = g_array_index (counter->samples, SwTimelineSample, i).value;

          lo = MIN (lo, v);
          hi = MAX (hi, v);
          i++;
        }
      else
        {
          const MinMax *mm = &g_array_index (impl->levels[k], MinMax, i >> (k * COUNTER_FANOUT_SHIFT));

          lo = MIN (lo, mm->min);
          hi = MAX (hi, mm->max);
          i += 1u << (k * COUNTER_FANOUT_SHIFT);
        }
    }

  *min = lo;
  *max = hi;
  return TRUE;
}

/* The value last set at or before @t; FALSE before the first sample. */
gboolean
sw_timeline_counter_value_at (const SwTimelineCounter *counter,
                              gint64                   t,
                              double                  *value)
{
  guint i;

  g_return_val_if_fail (counter != NULL, FALSE);

  i = first_sample_at (counter->samples, t + 1);
  if (i == 0)
    return FALSE;

  *value = g_array_index (counter->samples, SwTimelineSample, i - 1).value;
  return TRUE;
}

/* What a GArray holds in memory: GLib rounds its allocation up to a power
 * of two bytes. */
static gsize
array_bytes (GArray *array)
{
  gsize used, alloc = 16;

  if (array == NULL)
    return 0;
  used = (gsize) array->len * g_array_get_element_size (array);
  while (alloc < used)
    alloc <<= 1;
  return sizeof (GArray) + 2 * sizeof (gpointer) + alloc;
}

/* A hash table entry: key, value and hash slots, plus what the value points to. */
#define HASH_ENTRY_BYTES (2 * sizeof (gpointer) + sizeof (guint))

/**
 * sw_timeline_model_get_memory_size:
 *
 * Returns: about how many bytes the model holds (its lanes' arrays,
 *   tasks, aggregates, counters and log lines; not the trace it reads)
 */
gsize
sw_timeline_model_get_memory_size (SwTimelineModel *self)
{
  GHashTableIter iter;
  gpointer value;
  gsize total = sizeof *self;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (self), 0);

  for (guint i = 0; i < self->lanes->len; i++)
    {
      SwTimelineLane *lane = g_ptr_array_index (self->lanes, i);

      total += sizeof (LaneImpl) + HASH_ENTRY_BYTES + sizeof (gpointer);
      total += strlen (lane->name) + 1 + strlen (lane->label) + 1;
      total += array_bytes (lane->tasks) + array_bytes (lane->waits) +
               array_bytes (lane->callbacks) + array_bytes (lane->submits) +
               array_bytes (lane->never_ran) + array_bytes (lane->running) +
               array_bytes (lane->switches) + array_bytes (lane->ctx_samples) +
               array_bytes (lane->logs);
    }
  total += g_hash_table_size (self->tasks) * (sizeof (TaskInfo) + HASH_ENTRY_BYTES);
  total += g_hash_table_size (self->task_errors) * HASH_ENTRY_BYTES;
  total += g_hash_table_size (self->process_by_pid) * (sizeof (SwTimelineProcess) + HASH_ENTRY_BYTES);
  g_hash_table_iter_init (&iter, self->aggregates);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Aggregate *agg = value;

      total += sizeof *agg + HASH_ENTRY_BYTES;
      for (guint l = 0; l < AGG_N_LEVELS; l++)
        total += array_bytes (agg->levels[l]);
      total += array_bytes (agg->births) + array_bytes (agg->exits) +
               time_index_bytes (&agg->run_starts) + time_index_bytes (&agg->run_ends);
    }
  for (guint c = 0; c < self->counters->len; c++)
    {
      CounterImpl *counter = g_ptr_array_index (self->counters, c);

      total += sizeof *counter + HASH_ENTRY_BYTES + array_bytes (counter->pub.samples);
      for (guint k = 0; k < COUNTER_MAX_LEVELS; k++)
        total += array_bytes (counter->levels[k]);
    }
  total += array_bytes (self->log_lines) + array_bytes (self->rows);

  return total;
}
