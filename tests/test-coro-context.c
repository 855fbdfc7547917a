/* test-coro-context.c — stacks and switches, for both backends
 *
 * Every behaviour runs once per backend (/Sw/CoroContext/<behaviour>/asm
 * and …/ucontext): the backend is forced with sw_coro_backend_set before
 * the test makes its contexts.
 */
#include "config.h"

#include "sw-coro-context.h"

#include <fenv.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* ---- helpers --------------------------------------------------------- */

static SwCoroStack *
stack_new (gsize       size,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  SwCoroStack *stack = sw_coro_stack_new (size, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stack);
  return stack;
}

/* FALSE (and the test skipped) if this machine has no such backend. */
static gboolean
use_backend (gconstpointer data)
{
  SwCoroBackend backend = GPOINTER_TO_INT (data);

  if (!sw_coro_backend_available (backend))
    {
      g_test_skip ("backend not built on this machine");
      return FALSE;
    }
  sw_coro_backend_set (backend);
  g_assert_cmpint (sw_coro_backend_get (), ==, backend);
  return TRUE;
}

/* ---- ping-pong ------------------------------------------------------- */

#define PING_PONG_ROUNDS 1000

typedef struct {
  SwCoroContext *main;
  SwCoroContext *a;
  SwCoroContext *b;
  GString       *log;
} PingPong;

static void
ping_entry (gpointer data)
{
  PingPong *pp = data;

  for (int i = 0; i < PING_PONG_ROUNDS; i++)
    {
      g_string_append_c (pp->log, 'a');
      sw_coro_context_switch (pp->a, pp->b);
    }
  g_string_append_c (pp->log, 'A');
  sw_coro_context_exit (pp->a, pp->main);
}

static void
pong_entry (gpointer data)
{
  PingPong *pp = data;

  for (int i = 0; i < PING_PONG_ROUNDS; i++)
    {
      g_string_append_c (pp->log, 'b');
      sw_coro_context_switch (pp->b, pp->a);
    }
  g_assert_not_reached ();
}

static void
test_ping_pong (gconstpointer data)
{
  SwCoroStack *sa, *sb;
  PingPong pp = { 0 };
  g_autoptr(GString) expected = g_string_new (NULL);

  if (!use_backend (data))
    return;

  sa = stack_new (64 * 1024, "ping");
  sb = stack_new (64 * 1024, "pong");
  pp.log = g_string_new (NULL);
  pp.main = sw_coro_context_new_thread ();
  pp.a = sw_coro_context_new (sa, ping_entry, &pp);
  pp.b = sw_coro_context_new (sb, pong_entry, &pp);

  /* a, b, a, b… strictly alternating, then a's farewell, then main. */
  sw_coro_context_switch (pp.main, pp.a);
  g_string_append_c (pp.log, 'M');

  for (int i = 0; i < PING_PONG_ROUNDS; i++)
    g_string_append (expected, "ab");
  g_string_append (expected, "AM");
  g_assert_cmpstr (pp.log->str, ==, expected->str);

  g_string_free (pp.log, TRUE);
  sw_coro_context_free (pp.a);
  sw_coro_context_free (pp.b);
  sw_coro_context_free (pp.main);
  sw_coro_stack_free (sa);
  sw_coro_stack_free (sb);
}

/* ---- callee-saved registers ---------------------------------------- */

#define REG_ROUNDS 500

typedef struct {
  SwCoroContext *main;
  SwCoroContext *co;
  guint64        co_result;
} RegState;

/* Values live across a call must sit in callee-saved registers (or be
 * spilled): eight accumulators are more than fit anywhere else, so a
 * switch that lost one of rbx/rbp/r12–r15 (x19–x28) shows up here. */
static guint64
mix_across_switches (SwCoroContext *self,
                     SwCoroContext *other,
                     guint64        seed)
{
  guint64 a = seed, b = seed * 3, c = seed * 5, d = seed * 7;
  guint64 e = seed ^ 0x1234, f = seed + 11, g = seed * 13, h = ~seed;

  for (int i = 0; i < REG_ROUNDS; i++)
    {
      a += b ^ i; b = b * 31 + c; c ^= d << 1; d += e;
      e = e * 17 + f; f ^= g >> 3; g += h; h = h * 5 + a;
      if (self != NULL)
        sw_coro_context_switch (self, other);
    }
  return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
}

