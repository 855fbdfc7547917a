/* sw-stats-panel.c — a run's numbers, live, from the timeline model
 *
 * Everything is a running total: each refresh reads only the spans, marks
 * and samples added to the model since the one before (a cursor per lane),
 * plus the one open span a lane can have.  Refreshes come from a timer a
 * few times a second while the run lives and once at its end, so the
 * panel costs nothing per event and nothing per frame.
 */

#include "config.h"

#include "sw-stats-panel.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sw-time-scale.h"

#define REFRESH_INTERVAL_MS 250
#define N_BUCKETS           64
#define BASE_BUCKET_NS      G_GINT64_CONSTANT (100000000)   /* 100 ms */
#define MAX_LANE_ROWS       16
#define MESSAGES_COUNTER    "messages/s"

/* Per model lane: how far its arrays have been summed. */
typedef struct {
  guint32    id;
  guint32    thread;          /* whose busy time it adds to: itself, or a coroutine's thread */
  gboolean   is_thread;
  guint      task_i;
  guint      callback_i;
  guint      running_i;
  guint      switch_i;
  gboolean   submit_seen;
  gint64     busy_closed_ns;  /* threads: closed spans of their own and their coroutines */
  gint64     busy_open_ns;    /* threads: open spans, as of this refresh */
  double     busy;            /* threads: fraction of the elapsed time, as shown */
  /* threads among the first MAX_LANE_ROWS: their row */
  GtkWidget *bar;
  GtkWidget *value;
} LaneAcc;

/* A histogram over the run with N_BUCKETS buckets of bucket_ns each; when
 * the run outgrows it, neighbours merge and buckets double. */
typedef struct {
  double sum[N_BUCKETS];
  guint  count[N_BUCKETS];
} Series;

struct _SwStatsPanel
{
  GtkWidget          parent_instance;

  /* children */
  GtkWidget         *box;
  GtkLabel          *elapsed_label;
  GtkLabel          *tasks_label;
  GtkLabel          *task_time_label;
  GtkLabel          *speedup_label;
  GtkLabel          *ctx_label;
  GtkWidget         *co_caption;
  GtkLabel          *co_label;
  GtkGrid           *lanes_grid;
  GtkLabel          *lanes_more_label;
  GtkLabel          *spark_title;
  GtkLabel          *spark_value;
  GtkWidget         *sparkline;

  /* owned */
  SwTimelineModel   *model;
  GHashTable        *lanes;        /* lane id → LaneAcc */
  GPtrArray         *threads;      /* LaneAcc of thread lanes, in row order (borrowed) */
  guint              refresh_source;
  guint              idle_source;
  guint              n_refreshes;

  /* running totals */
  guint              n_done;
  guint              n_failed;
  guint              n_cancelled;
  gint64             task_closed_ns;   /* ended or failed tasks, as sw_task_stats_compute */
  gboolean           have_submit;
  gint64             first_submit_ns;
  gint64             last_end_ns;
  guint              counter_i;
  gint64             bucket_ns;
  Series             tasks;
  Series             messages;
  Series             switches;

  /* as shown */
  gint64             now_ns;
  gint64             elapsed_ns;
  gint64             task_ns;
  gint64             wall_ns;
  double             speedup;
  SwStatsThroughput  mode;
  double             peak;
};

G_DEFINE_FINAL_TYPE (SwStatsPanel, sw_stats_panel, GTK_TYPE_WIDGET)

/* ---- accumulation ----------------------------------------------------- */

static void
reset_totals (SwStatsPanel *self)
{
  GtkWidget *child;

  g_hash_table_remove_all (self->lanes);
  g_ptr_array_set_size (self->threads, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->lanes_grid))) != NULL)
    gtk_grid_remove (self->lanes_grid, child);

  self->n_done = self->n_failed = self->n_cancelled = 0;
  self->task_closed_ns = 0;
  self->have_submit = FALSE;
  self->first_submit_ns = 0;
  self->last_end_ns = 0;
  self->counter_i = 0;
  self->bucket_ns = BASE_BUCKET_NS;
  memset (&self->tasks, 0, sizeof self->tasks);
  memset (&self->messages, 0, sizeof self->messages);
  memset (&self->switches, 0, sizeof self->switches);
  self->now_ns = self->elapsed_ns = self->task_ns = self->wall_ns = 0;
  self->speedup = 0.0;
  self->mode = SW_STATS_THROUGHPUT_NONE;
  self->peak = 0.0;
}

