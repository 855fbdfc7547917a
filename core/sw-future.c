/* sw-future.c — the result of a task that runs somewhere else
 *
 * Who records what: the executor records TASK_SUBMIT and TASK_START (only
 * it knows when a task is queued and where it is picked up); the future
 * records TASK_END, TASK_ERROR and TASK_CANCEL itself, at the moment its
 * state changes and before any done-callback runs, so every executor gets
 * them right and in the same order.  The exception is a task that ran in
 * another process: its worker records the end where and when the task
 * really ended, and the future is completed with
 * _sw_future_complete_recorded() once the result has travelled back.  result(), exception(), wait() and
 * as_completed() record WAIT_BEGIN/END on the caller's lane only when they
 * really block; each done-callback is bracketed by CALLBACK_BEGIN/END on
 * the lane of the thread that runs it.
 *
 * wait() and as_completed() do not use done-callbacks (those are on the
 * timeline as callbacks, and a user's view of them would be noise): like
 * CPython's _Waiter, they register an SwWaiter on each future, which the
 * future notifies under its own lock the moment it becomes done.  Lock
 * order: a future's mutex, then a waiter's; a waiter's owner never takes
 * a future's mutex while it holds its waiter's.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "sw-future-private.h"

#include "sw-error.h"
#include "sw-variant-private.h"

typedef struct
{
  SwFutureCallback      callback;       /* one of these two */
  SwFutureCallbackFull  callback_full;
  gpointer              user_data;
  GDestroyNotify        destroy;
} SwDoneCallback;

/* Done-callbacks in the order added.  The first is kept inline: nearly
 * every future has at most one, and an array per future would cost two
 * allocations and two frees on the path of every task. */
typedef struct
{
  guint           len;
  SwDoneCallback  first;
  GArray         *more;   /* SwDoneCallback: the second one on; NULL until then */
} SwDoneCallbacks;

static void
done_callbacks_add (SwDoneCallbacks      *list,
                    const SwDoneCallback *cb)
{
  if (list->len == 0)
    list->first = *cb;
  else
    {
      if (list->more == NULL)
        list->more = g_array_new (FALSE, FALSE, sizeof (SwDoneCallback));
      g_array_append_val (list->more, *cb);
    }
  list->len++;
}

static SwDoneCallback *
done_callbacks_get (SwDoneCallbacks *list,
                    guint            i)
{
  return i == 0 ? &list->first : &g_array_index (list->more, SwDoneCallback, i - 1);
}

static void
done_callbacks_clear (SwDoneCallbacks *list)
{
  g_clear_pointer (&list->more, g_array_unref);
  list->len = 0;
}

/* Something blocked in wait() or as_completed(). */
typedef struct
{
  GMutex     mutex;
  GCond      cond;       /* signalled on each notification */
  GPtrArray *finished;   /* guarded by @mutex: futures done since they were
                          * registered, in the order they became done;
                          * borrowed (the owner holds references) */
  guint      n_failed;   /* guarded by @mutex: how many of @finished FAILED */
} SwWaiter;

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
  guint          n_blocked;  /* threads waiting on @cond */
  SwFutureState  state;
  GVariant      *result;     /* sunk; only when FINISHED */
  GError        *error;      /* only when FAILED */
  SwDoneCallbacks callbacks; /* added while not done; emptied when it is */
  GSList        *waiters;    /* SwWaiter, borrowed: a waiter removes itself
                              * before it goes; dropped once notified */
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
  g_warn_if_fail (self->waiters == NULL);

  for (guint i = 0; i < self->callbacks.len; i++)
    {
      SwDoneCallback *cb = done_callbacks_get (&self->callbacks, i);

      if (cb->destroy != NULL)
        cb->destroy (cb->user_data);
    }
  done_callbacks_clear (&self->callbacks);
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
sw_waiter_init (SwWaiter *waiter)
{
  g_mutex_init (&waiter->mutex);
  g_cond_init (&waiter->cond);
  waiter->finished = g_ptr_array_new ();
  waiter->n_failed = 0;
}

static void
sw_waiter_clear (SwWaiter *waiter)
{
  g_ptr_array_unref (waiter->finished);
  g_mutex_clear (&waiter->mutex);
  g_cond_clear (&waiter->cond);
}

