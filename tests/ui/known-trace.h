/* known-trace.h — a small trace with exact times, for the selection tests
 *
 * Built through SwTraceImporter, which takes events with given times, so
 * every expected number below is exact.  Times in ms after the origin:
 *
 *   main      submits 1 (0), 2 (1), 3 (2); waits for 3: 5 – 390;
 *             runs the callback of 3: 400 – 410
 *   worker-1  task 1: 10 – 110, its callback 110 – 115
 *   worker-2  task 2: 20 – 70 fails "boom", its callback 70 – 72;
 *             task 3: 80 – 380
 */
#pragma once

#include "switchyard.h"

enum {
  KNOWN_MAIN = 1,
  KNOWN_W1,
  KNOWN_W2,
};

#define KNOWN_MS G_GINT64_CONSTANT (1000000)

typedef struct {
  SwTrace         *trace;
  SwTraceImporter *importer;
  gint64           origin;
} KnownTrace;

static G_GNUC_UNUSED void
known_event (KnownTrace *k,
             guint32     lane,
             SwEventKind kind,
             guint16     flags,
             guint64     object,
             guint64     arg,
             gint64      t_ns)
{
  SwEvent e = { (guint64) (k->origin + t_ns), lane, kind, flags, object, arg };

  sw_trace_importer_add_events (k->importer, &e, 1);
}

static G_GNUC_UNUSED void
known_task (KnownTrace *k,
            guint32     lane,
            guint64     id,
            gint64      start_ms,
            gint64      end_ms,
            gboolean    failed)
{
  known_event (k, lane, SW_EVENT_TASK_START, 0, id, 0, start_ms * KNOWN_MS);
  if (failed)
    known_event (k, lane, SW_EVENT_TASK_ERROR, SW_EVENT_FLAG_FAILED, id, 99, end_ms * KNOWN_MS);
  else
    known_event (k, lane, SW_EVENT_TASK_END, 0, id, 0, end_ms * KNOWN_MS);
}

static G_GNUC_UNUSED void
known_callback (KnownTrace *k,
                guint32     lane,
                guint64     id,
                gint64      start_ms,
                gint64      end_ms)
{
  known_event (k, lane, SW_EVENT_CALLBACK_BEGIN, 0, id, 0, start_ms * KNOWN_MS);
  known_event (k, lane, SW_EVENT_CALLBACK_END, 0, id, 0, end_ms * KNOWN_MS);
}

/* Returns the trace; the lanes' ids in it are known_lane (trace, KNOWN_*). */
static G_GNUC_UNUSED SwTrace *
known_trace_new (void)
{
  KnownTrace k;
  SwLane lanes[] = {
    { KNOWN_MAIN, SW_LANE_THREAD, "main", 4242, 101, 0 },
    { KNOWN_W1, SW_LANE_THREAD, "worker-1", 4242, 102, 0 },
    { KNOWN_W2, SW_LANE_THREAD, "worker-2", 4242, 103, 0 },
  };

  k.trace = sw_trace_new (SW_TRACE_DEFAULT_CAPACITY);
  k.origin = sw_trace_get_origin_ns (k.trace);
  k.importer = sw_trace_importer_new (k.trace, sw_trace_get_process_lane (k.trace));
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    sw_trace_importer_add_lane (k.importer, &lanes[i]);
  sw_trace_importer_add_string (k.importer, 11, "task 1");
  sw_trace_importer_add_string (k.importer, 12, "task 2");
  sw_trace_importer_add_string (k.importer, 13, "task 3");
  sw_trace_importer_add_string (k.importer, 99, "boom");

  /* In time order, as a recorder hands them out. */
  known_event (&k, KNOWN_MAIN, SW_EVENT_TASK_SUBMIT, 0, 1, 11, 0);
  known_event (&k, KNOWN_MAIN, SW_EVENT_TASK_SUBMIT, 0, 2, 12, 1 * KNOWN_MS);
  known_event (&k, KNOWN_MAIN, SW_EVENT_TASK_SUBMIT, 0, 3, 13, 2 * KNOWN_MS);
  known_event (&k, KNOWN_MAIN, SW_EVENT_WAIT_BEGIN, 0, 3, 0, 5 * KNOWN_MS);
  known_task (&k, KNOWN_W1, 1, 10, 110, FALSE);
  known_callback (&k, KNOWN_W1, 1, 110, 115);
  known_task (&k, KNOWN_W2, 2, 20, 70, TRUE);
  known_callback (&k, KNOWN_W2, 2, 70, 72);
  known_task (&k, KNOWN_W2, 3, 80, 380, FALSE);
  known_event (&k, KNOWN_MAIN, SW_EVENT_WAIT_END, 0, 3, 0, 390 * KNOWN_MS);
  known_callback (&k, KNOWN_MAIN, 3, 400, 410);

  sw_trace_importer_free (k.importer);
  return k.trace;
}

static G_GNUC_UNUSED const SwTimelineLane *
known_lane (SwTimelineModel *model,
            const char      *name)
{
  const SwTimelineLane *lane = sw_timeline_model_find_lane_by_name (model, name);

  g_assert_nonnull (lane);
  return lane;
}
