/* sw-trace.h — the event recorder
 *
 * Producers (any thread) append fixed 32-byte events to a buffer of their
 * own: no lock, no allocation on the hot path.  The trace holds at most
 * `capacity` events; past that, events are dropped and counted.  Capacity
 * is handed to threads in chunks of up to SW_TRACE_CHUNK_EVENTS, so with T
 * threads recording at once drops may start up to T chunks early; every
 * event is either kept or counted as dropped, never lost.  Consumers
 * read what is new through an SwTraceCursor while producers keep writing.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  SW_EVENT_NONE = 0,
  SW_EVENT_LANE_BEGIN,       /* object: lane id */
  SW_EVENT_LANE_END,         /* object: lane id */
  SW_EVENT_TASK_SUBMIT,      /* object: task id; arg: label string id */
  SW_EVENT_TASK_START,       /* object: task id */
  SW_EVENT_TASK_END,         /* object: task id */
  SW_EVENT_TASK_ERROR,       /* object: task id; arg: message string id */
  SW_EVENT_TASK_CANCEL,      /* object: task id */
  SW_EVENT_CALLBACK_BEGIN,   /* object: task id; on the lane that runs it */
  SW_EVENT_CALLBACK_END,     /* object: task id; flags: SW_EVENT_FLAG_FAILED */
  SW_EVENT_WAIT_BEGIN,       /* a blocking wait on the waiting lane; object:
                                task id waited on (result()), or 0 and arg:
                                pool id for shutdown(wait), or 0 and arg:
                                SW_WAIT_ARG_JOIN… for a thread's own join /
                                joinall of coroutines (sw_wait_kind) */
  SW_EVENT_WAIT_END,         /* object, arg: as for WAIT_BEGIN; flags:
                                SW_EVENT_FLAG_FAILED if it gave up */
  SW_EVENT_POOL_SHUTDOWN,    /* object: pool id; arg: 1 if wait */
  SW_EVENT_CO_SPAWN,         /* on the spawner's lane; object: the new coroutine's lane */
  SW_EVENT_CO_SWITCH,        /* on the lane giving up the thread; object: the lane
                                that gets it; flags: SwSwitchReason */
  SW_EVENT_CO_EXIT,          /* on the coroutine's lane; object: its lane;
                                flags: SW_EVENT_FLAG_FAILED on error */
  SW_EVENT_CONN_OPEN,        /* object: connection id */
  SW_EVENT_CONN_CLOSE,       /* object: connection id */
  SW_EVENT_BYTES_IN,         /* object: connection id; arg: bytes */
  SW_EVENT_BYTES_OUT,        /* object: connection id; arg: bytes */
  SW_EVENT_CTX_SWITCHES,     /* arg: voluntary << 32 | involuntary (deltas) */
  SW_EVENT_LOG,              /* arg: line string id */
  SW_EVENT_COUNTER,          /* object: name string id; arg: value */
  SW_EVENT_N_KINDS
} SwEventKind;

typedef enum {
  SW_EVENT_FLAG_FAILED = 1 << 0,
} SwEventFlags;

typedef enum {
  SW_SWITCH_RECV = 1,
  SW_SWITCH_SEND,
  SW_SWITCH_ACCEPT,
  SW_SWITCH_CONNECT,
  SW_SWITCH_SLEEP,
  SW_SWITCH_YIELD,
  SW_SWITCH_JOIN,
  SW_SWITCH_EXIT,
  SW_SWITCH_WAIT,     /* wait_readable / wait_writable on a plain fd */
} SwSwitchReason;

const char *sw_switch_reason_to_string (guint32 reason);

/* What a WAIT_BEGIN / WAIT_END pair waited for, told by its object and arg. */
typedef enum {
  SW_WAIT_RESULT,     /* result(), wait(), as_completed(): object is the task */
  SW_WAIT_SHUTDOWN,   /* shutdown(wait=True): object 0, arg the pool */
  SW_WAIT_JOIN,       /* the thread's own code in sw_co_join: object 0,
                         arg SW_WAIT_ARG_JOIN | 1 */
  SW_WAIT_JOINALL,    /* … in sw_co_joinall: object 0,
                         arg SW_WAIT_ARG_JOINALL | how many coroutines */
} SwWaitKind;

/* Above any pool id, and below 2^63 so that a saved trace's JSON integer
 * reads back; the low 32 bits count the coroutines joined. */
#define SW_WAIT_ARG_JOIN            (G_GUINT64_CONSTANT (1) << 62)
#define SW_WAIT_ARG_JOINALL         (SW_WAIT_ARG_JOIN | (G_GUINT64_CONSTANT (1) << 61))
#define SW_WAIT_ARG_N_COROUTINES(a) ((guint32) ((a) & G_MAXUINT32))

SwWaitKind  sw_wait_kind           (guint64     object,
                                    guint64     arg);
const char *sw_wait_kind_to_string (SwWaitKind  kind);

/* One event.  While in a producer's buffer `time` holds raw clock ticks;
 * every event a cursor hands out holds nanoseconds of CLOCK_MONOTONIC. */
typedef struct {
  guint64 time;
  guint32 lane;
  guint16 kind;
  guint16 flags;
  guint64 object;
  guint64 arg;
} SwEvent;

G_STATIC_ASSERT (sizeof (SwEvent) == 32);

