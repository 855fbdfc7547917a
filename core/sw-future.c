/* sw-future.c — the result of a task that runs somewhere else
 *
 * Who records what: the executor records TASK_SUBMIT and TASK_START (only
 * it knows when a task is queued and where it is picked up); the future
 * records TASK_END, TASK_ERROR and TASK_CANCEL itself, at the moment its
 * state changes and before any done-callback runs, so every executor gets
 * them right and in the same order.  result() records WAIT_BEGIN/END only
 * when it really blocks; each done-callback is bracketed by
 * CALLBACK_BEGIN/END on the lane of the thread that runs it.
 */
#include "config.h"

#include "sw-future-private.h"

#include "sw-error.h"

typedef struct
{
  SwFutureCallback callback;
  gpointer         user_data;
  GDestroyNotify   destroy;
} SwDoneCallback;

struct _SwFuture
{
  GObject parent_instance;

  /* Immutable after _sw_future_new. */
  SwTrace *trace;      /* owned */
  guint64  id;
  guint64  label_id;   /* interned in @trace */

  /* @mutex guards every field below.  @cond is broadcast once, when the
   * future becomes done.  Callbacks never run with @mutex held, so they
   * may call back into the future. */
  GMutex         mutex;
  GCond          cond;
  SwFutureState  state;
  GVariant      *result;     /* sunk; only when FINISHED */
  GError        *error;      /* only when FAILED */
  GArray        *callbacks;  /* SwDoneCallback; NULL until one is added while not done */
};

G_DEFINE_FINAL_TYPE (SwFuture, sw_future, G_TYPE_OBJECT)

/* Process-wide, so ids stay unique across pools and traces. */
static guint64 sw_future_last_id; /* atomic */

#define STATE_IS_DONE(s) ((s) == SW_FUTURE_FINISHED || (s) == SW_FUTURE_FAILED || (s) == SW_FUTURE_CANCELLED)

static void
sw_future_finalize (GObject *object)
{
  SwFuture *self = SW_FUTURE (object);

  /* A future dropped before it was done never calls its callbacks (as in
   * concurrent.futures), but their data must still be released. */
  if (self->callbacks != NULL)
    {
      for (guint i = 0; i < self->callbacks->len; i++)
        {
          SwDoneCallback *cb = &g_array_index (self->callbacks, SwDoneCallback, i);

          if (cb->destroy != NULL)
            cb->destroy (cb->user_data);
        }
      g_array_unref (self->callbacks);
    }
  g_clear_pointer (&self->result, g_variant_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->trace);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (sw_future_parent_class)->finalize (object);
}

static void
sw_future_class_init (SwFutureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sw_future_finalize;
}

static void
sw_future_init (SwFuture *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->state = SW_FUTURE_PENDING;
}

static void
sw_future_invoke (SwFuture             *self,
                  const SwDoneCallback *cb)
{
  sw_trace_record (self->trace, SW_EVENT_CALLBACK_BEGIN, 0, self->id, 0);
  cb->callback (self, cb->user_data);
  sw_trace_record (self->trace, SW_EVENT_CALLBACK_END, 0, self->id, 0);
  if (cb->destroy != NULL)
    cb->destroy (cb->user_data);
}

/* Runs on the completing thread, after the state change was published and
 * with no lock held.  @callbacks was stolen from the future under its lock,
 * so each callback runs exactly once. */
static void
sw_future_run_callbacks (SwFuture *self,
                         GArray   *callbacks)
{
  if (callbacks == NULL)
    return;

  /* A callback may drop the last reference someone else held. */
  g_object_ref (self);
  for (guint i = 0; i < callbacks->len; i++)
    sw_future_invoke (self, &g_array_index (callbacks, SwDoneCallback, i));
  g_array_unref (callbacks);
  g_object_unref (self);
}

/*< private >
 * _sw_future_new:
 * @trace: the trace that events of this future go to
 * @label: (nullable): a name for the task, shown on the timeline
 *
 * Returns: (transfer full): a new PENDING future with a fresh id
 */
SwFuture *
_sw_future_new (SwTrace    *trace,
                const char *label)
{
  SwFuture *self;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  self = g_object_new (SW_TYPE_FUTURE, NULL);
  self->trace = g_object_ref (trace);
  self->id = __atomic_add_fetch (&sw_future_last_id, 1, __ATOMIC_RELAXED);
  self->label_id = sw_trace_intern (trace, label);

  return self;
}

/* So an executor can record the label without interning it a second time
 * (interning takes the trace's string lock). */
guint64
_sw_future_get_label_id (SwFuture *self)
{
  g_return_val_if_fail (SW_IS_FUTURE (self), 0);
  return self->label_id;
}

