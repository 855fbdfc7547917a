/* sw-thread-pool.c — ThreadPoolExecutor on GThreadPool
 *
 * GThreadPool (non-exclusive) supplies the threads: one that a pool gave
 * back is parked in GLib's shared set of unused threads, and the next push
 * of any pool takes a parked thread before it spawns a new one.  The task
 * queue and the worker bookkeeping are ours, in an SwPoolCore:
 *
 *  - A worker is one GThreadPool job that loops over our queue until
 *    shutdown, like the threads of concurrent.futures: a pool of four has
 *    four threads and four lanes for its whole life.
 *  - A worker counts itself idle as soon as the task body returns, before
 *    it completes the future.  So a caller that waits for each result
 *    before it submits the next task always gets the same thread back.
 *    (With tasks pushed straight into GThreadPool, that next push races the
 *    worker's way back to the queue and sometimes starts a second thread.)
 *  - shutdown(cancel_futures) can take the pending items out of our queue
 *    and cancel them; GThreadPool's queue cannot be drained that way.
 *  - The workers hold the core, not the GObject, so the last unref of the
 *    pool may happen anywhere, even in a done-callback on a worker.
 *
 * As an SwExecutor, a named task (sw-tasks.h) is an ordinary work item
 * whose body calls sw_tasks_run on the worker.
 *
 * Events: submit records TASK_SUBMIT on the caller's lane, a worker
 * records TASK_START on its own; the future records END/ERROR/CANCEL and
 * the callbacks (see sw-future.c).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-thread-pool.h"

#include "sw-ctx-switches.h"
#include "sw-error.h"
#include "sw-future-private.h"
#include "sw-variant-private.h"

/* How many times an idle worker yields before it parks (see wait_for_work). */
#define IDLE_YIELDS 16

typedef struct
{
  GList           link;        /* in SwPoolCore.inbox or .queue; data is the item */
  SwFuture       *future;      /* owned */
  SwTaskFunc      func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} SwWorkItem;

/* Shared by the GObject and its workers (g_atomic_rc_box). */
typedef struct
{
  /* Immutable after creation. */
  SwTrace      *trace;         /* owned */
  GCancellable *cancellable;   /* owned; cancelled by shutdown(cancel_futures) */
  SwCtxSampler *sampler;       /* owned; reads the workers' context switches */
  guint         max_workers;

  gint          n_named;       /* atomic: worker lanes named, for "worker N" */

  /* A submit never takes @mutex (unless it starts or wakes a worker): it
   * pushes its item onto @inbox, a lock-free stack, newest first.  The
   * workers, under @mutex, move the whole stack into @queue in one
   * exchange.  With the submitting thread the busiest one when tasks are
   * short, it must not queue behind workers for a lock.  Shutdown swaps
   * in INBOX_CLOSED, so a later push sees it and fails. */
  GList        *inbox;         /* atomic */
  gint          n_queued;      /* atomic: items in @inbox and @queue */
  gint          n_idle;        /* atomic: workers not inside a task body */
  gint          n_sleeping;    /* atomic, changed under @mutex: workers
                                * blocked on @work_cond */
  gint          n_workers;     /* atomic, changed under @mutex: loops started
                                * or about to start */
  gint          n_spinning;    /* atomic: idle workers looking without parking, 0 or 1 */

  /* @mutex guards @queue and the waits.  @work_cond: an item was queued
   * or the pool shut down.  @exit_cond: a worker left its loop. */
  GMutex        mutex;
  GCond         work_cond;
  GCond         exit_cond;
  GQueue        queue;         /* of SwWorkItem.link, oldest first */

  GMutex        print_lock;    /* guards the two below, read at submit */
  SwTaskPrintFunc print;       /* for named tasks */
  gpointer      print_data;
} SwPoolCore;

static char inbox_closed_marker;
#define INBOX_CLOSED ((GList *) &inbox_closed_marker)