static void
reg_entry (gpointer data)
{
  RegState *st = data;

  st->co_result = mix_across_switches (st->co, st->main, 99);
  sw_coro_context_exit (st->co, st->main);
}

static void
test_registers_survive (gconstpointer data)
{
  SwCoroStack *stack;
  RegState st = { 0 };
  guint64 main_result;

  if (!use_backend (data))
    return;

  stack = stack_new (64 * 1024, "registers");
  st.main = sw_coro_context_new_thread ();
  st.co = sw_coro_context_new (stack, reg_entry, &st);

  /* Both sides compute with different seeds and switch every round; the
   * coroutine makes the last switch back, so main finishes its last
   * round, then switches once more to let the coroutine exit. */
  main_result = mix_across_switches (st.main, st.co, 42);
  g_assert_cmpuint (st.co_result, ==, 0);
  sw_coro_context_switch (st.main, st.co);

  g_assert_cmpuint (main_result, ==, mix_across_switches (NULL, NULL, 42));
  g_assert_cmpuint (st.co_result, ==, mix_across_switches (NULL, NULL, 99));

  sw_coro_context_free (st.co);
  sw_coro_context_free (st.main);
  sw_coro_stack_free (stack);
}

/* ---- floating point -------------------------------------------------- */

typedef struct {
  SwCoroContext *main;
  SwCoroContext *co;
  double         co_result;
  int            co_round_mode;
  double         co_third;
} FpState;

/* Rounded by SSE (MXCSR), where fegetround reads the x87 control word. */
static double
one_third (void)
{
  volatile double one = 1.0, three = 3.0;

  return one / three;
}

static double
fp_across_switches (SwCoroContext *self,
                    SwCoroContext *other,
                    double         seed)
{
  double a = seed, b = seed / 3, c = seed * 1.5, d = 0.25;
  double e = seed + 0.5, f = 1.0 / seed, g = seed * seed, h = 2.0;

  for (int i = 0; i < REG_ROUNDS; i++)
    {
      a = a * 0.999 + b; b = b * 0.5 + c * 0.25; c = c * 0.75 + d;
      d = d + e * 1e-3; e = e * 0.99 + f; f = f * 0.9 + g * 1e-6;
      g = g * 0.5 + h; h = h * 0.999 + a * 1e-3;
      if (self != NULL)
        sw_coro_context_switch (self, other);
    }
  return a + b + c + d + e + f + g + h;
}

static void
fp_entry (gpointer data)
{
  FpState *st = data;

  st->co_result = fp_across_switches (st->co, st->main, 7.0);
  sw_coro_context_exit (st->co, st->main);
}

static void
test_float_survives (gconstpointer data)
{
  SwCoroStack *stack;
  FpState st = { 0 };
  double main_result;

  if (!use_backend (data))
    return;

  stack = stack_new (64 * 1024, "float");
  st.main = sw_coro_context_new_thread ();
  st.co = sw_coro_context_new (stack, fp_entry, &st);

  main_result = fp_across_switches (st.main, st.co, 3.0);
  sw_coro_context_switch (st.main, st.co);

  /* Same operations in the same order: bit-identical, not approximately. */
  g_assert_true (main_result == fp_across_switches (NULL, NULL, 3.0));
  g_assert_true (st.co_result == fp_across_switches (NULL, NULL, 7.0));

  sw_coro_context_free (st.co);
  sw_coro_context_free (st.main);
  sw_coro_stack_free (stack);
}

static void
round_mode_entry (gpointer data)
{
  FpState *st = data;

  fesetround (FE_UPWARD);
  sw_coro_context_switch (st->co, st->main);
  /* Main ran with its own mode meanwhile; ours is back. */
  st->co_round_mode = fegetround ();
  st->co_third = one_third ();
  sw_coro_context_exit (st->co, st->main);
}

