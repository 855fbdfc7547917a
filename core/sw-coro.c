/* sw-coro.c — the per-thread coroutine scheduler
 *
 * One scheduler per thread, made on first use and bound to the thread's
 * thread-default GMainContext.  Its only GSource watches one epoll fd (every
 * fd a coroutine waits on is registered there: a socket's once,
 * edge-triggered, so a wait after EAGAIN costs no syscall; a raw fd
 * EPOLLONESHOT for each wait), so the main loop polls one fd however many
 * coroutines wait, and its prepare gives the earliest deadline of a
 * min-heap of timers (0 while coroutines are ready), so an idle scheduler
 * costs nothing.
 *
 * Switches go directly from the coroutine that blocks to the next ready
 * one; only when none is ready (after a non-blocking look at epoll and the
 * timers) does control return to the thread, i.e. to the source's dispatch
 * and the main loop.  A dispatch runs for at most a slice of time so a
 * thread full of yielding coroutines still serves its other sources.
 *
 * The thread's own code plays gevent's main greenlet: when it joins, sleeps
 * or waits, it iterates the main context until its wait is over.  Such a
 * thread wait is a waiter on the C stack, so waits may nest (a GTK handler
 * that joins while the thread is already joining).
 *
 * A coroutine's stack is freed by whatever runs next after its last switch,
 * never on itself.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-coro.h"
#include "sw-coro-private.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw-coro-context.h"

/* How long one dispatch may run coroutines before the main loop gets the
 * thread back, and how many switches go by between looks at the clock. */
#define SLICE_US         4000
#define SLICE_CHECK_EVERY  16
#define MAX_EPOLL_EVENTS  128

typedef enum {
  CO_READY,
  CO_RUNNING,
  CO_WAITING,
  CO_DONE,
} CoState;

typedef enum {
  WAKE_OK,
  WAKE_TIMED_OUT,
  WAKE_CANCELLED,
} WakeResult;

typedef struct _SwScheduler SwScheduler;

struct _SwCoroutine
{
  gint             ref_count;    /* atomic */
  SwScheduler     *sched;        /* set once */
  char            *name;         /* set once */
  guint32          lane;         /* set once; 0 when spawned untraced */
  gboolean         is_thread;    /* a thread waiter or the thread itself */

  /* owned by the scheduler's thread */
  SwCoroutineFunc  func;
  gpointer         arg;
  GDestroyNotify   arg_destroy;
  SwCoroStack     *stack;
  SwCoroContext   *context;
  CoState          state;
  gboolean         cancelled;    /* sticky: every later wait fails */
  WakeResult       wake_result;
  SwCoroutine     *ready_next;

  gint64           deadline;
  guint            heap_index;   /* G_MAXUINT: not in the timer heap */

  int              wait_fd;      /* −1: not waiting on an fd */
  GIOCondition     wait_events;

  SwCoroutine     *join_target;  /* what this one waits to exit */
  SwCoroutine     *join_prev;
  SwCoroutine     *join_next;
  SwCoroutine     *joiners;      /* waiting for this one to exit */

  gint             done;         /* atomic: read by sw_co_is_done and other threads */
  gpointer         result;
  GError          *error;
};

/* An fd is in epoll in one of two ways.  Raw fds (sw_co_wait_readable,
 * connect's fd) are armed EPOLLONESHOT for each wait.  A socket's fd that
 * co-io waits on is registered once, edge-triggered, and stays registered
 * until it is forgotten or closed, so a wait after EAGAIN is no syscall at
 * all: the coroutine just parks on the fd's slot.  The registration carries
 * the socket's serial (in the event data too), so a closed fd whose number
 * is reused by another socket is re-registered on its first wait, and a
 * stale event (from a dup that kept the old file in epoll) wakes nobody. */
typedef struct
{
  SwCoroutine *reader;
  SwCoroutine *writer;
  gboolean     registered;   /* in epoll (possibly disarmed) */
  guint32      et_events;    /* 0: one-shot mode; else what is registered edge-triggered */
  guint32      serial;       /* the socket registered edge-triggered; 0: none */
  guint32      hup;          /* EPOLLRDHUP, _HUP, _ERR seen edge-triggered: these
                              * last, so a wait after a read that did not say
                              * EAGAIN (the echo server's short read) must not
                              * wait for an edge that already came */
} FdState;

typedef struct
{
  GSource      source;
  SwScheduler *sched;
} SchedSource;

struct _SwScheduler
{
  GThread      *thread;       /* set once: the owner */
  GMainContext *main_context; /* set once */
  GSource      *source;
  gpointer      epoll_tag;
  int           epfd;
  gint          tid;

  SwCoroutine   thread_co;    /* the thread itself: a context to return to */
  SwCoroutine  *current;      /* &thread_co in the thread's own code */
  SwCoroutine  *dead;         /* exited, its stack still to free */

  SwCoroutine  *ready_head;
  SwCoroutine  *ready_tail;

  SwCoroutine **heap;
  guint         heap_len;
  guint         heap_cap;

  FdState      *fds;
  guint         n_fds;
  guint         n_fd_waiters;
  struct epoll_event events[MAX_EPOLL_EVENTS];

  gboolean      slice_over;
  guint         slice_countdown;
  gint64        slice_end;

  /* Why the thread's own code is in the main loop (the reason its switch
   * to a coroutine records): its innermost wait, or YIELD for the loop. */
  SwSwitchReason thread_reason;
  guint64        thread_arg;
  gboolean       thread_joining;  /* a ThreadJoin is recorded and open */

  SwTrace      *trace;
  guint32       thread_lane;
  gsize         stack_size;
  guint64       switch_count;
  guint         n_live;
};