/* Per worker thread, on its stack; reached through sw_current_worker. */
typedef struct
{
  SwPoolCore *core;
  gboolean    completing;      /* counted idle but still completing a task */
  SwCtxLane  *ctx_lane;        /* this thread's context switches, in this pool */
} SwWorker;

struct _SwThreadPool
{
  GObject parent_instance;

  /* Immutable after sw_thread_pool_new, until dispose. */
  SwPoolCore  *core;           /* owned reference */
  GThreadPool *threads;        /* owned; NULL once disposed */
  guint64      id;
};

static void sw_thread_pool_executor_init (SwExecutorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SwThreadPool, sw_thread_pool, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SW_TYPE_EXECUTOR, sw_thread_pool_executor_init))

static GPrivate sw_current_worker;     /* SwWorker* on a worker, NULL elsewhere */
static guint64  sw_thread_pool_last_id; /* atomic */

static void
sw_pool_core_clear (gpointer data)
{
  SwPoolCore *core = data;

  /* Reached only after the last worker left, and a worker leaves only
   * once the queue is empty. */
  g_warn_if_fail (g_queue_is_empty (&core->queue));
  g_warn_if_fail (core->inbox == NULL || core->inbox == INBOX_CLOSED);

  g_clear_object (&core->trace);
  g_clear_pointer (&core->sampler, sw_ctx_sampler_free);
  g_clear_object (&core->cancellable);
  g_mutex_clear (&core->mutex);
  g_mutex_clear (&core->print_lock);
  g_cond_clear (&core->work_cond);
  g_cond_clear (&core->exit_cond);
}

static void
sw_pool_core_unref (SwPoolCore *core)
{
  g_atomic_rc_box_release_full (core, sw_pool_core_clear);
}

static void
sw_work_item_free (SwWorkItem *item)
{
  if (item->destroy != NULL)
    item->destroy (item->user_data);
  g_object_unref (item->future);
  g_free (item);
}

static gboolean
sw_pool_core_on_own_worker (SwPoolCore *core)
{
  SwWorker *worker = g_private_get (&sw_current_worker);

  return worker != NULL && worker->core == core;
}

/* Runs one item on a worker thread, then frees it. */
static void
sw_pool_core_run_item (SwPoolCore *core,
                       SwWorker   *worker,
                       SwWorkItem *item)
{
  SwFuture *future = item->future;
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;
  gboolean run;

  /* FALSE when it was cancelled while queued: skip it. */
  run = _sw_future_set_running (future);
  if (run)
    {
      sw_ctx_lane_sample_self_throttled (worker->ctx_lane);
      sw_trace_record (core->trace, SW_EVENT_TASK_START, 0, sw_future_get_id (future), 0);
      value = item->func (item->user_data, core->cancellable, &error);
      sw_ctx_lane_sample_self_throttled (worker->ctx_lane);
    }

  /* Idle from here on, before the caller can see the result: see the top
   * of the file.  A submit racing with it at worst starts a worker early;
   * a caller that saw the result sees it. */
  g_atomic_int_inc (&core->n_idle);
  worker->completing = TRUE;

  if (!run)
    ;
  else if (value != NULL)
    {
      /* The task returns a new or a floating reference: own it either way. */
      value = sw_variant_take_ref (value);
      _sw_future_set_result (future, value);
      g_variant_unref (value);
    }
  else if (error != NULL)
    _sw_future_set_error (future, g_steal_pointer (&error));
  else
    _sw_future_set_error (future, g_error_new (SW_ERROR, SW_ERROR_FAILED,
                                               _("Task %s returned neither a result nor an error"),
                                               sw_future_get_label (future)));

  sw_work_item_free (item);
  worker->completing = FALSE;
}

/* A GThreadPool job: one worker's whole life.  @data is a core reference
 * given by the submit that started it. */