/* The ABI makes the FP control words callee-saved, and the assembly
 * switch keeps them per context: a coroutine's rounding mode does not
 * leak into the thread.  (siglongjmp does not restore them, so the
 * fallback is not held to this.) */
static void
test_float_modes_per_context (gconstpointer data)
{
  SwCoroStack *stack;
  FpState st = { 0 };
  double nearest_third = one_third ();

  if (!use_backend (data))
    return;
#ifndef __x86_64__
  g_test_skip ("the FP control words are switched on x86-64 only");
  return;
#endif
  if (GPOINTER_TO_INT (data) != SW_CORO_BACKEND_ASM)
    {
      g_test_skip ("siglongjmp does not switch the FP control words");
      return;
    }

  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  stack = stack_new (64 * 1024, "rounding");
  st.main = sw_coro_context_new_thread ();
  st.co = sw_coro_context_new (stack, round_mode_entry, &st);

  sw_coro_context_switch (st.main, st.co);
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  g_assert_true (one_third () == nearest_third);
  sw_coro_context_switch (st.main, st.co);
  g_assert_cmpint (st.co_round_mode, ==, FE_UPWARD);
  g_assert_true (st.co_third > nearest_third);
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  g_assert_true (one_third () == nearest_third);

  sw_coro_context_free (st.co);
  sw_coro_context_free (st.main);
  sw_coro_stack_free (stack);
}

/* ---- deep recursion on a small stack ------------------------------- */

typedef struct {
  SwCoroContext *main;
  SwCoroContext *co;
  guint64        result;
} DeepState;

G_NO_INLINE static guint64
recurse (int depth)
{
  volatile guint8 frame[256];

  /* Touch the whole frame so the pages are really used. */
  for (gsize i = 0; i < sizeof frame; i++)
    frame[i] = (guint8) (depth + i);
  if (depth == 0)
    return frame[7];
  return recurse (depth - 1) + frame[depth % sizeof frame];
}

static void
deep_entry (gpointer data)
{
  DeepState *st = data;

  st->result = recurse (40);
  sw_coro_context_exit (st->co, st->main);
}

static void
test_small_stack_deep_recursion (gconstpointer data)
{
  SwCoroStack *stack;
  DeepState st = { 0 };

  if (!use_backend (data))
    return;

  /* 41 frames of >256 bytes: ~12 KiB plain, about twice that with ASan's
   * redzones; 40 KiB holds either. */
  stack = stack_new (40 * 1024, "deep");
  g_assert_cmpuint (sw_coro_stack_get_size (stack), >=, 40 * 1024);
  g_assert_cmpuint (sw_coro_stack_get_size (stack) % 4096, ==, 0);
  st.main = sw_coro_context_new_thread ();
  st.co = sw_coro_context_new (stack, deep_entry, &st);

  sw_coro_context_switch (st.main, st.co);
  g_assert_cmpuint (st.result, ==, recurse (40));

  sw_coro_context_free (st.co);
  sw_coro_context_free (st.main);
  sw_coro_stack_free (stack);
}

/* ---- many contexts round-robin ------------------------------------ */

#define MANY 1000
#define MANY_ROUNDS 5

typedef struct {
  SwCoroContext  *main;
  SwCoroContext **cos;
  guint          *trail;
  guint           n_trail;
} Many;

typedef struct {
  Many  *many;
  guint  index;
} ManyArg;

static void
many_entry (gpointer data)
{
  ManyArg *arg = data;
  Many *m = arg->many;

  for (int round = 0; round < MANY_ROUNDS; round++)
    {
      m->trail[m->n_trail++] = arg->index;
      sw_coro_context_switch (m->cos[arg->index], m->main);
    }
  sw_coro_context_exit (m->cos[arg->index], m->main);
}

