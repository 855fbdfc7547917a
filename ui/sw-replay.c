/* sw-replay.c — plays a saved trace back as if it ran now
 *
 * The trace's events are sorted once; a model built on them shows only
 * what happened up to the position.  Moving forward feeds the model the
 * events in between; moving back builds a fresh model on the same sorted
 * events (nothing is copied or sorted again).  Steps go through an index
 * of the distinct event times, so each is a binary search.
 */

#include "config.h"

#include "sw-replay.h"

struct _SwReplay
{
  GObject          parent_instance;

  /* owned */
  SwTrace         *trace;
  GArray          *events;      /* SwEvent, by time, shared with the models */
  GArray          *times;       /* gint64: distinct times one can step to */
  SwTimelineModel *model;       /* shows the trace up to position */

  /* borrowed: drives playback with its frame clock, or NULL */
  GtkWidget       *clock_widget;
  guint            tick_id;
  gint64           last_frame_us;  /* -1: no frame seen since playing */

  gint64           origin_ns;
  gint64           begin_ns;
  gint64           end_ns;
  gint64           position_ns;
  double           speed;
  double           carry_ns;     /* fractions of a ns left by slow speeds */
  guint            n_rebuilds;
  gboolean         playing;
};

G_DEFINE_FINAL_TYPE (SwReplay, sw_replay, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_POSITION,
  PROP_PLAYING,
  PROP_SPEED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const double speeds[] = { 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0 };

static void update_tick (SwReplay *self);

/* Samplers' readings (context-switch counts, counters) are not things the
 * program did: stepping skips them. */
static gboolean
is_step_kind (guint16 kind)
{
  return kind != SW_EVENT_CTX_SWITCHES && kind != SW_EVENT_COUNTER;
}

static gint64
event_ns (SwReplay      *self,
          const SwEvent *event)
{
  return (gint64) event->time - self->origin_ns;
}

/* Index of the first time > t (direction > 0) or of the last < t. */
static gboolean
find_step (SwReplay *self,
           gint64    t,
           int       direction,
           gint64   *out)
{
  const gint64 *times = (const gint64 *) self->times->data;
  guint lo = 0, hi = self->times->len;

  /* lo: the first time > t */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (times[mid] <= t)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (direction > 0)
    {
      if (lo >= self->times->len)
        return FALSE;
      *out = times[lo];
      return TRUE;
    }

  /* back over the times equal to t */
  while (lo > 0 && times[lo - 1] >= t)
    lo--;
  if (lo == 0)
    return FALSE;
  *out = times[lo - 1];
  return TRUE;
}

/* Before the end, what is open at the position is still going on. */
static void
sync_running (SwReplay *self)
{
  sw_timeline_model_set_running (self->model, self->position_ns < self->end_ns);
}

static void
set_model (SwReplay        *self,
           SwTimelineModel *model)
{
  g_clear_object (&self->model);
  self->model = model;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

static void
sw_replay_dispose (GObject *object)
{
  SwReplay *self = SW_REPLAY (object);

  sw_replay_set_clock_widget (self, NULL);

  G_OBJECT_CLASS (sw_replay_parent_class)->dispose (object);
}

static void
sw_replay_finalize (GObject *object)
{
  SwReplay *self = SW_REPLAY (object);

  g_clear_object (&self->model);
  g_clear_pointer (&self->events, g_array_unref);
  g_clear_pointer (&self->times, g_array_unref);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (sw_replay_parent_class)->finalize (object);
}

static void
sw_replay_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SwReplay *self = SW_REPLAY (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_POSITION:
      g_value_set_int64 (value, self->position_ns);
      break;

    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;

    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_replay_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SwReplay *self = SW_REPLAY (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      sw_replay_set_position (self, g_value_get_int64 (value));
      break;

    case PROP_PLAYING:
      sw_replay_set_playing (self, g_value_get_boolean (value));
      break;

    case PROP_SPEED:
      sw_replay_set_speed (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sw_replay_class_init (SwReplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sw_replay_dispose;
  object_class->finalize = sw_replay_finalize;
  object_class->get_property = sw_replay_get_property;
  object_class->set_property = sw_replay_set_property;

  /* Replaced by a fresh one when the position goes back. */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, SW_TYPE_TIMELINE_MODEL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_POSITION] =
    g_param_spec_int64 ("position", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, speeds[0], speeds[G_N_ELEMENTS (speeds) - 1], 1.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sw_replay_init (SwReplay *self)
{
  self->speed = 1.0;
  self->last_frame_us = -1;
}

/**
 * sw_replay_new:
 * @trace: a finished trace (nothing records into it any more)
 *
 * Starts at the end, the whole trace shown and paused; playing from the
 * end starts again from the beginning.
 */
SwReplay *
sw_replay_new (SwTrace *trace)
{
  SwReplay *self;
  const SwEvent *events;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  self = g_object_new (SW_TYPE_REPLAY, NULL);
  self->trace = g_object_ref (trace);
  self->origin_ns = sw_trace_get_origin_ns (trace);
  self->events = sw_trace_dup_events (trace);
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));

  events = (const SwEvent *) self->events->data;
  for (guint i = 0; i < self->events->len; i++)
    {
      gint64 t = event_ns (self, &events[i]);

      if (!is_step_kind (events[i].kind))
        continue;
      if (self->times->len == 0 || g_array_index (self->times, gint64, self->times->len - 1) < t)
        g_array_append_val (self->times, t);
    }

  self->model = sw_timeline_model_new_replay (trace, self->events);
  self->begin_ns = sw_timeline_model_get_begin_ns (self->model);
  self->end_ns = self->events->len > 0
                 ? MAX (event_ns (self, &events[self->events->len - 1]), self->begin_ns)
                 : self->begin_ns;
  self->position_ns = sw_timeline_model_get_limit (self->model);
  sw_replay_set_position (self, self->end_ns);

  return self;
}

SwTrace *
sw_replay_get_trace (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), NULL);

  return self->trace;
}

/**
 * sw_replay_get_model:
 *
 * Returns: (transfer none): the model showing the trace up to the position
 */
SwTimelineModel *
sw_replay_get_model (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), NULL);

  return self->model;
}

