/* sw-coro-context.c — stacks, contexts and the two ways to switch them
 *
 * ASM backend: a context is one saved stack pointer; the switch lives in
 * sw-coro-switch-<cpu>.S.  UCONTEXT backend (QEMU's recipe): a context is
 * a sigjmp_buf; a new one is made with makecontext and entered once with
 * setcontext, every later switch is sigsetjmp (buf, 0) + siglongjmp, so no
 * switch makes a system call (swapcontext would: rt_sigprocmask).
 *
 * This file is built apart from the rest of core without _FORTIFY_SOURCE:
 * the fortified longjmp aborts ("longjmp causes uninitialized stack frame")
 * when it jumps onto another stack, which is the whole point here.
 *
 * Under AddressSanitizer every switch is announced with
 * __sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber, or ASan
 * takes the foreign stack for a buffer overflow.
 */
#include "config.h"

#include "sw-coro-context.h"

#include <gio/gio.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
# define SW_HAVE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SW_HAVE_ASAN 1
# endif
#endif

#ifdef SW_HAVE_ASAN
# include <sanitizer/asan_interface.h>
# include <sanitizer/common_interface_defs.h>
#endif

#if defined(__x86_64__) || defined(__aarch64__)
# define SW_HAVE_ASM_SWITCH 1
/* in sw-coro-switch-<cpu>.S */
void _sw_coro_switch_asm      (void **save_sp,
                               void  *new_sp);
void _sw_coro_trampoline_asm  (void);
#endif

struct _SwCoroStack {
  guint8 *map;          /* mmap base: the guard page, then the stack */
  gsize   map_size;
  gsize   size;         /* usable bytes above the guard page */
  int     slot;         /* in the overflow registry, −1 if none */
  char    name[64];     /* truncated copy; read by the signal handler */
};

struct _SwCoroContext {
  SwCoroBackend  backend;
  SwCoroStack   *stack;   /* borrowed; NULL for a thread's own context */
  SwCoroEntry    entry;
  gpointer       data;

  /* ASM */
  void          *sp;

  /* UCONTEXT */
  gboolean       started;
  ucontext_t    *uc;      /* until the first entry, which frees it */
  sigjmp_buf     env;

  /* ASan: the stack this context runs on (learnt at the first switch away
   * for a thread's own context) and its fake stack while suspended. */
  const void    *asan_bottom;
  gsize          asan_size;
  void          *asan_fake_stack;
};

/* -1 until decided; then an SwCoroBackend */
static gint backend_choice = -1;

static gsize page_size;

/* ---- backend choice ------------------------------------------------ */

gboolean
sw_coro_backend_available (SwCoroBackend backend)
{
  switch (backend)
    {
    case SW_CORO_BACKEND_ASM:
#ifdef SW_HAVE_ASM_SWITCH
      return TRUE;
#else
      return FALSE;
#endif
    case SW_CORO_BACKEND_UCONTEXT:
      return TRUE;
    default:
      return FALSE;
    }
}

const char *
sw_coro_backend_name (SwCoroBackend backend)
{
  switch (backend)
    {
    case SW_CORO_BACKEND_ASM:
      return "asm";
    case SW_CORO_BACKEND_UCONTEXT:
      return "ucontext";
    default:
      return "unknown";
    }
}

SwCoroBackend
sw_coro_backend_get (void)
{
  gint choice = g_atomic_int_get (&backend_choice);

  if (G_UNLIKELY (choice < 0))
    {
      const char *env = g_getenv ("SW_CORO_BACKEND");

      if (env != NULL && g_ascii_strcasecmp (env, "ucontext") == 0)
        choice = SW_CORO_BACKEND_UCONTEXT;
      else if (sw_coro_backend_available (SW_CORO_BACKEND_ASM))
        choice = SW_CORO_BACKEND_ASM;
      else
        choice = SW_CORO_BACKEND_UCONTEXT;

      /* Whoever decided first wins; a concurrent sw_coro_backend_set too. */
      if (!g_atomic_int_compare_and_exchange (&backend_choice, -1, choice))
        choice = g_atomic_int_get (&backend_choice);
    }

  return (SwCoroBackend) choice;
}

void
sw_coro_backend_set (SwCoroBackend backend)
{
  g_return_if_fail (sw_coro_backend_available (backend));

  g_atomic_int_set (&backend_choice, backend);
}

/* ---- overflow registry and handler ----------------------------------- */

/* The handler runs in signal context, so it only reads this array: each
 * slot's guard start is published last (release) and cleared first, and a
 * live, faulting stack's slot cannot change under it.  Slots are claimed
 * with a CAS from a per-thread hint, so creating a stack takes no lock. */
