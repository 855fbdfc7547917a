/* sw-coro.h — stackful coroutines on a GLib main loop (gevent's model in C)
 *
 * A coroutine body is plain C that calls sw_co_sleep, sw_co_wait_readable,
 * sw_co_yield, sw_co_join…: they look blocking but switch to the next
 * runnable coroutine.  One scheduler per thread, driven by that thread's
 * thread-default GMainContext through one epoll-backed GSource, so
 * coroutines live beside GIO and GTK without a loop of their own, and a
 * wake-up costs O(ready), not O(waiting).
 *
 * The thread itself (its code outside any coroutine) plays gevent's main
 * greenlet: sw_co_join / sw_co_joinall called there run the thread's main
 * context until the coroutines are done.
 *
 * Recording (when a trace is set for the thread): each coroutine is a lane
 * (SW_LANE_COROUTINE, parent: the thread's lane, the thread's pid/tid).
 * CO_SPAWN on the spawner's lane (object: the new lane); CO_SWITCH on the
 * lane that gives up the thread (object: the lane that gets it, flags: the
 * SwSwitchReason why it gave up); CO_EXIT on the coroutine's lane (flags:
 * SW_EVENT_FLAG_FAILED if it ended with an error).  While a coroutine
 * runs, the thread's events go to its lane (sw_trace_set_current_lane).
 *
 * CO_SWITCH's arg says what the coroutine now waits for: the duration in
 * µs for SLEEP, the fd for WAIT (and RECV/SEND/ACCEPT/CONNECT), the joined
 * coroutine's lane for JOIN, 0 otherwise.  A switch from the thread's own
 * lane to a coroutine carries the thread's innermost wait (JOIN, SLEEP,
 * WAIT…) or YIELD when the thread is just running its main loop.  A wait
 * that is over before it switches (data already there) records nothing.
 *
 * The thread's own code blocked in sw_co_join / sw_co_joinall records a
 * wait on the thread's lane, as result() does: WAIT_BEGIN and WAIT_END
 * (flagged FAILED if it gave up) with object 0 and arg SW_WAIT_ARG_JOIN or
 * SW_WAIT_ARG_JOINALL | the number of coroutines; nothing when they were
 * all done already, and nothing more for a join nested in another.
 *
 * Threads: the scheduler binds to the thread-default GMainContext of its
 * first use; a thread other than the one iterating the global default
 * context must push a context of its own before spawning.  Coroutines are
 * used from their own thread only, except sw_co_cancel, sw_co_ref/unref
 * and sw_co_is_done.
 */
#pragma once

#include <gio/gio.h>

#include "sw-trace.h"

G_BEGIN_DECLS

typedef struct _SwCoroutine SwCoroutine;

/* A body: returns a value for the joiner (may be NULL), or NULL with
 * @error set, which the joiner receives. */
typedef gpointer (*SwCoroutineFunc) (gpointer   arg,
                                     GError   **error);

#define SW_CO_DEFAULT_STACK_SIZE (64 * 1024)

/* Per thread: where this thread's coroutines record (NULL: nowhere), and
 * the stack size of those spawned from now on. */
void          sw_co_set_trace          (SwTrace          *trace);
void          sw_co_set_stack_size     (gsize             size);

SwCoroutine  *sw_co_spawn              (const char       *name,
                                        SwCoroutineFunc   func,
                                        gpointer          arg,
                                        GDestroyNotify    arg_destroy) G_GNUC_WARN_UNUSED_RESULT;
SwCoroutine  *sw_co_ref                (SwCoroutine      *co);
void          sw_co_unref              (SwCoroutine      *co);
const char   *sw_co_get_name           (SwCoroutine      *co);
guint32       sw_co_get_lane           (SwCoroutine      *co);
gboolean      sw_co_is_done            (SwCoroutine      *co);
/* The running coroutine, or NULL in the thread's own code. */
SwCoroutine  *sw_co_self               (void);

/* Blocking-looking calls.  Each returns FALSE with G_IO_ERROR_CANCELLED
 * if the coroutine was cancelled while it waited, or G_IO_ERROR_TIMED_OUT
 * for a wait whose timeout (µs; −1: none) ran out.  Outside a coroutine
 * they block the thread as gevent's main greenlet does: running the main
 * context (so the thread's coroutines run) until the wait is over; such
 * waits may nest.  sleep with duration <= 0 is a yield recorded as SLEEP.
 * One coroutine at a time may wait for each direction of an fd (another
 * gets G_IO_ERROR_BUSY).  sw_co_yield in the thread's own code runs one
 * non-blocking main context iteration. */
gboolean      sw_co_sleep              (gint64            duration_us,
                                        GError          **error);
gboolean      sw_co_wait_readable      (int               fd,
                                        gint64            timeout_us,
                                        GError          **error);
gboolean      sw_co_wait_writable      (int               fd,
                                        gint64            timeout_us,
                                        GError          **error);
void          sw_co_yield              (void);

/* join: the coroutine's value (transfer: the body's; every join returns
 * the same pointer), or NULL with its error (a copy each time).
 * joinall: TRUE when all are done; FALSE with G_IO_ERROR_TIMED_OUT on
 * timeout (the timeout is for all of them together).  Like gevent's, it
 * does not report the coroutines' own errors: join each for those.  Both
 * fail with G_IO_ERROR_CANCELLED if the joining coroutine is cancelled. */
gpointer      sw_co_join               (SwCoroutine      *co,
                                        GError          **error);
gboolean      sw_co_joinall            (SwCoroutine     **cos,
                                        guint             n_cos,
                                        gint64            timeout_us,
                                        GError          **error);

/* Wakes a waiting coroutine with G_IO_ERROR_CANCELLED (or makes its next
 * wait fail so, if it is running or ready).  Sticky: every later wait of
 * the coroutine fails too, so a body that ignores the error still ends
 * soon.  A coroutine cancelled before its first run never runs its body
 * (its joiner gets the cancellation).  Callable from any thread: from
 * another one it takes effect when the owner's main context next runs. */
void          sw_co_cancel             (SwCoroutine      *co);

/* Switches done on this thread so far (for scenarios and benchmarks). */
guint64       sw_co_get_switch_count   (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwCoroutine, sw_co_unref)

G_END_DECLS