gint64
sw_replay_get_begin_ns (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), 0);

  return self->begin_ns;
}

gint64
sw_replay_get_end_ns (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), 0);

  return self->end_ns;
}

gint64
sw_replay_get_position (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), 0);

  return self->position_ns;
}

/* Clamped to the trace.  Going back builds a new model (notify::model). */
void
sw_replay_set_position (SwReplay *self,
                        gint64    position_ns)
{
  g_return_if_fail (SW_IS_REPLAY (self));

  position_ns = CLAMP (position_ns, self->begin_ns, self->end_ns);
  self->carry_ns = 0.0;
  if (position_ns == self->position_ns)
    return;

  if (position_ns < sw_timeline_model_get_limit (self->model))
    {
      SwTimelineModel *model = sw_timeline_model_new_replay (self->trace, self->events);

      /* The new model is filled before anyone sees it. */
      sw_timeline_model_set_limit (model, position_ns);
      self->n_rebuilds++;
      self->position_ns = position_ns;
      sw_timeline_model_set_running (model, position_ns < self->end_ns);
      set_model (self, model);
    }
  else
    {
      self->position_ns = position_ns;
      sw_timeline_model_set_limit (self->model, position_ns);
      sync_running (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

gboolean
sw_replay_get_playing (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), FALSE);

  return self->playing;
}

/* Playing from the end starts over from the beginning. */
void
sw_replay_set_playing (SwReplay *self,
                       gboolean  playing)
{
  g_return_if_fail (SW_IS_REPLAY (self));

  playing = !!playing;
  if (self->playing == playing)
    return;

  if (playing && self->position_ns >= self->end_ns)
    sw_replay_set_position (self, self->begin_ns);

  self->playing = playing;
  self->last_frame_us = -1;
  self->carry_ns = 0.0;
  update_tick (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

double
sw_replay_get_speed (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), 1.0);

  return self->speed;
}

void
sw_replay_set_speed (SwReplay *self,
                     double    speed)
{
  g_return_if_fail (SW_IS_REPLAY (self));

  speed = CLAMP (speed, speeds[0], speeds[G_N_ELEMENTS (speeds) - 1]);
  if (self->speed == speed)
    return;

  self->speed = speed;
  self->carry_ns = 0.0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

/**
 * sw_replay_advance:
 * @elapsed_ns: real time that passed
 *
 * While playing, moves the position by @elapsed_ns × speed; stops at the
 * end.  The frame clock calls this; tests call it to drive time exactly.
 */
void
sw_replay_advance (SwReplay *self,
                   gint64    elapsed_ns)
{
  double delta;
  gint64 whole;

  g_return_if_fail (SW_IS_REPLAY (self));

  if (!self->playing || elapsed_ns <= 0)
    return;

  delta = (double) elapsed_ns * self->speed + self->carry_ns;
  whole = (gint64) delta;
  sw_replay_set_position (self, self->position_ns + whole);
  self->carry_ns = delta - (double) whole;

  if (self->position_ns >= self->end_ns)
    sw_replay_set_playing (self, FALSE);
}

/**
 * sw_replay_step:
 * @direction: > 0 for the next event, < 0 for the previous one
 *
 * Moves exactly to the time of the next (previous) event on any lane, and
 * pauses.
 *
 * Returns: FALSE when there is none that way
 */
gboolean
sw_replay_step (SwReplay *self,
                int       direction)
{
  gint64 t;

  g_return_val_if_fail (SW_IS_REPLAY (self), FALSE);

  sw_replay_set_playing (self, FALSE);
  if (!find_step (self, self->position_ns, direction, &t))
    return FALSE;

  sw_replay_set_position (self, t);
  return TRUE;
}

/**
 * sw_replay_get_event_at_position:
 *
 * Returns: (nullable) (transfer none): the first event (one that steps
 *   stop at) happening exactly at the position, or NULL
 */
const SwEvent *
sw_replay_get_event_at_position (SwReplay *self)
{
  const SwEvent *events;
  guint lo = 0, hi;

  g_return_val_if_fail (SW_IS_REPLAY (self), NULL);

  events = (const SwEvent *) self->events->data;
  hi = self->events->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (event_ns (self, &events[mid]) < self->position_ns)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (; lo < self->events->len && event_ns (self, &events[lo]) == self->position_ns; lo++)
    if (is_step_kind (events[lo].kind))
      return &events[lo];

  return NULL;
}

/* How many times going back built a new model (for tests). */
guint
sw_replay_get_n_rebuilds (SwReplay *self)
{
  g_return_val_if_fail (SW_IS_REPLAY (self), 0);

  return self->n_rebuilds;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  SwReplay *self = user_data;
  gint64 now_us = gdk_frame_clock_get_frame_time (clock);

  if (self->last_frame_us >= 0)
    sw_replay_advance (self, (now_us - self->last_frame_us) * 1000);
  self->last_frame_us = now_us;

  return G_SOURCE_CONTINUE;
}

static void
update_tick (SwReplay *self)
{
  gboolean want = self->playing && self->clock_widget != NULL;

  if (want && self->tick_id == 0)
    {
      self->last_frame_us = -1;
      self->tick_id = gtk_widget_add_tick_callback (self->clock_widget, tick_cb, self, NULL);
    }
  else if (!want && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (self->clock_widget, self->tick_id);
      self->tick_id = 0;
    }
}

/**
 * sw_replay_set_clock_widget:
 * @widget: (nullable): whose frame clock moves the position while playing;
 *   NULL to drive it only through sw_replay_advance()
 *
 * The widget must outlive this or be unset first.
 */
void
sw_replay_set_clock_widget (SwReplay  *self,
                            GtkWidget *widget)
{
  g_return_if_fail (SW_IS_REPLAY (self));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (self->clock_widget, self->tick_id);
      self->tick_id = 0;
    }
  self->clock_widget = widget;
  update_tick (self);
}

/**
 * sw_replay_get_speeds:
 *
 * Returns: (array length=n_speeds): the speeds offered, slowest first
 */
const double *
sw_replay_get_speeds (guint *n_speeds)
{
  *n_speeds = G_N_ELEMENTS (speeds);
  return speeds;
}
