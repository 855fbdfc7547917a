/* test-coro.c — the coroutine scheduler: order, waits, cancellation, joins, trace
 *
 * The whole binary runs twice under meson: once with the assembly switch,
 * once with SW_CORO_BACKEND=ucontext.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "switchyard.h"
#include "sw-coro-context.h"
#include "sw-coro-private.h"

/* Every wait in these tests is bounded by this; none comes near it. */
#define DEADLINE_US (30 * G_USEC_PER_SEC)

/* Runs the thread's main context (and so its coroutines) until @cond. */
#define spin_until(cond)                                              \
  G_STMT_START {                                                      \
    gint64 spin_deadline_ = g_get_monotonic_time () + DEADLINE_US;    \
    while (!(cond))                                                   \
      {                                                               \
        g_assert_cmpint (g_get_monotonic_time (), <, spin_deadline_); \
        g_assert_true (sw_co_sleep (1000, NULL));                     \
      }                                                               \
  } G_STMT_END

static void
make_socketpair (int fds[2])
{
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds));
}

/* The backend in force is the one the environment asked for. */
static void
test_backend (void)
{
  const char *env = g_getenv ("SW_CORO_BACKEND");
  SwCoroBackend expected = SW_CORO_BACKEND_ASM;

  if (env != NULL && g_ascii_strcasecmp (env, "ucontext") == 0)
    expected = SW_CORO_BACKEND_UCONTEXT;
  else if (!sw_coro_backend_available (SW_CORO_BACKEND_ASM))
    expected = SW_CORO_BACKEND_UCONTEXT;
  g_test_message ("backend: %s", sw_coro_backend_name (sw_coro_backend_get ()));
  g_assert_cmpint (sw_coro_backend_get (), ==, expected);
}

/* Switch order */

typedef struct
{
  GString    *log;
  const char *name;
  guint       rounds;
} Turn;

static gpointer
turn_co (gpointer   arg,
         GError   **error)
{
  Turn *turn = arg;

  for (guint i = 0; i < turn->rounds; i++)
    {
      g_string_append_printf (turn->log, "%s%u ", turn->name, i);
      g_assert_true (sw_co_self () != NULL);
      sw_co_yield ();
    }
  return GINT_TO_POINTER (1);
}

static void
test_switch_order (void)
{
  g_autoptr(GString) log = g_string_new ("");
  Turn turns[3] = {
    { log, "a", 3 }, { log, "b", 3 }, { log, "c", 3 },
  };
  SwCoroutine *cos[3];

  for (guint i = 0; i < 3; i++)
    cos[i] = sw_co_spawn (turns[i].name, turn_co, &turns[i], NULL);

  /* Spawned, not started: they run when the thread waits. */
  g_assert_cmpstr (log->str, ==, "");
  g_assert_true (sw_co_joinall (cos, 3, DEADLINE_US, NULL));
  g_assert_cmpstr (log->str, ==, "a0 b0 c0 a1 b1 c1 a2 b2 c2 ");
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (sw_co_is_done (cos[i]));
      g_assert_true (sw_co_join (cos[i], NULL) == GINT_TO_POINTER (1));
      sw_co_unref (cos[i]);
    }
  g_assert_null (sw_co_self ());
  g_assert_cmpuint (_sw_co_get_n_live (), ==, 0);
}

/* Sleep */

typedef struct
{
  gint64   duration_us;
  gint64   slept_us;
  gboolean ok;
  guint   *wake_log;     /* nullable: where to count wake-ups */
  guint    wake_rank;
} Sleeper;

static gpointer
sleep_co (gpointer   arg,
          GError   **error)
{
  Sleeper *sleeper = arg;
  gint64 start = g_get_monotonic_time ();

  sleeper->ok = sw_co_sleep (sleeper->duration_us, error);
  sleeper->slept_us = g_get_monotonic_time () - start;
  if (sleeper->wake_log != NULL)
    sleeper->wake_rank = (*sleeper->wake_log)++;
  return sleeper->ok ? sleeper : NULL;
}

static void
test_sleep (void)
{
  guint wakes = 0;
  Sleeper sleepers[3] = {
    { 60000, .wake_log = &wakes }, { 20000, .wake_log = &wakes }, { 40000, .wake_log = &wakes },
  };
  SwCoroutine *cos[3];
  gint64 start;

  for (guint i = 0; i < 3; i++)
    cos[i] = sw_co_spawn ("sleeper", sleep_co, &sleepers[i], NULL);
  g_assert_true (sw_co_joinall (cos, 3, DEADLINE_US, NULL));

  /* They slept at once, so they woke by deadline, not by spawn order. */
  g_assert_cmpuint (sleepers[1].wake_rank, ==, 0);
  g_assert_cmpuint (sleepers[2].wake_rank, ==, 1);
  g_assert_cmpuint (sleepers[0].wake_rank, ==, 2);

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (sleepers[i].ok);
      /* Never early; late only within a wide one-sided margin. */
      g_assert_cmpint (sleepers[i].slept_us, >=, sleepers[i].duration_us);
      g_assert_cmpint (sleepers[i].slept_us, <, sleepers[i].duration_us + 1000000);
      sw_co_unref (cos[i]);
    }

  /* The thread's own sleep runs the main loop for as long. */
  start = g_get_monotonic_time ();
  g_assert_true (sw_co_sleep (30000, NULL));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 30000);
}