static void
series_merge (Series *series)
{
  for (guint i = 0; i < N_BUCKETS / 2; i++)
    {
      series->sum[i] = series->sum[2 * i] + series->sum[2 * i + 1];
      series->count[i] = series->count[2 * i] + series->count[2 * i + 1];
    }
  memset (&series->sum[N_BUCKETS / 2], 0, sizeof series->sum / 2);
  memset (&series->count[N_BUCKETS / 2], 0, sizeof series->count / 2);
}

/* Grows the buckets until time t falls in the last one at most. */
static void
cover_time (SwStatsPanel *self,
            gint64        t)
{
  while (t >= self->bucket_ns * N_BUCKETS)
    {
      series_merge (&self->tasks);
      series_merge (&self->messages);
      series_merge (&self->switches);
      self->bucket_ns *= 2;
    }
}

static void
series_add (SwStatsPanel *self,
            Series       *series,
            gint64        t,
            double        value)
{
  guint b;

  t = MAX (t, 0);
  cover_time (self, t);
  b = (guint) (t / self->bucket_ns);
  series->sum[b] += value;
  series->count[b]++;
}

static LaneAcc *
ensure_acc (SwStatsPanel         *self,
            const SwTimelineLane *lane)
{
  LaneAcc *acc = g_hash_table_lookup (self->lanes, GUINT_TO_POINTER (lane->id));

  if (acc != NULL)
    return acc;

  acc = g_new0 (LaneAcc, 1);
  acc->id = lane->id;
  acc->is_thread = lane->kind == SW_LANE_THREAD;
  acc->thread = lane->kind == SW_LANE_COROUTINE ? lane->parent : lane->id;
  g_hash_table_insert (self->lanes, GUINT_TO_POINTER (lane->id), acc);

  if (acc->is_thread)
    {
      g_ptr_array_add (self->threads, acc);
      if (self->threads->len <= MAX_LANE_ROWS)
        {
          int row = (int) self->threads->len - 1;
          GtkWidget *name = gtk_label_new (lane->name);

          gtk_label_set_xalign (GTK_LABEL (name), 0.0);
          gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
          gtk_label_set_width_chars (GTK_LABEL (name), 12);
          gtk_label_set_max_width_chars (GTK_LABEL (name), 16);
          gtk_widget_set_tooltip_text (name, lane->label);
          gtk_widget_add_css_class (name, "stats-lane-name");

          acc->bar = gtk_level_bar_new_for_interval (0.0, 1.0);
          /* One colour whatever the level: busy is neither good nor bad. */
          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (acc->bar), GTK_LEVEL_BAR_OFFSET_LOW);
          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (acc->bar), GTK_LEVEL_BAR_OFFSET_HIGH);
          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (acc->bar), GTK_LEVEL_BAR_OFFSET_FULL);
          gtk_widget_set_hexpand (acc->bar, TRUE);
          gtk_widget_set_valign (acc->bar, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (acc->bar, lane->label);

          acc->value = gtk_label_new (NULL);
          gtk_label_set_xalign (GTK_LABEL (acc->value), 1.0);
          gtk_label_set_width_chars (GTK_LABEL (acc->value), 5);
          gtk_widget_add_css_class (acc->value, "stats-lane-value");
          gtk_widget_add_css_class (acc->value, "numeric");

          gtk_grid_attach (self->lanes_grid, name, 0, row, 1, 1);
          gtk_grid_attach (self->lanes_grid, acc->bar, 1, row, 1, 1);
          gtk_grid_attach (self->lanes_grid, acc->value, 2, row, 1, 1);
        }
    }

  return acc;
}

/* Adds the spans closed since the last refresh to *closed_ns and leaves
 * *i on the first open one; returns the open time from there to now. */
static gint64
advance_spans (GArray *spans,
               guint  *i,
               gint64  now,
               gint64 *closed_ns)
{
  gint64 open_ns = 0;

  for (; *i < spans->len; (*i)++)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, *i);

      if (span->end_ns == SW_TIMELINE_OPEN)
        break;
      *closed_ns += span->end_ns - span->start_ns;
    }

  /* A lane does one thing at a time, so this is one open span at most. */
  for (guint j = *i; j < spans->len; j++)
    {
      const SwTimelineSpan *span = &g_array_index (spans, SwTimelineSpan, j);
      gint64 end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;

      open_ns += MAX (end - span->start_ns, 0);
    }

  return open_ns;
}