#define REGISTRY_SLOTS 65536
#define SLOT_CLAIMED   ((guintptr) 1)

typedef struct {
  guintptr     guard_lo;  /* 0: free, 1: being filled */
  guintptr     guard_hi;
  SwCoroStack *stack;
} RegistrySlot;

static RegistrySlot     registry[REGISTRY_SLOTS];
static gint             registry_high;    /* slots [0, high) may be in use */
static GPrivate         registry_hint;    /* per-thread next slot to try, +1 */

static struct sigaction old_segv_action;
static struct sigaction old_bus_action;

static int
registry_add (SwCoroStack *stack)
{
  guint start = GPOINTER_TO_UINT (g_private_get (&registry_hint));

  for (guint i = 0; i < REGISTRY_SLOTS; i++)
    {
      guint idx = (start + i) % REGISTRY_SLOTS;
      RegistrySlot *slot = &registry[idx];
      gint high;

      if (__atomic_load_n (&slot->guard_lo, __ATOMIC_RELAXED) != 0)
        continue;
      if (!__atomic_compare_exchange_n (&slot->guard_lo, &(guintptr) { 0 }, SLOT_CLAIMED,
                                        FALSE, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        continue;

      slot->guard_hi = (guintptr) stack->map + page_size;
      slot->stack = stack;
      __atomic_store_n (&slot->guard_lo, (guintptr) stack->map, __ATOMIC_RELEASE);

      high = g_atomic_int_get (&registry_high);
      while ((gint) idx >= high &&
             !g_atomic_int_compare_and_exchange_full (&registry_high, high, idx + 1, &high))
        ;
      g_private_set (&registry_hint, GUINT_TO_POINTER ((idx + 1) % REGISTRY_SLOTS));
      return idx;
    }

  /* Full: the stack works, an overflow is just reported without a name. */
  return -1;
}

static void
registry_remove (SwCoroStack *stack)
{
  if (stack->slot < 0)
    return;
  __atomic_store_n (&registry[stack->slot].guard_lo, 0, __ATOMIC_RELEASE);
  /* Reusing freed slots first keeps registry_high (the handler's scan) short. */
  if (GPOINTER_TO_UINT (g_private_get (&registry_hint)) > (guint) stack->slot)
    g_private_set (&registry_hint, GUINT_TO_POINTER (stack->slot));
}

static void
write_all (const char *s,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (STDERR_FILENO, s, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      s += n;
      len -= n;
    }
}

/* Async-signal-safe decimal formatting. */
static gsize
format_size (char  *buf,
             gsize  value)
{
  char tmp[24];
  gsize n = 0, len = 0;

  do
    {
      tmp[n++] = '0' + value % 10;
      value /= 10;
    }
  while (value > 0);
  while (n > 0)
    buf[len++] = tmp[--n];
  return len;
}

static void
overflow_handler (int        sig,
                  siginfo_t *info,
                  void      *ucontext)
{
  guintptr addr = (guintptr) info->si_addr;
  gint high = __atomic_load_n (&registry_high, __ATOMIC_ACQUIRE);
  int saved_errno = errno;
  SwCoroStack *hit = NULL;
  gboolean in_guard = FALSE;

  for (gint i = 0; i < high; i++)
    {
      guintptr lo = __atomic_load_n (&registry[i].guard_lo, __ATOMIC_ACQUIRE);

      if (lo > SLOT_CLAIMED && addr >= lo && addr < registry[i].guard_hi)
        {
          hit = registry[i].stack;
          in_guard = TRUE;
          break;
        }
    }

  if (in_guard)
    {
      static const char head[] = "switchyard: coroutine '";
      static const char mid[] = "' overflowed its ";
      static const char tail[] = "-byte stack\n";
      char num[24];
      gsize num_len = format_size (num, hit->size);

      write_all (head, sizeof head - 1);
      write_all (hit->name, strnlen (hit->name, sizeof hit->name));
      write_all (mid, sizeof mid - 1);
      write_all (num, num_len);
      write_all (tail, sizeof tail - 1);

      /* Die by the signal itself (core dump and all): the faulting
       * instruction runs again once we return, under the default action. */
      signal (sig, SIG_DFL);
    }
  else
    {
      /* Not ours: hand it to whoever handled it before (ASan, the default). */
      sigaction (sig, sig == SIGBUS ? &old_bus_action : &old_segv_action, NULL);
    }

  /* A signal sent with kill() is not re-raised by returning. */
  if (info->si_code <= 0)
    raise (sig);

  errno = saved_errno;
}

static void
altstack_free (gpointer data)
{
  stack_t ss = { .ss_flags = SS_DISABLE };
  stack_t old;

  /* Only disable it if it is still ours. */
  if (sigaltstack (NULL, &old) == 0 && old.ss_sp == data)
    sigaltstack (&ss, NULL);
  g_free (data);
}

static GPrivate thread_altstack = G_PRIVATE_INIT (altstack_free);

static gpointer
install_handler_once (gpointer unused)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_sigaction = overflow_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGSEGV, &sa, &old_segv_action) != 0 ||
      sigaction (SIGBUS, &sa, &old_bus_action) != 0)
    g_warning ("coroutine overflow guard: sigaction failed: %s", g_strerror (errno));
  return NULL;
}

