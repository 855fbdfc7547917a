/* sw-ctx-switches.c — reading and recording context switches */
#include "config.h"

#include "sw-ctx-switches.h"

#include "sw-clock.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct _SwCtxLane
{
  SwTrace      *trace;   /* borrowed from the sampler */
  guint32       lane;
  gint          pid;
  gint          tid;

  GMutex        mutex;   /* the thread and the sampler both take readings */
  SwCtxSwitches last;    /* guarded by mutex: the reading last recorded */

  /* Only the watched thread's own readings use these. */
  guint64       min_gap_ticks;   /* SW_CTX_MIN_GAP_NS in clock ticks */
  guint64       last_self_ticks; /* when it last read itself */
};

struct _SwCtxSampler
{
  SwTrace  *trace;
  guint     period_ms;
  GThread  *thread;

  GMutex    mutex;
  GCond     cond;
  gboolean  stop;     /* guarded by mutex */
  GPtrArray *lanes;   /* guarded by mutex: SwCtxLane*, owned */
};

gboolean
sw_ctx_switches_read_self (SwCtxSwitches *out)
{
  struct rusage usage;

  if (getrusage (RUSAGE_THREAD, &usage) != 0)
    return FALSE;
  out->voluntary = (guint32) usage.ru_nvcsw;
  out->involuntary = (guint32) usage.ru_nivcsw;
  return TRUE;
}

gboolean
sw_ctx_switches_read (gint           pid,
                      gint           tid,
                      SwCtxSwitches *out)
{
  char path[64];
  char line[256];
  FILE *file;
  int found = 0;

  g_snprintf (path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
  file = fopen (path, "re");
  if (file == NULL)
    return FALSE; /* the thread is gone: nothing more to count */

  while (found < 2 && fgets (line, sizeof line, file) != NULL)
    {
      unsigned long value;

      if (sscanf (line, "voluntary_ctxt_switches: %lu", &value) == 1)
        {
          out->voluntary = (guint32) value;
          found++;
        }
      else if (sscanf (line, "nonvoluntary_ctxt_switches: %lu", &value) == 1)
        {
          out->involuntary = (guint32) value;
          found++;
        }
    }
  fclose (file);

  return found == 2;
}

/* Records what happened since the last reading, from whichever thread.
 * Under the lane's lock, read and record are one step: a reading never
 * goes back, and every switch is counted once. */
static void
ctx_lane_sample (SwCtxLane *ctx_lane,
                 gboolean   self)
{
  SwCtxSwitches now;
  guint32 voluntary, involuntary;

  g_mutex_lock (&ctx_lane->mutex);
  if (self ? sw_ctx_switches_read_self (&now)
           : sw_ctx_switches_read (ctx_lane->pid, ctx_lane->tid, &now))
    {
      voluntary = now.voluntary - ctx_lane->last.voluntary;
      involuntary = now.involuntary - ctx_lane->last.involuntary;
      ctx_lane->last = now;
      if (voluntary != 0 || involuntary != 0)
        sw_trace_record_on_lane (ctx_lane->trace, ctx_lane->lane, SW_EVENT_CTX_SWITCHES, 0, 0,
                                 sw_ctx_switches_pack (voluntary, involuntary));
    }
  g_mutex_unlock (&ctx_lane->mutex);
}

static gpointer
sampler_worker (gpointer data)
{
  SwCtxSampler *sampler = data;

  sw_trace_name_helper_thread (sampler->trace, "ctx-switch sampler");

  g_mutex_lock (&sampler->mutex);
  while (!sampler->stop)
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) sampler->period_ms * 1000;

      while (!sampler->stop && g_cond_wait_until (&sampler->cond, &sampler->mutex, deadline))
        ;
      if (sampler->stop)
        break;
      for (guint i = 0; i < sampler->lanes->len; i++)
        ctx_lane_sample (g_ptr_array_index (sampler->lanes, i), FALSE);
    }
  g_mutex_unlock (&sampler->mutex);

  return NULL;
}