static void
test_many_round_robin (gconstpointer data)
{
  SwCoroStack **stacks;
  ManyArg *args;
  Many m = { 0 };

  if (!use_backend (data))
    return;

  stacks = g_new0 (SwCoroStack *, MANY);
  args = g_new0 (ManyArg, MANY);
  m.cos = g_new0 (SwCoroContext *, MANY);
  m.trail = g_new0 (guint, MANY * MANY_ROUNDS);
  m.main = sw_coro_context_new_thread ();
  for (guint i = 0; i < MANY; i++)
    {
      g_autofree char *name = g_strdup_printf ("co-%u", i);

      stacks[i] = stack_new (16 * 1024, name);
      args[i] = (ManyArg) { &m, i };
      m.cos[i] = sw_coro_context_new (stacks[i], many_entry, &args[i]);
    }

  /* MANY_ROUNDS to run their rounds, one more for each to exit. */
  for (int round = 0; round <= MANY_ROUNDS; round++)
    for (guint i = 0; i < MANY; i++)
      sw_coro_context_switch (m.main, m.cos[i]);

  g_assert_cmpuint (m.n_trail, ==, MANY * MANY_ROUNDS);
  for (guint k = 0; k < m.n_trail; k++)
    g_assert_cmpuint (m.trail[k], ==, k % MANY);

  for (guint i = 0; i < MANY; i++)
    {
      sw_coro_context_free (m.cos[i]);
      sw_coro_stack_free (stacks[i]);
    }
  sw_coro_context_free (m.main);
  g_free (m.trail);
  g_free (m.cos);
  g_free (args);
  g_free (stacks);
}

/* ---- stack memory is released --------------------------------------- */

static guint
count_maps (void)
{
  g_autofree char *maps = NULL;
  guint lines = 0;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  for (const char *p = maps; *p; p++)
    lines += *p == '\n';
  return lines;
}

typedef struct {
  SwCoroContext *main;
  SwCoroContext *co;
} Once;

static void
once_entry (gpointer data)
{
  Once *o = data;
  volatile char touch[512];

  memset ((char *) touch, 1, sizeof touch);
  sw_coro_context_exit (o->co, o->main);
}

static void
test_stacks_released (gconstpointer data)
{
  SwCoroStack *stacks[MANY];
  Once once[MANY];
  SwCoroContext *main_ctx;
  guint before, during, after;

  if (!use_backend (data))
    return;

  main_ctx = sw_coro_context_new_thread ();
  before = count_maps ();
  for (guint i = 0; i < MANY; i++)
    {
      stacks[i] = stack_new (64 * 1024, "released");
      once[i].main = main_ctx;
      once[i].co = sw_coro_context_new (stacks[i], once_entry, &once[i]);
      sw_coro_context_switch (main_ctx, once[i].co);
    }
  during = count_maps ();
  for (guint i = 0; i < MANY; i++)
    {
      sw_coro_context_free (once[i].co);
      sw_coro_stack_free (stacks[i]);
    }
  after = count_maps ();
  sw_coro_context_free (main_ctx);

  /* Each live stack is a mapping of its own (its guard page another);
   * once freed they are all gone.  The slack is for the allocator. */
  g_assert_cmpuint (during, >=, before + MANY);
  g_assert_cmpuint (after, <=, before + 64);
}

/* ---- overflow, in a child process ----------------------------------- */

typedef struct {
  SwCoroContext *main;
  SwCoroContext *co;
} Overflow;

/* Never reached; it only tells the compiler the recursion can end. */
static volatile guint64 bottomless_limit = G_MAXUINT64;

G_NO_INLINE static guint64
bottomless (guint64 depth)
{
  volatile guint8 frame[128];

  if (depth == bottomless_limit)
    return 0;

  frame[depth % sizeof frame] = (guint8) depth;
  /* Not a tail call: the addition happens after it returns. */
  return bottomless (depth + 1) + frame[(depth * 7) % sizeof frame];
}

static void
overflow_entry (gpointer data)
{
  Overflow *o = data;

  bottomless (0);
  sw_coro_context_exit (o->co, o->main);
}