/* The thread sleeping runs its coroutines meanwhile (gevent's main). */
static void
test_thread_sleep_runs_coroutines (void)
{
  Sleeper sleeper = { 10000 };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("sleeper", sleep_co, &sleeper, NULL);

  g_assert_true (sw_co_sleep (200000, NULL));
  g_assert_true (sw_co_is_done (co));
  g_assert_true (sleeper.ok);
}

/* fd waits */

typedef struct
{
  int      fd;
  gint64   timeout_us;
  gboolean waiting;
  gboolean written;        /* by the writer, just before it writes */
  gboolean written_at_wake;
  gboolean ok;
  GError  *error;
  char     byte;
} FdWaiter;

static gpointer
wait_readable_co (gpointer   arg,
                  GError   **error)
{
  FdWaiter *w = arg;

  w->waiting = TRUE;
  w->ok = sw_co_wait_readable (w->fd, w->timeout_us, &w->error);
  w->waiting = FALSE;
  w->written_at_wake = w->written;
  if (w->ok)
    g_assert_cmpint (read (w->fd, &w->byte, 1), ==, 1);
  return NULL;
}

typedef struct
{
  FdWaiter *waiter;
  int       fd;
  char      byte;
} Writer;

static gpointer
write_later_co (gpointer   arg,
                GError   **error)
{
  Writer *writer = arg;

  g_assert_true (sw_co_sleep (10000, NULL));
  g_assert_true (writer->waiter->waiting);
  writer->waiter->written = TRUE;
  g_assert_cmpint (write (writer->fd, &writer->byte, 1), ==, 1);
  return NULL;
}

static void
test_wait_readable (void)
{
  int fds[2];
  FdWaiter waiter = { 0 };
  Writer writer = { &waiter, 0, 'x' };
  SwCoroutine *cos[2];

  make_socketpair (fds);
  waiter.fd = fds[0];
  waiter.timeout_us = DEADLINE_US;
  writer.fd = fds[1];

  cos[0] = sw_co_spawn ("reader", wait_readable_co, &waiter, NULL);
  cos[1] = sw_co_spawn ("writer", write_later_co, &writer, NULL);
  g_assert_true (sw_co_joinall (cos, 2, DEADLINE_US, NULL));

  g_assert_no_error (waiter.error);
  g_assert_true (waiter.ok);
  g_assert_true (waiter.written_at_wake);
  g_assert_cmpint (waiter.byte, ==, 'x');

  sw_co_unref (cos[0]);
  sw_co_unref (cos[1]);
  close (fds[0]);
  close (fds[1]);
}

static void
test_wait_timeout (void)
{
  int fds[2];
  FdWaiter waiter = { 0 };
  g_autoptr(SwCoroutine) co = NULL;
  gint64 start;

  make_socketpair (fds);
  waiter.fd = fds[0];
  waiter.timeout_us = 30000;

  start = g_get_monotonic_time ();
  co = sw_co_spawn ("reader", wait_readable_co, &waiter, NULL);
  sw_co_join (co, NULL);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 30000);
  g_assert_false (waiter.ok);
  g_assert_error (waiter.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&waiter.error);

  /* The timed-out wait left nothing behind: the fd can be waited on
   * again, and data wakes the new waiter. */
  g_clear_pointer (&co, sw_co_unref);
  waiter.timeout_us = DEADLINE_US;
  g_assert_cmpint (write (fds[1], "y", 1), ==, 1);
  co = sw_co_spawn ("reader", wait_readable_co, &waiter, NULL);
  sw_co_join (co, NULL);
  g_assert_no_error (waiter.error);
  g_assert_cmpint (waiter.byte, ==, 'y');

  close (fds[0]);
  close (fds[1]);
}

/* A reader and a writer on one fd: each woken for its own direction. */
typedef struct
{
  int      fd;
  gboolean ok;
} WriteWaiter;

static gpointer
wait_writable_co (gpointer   arg,
                  GError   **error)
{
  WriteWaiter *w = arg;

  w->ok = sw_co_wait_writable (w->fd, DEADLINE_US, error);
  return NULL;
}

static void
test_wait_both_directions (void)
{
  int fds[2];
  FdWaiter reader = { 0 };
  WriteWaiter writer = { 0 };
  FdWaiter second = { 0 };
  g_autoptr(SwCoroutine) r = NULL;
  g_autoptr(SwCoroutine) w = NULL;
  g_autoptr(SwCoroutine) s = NULL;
  g_autoptr(GError) error = NULL;

  make_socketpair (fds);
  reader.fd = second.fd = writer.fd = fds[0];
  reader.timeout_us = second.timeout_us = DEADLINE_US;

  r = sw_co_spawn ("reader", wait_readable_co, &reader, NULL);
  w = sw_co_spawn ("writer", wait_writable_co, &writer, NULL);
  s = sw_co_spawn ("second reader", wait_readable_co, &second, NULL);
  sw_co_join (w, &error);
  g_assert_no_error (error);
  g_assert_true (writer.ok);

  /* One reader per direction of an fd: the second is refused. */
  sw_co_join (s, NULL);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&second.error);

  /* The reader is still armed after the writer's wake-up. */
  g_assert_false (sw_co_is_done (r));
  g_assert_true (reader.waiting);
  g_assert_cmpint (write (fds[1], "z", 1), ==, 1);
  sw_co_join (r, NULL);
  g_assert_true (reader.ok);
  g_assert_cmpint (reader.byte, ==, 'z');

  close (fds[0]);
  close (fds[1]);
}