static void
advance_tasks (SwStatsPanel *self,
               LaneAcc      *acc,
               GArray       *tasks,
               gint64        now,
               gint64       *busy_closed,
               gint64       *open_task_ns,
               gint64       *open_busy_ns)
{
  for (; acc->task_i < tasks->len; acc->task_i++)
    {
      const SwTimelineSpan *span = &g_array_index (tasks, SwTimelineSpan, acc->task_i);
      gint64 d;

      if (span->end_ns == SW_TIMELINE_OPEN)
        break;

      d = span->end_ns - span->start_ns;
      *busy_closed += d;
      if (span->state == SW_TIMELINE_SPAN_CANCELLED)
        {
          self->n_cancelled++;
          continue;
        }

      if (span->state == SW_TIMELINE_SPAN_FAILED)
        self->n_failed++;
      else
        self->n_done++;
      self->task_closed_ns += d;
      self->last_end_ns = MAX (self->last_end_ns, span->end_ns);
      series_add (self, &self->tasks, span->end_ns, 1.0);
    }

  for (guint j = acc->task_i; j < tasks->len; j++)
    {
      const SwTimelineSpan *span = &g_array_index (tasks, SwTimelineSpan, j);
      gint64 end = span->end_ns == SW_TIMELINE_OPEN ? now : span->end_ns;
      gint64 d = MAX (end - span->start_ns, 0);

      *open_task_ns += d;
      *open_busy_ns += d;
    }
}

/* Catches up with the model; returns the task time of open tasks. */
static gint64
accumulate (SwStatsPanel *self)
{
  guint n_lanes = sw_timeline_model_get_n_lanes (self->model);
  const SwTimelineCounter *counter;
  gint64 now = self->now_ns;
  gint64 open_task_ns = 0;

  for (guint i = 0; i < self->threads->len; i++)
    ((LaneAcc *) g_ptr_array_index (self->threads, i))->busy_open_ns = 0;

  for (guint i = 0; i < n_lanes; i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (self->model, i);
      LaneAcc *acc = ensure_acc (self, lane);
      LaneAcc *owner = g_hash_table_lookup (self->lanes, GUINT_TO_POINTER (acc->thread));
      gint64 closed = 0;
      gint64 open = 0;

      if (!acc->submit_seen && lane->submits->len > 0)
        {
          gint64 t = g_array_index (lane->submits, SwTimelineMark, 0).time_ns;

          self->first_submit_ns = self->have_submit ? MIN (self->first_submit_ns, t) : t;
          self->have_submit = TRUE;
          acc->submit_seen = TRUE;
        }

      advance_tasks (self, acc, lane->tasks, now, &closed, &open_task_ns, &open);
      open += advance_spans (lane->callbacks, &acc->callback_i, now, &closed);
      /* The wall time runs to the last done-callback's end too, as in
       * sw_task_stats_compute (lesson 2's parses run after their tasks). */
      if (acc->callback_i > 0)
        self->last_end_ns = MAX (self->last_end_ns,
                                 g_array_index (lane->callbacks, SwTimelineSpan, acc->callback_i - 1).end_ns);
      /* A thread's own "running" is its event loop between coroutines,
       * mostly asleep in poll: only coroutines' turns count as work. */
      if (lane->kind == SW_LANE_COROUTINE)
        open += advance_spans (lane->running, &acc->running_i, now, &closed);

      for (; acc->switch_i < lane->switches->len; acc->switch_i++)
        series_add (self, &self->switches,
                    g_array_index (lane->switches, SwTimelineSwitch, acc->switch_i).time_ns, 1.0);

      if (owner != NULL)
        {
          owner->busy_closed_ns += closed;
          owner->busy_open_ns += open;
        }
    }

  counter = sw_timeline_model_find_counter (self->model, MESSAGES_COUNTER);
  if (counter != NULL)
    for (; self->counter_i < counter->samples->len; self->counter_i++)
      {
        const SwTimelineSample *s = &g_array_index (counter->samples, SwTimelineSample, self->counter_i);

        series_add (self, &self->messages, s->time_ns, s->value);
      }

  cover_time (self, MAX (now, 0));

  return open_task_ns;
}

/* ---- throughput ------------------------------------------------------- */

static const Series *
shown_series (SwStatsPanel *self)
{
  switch (self->mode)
    {
    case SW_STATS_THROUGHPUT_TASKS:
      return &self->tasks;
    case SW_STATS_THROUGHPUT_MESSAGES:
      return &self->messages;
    case SW_STATS_THROUGHPUT_SWITCHES:
      return &self->switches;
    case SW_STATS_THROUGHPUT_NONE:
    default:
      return NULL;
    }
}