/* Called and returns with @mutex held.  Before parking on the condition,
 * a worker that just ran out of work gives its core away a few times and
 * looks again: when tasks come as fast as they run, the next one is then
 * there without a futex sleep and wake-up per task, which cost more than
 * a trivial task itself.  Bounded: then it parks. */
static gboolean
inbox_is_closed (SwPoolCore *core)
{
  return g_atomic_pointer_get (&core->inbox) == INBOX_CLOSED;
}

/* With @mutex held: appends a stack taken from @inbox (newest first) to
 * @queue, oldest first. */
static void
queue_append_stack_locked (SwPoolCore *core,
                           GList      *stack)
{
  GQueue in_order = G_QUEUE_INIT;

  while (stack != NULL && stack != INBOX_CLOSED)
    {
      GList *link = stack;

      stack = link->next;
      link->next = NULL;
      g_queue_push_head_link (&in_order, link);
    }
  while (!g_queue_is_empty (&in_order))
    g_queue_push_tail_link (&core->queue, g_queue_pop_head_link (&in_order));
}

/* With @mutex held: the oldest item, taking in the inbox when the queue
 * ran dry; NULL when there is none. */
static GList *
take_work_locked (SwPoolCore *core)
{
  GList *link;

  if (g_queue_is_empty (&core->queue))
    {
      GList *stack = g_atomic_pointer_get (&core->inbox);

      while (stack != NULL && stack != INBOX_CLOSED &&
             !g_atomic_pointer_compare_and_exchange (&core->inbox, stack, NULL))
        stack = g_atomic_pointer_get (&core->inbox);
      queue_append_stack_locked (core, stack);
    }

  link = g_queue_pop_head_link (&core->queue);
  if (link != NULL)
    g_atomic_int_add (&core->n_queued, -1);
  return link;
}

/* Lock-free; FALSE once the pool shut down. */
static gboolean
inbox_push (SwPoolCore *core,
            GList      *link)
{
  GList *head;

  do
    {
      head = g_atomic_pointer_get (&core->inbox);
      if (head == INBOX_CLOSED)
        return FALSE;
      link->next = head;
    }
  while (!g_atomic_pointer_compare_and_exchange (&core->inbox, head, link));
  return TRUE;
}

/* Called and returns with @mutex held; NULL once the pool shut down and
 * its queue is empty.
 *
 * Before parking on the condition, one idle worker at a time gives its
 * core away a few times and looks again: when tasks come as fast as they
 * run, the next one is then there without a futex sleep and wake-up per
 * task, which cost more than a trivial task itself.  Only one, because
 * spinning workers take CPU time from the thread that submits, and it is
 * the busiest one.  A worker that finds more work queued behind its own
 * wakes a sleeping one, so a burst spreads over the pool without the
 * submitter paying for the wake-ups. */
static GList *
wait_for_work (SwPoolCore *core,
               SwWorker   *worker)
{
  GList *link;

  link = take_work_locked (core);
  if (link == NULL && !inbox_is_closed (core) &&
      g_atomic_int_compare_and_exchange (&core->n_spinning, 0, 1))
    {
      /* Look without the mutex, which the other workers need. */
      g_mutex_unlock (&core->mutex);
      for (guint spin = 0;
           spin < IDLE_YIELDS && g_atomic_int_get (&core->n_queued) == 0 && !inbox_is_closed (core);
           spin++)
        g_thread_yield ();
      /* Not spinning any more before the last look (see submit). */
      g_atomic_int_set (&core->n_spinning, 0);
      g_mutex_lock (&core->mutex);
      link = take_work_locked (core);
    }

  while (link == NULL && !inbox_is_closed (core))
    {
      /* Counted as sleeping before the last look: a submit pushes, then
       * looks at n_sleeping; we count ourselves, then look at the inbox.
       * One of the two sees the other, so no wake-up is lost. */
      g_atomic_int_inc (&core->n_sleeping);
      if (g_atomic_pointer_get (&core->inbox) == NULL)
        {
          /* What throttling skipped belongs before the idle time. */
          if (worker->ctx_lane != NULL)
            sw_ctx_lane_sample_self (worker->ctx_lane);
          g_cond_wait (&core->work_cond, &core->mutex);
        }
      g_atomic_int_add (&core->n_sleeping, -1);
      link = take_work_locked (core);
    }

  if (link != NULL && g_atomic_int_get (&core->n_queued) > 0 &&
      g_atomic_int_get (&core->n_sleeping) > 0)
    g_cond_signal (&core->work_cond);

  return link;
}