typedef enum {
  SW_LANE_PROCESS,
  SW_LANE_THREAD,
  SW_LANE_COROUTINE,
  SW_LANE_HELPER,     /* the engine's own thread (a sampler): records for others */
} SwLaneKind;

/* A lane as registered; `name` is owned by the trace and lives as long. */
typedef struct {
  guint32     id;
  SwLaneKind  kind;
  const char *name;
  gint        pid;
  gint        tid;
  guint32     parent;
} SwLane;

#define SW_TRACE_DEFAULT_CAPACITY (4u * 1024u * 1024u)
#define SW_TRACE_CHUNK_EVENTS     4096u

#define SW_TYPE_TRACE (sw_trace_get_type ())
G_DECLARE_FINAL_TYPE (SwTrace, sw_trace, SW, TRACE, GObject)

SwTrace    *sw_trace_new                (gsize           capacity) G_GNUC_WARN_UNUSED_RESULT;
gsize       sw_trace_get_capacity       (SwTrace        *self);
guint64     sw_trace_get_recorded       (SwTrace        *self);
guint64     sw_trace_get_dropped        (SwTrace        *self);
guint32     sw_trace_get_process_lane   (SwTrace        *self);
gint64      sw_trace_get_origin_ns      (SwTrace        *self);

/* Hot path: records on the calling thread's current lane. */
void        sw_trace_record             (SwTrace        *self,
                                         SwEventKind     kind,
                                         guint16         flags,
                                         guint64         object,
                                         guint64         arg);
void        sw_trace_record_on_lane     (SwTrace        *self,
                                         guint32         lane,
                                         SwEventKind     kind,
                                         guint16         flags,
                                         guint64         object,
                                         guint64         arg);

/* Lanes.  A thread gets a lane the first time it records (named after
 * its thread name) unless it names itself first. */
guint32     sw_trace_register_lane      (SwTrace        *self,
                                         SwLaneKind      kind,
                                         const char     *name,
                                         gint            pid,
                                         gint            tid,
                                         guint32         parent);
guint32     sw_trace_name_thread        (SwTrace        *self,
                                         const char     *name);
guint32     sw_trace_name_helper_thread (SwTrace        *self,
                                         const char     *name);
gboolean    sw_trace_thread_has_lane    (SwTrace        *self);
guint32     sw_trace_get_thread_lane    (SwTrace        *self);
guint32     sw_trace_get_current_lane   (SwTrace        *self);
guint32     sw_trace_set_current_lane   (SwTrace        *self,
                                         guint32         lane);
GArray     *sw_trace_dup_lanes          (SwTrace        *self);
GArray     *sw_trace_dup_lanes_from     (SwTrace        *self,
                                         guint           first);
gboolean    sw_trace_get_lane           (SwTrace        *self,
                                         guint32         id,
                                         SwLane         *out_lane);

/* Strings (labels, log lines): interned per trace, id 0 is "". */
guint64     sw_trace_intern             (SwTrace        *self,
                                         const char     *str);
const char *sw_trace_lookup_string      (SwTrace        *self,
                                         guint64         id);
void        sw_trace_log                (SwTrace        *self,
                                         const char     *format,
                                         ...) G_GNUC_PRINTF (2, 3);

/* Consumers. One cursor per consumer; a cursor is used by one thread. */
typedef struct _SwTraceCursor SwTraceCursor;

SwTraceCursor *sw_trace_cursor_new      (SwTrace        *trace) G_GNUC_WARN_UNUSED_RESULT;
void           sw_trace_cursor_free     (SwTraceCursor  *cursor);
gsize          sw_trace_cursor_drain    (SwTraceCursor  *cursor,
                                         SwEvent        *events,
                                         gsize           max_events);

/* Every event recorded so far, sorted by time (for export and tests). */
GArray     *sw_trace_dup_events         (SwTrace        *self);
GPtrArray  *sw_trace_dup_strings_from   (SwTrace        *self,
                                         guint64         first_id);

typedef enum {
  SW_EVENT_STRING_NONE,
  SW_EVENT_STRING_IN_OBJECT,
  SW_EVENT_STRING_IN_ARG,
} SwEventStringField;

SwEventStringField sw_event_kind_string_field (guint16 kind);

/* Merging what another process recorded (its lanes keep their real pid
 * and tid; its string and lane ids are mapped onto this trace's). */
typedef struct _SwTraceImporter SwTraceImporter;

SwTraceImporter *sw_trace_importer_new        (SwTrace         *trace,
                                               guint32          parent_lane) G_GNUC_WARN_UNUSED_RESULT;
void             sw_trace_importer_free       (SwTraceImporter *importer);
guint32          sw_trace_importer_add_lane   (SwTraceImporter *importer,
                                               const SwLane    *foreign);
guint32          sw_trace_importer_map_lane   (SwTraceImporter *importer,
                                               guint32          foreign_id);
void             sw_trace_importer_add_string (SwTraceImporter *importer,
                                               guint64          foreign_id,
                                               const char      *str);
void             sw_trace_importer_add_events (SwTraceImporter *importer,
                                               const SwEvent   *events,
                                               gsize            n_events);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwTraceImporter, sw_trace_importer_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwTraceCursor, sw_trace_cursor_free)

G_END_DECLS