/* Per-second values of the shown series up to now; returns how many.  A
 * count is a trailing mean over a sixth of the run (a bucket at least),
 * so single events do not make spikes; a rate counter is the mean of its
 * samples, held over buckets without one, and NAN before its first. */
static guint
throughput_values (SwStatsPanel *self,
                   double        values[N_BUCKETS])
{
  const Series *series = shown_series (self);
  gint64 window_ns;
  guint n, k;
  double held = NAN;   /* no value before the counter's first sample */

  if (series == NULL || self->now_ns <= 0)
    return 0;

  window_ns = MAX (self->bucket_ns, self->now_ns / 6);
  k = (guint) MAX ((window_ns + self->bucket_ns - 1) / self->bucket_ns, 1);
  n = (guint) MIN (self->now_ns / self->bucket_ns + 1, N_BUCKETS);
  for (guint b = 0; b < n; b++)
    {
      guint first = b + 1 >= k ? b + 1 - k : 0;
      gint64 start = (gint64) first * self->bucket_ns;
      gint64 end = MIN ((gint64) (b + 1) * self->bucket_ns, self->now_ns);
      double sum = 0.0;

      if (self->mode == SW_STATS_THROUGHPUT_MESSAGES)
        {
          if (series->count[b] > 0)
            held = series->sum[b] / series->count[b];
          values[b] = held;
          continue;
        }

      /* A sliver of a bucket says little: stop the line before it. */
      if (b > 0 && (end - (gint64) b * self->bucket_ns) * 4 < self->bucket_ns)
        {
          n = b;
          break;
        }

      /* Before the run began counts as a quiet time, so the first
       * second does not blow up a handful of events into a peak. */
      for (guint j = first; j <= b; j++)
        sum += series->sum[j];
      values[b] = sum * 1e9 / (double) MAX (end - start + (gint64) (k - (b - first + 1)) * self->bucket_ns, 1);
    }

  return n;
}

static void
sparkline_draw (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  SwStatsPanel *self = user_data;
  double values[N_BUCKETS];
  guint n = throughput_values (self, values);
  GdkRGBA color;
  double top = 0.0;
  double pad = 4.0;
  double last_x = pad;
  guint first = 0;
  double w = width - 2 * pad;
  double h = height - 2 * pad;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &color);

  /* The frame, so an empty sparkline still reads as a chart. */
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.08);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  if (n == 0 || w <= 0 || h <= 0)
    return;

  while (first < n && isnan (values[first]))
    first++;
  if (first == n)
    return;

  for (guint i = first; i < n; i++)
    top = MAX (top, values[i]);
  if (top <= 0.0)
    top = 1.0;

  /* x spans the whole run so far, each bucket a flat step: filled under,
   * then the line alone on top. */
  for (int pass = 0; pass < 2; pass++)
    {
      double now = (double) MAX (self->now_ns, 1);

      cairo_new_path (cr);
      for (guint i = first; i < n; i++)
        {
          double x0 = pad + w * MIN ((double) i * self->bucket_ns / now, 1.0);
          double x1 = pad + w * MIN ((double) (i + 1) * self->bucket_ns / now, 1.0);
          double y = pad + h - h * values[i] / top;

          if (i == first)
            cairo_move_to (cr, x0, y);
          else
            cairo_line_to (cr, x0, y);
          cairo_line_to (cr, x1, y);
          last_x = x1;
        }

      if (pass == 0)
        {
          cairo_line_to (cr, last_x, pad + h);
          cairo_line_to (cr, pad + w * MIN ((double) first * self->bucket_ns /
                                            (double) MAX (self->now_ns, 1), 1.0), pad + h);
          cairo_close_path (cr);
          cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.22);
          cairo_fill (cr);
        }
      else
        {
          cairo_set_source_rgba (cr, color.red, color.green, color.blue, 1.0);
          cairo_set_line_width (cr, 2.0);
          cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
          cairo_stroke (cr);
        }
    }
}

/* ---- showing ---------------------------------------------------------- */

static char *
format_rate (double per_s)
{
  if (per_s >= 10000.0)
    return g_strdup_printf ("%.0fk", per_s / 1000.0);
  if (per_s >= 100.0)
    return g_strdup_printf ("%.0f", per_s);
  return g_strdup_printf ("%.1f", per_s);
}