/*< private >
 * _sw_future_set_running:
 *
 * Moves a PENDING future to RUNNING.  Returns FALSE if it was cancelled
 * meanwhile: the executor must then skip the task.
 */
gboolean
_sw_future_set_running (SwFuture *self)
{
  SwFutureState state;

  g_return_val_if_fail (SW_IS_FUTURE (self), FALSE);

  g_mutex_lock (&self->mutex);
  state = self->state;
  if (state == SW_FUTURE_PENDING)
    self->state = SW_FUTURE_RUNNING;
  g_mutex_unlock (&self->mutex);

  if (state != SW_FUTURE_PENDING && state != SW_FUTURE_CANCELLED)
    g_critical ("%s: future %" G_GUINT64_FORMAT " is already %s",
                G_STRFUNC, self->id, sw_future_state_to_string (state));

  return state == SW_FUTURE_PENDING;
}

/* The one way a future becomes FINISHED or FAILED.  Takes @value (sunk
 * here) or @error.  Setting a done future twice is a programmer error, as
 * InvalidStateError is in Python: the first outcome is kept. */
static void
sw_future_complete (SwFuture *self,
                    GVariant *value,
                    GError   *error)
{
  SwFutureState state;
  GArray *callbacks = NULL;
  guint64 message_id = 0;

  /* Interning takes the trace's string lock; not under ours. */
  if (error != NULL)
    message_id = sw_trace_intern (self->trace, error->message);

  g_mutex_lock (&self->mutex);
  state = self->state;
  if (!STATE_IS_DONE (state))
    {
      if (error != NULL)
        {
          self->state = SW_FUTURE_FAILED;
          self->error = g_steal_pointer (&error);
          sw_trace_record (self->trace, SW_EVENT_TASK_ERROR, SW_EVENT_FLAG_FAILED,
                           self->id, message_id);
        }
      else
        {
          self->state = SW_FUTURE_FINISHED;
          self->result = g_variant_ref_sink (g_steal_pointer (&value));
          sw_trace_record (self->trace, SW_EVENT_TASK_END, 0, self->id, 0);
        }
      callbacks = g_steal_pointer (&self->callbacks);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);

  if (STATE_IS_DONE (state))
    {
      g_critical ("%s: future %" G_GUINT64_FORMAT " is already %s; keeping the first outcome",
                  G_STRFUNC, self->id, sw_future_state_to_string (state));
      g_clear_error (&error);
      if (value != NULL)
        g_variant_unref (g_variant_ref_sink (value));
      return;
    }

  sw_future_run_callbacks (self, callbacks);
}

/*< private >
 * _sw_future_set_result:
 * @value: (transfer none): the result; a floating reference is sunk
 *
 * Completes the future as FINISHED and runs its callbacks on this thread.
 */
void
_sw_future_set_result (SwFuture *self,
                       GVariant *value)
{
  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail (value != NULL);

  /* complete() consumes one reference: hand it a floating one as is, or
   * a new one of a non-floating value (the caller keeps its own). */
  if (!g_variant_is_floating (value))
    g_variant_ref (value);
  sw_future_complete (self, value, NULL);
}

/*< private >
 * _sw_future_set_error:
 * @error: (transfer full): what went wrong
 *
 * Completes the future as FAILED and runs its callbacks on this thread.
 */
void
_sw_future_set_error (SwFuture *self,
                      GError   *error)
{
  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail (error != NULL);

  sw_future_complete (self, NULL, error);
}

guint64
sw_future_get_id (SwFuture *self)
{
  g_return_val_if_fail (SW_IS_FUTURE (self), 0);
  return self->id;
}

/**
 * sw_future_get_label:
 *
 * Returns: (transfer none): the task's label, owned by the trace
 */
const char *
sw_future_get_label (SwFuture *self)
{
  g_return_val_if_fail (SW_IS_FUTURE (self), NULL);
  return sw_trace_lookup_string (self->trace, self->label_id);
}

SwFutureState
sw_future_get_state (SwFuture *self)
{
  SwFutureState state;

  g_return_val_if_fail (SW_IS_FUTURE (self), SW_FUTURE_PENDING);

  g_mutex_lock (&self->mutex);
  state = self->state;
  g_mutex_unlock (&self->mutex);

  return state;
}

gboolean
sw_future_is_done (SwFuture *self)
{
  g_return_val_if_fail (SW_IS_FUTURE (self), FALSE);
  return STATE_IS_DONE (sw_future_get_state (self));
}

/**
 * sw_future_result:
 * @timeout_us: how long to wait: -1 (any negative) forever, 0 not at all
 *
 * Waits for the future to be done.  A wait that really blocks is recorded
 * as WAIT_BEGIN/WAIT_END on the caller's lane (WAIT_END flagged FAILED if
 * it timed out).
 *
 * Returns: (transfer full) (nullable): the result, or NULL with
 *   SW_ERROR_CANCELLED, SW_ERROR_TIMED_OUT or a copy of the task's error
 */