#define SW_TLS __thread __attribute__ ((tls_model ("initial-exec")))

static SW_TLS SwScheduler *thread_sched;

static void scheduler_free (gpointer data);
static GPrivate sched_private = G_PRIVATE_INIT (scheduler_free);

/* Timer heap (min-heap by deadline) */

static inline gboolean
heap_less (SwScheduler *sched,
           guint        a,
           guint        b)
{
  return sched->heap[a]->deadline < sched->heap[b]->deadline;
}

static inline void
heap_swap (SwScheduler *sched,
           guint        a,
           guint        b)
{
  SwCoroutine *tmp = sched->heap[a];

  sched->heap[a] = sched->heap[b];
  sched->heap[b] = tmp;
  sched->heap[a]->heap_index = a;
  sched->heap[b]->heap_index = b;
}

static void
heap_up (SwScheduler *sched,
         guint        i)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!heap_less (sched, i, parent))
        break;
      heap_swap (sched, i, parent);
      i = parent;
    }
}

static void
heap_down (SwScheduler *sched,
           guint        i)
{
  for (;;)
    {
      guint left = 2 * i + 1;
      guint right = left + 1;
      guint smallest = i;

      if (left < sched->heap_len && heap_less (sched, left, smallest))
        smallest = left;
      if (right < sched->heap_len && heap_less (sched, right, smallest))
        smallest = right;
      if (smallest == i)
        break;
      heap_swap (sched, i, smallest);
      i = smallest;
    }
}

static void
heap_push (SwScheduler *sched,
           SwCoroutine *co)
{
  if (sched->heap_len == sched->heap_cap)
    {
      sched->heap_cap = MAX (64, sched->heap_cap * 2);
      sched->heap = g_renew (SwCoroutine *, sched->heap, sched->heap_cap);
    }
  co->heap_index = sched->heap_len++;
  sched->heap[co->heap_index] = co;
  heap_up (sched, co->heap_index);
}

static void
heap_remove (SwScheduler *sched,
             SwCoroutine *co)
{
  guint i = co->heap_index;
  guint last = --sched->heap_len;

  co->heap_index = G_MAXUINT;
  if (i == last)
    return;
  sched->heap[i] = sched->heap[last];
  sched->heap[i]->heap_index = i;
  heap_down (sched, i);
  heap_up (sched, i);
}

/* The fd table and epoll */

static FdState *
fd_state (SwScheduler *sched,
          int          fd)
{
  if ((guint) fd >= sched->n_fds)
    {
      guint n = MAX (MAX (64u, (guint) fd + 1), sched->n_fds * 2);

      sched->fds = g_renew (FdState, sched->fds, n);
      memset (sched->fds + sched->n_fds, 0, (n - sched->n_fds) * sizeof (FdState));
      sched->n_fds = n;
    }
  return &sched->fds[fd];
}

/* Arms @fd for whoever waits on it, or drops it from epoll when nobody
 * does.  Returns 0 or an errno. */
static int
fd_arm (SwScheduler *sched,
        int          fd)
{
  FdState *st = &sched->fds[fd];
  struct epoll_event ev = { 0 };
  int op;

  ev.events = (st->reader ? EPOLLIN | EPOLLRDHUP : 0) | (st->writer ? EPOLLOUT : 0);
  ev.data.u64 = (guint64) fd;

  /* Edge-triggered registrations stay as they are when nobody waits. */
  if (ev.events == 0 && st->et_events != 0)
    return 0;
  /* A one-shot wait on an fd registered edge-triggered turns it back. */
  st->et_events = 0;
  st->serial = 0;
  st->hup = 0;

  if (ev.events == 0)
    {
      /* The fd may already be closed (and so out of epoll): fine. */
      if (st->registered)
        (void) epoll_ctl (sched->epfd, EPOLL_CTL_DEL, fd, NULL);
      st->registered = FALSE;
      return 0;
    }

  ev.events |= EPOLLONESHOT;
  op = st->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl (sched->epfd, op, fd, &ev) < 0)
    {
      /* Our idea of the registration is stale: the fd was closed and its
       * number reused, or it is still registered under a dup. */
      if (errno == ENOENT && op == EPOLL_CTL_MOD)
        op = EPOLL_CTL_ADD;
      else if (errno == EEXIST && op == EPOLL_CTL_ADD)
        op = EPOLL_CTL_MOD;
      else
        return errno;
      if (epoll_ctl (sched->epfd, op, fd, &ev) < 0)
        return errno;
    }
  st->registered = TRUE;
  return 0;
}

static void
fd_detach (SwScheduler *sched,
           SwCoroutine *co)
{
  int fd = co->wait_fd;
  FdState *st = &sched->fds[fd];

  if (st->reader == co)
    st->reader = NULL;
  if (st->writer == co)
    st->writer = NULL;
  co->wait_fd = -1;
  sched->n_fd_waiters--;
  (void) fd_arm (sched, fd);
}

/* Waking */

static inline void
ready_push (SwScheduler *sched,
            SwCoroutine *co)
{
  co->state = CO_READY;
  co->ready_next = NULL;
  if (sched->ready_tail != NULL)
    sched->ready_tail->ready_next = co;
  else
    sched->ready_head = co;
  sched->ready_tail = co;
}

static inline SwCoroutine *
ready_pop (SwScheduler *sched)
{
  SwCoroutine *co = sched->ready_head;

  if (co != NULL)
    {
      sched->ready_head = co->ready_next;
      if (sched->ready_head == NULL)
        sched->ready_tail = NULL;
      co->ready_next = NULL;
    }
  return co;
}

