/* sw-trace.c — the event recorder
 *
 * Each producing thread owns one SwTraceBuffer per trace: a chain of
 * chunks it appends to without a lock.  A chunk's `count` is the publish
 * point (release store by the producer, acquire load by consumers), and
 * `next` is set before anything is written into the following chunk, so a
 * consumer that has read a full chunk finds its successor.  Chunks are only
 * freed with the trace, so consumers never race a free.
 *
 * Capacity is a budget of events handed out a chunk at a time; when it is
 * gone, further events are dropped and counted by the producing thread.
 */
#include "config.h"

#include "sw-trace.h"

#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw-clock.h"

#define CHUNK_EVENTS SW_TRACE_CHUNK_EVENTS

/* Chunks are carved from 2 MiB slabs that ask for a transparent huge page:
 * one page fault per slab instead of one per 4 KiB, which would otherwise
 * cost more than the event itself. */
#define SLAB_SIZE (2u * 1024u * 1024u)

typedef struct _SwTraceSlab SwTraceSlab;

struct _SwTraceSlab
{
  SwTraceSlab *next;
  gsize        used;
  gsize        size;
};

/* Standard slabs of finalized traces, kept for the next trace: faulting in
 * and zeroing a fresh huge page costs a thread that starts recording about
 * as much as a thousand events, and runs come one after another.  Bounded,
 * so a big trace does not pin its memory for good. */
#define SLAB_CACHE_MAX 8

static GMutex       slab_cache_lock;
static SwTraceSlab *slab_cache;        /* guarded by slab_cache_lock */
static guint        slab_cache_len;    /* guarded by slab_cache_lock */

static SwTraceSlab *
slab_cache_take (void)
{
  SwTraceSlab *slab;

  g_mutex_lock (&slab_cache_lock);
  slab = slab_cache;
  if (slab != NULL)
    {
      slab_cache = slab->next;
      slab_cache_len--;
    }
  g_mutex_unlock (&slab_cache_lock);
  return slab;
}

static void
slab_release (SwTraceSlab *slab)
{
  if (slab->size == SLAB_SIZE)
    {
      g_mutex_lock (&slab_cache_lock);
      if (slab_cache_len < SLAB_CACHE_MAX)
        {
          slab->next = slab_cache;
          slab_cache = slab;
          slab_cache_len++;
          slab = NULL;
        }
      g_mutex_unlock (&slab_cache_lock);
    }
  if (slab != NULL)
    munmap (slab, slab->size);
}

typedef struct _SwTraceChunk SwTraceChunk;

struct _SwTraceChunk
{
  SwTraceChunk *next;      /* atomic: set once by the producer */
  guint         capacity;  /* fixed at creation */
  guint         count;     /* atomic: published events */
  SwEvent       events[];
};

typedef struct
{
  /* owned by the producing thread */
  SwTraceChunk *tail;
  guint         pos;
  guint32       current_lane;

  /* set once at creation */
  guint64       thread_uid;
  guint32       thread_lane;
  gboolean      times_are_ns;  /* imported events, converted by their own process */

  /* atomic: first is set once; dropped written by the producer only */
  SwTraceChunk *first;
  guint64       dropped;

  /* owned by the producing thread; freed with the trace */
  SwTraceSlab  *slabs;
} SwTraceBuffer;

struct _SwTrace
{
  GObject    parent_instance;

  guint64    serial;        /* tells this trace from a freed one at the same address */
  gsize      capacity;
  gint64     budget;        /* atomic: events not yet handed out to a chunk */
  gint64     origin_ns;
  guint32    process_lane;

  GMutex     lock;
  GPtrArray *buffers;       /* guarded by lock: SwTraceBuffer*, only grows */
  GHashTable *buffer_by_thread; /* guarded by lock: thread uid → SwTraceBuffer* */
  GArray    *lanes;         /* guarded by lock: SwLane, index = id − 1 */

  GMutex      strings_lock;
  GHashTable *string_ids;   /* guarded by strings_lock: char* → id */
  GPtrArray  *strings;      /* guarded by strings_lock: id → char* (owned) */
};

G_DEFINE_FINAL_TYPE (SwTrace, sw_trace, G_TYPE_OBJECT)

typedef struct
{
  guint64        serial;
  SwTraceBuffer *buffer;
} SwTraceThreadCache;

/* initial-exec: core is a static library linked into executables, and the
 * default model for PIC code would cost a __tls_get_addr call per event. */