GVariant *
sw_future_result (SwFuture  *self,
                  gint64     timeout_us,
                  GError   **error)
{
  GVariant *result = NULL;

  g_return_val_if_fail (SW_IS_FUTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);

  if (!STATE_IS_DONE (self->state) && timeout_us != 0)
    {
      gint64 end_time = timeout_us > 0 ? g_get_monotonic_time () + timeout_us : 0;

      sw_trace_record (self->trace, SW_EVENT_WAIT_BEGIN, 0, self->id, 0);
      while (!STATE_IS_DONE (self->state))
        {
          if (timeout_us < 0)
            g_cond_wait (&self->cond, &self->mutex);
          else if (!g_cond_wait_until (&self->cond, &self->mutex, end_time))
            break;
        }
      sw_trace_record (self->trace, SW_EVENT_WAIT_END,
                       STATE_IS_DONE (self->state) ? 0 : SW_EVENT_FLAG_FAILED,
                       self->id, 0);
    }

  switch (self->state)
    {
    case SW_FUTURE_FINISHED:
      result = g_variant_ref (self->result);
      break;

    case SW_FUTURE_FAILED:
      g_propagate_error (error, g_error_copy (self->error));
      break;

    case SW_FUTURE_CANCELLED:
      g_set_error (error, SW_ERROR, SW_ERROR_CANCELLED,
                   "Task %" G_GUINT64_FORMAT " (%s) was cancelled",
                   self->id, sw_trace_lookup_string (self->trace, self->label_id));
      break;

    case SW_FUTURE_PENDING:
    case SW_FUTURE_RUNNING:
    default:
      g_set_error (error, SW_ERROR, SW_ERROR_TIMED_OUT,
                   "Task %" G_GUINT64_FORMAT " (%s) is still %s",
                   self->id, sw_trace_lookup_string (self->trace, self->label_id),
                   sw_future_state_to_string (self->state));
      break;
    }

  g_mutex_unlock (&self->mutex);

  return result;
}

/**
 * sw_future_cancel:
 *
 * Cancels the future if it has not started.  Its callbacks run now, on
 * this thread.
 *
 * Returns: TRUE if the future is cancelled (now or before), FALSE if it
 *   is running or done
 */
gboolean
sw_future_cancel (SwFuture *self)
{
  SwFutureState state;
  GArray *callbacks = NULL;

  g_return_val_if_fail (SW_IS_FUTURE (self), FALSE);

  g_mutex_lock (&self->mutex);
  state = self->state;
  if (state == SW_FUTURE_PENDING)
    {
      self->state = SW_FUTURE_CANCELLED;
      sw_trace_record (self->trace, SW_EVENT_TASK_CANCEL, 0, self->id, 0);
      callbacks = g_steal_pointer (&self->callbacks);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);

  if (state == SW_FUTURE_PENDING)
    sw_future_run_callbacks (self, callbacks);

  return state == SW_FUTURE_PENDING || state == SW_FUTURE_CANCELLED;
}

/**
 * sw_future_add_done_callback:
 * @callback: (scope notified): called once with the done future
 * @destroy: (nullable): frees @user_data after @callback ran
 *
 * Callbacks run in the order they were added, on the thread that
 * completes the future — a worker thread for SwThreadPool — or at once on
 * this thread if the future is already done.
 */
void
sw_future_add_done_callback (SwFuture         *self,
                             SwFutureCallback  callback,
                             gpointer          user_data,
                             GDestroyNotify    destroy)
{
  SwDoneCallback cb = { callback, user_data, destroy };
  gboolean done;

  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail (callback != NULL);

  g_mutex_lock (&self->mutex);
  done = STATE_IS_DONE (self->state);
  if (!done)
    {
      if (self->callbacks == NULL)
        self->callbacks = g_array_new (FALSE, FALSE, sizeof (SwDoneCallback));
      g_array_append_val (self->callbacks, cb);
    }
  g_mutex_unlock (&self->mutex);

  if (done)
    sw_future_invoke (self, &cb);
}

const char *
sw_future_state_to_string (SwFutureState state)
{
  switch (state)
    {
    case SW_FUTURE_PENDING:   return "pending";
    case SW_FUTURE_RUNNING:   return "running";
    case SW_FUTURE_FINISHED:  return "finished";
    case SW_FUTURE_FAILED:    return "failed";
    case SW_FUTURE_CANCELLED: return "cancelled";
    default:                  break;
    }
  g_return_val_if_reached ("unknown");
}