static void
join_unlink (SwCoroutine *co)
{
  SwCoroutine *target = co->join_target;

  if (co->join_prev != NULL)
    co->join_prev->join_next = co->join_next;
  else
    target->joiners = co->join_next;
  if (co->join_next != NULL)
    co->join_next->join_prev = co->join_prev;
  co->join_prev = co->join_next = NULL;
  co->join_target = NULL;
}

/* Ends @co's wait, whatever it was waiting for, and makes it ready. */
static void
wake (SwScheduler *sched,
      SwCoroutine *co,
      WakeResult   result)
{
  if (co->state != CO_WAITING)
    return;
  if (co->heap_index != G_MAXUINT)
    heap_remove (sched, co);
  if (co->wait_fd >= 0)
    fd_detach (sched, co);
  if (co->join_target != NULL)
    join_unlink (co);
  co->wake_result = result;

  if (co->is_thread)
    co->state = CO_READY;  /* its loop sees it when the dispatch returns */
  else
    ready_push (sched, co);
}

static void
handle_fd_event (SwScheduler *sched,
                 guint64      data,
                 guint32      revents)
{
  int fd = (int) (guint32) data;
  FdState *st;
  SwCoroutine *reader, *writer;

  if ((guint) fd >= sched->n_fds)
    return;
  st = &sched->fds[fd];
  /* From a registration that is no longer this fd's. */
  if ((guint32) (data >> 32) != st->serial)
    return;
  if (st->et_events != 0)
    st->hup |= revents & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  reader = st->reader;
  writer = st->writer;

  /* EPOLLONESHOT disarmed the fd: wake whoever it is for, then re-arm
   * once for a waiter of the other direction, if any. */
  if (reader != NULL && (revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
    {
      st->reader = NULL;
      reader->wait_fd = -1;
      sched->n_fd_waiters--;
      wake (sched, reader, WAKE_OK);
    }
  if (writer != NULL && (revents & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
    {
      st->writer = NULL;
      writer->wait_fd = -1;
      sched->n_fd_waiters--;
      wake (sched, writer, WAKE_OK);
    }
  if (st->et_events == 0 && (st->reader != NULL || st->writer != NULL))
    (void) fd_arm (sched, fd);
}

/* Non-blocking: readies whoever epoll or the clock has woken. */
static void
poll_events (SwScheduler *sched,
             gboolean     always)
{
  /* Edge-triggered fds queue events even when nobody waits; a dispatch
   * (which epoll's readiness may have caused) drains them. */
  if (sched->n_fd_waiters > 0 || always)
    {
      int n;

      do
        {
          n = epoll_wait (sched->epfd, sched->events, MAX_EPOLL_EVENTS, 0);
          for (int i = 0; i < n; i++)
            handle_fd_event (sched, sched->events[i].data.u64, sched->events[i].events);
        }
      while (n == MAX_EPOLL_EVENTS);
    }

  if (sched->heap_len > 0)
    {
      gint64 now = g_get_monotonic_time ();

      while (sched->heap_len > 0 && sched->heap[0]->deadline <= now)
        wake (sched, sched->heap[0], WAKE_TIMED_OUT);
    }
}

/* Switching */

static void
reap (SwScheduler *sched)
{
  SwCoroutine *co = sched->dead;

  sched->dead = NULL;
  sw_coro_context_free (co->context);
  sw_coro_stack_free (co->stack);
  co->context = NULL;
  co->stack = NULL;
  sw_co_unref (co); /* the scheduler's reference */
}

static inline void
after_switch (SwScheduler *sched)
{
  if (G_UNLIKELY (sched->dead != NULL))
    reap (sched);
}

static inline guint32
lane_of (SwScheduler *sched,
         SwCoroutine *co)
{
  return co->lane ? co->lane : sched->thread_lane;
}

/* Everything a switch does but the switch itself: record it (on the lane
 * giving up the thread), point the thread's events at the new lane, and
 * make @to the running one. */
static inline void
prepare_switch (SwScheduler    *sched,
                SwCoroutine    *from,
                SwCoroutine    *to,
                SwSwitchReason  reason,
                guint64         arg)
{
  if (sched->trace != NULL)
    {
      guint32 to_lane = lane_of (sched, to);

      sw_trace_record_on_lane (sched->trace, lane_of (sched, from), SW_EVENT_CO_SWITCH,
                               (guint16) reason, to_lane, arg);
      sw_trace_set_current_lane (sched->trace, to_lane);
    }
  sched->switch_count++;
  sched->current = to;
  to->state = CO_RUNNING;
}

static inline void
switch_to (SwScheduler    *sched,
           SwCoroutine    *from,
           SwCoroutine    *to,
           SwSwitchReason  reason,
           guint64         arg)
{
  prepare_switch (sched, from, to, reason, arg);
  sw_coro_context_switch (from->context, to->context);
  after_switch (sched);
}

/* The next coroutine to run, or NULL to go back to the thread: nothing
 * ready, or the dispatch's slice is used up. */
static inline SwCoroutine *
next_ready (SwScheduler *sched)
{
  if (G_UNLIKELY (--sched->slice_countdown == 0))
    {
      sched->slice_countdown = SLICE_CHECK_EVERY;
      if (g_get_monotonic_time () >= sched->slice_end)
        sched->slice_over = TRUE;
    }
  if (G_UNLIKELY (sched->slice_over))
    return NULL;
  if (sched->ready_head == NULL)
    poll_events (sched, FALSE);
  return ready_pop (sched);
}

/* Parks @self (registered by the caller in whatever it waits on) until
 * something wakes it; a coroutine switches away, a thread waiter runs the
 * main context meanwhile. */
static WakeResult
block (SwScheduler    *sched,
       SwCoroutine    *self,
       SwSwitchReason  reason,
       guint64         arg,
       gint64          deadline)
{
  self->state = CO_WAITING;
  if (deadline >= 0)
    {
      self->deadline = deadline;
      heap_push (sched, self);
    }

  if (self->is_thread)
    {
      SwSwitchReason outer_reason = sched->thread_reason;
      guint64 outer_arg = sched->thread_arg;

      sched->thread_reason = reason;
      sched->thread_arg = arg;
      while (self->state == CO_WAITING)
        g_main_context_iteration (sched->main_context, TRUE);
      sched->thread_reason = outer_reason;
      sched->thread_arg = outer_arg;
    }
  else
    {
      SwCoroutine *next = next_ready (sched);

      /* The look at epoll and the clock may have woken @self already. */
      if (next == self)
        self->state = CO_RUNNING;
      else
        switch_to (sched, self, next ? next : &sched->thread_co, reason, arg);
    }
  return self->wake_result;
}

static gboolean
wake_result_to_error (WakeResult   result,
                      GError     **error)
{
  switch (result)
    {
    case WAKE_OK:
      return TRUE;
    case WAKE_TIMED_OUT:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("Timed out"));
      return FALSE;
    case WAKE_CANCELLED:
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Coroutine cancelled"));
      return FALSE;
    }
}

static gint64
deadline_after (gint64 timeout_us)
{
  gint64 now;

  if (timeout_us < 0)
    return -1;
  now = g_get_monotonic_time ();
  return timeout_us > G_MAXINT64 - now ? G_MAXINT64 : now + timeout_us;
}

/* The scheduler's source */

static gboolean
sched_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  SwScheduler *sched = ((SchedSource *) source)->sched;
  SwCoroutine *next;

  /* Two threads with schedulers on one GMainContext would run each
   * other's coroutines: a thread using coroutines needs a thread-default
   * context of its own, unless it is the one that iterates the shared one. */
  if (G_UNLIKELY (sched->thread != g_thread_self ()))
    {
      static gboolean warned;

      if (!warned)
        g_critical ("A coroutine scheduler was dispatched by another thread: "
                    "push a thread-default GMainContext in each thread that spawns coroutines");
      warned = TRUE;
      return G_SOURCE_CONTINUE;
    }

  /* Only the thread's own code reaches here: GLib does not recurse into
   * a dispatching source, and coroutines run only inside this one. */
  g_assert (sched->current == &sched->thread_co);

  sched->slice_over = FALSE;
  sched->slice_countdown = SLICE_CHECK_EVERY;
  sched->slice_end = g_get_monotonic_time () + SLICE_US;

  poll_events (sched, TRUE);
  next = ready_pop (sched);
  if (next != NULL)
    switch_to (sched, &sched->thread_co, next, sched->thread_reason, sched->thread_arg);

  return G_SOURCE_CONTINUE;
}

/* Ready coroutines and the earliest deadline are looked at in prepare and
 * check rather than given to GLib as a ready time: every
 * g_source_set_ready_time writes the context's wake-up fd (to be read back
 * by the next poll), two writes and a read per dispatch on the
 * scheduler's own thread for nothing, since only that thread changes
 * them, between iterations.  (epoll's readiness comes as the unix fd.) */
static gboolean
sched_source_prepare (GSource *source,
                      gint    *timeout)
{
  SwScheduler *sched = ((SchedSource *) source)->sched;
  gint64 now, left;

  *timeout = -1;
  if (sched->ready_head != NULL)
    {
      *timeout = 0;
      return TRUE;
    }
  if (sched->heap_len == 0)
    return FALSE;
  now = g_source_get_time (source);
  if (sched->heap[0]->deadline <= now)
    {
      *timeout = 0;
      return TRUE;
    }
  /* Rounded up: a wake-up before the deadline would find nothing due. */
  left = (sched->heap[0]->deadline - now + 999) / 1000;
  *timeout = (gint) MIN (left, G_MAXINT);
  return FALSE;
}

static gboolean
sched_source_check (GSource *source)
{
  SwScheduler *sched = ((SchedSource *) source)->sched;

  /* GLib itself dispatches when the epoll fd polled readable. */
  return sched->ready_head != NULL ||
         (sched->heap_len > 0 && sched->heap[0]->deadline <= g_source_get_time (source));
}

static GSourceFuncs sched_source_funcs = {
  .prepare = sched_source_prepare,
  .check = sched_source_check,
  .dispatch = sched_source_dispatch,
};

/* The scheduler */

static void
scheduler_free (gpointer data)
{
  SwScheduler *sched = data;

  if (sched == NULL)
    return;
  if (sched->n_live > 0)
    {
      /* Their stacks hold live frames: nothing safe to free. */
      g_warning ("Thread exits with %u coroutines still alive; leaking them", sched->n_live);
      return;
    }
  thread_sched = NULL;
  g_source_destroy (sched->source);
  g_source_unref (sched->source);
  close (sched->epfd);
  sw_coro_context_free (sched->thread_co.context);
  g_free (sched->heap);
  g_free (sched->fds);
  g_clear_object (&sched->trace);
  g_main_context_unref (sched->main_context);
  g_free (sched);
}

static SwScheduler *
scheduler_new (void)
{
  SwScheduler *sched = g_new0 (SwScheduler, 1);

  sched->thread = g_thread_self ();
  sched->tid = (gint) syscall (SYS_gettid);
  sched->main_context = g_main_context_ref_thread_default ();
  sched->stack_size = SW_CO_DEFAULT_STACK_SIZE;
  sched->thread_reason = SW_SWITCH_YIELD;

  sched->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (sched->epfd < 0)
    g_error ("sw-coro: epoll_create1: %s", g_strerror (errno));

  sched->thread_co.ref_count = 1;
  sched->thread_co.sched = sched;
  sched->thread_co.is_thread = TRUE;
  sched->thread_co.state = CO_RUNNING;
  sched->thread_co.heap_index = G_MAXUINT;
  sched->thread_co.wait_fd = -1;
  sched->thread_co.context = sw_coro_context_new_thread ();
  sched->current = &sched->thread_co;

  sched->source = g_source_new (&sched_source_funcs, sizeof (SchedSource));
  ((SchedSource *) sched->source)->sched = sched;
  g_source_set_name (sched->source, "SwCoroutine scheduler");
  sched->epoll_tag = g_source_add_unix_fd (sched->source, sched->epfd, G_IO_IN);
  g_source_attach (sched->source, sched->main_context);

  return sched;
}

static inline SwScheduler *
get_scheduler (void)
{
  if (G_UNLIKELY (thread_sched == NULL))
    {
      thread_sched = scheduler_new ();
      g_private_set (&sched_private, thread_sched);
    }
  return thread_sched;
}

/* Public API */

/**
 * sw_co_set_trace:
 * @trace: (nullable): where this thread's coroutines record from now on
 *
 * Set it before spawning: a coroutine gets its lane at spawn.
 */
void
sw_co_set_trace (SwTrace *trace)
{
  SwScheduler *sched = get_scheduler ();

  g_return_if_fail (trace == NULL || SW_IS_TRACE (trace));

  if (sched->trace != NULL && sched->current == &sched->thread_co)
    sw_trace_set_current_lane (sched->trace, 0);
  g_set_object (&sched->trace, trace);
  sched->thread_lane = trace ? sw_trace_get_thread_lane (trace) : 0;
  sched->thread_co.lane = sched->thread_lane;
}

void
sw_co_set_stack_size (gsize size)
{
  g_return_if_fail (size >= 4096);

  get_scheduler ()->stack_size = size;
}

static void
finish (SwScheduler *sched,
        SwCoroutine *co,
        GError      *error) G_GNUC_NORETURN;

static void
finish (SwScheduler *sched,
        SwCoroutine *co,
        GError      *error)
{
  SwCoroutine *next;

  co->error = error;
  if (co->arg_destroy != NULL)
    co->arg_destroy (co->arg);
  co->arg = NULL;
  co->arg_destroy = NULL;

  co->state = CO_DONE;
  g_atomic_int_set (&co->done, 1);
  sched->n_live--;
  while (co->joiners != NULL)
    wake (sched, co->joiners, WAKE_OK);

  if (sched->trace != NULL)
    sw_trace_record (sched->trace, SW_EVENT_CO_EXIT, error ? SW_EVENT_FLAG_FAILED : 0,
                     lane_of (sched, co), 0);

  /* The last switch: whatever runs next frees this stack (after_switch). */
  sched->dead = co;
  next = next_ready (sched);
  if (next == NULL)
    next = &sched->thread_co;
  prepare_switch (sched, co, next, SW_SWITCH_EXIT, 0);
  sw_coro_context_exit (co->context, next->context);
}

static void
coroutine_entry (gpointer data)
{
  SwCoroutine *co = data;
  SwScheduler *sched = co->sched;
  GError *error = NULL;

  after_switch (sched);

  /* Cancelled before it ever ran: like gevent's kill of a greenlet that
   * has not started, the body does not run. */
  if (co->cancelled)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Coroutine cancelled"));
  else
    co->result = co->func (co->arg, &error);

  finish (sched, co, error);
}

/**
 * sw_co_spawn:
 * @name: shown in the trace and in a stack overflow report
 *
 * Makes a coroutine ready to run on this thread; it first runs when the
 * thread's main context next dispatches the scheduler (from the thread's
 * loop, or a join/sleep/wait of the thread), or, when spawned by a running
 * coroutine, once the spawner switches away.  If no stack can be mapped,
 * the coroutine is born done with that error.
 *
 * Returns: (transfer full): the coroutine
 */
SwCoroutine *
sw_co_spawn (const char      *name,
             SwCoroutineFunc  func,
             gpointer         arg,
             GDestroyNotify   arg_destroy)
{
  SwScheduler *sched = get_scheduler ();
  SwCoroutine *co;
  GError *error = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  co = g_new0 (SwCoroutine, 1);
  co->ref_count = 2; /* the caller's and the scheduler's (until reaped) */
  co->sched = sched;
  co->name = g_strdup (name);
  co->func = func;
  co->arg = arg;
  co->arg_destroy = arg_destroy;
  co->heap_index = G_MAXUINT;
  co->wait_fd = -1;

  if (sched->trace != NULL)
    {
      co->lane = sw_trace_register_lane (sched->trace, SW_LANE_COROUTINE, name,
                                         getpid (), sched->tid, sched->thread_lane);
      sw_trace_record (sched->trace, SW_EVENT_CO_SPAWN, 0, co->lane, 0);
    }

  co->stack = sw_coro_stack_new (sched->stack_size, name, &error);
  if (co->stack == NULL)
    {
      if (arg_destroy != NULL)
        arg_destroy (arg);
      co->arg = NULL;
      co->arg_destroy = NULL;
      co->error = error;
      co->state = CO_DONE;
      co->done = 1;
      co->ref_count = 1;
      if (sched->trace != NULL)
        sw_trace_record_on_lane (sched->trace, co->lane, SW_EVENT_CO_EXIT, SW_EVENT_FLAG_FAILED, co->lane, 0);
      return co;
    }
  co->context = sw_coro_context_new (co->stack, coroutine_entry, co);

  sched->n_live++;
  ready_push (sched, co);
  return co;
}

SwCoroutine *
sw_co_ref (SwCoroutine *co)
{
  g_return_val_if_fail (co != NULL, NULL);

  g_atomic_int_inc (&co->ref_count);
  return co;
}

void
sw_co_unref (SwCoroutine *co)
{
  g_return_if_fail (co != NULL);

  if (!g_atomic_int_dec_and_test (&co->ref_count))
    return;
  g_free (co->name);
  g_clear_error (&co->error);
  g_free (co);
}

const char *
sw_co_get_name (SwCoroutine *co)
{
  g_return_val_if_fail (co != NULL, NULL);
  return co->name;
}

/* Returns: the coroutine's lane in the thread's trace, or 0 if it was
 * spawned while no trace was set. */
guint32
sw_co_get_lane (SwCoroutine *co)
{
  g_return_val_if_fail (co != NULL, 0);
  return co->lane;
}

gboolean
sw_co_is_done (SwCoroutine *co)
{
  g_return_val_if_fail (co != NULL, FALSE);
  return g_atomic_int_get (&co->done) != 0;
}

SwCoroutine *
sw_co_self (void)
{
  SwScheduler *sched = thread_sched;

  if (sched == NULL || sched->current == &sched->thread_co)
    return NULL;
  return sched->current;
}

/* A waiter for the thread's own code: lives on the thread's stack for the
 * length of one wait. */
static void
thread_waiter_init (SwScheduler *sched,
                    SwCoroutine *waiter)
{
  memset (waiter, 0, sizeof *waiter);
  waiter->sched = sched;
  waiter->is_thread = TRUE;
  waiter->state = CO_RUNNING;
  waiter->heap_index = G_MAXUINT;
  waiter->wait_fd = -1;
}

/**
 * sw_co_sleep:
 * @duration_us: how long; 0 or less is a yield (recorded as a sleep)
 *
 * In the thread's own code, runs the main context (and so the thread's
 * coroutines) for that long.
 */
gboolean
sw_co_sleep (gint64    duration_us,
             GError  **error)
{
  SwScheduler *sched = get_scheduler ();
  SwCoroutine *self = sched->current;
  SwCoroutine waiter;
  WakeResult result;

  if (self->is_thread)
    {
      thread_waiter_init (sched, &waiter);
      self = &waiter;
    }
  else if (self->cancelled)
    return wake_result_to_error (WAKE_CANCELLED, error);

  if (duration_us <= 0 && !self->is_thread)
    {
      SwCoroutine *next;

      ready_push (sched, self);
      next = next_ready (sched);
      if (next != self)
        switch_to (sched, self, next ? next : &sched->thread_co, SW_SWITCH_SLEEP, 0);
      else
        self->state = CO_RUNNING;
      return TRUE;
    }

  result = block (sched, self, SW_SWITCH_SLEEP, (guint64) MAX (duration_us, 0),
                  deadline_after (MAX (duration_us, 0)));
  if (result == WAKE_TIMED_OUT)
    return TRUE;
  return wake_result_to_error (result, error);
}

/* Registers @fd edge-triggered for @serial's socket, for at least
 * @events (EPOLLIN or EPOLLOUT: the output side only once something waits
 * for it, so an echo's every ACK does not queue an event).  Returns 0 or
 * an errno. */
static int
fd_register_et (SwScheduler *sched,
                int          fd,
                guint32      serial,
                guint32      events)
{
  FdState *st = &sched->fds[fd];
  struct epoll_event ev = { 0 };
  int op;

  ev.events = EPOLLET | EPOLLIN | EPOLLRDHUP | events |
              (st->serial == serial ? (st->et_events & EPOLLOUT) : 0);
  ev.data.u64 = ((guint64) serial << 32) | (guint32) fd;

  op = st->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl (sched->epfd, op, fd, &ev) < 0)
    {
      /* Stale: the fd was closed (so out of epoll) and its number reused,
       * or it is still registered under a dup. */
      if (errno == ENOENT && op == EPOLL_CTL_MOD)
        op = EPOLL_CTL_ADD;
      else if (errno == EEXIST && op == EPOLL_CTL_ADD)
        op = EPOLL_CTL_MOD;
      else
        return errno;
      if (epoll_ctl (sched->epfd, op, fd, &ev) < 0)
        return errno;
    }
  if (st->serial != serial)
    st->hup = 0;
  st->registered = TRUE;
  st->et_events = ev.events;
  st->serial = serial;
  return 0;
}

/* @serial: 0 for a one-shot wait on a raw fd, else the socket's serial
 * for an edge-triggered wait, which the caller makes only after the fd
 * said EAGAIN for @events (so it is known not ready: any later readiness
 * is an edge still to come). */
static gboolean
wait_fd_common (int              fd,
                GIOCondition     events,
                gint64           timeout_us,
                SwSwitchReason   reason,
                guint32          serial,
                GError         **error)
{
  SwScheduler *sched = get_scheduler ();
  SwCoroutine *self = sched->current;
  SwCoroutine waiter;
  FdState *st;
  SwCoroutine **slot;
  int err = 0;

  g_return_val_if_fail (fd >= 0, FALSE);
  g_return_val_if_fail (events == G_IO_IN || events == G_IO_OUT, FALSE);

  if (self->is_thread)
    {
      thread_waiter_init (sched, &waiter);
      self = &waiter;
    }
  else if (self->cancelled)
    return wake_result_to_error (WAKE_CANCELLED, error);

  st = fd_state (sched, fd);
  slot = events == G_IO_IN ? &st->reader : &st->writer;
  if (*slot != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("fd %d: another coroutine is already waiting for it to become %s"),
                   fd, events == G_IO_IN ? "readable" : "writable");
      return FALSE;
    }

  if (serial != 0)
    {
      guint32 want = events == G_IO_IN ? EPOLLIN : EPOLLOUT;

      if (st->serial != serial || (st->et_events & want) == 0)
        err = fd_register_et (sched, fd, serial, want);
      /* End of stream or an error: ready for good, no edge to come. */
      if (err == 0 && (st->hup & (events == G_IO_IN ? (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
                                                     : (EPOLLHUP | EPOLLERR))) != 0)
        return TRUE;
      if (err == 0)
        {
          *slot = self;
          self->wait_fd = fd;
          self->wait_events = events;
          sched->n_fd_waiters++;
        }
    }
  else
    {
      *slot = self;
      self->wait_fd = fd;
      self->wait_events = events;
      sched->n_fd_waiters++;

      err = fd_arm (sched, fd);
      if (err != 0)
        {
          *slot = NULL;
          self->wait_fd = -1;
          sched->n_fd_waiters--;
          (void) fd_arm (sched, fd);
        }
    }
  if (err != 0)
    {
      /* Regular files cannot be polled and are always ready. */
      if (err == EPERM)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   _("Cannot wait on fd %d: %s"), fd, g_strerror (err));
      return FALSE;
    }

  return wake_result_to_error (block (sched, self, reason, (guint64) fd,
                                      deadline_after (timeout_us)),
                               error);
}

