/* test-ctx-switches.c — every context switch of a watched thread is counted once */
#include "config.h"

#include "switchyard.h"
#include "sw-ctx-switches.h"

typedef struct
{
  SwCtxSampler *sampler;
  SwTrace      *trace;
  guint32       lane;
  guint         n_sleeps;
  SwCtxSwitches first;
  SwCtxSwitches last;
} Sleeper;

static gpointer
sleeper_worker (gpointer data)
{
  Sleeper *s = data;
  SwCtxLane *ctx_lane;

  s->lane = sw_trace_name_thread (s->trace, "sleeper");
  g_assert_true (sw_ctx_switches_read_self (&s->first));
  ctx_lane = sw_ctx_sampler_add_self (s->sampler, s->lane);

  /* Each sleep blocks: at least one voluntary switch each. */
  for (guint i = 0; i < s->n_sleeps; i++)
    {
      g_usleep (10000);
      if (i == s->n_sleeps / 2)
        sw_ctx_lane_sample_self (ctx_lane);   /* "task start" in the middle */
    }
  sw_ctx_lane_sample_self (ctx_lane);         /* "task end" */
  g_assert_true (sw_ctx_switches_read_self (&s->last));
  return NULL;
}

static void
test_ctx_switches_sampled_and_counted_once (void)
{
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  Sleeper s = { NULL, trace, 0, 30 };
  g_autoptr(GArray) events = NULL;
  guint64 voluntary = 0, involuntary = 0;
  guint n_events = 0;
  GThread *thread;

  s.sampler = sw_ctx_sampler_new (trace, 20);
  thread = g_thread_new ("sleeper", sleeper_worker, &s);
  g_thread_join (thread);
  sw_ctx_sampler_free (s.sampler);

  /* The sampler is the engine's own thread: kept out of the picture. */
  {
    g_autoptr(GArray) lanes = sw_trace_dup_lanes (trace);
    guint helpers = 0;

    for (guint i = 0; i < lanes->len; i++)
      if (g_array_index (lanes, SwLane, i).kind == SW_LANE_HELPER)
        {
          g_assert_cmpstr (g_array_index (lanes, SwLane, i).name, ==, "ctx-switch sampler");
          helpers++;
        }
    g_assert_cmpuint (helpers, ==, 1);
  }

  events = sw_trace_dup_events (trace);
  for (guint i = 0; i < events->len; i++)
    {
      const SwEvent *e = &g_array_index (events, SwEvent, i);
      SwCtxSwitches delta;

      if (e->kind != SW_EVENT_CTX_SWITCHES)
        continue;
      g_assert_cmpuint (e->lane, ==, s.lane);
      sw_ctx_switches_unpack (e->arg, &delta);
      voluntary += delta.voluntary;
      involuntary += delta.involuntary;
      n_events++;
    }

  /* The sampler saw the sleeper while it slept, not only at its end. */
  g_assert_cmpuint (n_events, >=, 2);
  g_assert_cmpuint (voluntary, >=, s.n_sleeps);
  /* Sampler and thread share the counting: counted twice, the sum would
   * exceed what the kernel says happened between our two readings. */
  g_assert_cmpuint (voluntary, <=, s.last.voluntary - s.first.voluntary);
  g_assert_cmpuint (involuntary, <=, s.last.involuntary - s.first.involuntary);
}

static void
test_ctx_switches_read_other_thread (void)
{
  SwCtxSwitches self, proc;

  g_assert_true (sw_ctx_switches_read_self (&self));
  g_assert_true (sw_ctx_switches_read (getpid (), getpid (), &proc));
  g_assert_cmpuint (proc.voluntary, >=, self.voluntary);
  g_assert_false (sw_ctx_switches_read (getpid (), 999999999, &proc));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/CtxSwitches/sampled-and-counted-once", test_ctx_switches_sampled_and_counted_once);
  g_test_add_func ("/Sw/CtxSwitches/read-other-thread", test_ctx_switches_read_other_thread);

  return g_test_run ();
}