static void
show_empty (SwStatsPanel *self)
{
  gtk_label_set_text (self->elapsed_label, "—");
  gtk_label_set_text (self->tasks_label, "—");
  gtk_label_set_text (self->task_time_label, "—");
  gtk_label_set_text (self->speedup_label, "—");
  gtk_label_set_text (self->ctx_label, "—");
  gtk_widget_set_visible (self->co_caption, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->co_label), FALSE);
  gtk_label_set_text (self->lanes_more_label, _("No run yet"));
  gtk_widget_set_visible (GTK_WIDGET (self->lanes_more_label), TRUE);
  gtk_label_set_text (self->spark_title, _("Throughput"));
  gtk_label_set_text (self->spark_value, "");
  gtk_widget_queue_draw (self->sparkline);
}

static void
show (SwStatsPanel *self)
{
  g_autofree char *elapsed = sw_time_scale_format_duration (self->elapsed_ns);
  g_autofree char *tasks = NULL;
  g_autofree char *task_time = NULL;
  g_autofree char *ctx = NULL;
  guint n_submits = sw_timeline_model_get_n_submits (self->model);
  guint n_open = sw_timeline_model_get_n_open_spans (self->model);
  guint n_switches = sw_timeline_model_get_n_switches (self->model);
  guint64 n_ctx = 0;
  double elapsed_s = MAX (self->elapsed_ns, 1) / 1e9;
  double values[N_BUCKETS];
  guint n_values;

  gtk_label_set_text (self->elapsed_label, elapsed);

  if (n_submits > 0 || self->n_done > 0)
    {
      GString *text = g_string_new (NULL);

      g_string_append_printf (text, _("%u done · %u running · %u submitted"),
                              self->n_done, n_open, n_submits);
      if (self->n_failed > 0)
        g_string_append_printf (text, _(" · %u failed"), self->n_failed);
      if (self->n_cancelled > 0)
        g_string_append_printf (text, _(" · %u cancelled"), self->n_cancelled);
      tasks = g_string_free (text, FALSE);
    }
  gtk_label_set_text (self->tasks_label, tasks != NULL ? tasks : _("no tasks"));

  if (self->wall_ns > 0)
    {
      g_autofree char *sum = sw_time_scale_format_duration (self->task_ns);
      g_autofree char *wall = sw_time_scale_format_duration (self->wall_ns);
      char speedup[32];

      /* TRANSLATORS: sum of the tasks' own times, then the wall time they took */
      task_time = g_strdup_printf (_("%s of tasks in %s"), sum, wall);
      g_ascii_formatd (speedup, sizeof speedup - 4, "%.2f", self->speedup);
      g_strlcat (speedup, "×", sizeof speedup);
      gtk_label_set_text (self->speedup_label, speedup);
    }
  else
    gtk_label_set_text (self->speedup_label, "—");
  gtk_label_set_text (self->task_time_label, task_time != NULL ? task_time : "—");

  for (guint i = 0; i < self->threads->len; i++)
    {
      LaneAcc *acc = g_ptr_array_index (self->threads, i);
      const SwTimelineLane *lane = sw_timeline_model_find_lane (self->model, acc->id);

      if (lane != NULL)
        n_ctx += lane->ctx_voluntary + lane->ctx_involuntary;

      acc->busy = CLAMP ((double) (acc->busy_closed_ns + acc->busy_open_ns) /
                         (double) MAX (self->elapsed_ns, 1), 0.0, 1.0);
      if (acc->bar != NULL)
        {
          char pct[16];

          gtk_level_bar_set_value (GTK_LEVEL_BAR (acc->bar), acc->busy);
          g_snprintf (pct, sizeof pct, "%.0f %%", acc->busy * 100.0);
          gtk_label_set_text (GTK_LABEL (acc->value), pct);
        }
    }
  if (self->threads->len > MAX_LANE_ROWS)
    {
      g_autofree char *more = g_strdup_printf (_("and %u more threads"),
                                               self->threads->len - MAX_LANE_ROWS);
      gtk_label_set_text (self->lanes_more_label, more);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->lanes_more_label),
                          self->threads->len == 0 || self->threads->len > MAX_LANE_ROWS);
  if (self->threads->len == 0)
    gtk_label_set_text (self->lanes_more_label, _("No threads yet"));

  {
    g_autofree char *rate = format_rate (n_ctx / elapsed_s);

    /* TRANSLATORS: OS context switches so far, and per second on average */
    ctx = g_strdup_printf (_("%" PRIu64 " · %s/s"), (uint64_t) n_ctx, rate);
    gtk_label_set_text (self->ctx_label, ctx);
  }

  gtk_widget_set_visible (self->co_caption, n_switches > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->co_label), n_switches > 0);
  if (n_switches > 0)
    {
      g_autofree char *rate = format_rate (n_switches / elapsed_s);
      g_autofree char *co = g_strdup_printf (_("%u · %s/s"), n_switches, rate);

      gtk_label_set_text (self->co_label, co);
    }

  if (self->n_done + self->n_failed > 0 || n_submits > 0)
    {
      self->mode = SW_STATS_THROUGHPUT_TASKS;
      gtk_label_set_text (self->spark_title, _("Tasks finished / s"));
    }
  else if (sw_timeline_model_find_counter (self->model, MESSAGES_COUNTER) != NULL)
    {
      self->mode = SW_STATS_THROUGHPUT_MESSAGES;
      gtk_label_set_text (self->spark_title, _("Messages / s"));
    }
  else if (n_switches > 0)
    {
      self->mode = SW_STATS_THROUGHPUT_SWITCHES;
      gtk_label_set_text (self->spark_title, _("Coroutine switches / s"));
    }
  else
    {
      self->mode = SW_STATS_THROUGHPUT_NONE;
      gtk_label_set_text (self->spark_title, _("Throughput"));
    }

  n_values = throughput_values (self, values);
  self->peak = 0.0;
  for (guint i = 0; i < n_values; i++)
    if (!isnan (values[i]))
      self->peak = MAX (self->peak, values[i]);
  if (n_values > 0 && !isnan (values[n_values - 1]))
    {
      g_autofree char *last = format_rate (values[n_values - 1]);
      g_autofree char *peak = format_rate (self->peak);
      /* TRANSLATORS: throughput in the latest interval, and the highest */
      g_autofree char *text = g_strdup_printf (_("now %s · peak %s"), last, peak);

      gtk_label_set_text (self->spark_value, text);
    }
  else
    gtk_label_set_text (self->spark_value, "");
  gtk_widget_queue_draw (self->sparkline);
}

