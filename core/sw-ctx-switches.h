/* sw-ctx-switches.h — OS context switches per thread, as trace events
 *
 * The kernel counts, per thread, voluntary switches (it blocked: sleep,
 * I/O, a lock) and involuntary ones (preempted: its time slice ran out).
 * A lane's counter is read at task start and end by the thread itself
 * (getrusage RUSAGE_THREAD) and periodically by a sampler thread (from
 * /proc); both take their delta with one atomic exchange on the lane's
 * last reading, so every switch is counted exactly once.
 */
#pragma once

#include <glib.h>

#include "sw-trace.h"

G_BEGIN_DECLS

/* How often samplers read their threads: often enough to see a 1 s task
 * switch, rare enough to cost nothing. */
#define SW_CTX_SAMPLE_PERIOD_MS 100

typedef struct
{
  guint32 voluntary;
  guint32 involuntary;
} SwCtxSwitches;

gboolean sw_ctx_switches_read_self   (SwCtxSwitches  *out);
gboolean sw_ctx_switches_read        (gint            pid,
                                      gint            tid,
                                      SwCtxSwitches  *out);

/* SW_EVENT_CTX_SWITCHES packs the deltas into its argument. */
static inline guint64
sw_ctx_switches_pack (guint32 voluntary,
                      guint32 involuntary)
{
  return ((guint64) voluntary << 32) | involuntary;
}

static inline void
sw_ctx_switches_unpack (guint64        arg,
                        SwCtxSwitches *out)
{
  out->voluntary = (guint32) (arg >> 32);
  out->involuntary = (guint32) arg;
}

typedef struct _SwCtxSampler SwCtxSampler;
typedef struct _SwCtxLane    SwCtxLane;

SwCtxSampler *sw_ctx_sampler_new         (SwTrace        *trace,
                                          guint           period_ms) G_GNUC_WARN_UNUSED_RESULT;
void          sw_ctx_sampler_free        (SwCtxSampler   *sampler);
/* Call on the thread to watch: it is sampled until the sampler is freed. */
SwCtxLane    *sw_ctx_sampler_add_self    (SwCtxSampler   *sampler,
                                          guint32         lane);
/* From that same thread: at task start and end (throttled), and before
 * it idles or leaves. */
#define SW_CTX_MIN_GAP_NS 10000
void          sw_ctx_lane_sample_self    (SwCtxLane      *ctx_lane);
void          sw_ctx_lane_sample_self_throttled (SwCtxLane *ctx_lane);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwCtxSampler, sw_ctx_sampler_free)

G_END_DECLS
