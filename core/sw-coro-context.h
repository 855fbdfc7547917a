/* sw-coro-context.h — the machine level of coroutines: stacks and switches
 *
 * A context is a saved stack pointer (and, for the fallback, a jmp_buf).
 * The switch is a few instructions of assembly on x86-64 and aarch64; on
 * other machines, or when SW_CORO_BACKEND=ucontext is set, contexts are
 * made with makecontext and switched with sigsetjmp/siglongjmp (no signal
 * mask system call per switch).  Both backends are built everywhere the
 * assembly exists, so the tests run both.
 *
 * Stacks are mmap'd with a PROT_NONE guard page below them; overflowing
 * one is caught (SIGSEGV on an alternate signal stack) and reported with
 * the coroutine's name before the process aborts.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SW_CORO_BACKEND_ASM,
  SW_CORO_BACKEND_UCONTEXT,
} SwCoroBackend;

typedef struct _SwCoroContext SwCoroContext;
typedef struct _SwCoroStack   SwCoroStack;

typedef void (*SwCoroEntry) (gpointer data);

/* The backend in force: ASM where available unless SW_CORO_BACKEND says
 * "ucontext"; decided once per process. */
SwCoroBackend  sw_coro_backend_get        (void);
const char    *sw_coro_backend_name       (SwCoroBackend  backend);
gboolean       sw_coro_backend_available  (SwCoroBackend  backend);
/* For tests and benchmarks: force one before the first context is made.
 * Each coroutine context keeps the backend in force when it was made; a
 * thread's own context works with either.  Two coroutine contexts of
 * different backends must not switch to each other, so tests may flip
 * the backend between runs that share no coroutine contexts. */
void           sw_coro_backend_set        (SwCoroBackend  backend);

/* @size is rounded up to pages; a guard page is added below. @name is
 * copied and used in the overflow report. */
SwCoroStack   *sw_coro_stack_new          (gsize          size,
                                           const char    *name,
                                           GError       **error);
void           sw_coro_stack_free         (SwCoroStack   *stack);
gsize          sw_coro_stack_get_size     (SwCoroStack   *stack);

/* A context for the calling thread itself (what coroutines return to).
 * Also installs the overflow guard for this thread. */
SwCoroContext *sw_coro_context_new_thread (void);
/* A context that starts @entry (data) on @stack at its first switch.
 * @entry must never return: it ends by switching away for good. */
SwCoroContext *sw_coro_context_new        (SwCoroStack   *stack,
                                           SwCoroEntry    entry,
                                           gpointer       data);
void           sw_coro_context_free       (SwCoroContext *context);

/* Saves the current state into @from and resumes @to.  Returns when
 * something switches back to @from. */
void           sw_coro_context_switch     (SwCoroContext *from,
                                           SwCoroContext *to);
/* The same, as the last switch of a context that ends for good (@from is
 * never resumed; it may be freed, with its stack, once @to runs).  Under
 * AddressSanitizer this releases @from's fake stack; a plain
 * sw_coro_context_switch works too but leaks that.  Never returns. */
G_NORETURN
void           sw_coro_context_exit       (SwCoroContext *from,
                                           SwCoroContext *to);

/* Installs the SIGSEGV handler (on an alternate stack per thread) that
 * names the coroutine whose guard page was hit.  Idempotent; per thread
 * for the alternate stack. */
void           sw_coro_overflow_guard_install (void);

/* for benchmarks: best of 5 runs, ns per single switch of a two-context
 * ping-pong (1,000,000 round trips), untraced.  Independent of the backend
 * in force. */
double         _sw_coro_context_measure_switch_ns (SwCoroBackend backend);

G_END_DECLS