gboolean
_sw_co_wait_fd (int              fd,
                GIOCondition     events,
                gint64           timeout_us,
                SwSwitchReason   reason,
                GError         **error)
{
  return wait_fd_common (fd, events, timeout_us, reason, 0, error);
}

/* A socket's serial: never 0, never shared by two sockets (of this
 * process's first 2^32), so a reused fd number is told apart. */
static guint32
socket_serial (GSocket *socket)
{
  static GQuark quark;
  static gint counter;
  guint32 serial;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("sw-co-socket-serial");
  serial = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (socket), quark));
  if (G_UNLIKELY (serial == 0))
    {
      do
        serial = (guint32) g_atomic_int_add (&counter, 1) + 1;
      while (serial == 0);
      g_object_set_qdata (G_OBJECT (socket), quark, GUINT_TO_POINTER (serial));
    }
  return serial;
}

gboolean
_sw_co_wait_socket (GSocket         *socket,
                    GIOCondition     events,
                    gint64           timeout_us,
                    SwSwitchReason   reason,
                    GError         **error)
{
  int fd = g_socket_get_fd (socket);

  if (G_UNLIKELY (fd < 0 || g_socket_is_closed (socket)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Socket is already closed"));
      return FALSE;
    }
  return wait_fd_common (fd, events, timeout_us, reason, socket_serial (socket), error);
}

void
_sw_co_forget_fd (int fd)
{
  SwScheduler *sched = thread_sched;
  FdState *st;

  if (sched == NULL || fd < 0 || (guint) fd >= sched->n_fds)
    return;
  st = &sched->fds[fd];
  if (st->et_events == 0 || st->reader != NULL || st->writer != NULL)
    return;
  (void) epoll_ctl (sched->epfd, EPOLL_CTL_DEL, fd, NULL);
  st->registered = FALSE;
  st->et_events = 0;
  st->serial = 0;
  st->hup = 0;
}

gboolean
sw_co_wait_readable (int      fd,
                     gint64   timeout_us,
                     GError **error)
{
  return _sw_co_wait_fd (fd, G_IO_IN, timeout_us, SW_SWITCH_WAIT, error);
}

gboolean
sw_co_wait_writable (int      fd,
                     gint64   timeout_us,
                     GError **error)
{
  return _sw_co_wait_fd (fd, G_IO_OUT, timeout_us, SW_SWITCH_WAIT, error);
}

/**
 * sw_co_yield:
 *
 * Puts the running coroutine at the tail of the ready queue and runs the
 * next one; in the thread's own code, runs one main context iteration
 * without blocking.
 */
void
sw_co_yield (void)
{
  SwScheduler *sched = get_scheduler ();
  SwCoroutine *self = sched->current;
  SwCoroutine *next;

  if (self->is_thread)
    {
      g_main_context_iteration (sched->main_context, FALSE);
      return;
    }

  ready_push (sched, self);
  next = next_ready (sched);
  if (next == self)
    {
      self->state = CO_RUNNING;
      return;
    }
  switch_to (sched, self, next ? next : &sched->thread_co, SW_SWITCH_YIELD, 0);
}

/* Waits (with the reason JOIN) until @co exits; FALSE on timeout or
 * cancellation of the waiting coroutine. */
static gboolean
wait_exit (SwScheduler  *sched,
           SwCoroutine  *co,
           gint64        deadline,
           GError      **error)
{
  SwCoroutine *self = sched->current;
  SwCoroutine waiter;

  if (self->is_thread)
    {
      thread_waiter_init (sched, &waiter);
      self = &waiter;
    }

  while (!co->done)
    {
      WakeResult result;

      if (self->cancelled)
        return wake_result_to_error (WAKE_CANCELLED, error);

      self->join_target = co;
      self->join_prev = NULL;
      self->join_next = co->joiners;
      if (co->joiners != NULL)
        co->joiners->join_prev = self;
      co->joiners = self;

      result = block (sched, self, SW_SWITCH_JOIN, co->lane, deadline);
      if (result != WAKE_OK)
        return wake_result_to_error (result, error);
    }
  return TRUE;
}

/* The thread's own code blocked in join or joinall (gevent's main
 * greenlet in joinall) is a wait on the thread's lane, as result() is on
 * its caller's: WAIT_BEGIN / WAIT_END from the call to its return, only
 * when it really blocks, and only for the outermost one (a handler that
 * joins inside another join would overlap it).  A coroutine's join is its
 * JOIN switch and waiting segment already. */
typedef struct
{
  SwTrace *trace;   /* borrowed; NULL: nothing recorded */
  guint32  lane;
  guint64  arg;
} ThreadJoin;

static void
thread_join_begin (SwScheduler  *sched,
                   SwCoroutine **cos,
                   guint         n_cos,
                   guint64       arg,
                   ThreadJoin   *join)
{
  guint i;

  join->trace = NULL;
  if (sched->trace == NULL || !sched->current->is_thread || sched->thread_joining)
    return;
  for (i = 0; i < n_cos && cos[i]->done; i++)
    ;
  if (i == n_cos)
    return;

  join->trace = sched->trace;
  join->lane = sched->thread_lane;
  join->arg = arg | n_cos;
  sched->thread_joining = TRUE;
  sw_trace_record_on_lane (join->trace, join->lane, SW_EVENT_WAIT_BEGIN, 0, 0, join->arg);
}

static void
thread_join_end (SwScheduler *sched,
                 ThreadJoin  *join,
                 gboolean     all_done)
{
  if (join->trace == NULL)
    return;
  sched->thread_joining = FALSE;
  /* The trace changed meanwhile (sw_co_set_trace in a handler): the old
   * one may be gone, its wait stays open. */
  if (sched->trace == join->trace)
    sw_trace_record_on_lane (join->trace, join->lane, SW_EVENT_WAIT_END,
                             all_done ? 0 : SW_EVENT_FLAG_FAILED, 0, join->arg);
}

/**
 * sw_co_join:
 *
 * Waits for @co to exit.  Every join of a coroutine returns the same
 * value (its ownership is whatever the body's contract says) or a copy of
 * its error.  Fails with G_IO_ERROR_CANCELLED, without waiting for @co,
 * if the joining coroutine is cancelled.
 *
 * Returns: (transfer none) (nullable): the body's value
 */
gpointer
sw_co_join (SwCoroutine  *co,
            GError      **error)
{
  SwScheduler *sched = get_scheduler ();
  ThreadJoin join;
  gboolean ok;

  g_return_val_if_fail (co != NULL, NULL);
  g_return_val_if_fail (co->sched == sched, NULL);
  g_return_val_if_fail (co != sched->current, NULL);

  thread_join_begin (sched, &co, 1, SW_WAIT_ARG_JOIN, &join);
  ok = wait_exit (sched, co, -1, error);
  thread_join_end (sched, &join, ok);
  if (!ok)
    return NULL;
  if (co->error != NULL)
    {
      g_propagate_error (error, g_error_copy (co->error));
      return NULL;
    }
  return co->result;
}

/**
 * sw_co_joinall:
 * @cos: (array length=n_cos): coroutines of this thread
 * @timeout_us: for all of them together; −1: none
 *
 * Like gevent's joinall: the coroutines' own errors are not reported
 * here (join each for those).  FALSE with G_IO_ERROR_TIMED_OUT when the
 * timeout runs out first, or G_IO_ERROR_CANCELLED when the joining
 * coroutine is cancelled.
 */
gboolean
sw_co_joinall (SwCoroutine **cos,
               guint         n_cos,
               gint64        timeout_us,
               GError      **error)
{
  SwScheduler *sched = get_scheduler ();
  gint64 deadline = deadline_after (timeout_us);
  ThreadJoin join;
  gboolean ok = TRUE;

  g_return_val_if_fail (cos != NULL || n_cos == 0, FALSE);

  for (guint i = 0; i < n_cos; i++)
    {
      g_return_val_if_fail (cos[i] != NULL && cos[i]->sched == sched, FALSE);
      g_return_val_if_fail (cos[i] != sched->current, FALSE);
    }

  thread_join_begin (sched, cos, n_cos, SW_WAIT_ARG_JOINALL, &join);
  for (guint i = 0; i < n_cos && ok; i++)
    ok = wait_exit (sched, cos[i], deadline, error);
  thread_join_end (sched, &join, ok);
  return ok;
}

static void
cancel_here (SwCoroutine *co)
{
  SwScheduler *sched = co->sched;

  if (co->state == CO_DONE)
    return;
  co->cancelled = TRUE;
  if (co->state == CO_WAITING)
    wake (sched, co, WAKE_CANCELLED);
}

static gboolean
cancel_in_owner_cb (gpointer data)
{
  cancel_here (data);
  return G_SOURCE_REMOVE;
}

/**
 * sw_co_cancel:
 *
 * Cancellation is sticky: every wait of @co from now on fails with
 * G_IO_ERROR_CANCELLED (so a body that ignores one error still ends
 * soon); sw_co_yield is unaffected.  A coroutine cancelled before it first
 * ran never runs its body.  May be called from any thread: from another
 * one it takes effect when the owner thread's main context next runs.
 */
void
sw_co_cancel (SwCoroutine *co)
{
  g_return_if_fail (co != NULL);

  if (g_atomic_int_get (&co->done))
    return;
  if (co->sched->thread != g_thread_self ())
    {
      g_main_context_invoke_full (co->sched->main_context, G_PRIORITY_DEFAULT,
                                  cancel_in_owner_cb, sw_co_ref (co),
                                  (GDestroyNotify) sw_co_unref);
      return;
    }
  cancel_here (co);
}

guint64
sw_co_get_switch_count (void)
{
  return thread_sched ? thread_sched->switch_count : 0;
}

SwTrace *
_sw_co_get_trace (void)
{
  return thread_sched ? thread_sched->trace : NULL;
}

guint
_sw_co_get_n_live (void)
{
  return thread_sched ? thread_sched->n_live : 0;
}