static void
ctx_lane_free (gpointer data)
{
  SwCtxLane *ctx_lane = data;

  g_mutex_clear (&ctx_lane->mutex);
  g_free (ctx_lane);
}

/**
 * sw_ctx_sampler_new:
 * @period_ms: how often watched threads are read while they run a task
 */
SwCtxSampler *
sw_ctx_sampler_new (SwTrace *trace,
                    guint    period_ms)
{
  SwCtxSampler *sampler;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);
  g_return_val_if_fail (period_ms > 0, NULL);

  sampler = g_new0 (SwCtxSampler, 1);
  sampler->trace = g_object_ref (trace);
  sampler->period_ms = period_ms;
  sampler->lanes = g_ptr_array_new_with_free_func (ctx_lane_free);
  g_mutex_init (&sampler->mutex);
  g_cond_init (&sampler->cond);
  sampler->thread = g_thread_new ("sw-ctx-sampler", sampler_worker, sampler);
  return sampler;
}

void
sw_ctx_sampler_free (SwCtxSampler *sampler)
{
  if (sampler == NULL)
    return;

  g_mutex_lock (&sampler->mutex);
  sampler->stop = TRUE;
  g_cond_signal (&sampler->cond);
  g_mutex_unlock (&sampler->mutex);
  g_thread_join (sampler->thread);

  g_ptr_array_unref (sampler->lanes);
  g_mutex_clear (&sampler->mutex);
  g_cond_clear (&sampler->cond);
  g_object_unref (sampler->trace);
  g_free (sampler);
}

/**
 * sw_ctx_sampler_add_self:
 *
 * Returns: (transfer none): the calling thread's watch, valid as long as
 *   the sampler
 */
SwCtxLane *
sw_ctx_sampler_add_self (SwCtxSampler *sampler,
                         guint32       lane)
{
  SwCtxLane *ctx_lane;
  SwCtxSwitches now = { 0, 0 };

  g_return_val_if_fail (sampler != NULL, NULL);

  ctx_lane = g_new0 (SwCtxLane, 1);
  ctx_lane->trace = sampler->trace;
  ctx_lane->lane = lane;
  ctx_lane->pid = getpid ();
  ctx_lane->tid = (gint) syscall (SYS_gettid);
  g_mutex_init (&ctx_lane->mutex);
  /* Count from now: what the thread did before it joined is not ours. */
  if (sw_ctx_switches_read_self (&now))
    ctx_lane->last = now;
  {
    SwClockMapping mapping;

    sw_clock_get_mapping (&mapping);
    ctx_lane->min_gap_ticks = (guint64) (SW_CTX_MIN_GAP_NS / mapping.ns_per_tick);
    ctx_lane->last_self_ticks = sw_clock_ticks ();
  }

  g_mutex_lock (&sampler->mutex);
  g_ptr_array_add (sampler->lanes, ctx_lane);
  g_mutex_unlock (&sampler->mutex);

  return ctx_lane;
}

void
sw_ctx_lane_sample_self (SwCtxLane *ctx_lane)
{
  g_return_if_fail (ctx_lane != NULL);

  ctx_lane->last_self_ticks = sw_clock_ticks ();
  ctx_lane_sample (ctx_lane, TRUE);
}

/**
 * sw_ctx_lane_sample_self_throttled:
 *
 * Like sw_ctx_lane_sample_self(), but skipped when this thread read itself
 * less than SW_CTX_MIN_GAP_NS ago.  Back-to-back short tasks would
 * otherwise pay two system calls each, more than the tasks themselves; a
 * skipped reading loses nothing, the next one counts what it would have
 * seen.  Read unthrottled before the thread idles or leaves.
 */
void
sw_ctx_lane_sample_self_throttled (SwCtxLane *ctx_lane)
{
  g_return_if_fail (ctx_lane != NULL);

  if (sw_clock_ticks () - ctx_lane->last_self_ticks < ctx_lane->min_gap_ticks)
    return;
  sw_ctx_lane_sample_self (ctx_lane);
}