#define SW_TLS __thread __attribute__ ((tls_model ("initial-exec")))

static SW_TLS SwTraceThreadCache thread_cache;

/* The string this thread interned last, in the trace with that serial:
 * a pool submitting many tasks of one name interns the same label each
 * time, and the string lock is shared with every other thread. */
typedef struct
{
  guint64     serial;
  const char *str;      /* the trace's own copy, alive as long as the trace */
  guint64     id;
} SwTraceInternCache;

static SW_TLS SwTraceInternCache intern_cache;
static SW_TLS guint64 thread_uid;
static guint64 next_thread_uid = 1;
static guint64 next_trace_serial = 1;

static guint64
get_thread_uid (void)
{
  if (G_UNLIKELY (thread_uid == 0))
    thread_uid = __atomic_fetch_add (&next_thread_uid, 1, __ATOMIC_RELAXED);
  return thread_uid;
}

static gint
get_tid (void)
{
  return (gint) syscall (SYS_gettid);
}

static void
sw_trace_finalize (GObject *object)
{
  SwTrace *self = SW_TRACE (object);

  for (guint i = 0; i < self->buffers->len; i++)
    {
      SwTraceBuffer *buffer = g_ptr_array_index (self->buffers, i);
      SwTraceSlab *slab = buffer->slabs;

      while (slab != NULL)
        {
          SwTraceSlab *next = slab->next;
          slab_release (slab);
          slab = next;
        }
      g_free (buffer);
    }
  g_ptr_array_unref (self->buffers);
  g_hash_table_unref (self->buffer_by_thread);
  g_array_unref (self->lanes);
  g_hash_table_unref (self->string_ids);
  g_ptr_array_unref (self->strings);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->strings_lock);

  G_OBJECT_CLASS (sw_trace_parent_class)->finalize (object);
}

static void
sw_trace_class_init (SwTraceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sw_trace_finalize;
}

static void
sw_trace_init (SwTrace *self)
{
  self->serial = __atomic_fetch_add (&next_trace_serial, 1, __ATOMIC_RELAXED);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->strings_lock);
  self->buffers = g_ptr_array_new ();
  self->buffer_by_thread = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->lanes = g_array_new (FALSE, TRUE, sizeof (SwLane));
  self->string_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->strings, g_strdup (""));
  g_hash_table_insert (self->string_ids, g_ptr_array_index (self->strings, 0),
                       GUINT_TO_POINTER (0));
}

/**
 * sw_trace_new:
 * @capacity: the most events the trace keeps; 0 for the default
 *
 * Returns: (transfer full): a new trace, with a lane for this process
 */
SwTrace *
sw_trace_new (gsize capacity)
{
  SwTrace *self;
  const char *prgname = g_get_prgname ();

  sw_clock_init ();

  self = g_object_new (SW_TYPE_TRACE, NULL);
  self->capacity = capacity ? capacity : SW_TRACE_DEFAULT_CAPACITY;
  self->budget = (gint64) self->capacity;
  self->origin_ns = sw_clock_monotonic_ns ();
  self->process_lane = sw_trace_register_lane (self, SW_LANE_PROCESS,
                                               prgname ? prgname : "process",
                                               getpid (), getpid (), 0);
  return self;
}

gsize
sw_trace_get_capacity (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  return self->capacity;
}

guint32
sw_trace_get_process_lane (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  return self->process_lane;
}

gint64
sw_trace_get_origin_ns (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  return self->origin_ns;
}

/* Strings */

guint64
sw_trace_intern (SwTrace    *self,
                 const char *str)
{
  gpointer id;
  char *copy;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  if (str == NULL || *str == '\0')
    return 0;
  if (intern_cache.serial == self->serial && strcmp (intern_cache.str, str) == 0)
    return intern_cache.id;

  g_mutex_lock (&self->strings_lock);
  if (!g_hash_table_lookup_extended (self->string_ids, str, (gpointer *) &copy, &id))
    {
      copy = g_strdup (str);
      id = GUINT_TO_POINTER (self->strings->len);
      g_ptr_array_add (self->strings, copy);
      g_hash_table_insert (self->string_ids, copy, id);
    }
  g_mutex_unlock (&self->strings_lock);

  intern_cache = (SwTraceInternCache) { self->serial, copy, GPOINTER_TO_UINT (id) };
  return GPOINTER_TO_UINT (id);
}