static int
child_overflow (const char *backend_name)
{
  struct rlimit no_core = { 0, 0 };
  Overflow o;

  /* Dying is the point; a core file is not. */
  setrlimit (RLIMIT_CORE, &no_core);
  sw_coro_backend_set (g_str_equal (backend_name, "ucontext") ? SW_CORO_BACKEND_UCONTEXT
                                                               : SW_CORO_BACKEND_ASM);
  sw_coro_overflow_guard_install ();
  o.main = sw_coro_context_new_thread ();
  o.co = sw_coro_context_new (stack_new (16 * 1024, "deep-diver"), overflow_entry, &o);
  sw_coro_context_switch (o.main, o.co);
  g_printerr ("child survived its overflow\n");
  return 0;
}

static void
test_overflow_named (gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self_path, "--child-overflow",
                         sw_coro_backend_name (GPOINTER_TO_INT (data)), NULL };
  int status;

  if (!use_backend (data))
    return;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);

  /* Killed by SIGSEGV itself, not an exit status or an abort… */
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGSEGV);
  /* …after naming the coroutine and its stack size. */
  g_assert_nonnull (strstr (err, "switchyard: coroutine 'deep-diver' overflowed its 16384-byte stack"));
}

/* ---- one thread context, both backends ------------------------------ */

static void
count_entry (gpointer data)
{
  Once *o = data;

  sw_coro_context_switch (o->co, o->main);
  sw_coro_context_exit (o->co, o->main);
}

/* A scheduler keeps one context per thread while tests flip the backend
 * under it: the coroutine's side decides how each switch is made. */
static void
test_thread_context_serves_both (void)
{
  static const SwCoroBackend order[] = {
    SW_CORO_BACKEND_ASM, SW_CORO_BACKEND_UCONTEXT, SW_CORO_BACKEND_ASM,
  };
  SwCoroContext *main_ctx = sw_coro_context_new_thread ();

  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      SwCoroStack *stack;
      Once o;

      if (!use_backend (GINT_TO_POINTER (order[i])))
        break;
      stack = stack_new (64 * 1024, "flip");
      o.main = main_ctx;
      o.co = sw_coro_context_new (stack, count_entry, &o);
      sw_coro_context_switch (main_ctx, o.co);
      sw_coro_context_switch (main_ctx, o.co);
      sw_coro_context_free (o.co);
      sw_coro_stack_free (stack);
    }
  sw_coro_context_free (main_ctx);
}

/* ---- the environment picks the backend ------------------------------ */

static void
test_backend_from_environment (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self_path, "--child-print-backend", NULL };
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "SW_CORO_BACKEND", "ucontext", TRUE);
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (g_strstrip (out), ==, "ucontext");
}

/* ---- main ----------------------------------------------------------- */

static void
add_both (const char    *behaviour,
          GTestDataFunc  func)
{
  static const SwCoroBackend backends[] = { SW_CORO_BACKEND_ASM, SW_CORO_BACKEND_UCONTEXT };

  for (gsize i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Sw/CoroContext/%s/%s", behaviour,
                                               sw_coro_backend_name (backends[i]));

      g_test_add_data_func (path, GINT_TO_POINTER (backends[i]), func);
    }
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--child-overflow"))
    return child_overflow (argv[2]);
  if (argc == 2 && g_str_equal (argv[1], "--child-print-backend"))
    {
      g_print ("%s\n", sw_coro_backend_name (sw_coro_backend_get ()));
      return 0;
    }

  g_test_init (&argc, &argv, NULL);

  add_both ("ping-pong-in-order", test_ping_pong);
  add_both ("registers-survive", test_registers_survive);
  add_both ("float-survives", test_float_survives);
  add_both ("float-modes-per-context", test_float_modes_per_context);
  add_both ("small-stack-deep-recursion", test_small_stack_deep_recursion);
  add_both ("many-round-robin", test_many_round_robin);
  add_both ("stacks-released", test_stacks_released);
  add_both ("overflow-named", test_overflow_named);
  g_test_add_func ("/Sw/CoroContext/thread-context-serves-both", test_thread_context_serves_both);
  g_test_add_func ("/Sw/CoroContext/backend-from-environment", test_backend_from_environment);

  return g_test_run ();
}