/**
 * sw_stats_panel_refresh:
 *
 * Catches up with the model now, whatever the timer says.
 */
void
sw_stats_panel_refresh (SwStatsPanel *self)
{
  gint64 open_task_ns;
  gint64 wall_end;
  gboolean running;

  g_return_if_fail (SW_IS_STATS_PANEL (self));

  if (self->model == NULL)
    {
      show_empty (self);
      return;
    }

  self->n_refreshes++;
  running = sw_timeline_model_get_running (self->model);
  self->now_ns = sw_timeline_model_get_now_ns (self->model);
  self->elapsed_ns = MAX (self->now_ns - sw_timeline_model_get_begin_ns (self->model), 0);

  open_task_ns = accumulate (self);

  /* Wall time as sw_task_stats_compute has it, first submit → last task or
   * done-callback end; while tasks still run, to now. */
  self->task_ns = self->task_closed_ns + open_task_ns;
  wall_end = self->last_end_ns;
  if (running && open_task_ns > 0)
    wall_end = self->now_ns;
  self->wall_ns = self->have_submit ? MAX (wall_end - self->first_submit_ns, 0) : 0;
  self->speedup = self->wall_ns > 0 ? (double) self->task_ns / (double) self->wall_ns : 0.0;

  show (self);
}

/* ---- refresh scheduling ----------------------------------------------- */

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  sw_stats_panel_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
refresh_idle_cb (gpointer user_data)
{
  SwStatsPanel *self = user_data;

  self->idle_source = 0;
  sw_stats_panel_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
update_timer (SwStatsPanel *self)
{
  gboolean running = self->model != NULL && sw_timeline_model_get_running (self->model);

  if (running && self->refresh_source == 0)
    {
      self->refresh_source = g_timeout_add (REFRESH_INTERVAL_MS, refresh_timeout_cb, self);
      g_source_set_name_by_id (self->refresh_source, "SwStatsPanel refresh");
    }
  else if (!running)
    g_clear_handle_id (&self->refresh_source, g_source_remove);
}

/* While running the timer paces the panel; after, changes are rare (the
 * final drain) and shown at once, coalesced. */
static void
model_changed_cb (SwStatsPanel    *self,
                  SwTimelineModel *model)
{
  if (self->refresh_source == 0 && self->idle_source == 0)
    self->idle_source = g_idle_add (refresh_idle_cb, self);
}

static void
model_running_cb (SwStatsPanel    *self,
                  GParamSpec      *pspec,
                  SwTimelineModel *model)
{
  update_timer (self);
  sw_stats_panel_refresh (self);
}

/* ---- GObject ---------------------------------------------------------- */

static GtkWidget *
add_stat (GtkGrid    *grid,
          int         row,
          const char *caption,
          GtkWidget **caption_out)
{
  GtkWidget *name = gtk_label_new (caption);
  GtkWidget *value = gtk_label_new ("—");

  gtk_label_set_xalign (GTK_LABEL (name), 0.0);
  gtk_widget_set_valign (name, GTK_ALIGN_BASELINE);
  gtk_widget_add_css_class (name, "stats-caption");
  gtk_label_set_xalign (GTK_LABEL (value), 0.0);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_widget_set_can_focus (value, FALSE);
  gtk_widget_set_valign (value, GTK_ALIGN_BASELINE);
  gtk_widget_add_css_class (value, "stats-value");
  gtk_widget_add_css_class (value, "numeric");
  gtk_grid_attach (grid, name, 0, row, 1, 1);
  gtk_grid_attach (grid, value, 1, row, 1, 1);
  if (caption_out != NULL)
    *caption_out = name;

  return value;
}

static GtkWidget *
section (GtkWidget  *box,
         const char *title,
         gboolean    expand)
{
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *heading = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (heading), 0.0);
  gtk_widget_add_css_class (heading, "sw-heading");
  gtk_box_append (GTK_BOX (column), heading);
  gtk_widget_set_hexpand (column, expand);
  gtk_box_append (GTK_BOX (box), column);

  return column;
}