/**
 * sw_trace_lookup_string:
 *
 * Returns: (transfer none): the string for @id, valid as long as the
 *   trace, or NULL for an unknown id
 */
const char *
sw_trace_lookup_string (SwTrace *self,
                        guint64  id)
{
  const char *str = NULL;

  g_return_val_if_fail (SW_IS_TRACE (self), NULL);

  g_mutex_lock (&self->strings_lock);
  if (id < self->strings->len)
    str = g_ptr_array_index (self->strings, id);
  g_mutex_unlock (&self->strings_lock);

  return str;
}

/* Lanes */

guint32
sw_trace_register_lane (SwTrace    *self,
                        SwLaneKind  kind,
                        const char *name,
                        gint        pid,
                        gint        tid,
                        guint32     parent)
{
  SwLane lane;
  const char *interned;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  interned = sw_trace_lookup_string (self, sw_trace_intern (self, name));

  g_mutex_lock (&self->lock);
  lane.id = self->lanes->len + 1;
  lane.kind = kind;
  lane.name = interned;
  lane.pid = pid;
  lane.tid = tid;
  lane.parent = parent;
  g_array_append_val (self->lanes, lane);
  g_mutex_unlock (&self->lock);

  return lane.id;
}

/**
 * sw_trace_dup_lanes_from:
 * @first: how many lanes the caller has already seen
 *
 * Returns: (transfer full) (element-type SwLane): the lanes registered
 *   after the first @first ones (ids @first + 1, …)
 */
GArray *
sw_trace_dup_lanes_from (SwTrace *self,
                         guint    first)
{
  GArray *copy;

  g_return_val_if_fail (SW_IS_TRACE (self), NULL);

  g_mutex_lock (&self->lock);
  first = MIN (first, self->lanes->len);
  copy = g_array_sized_new (FALSE, FALSE, sizeof (SwLane), self->lanes->len - first);
  g_array_append_vals (copy, &g_array_index (self->lanes, SwLane, first), self->lanes->len - first);
  g_mutex_unlock (&self->lock);

  return copy;
}

/**
 * sw_trace_dup_lanes:
 *
 * Returns: (transfer full) (element-type SwLane): every lane so far
 */
GArray *
sw_trace_dup_lanes (SwTrace *self)
{
  return sw_trace_dup_lanes_from (self, 0);
}

gboolean
sw_trace_get_lane (SwTrace *self,
                   guint32  id,
                   SwLane  *out_lane)
{
  gboolean found = FALSE;

  g_return_val_if_fail (SW_IS_TRACE (self), FALSE);

  g_mutex_lock (&self->lock);
  if (id >= 1 && id <= self->lanes->len)
    {
      *out_lane = g_array_index (self->lanes, SwLane, id - 1);
      found = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return found;
}

/* Producer side */

static char *
default_thread_name (void)
{
  char name[32] = "";

  if (get_tid () == getpid ())
    return g_strdup ("main");
  if (pthread_getname_np (pthread_self (), name, sizeof name) == 0 && name[0] != '\0')
    return g_strdup (name);
  return g_strdup ("thread");
}

/* Slow path: the calling thread's buffer in this trace, made on first use. */
static SwTraceBuffer *
get_buffer_slow (SwTrace    *self,
                 gboolean    create,
                 SwLaneKind  kind)
{
  guint64 uid = get_thread_uid ();
  SwTraceBuffer *buffer;

  g_mutex_lock (&self->lock);
  buffer = g_hash_table_lookup (self->buffer_by_thread, &uid);
  g_mutex_unlock (&self->lock);

  if (buffer == NULL && create)
    {
      g_autofree char *name = default_thread_name ();

      buffer = g_new0 (SwTraceBuffer, 1);
      buffer->thread_uid = uid;
      buffer->thread_lane = sw_trace_register_lane (self, kind, name,
                                                    getpid (), get_tid (),
                                                    self->process_lane);
      buffer->current_lane = buffer->thread_lane;

      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->buffers, buffer);
      g_hash_table_insert (self->buffer_by_thread, &buffer->thread_uid, buffer);
      g_mutex_unlock (&self->lock);
    }

  if (buffer != NULL)
    {
      thread_cache.serial = self->serial;
      thread_cache.buffer = buffer;
    }

  return buffer;
}

static inline SwTraceBuffer *
get_buffer (SwTrace *self)
{
  if (G_LIKELY (thread_cache.serial == self->serial))
    return thread_cache.buffer;
  return get_buffer_slow (self, TRUE, SW_LANE_THREAD);
}