void
sw_coro_overflow_guard_install (void)
{
  static GOnce once = G_ONCE_INIT;
  stack_t old;

  g_once (&once, install_handler_once, NULL);

  /* The handler must not run on the stack that just overflowed.  Keep an
   * alternate stack someone else (ASan) already gave this thread. */
  if (g_private_get (&thread_altstack) == NULL &&
      sigaltstack (NULL, &old) == 0 && (old.ss_flags & SS_DISABLE))
    {
      long min = sysconf (_SC_SIGSTKSZ);
      gsize size = MAX (min > 0 ? (gsize) min : 0, (gsize) 64 * 1024);
      stack_t ss = { .ss_size = size, .ss_flags = 0 };

      ss.ss_sp = g_malloc (size);
      if (sigaltstack (&ss, NULL) != 0)
        {
          g_warning ("coroutine overflow guard: sigaltstack failed: %s", g_strerror (errno));
          g_free (ss.ss_sp);
          return;
        }
      g_private_set (&thread_altstack, ss.ss_sp);
    }
}

/* ---- stacks --------------------------------------------------------- */

SwCoroStack *
sw_coro_stack_new (gsize        size,
                   const char  *name,
                   GError     **error)
{
  SwCoroStack *stack;
  gsize rounded;
  void *map;

  if (G_UNLIKELY (page_size == 0))
    page_size = sysconf (_SC_PAGESIZE);

  /* Room for at least the initial frame and a little C. */
  size = MAX (size, 4 * page_size);
  rounded = (size + page_size - 1) & ~(page_size - 1);

  /* NORESERVE: 10,000 idle 64 KiB stacks must not count as 640 MB of
   * commitments; only the pages a coroutine touches become resident. */
  map = mmap (NULL, rounded + page_size, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (map == MAP_FAILED)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot map a %" G_GSIZE_FORMAT "-byte coroutine stack: %s",
                   rounded, g_strerror (errsv));
      return NULL;
    }
  if (mprotect (map, page_size, PROT_NONE) != 0)
    {
      int errsv = errno;

      munmap (map, rounded + page_size);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot protect a coroutine stack's guard page: %s", g_strerror (errsv));
      return NULL;
    }

  stack = g_new0 (SwCoroStack, 1);
  stack->map = map;
  stack->map_size = rounded + page_size;
  stack->size = rounded;
  g_strlcpy (stack->name, name != NULL ? name : "(unnamed)", sizeof stack->name);
  stack->slot = registry_add (stack);

  return stack;
}

void
sw_coro_stack_free (SwCoroStack *stack)
{
  if (stack == NULL)
    return;

  registry_remove (stack);
#ifdef SW_HAVE_ASAN
  /* Frames abandoned on this stack leave poisoned shadow behind; the next
   * mapping at this address must not inherit it. */
  __asan_unpoison_memory_region (stack->map + page_size, stack->size);
#endif
  if (munmap (stack->map, stack->map_size) != 0)
    g_critical ("munmap of a coroutine stack failed: %s", g_strerror (errno));
  g_free (stack);
}

gsize
sw_coro_stack_get_size (SwCoroStack *stack)
{
  g_return_val_if_fail (stack != NULL, 0);

  return stack->size;
}

/* ---- ASan fiber annotations ------------------------------------------ */

#ifdef SW_HAVE_ASAN
/* The context being left, for the landing side to learn a thread
 * context's stack bounds from __sanitizer_finish_switch_fiber. */
static __thread SwCoroContext *asan_switching_from;

static inline void
asan_start (SwCoroContext *from,
            SwCoroContext *to,
            gboolean       for_good)
{
  asan_switching_from = from;
  /* NULL: this context never comes back, ASan may drop its fake stack. */
  __sanitizer_start_switch_fiber (for_good ? NULL : &from->asan_fake_stack,
                                  to->asan_bottom, to->asan_size);
}