/* The thread's own fd wait runs its coroutines meanwhile: the writer is
 * a coroutine. */
static void
test_thread_wait_readable (void)
{
  int fds[2];
  FdWaiter waiter = { 0 };
  Writer writer = { &waiter, 0, 't' };
  g_autoptr(SwCoroutine) co = NULL;
  g_autoptr(GError) error = NULL;
  char byte = 0;

  make_socketpair (fds);
  writer.fd = fds[1];
  waiter.waiting = TRUE; /* the thread itself is the waiter */
  co = sw_co_spawn ("writer", write_later_co, &writer, NULL);
  g_assert_true (sw_co_wait_readable (fds[0], DEADLINE_US, &error));
  g_assert_no_error (error);
  g_assert_true (waiter.written);
  g_assert_cmpint (read (fds[0], &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 't');
  sw_co_join (co, NULL);

  /* …and times out like a coroutine's. */
  g_assert_false (sw_co_wait_readable (fds[0], 10000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  close (fds[0]);
  close (fds[1]);
}

/* A handler run by the main loop while the thread joins may itself wait
 * (as a GTK callback would): thread waits nest. */
typedef struct
{
  gboolean ran;
  gboolean slept;
} Nested;

static gboolean
nested_sleep_cb (gpointer data)
{
  Nested *nested = data;

  nested->ran = TRUE;
  nested->slept = sw_co_sleep (20000, NULL);
  return G_SOURCE_REMOVE;
}

static void
test_thread_waits_nest (void)
{
  Sleeper sleeper = { 50000 };
  Nested nested = { 0 };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("sleeper", sleep_co, &sleeper, NULL);
  g_autoptr(GSource) source = g_timeout_source_new (5);

  g_source_set_callback (source, nested_sleep_cb, &nested, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_assert_true (sw_co_join (co, NULL) == &sleeper);
  g_assert_true (nested.ran);
  g_assert_true (nested.slept);
  g_source_destroy (source);
}

/* A coroutine that never waits, only yields, still lets the main loop
 * run its other sources (a GTK frame, here a timeout). */
typedef struct
{
  gboolean flag;
  guint64  yields;
} Busy;

static gpointer
busy_co (gpointer   arg,
         GError   **error)
{
  Busy *busy = arg;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!busy->flag && g_get_monotonic_time () < deadline)
    {
      sw_co_yield ();
      busy->yields++;
    }
  return NULL;
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_busy_coroutine_lets_loop_run (void)
{
  Busy busy = { 0 };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("busy", busy_co, &busy, NULL);
  g_autoptr(GSource) source = g_timeout_source_new (10);

  g_source_set_callback (source, set_flag_cb, &busy.flag, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  sw_co_join (co, NULL);
  g_assert_true (busy.flag);
  g_assert_cmpuint (busy.yields, >, 0);
  g_source_destroy (source);
}

/* A small stack is enough for a small body. */
static void
test_stack_size (void)
{
  Sleeper sleeper = { 1000 };
  g_autoptr(SwCoroutine) co = NULL;

  sw_co_set_stack_size (16 * 1024);
  co = sw_co_spawn ("small", sleep_co, &sleeper, NULL);
  sw_co_set_stack_size (SW_CO_DEFAULT_STACK_SIZE);
  g_assert_true (sw_co_join (co, NULL) == &sleeper);
}

/* Many fd waiters woken in an order of the writer's choosing. */
#define N_PAIRS 200

static void
test_many_fd_waiters (void)
{
  int fds[N_PAIRS][2];
  FdWaiter waiters[N_PAIRS] = { { 0 } };
  SwCoroutine *cos[N_PAIRS];

  for (guint i = 0; i < N_PAIRS; i++)
    {
      make_socketpair (fds[i]);
      waiters[i].fd = fds[i][0];
      waiters[i].timeout_us = DEADLINE_US;
      cos[i] = sw_co_spawn ("reader", wait_readable_co, &waiters[i], NULL);
    }
  spin_until (waiters[N_PAIRS - 1].waiting);

  /* Odd ones first, backwards; then the even ones. */
  for (gint i = N_PAIRS - 1; i >= 0; i--)
    if (i % 2 == 1)
      {
        char byte = (char) i;
        g_assert_cmpint (write (fds[i][1], &byte, 1), ==, 1);
      }
  spin_until (sw_co_is_done (cos[1]) && sw_co_is_done (cos[N_PAIRS - 1]));
  for (guint i = 0; i < N_PAIRS; i++)
    g_assert_cmpint (sw_co_is_done (cos[i]), ==, i % 2 == 1);
  for (guint i = 0; i < N_PAIRS; i += 2)
    {
      char byte = (char) i;
      g_assert_cmpint (write (fds[i][1], &byte, 1), ==, 1);
    }
  g_assert_true (sw_co_joinall (cos, N_PAIRS, DEADLINE_US, NULL));

  for (guint i = 0; i < N_PAIRS; i++)
    {
      g_assert_true (waiters[i].ok);
      g_assert_cmpint (waiters[i].byte, ==, (char) i);
      sw_co_unref (cos[i]);
      close (fds[i][0]);
      close (fds[i][1]);
    }
}

/* Cancellation */

static void
test_cancel_sleeping (void)
{
  Sleeper sleeper = { 60 * G_USEC_PER_SEC };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("sleeper", sleep_co, &sleeper, NULL);
  g_autoptr(GError) error = NULL;
  gpointer result;

  g_assert_true (sw_co_sleep (1000, NULL)); /* it starts and sleeps */
  g_assert_false (sw_co_is_done (co));
  sw_co_cancel (co);

  result = sw_co_join (co, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (sleeper.ok);
  g_assert_cmpint (sleeper.slept_us, <, 60 * G_USEC_PER_SEC);
}

static void
test_cancel_waiting (void)
{
  int fds[2];
  FdWaiter waiter = { 0 };
  g_autoptr(SwCoroutine) co = NULL;

  make_socketpair (fds);
  waiter.fd = fds[0];
  waiter.timeout_us = -1;
  co = sw_co_spawn ("reader", wait_readable_co, &waiter, NULL);
  spin_until (waiter.waiting);
  sw_co_cancel (co);
  sw_co_join (co, NULL);
  g_assert_false (waiter.ok);
  g_assert_error (waiter.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&waiter.error);

  /* Its fd left epoll: another coroutine waits on it and gets the data. */
  g_clear_pointer (&co, sw_co_unref);
  g_assert_cmpint (write (fds[1], "c", 1), ==, 1);
  co = sw_co_spawn ("reader", wait_readable_co, &waiter, NULL);
  sw_co_join (co, NULL);
  g_assert_no_error (waiter.error);
  g_assert_cmpint (waiter.byte, ==, 'c');

  close (fds[0]);
  close (fds[1]);
}

static gpointer
never_co (gpointer   arg,
          GError   **error)
{
  g_assert_not_reached ();
  return NULL;
}

static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

/* Cancelled before its first run: the body never runs, the joiner sees
 * the cancellation, the argument is still released. */
static void
test_cancel_before_start (void)
{
  guint destroyed = 0;
  g_autoptr(SwCoroutine) co = sw_co_spawn ("never", never_co, &destroyed, count_destroy);
  g_autoptr(GError) error = NULL;

  sw_co_cancel (co);
  g_assert_null (sw_co_join (co, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (destroyed, ==, 1);
}

typedef struct
{
  guint    rounds;
  gboolean sleep_failed;
} Stubborn;

/* Ignores every error: cancellation is sticky, so it still ends at once. */
static gpointer
stubborn_co (gpointer   arg,
             GError   **error)
{
  Stubborn *s = arg;

  for (s->rounds = 0; s->rounds < 10; s->rounds++)
    if (!sw_co_sleep (60 * G_USEC_PER_SEC, NULL))
      s->sleep_failed = TRUE;
  return NULL;
}

static void
test_cancel_sticky (void)
{
  Stubborn s = { 0 };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("stubborn", stubborn_co, &s, NULL);

  g_assert_true (sw_co_sleep (1000, NULL));
  sw_co_cancel (co);
  sw_co_join (co, NULL);
  g_assert_true (s.sleep_failed);
  g_assert_cmpuint (s.rounds, ==, 10);
}

/* Errors and joins */

static gpointer
fail_co (gpointer   arg,
         GError   **error)
{
  g_assert_true (sw_co_sleep (1000, NULL));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s here", (const char *) arg);
  return NULL;
}

static void
test_error_reaches_joiner (void)
{
  g_autoptr(SwCoroutine) co = sw_co_spawn ("failing", fail_co, (gpointer) "cheese", NULL);
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;

  g_assert_null (sw_co_join (co, &first));
  g_assert_error (first, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (first->message, ==, "no cheese here");

  /* Each join gets its own copy. */
  g_assert_null (sw_co_join (co, &second));
  g_assert_error (second, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (first != second);
}

static gpointer
answer_co (gpointer   arg,
           GError   **error)
{
  g_assert_true (sw_co_sleep (5000, NULL));
  return GINT_TO_POINTER (42);
}

typedef struct
{
  gpointer child_result;
  GError  *child_error;
  guint    n_joined;
} Parent;

static gpointer
parent_co (gpointer   arg,
           GError   **error)
{
  Parent *parent = arg;
  g_autoptr(SwCoroutine) child = sw_co_spawn ("child", answer_co, NULL, NULL);
  g_autoptr(SwCoroutine) failing = sw_co_spawn ("failing", fail_co, (gpointer) "milk", NULL);

  parent->child_result = sw_co_join (child, NULL);
  sw_co_join (failing, &parent->child_error);
  parent->n_joined = 2;
  return GINT_TO_POINTER (7);
}

static void
test_join_from_coroutine (void)
{
  Parent parent = { 0 };
  g_autoptr(SwCoroutine) co = sw_co_spawn ("parent", parent_co, &parent, NULL);

  g_assert_true (sw_co_join (co, NULL) == GINT_TO_POINTER (7));
  g_assert_cmpuint (parent.n_joined, ==, 2);
  g_assert_true (parent.child_result == GINT_TO_POINTER (42));
  g_assert_error (parent.child_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&parent.child_error);
  g_assert_cmpuint (_sw_co_get_n_live (), ==, 0);
}

static gpointer
join_co (gpointer   arg,
         GError   **error)
{
  return sw_co_join (arg, error);
}

/* A coroutine joining another is cancelled: it stops waiting, the other
 * runs on. */
static void
test_cancel_joiner (void)
{
  Sleeper sleeper = { 20000 };
  g_autoptr(SwCoroutine) target = sw_co_spawn ("target", sleep_co, &sleeper, NULL);
  g_autoptr(SwCoroutine) joiner = NULL;
  g_autoptr(GError) error = NULL;

  joiner = sw_co_spawn ("joiner", join_co, target, NULL);
  g_assert_true (sw_co_sleep (1000, NULL));
  g_assert_false (sw_co_is_done (joiner));
  sw_co_cancel (joiner);
  g_assert_null (sw_co_join (joiner, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (sw_co_is_done (target));
  g_assert_true (sw_co_join (target, NULL) == &sleeper);
}

static void
test_joinall_timeout (void)
{
  Sleeper quick = { 10000 };
  Sleeper slow = { 60 * G_USEC_PER_SEC };
  SwCoroutine *cos[2];
  g_autoptr(GError) error = NULL;
  gint64 start;

  cos[0] = sw_co_spawn ("quick", sleep_co, &quick, NULL);
  cos[1] = sw_co_spawn ("slow", sleep_co, &slow, NULL);

  start = g_get_monotonic_time ();
  g_assert_false (sw_co_joinall (cos, 2, 100000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100000);
  g_assert_true (sw_co_is_done (cos[0]));
  g_assert_false (sw_co_is_done (cos[1]));

  sw_co_cancel (cos[1]);
  g_assert_true (sw_co_joinall (cos, 2, DEADLINE_US, NULL));
  for (guint i = 0; i < 2; i++)
    sw_co_unref (cos[i]);
}

/* Scale */

#define N_MANY 10000

static gpointer
many_co (gpointer   arg,
         GError   **error)
{
  guint *count = arg;

  if (!sw_co_sleep (1000, error))
    return NULL;
  sw_co_yield ();
  (*count)++;
  return count;
}

static void
test_many (void)
{
  SwCoroutine **cos = g_new (SwCoroutine *, N_MANY);
  guint count = 0;

  for (guint i = 0; i < N_MANY; i++)
    cos[i] = sw_co_spawn ("many", many_co, &count, NULL);
  g_assert_cmpuint (_sw_co_get_n_live (), ==, N_MANY);
  g_assert_true (sw_co_joinall (cos, N_MANY, DEADLINE_US, NULL));
  g_assert_cmpuint (count, ==, N_MANY);
  for (guint i = 0; i < N_MANY; i++)
    {
      g_assert_true (sw_co_join (cos[i], NULL) == &count);
      sw_co_unref (cos[i]);
    }
  g_free (cos);
  g_assert_cmpuint (_sw_co_get_n_live (), ==, 0);
}

/* Recording */

typedef struct
{
  SwTrace *trace;
} Traced;

static gpointer
traced_a_co (gpointer   arg,
             GError   **error)
{
  Traced *t = arg;

  sw_trace_log (t->trace, "in a");
  sw_co_yield ();
  return NULL;
}

static gpointer
traced_b_co (gpointer   arg,
             GError   **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "b fails");
  return NULL;
}

static void
test_trace (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  g_autoptr(SwCoroutine) a = NULL;
  g_autoptr(SwCoroutine) b = NULL;
  Traced t = { trace };
  guint32 thread_lane, lane_a, lane_b;
  guint64 switches;
  SwLane lane;
  struct {
    guint32 lane;
    SwEventKind kind;
    guint16 flags;
    guint64 object;
  } expected[11];
  guint n = 0;

  sw_co_set_trace (trace);
  thread_lane = sw_trace_get_thread_lane (trace);
  switches = sw_co_get_switch_count ();

  a = sw_co_spawn ("a", traced_a_co, &t, NULL);
  b = sw_co_spawn ("b", traced_b_co, NULL, NULL);
  lane_a = sw_co_get_lane (a);
  lane_b = sw_co_get_lane (b);
  sw_co_join (a, NULL);
  sw_co_join (b, NULL);
  sw_co_set_trace (NULL);

  /* Lanes: coroutines under the thread, on its pid and tid. */
  g_assert_cmpuint (lane_a, !=, 0);
  g_assert_cmpuint (lane_b, !=, lane_a);
  g_assert_true (sw_trace_get_lane (trace, lane_a, &lane));
  g_assert_cmpint (lane.kind, ==, SW_LANE_COROUTINE);
  g_assert_cmpstr (lane.name, ==, "a");
  g_assert_cmpuint (lane.parent, ==, thread_lane);
  g_assert_cmpint (lane.pid, ==, getpid ());
  g_assert_cmpint (lane.tid, ==, (gint) syscall (SYS_gettid));
  g_assert_true (sw_trace_get_lane (trace, lane_b, &lane));
  g_assert_cmpint (lane.kind, ==, SW_LANE_COROUTINE);
  g_assert_cmpstr (lane.name, ==, "b");
  g_assert_cmpuint (lane.parent, ==, thread_lane);

  /* spawn a, spawn b; the thread starts waiting in join (a) and
   * switches to a; a logs and yields to b; b fails and exits, switching
   * back to a; a exits and the thread gets the thread back, its wait
   * over; b is done already: joining it waits for nothing. */
#define EXPECT(l, k, f, o) \
  expected[n++] = (typeof (expected[0])) { (l), (k), (f), (o) }
  EXPECT (thread_lane, SW_EVENT_CO_SPAWN, 0, lane_a);
  EXPECT (thread_lane, SW_EVENT_CO_SPAWN, 0, lane_b);
  EXPECT (thread_lane, SW_EVENT_WAIT_BEGIN, 0, 0);
  EXPECT (thread_lane, SW_EVENT_CO_SWITCH, SW_SWITCH_JOIN, lane_a);
  EXPECT (lane_a, SW_EVENT_LOG, 0, 0);
  EXPECT (lane_a, SW_EVENT_CO_SWITCH, SW_SWITCH_YIELD, lane_b);
  EXPECT (lane_b, SW_EVENT_CO_EXIT, SW_EVENT_FLAG_FAILED, lane_b);
  EXPECT (lane_b, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, lane_a);
  EXPECT (lane_a, SW_EVENT_CO_EXIT, 0, lane_a);
  EXPECT (lane_a, SW_EVENT_CO_SWITCH, SW_SWITCH_EXIT, thread_lane);
  EXPECT (thread_lane, SW_EVENT_WAIT_END, 0, 0);
#undef EXPECT

  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (events->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      g_test_message ("event %u: lane %u kind %u flags %u object %" G_GUINT64_FORMAT,
                      i, e->lane, e->kind, e->flags, e->object);
      g_assert_cmpuint (e->lane, ==, expected[i].lane);
      g_assert_cmpuint (e->kind, ==, expected[i].kind);
      g_assert_cmpuint (e->flags, ==, expected[i].flags);
      g_assert_cmpuint (e->object, ==, expected[i].object);
    }
  g_assert_cmpuint (sw_co_get_switch_count () - switches, ==, 4);

  /* After the run the thread records on its own lane again. */
  g_assert_cmpuint (sw_trace_get_current_lane (trace), ==, thread_lane);
}

/* The thread's own joinall (gevent's main greenlet) is a wait on the
 * thread's lane, labelled joinall, from the call to its return: it
 * brackets everything its coroutines did meanwhile. */
static guint
count_kind (GArray      *events,
            SwEventKind  kind)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    n += g_array_index (events, SwEvent, i).kind == kind;
  return n;
}

static const SwEvent *
find_kind (GArray      *events,
           SwEventKind  kind)
{
  for (guint i = 0; i < events->len; i++)
    if (g_array_index (events, SwEvent, i).kind == kind)
      return &g_array_index (events, SwEvent, i);
  g_assert_not_reached ();
}

static void
test_trace_joinall_waits (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  Sleeper sleepers[3] = { { 30000 }, { 10000 }, { 20000 } };
  SwCoroutine *cos[3];
  guint32 thread_lane;
  const SwEvent *begin, *end;
  guint64 called_ns, returned_ns;
  guint n_coroutine_events = 0;

  sw_co_set_trace (trace);
  thread_lane = sw_trace_get_thread_lane (trace);
  for (guint i = 0; i < 3; i++)
    cos[i] = sw_co_spawn ("sleeper", sleep_co, &sleepers[i], NULL);
  called_ns = (guint64) sw_clock_monotonic_ns ();
  g_assert_true (sw_co_joinall (cos, 3, DEADLINE_US, NULL));
  returned_ns = (guint64) sw_clock_monotonic_ns ();
  /* All done: these wait for nothing and record nothing. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (sw_co_join (cos[i], NULL) == &sleepers[i]);
  g_assert_true (sw_co_joinall (cos, 3, DEADLINE_US, NULL));
  sw_co_set_trace (NULL);

  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (count_kind (events, SW_EVENT_WAIT_BEGIN), ==, 1);
  g_assert_cmpuint (count_kind (events, SW_EVENT_WAIT_END), ==, 1);
  begin = find_kind (events, SW_EVENT_WAIT_BEGIN);
  end = find_kind (events, SW_EVENT_WAIT_END);

  /* On the thread's lane, saying joinall of three; ended well. */
  g_assert_cmpuint (begin->lane, ==, thread_lane);
  g_assert_cmpuint (end->lane, ==, thread_lane);
  g_assert_cmpuint (begin->object, ==, 0);
  g_assert_cmpuint (begin->arg, ==, SW_WAIT_ARG_JOINALL | 3);
  g_assert_cmpuint (end->arg, ==, begin->arg);
  g_assert_cmpuint (end->flags, ==, 0);
  g_assert_cmpint (sw_wait_kind (begin->object, begin->arg), ==, SW_WAIT_JOINALL);
  g_assert_cmpstr (sw_wait_kind_to_string (sw_wait_kind (begin->object, begin->arg)), ==, "joinall");
  g_assert_cmpuint (SW_WAIT_ARG_N_COROUTINES (begin->arg), ==, 3);

  /* From the call to its return (give or take the tick counter's
   * calibration against the clock, well under 1 ms), around every switch
   * and exit of the coroutines, and at least as long as the longest sleep. */
  g_assert_cmpuint (begin->time + 1000000, >=, called_ns);
  g_assert_cmpuint (end->time, <=, returned_ns + 1000000);
  g_assert_cmpuint (end->time - begin->time, <=, returned_ns - called_ns + 1000000);
  g_assert_cmpuint (end->time - begin->time, >=, 30000 * 1000);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind != SW_EVENT_CO_SWITCH && e->kind != SW_EVENT_CO_EXIT)
        continue;
      g_assert_cmpuint (e->time, >=, begin->time);
      g_assert_cmpuint (e->time, <=, end->time);
      n_coroutine_events++;
    }
  /* Each switched in, slept, switched in again and exited. */
  g_assert_cmpuint (n_coroutine_events, >=, 3 * 3);

  for (guint i = 0; i < 3; i++)
    sw_co_unref (cos[i]);
}

/* A single join from the thread is a "join" wait; one that times out
 * ends flagged failed; a coroutine joining another records no wait (its
 * JOIN switch says it). */
static void
test_trace_join_waits (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  Sleeper short_sleep = { 10000 };
  Sleeper long_sleep = { 60 * G_USEC_PER_SEC };
  g_autoptr(SwCoroutine) target = NULL;
  g_autoptr(SwCoroutine) joiner = NULL;
  g_autoptr(SwCoroutine) slow = NULL;
  g_autoptr(GError) error = NULL;
  guint n_begin = 0, n_end = 0, n_co_join = 0;

  sw_co_set_trace (trace);
  target = sw_co_spawn ("target", sleep_co, &short_sleep, NULL);
  joiner = sw_co_spawn ("joiner", join_co, target, NULL);
  g_assert_true (sw_co_join (joiner, NULL) == &short_sleep);

  slow = sw_co_spawn ("slow", sleep_co, &long_sleep, NULL);
  g_assert_false (sw_co_joinall (&slow, 1, 5000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  sw_co_cancel (slow);
  g_assert_null (sw_co_join (slow, NULL));
  sw_co_set_trace (NULL);

  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind == SW_EVENT_CO_SWITCH && e->flags == SW_SWITCH_JOIN && e->lane == sw_co_get_lane (joiner))
        n_co_join++;
      if (e->kind != SW_EVENT_WAIT_BEGIN && e->kind != SW_EVENT_WAIT_END)
        continue;
      /* Only ever on the thread's lane. */
      g_assert_cmpuint (e->lane, ==, sw_trace_get_thread_lane (trace));
      if (e->kind == SW_EVENT_WAIT_BEGIN)
        n_begin++;
      else
        n_end++;
      switch (n_begin)
        {
        case 1:   /* join (joiner) */
        case 3:   /* join (slow), cancelled: it ends (the join gets its error) */
          g_assert_cmpuint (e->arg, ==, SW_WAIT_ARG_JOIN | 1);
          g_assert_cmpstr (sw_wait_kind_to_string (sw_wait_kind (e->object, e->arg)), ==, "join");
          g_assert_cmpuint (e->flags, ==, 0);
          break;
        case 2:   /* joinall ([slow]) that timed out */
          g_assert_cmpuint (e->arg, ==, SW_WAIT_ARG_JOINALL | 1);
          g_assert_cmpuint (e->flags, ==, e->kind == SW_EVENT_WAIT_END ? SW_EVENT_FLAG_FAILED : 0);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_cmpuint (n_begin, ==, 3);
  g_assert_cmpuint (n_end, ==, 3);
  g_assert_cmpuint (n_co_join, ==, 1);
}

/* A join in a handler that runs while the thread is already joining adds
 * no second wait inside the first: one wait, the outer call's. */
typedef struct
{
  SwCoroutine *co;
  gboolean     joined;
} InnerJoin;

static gboolean
inner_join_cb (gpointer data)
{
  InnerJoin *inner = data;

  inner->joined = sw_co_join (inner->co, NULL) != NULL;
  return G_SOURCE_REMOVE;
}

static void
test_trace_nested_join_one_wait (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  Sleeper outer_sleep = { 60000 };
  Sleeper inner_sleep = { 30000 };
  g_autoptr(SwCoroutine) outer = NULL;
  g_autoptr(SwCoroutine) inner_co = NULL;
  g_autoptr(GSource) source = g_timeout_source_new (5);
  InnerJoin inner = { 0 };
  gint64 start = g_get_monotonic_time ();

  sw_co_set_trace (trace);
  outer = sw_co_spawn ("outer", sleep_co, &outer_sleep, NULL);
  inner_co = sw_co_spawn ("inner", sleep_co, &inner_sleep, NULL);
  inner.co = inner_co;
  g_source_set_callback (source, inner_join_cb, &inner, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_assert_true (sw_co_join (outer, NULL) == &outer_sleep);
  g_source_destroy (source);
  sw_co_set_trace (NULL);

  /* The handler ran inside the outer join (it started before the outer
   * coroutine's sleep was over). */
  g_assert_true (inner.joined);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 60000);
  events = sw_trace_dup_events (trace);
  g_assert_cmpuint (count_kind (events, SW_EVENT_WAIT_BEGIN), ==, 1);
  g_assert_cmpuint (count_kind (events, SW_EVENT_WAIT_END), ==, 1);
  g_assert_cmpuint (find_kind (events, SW_EVENT_WAIT_BEGIN)->arg, ==, SW_WAIT_ARG_JOIN | 1);
}

/* Switch reasons of waits: sleep carries its duration, an fd wait its fd. */
static gpointer
reasons_co (gpointer   arg,
            GError   **error)
{
  int fd = GPOINTER_TO_INT (arg);

  g_assert_true (sw_co_sleep (1000, NULL));
  g_assert_true (sw_co_wait_writable (fd, DEADLINE_US, NULL));
  return NULL;
}

static void
test_trace_reasons (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GArray) events = NULL;
  g_autoptr(SwCoroutine) co = NULL;
  int fds[2];
  guint n_sleep = 0, n_wait = 0;

  make_socketpair (fds);
  sw_co_set_trace (trace);
  co = sw_co_spawn ("reasons", reasons_co, GINT_TO_POINTER (fds[0]), NULL);
  sw_co_join (co, NULL);
  sw_co_set_trace (NULL);

  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      SwEvent *e = &g_array_index (events, SwEvent, i);

      if (e->kind != SW_EVENT_CO_SWITCH || e->lane != sw_co_get_lane (co))
        continue;
      if (e->flags == SW_SWITCH_SLEEP)
        {
          g_assert_cmpuint (e->arg, ==, 1000);
          n_sleep++;
        }
      else if (e->flags == SW_SWITCH_WAIT)
        {
          g_assert_cmpuint (e->arg, ==, (guint64) fds[0]);
          n_wait++;
        }
    }
  g_assert_cmpuint (n_sleep, ==, 1);
  /* A socket is writable at once: the wait may not have switched at all. */
  g_assert_cmpuint (n_wait, <=, 1);
  close (fds[0]);
  close (fds[1]);
}

/* Another thread has a scheduler of its own on its own main context;
 * sw_co_cancel from here reaches a coroutine there. */
typedef struct
{
  GMainContext *context;
  SwCoroutine  *co;         /* atomic */
  Sleeper       sleeper;
  GError       *error;
} OtherThread;

static gpointer
other_thread_worker (gpointer data)
{
  OtherThread *ot = data;
  SwCoroutine *co;

  g_main_context_push_thread_default (ot->context);
  co = sw_co_spawn ("elsewhere", sleep_co, &ot->sleeper, NULL);
  g_assert_true (sw_co_sleep (1000, NULL));
  g_atomic_pointer_set (&ot->co, co);
  sw_co_join (co, &ot->error);
  sw_co_unref (co);
  g_main_context_pop_thread_default (ot->context);
  return NULL;
}

static void
test_other_thread (void)
{
  OtherThread ot = { 0 };
  GThread *thread;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  ot.context = g_main_context_new ();
  ot.sleeper.duration_us = 60 * G_USEC_PER_SEC;
  thread = g_thread_new ("coro-other", other_thread_worker, &ot);
  while (g_atomic_pointer_get (&ot.co) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_assert_null (sw_co_self ());
  sw_co_cancel (g_atomic_pointer_get (&ot.co));
  g_thread_join (thread);
  g_assert_error (ot.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&ot.error);
  g_main_context_unref (ot.context);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Coro/backend", test_backend);
  g_test_add_func ("/Sw/Coro/switch-order", test_switch_order);
  g_test_add_func ("/Sw/Coro/sleep", test_sleep);
  g_test_add_func ("/Sw/Coro/thread-sleep-runs-coroutines", test_thread_sleep_runs_coroutines);
  g_test_add_func ("/Sw/Coro/wait-readable", test_wait_readable);
  g_test_add_func ("/Sw/Coro/wait-timeout", test_wait_timeout);
  g_test_add_func ("/Sw/Coro/wait-both-directions", test_wait_both_directions);
  g_test_add_func ("/Sw/Coro/thread-wait-readable", test_thread_wait_readable);
  g_test_add_func ("/Sw/Coro/thread-waits-nest", test_thread_waits_nest);
  g_test_add_func ("/Sw/Coro/busy-coroutine-lets-loop-run", test_busy_coroutine_lets_loop_run);
  g_test_add_func ("/Sw/Coro/stack-size", test_stack_size);
  g_test_add_func ("/Sw/Coro/many-fd-waiters", test_many_fd_waiters);
  g_test_add_func ("/Sw/Coro/cancel-sleeping", test_cancel_sleeping);
  g_test_add_func ("/Sw/Coro/cancel-waiting", test_cancel_waiting);
  g_test_add_func ("/Sw/Coro/cancel-before-start", test_cancel_before_start);
  g_test_add_func ("/Sw/Coro/cancel-sticky", test_cancel_sticky);
  g_test_add_func ("/Sw/Coro/cancel-joiner", test_cancel_joiner);
  g_test_add_func ("/Sw/Coro/error-reaches-joiner", test_error_reaches_joiner);
  g_test_add_func ("/Sw/Coro/join-from-coroutine", test_join_from_coroutine);
  g_test_add_func ("/Sw/Coro/joinall-timeout", test_joinall_timeout);
  g_test_add_func ("/Sw/Coro/many", test_many);
  g_test_add_func ("/Sw/Coro/trace", test_trace);
  g_test_add_func ("/Sw/Coro/trace-reasons", test_trace_reasons);
  g_test_add_func ("/Sw/Coro/trace-joinall-waits", test_trace_joinall_waits);
  g_test_add_func ("/Sw/Coro/trace-join-waits", test_trace_join_waits);
  g_test_add_func ("/Sw/Coro/trace-nested-join-one-wait", test_trace_nested_join_one_wait);
  g_test_add_func ("/Sw/Coro/other-thread", test_other_thread);

  return g_test_run ();
}
