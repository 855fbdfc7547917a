/* sw-executor-map.c — Executor.map() for any SwExecutor
 *
 * As in concurrent.futures: every task is submitted before the first
 * result is asked for; results come back in submission order whatever
 * order the tasks finish in; the first failure ends the iteration with
 * that task's error; the timeout counts from the map call, not from each
 * next(); and when the iteration ends early (a failure, a timeout, or the
 * iterator freed before the end) the futures not yet yielded are
 * cancelled, as Python does when its result generator is closed.
 *
 * An executor may refuse an element's arguments at submit (the process
 * pool checks their type before it sends them); map reports that error at
 * the element, like any other failure of that task, so where an executor
 * checks does not change what map does.  Only a refused executor (shut
 * down, broken) fails the map call itself.
 */
#include "config.h"

#include "sw-executor.h"

#include "sw-error.h"

struct _SwMapIter
{
  GPtrArray *futures;   /* owned, in submission order; NULL where the
                         * submit refused the element's arguments */
  GPtrArray *errors;    /* owned GError per element, or NULL */
  guint      next;      /* index of the next future to yield */
  gint64     end_time;  /* monotonic; G_MAXINT64 for no timeout */
  gboolean   ended;     /* a failure or timeout ended the iteration */
};

static void
sw_map_clear_object (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
sw_map_clear_error (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

/* Cancels what was not yielded; running tasks finish, unobserved. */
static void
sw_map_iter_cancel_rest (SwMapIter *iter)
{
  for (guint i = iter->next; i < iter->futures->len; i++)
    if (iter->futures->pdata[i] != NULL)
      sw_future_cancel (iter->futures->pdata[i]);
}

/**
 * sw_executor_map:
 * @task: a name from the task registry
 * @args: (array length=n_args): the arguments of each task; floating
 *   references are sunk
 * @timeout_us: how long, from now, the whole iteration may take: -1 (any
 *   negative) forever
 *
 * Submits one task per element of @args, all at once, labelled with the
 * task's name.  Arguments refused at submit fail at their element; if a
 * submit fails for another reason (the executor is shut down or broken),
 * the tasks already submitted are cancelled and nothing is returned.
 *
 * Returns: (transfer full) (nullable): an iterator over the results, or
 *   NULL with @error
 */
SwMapIter *
sw_executor_map (SwExecutor       *self,
                 const char       *task,
                 GVariant * const *args,
                 guint             n_args,
                 gint64            timeout_us,
                 GError          **error)
{
  g_autoptr(GPtrArray) futures = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  gint64 end_time;
  SwMapIter *iter;

  g_return_val_if_fail (SW_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (args != NULL || n_args == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* From the call, as Python's map computes end_time before submitting. */
  end_time = timeout_us < 0 ? G_MAXINT64 : g_get_monotonic_time () + timeout_us;

  futures = g_ptr_array_new_full (n_args, sw_map_clear_object);
  errors = g_ptr_array_new_full (n_args, sw_map_clear_error);
  for (guint i = 0; i < n_args; i++)
    {
      g_autoptr(GError) local_error = NULL;
      SwFuture *future = sw_executor_submit_task (self, NULL, task, args[i], &local_error);

      if (future == NULL && g_error_matches (local_error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT))
        {
          g_ptr_array_add (futures, NULL);
          g_ptr_array_add (errors, g_steal_pointer (&local_error));
          continue;
        }
      if (future == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          /* Sink the floating arguments that were never handed over. */
          for (guint j = i + 1; j < n_args; j++)
            if (args[j] != NULL && g_variant_is_floating (args[j]))
              g_variant_unref (g_variant_ref_sink (args[j]));
          for (guint j = 0; j < futures->len; j++)
            if (futures->pdata[j] != NULL)
              sw_future_cancel (futures->pdata[j]);
          return NULL;
        }
      g_ptr_array_add (futures, future);
      g_ptr_array_add (errors, NULL);
    }

  iter = g_new0 (SwMapIter, 1);
  iter->futures = g_steal_pointer (&futures);
  iter->errors = g_steal_pointer (&errors);
  iter->end_time = end_time;

  return iter;
}

/**
 * sw_map_iter_next:
 * @value: (out) (transfer full): the next result
 *
 * Blocks until the next task in submission order is done, or the map's
 * timeout runs out (SW_ERROR_TIMED_OUT).  The wait is recorded like
 * sw_future_result()'s.
 *
 * Returns: TRUE with *@value set; FALSE at the end (no error) or on the
 *   first failure (@error set: the task's error, SW_ERROR_CANCELLED or
 *   SW_ERROR_TIMED_OUT), after which it keeps returning FALSE
 */
gboolean
sw_map_iter_next (SwMapIter  *iter,
                  GVariant  **value,
                  GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  SwFuture *future;
  gint64 timeout_us;
  GVariant *result;

  g_return_val_if_fail (iter != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *value = NULL;
  if (iter->ended || iter->next >= iter->futures->len)
    return FALSE;

  future = iter->futures->pdata[iter->next];
  if (future == NULL)
    {
      /* Refused at submit: this element's failure. */
      iter->next++;
      iter->ended = TRUE;
      sw_map_iter_cancel_rest (iter);
      g_propagate_error (error, g_error_copy (iter->errors->pdata[iter->next - 1]));
      return FALSE;
    }
  if (iter->end_time == G_MAXINT64)
    timeout_us = -1;
  else
    timeout_us = MAX (iter->end_time - g_get_monotonic_time (), 0);

  result = sw_future_result (future, timeout_us, &local_error);
  iter->next++;
  if (result == NULL)
    {
      /* A timed-out task that has not started is cancelled too. */
      sw_future_cancel (future);
      iter->ended = TRUE;
      sw_map_iter_cancel_rest (iter);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *value = result;
  return TRUE;
}

/**
 * sw_map_iter_free:
 *
 * Cancels the tasks whose results were not yielded yet (those already
 * running still finish).
 */
void
sw_map_iter_free (SwMapIter *iter)
{
  if (iter == NULL)
    return;

  sw_map_iter_cancel_rest (iter);
  g_ptr_array_unref (iter->futures);
  g_ptr_array_unref (iter->errors);
  g_free (iter);
}