/* With the future's mutex held, when it has just become done. */
static void
sw_future_notify_waiters_locked (SwFuture *self)
{
  for (GSList *l = self->waiters; l != NULL; l = l->next)
    {
      SwWaiter *waiter = l->data;

      g_mutex_lock (&waiter->mutex);
      g_ptr_array_add (waiter->finished, self);
      if (self->state == SW_FUTURE_FAILED)
        waiter->n_failed++;
      g_cond_signal (&waiter->cond);
      g_mutex_unlock (&waiter->mutex);
    }
  g_clear_pointer (&self->waiters, g_slist_free);
}

/* Registers @waiter unless the future is already done.  Returns TRUE if
 * registered; FALSE with *state set if done. */
static gboolean
sw_future_add_waiter (SwFuture      *self,
                      SwWaiter      *waiter,
                      SwFutureState *state)
{
  gboolean done;

  g_mutex_lock (&self->mutex);
  *state = self->state;
  done = STATE_IS_DONE (self->state);
  if (!done)
    self->waiters = g_slist_prepend (self->waiters, waiter);
  g_mutex_unlock (&self->mutex);

  return !done;
}

/* Harmless if the future already dropped it when it became done. */
static void
sw_future_remove_waiter (SwFuture *self,
                         SwWaiter *waiter)
{
  g_mutex_lock (&self->mutex);
  self->waiters = g_slist_remove (self->waiters, waiter);
  g_mutex_unlock (&self->mutex);
}

static void
sw_future_invoke (SwFuture             *self,
                  const SwDoneCallback *cb)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  sw_trace_record (self->trace, SW_EVENT_CALLBACK_BEGIN, 0, self->id, 0);
  if (cb->callback_full != NULL)
    ok = cb->callback_full (self, cb->user_data, &error);
  else
    cb->callback (self, cb->user_data);
  /* The C form of "logged and ignored": on the timeline, inside the
   * callback's span, and nowhere else — a g_warning would be fatal in
   * tests and noise in the app. */
  if (!ok)
    sw_trace_log (self->trace, "done-callback of task %" G_GUINT64_FORMAT " (%s) failed: %s",
                  self->id, sw_trace_lookup_string (self->trace, self->label_id),
                  error != NULL ? error->message : "no reason given");
  sw_trace_record (self->trace, SW_EVENT_CALLBACK_END, ok ? 0 : SW_EVENT_FLAG_FAILED,
                   self->id, 0);
  if (cb->destroy != NULL)
    cb->destroy (cb->user_data);
}

/* Runs on the completing thread, after the state change was published and
 * with no lock held.  @callbacks was taken from the future under its lock,
 * so each callback runs exactly once. */
static void
sw_future_run_callbacks (SwFuture        *self,
                         SwDoneCallbacks *callbacks)
{
  if (callbacks->len == 0)
    return;

  /* A callback may drop the last reference someone else held. */
  g_object_ref (self);
  for (guint i = 0; i < callbacks->len; i++)
    sw_future_invoke (self, done_callbacks_get (callbacks, i));
  done_callbacks_clear (callbacks);
  g_object_unref (self);
}