static void
sw_thread_pool_worker (gpointer data,
                       gpointer user_data)
{
  SwPoolCore *core = data;
  SwWorker worker = { core, FALSE, NULL };
  gboolean named = FALSE;

  g_private_set (&sw_current_worker, &worker);

  g_mutex_lock (&core->mutex);
  for (;;)
    {
      GList *link;

      link = wait_for_work (core, &worker);
      if (link == NULL)
        break;
      g_atomic_int_add (&core->n_idle, -1);
      g_mutex_unlock (&core->mutex);

      /* A thread that some earlier pool of this trace named keeps its name. */
      if (!named && !sw_trace_thread_has_lane (core->trace))
        {
          char name[32];

          g_snprintf (name, sizeof name, "worker %d", g_atomic_int_add (&core->n_named, 1) + 1);
          sw_trace_name_thread (core->trace, name);
        }
      named = TRUE;
      if (worker.ctx_lane == NULL)
        worker.ctx_lane = sw_ctx_sampler_add_self (core->sampler, sw_trace_get_thread_lane (core->trace));

      sw_pool_core_run_item (core, &worker, link->data);

      g_mutex_lock (&core->mutex);
    }
  /* Before shutdown(wait) can return and the trace be read. */
  if (worker.ctx_lane != NULL)
    sw_ctx_lane_sample_self (worker.ctx_lane);
  g_atomic_int_add (&core->n_workers, -1);
  g_atomic_int_add (&core->n_idle, -1);
  g_cond_broadcast (&core->exit_cond);
  g_mutex_unlock (&core->mutex);

  g_private_set (&sw_current_worker, NULL);
  sw_pool_core_unref (core);
}

static void
sw_pool_core_shutdown (SwPoolCore *core,
                       guint64     pool_id,
                       gboolean    wait,
                       gboolean    cancel_futures)
{
  GQueue cancelled = G_QUEUE_INIT;
  GList *stack, *link;

  g_mutex_lock (&core->mutex);
  stack = g_atomic_pointer_exchange (&core->inbox, INBOX_CLOSED);
  if (stack != INBOX_CLOSED)
    sw_trace_record (core->trace, SW_EVENT_POOL_SHUTDOWN, 0, pool_id, wait ? 1 : 0);
  queue_append_stack_locked (core, stack);
  if (cancel_futures)
    {
      cancelled = core->queue;
      g_queue_init (&core->queue);
      g_atomic_int_add (&core->n_queued, - (gint) cancelled.length);
    }
  if (g_atomic_int_get (&core->n_sleeping) > 0)
    g_cond_broadcast (&core->work_cond);
  g_mutex_unlock (&core->mutex);

  /* Out of the lock: cancelling runs done-callbacks, which may call us. */
  if (cancel_futures)
    {
      while ((link = g_queue_pop_head_link (&cancelled)) != NULL)
        {
          SwWorkItem *item = link->data;

          sw_future_cancel (item->future);
          sw_work_item_free (item);
        }
      g_cancellable_cancel (core->cancellable);
    }

  if (wait)
    {
      gboolean waited = FALSE;

      /* Recorded only when it blocks.  Object 0: a wait for the whole
       * pool, not for one future. */
      g_mutex_lock (&core->mutex);
      while (g_atomic_int_get (&core->n_workers) > 0)
        {
          if (!waited)
            sw_trace_record (core->trace, SW_EVENT_WAIT_BEGIN, 0, 0, pool_id);
          waited = TRUE;
          g_cond_wait (&core->exit_cond, &core->mutex);
        }
      g_mutex_unlock (&core->mutex);
      if (waited)
        sw_trace_record (core->trace, SW_EVENT_WAIT_END, 0, 0, pool_id);
    }
}