/* A fresh slab of @slab_size bytes on a 2 MiB boundary. */
static gpointer
slab_map (gsize slab_size)
{
  gpointer mem;
  guintptr start;
  gsize head;

  /* Over-map by one slab, then trim, to get a 2 MiB aligned start. */
  mem = mmap (NULL, slab_size + SLAB_SIZE, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    g_error ("sw-trace: cannot map %" G_GSIZE_FORMAT " bytes: %s", slab_size, g_strerror (errno));
  start = ((guintptr) mem + SLAB_SIZE - 1) & ~(guintptr) (SLAB_SIZE - 1);
  head = start - (guintptr) mem;
  if (head > 0)
    munmap (mem, head);
  munmap ((char *) start + slab_size, SLAB_SIZE - head);
  mem = (gpointer) start;
#ifdef MADV_HUGEPAGE
  madvise (mem, slab_size, MADV_HUGEPAGE); /* a hint: fine if refused */
#endif
  return mem;
}

static gpointer
slab_alloc (SwTraceBuffer *buffer,
            gsize          size)
{
  SwTraceSlab *slab = buffer->slabs;
  gsize offset;

  size = (size + 63) & ~(gsize) 63;
  offset = slab ? slab->used : 0;
  if (slab == NULL || offset + size > slab->size)
    {
      gsize slab_size = MAX (SLAB_SIZE, size + 64);
      gpointer mem = slab_size == SLAB_SIZE ? slab_cache_take () : NULL;

      if (mem == NULL)
        mem = slab_map (slab_size);
      slab = mem;
      slab->size = slab_size;
      slab->used = 64;
      slab->next = buffer->slabs;
      buffer->slabs = slab;
      offset = slab->used;
    }

  slab->used = offset + size;
  return (char *) slab + offset;
}

/* Slow path: a new chunk from the budget; FALSE when the budget is gone. */
static gboolean
buffer_grow (SwTrace       *self,
             SwTraceBuffer *buffer)
{
  gint64 budget = __atomic_load_n (&self->budget, __ATOMIC_RELAXED);
  gint64 take;
  SwTraceChunk *chunk;

  do
    {
      if (budget <= 0)
        return FALSE;
      take = MIN (budget, CHUNK_EVENTS);
    }
  while (!__atomic_compare_exchange_n (&self->budget, &budget, budget - take, TRUE,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED));

  chunk = slab_alloc (buffer, sizeof (SwTraceChunk) + (gsize) take * sizeof (SwEvent));
  chunk->next = NULL;
  chunk->capacity = (guint) take;
  chunk->count = 0;

  if (buffer->tail == NULL)
    __atomic_store_n (&buffer->first, chunk, __ATOMIC_RELEASE);
  else
    __atomic_store_n (&buffer->tail->next, chunk, __ATOMIC_RELEASE);
  buffer->tail = chunk;
  buffer->pos = 0;

  return TRUE;
}

static inline void
buffer_append (SwTrace       *self,
               SwTraceBuffer *buffer,
               guint64        time,
               guint32        lane,
               SwEventKind    kind,
               guint16        flags,
               guint64        object,
               guint64        arg)
{
  SwEvent *event;

  if (G_UNLIKELY (buffer->tail == NULL || buffer->pos == buffer->tail->capacity)
      && !buffer_grow (self, buffer))
    {
      __atomic_store_n (&buffer->dropped, buffer->dropped + 1, __ATOMIC_RELAXED);
      return;
    }

  event = &buffer->tail->events[buffer->pos];
  event->time = time;
  event->lane = lane;
  event->kind = kind;
  event->flags = flags;
  event->object = object;
  event->arg = arg;
  buffer->pos++;
  __atomic_store_n (&buffer->tail->count, buffer->pos, __ATOMIC_RELEASE);
}

void
sw_trace_record (SwTrace     *self,
                 SwEventKind  kind,
                 guint16      flags,
                 guint64      object,
                 guint64      arg)
{
  SwTraceBuffer *buffer = get_buffer (self);

  buffer_append (self, buffer, sw_clock_ticks (), buffer->current_lane, kind, flags, object, arg);
}

void
sw_trace_record_on_lane (SwTrace     *self,
                         guint32      lane,
                         SwEventKind  kind,
                         guint16      flags,
                         guint64      object,
                         guint64      arg)
{
  SwTraceBuffer *buffer = get_buffer (self);

  buffer_append (self, buffer, sw_clock_ticks (), lane, kind, flags, object, arg);
}

void
sw_trace_log (SwTrace    *self,
              const char *format,
              ...)
{
  g_autofree char *line = NULL;
  va_list args;

  g_return_if_fail (SW_IS_TRACE (self));

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  sw_trace_record (self, SW_EVENT_LOG, 0, 0, sw_trace_intern (self, line));
}

guint32
sw_trace_name_thread (SwTrace    *self,
                      const char *name)
{
  SwTraceBuffer *buffer;
  const char *interned;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  buffer = get_buffer (self);
  interned = sw_trace_lookup_string (self, sw_trace_intern (self, name));

  g_mutex_lock (&self->lock);
  g_array_index (self->lanes, SwLane, buffer->thread_lane - 1).name = interned;
  g_mutex_unlock (&self->lock);

  return buffer->thread_lane;
}

/* The engine's own threads (samplers) record on other threads' lanes;
 * their own lane is kept out of the picture. */
guint32
sw_trace_name_helper_thread (SwTrace    *self,
                             const char *name)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  /* Made a helper from the start, so no consumer ever sees it as a thread. */
  get_buffer_slow (self, TRUE, SW_LANE_HELPER);
  return sw_trace_name_thread (self, name);
}