/* Under the future's lock: its callbacks, leaving it none. */
static SwDoneCallbacks
sw_future_take_callbacks_locked (SwFuture *self)
{
  SwDoneCallbacks taken = self->callbacks;

  self->callbacks = (SwDoneCallbacks) { 0 };
  return taken;
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

/* With @self->mutex held, once the future is done: wakes the threads
 * blocked in result() or exception().  Only if there are any: GLib's
 * g_cond_broadcast is a futex system call even when nobody waits, and
 * most futures are never waited for that way. */
static void
sw_future_wake_blocked_locked (SwFuture *self)
{
  if (self->n_blocked > 0)
    g_cond_broadcast (&self->cond);
}

/* The one way a future becomes FINISHED or FAILED.  Takes @value (sunk
 * here) or @error.  Setting a done future twice is a programmer error, as
 * InvalidStateError is in Python: the first outcome is kept. */
static void
sw_future_complete (SwFuture *self,
                    GVariant *value,
                    GError   *error,
                    gboolean  record_end)
{
  SwFutureState state;
  SwDoneCallbacks callbacks = { 0 };
  guint64 message_id = 0;

  /* Interning takes the trace's string lock; not under ours. */
  if (error != NULL && record_end)
    message_id = sw_trace_intern (self->trace, error->message);

  g_mutex_lock (&self->mutex);
  state = self->state;
  if (!STATE_IS_DONE (state))
    {
      if (error != NULL)
        {
          self->state = SW_FUTURE_FAILED;
          self->error = g_steal_pointer (&error);
          if (record_end)
            sw_trace_record (self->trace, SW_EVENT_TASK_ERROR, SW_EVENT_FLAG_FAILED,
                             self->id, message_id);
        }
      else
        {
          self->state = SW_FUTURE_FINISHED;
          self->result = sw_variant_take_ref (g_steal_pointer (&value));
          if (record_end)
            sw_trace_record (self->trace, SW_EVENT_TASK_END, 0, self->id, 0);
        }
      callbacks = sw_future_take_callbacks_locked (self);
      sw_future_notify_waiters_locked (self);
      sw_future_wake_blocked_locked (self);
    }
  g_mutex_unlock (&self->mutex);

  if (STATE_IS_DONE (state))
    {
      g_critical ("%s: future %" G_GUINT64_FORMAT " is already %s; keeping the first outcome",
                  G_STRFUNC, self->id, sw_future_state_to_string (state));
      g_clear_error (&error);
      if (value != NULL)
        g_variant_unref (g_variant_take_ref (value));
      return;
    }

  sw_future_run_callbacks (self, &callbacks);
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

  /* complete() consumes one reference: a floating one sunk, or a new one
   * of a non-floating value (the caller keeps its own). */
  sw_future_complete (self, g_variant_ref_sink (value), NULL, TRUE);
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

  sw_future_complete (self, NULL, error, TRUE);
}

/*< private >
 * _sw_future_complete_recorded:
 * @value: (transfer none) (nullable): the result, or %NULL with @error
 * @error: (transfer full) (nullable): what went wrong
 *
 * As _sw_future_set_result() or _sw_future_set_error(), for a task whose
 * TASK_END or TASK_ERROR is already in the trace: recorded by the worker
 * process that ran it, when it ended, on its own lane.  Recording it again
 * here would put the end where the result arrived, late by whatever kept
 * the receiving thread busy (another task's done-callback).
 */
void
_sw_future_complete_recorded (SwFuture *self,
                              GVariant *value,
                              GError   *error)
{
  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail ((value != NULL) != (error != NULL));

  sw_future_complete (self, value != NULL ? g_variant_ref_sink (value) : NULL, error, FALSE);
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

/* With @self->mutex held: waits until done or @timeout_us runs out,
 * recording the wait if it really blocks. */
static void
sw_future_wait_done_locked (SwFuture *self,
                            gint64    timeout_us)
{
  gint64 end_time;

  if (STATE_IS_DONE (self->state) || timeout_us == 0)
    return;

  end_time = timeout_us > 0 ? g_get_monotonic_time () + timeout_us : 0;
  sw_trace_record (self->trace, SW_EVENT_WAIT_BEGIN, 0, self->id, 0);
  self->n_blocked++;
  while (!STATE_IS_DONE (self->state))
    {
      if (timeout_us < 0)
        g_cond_wait (&self->cond, &self->mutex);
      else if (!g_cond_wait_until (&self->cond, &self->mutex, end_time))
        break;
    }
  self->n_blocked--;
  sw_trace_record (self->trace, SW_EVENT_WAIT_END,
                   STATE_IS_DONE (self->state) ? 0 : SW_EVENT_FLAG_FAILED,
                   self->id, 0);
}

/* With @self->mutex held, when it is not FINISHED or FAILED. */
static void
sw_future_set_not_done_error_locked (SwFuture  *self,
                                     GError   **error)
{
  if (self->state == SW_FUTURE_CANCELLED)
    g_set_error (error, SW_ERROR, SW_ERROR_CANCELLED,
                 _("Task %" PRIu64 " (%s) was cancelled"),
                 self->id, sw_trace_lookup_string (self->trace, self->label_id));
  else
    g_set_error (error, SW_ERROR, SW_ERROR_TIMED_OUT,
                 _("Task %" PRIu64 " (%s) is still %s"),
                 self->id, sw_trace_lookup_string (self->trace, self->label_id),
                 sw_future_state_to_string (self->state));
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
  sw_future_wait_done_locked (self, timeout_us);
  if (self->state == SW_FUTURE_FINISHED)
    result = g_variant_ref (self->result);
  else if (self->state == SW_FUTURE_FAILED)
    g_propagate_error (error, g_error_copy (self->error));
  else
    sw_future_set_not_done_error_locked (self, error);
  g_mutex_unlock (&self->mutex);

  return result;
}

/**
 * sw_future_exception:
 * @timeout_us: how long to wait: -1 (any negative) forever, 0 not at all
 * @task_error: (out) (optional) (transfer full): a copy of the task's
 *   error, or NULL if it succeeded
 *
 * Like exception() in concurrent.futures: the task's error is the answer,
 * not a failure of the call.  Waits like sw_future_result().
 *
 * Returns: TRUE once the future finished or failed; FALSE with
 *   SW_ERROR_CANCELLED or SW_ERROR_TIMED_OUT in @error
 */
gboolean
sw_future_exception (SwFuture  *self,
                     gint64     timeout_us,
                     GError   **task_error,
                     GError   **error)
{
  gboolean done;

  g_return_val_if_fail (SW_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (task_error == NULL || *task_error == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->mutex);
  sw_future_wait_done_locked (self, timeout_us);
  done = self->state == SW_FUTURE_FINISHED || self->state == SW_FUTURE_FAILED;
  if (self->state == SW_FUTURE_FAILED && task_error != NULL)
    *task_error = g_error_copy (self->error);
  else if (!done)
    sw_future_set_not_done_error_locked (self, error);
  g_mutex_unlock (&self->mutex);

  return done;
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
  SwDoneCallbacks callbacks = { 0 };

  g_return_val_if_fail (SW_IS_FUTURE (self), FALSE);

  g_mutex_lock (&self->mutex);
  state = self->state;
  if (state == SW_FUTURE_PENDING)
    {
      self->state = SW_FUTURE_CANCELLED;
      sw_trace_record (self->trace, SW_EVENT_TASK_CANCEL, 0, self->id, 0);
      callbacks = sw_future_take_callbacks_locked (self);
      sw_future_notify_waiters_locked (self);
      sw_future_wake_blocked_locked (self);
    }
  g_mutex_unlock (&self->mutex);

  if (state == SW_FUTURE_PENDING)
    sw_future_run_callbacks (self, &callbacks);

  return state == SW_FUTURE_PENDING || state == SW_FUTURE_CANCELLED;
}

static void
sw_future_add_done_callback_internal (SwFuture             *self,
                                      const SwDoneCallback *cb)
{
  gboolean done;

  g_mutex_lock (&self->mutex);
  done = STATE_IS_DONE (self->state);
  if (!done)
    {
      done_callbacks_add (&self->callbacks, cb);
    }
  g_mutex_unlock (&self->mutex);

  if (done)
    sw_future_invoke (self, cb);
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
  SwDoneCallback cb = { callback, NULL, user_data, destroy };

  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail (callback != NULL);

  sw_future_add_done_callback_internal (self, &cb);
}

/**
 * sw_future_add_done_callback_full:
 * @callback: (scope notified): called once with the done future; may fail
 * @destroy: (nullable): frees @user_data after @callback ran
 *
 * Like sw_future_add_done_callback(), for a callback that can fail.  A
 * failure is recorded on the timeline — CALLBACK_END flagged FAILED and a
 * LOG line naming the task and the error — and otherwise ignored, like a
 * raising callback in concurrent.futures: the callbacks after it still
 * run, and so does the pool.
 */
void
sw_future_add_done_callback_full (SwFuture             *self,
                                  SwFutureCallbackFull  callback,
                                  gpointer              user_data,
                                  GDestroyNotify        destroy)
{
  SwDoneCallback cb = { NULL, callback, user_data, destroy };

  g_return_if_fail (SW_IS_FUTURE (self));
  g_return_if_fail (callback != NULL);

  sw_future_add_done_callback_internal (self, &cb);
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

/* The distinct futures of @futures, in the order first given, each with a
 * new reference: a future passed twice is waited for and yielded once. */
static GPtrArray *
dup_distinct (SwFuture * const *futures,
              guint             n_futures)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GPtrArray *distinct = g_ptr_array_new_full (n_futures, g_object_unref);

  for (guint i = 0; i < n_futures; i++)
    {
      g_return_val_if_fail (SW_IS_FUTURE (futures[i]), distinct);

      if (g_hash_table_add (seen, futures[i]))
        g_ptr_array_add (distinct, g_object_ref (futures[i]));
    }

  return distinct;
}

static gboolean
wait_mode_met (SwWaitMode mode,
               guint      n_total,
               guint      n_done,
               guint      n_failed)
{
  if (n_done == n_total)
    return TRUE;

  switch (mode)
    {
    case SW_WAIT_FIRST_COMPLETED:
      return n_done > 0;
    case SW_WAIT_FIRST_EXCEPTION:
      /* Cancelled counts as done, not as an exception, as in Python. */
      return n_failed > 0;
    case SW_WAIT_ALL_COMPLETED:
    default:
      return FALSE;
    }
}

/**
 * sw_futures_wait:
 * @futures: (array length=n_futures): the futures to wait for; one given
 *   twice counts once
 * @mode: when to return: at the first done future, at the first FAILED one
 *   (or when all are done if none fails; a cancelled future is done, not
 *   an exception), or when all are done
 * @timeout_us: how long to wait: -1 (any negative) forever, 0 not at all
 * @done: (out) (optional) (transfer full): the futures found done
 * @not_done: (out) (optional) (transfer full): the others
 *
 * Both arrays keep the order of @futures and hold new references.  A wait
 * that really blocks is recorded as WAIT_BEGIN/WAIT_END on the caller's
 * lane, in the trace of the first future and about its id (a wait is
 * drawn against one task; the first one given stands for the set).
 * WAIT_END is flagged FAILED on timeout.  Uses no done-callbacks.
 *
 * Returns: TRUE if @mode was met, FALSE if it timed out first
 */
gboolean
sw_futures_wait (SwFuture * const *futures,
                 guint             n_futures,
                 SwWaitMode        mode,
                 gint64            timeout_us,
                 GPtrArray       **done,
                 GPtrArray       **not_done)
{
  g_autoptr(GPtrArray) distinct = NULL;
  g_autoptr(GHashTable) done_set = g_hash_table_new (NULL, NULL);
  g_autofree gboolean *registered = NULL;
  guint n_done = 0;
  guint n_failed = 0;
  gboolean met;
  SwWaiter waiter;

  g_return_val_if_fail (futures != NULL || n_futures == 0, FALSE);
  g_return_val_if_fail (mode <= SW_WAIT_ALL_COMPLETED, FALSE);

  distinct = dup_distinct (futures, n_futures);
  registered = g_new0 (gboolean, distinct->len);
  sw_waiter_init (&waiter);

  for (guint i = 0; i < distinct->len; i++)
    {
      SwFuture *future = distinct->pdata[i];
      SwFutureState state;

      registered[i] = sw_future_add_waiter (future, &waiter, &state);
      if (!registered[i])
        {
          g_hash_table_add (done_set, future);
          n_done++;
          n_failed += state == SW_FUTURE_FAILED;
        }
    }

  g_mutex_lock (&waiter.mutex);
  met = wait_mode_met (mode, distinct->len, n_done + waiter.finished->len,
                       n_failed + waiter.n_failed);
  if (!met && timeout_us != 0)
    {
      SwFuture *first = distinct->pdata[0];  /* not all done: not empty */
      gint64 end_time = timeout_us > 0 ? g_get_monotonic_time () + timeout_us : 0;

      sw_trace_record (first->trace, SW_EVENT_WAIT_BEGIN, 0, first->id, 0);
      while (!met)
        {
          if (timeout_us < 0)
            g_cond_wait (&waiter.cond, &waiter.mutex);
          else if (!g_cond_wait_until (&waiter.cond, &waiter.mutex, end_time))
            break;
          met = wait_mode_met (mode, distinct->len, n_done + waiter.finished->len,
                               n_failed + waiter.n_failed);
        }
      sw_trace_record (first->trace, SW_EVENT_WAIT_END, met ? 0 : SW_EVENT_FLAG_FAILED,
                       first->id, 0);
    }
  /* The answer is what was known when @met was decided. */
  for (guint i = 0; i < waiter.finished->len; i++)
    g_hash_table_add (done_set, waiter.finished->pdata[i]);
  g_mutex_unlock (&waiter.mutex);

  for (guint i = 0; i < distinct->len; i++)
    if (registered[i])
      sw_future_remove_waiter (distinct->pdata[i], &waiter);
  sw_waiter_clear (&waiter);

  if (done != NULL)
    *done = g_ptr_array_new_with_free_func (g_object_unref);
  if (not_done != NULL)
    *not_done = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < distinct->len; i++)
    {
      SwFuture *future = distinct->pdata[i];
      GPtrArray *into = g_hash_table_contains (done_set, future) ? (done ? *done : NULL)
                                                                  : (not_done ? *not_done : NULL);

      if (into != NULL)
        g_ptr_array_add (into, g_object_ref (future));
    }

  return met;
}

struct _SwAsCompleted
{
  GPtrArray *futures;     /* owned: the distinct futures, in the order given */
  gboolean  *registered;  /* per @futures: has @waiter on it */
  GPtrArray *ready;       /* borrowed: done at creation, in the order given */
  guint      n_ready_taken;
  guint      n_finished_taken;  /* of waiter.finished */
  guint      n_yielded;
  gint64     end_time;    /* monotonic; G_MAXINT64 for no timeout */
  SwWaiter   waiter;
};

/**
 * sw_as_completed_new:
 * @futures: (array length=n_futures): the futures; one given twice is
 *   yielded once
 * @timeout_us: how long, from now, the whole iteration may take: -1 (any
 *   negative) forever
 *
 * Iterates over the futures as they become done: those already done
 * first (in the order given), then the others in the order they finish.
 * Uses no done-callbacks.  One thread at a time may call next().
 *
 * Returns: (transfer full): a new iterator
 */
SwAsCompleted *
sw_as_completed_new (SwFuture * const *futures,
                     guint             n_futures,
                     gint64            timeout_us)
{
  SwAsCompleted *iter;

  g_return_val_if_fail (futures != NULL || n_futures == 0, NULL);

  iter = g_new0 (SwAsCompleted, 1);
  iter->end_time = timeout_us < 0 ? G_MAXINT64 : g_get_monotonic_time () + timeout_us;
  iter->futures = dup_distinct (futures, n_futures);
  iter->registered = g_new0 (gboolean, iter->futures->len);
  iter->ready = g_ptr_array_new ();
  sw_waiter_init (&iter->waiter);

  for (guint i = 0; i < iter->futures->len; i++)
    {
      SwFutureState state;

      iter->registered[i] = sw_future_add_waiter (iter->futures->pdata[i], &iter->waiter, &state);
      if (!iter->registered[i])
        g_ptr_array_add (iter->ready, iter->futures->pdata[i]);
    }

  return iter;
}

/**
 * sw_as_completed_next:
 *
 * Blocks until one more future is done or the timeout given to
 * sw_as_completed_new() runs out.  A wait that really blocks is recorded
 * as WAIT_BEGIN/WAIT_END on the caller's lane, about the first future
 * given (see sw_futures_wait()).
 *
 * Returns: (transfer full) (nullable): the next done future; NULL at the
 *   end, or NULL with SW_ERROR_TIMED_OUT ("N (of M) futures unfinished")
 */
SwFuture *
sw_as_completed_next (SwAsCompleted  *iter,
                      GError        **error)
{
  SwFuture *next = NULL;
  guint n_total;

  g_return_val_if_fail (iter != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_total = iter->futures->len;
  if (iter->n_ready_taken < iter->ready->len)
    next = iter->ready->pdata[iter->n_ready_taken++];
  else if (iter->n_yielded < n_total)
    {
      SwWaiter *waiter = &iter->waiter;

      g_mutex_lock (&waiter->mutex);
      if (iter->n_finished_taken == waiter->finished->len
          && g_get_monotonic_time () < iter->end_time)
        {
          SwFuture *first = iter->futures->pdata[0];

          sw_trace_record (first->trace, SW_EVENT_WAIT_BEGIN, 0, first->id, 0);
          while (iter->n_finished_taken == waiter->finished->len)
            {
              if (iter->end_time == G_MAXINT64)
                g_cond_wait (&waiter->cond, &waiter->mutex);
              else if (!g_cond_wait_until (&waiter->cond, &waiter->mutex, iter->end_time))
                break;
            }
          sw_trace_record (first->trace, SW_EVENT_WAIT_END,
                           iter->n_finished_taken < waiter->finished->len ? 0 : SW_EVENT_FLAG_FAILED,
                           first->id, 0);
        }
      if (iter->n_finished_taken < waiter->finished->len)
        next = waiter->finished->pdata[iter->n_finished_taken++];
      g_mutex_unlock (&waiter->mutex);

      if (next == NULL)
        {
          g_set_error (error, SW_ERROR, SW_ERROR_TIMED_OUT,
                       _("%u (of %u) futures unfinished"), n_total - iter->n_yielded, n_total);
          return NULL;
        }
    }

  if (next == NULL)
    return NULL;

  iter->n_yielded++;
  return g_object_ref (next);
}

/* Futures not yet yielded are left alone: dropping the iterator does not
 * cancel anything. */
void
sw_as_completed_free (SwAsCompleted *iter)
{
  if (iter == NULL)
    return;

  for (guint i = 0; i < iter->futures->len; i++)
    if (iter->registered[i])
      sw_future_remove_waiter (iter->futures->pdata[i], &iter->waiter);
  sw_waiter_clear (&iter->waiter);
  g_ptr_array_unref (iter->ready);
  g_free (iter->registered);
  g_ptr_array_unref (iter->futures);
  g_free (iter);
}