static void
sw_thread_pool_dispose (GObject *object)
{
  SwThreadPool *self = SW_THREAD_POOL (object);

  if (self->threads != NULL)
    {
      /* On one of our own workers (the last reference went in a callback)
       * waiting would wait for ourselves; the workers still finish the
       * queue, and GLib frees the GThreadPool after its last job. */
      gboolean wait = !sw_pool_core_on_own_worker (self->core);

      sw_pool_core_shutdown (self->core, self->id, wait, FALSE);
      g_thread_pool_free (g_steal_pointer (&self->threads), FALSE, wait);
    }

  G_OBJECT_CLASS (sw_thread_pool_parent_class)->dispose (object);
}

static void
sw_thread_pool_finalize (GObject *object)
{
  SwThreadPool *self = SW_THREAD_POOL (object);

  g_clear_pointer (&self->core, sw_pool_core_unref);

  G_OBJECT_CLASS (sw_thread_pool_parent_class)->finalize (object);
}

static void
sw_thread_pool_class_init (SwThreadPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sw_thread_pool_dispose;
  object_class->finalize = sw_thread_pool_finalize;
}

static void
sw_thread_pool_init (SwThreadPool *self)
{
}

/**
 * sw_thread_pool_new:
 * @trace: where the pool's events go; the pool keeps a reference
 * @max_workers: the most threads the pool runs tasks on, at least 1
 *
 * Threads are started on demand, one per task submitted while no worker
 * is idle, up to @max_workers.
 *
 * Returns: (transfer full) (nullable): a new pool, or NULL with
 *   SW_ERROR_INVALID_ARGUMENT
 */
SwThreadPool *
sw_thread_pool_new (SwTrace  *trace,
                    guint     max_workers,
                    GError  **error)
{
  SwThreadPool *self;
  SwPoolCore *core;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (max_workers == 0 || max_workers > G_MAXINT)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("max_workers must be between 1 and %d, not %u"), G_MAXINT, max_workers);
      return NULL;
    }

  core = g_atomic_rc_box_new0 (SwPoolCore);
  core->trace = g_object_ref (trace);
  core->cancellable = g_cancellable_new ();
  core->sampler = sw_ctx_sampler_new (trace, SW_CTX_SAMPLE_PERIOD_MS);
  core->max_workers = max_workers;
  g_mutex_init (&core->mutex);
  g_mutex_init (&core->print_lock);
  g_cond_init (&core->work_cond);
  g_cond_init (&core->exit_cond);
  g_queue_init (&core->queue);

  self = g_object_new (SW_TYPE_THREAD_POOL, NULL);
  self->core = core;
  self->id = __atomic_add_fetch (&sw_thread_pool_last_id, 1, __ATOMIC_RELAXED);
  /* Non-exclusive pools never fail to be created. */
  self->threads = g_thread_pool_new (sw_thread_pool_worker, NULL, (gint) max_workers,
                                     FALSE, NULL);

  return self;
}

guint
sw_thread_pool_get_max_workers (SwThreadPool *self)
{
  g_return_val_if_fail (SW_IS_THREAD_POOL (self), 0);
  return self->core->max_workers;
}

/**
 * sw_thread_pool_submit:
 * @label: (nullable): the task's name on the timeline
 * @func: the task body, run on a worker thread
 * @destroy: (nullable): frees @user_data once the task ran, was skipped
 *   or could not be submitted
 *
 * Returns: (transfer full) (nullable): the task's future, or NULL with
 *   SW_ERROR_SHUTDOWN after shutdown
 */