static inline void
asan_finish (SwCoroContext *self)
{
  SwCoroContext *prev = asan_switching_from;
  const void *bottom = NULL;
  gsize size = 0;

  __sanitizer_finish_switch_fiber (self != NULL ? self->asan_fake_stack : NULL,
                                   &bottom, &size);
  if (prev != NULL && prev->stack == NULL)
    {
      prev->asan_bottom = bottom;
      prev->asan_size = size;
    }
}
#else
# define asan_start(from, to, for_good) ((void) 0)
# define asan_finish(self)              ((void) 0)
#endif

/* ---- contexts --------------------------------------------------------- */

static SwCoroContext *
context_new_thread_full (SwCoroBackend backend)
{
  SwCoroContext *context = g_new0 (SwCoroContext, 1);

  context->backend = backend;
  context->started = TRUE;
  return context;
}

SwCoroContext *
sw_coro_context_new_thread (void)
{
  /* Coroutines on this thread are about to exist: make their overflows
   * reportable even if the caller forgot. */
  sw_coro_overflow_guard_install ();
  return context_new_thread_full (sw_coro_backend_get ());
}

static void
ucontext_trampoline (unsigned int hi,
                     unsigned int lo)
{
  SwCoroContext *self = (SwCoroContext *) (((guintptr) hi << 32) | (guintptr) lo);

  asan_finish (NULL);
  /* setcontext is done with it: ~1 KiB less per live coroutine. */
  g_clear_pointer (&self->uc, g_free);
  self->entry (self->data);
  g_error ("coroutine entry returned; it must switch away for good");
}

#ifdef SW_HAVE_ASM_SWITCH
/* The ASan landing for a context's first run: the .S trampoline calls this
 * first, then the real entry. */
static void
asm_first_entry (gpointer data)
{
  SwCoroContext *self = data;

  asan_finish (NULL);
  self->entry (self->data);
  g_error ("coroutine entry returned; it must switch away for good");
}

static void
asm_prepare (SwCoroContext *context)
{
  guintptr top = ((guintptr) context->stack->map + context->stack->map_size) & ~(guintptr) 15;
  guintptr *sp;

  /* Two zero words above the trampoline's return slot: an end-of-stack
   * marker for anything that walks frame pointers. */
  sp = (guintptr *) (top - 16);
  sp[0] = 0;
  sp[1] = 0;

# if defined(__x86_64__)
  {
    guint32 mxcsr;
    guint16 fpucw;

    /* Start with the creating thread's floating-point modes, as a thread would. */
    __asm__ volatile ("stmxcsr %0" : "=m" (mxcsr));
    __asm__ volatile ("fnstcw %0" : "=m" (fpucw));

    *--sp = (guintptr) _sw_coro_trampoline_asm;  /* return address; rsp ≡ 0 mod 16 after ret */
    *--sp = 0;                                   /* rbp */
    *--sp = 0;                                   /* rbx */
    *--sp = (guintptr) asm_first_entry;          /* r12: entry */
    *--sp = (guintptr) context;                  /* r13: data */
    *--sp = 0;                                   /* r14 */
    *--sp = 0;                                   /* r15 */
    *--sp = (guintptr) mxcsr | ((guintptr) fpucw << 32);
  }
# elif defined(__aarch64__)
  sp -= 20;                                     /* the 160-byte frame */
  memset (sp, 0, 160);
  sp[0] = (guintptr) asm_first_entry;           /* x19: entry */
  sp[1] = (guintptr) context;                   /* x20: data */
  sp[10] = 0;                                   /* x29 */
  sp[11] = (guintptr) _sw_coro_trampoline_asm;  /* x30 */
# endif

  context->sp = sp;
}
#endif

static SwCoroContext *
context_new_full (SwCoroBackend  backend,
                  SwCoroStack   *stack,
                  SwCoroEntry    entry,
                  gpointer       data)
{
  SwCoroContext *context = g_new0 (SwCoroContext, 1);

  context->backend = backend;
  context->stack = stack;
  context->entry = entry;
  context->data = data;
  context->asan_bottom = stack->map + page_size;
  context->asan_size = stack->size;

  switch (backend)
    {
#ifdef SW_HAVE_ASM_SWITCH
    case SW_CORO_BACKEND_ASM:
      asm_prepare (context);
      break;
#endif
    case SW_CORO_BACKEND_UCONTEXT:
      context->uc = g_new0 (ucontext_t, 1);
      if (getcontext (context->uc) != 0)
        g_error ("getcontext failed: %s", g_strerror (errno));
      context->uc->uc_stack.ss_sp = stack->map + page_size;
      context->uc->uc_stack.ss_size = stack->size;
      context->uc->uc_link = NULL;
      /* makecontext passes ints: the pointer goes in two halves. */
      makecontext (context->uc, (void (*) (void)) ucontext_trampoline, 2,
                   (unsigned int) ((guintptr) context >> 32),
                   (unsigned int) ((guintptr) context & 0xffffffffu));
      break;
    default:
      g_assert_not_reached ();
    }

  return context;
}