gboolean
sw_trace_thread_has_lane (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), FALSE);

  if (thread_cache.serial == self->serial)
    return TRUE;
  return get_buffer_slow (self, FALSE, SW_LANE_THREAD) != NULL;
}

guint32
sw_trace_get_thread_lane (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  return get_buffer (self)->thread_lane;
}

guint32
sw_trace_get_current_lane (SwTrace *self)
{
  g_return_val_if_fail (SW_IS_TRACE (self), 0);
  return get_buffer (self)->current_lane;
}

/* For coroutine schedulers: events of this thread go to @lane from now on
 * (0 = back to the thread's own lane).  Returns the previous lane. */
guint32
sw_trace_set_current_lane (SwTrace *self,
                           guint32  lane)
{
  SwTraceBuffer *buffer;
  guint32 previous;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  buffer = get_buffer (self);
  previous = buffer->current_lane;
  buffer->current_lane = lane ? lane : buffer->thread_lane;
  return previous;
}

/* Counters */

static GPtrArray *
snapshot_buffers (SwTrace *self,
                  guint    from)
{
  GPtrArray *copy = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  for (guint i = from; i < self->buffers->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (self->buffers, i));
  g_mutex_unlock (&self->lock);

  return copy;
}

guint64
sw_trace_get_recorded (SwTrace *self)
{
  g_autoptr(GPtrArray) buffers = NULL;
  guint64 total = 0;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  buffers = snapshot_buffers (self, 0);
  for (guint i = 0; i < buffers->len; i++)
    {
      SwTraceBuffer *buffer = g_ptr_array_index (buffers, i);
      SwTraceChunk *chunk = __atomic_load_n (&buffer->first, __ATOMIC_ACQUIRE);

      for (; chunk != NULL; chunk = __atomic_load_n (&chunk->next, __ATOMIC_ACQUIRE))
        total += __atomic_load_n (&chunk->count, __ATOMIC_ACQUIRE);
    }

  return total;
}

guint64
sw_trace_get_dropped (SwTrace *self)
{
  g_autoptr(GPtrArray) buffers = NULL;
  guint64 total = 0;

  g_return_val_if_fail (SW_IS_TRACE (self), 0);

  buffers = snapshot_buffers (self, 0);
  for (guint i = 0; i < buffers->len; i++)
    {
      SwTraceBuffer *buffer = g_ptr_array_index (buffers, i);
      total += __atomic_load_n (&buffer->dropped, __ATOMIC_RELAXED);
    }

  return total;
}

/* Consumer side */

typedef struct
{
  SwTraceBuffer *buffer;
  SwTraceChunk  *chunk;   /* NULL until the buffer has its first chunk */
  guint          pos;
  guint64        last_ns; /* time of the last event converted from ticks */
} SwCursorPosition;

struct _SwTraceCursor
{
  SwTrace *trace;
  GArray  *positions;     /* SwCursorPosition, one per buffer seen */
  guint    next_buffer;   /* where the next drain starts, for fairness */
};