SwFuture *
sw_thread_pool_submit (SwThreadPool    *self,
                       const char      *label,
                       SwTaskFunc       func,
                       gpointer         user_data,
                       GDestroyNotify   destroy,
                       GError         **error)
{
  SwPoolCore *core;
  SwWorkItem *item;
  SwWorker *worker;
  SwFuture *future;
  gint queued, idle;
  gboolean start_worker = FALSE;
  gboolean recorded;

  g_return_val_if_fail (SW_IS_THREAD_POOL (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  core = self->core;
  worker = g_private_get (&sw_current_worker);

  item = g_new0 (SwWorkItem, 1);
  item->link.data = item;
  item->future = _sw_future_new (core->trace, label);
  item->func = func;
  item->user_data = user_data;
  item->destroy = destroy;
  future = g_object_ref (item->future);

  /* Before the push: a worker may start it the moment it is queued. */
  recorded = !inbox_is_closed (core);
  if (recorded)
    sw_trace_record (core->trace, SW_EVENT_TASK_SUBMIT, 0,
                     sw_future_get_id (future), _sw_future_get_label_id (future));
  if (!inbox_push (core, &item->link))
    {
      /* A submit that lost the race with shutdown after it was recorded
       * ends as cancelled on the timeline; one refused before it was
       * recorded leaves nothing there (a cancel without its submit would
       * count a task that never was). */
      if (recorded)
        sw_future_cancel (future);
      g_object_unref (future);
      sw_work_item_free (item);
      g_set_error_literal (error, SW_ERROR, SW_ERROR_SHUTDOWN,
                           _("cannot schedule new tasks after shutdown"));
      return NULL;
    }
  queued = g_atomic_int_add (&core->n_queued, 1) + 1;

  /* A worker submitting from a done-callback is counted idle but looks at
   * the queue only when the callback returns; not counting it keeps a
   * callback that waits for its new task from waiting on itself. */
  idle = g_atomic_int_get (&core->n_idle);
  if (worker != NULL && worker->core == core && worker->completing)
    idle--;

  if (queued > idle && g_atomic_int_get (&core->n_workers) < (gint) core->max_workers)
    {
      g_mutex_lock (&core->mutex);
      if (g_atomic_int_get (&core->n_workers) < (gint) core->max_workers)
        {
          g_atomic_int_inc (&core->n_workers);
          g_atomic_int_inc (&core->n_idle);
          start_worker = TRUE;
        }
      g_mutex_unlock (&core->mutex);
    }
  /* After the push (see wait_for_work).  A spinning worker takes it
   * without a wake-up; if it finds more, it wakes the next. */
  if (g_atomic_int_get (&core->n_sleeping) > 0 && g_atomic_int_get (&core->n_spinning) == 0)
    {
      g_mutex_lock (&core->mutex);
      g_cond_signal (&core->work_cond);
      g_mutex_unlock (&core->mutex);
    }

  if (start_worker)
    {
      g_autoptr(GError) local_error = NULL;

      /* Like g_thread_new, treat a thread that cannot be created as fatal:
       * the job stays queued in GThreadPool with no thread to run it. */
      if (!g_thread_pool_push (self->threads, g_atomic_rc_box_acquire (core), &local_error))
        g_error ("Cannot start a worker thread: %s", local_error->message);
    }

  return future;
}

/**
 * sw_thread_pool_shutdown:
 * @wait: return only once every submitted task finished and its
 *   callbacks ran
 * @cancel_futures: cancel the tasks that have not started, and the
 *   cancellable the running ones were given
 *
 * Submits fail from now on.  Tasks already queued still run unless
 * @cancel_futures.  Calling it again is harmless (and can wait).  A worker
 * of this pool cannot wait for it.
 */
void
sw_thread_pool_shutdown (SwThreadPool *self,
                         gboolean      wait,
                         gboolean      cancel_futures)
{
  g_return_if_fail (SW_IS_THREAD_POOL (self));

  if (wait && sw_pool_core_on_own_worker (self->core))
    {
      g_critical ("%s: a task or callback of the pool cannot wait for the pool to shut down",
                  G_STRFUNC);
      wait = FALSE;
    }

  sw_pool_core_shutdown (self->core, self->id, wait, cancel_futures);
}

/* A named task, as a work item's user_data. */
/* A named task, as a work item's user_data.  Its trace and cancellable
 * are the core's, borrowed: an item never outlives the core (a worker
 * frees it holding a core reference, shutdown and submit with the pool
 * alive). */
typedef struct
{
  SwTaskContext  context;
  const char    *task;         /* the registry's static name */
  GVariant      *args;         /* sunk; nullable */
} SwNamedTaskCall;

static void
sw_named_task_call_free (gpointer data)
{
  SwNamedTaskCall *call = data;

  g_clear_pointer (&call->args, g_variant_unref);
  g_free (call);
}

static GVariant *
sw_named_task_worker (gpointer       user_data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  SwNamedTaskCall *call = user_data;

  /* sw_tasks_run sinks a floating argument and only borrows ours. */
  return sw_tasks_run (&call->context, call->task, call->args, error);
}

static SwFuture *
sw_thread_pool_submit_task (SwExecutor  *executor,
                            const char  *label,
                            const char  *task,
                            GVariant    *args,
                            GError     **error)
{
  SwThreadPool *self = SW_THREAD_POOL (executor);
  SwPoolCore *core = self->core;
  const SwTaskInfo *info;
  SwNamedTaskCall *call;

  /* An unknown name fails here, at once, rather than in a worker. */
  info = sw_tasks_lookup (task, error);
  if (info == NULL)
    {
      if (args != NULL)
        g_variant_unref (g_variant_ref_sink (args));
      return NULL;
    }

  call = g_new0 (SwNamedTaskCall, 1);
  call->context.trace = core->trace;
  call->context.cancellable = core->cancellable;
  call->context.in_worker = FALSE;
  call->task = info->name;
  call->args = args != NULL ? sw_variant_ref_sink (args) : NULL;
  g_mutex_lock (&core->print_lock);
  call->context.print = core->print;
  call->context.print_data = core->print_data;
  g_mutex_unlock (&core->print_lock);

  return sw_thread_pool_submit (self, label != NULL ? label : task, sw_named_task_worker,
                                call, sw_named_task_call_free, error);
}

static void
sw_thread_pool_executor_shutdown (SwExecutor *executor,
                                  gboolean    wait,
                                  gboolean    cancel_futures)
{
  sw_thread_pool_shutdown (SW_THREAD_POOL (executor), wait, cancel_futures);
}

/* Lines are printed on the worker thread that runs the task; the function
 * in effect when a task is submitted is the one it uses. */
static void
sw_thread_pool_set_print_func (SwExecutor      *executor,
                               SwTaskPrintFunc  func,
                               gpointer         user_data)
{
  SwPoolCore *core = SW_THREAD_POOL (executor)->core;

  g_mutex_lock (&core->print_lock);
  core->print = func;
  core->print_data = user_data;
  g_mutex_unlock (&core->print_lock);
}

static GCancellable *
sw_thread_pool_executor_get_cancellable (SwExecutor *executor)
{
  return SW_THREAD_POOL (executor)->core->cancellable;
}

static void
sw_thread_pool_executor_init (SwExecutorInterface *iface)
{
  iface->submit_task = sw_thread_pool_submit_task;
  iface->shutdown = sw_thread_pool_executor_shutdown;
  iface->set_print_func = sw_thread_pool_set_print_func;
  iface->get_cancellable = sw_thread_pool_executor_get_cancellable;
}
