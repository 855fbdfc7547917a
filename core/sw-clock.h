/* sw-clock.h — the one time base of every Switchyard event
 *
 * Events are stamped with the cheapest counter that maps exactly onto
 * CLOCK_MONOTONIC: the invariant TSC on x86-64, the virtual counter on
 * aarch64, CLOCK_MONOTONIC itself elsewhere.  Producers store raw ticks
 * (sw_clock_ticks); consumers convert them once, off the hot path, with
 * sw_clock_ticks_to_ns.  Every process calibrates against CLOCK_MONOTONIC
 * itself, so events of all processes line up on one axis.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SW_CLOCK_SOURCE_MONOTONIC,
  SW_CLOCK_SOURCE_TSC,
  SW_CLOCK_SOURCE_CNTVCT,
} SwClockSource;

/* Read-mostly; set once by sw_clock_init(). Not API: for the inline below. */
extern SwClockSource _sw_clock_source;

void          sw_clock_init          (void);
SwClockSource sw_clock_get_source    (void);
const char   *sw_clock_source_name   (SwClockSource source);
gint64        sw_clock_monotonic_ns  (void);
gint64        sw_clock_ticks_to_ns   (guint64 ticks);
void          sw_clock_recalibrate   (void);
guint64       _sw_clock_ticks_slow   (void);

/* A snapshot of the ticks → ns mapping, to convert many events at once. */
typedef struct {
  guint64 anchor_ticks;
  gint64  anchor_ns;
  double  ns_per_tick;
} SwClockMapping;

void          sw_clock_get_mapping   (SwClockMapping *mapping);

static inline gint64
sw_clock_mapping_apply (const SwClockMapping *mapping,
                        guint64               ticks)
{
  return mapping->anchor_ns
         + (gint64) ((double) (gint64) (ticks - mapping->anchor_ticks) * mapping->ns_per_tick);
}

/* Raw ticks of the time base.  sw_clock_init() must have run (sw_trace_new
 * does it).  With the monotonic fallback, ticks are nanoseconds. */
static inline guint64
sw_clock_ticks (void)
{
#if defined(__x86_64__)
  if (G_LIKELY (_sw_clock_source == SW_CLOCK_SOURCE_TSC))
    {
      guint32 lo, hi;
      __asm__ __volatile__ ("rdtsc" : "=a" (lo), "=d" (hi));
      return ((guint64) hi << 32) | lo;
    }
#elif defined(__aarch64__)
  if (G_LIKELY (_sw_clock_source == SW_CLOCK_SOURCE_CNTVCT))
    {
      guint64 v;
      __asm__ __volatile__ ("isb; mrs %0, cntvct_el0" : "=r" (v) :: "memory");
      return v;
    }
#endif
  return _sw_clock_ticks_slow ();
}

G_END_DECLS