SwTraceCursor *
sw_trace_cursor_new (SwTrace *trace)
{
  SwTraceCursor *cursor;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  cursor = g_new0 (SwTraceCursor, 1);
  cursor->trace = g_object_ref (trace);
  cursor->positions = g_array_new (FALSE, TRUE, sizeof (SwCursorPosition));
  return cursor;
}

void
sw_trace_cursor_free (SwTraceCursor *cursor)
{
  if (cursor == NULL)
    return;
  g_array_unref (cursor->positions);
  g_object_unref (cursor->trace);
  g_free (cursor);
}

static gsize
drain_buffer (SwCursorPosition     *position,
              const SwClockMapping *mapping,
              SwEvent              *events,
              gsize                 max_events)
{
  gsize n = 0;

  if (position->chunk == NULL)
    {
      position->chunk = __atomic_load_n (&position->buffer->first, __ATOMIC_ACQUIRE);
      if (position->chunk == NULL)
        return 0;
    }

  while (n < max_events)
    {
      SwTraceChunk *chunk = position->chunk;
      guint count = __atomic_load_n (&chunk->count, __ATOMIC_ACQUIRE);

      while (position->pos < count && n < max_events)
        {
          events[n] = chunk->events[position->pos++];
          if (!position->buffer->times_are_ns)
            {
              /* One thread's events are in time order, but the clock may
               * be re-calibrated between two drains: a later event must
               * not come out a few ns before the one drained last time. */
              events[n].time = MAX ((guint64) sw_clock_mapping_apply (mapping, events[n].time),
                                    position->last_ns);
              position->last_ns = events[n].time;
            }
          n++;
        }

      if (position->pos < chunk->capacity)
        break;
      else
        {
          SwTraceChunk *next = __atomic_load_n (&chunk->next, __ATOMIC_ACQUIRE);

          if (next == NULL)
            break;
          position->chunk = next;
          position->pos = 0;
        }
    }

  return n;
}

/**
 * sw_trace_cursor_drain:
 * @events: (out caller-allocates) (array length=max_events): where to copy
 *
 * Copies up to @max_events events that this cursor has not seen yet, with
 * times in CLOCK_MONOTONIC nanoseconds.  Events of one lane come in the
 * order they were recorded; lanes are interleaved.  Never blocks a producer.
 *
 * Returns: the number of events copied; 0 when nothing is new
 */
gsize
sw_trace_cursor_drain (SwTraceCursor *cursor,
                       SwEvent       *events,
                       gsize          max_events)
{
  g_autoptr(GPtrArray) added = NULL;
  SwClockMapping mapping;
  gsize n = 0;
  guint n_buffers;

  g_return_val_if_fail (cursor != NULL, 0);

  added = snapshot_buffers (cursor->trace, cursor->positions->len);
  for (guint i = 0; i < added->len; i++)
    {
      SwCursorPosition position = { g_ptr_array_index (added, i), NULL, 0, 0 };
      g_array_append_val (cursor->positions, position);
    }

  sw_clock_recalibrate ();
  sw_clock_get_mapping (&mapping);

  n_buffers = cursor->positions->len;
  for (guint k = 0; k < n_buffers && n < max_events; k++)
    {
      guint i = (cursor->next_buffer + k) % n_buffers;
      SwCursorPosition *position = &g_array_index (cursor->positions, SwCursorPosition, i);

      n += drain_buffer (position, &mapping, events + n, max_events - n);
    }
  if (n_buffers > 0)
    cursor->next_buffer = (cursor->next_buffer + 1) % n_buffers;

  return n;
}

static int
compare_by_time_then_index (const void *a,
                            const void *b,
                            void       *data)
{
  const SwEvent *events = data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  if (events[ia].time != events[ib].time)
    return events[ia].time < events[ib].time ? -1 : 1;
  return ia < ib ? -1 : (ia > ib);
}

/**
 * sw_trace_dup_events:
 *
 * Returns: (transfer full) (element-type SwEvent): every event recorded so
 *   far, sorted by time (ties keep recording order within a lane)
 */