static void
build (SwStatsPanel *self)
{
  GtkWidget *run, *lanes, *spark, *grid, *scroller, *head;

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 28);
  gtk_widget_set_margin_start (self->box, 18);
  gtk_widget_set_margin_end (self->box, 18);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  run = section (self->box, _("Run"), FALSE);
  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 14);
  gtk_box_append (GTK_BOX (run), grid);
  self->speedup_label = GTK_LABEL (add_stat (GTK_GRID (grid), 0, _("Speedup"), NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->speedup_label), "stats-big");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->speedup_label),
                               _("Sum of the tasks’ own times divided by the wall time from the first submit to the last end"));
  self->task_time_label = GTK_LABEL (add_stat (GTK_GRID (grid), 1, _("Task time"), NULL));
  self->elapsed_label = GTK_LABEL (add_stat (GTK_GRID (grid), 2, _("Elapsed"), NULL));
  self->tasks_label = GTK_LABEL (add_stat (GTK_GRID (grid), 3, _("Tasks"), NULL));
  self->ctx_label = GTK_LABEL (add_stat (GTK_GRID (grid), 4, _("OS switches"), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->ctx_label),
                               _("Context switches of the run’s threads (voluntary and involuntary), and their mean rate"));
  self->co_label = GTK_LABEL (add_stat (GTK_GRID (grid), 5, _("Coroutine switches"), &self->co_caption));

  lanes = section (self->box, _("Busy per thread"), TRUE);
  gtk_widget_set_size_request (lanes, 260, -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  /* As tall as its rows up to a point, so the note under it stays close. */
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 150);
  self->lanes_grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (self->lanes_grid, 4);
  gtk_grid_set_column_spacing (self->lanes_grid, 10);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->lanes_grid));
  gtk_box_append (GTK_BOX (lanes), scroller);
  self->lanes_more_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->lanes_more_label, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->lanes_more_label), "stats-caption");
  gtk_box_append (GTK_BOX (lanes), GTK_WIDGET (self->lanes_more_label));

  spark = section (self->box, _("Throughput"), TRUE);
  self->spark_title = GTK_LABEL (gtk_widget_get_first_child (spark));
  head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (spark), head);
  self->spark_value = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->spark_value, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->spark_value), "stats-value");
  gtk_widget_add_css_class (GTK_WIDGET (self->spark_value), "numeric");
  gtk_box_append (GTK_BOX (head), GTK_WIDGET (self->spark_value));
  self->sparkline = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->sparkline), 72);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->sparkline), 240);
  gtk_widget_set_vexpand (self->sparkline, TRUE);
  gtk_widget_set_hexpand (self->sparkline, TRUE);
  gtk_widget_add_css_class (self->sparkline, "sparkline");
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->sparkline), sparkline_draw, self, NULL);
  gtk_box_append (GTK_BOX (spark), self->sparkline);
}