SwCoroContext *
sw_coro_context_new (SwCoroStack *stack,
                     SwCoroEntry  entry,
                     gpointer     data)
{
  g_return_val_if_fail (stack != NULL, NULL);
  g_return_val_if_fail (entry != NULL, NULL);

  return context_new_full (sw_coro_backend_get (), stack, entry, data);
}

void
sw_coro_context_free (SwCoroContext *context)
{
  if (context == NULL)
    return;

  g_free (context->uc);
  g_free (context);
}

static inline gboolean
backends_match (SwCoroContext *from,
                SwCoroContext *to)
{
  return from->stack == NULL || to->stack == NULL || from->backend == to->backend;
}

static inline void
context_switch (SwCoroContext *from,
                SwCoroContext *to,
                gboolean       for_good)
{
  /* A thread's own context fits either backend: it is saved the way the
   * coroutine it leaves for runs, and is resumed by a coroutine of that
   * same kind (coroutines only switch to their own kind), so it adopts
   * the backend on the way out.  For a coroutine this store changes
   * nothing.  One unconditional store beats a test on the hot path. */
  from->backend = to->backend;

  asan_start (from, to, for_good);

#ifdef SW_HAVE_ASM_SWITCH
  if (G_LIKELY (to->backend == SW_CORO_BACKEND_ASM))
    {
      _sw_coro_switch_asm (&from->sp, to->sp);
      asan_finish (from);
      return;
    }
#endif

  if (sigsetjmp (from->env, 0) == 0)
    {
      if (G_LIKELY (to->started))
        siglongjmp (to->env, 1);

      /* First entry: the only time this backend touches the signal mask
       * (setcontext restores the one getcontext saw at creation). */
      to->started = TRUE;
      setcontext (to->uc);
      g_error ("setcontext failed: %s", g_strerror (errno));
    }
  asan_finish (from);
}

void
sw_coro_context_switch (SwCoroContext *from,
                        SwCoroContext *to)
{
  /* backends_match () is a documented precondition, checked only in
   * sw_coro_context_exit: three more loads per switch cost ~1.5 ns. */
  g_return_if_fail (from != NULL && to != NULL);

  context_switch (from, to, FALSE);
}

void
sw_coro_context_exit (SwCoroContext *from,
                      SwCoroContext *to)
{
  if (from == NULL || to == NULL || !backends_match (from, to))
    g_error ("sw_coro_context_exit: bad contexts %p → %p", (void *) from, (void *) to);

  context_switch (from, to, TRUE);
  g_error ("a coroutine context was resumed after sw_coro_context_exit");
}

/* ---- benchmark ------------------------------------------------------- */

typedef struct {
  SwCoroContext *self;
  SwCoroContext *main;
  guint64        remaining;
} PingPong;

static void
ping_pong_entry (gpointer data)
{
  PingPong *pp = data;

  for (;;)
    sw_coro_context_switch (pp->self, pp->main);
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

double
_sw_coro_context_measure_switch_ns (SwCoroBackend backend)
{
  const guint64 round_trips = 1000000;
  g_autoptr(GError) error = NULL;
  SwCoroStack *stack;
  PingPong pp = { 0 };
  double best = G_MAXDOUBLE;

  g_return_val_if_fail (sw_coro_backend_available (backend), -1.0);

  stack = sw_coro_stack_new (64 * 1024, "bench-ping-pong", &error);
  if (stack == NULL)
    {
      g_warning ("%s", error->message);
      return -1.0;
    }
  pp.main = context_new_thread_full (backend);
  pp.self = context_new_full (backend, stack, ping_pong_entry, &pp);

  /* First entry outside the timing (it is the one that may make a syscall). */
  sw_coro_context_switch (pp.main, pp.self);

  for (int run = 0; run < 5; run++)
    {
      gint64 start = now_ns ();
      double ns;

      for (guint64 i = 0; i < round_trips; i++)
        sw_coro_context_switch (pp.main, pp.self);
      ns = (double) (now_ns () - start) / (2.0 * round_trips);
      best = MIN (best, ns);
    }

  /* The coroutine is parked in its loop for good; its stack just goes. */
  sw_coro_context_free (pp.self);
  sw_coro_context_free (pp.main);
  sw_coro_stack_free (stack);

  return best;
}