GArray *
sw_trace_dup_events (SwTrace *self)
{
  g_autoptr(SwTraceCursor) cursor = NULL;
  g_autoptr(GArray) drained = NULL;
  g_autofree guint *order = NULL;
  GArray *sorted;
  gsize n;

  g_return_val_if_fail (SW_IS_TRACE (self), NULL);

  cursor = sw_trace_cursor_new (self);
  drained = g_array_new (FALSE, FALSE, sizeof (SwEvent));
  do
    {
      gsize old_len = drained->len;

      g_array_set_size (drained, old_len + CHUNK_EVENTS);
      n = sw_trace_cursor_drain (cursor, &g_array_index (drained, SwEvent, old_len), CHUNK_EVENTS);
      g_array_set_size (drained, old_len + n);
    }
  while (n > 0);

  order = g_new (guint, MAX (drained->len, 1));
  for (guint i = 0; i < drained->len; i++)
    order[i] = i;
  if (drained->len > 1)
    qsort_r (order, drained->len, sizeof (guint), compare_by_time_then_index, drained->data);

  sorted = g_array_sized_new (FALSE, FALSE, sizeof (SwEvent), drained->len);
  for (guint i = 0; i < drained->len; i++)
    g_array_append_val (sorted, g_array_index (drained, SwEvent, order[i]));

  return sorted;
}

/* Importing what another process recorded */

struct _SwTraceImporter
{
  SwTrace       *trace;
  SwTraceBuffer *buffer;       /* times_are_ns; written by the importer's user only */
  guint32        parent_lane;
  GHashTable    *lane_map;     /* foreign lane id → local lane id */
  GHashTable    *string_map;   /* foreign string id → local string id */
};

/**
 * sw_trace_importer_new:
 * @parent_lane: the local lane foreign process lanes hang under (0: none)
 *
 * An importer merges the lanes, strings and events of one other recorder
 * (a worker process) into @trace, mapping their ids onto local ones.  Use
 * it from one thread at a time.
 */
SwTraceImporter *
sw_trace_importer_new (SwTrace *trace,
                       guint32  parent_lane)
{
  SwTraceImporter *importer;

  g_return_val_if_fail (SW_IS_TRACE (trace), NULL);

  importer = g_new0 (SwTraceImporter, 1);
  importer->trace = g_object_ref (trace);
  importer->parent_lane = parent_lane;
  importer->lane_map = g_hash_table_new (NULL, NULL);
  importer->string_map = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  importer->buffer = g_new0 (SwTraceBuffer, 1);
  importer->buffer->times_are_ns = TRUE;
  g_mutex_lock (&trace->lock);
  g_ptr_array_add (trace->buffers, importer->buffer);
  g_mutex_unlock (&trace->lock);

  return importer;
}

void
sw_trace_importer_free (SwTraceImporter *importer)
{
  if (importer == NULL)
    return;
  /* The buffer belongs to the trace from now on, like any thread's. */
  g_hash_table_unref (importer->lane_map);
  g_hash_table_unref (importer->string_map);
  g_object_unref (importer->trace);
  g_free (importer);
}

guint32
sw_trace_importer_add_lane (SwTraceImporter *importer,
                            const SwLane    *foreign)
{
  guint32 parent;
  guint32 local;

  g_return_val_if_fail (importer != NULL && foreign != NULL, 0);

  parent = GPOINTER_TO_UINT (g_hash_table_lookup (importer->lane_map, GUINT_TO_POINTER (foreign->parent)));
  if (parent == 0)
    parent = importer->parent_lane;
  local = sw_trace_register_lane (importer->trace, foreign->kind, foreign->name,
                                  foreign->pid, foreign->tid, parent);
  g_hash_table_insert (importer->lane_map, GUINT_TO_POINTER (foreign->id), GUINT_TO_POINTER (local));
  return local;
}

guint32
sw_trace_importer_map_lane (SwTraceImporter *importer,
                            guint32          foreign_id)
{
  g_return_val_if_fail (importer != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (importer->lane_map, GUINT_TO_POINTER (foreign_id)));
}

void
sw_trace_importer_add_string (SwTraceImporter *importer,
                              guint64          foreign_id,
                              const char      *str)
{
  guint64 *key;

  g_return_if_fail (importer != NULL);

  key = g_new (guint64, 1);
  *key = foreign_id;
  g_hash_table_insert (importer->string_map, key,
                       GSIZE_TO_POINTER ((gsize) sw_trace_intern (importer->trace, str)));
}

static guint64
map_string (SwTraceImporter *importer,
            guint64          foreign_id)
{
  return foreign_id ? (guint64) GPOINTER_TO_SIZE (g_hash_table_lookup (importer->string_map, &foreign_id)) : 0;
}