static void
sw_stats_panel_dispose (GObject *object)
{
  SwStatsPanel *self = SW_STATS_PANEL (object);

  sw_stats_panel_set_model (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (sw_stats_panel_parent_class)->dispose (object);
}

static void
sw_stats_panel_finalize (GObject *object)
{
  SwStatsPanel *self = SW_STATS_PANEL (object);

  g_clear_pointer (&self->threads, g_ptr_array_unref);
  g_clear_pointer (&self->lanes, g_hash_table_unref);

  G_OBJECT_CLASS (sw_stats_panel_parent_class)->finalize (object);
}

static void
sw_stats_panel_class_init (SwStatsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sw_stats_panel_dispose;
  object_class->finalize = sw_stats_panel_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "stats");
}

static void
sw_stats_panel_init (SwStatsPanel *self)
{
  self->lanes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->threads = g_ptr_array_new ();
  self->bucket_ns = BASE_BUCKET_NS;

  build (self);
  show_empty (self);
}

/* ---- public ----------------------------------------------------------- */

GtkWidget *
sw_stats_panel_new (void)
{
  return g_object_new (SW_TYPE_STATS_PANEL, NULL);
}

/**
 * sw_stats_panel_get_model:
 *
 * Returns: (transfer none) (nullable): the model shown
 */
SwTimelineModel *
sw_stats_panel_get_model (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), NULL);

  return self->model;
}

/* model: the run to follow, or NULL for an empty panel */
void
sw_stats_panel_set_model (SwStatsPanel    *self,
                          SwTimelineModel *model)
{
  g_return_if_fail (SW_IS_STATS_PANEL (self));
  g_return_if_fail (model == NULL || SW_IS_TIMELINE_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_set_object (&self->model, model);

  /* In dispose the children may be gone already. */
  if (self->box == NULL)
    return;

  reset_totals (self);
  if (self->model != NULL)
    {
      g_signal_connect_object (self->model, "changed",
                               G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "notify::running",
                               G_CALLBACK (model_running_cb), self, G_CONNECT_SWAPPED);
    }
  update_timer (self);
  sw_stats_panel_refresh (self);
}

/* Tasks that ended without error, as shown. */
guint
sw_stats_panel_get_n_tasks_done (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0);

  return self->n_done;
}

gint64
sw_stats_panel_get_task_ns (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0);

  return self->task_ns;
}

gint64
sw_stats_panel_get_wall_ns (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0);

  return self->wall_ns;
}

double
sw_stats_panel_get_speedup (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0.0);

  return self->speedup;
}

guint
sw_stats_panel_get_n_lane_rows (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0);

  return MIN (self->threads->len, MAX_LANE_ROWS);
}

/* The busy fraction shown for a thread lane, or -1 for no such row. */
double
sw_stats_panel_get_lane_busy (SwStatsPanel *self,
                              guint32       lane_id)
{
  LaneAcc *acc;

  g_return_val_if_fail (SW_IS_STATS_PANEL (self), -1.0);

  acc = g_hash_table_lookup (self->lanes, GUINT_TO_POINTER (lane_id));
  if (acc == NULL || !acc->is_thread)
    return -1.0;

  return acc->busy;
}

SwStatsThroughput
sw_stats_panel_get_throughput (SwStatsPanel *self,
                               double       *peak_per_s)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), SW_STATS_THROUGHPUT_NONE);

  if (peak_per_s != NULL)
    *peak_per_s = self->peak;

  return self->mode;
}

/* How many times the panel caught up with its model. */
guint
sw_stats_panel_get_n_refreshes (SwStatsPanel *self)
{
  g_return_val_if_fail (SW_IS_STATS_PANEL (self), 0);

  return self->n_refreshes;
}

static void
collect_text (GtkWidget *widget,
              GString   *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child))
        {
          g_string_append (text, gtk_label_get_text (GTK_LABEL (child)));
          g_string_append_c (text, '\n');
        }
      collect_text (child, text);
    }
}

/**
 * sw_stats_panel_dup_text:
 *
 * Returns: (transfer full): every visible label of the panel, one a line,
 *   in reading order
 */
char *
sw_stats_panel_dup_text (SwStatsPanel *self)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (SW_IS_STATS_PANEL (self), NULL);

  collect_text (GTK_WIDGET (self), text);

  return g_string_free (text, FALSE);
}