/**
 * sw_trace_importer_add_events:
 * @events: (array length=n_events): events with times in CLOCK_MONOTONIC ns,
 *   as a cursor of the other recorder handed them out
 *
 * Appends the events with lanes and string ids mapped; events on a lane
 * that was never added are dropped and counted.
 */
void
sw_trace_importer_add_events (SwTraceImporter *importer,
                              const SwEvent   *events,
                              gsize            n_events)
{
  g_return_if_fail (importer != NULL);

  for (gsize i = 0; i < n_events; i++)
    {
      SwEvent e = events[i];
      guint32 lane = sw_trace_importer_map_lane (importer, e.lane);

      if (lane == 0)
        {
          __atomic_store_n (&importer->buffer->dropped, importer->buffer->dropped + 1, __ATOMIC_RELAXED);
          continue;
        }
      switch (sw_event_kind_string_field (e.kind))
        {
        case SW_EVENT_STRING_IN_OBJECT:
          e.object = map_string (importer, e.object);
          break;
        case SW_EVENT_STRING_IN_ARG:
          e.arg = map_string (importer, e.arg);
          break;
        default:
          break;
        }
      buffer_append (importer->trace, importer->buffer, e.time, lane,
                     e.kind, e.flags, e.object, e.arg);
    }
}

/**
 * sw_event_kind_string_field:
 *
 * Returns: which field of an event of @kind holds a string id, if any
 */
SwEventStringField
sw_event_kind_string_field (guint16 kind)
{
  switch (kind)
    {
    case SW_EVENT_TASK_SUBMIT:
    case SW_EVENT_TASK_ERROR:
    case SW_EVENT_LOG:
      return SW_EVENT_STRING_IN_ARG;
    case SW_EVENT_COUNTER:
      return SW_EVENT_STRING_IN_OBJECT;
    default:
      return SW_EVENT_STRING_NONE;
    }
}

/**
 * sw_trace_dup_strings_from:
 * @first_id: the first id wanted
 *
 * Returns: (transfer full) (element-type utf8): the strings with ids
 *   @first_id, @first_id + 1, … interned so far
 */
GPtrArray *
sw_trace_dup_strings_from (SwTrace *self,
                           guint64  first_id)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (SW_IS_TRACE (self), copy);

  g_mutex_lock (&self->strings_lock);
  for (guint64 id = first_id; id < self->strings->len; id++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (self->strings, id)));
  g_mutex_unlock (&self->strings_lock);

  return copy;
}

/**
 * sw_switch_reason_to_string:
 *
 * Returns: what a coroutine gave up the thread for: "recv", "sleep", …
 */
const char *
sw_switch_reason_to_string (guint32 reason)
{
  switch ((SwSwitchReason) reason)
    {
    case SW_SWITCH_RECV:    return "recv";
    case SW_SWITCH_SEND:    return "send";
    case SW_SWITCH_ACCEPT:  return "accept";
    case SW_SWITCH_CONNECT: return "connect";
    case SW_SWITCH_SLEEP:   return "sleep";
    case SW_SWITCH_YIELD:   return "yield";
    case SW_SWITCH_JOIN:    return "join";
    case SW_SWITCH_EXIT:    return "exit";
    case SW_SWITCH_WAIT:    return "wait";
    default:                return "switch";
    }
}

/**
 * sw_wait_kind:
 * @object: a WAIT_BEGIN's (or WAIT_END's) object
 * @arg: its arg
 *
 * Returns: what the wait waited for
 */
SwWaitKind
sw_wait_kind (guint64 object,
              guint64 arg)
{
  if (object != 0)
    return SW_WAIT_RESULT;
  if ((arg & SW_WAIT_ARG_JOINALL) == SW_WAIT_ARG_JOINALL)
    return SW_WAIT_JOINALL;
  if ((arg & SW_WAIT_ARG_JOIN) != 0)
    return SW_WAIT_JOIN;
  return SW_WAIT_SHUTDOWN;
}

/**
 * sw_wait_kind_to_string:
 *
 * Returns: the call that waited, as the lessons write it: "result",
 *   "shutdown(wait=True)", "join", "joinall"
 */
const char *
sw_wait_kind_to_string (SwWaitKind kind)
{
  switch (kind)
    {
    case SW_WAIT_RESULT:   return "result";
    case SW_WAIT_SHUTDOWN: return "shutdown(wait=True)";
    case SW_WAIT_JOIN:     return "join";
    case SW_WAIT_JOINALL:  return "joinall";
    default:               return "wait";
    }
}
