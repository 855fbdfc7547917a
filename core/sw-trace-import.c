/* sw-trace-import.c — a saved trace (Chrome trace-event JSON) back into events
 *
 * Reads what sw-trace-export.c writes and turns its slices, instants, flows
 * and counter samples back into the events they were made from, in a new
 * SwTrace (through an SwTraceImporter, so lanes keep their pid and tid).
 * The file is read with a small streaming tokenizer for the subset of JSON
 * the writer produces (any valid JSON is accepted; keys we do not know are
 * skipped): a DOM of a million-event file would cost seconds and gigabytes.
 *
 * What the writer does not carry cannot come back: a done-callback written
 * as an instant has no end (it is taken as its start; one written as a
 * slice keeps it), a pool's id and a switch's
 * reason when a thread gives up the CPU are lost, and so are byte counts,
 * OS context switches and anything still open when the trace was saved.
 * Times are shifted so the first event falls on the new trace's origin.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-trace-import.h"

#include <string.h>

#include "sw-error.h"

#define MAX_DEPTH 64

/* The writer's tid for a coroutine lane (it has no tid of its own). */
#define COROUTINE_TID_BASE 1000000

/* Tokenizer */

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  char       *message;   /* the first error, or NULL */
} Parser;

typedef struct
{
  const char *s;
  gsize       len;
  gboolean    escaped;
} Str;

static guint
line_of (const Parser *ps,
         const char   *where)
{
  guint line = 1;

  for (const char *q = ps->start; q < where && q < ps->end; q++)
    line += (*q == '\n');
  return line;
}

static gboolean
fail_at (Parser     *ps,
         const char *where,
         const char *what)
{
  if (ps->message == NULL)
    {
      if (where >= ps->end)
        ps->message = g_strdup_printf (_("truncated: the file ends at line %u, %s"),
                                       line_of (ps, ps->end), _(what));
      else
        ps->message = g_strdup_printf (_("line %u: %s"), line_of (ps, where), _(what));
    }
  return FALSE;
}

static gboolean
fail (Parser     *ps,
      const char *what)
{
  return fail_at (ps, ps->p, what);
}

static inline void
skip_ws (Parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

/* Skips blanks and tells the next byte, or 0 at the end. */
static inline char
peek (Parser *ps)
{
  skip_ws (ps);
  return ps->p < ps->end ? *ps->p : '\0';
}

static inline gboolean
expect (Parser     *ps,
        char        c,
        const char *what)
{
  if (peek (ps) != c)
    return fail (ps, what);
  ps->p++;
  return TRUE;
}

/* Bytes that end a run of plain string text: '"', '\\', controls. */
static const guchar string_special[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  ['"'] = 1, ['\\'] = 1,
};

static gboolean
parse_string (Parser *ps,
              Str    *out)
{
  const char *p;

  if (!expect (ps, '"', "expected a string"))
    return FALSE;
  p = ps->p;
  out->s = p;
  out->escaped = FALSE;
  for (;;)
    {
      /* Plain text first, a byte at a time but with one test per byte. */
      while (p < ps->end && !string_special[(guchar) *p])
        p++;
      if (p >= ps->end || *p == '"')
        break;
      if (*p == '\\')
        {
          out->escaped = TRUE;
          p += 2;
          continue;
        }
      return fail_at (ps, p, N_("control character inside a string"));
    }
  if (p >= ps->end)
    return fail_at (ps, ps->end, N_("inside a string"));
  out->len = (gsize) (p - out->s);
  ps->p = p + 1;
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const char *s,
           const char *end,
           gunichar   *out)
{
  gunichar v = 0;

  if (end - s < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (s[i]);
      if (h < 0)
        return FALSE;
      v = (v << 4) | (gunichar) h;
    }
  *out = v;
  return TRUE;
}

/* A string's text, unescaped and checked to be UTF-8; NULL on error. */
static char *
str_dup (Parser    *ps,
         const Str *str)
{
  GString *out;
  const char *s = str->s, *end = str->s + str->len;

  if (!str->escaped)
    {
      if (!g_utf8_validate (s, (gssize) str->len, NULL))
        {
          fail_at (ps, s, N_("a string is not valid UTF-8"));
          return NULL;
        }
      return g_strndup (s, str->len);
    }

  out = g_string_sized_new (str->len);
  while (s < end)
    {
      gunichar u;

      if (*s != '\\')
        {
          g_string_append_c (out, *s++);
          continue;
        }
      s++;
      switch (s < end ? *s : '\0')
        {
        case '"':  g_string_append_c (out, '"'); s++; break;
        case '\\': g_string_append_c (out, '\\'); s++; break;
        case '/':  g_string_append_c (out, '/'); s++; break;
        case 'b':  g_string_append_c (out, '\b'); s++; break;
        case 'f':  g_string_append_c (out, '\f'); s++; break;
        case 'n':  g_string_append_c (out, '\n'); s++; break;
        case 'r':  g_string_append_c (out, '\r'); s++; break;
        case 't':  g_string_append_c (out, '\t'); s++; break;
        case 'u':
          if (!read_hex4 (s + 1, end, &u))
            goto bad;
          s += 5;
          if (u >= 0xd800 && u < 0xdc00)
            {
              gunichar low;

              if (end - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                  !read_hex4 (s + 2, end, &low) || low < 0xdc00 || low >= 0xe000)
                goto bad;
              u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
              s += 6;
            }
          else if (u >= 0xdc00 && u < 0xe000)
            goto bad;
          if (u == 0)
            goto bad;   /* would cut the string short */
          g_string_append_unichar (out, u);
          break;
        default:
          goto bad;
        }
    }
  if (!g_utf8_validate (out->str, (gssize) out->len, NULL))
    {
      g_string_free (out, TRUE);
      fail_at (ps, str->s, N_("a string is not valid UTF-8"));
      return NULL;
    }
  return g_string_free (out, FALSE);

bad:
  g_string_free (out, TRUE);
  fail_at (ps, str->s, N_("bad escape in a string"));
  return NULL;
}

static inline gboolean
str_is (const Str  *str,
        const char *literal,
        gsize       literal_len)
{
  return !str->escaped && str->len == literal_len && memcmp (str->s, literal, literal_len) == 0;
}

#define STR_IS(str, lit) str_is ((str), "" lit "", sizeof (lit) - 1)

typedef struct
{
  gboolean negative;
  guint64  integer;
  guint32  frac_ns;     /* the first three fraction digits, as thousandths */
  gboolean has_frac;
  gboolean has_exp;
} Number;

static gboolean
parse_number (Parser *ps,
              Number *n)
{
  const char *p, *end = ps->end;
  guint64 integer = 0;
  guint32 frac = 0;

  /* Locals, not *n, in the loops: the compiler cannot tell *n apart from
   * the text and would store every digit. */
  memset (n, 0, sizeof *n);
  skip_ws (ps);
  p = ps->p;
  if (p < end && *p == '-')
    {
      n->negative = TRUE;
      p++;
    }
  if (p >= end)
    return fail_at (ps, p, N_("inside a number"));
  if (*p < '0' || *p > '9')
    return fail_at (ps, p, N_("expected a number"));
  while (p < end && *p >= '0' && *p <= '9')
    {
      guint d = (guint) (*p - '0');

      /* Only a 20th digit can overflow: no division per digit. */
      if (G_UNLIKELY (integer >= G_MAXUINT64 / 10) &&
          (integer > G_MAXUINT64 / 10 || d > G_MAXUINT64 % 10))
        return fail_at (ps, p, N_("number out of range"));
      integer = integer * 10 + d;
      p++;
    }
  if (p < end && *p == '.')
    {
      guint digits = 0;

      p++;
      n->has_frac = TRUE;
      if (p >= end || *p < '0' || *p > '9')
        return fail_at (ps, p, N_("expected digits after '.'"));
      while (p < end && *p >= '0' && *p <= '9')
        {
          if (digits < 3)
            frac = frac * 10 + (guint32) (*p - '0');
          digits++;
          p++;
        }
      for (; digits < 3; digits++)
        frac *= 10;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      n->has_exp = TRUE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || *p < '0' || *p > '9')
        return fail_at (ps, p, N_("expected digits in an exponent"));
      while (p < end && *p >= '0' && *p <= '9')
        p++;
    }
  if (p >= end)
    return fail_at (ps, p, N_("after a number"));
  n->integer = integer;
  n->frac_ns = frac;
  ps->p = p;
  return TRUE;
}

static gboolean
parse_int (Parser *ps,
           gint64  min,
           gint64  max,
           gint64 *out)
{
  Number n;
  const char *at;

  skip_ws (ps);
  at = ps->p;
  if (!parse_number (ps, &n))
    return FALSE;
  if (n.has_frac || n.has_exp)
    return fail_at (ps, at, N_("expected an integer"));
  if (n.integer > (guint64) G_MAXINT64 ||
      (n.negative ? -(gint64) n.integer < min : (gint64) n.integer > max))
    return fail_at (ps, at, N_("integer out of range"));
  *out = n.negative ? -(gint64) n.integer : (gint64) n.integer;
  return TRUE;
}

static gboolean
parse_uint64 (Parser  *ps,
              guint64 *out)
{
  Number n;
  const char *at;

  skip_ws (ps);
  at = ps->p;
  if (!parse_number (ps, &n))
    return FALSE;
  if (n.has_frac || n.has_exp || n.negative)
    return fail_at (ps, at, N_("expected an unsigned integer"));
  *out = n.integer;
  return TRUE;
}

/* Microseconds with up to three decimals, as the writer prints them → ns. */
static gboolean
parse_time_us (Parser *ps,
               gint64 *out_ns)
{
  Number n;
  const char *at;

  skip_ws (ps);
  at = ps->p;
  if (!parse_number (ps, &n))
    return FALSE;
  if (n.has_exp || n.negative || n.integer > (guint64) (G_MAXINT64 / 1000 - 1))
    return fail_at (ps, at, N_("time out of range"));
  *out_ns = (gint64) n.integer * 1000 + n.frac_ns;
  return TRUE;
}

static gboolean
skip_literal (Parser     *ps,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (ps->end - ps->p) < len)
    return fail_at (ps, ps->end, N_("inside a literal"));
  if (memcmp (ps->p, word, len) != 0)
    return fail (ps, N_("unexpected character"));
  ps->p += len;
  return TRUE;
}

static gboolean
skip_value (Parser *ps,
            guint   depth)
{
  Str str;
  Number n;

  if (depth > MAX_DEPTH)
    return fail (ps, N_("nested too deeply"));

  switch (peek (ps))
    {
    case '"':
      return parse_string (ps, &str);
    case '{':
      ps->p++;
      if (peek (ps) == '}')
        {
          ps->p++;
          return TRUE;
        }
      for (;;)
        {
          if (!parse_string (ps, &str) ||
              !expect (ps, ':', "expected ':' after a key") ||
              !skip_value (ps, depth + 1))
            return FALSE;
          if (peek (ps) == ',')
            ps->p++;
          else
            return expect (ps, '}', "expected ',' or '}' in an object");
        }
    case '[':
      ps->p++;
      if (peek (ps) == ']')
        {
          ps->p++;
          return TRUE;
        }
      for (;;)
        {
          if (!skip_value (ps, depth + 1))
            return FALSE;
          if (peek (ps) == ',')
            ps->p++;
          else
            return expect (ps, ']', "expected ',' or ']' in an array");
        }
    case 't':
      return skip_literal (ps, "true");
    case 'f':
      return skip_literal (ps, "false");
    case 'n':
      return skip_literal (ps, "null");
    case '\0':
      return fail (ps, N_("expected a value"));
    default:
      return parse_number (ps, &n);
    }
}

/* One trace event as read, before it means anything. */
typedef struct
{
  const char *at;         /* where it starts, for errors */
  char        ph;
  Str         name, cat;
  gint64      pid, tid, ts, dur;
  guint64     id;
  gboolean    has_ph, has_name, has_cat, has_pid, has_tid, has_ts, has_dur, has_id;
  /* args */
  guint64     task;
  gint64      sort_index, value;
  Str         state, error, arg_name;
  gboolean    has_task, has_sort_index, has_value, has_state, has_error, has_arg_name;
} RawEvent;

static gboolean
parse_args (Parser   *ps,
            RawEvent *ev)
{
  if (!expect (ps, '{', "expected an object for \"args\""))
    return FALSE;
  if (peek (ps) == '}')
    {
      ps->p++;
      return TRUE;
    }
  for (;;)
    {
      Str key;

      if (!parse_string (ps, &key) || !expect (ps, ':', "expected ':' after a key"))
        return FALSE;
      if (STR_IS (&key, "task"))
        {
          if (!parse_uint64 (ps, &ev->task))
            return FALSE;
          ev->has_task = TRUE;
        }
      else if (STR_IS (&key, "name") && peek (ps) == '"')
        {
          if (!parse_string (ps, &ev->arg_name))
            return FALSE;
          ev->has_arg_name = TRUE;
        }
      else if (STR_IS (&key, "sort_index"))
        {
          if (!parse_int (ps, 0, G_MAXUINT32, &ev->sort_index))
            return FALSE;
          ev->has_sort_index = TRUE;
        }
      else if (STR_IS (&key, "value"))
        {
          if (!parse_int (ps, G_MININT64, G_MAXINT64, &ev->value))
            return FALSE;
          ev->has_value = TRUE;
        }
      else if (STR_IS (&key, "state"))
        {
          if (!parse_string (ps, &ev->state))
            return FALSE;
          ev->has_state = TRUE;
        }
      else if (STR_IS (&key, "error"))
        {
          if (!parse_string (ps, &ev->error))
            return FALSE;
          ev->has_error = TRUE;
        }
      else if (!skip_value (ps, 2))
        return FALSE;

      if (peek (ps) == ',')
        ps->p++;
      else
        return expect (ps, '}', "expected ',' or '}' in \"args\"");
    }
}

static gboolean
parse_event (Parser   *ps,
             RawEvent *ev)
{
  memset (ev, 0, sizeof *ev);
  skip_ws (ps);
  ev->at = ps->p;
  if (!expect (ps, '{', "expected an event object"))
    return FALSE;
  if (peek (ps) == '}')
    {
      ps->p++;
      return TRUE;
    }
  for (;;)
    {
      Str key;

      if (!parse_string (ps, &key) || !expect (ps, ':', "expected ':' after a key"))
        return FALSE;

      if (STR_IS (&key, "ph"))
        {
          Str ph;

          if (!parse_string (ps, &ph))
            return FALSE;
          if (ph.len != 1 || ph.escaped)
            return fail_at (ps, ph.s, N_("unknown \"ph\""));
          ev->ph = ph.s[0];
          ev->has_ph = TRUE;
        }
      else if (STR_IS (&key, "name"))
        {
          if (!parse_string (ps, &ev->name))
            return FALSE;
          ev->has_name = TRUE;
        }
      else if (STR_IS (&key, "cat"))
        {
          if (!parse_string (ps, &ev->cat))
            return FALSE;
          ev->has_cat = TRUE;
        }
      else if (STR_IS (&key, "pid"))
        {
          if (!parse_int (ps, G_MININT32, G_MAXINT32, &ev->pid))
            return FALSE;
          ev->has_pid = TRUE;
        }
      else if (STR_IS (&key, "tid"))
        {
          if (!parse_int (ps, G_MININT32, G_MAXINT32, &ev->tid))
            return FALSE;
          ev->has_tid = TRUE;
        }
      else if (STR_IS (&key, "ts"))
        {
          if (!parse_time_us (ps, &ev->ts))
            return FALSE;
          ev->has_ts = TRUE;
        }
      else if (STR_IS (&key, "dur"))
        {
          if (!parse_time_us (ps, &ev->dur))
            return FALSE;
          ev->has_dur = TRUE;
        }
      else if (STR_IS (&key, "id"))
        {
          if (!parse_uint64 (ps, &ev->id))
            return FALSE;
          ev->has_id = TRUE;
        }
      else if (STR_IS (&key, "args"))
        {
          if (!parse_args (ps, ev))
            return FALSE;
        }
      else if (!skip_value (ps, 1))
        return FALSE;

      if (peek (ps) == ',')
        ps->p++;
      else
        return expect (ps, '}', "expected ',' or '}' in an event");
    }
}

/* Turning trace events back into SwEvents */

typedef struct
{
  gint64      key;            /* pid << 32 | tid as in the file */
  gint        pid;
  gint        tid;            /* as in the file */
  gint        real_tid;       /* a coroutine's thread's */
  SwLaneKind  kind;
  char       *name;
  gint64      sort_index;     /* -1: none */
  guint       order;          /* of appearance */
  guint32     parent;         /* slot id (index + 1), or 0 */
  guint32     local;          /* lane id in the new trace */
  guint       pending_switch; /* 1 + index of its last switch away whose reason is unknown */
  gboolean    exited;
} Slot;

typedef struct
{
  guint64 id;                 /* key */
  guint   submit;             /* 1 + index of its TASK_SUBMIT, or 0 */
  gboolean started;
} TaskState;

typedef struct
{
  Parser      ps;
  GArray     *events;         /* SwEvent; lane: slot id; lane-valued objects: slot id */
  GPtrArray  *slots;          /* Slot*, id = index + 1 */
  GHashTable *slot_by_key;    /* &Slot.key → Slot* (thread and coroutine lanes) */
  GHashTable *process_by_pid; /* pid → Slot* */
  Slot       *last_slot;      /* one-entry cache of slot_by_key */
  GHashTable *tasks;          /* &TaskState.id → TaskState* */
  GHashTable *task_by_label;  /* string id → the last task of that label to end */
  GHashTable *string_ids;     /* char* → id */
  GPtrArray  *strings;        /* id → char* (owned); 0 is "" */
  guint64     flow_id;        /* the switch flow start waiting for its end */
  guint32     flow_slot;      /* 0: none */
  gint64      flow_ts;
} Reader;

/* pid and tid in one key (unsigned: a pid may be negative in a file). */
static inline gint64
lane_key (gint pid,
          gint tid)
{
  return (gint64) (((guint64) (guint32) pid << 32) | (guint32) tid);
}

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_free (slot->name);
  g_free (slot);
}

static guint32
slot_id (const Slot *slot)
{
  return slot->order + 1;
}

static Slot *
slot_new (Reader     *r,
          SwLaneKind  kind,
          gint        pid,
          gint        tid)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->kind = kind;
  slot->pid = pid;
  slot->tid = tid;
  slot->real_tid = tid;
  slot->key = lane_key (pid, tid);
  slot->sort_index = -1;
  slot->order = r->slots->len;
  g_ptr_array_add (r->slots, slot);
  return slot;
}

static Slot *
process_slot (Reader *r,
              gint    pid)
{
  Slot *slot = g_hash_table_lookup (r->process_by_pid, GINT_TO_POINTER (pid));

  if (slot == NULL)
    {
      slot = slot_new (r, SW_LANE_PROCESS, pid, pid);
      slot->name = g_strdup_printf ("pid %d", pid);
      g_hash_table_insert (r->process_by_pid, GINT_TO_POINTER (pid), slot);
    }
  return slot;
}

static Slot *
lane_slot (Reader *r,
           gint    pid,
           gint    tid)
{
  gint64 key = lane_key (pid, tid);
  Slot *slot;

  if (r->last_slot != NULL && r->last_slot->key == key)
    return r->last_slot;
  slot = g_hash_table_lookup (r->slot_by_key, &key);
  if (slot == NULL)
    {
      /* A lane the metadata did not name: a thread, until told otherwise. */
      slot = slot_new (r, tid >= COROUTINE_TID_BASE ? SW_LANE_COROUTINE : SW_LANE_THREAD, pid, tid);
      slot->name = g_strdup_printf ("tid %d", tid);
      g_hash_table_insert (r->slot_by_key, &slot->key, slot);
    }
  r->last_slot = slot;
  return slot;
}

static guint64
intern (Reader     *r,
        const char *str)
{
  gpointer id;
  char *copy;

  if (str == NULL || *str == '\0')
    return 0;
  if (g_hash_table_lookup_extended (r->string_ids, str, NULL, &id))
    return GPOINTER_TO_SIZE (id);
  copy = g_strdup (str);
  id = GSIZE_TO_POINTER ((gsize) r->strings->len);
  g_ptr_array_add (r->strings, copy);
  g_hash_table_insert (r->string_ids, copy, id);
  return GPOINTER_TO_SIZE (id);
}

/* Interns a string of the file; FALSE (and the error set) if it is bad. */
static gboolean
intern_str (Reader    *r,
            const Str *str,
            guint64   *out_id)
{
  g_autofree char *text = str_dup (&r->ps, str);

  if (text == NULL)
    return FALSE;
  *out_id = intern (r, text);
  return TRUE;
}

static TaskState *
task_state (Reader  *r,
            guint64  id)
{
  TaskState *task = g_hash_table_lookup (r->tasks, &id);

  if (task == NULL)
    {
      task = g_new0 (TaskState, 1);
      task->id = id;
      g_hash_table_insert (r->tasks, &task->id, task);
    }
  return task;
}

static guint
add_event (Reader      *r,
           gint64       time,
           guint32      lane,
           SwEventKind  kind,
           guint16      flags,
           guint64      object,
           guint64      arg)
{
  SwEvent e = { (guint64) time, lane, (guint16) kind, flags, object, arg };

  g_array_append_val (r->events, e);
  return r->events->len - 1;
}

static SwEvent *
event_at (Reader *r,
          guint   index)
{
  return &g_array_index (r->events, SwEvent, index);
}

static guint32
reason_from_string (const char *s,
                    gsize       len)
{
  for (guint32 reason = SW_SWITCH_RECV; reason <= SW_SWITCH_WAIT; reason++)
    {
      const char *name = sw_switch_reason_to_string (reason);

      if (strlen (name) == len && memcmp (name, s, len) == 0)
        return reason;
    }
  return 0;
}

/* "main (tid 1234)" → "main", 1234 */
static void
split_thread_label (const char *label,
                    char      **name,
                    gint       *tid)
{
  const char *open = g_strrstr (label, " (tid ");
  gint64 value;
  char *end = NULL;

  if (open != NULL)
    {
      value = g_ascii_strtoll (open + 6, &end, 10);
      if (end != NULL && end != open + 6 && g_str_equal (end, ")") &&
          value >= G_MININT32 && value <= G_MAXINT32)
        {
          *name = g_strndup (label, (gsize) (open - label));
          *tid = (gint) value;
          return;
        }
    }
  *name = g_strdup (label);
}

static gboolean
need (Reader         *r,
      const RawEvent *ev,
      gboolean        present,
      const char     *what)
{
  g_autofree char *message = NULL;

  if (present)
    return TRUE;
  message = g_strdup_printf (_("an event without %s"), what);
  return fail_at (&r->ps, ev->at, message);
}

static gboolean
read_metadata (Reader         *r,
               const RawEvent *ev)
{
  Slot *slot;

  if (!need (r, ev, ev->has_name && ev->has_pid, "\"name\" or \"pid\""))
    return FALSE;

  if (STR_IS (&ev->name, "process_name"))
    {
      g_autofree char *name = NULL;

      if (!need (r, ev, ev->has_arg_name, "\"args\": {\"name\"}") ||
          (name = str_dup (&r->ps, &ev->arg_name)) == NULL)
        return FALSE;
      slot = process_slot (r, (gint) ev->pid);
      g_free (slot->name);
      slot->name = g_steal_pointer (&name);
    }
  else if (STR_IS (&ev->name, "thread_name"))
    {
      g_autofree char *label = NULL;
      char *name = NULL;
      gint real_tid;

      if (!need (r, ev, ev->has_tid && ev->has_arg_name, "\"tid\" or \"args\": {\"name\"}") ||
          (label = str_dup (&r->ps, &ev->arg_name)) == NULL)
        return FALSE;
      slot = lane_slot (r, (gint) ev->pid, (gint) ev->tid);
      real_tid = slot->tid;
      split_thread_label (label, &name, &real_tid);
      g_free (slot->name);
      slot->name = name;
      slot->real_tid = real_tid;
      /* The writer gives a coroutine a made-up tid and names its thread's. */
      slot->kind = real_tid != slot->tid && slot->tid >= COROUTINE_TID_BASE
                   ? SW_LANE_COROUTINE : SW_LANE_THREAD;
    }
  else if (STR_IS (&ev->name, "thread_sort_index"))
    {
      if (!need (r, ev, ev->has_tid && ev->has_sort_index, "\"tid\" or \"args\": {\"sort_index\"}"))
        return FALSE;
      lane_slot (r, (gint) ev->pid, (gint) ev->tid)->sort_index = ev->sort_index;
    }

  return TRUE;
}

/* A task's bar: its start (unless a flow arrow gave it) and its end. */
static gboolean
read_task_slice (Reader         *r,
                 const RawEvent *ev,
                 guint32         lane)
{
  TaskState *task;
  guint64 label = 0, message = 0;
  char fallback[48];
  gboolean failed;

  if (!need (r, ev, ev->has_task && ev->has_dur, "\"dur\" or \"args\": {\"task\"}"))
    return FALSE;
  task = task_state (r, ev->task);
  failed = ev->has_state && STR_IS (&ev->state, "failed");

  /* The writer names a task after its label, or "task N" without one. */
  g_snprintf (fallback, sizeof fallback, "task %" G_GUINT64_FORMAT, ev->task);
  if (!str_is (&ev->name, fallback, strlen (fallback)) && !intern_str (r, &ev->name, &label))
    return FALSE;
  if (failed && ev->has_error && !intern_str (r, &ev->error, &message))
    return FALSE;

  if (task->submit != 0)
    event_at (r, task->submit - 1)->arg = label;
  if (!task->started)
    add_event (r, ev->ts, lane, SW_EVENT_TASK_START, 0, ev->task, 0);
  task->started = TRUE;
  add_event (r, ev->ts + ev->dur, lane, failed ? SW_EVENT_TASK_ERROR : SW_EVENT_TASK_END,
             0, ev->task, message);
  g_hash_table_insert (r->task_by_label, GSIZE_TO_POINTER ((gsize) label),
                       GSIZE_TO_POINTER ((gsize) ev->task));
  return TRUE;
}

/* "result(LABEL)" waited on the last task of that label to end (the
 * writer writes a task's bar when it ends, before the wait's). */
static gboolean
read_wait_slice (Reader         *r,
                 const RawEvent *ev,
                 guint32         lane)
{
  guint64 task = 0;

  if (!need (r, ev, ev->has_dur, "\"dur\""))
    return FALSE;
  if (!ev->name.escaped && ev->name.len > 8 &&
      memcmp (ev->name.s, "result(", 7) == 0 && ev->name.s[ev->name.len - 1] == ')')
    {
      Str inner = { ev->name.s + 7, ev->name.len - 8, FALSE };
      g_autofree char *label = str_dup (&r->ps, &inner);
      gpointer found;

      if (label == NULL)
        return FALSE;
      if (g_hash_table_lookup_extended (r->task_by_label,
                                        GSIZE_TO_POINTER ((gsize) intern (r, label)), NULL, &found))
        task = GPOINTER_TO_SIZE (found);
      else if (g_str_has_prefix (label, "task "))
        task = g_ascii_strtoull (label + 5, NULL, 10);
    }
  add_event (r, ev->ts, lane, SW_EVENT_WAIT_BEGIN, 0, task, 0);
  add_event (r, ev->ts + ev->dur, lane, SW_EVENT_WAIT_END, 0, task, 0);
  return TRUE;
}

/* A coroutine's wait: tells why its last switch away happened; its
 * "ready (spawned)" wait is where it was spawned. */
static gboolean
read_coroutine_wait (Reader         *r,
                     const RawEvent *ev,
                     Slot           *slot)
{
  if (STR_IS (&ev->name, "ready (spawned)"))
    {
      Slot *spawner = g_hash_table_lookup (r->slot_by_key,
                                           &(gint64) { lane_key (slot->pid, slot->real_tid) });

      /* Which lane spawned it is not written: its thread's stands in. */
      if (spawner == NULL)
        spawner = process_slot (r, slot->pid);
      add_event (r, ev->ts, slot_id (spawner), SW_EVENT_CO_SPAWN, 0, slot_id (slot), 0);
    }
  else if (!ev->name.escaped && ev->name.len > 6 && memcmp (ev->name.s, "wait: ", 6) == 0 &&
           slot->pending_switch != 0)
    {
      SwEvent *sw = event_at (r, slot->pending_switch - 1);

      if ((gint64) sw->time == ev->ts)
        sw->flags = (guint16) reason_from_string (ev->name.s + 6, ev->name.len - 6);
      slot->pending_switch = 0;
    }
  return TRUE;
}

static gboolean
read_event (Reader         *r,
            const RawEvent *ev)
{
  Slot *slot;
  guint32 lane;
  guint64 string_id;

  if (!ev->has_ph)
    return need (r, ev, FALSE, "\"ph\"");
  if (ev->ph == 'M')
    return read_metadata (r, ev);
  if (ev->ph != 'X' && ev->ph != 'i' && ev->ph != 's' && ev->ph != 'f' && ev->ph != 'C')
    return TRUE;  /* not one we write: begin/end pairs, async events, … */

  if (!need (r, ev, ev->has_pid && ev->has_ts, "\"pid\" or \"ts\""))
    return FALSE;

  if (ev->ph == 'C')
    {
      if (!need (r, ev, ev->has_name && ev->has_value, "\"name\" or \"args\": {\"value\"}") ||
          !intern_str (r, &ev->name, &string_id))
        return FALSE;
      add_event (r, ev->ts, slot_id (process_slot (r, (gint) ev->pid)), SW_EVENT_COUNTER, 0,
                 string_id, (guint64) ev->value);
      return TRUE;
    }

  if (!need (r, ev, ev->has_tid && ev->has_name && ev->has_cat, "\"tid\", \"name\" or \"cat\""))
    return FALSE;
  slot = lane_slot (r, (gint) ev->pid, (gint) ev->tid);
  lane = slot_id (slot);

  switch (ev->ph)
    {
    case 'X':
      if (STR_IS (&ev->cat, "submit"))
        {
          if (!need (r, ev, ev->has_task, "\"args\": {\"task\"}"))
            return FALSE;
          task_state (r, ev->task)->submit =
            add_event (r, ev->ts, lane, SW_EVENT_TASK_SUBMIT, 0, ev->task, 0) + 1;
        }
      else if (STR_IS (&ev->cat, "task"))
        return read_task_slice (r, ev, lane);
      else if (STR_IS (&ev->cat, "wait"))
        return read_wait_slice (r, ev, lane);
      else if (STR_IS (&ev->cat, "coroutine-wait"))
        return read_coroutine_wait (r, ev, slot);
      else if (STR_IS (&ev->cat, "callback"))
        {
          /* A done-callback written as a slice: its end comes back too. */
          if (!need (r, ev, ev->has_task && ev->has_dur, "\"dur\" or \"args\": {\"task\"}"))
            return FALSE;
          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_BEGIN, 0, ev->task, 0);
          add_event (r, ev->ts + ev->dur, lane, SW_EVENT_CALLBACK_END,
                     ev->has_state && STR_IS (&ev->state, "failed") ? SW_EVENT_FLAG_FAILED : 0,
                     ev->task, 0);
        }
      /* "running" slices: the switches say as much. */
      break;

    case 'i':
      if (STR_IS (&ev->cat, "callback"))
        {
          if (!need (r, ev, ev->has_task, "\"args\": {\"task\"}"))
            return FALSE;
          /* Only its start is written. */
          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_BEGIN, 0, ev->task, 0);
          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_END, 0, ev->task, 0);
        }
      else if (STR_IS (&ev->cat, "task") && STR_IS (&ev->name, "cancelled"))
        {
          if (!need (r, ev, ev->has_task, "\"args\": {\"task\"}"))
            return FALSE;
          add_event (r, ev->ts, lane, SW_EVENT_TASK_CANCEL, 0, ev->task, 0);
        }
      else if (STR_IS (&ev->cat, "pool"))
        add_event (r, ev->ts, lane, SW_EVENT_POOL_SHUTDOWN, 0, 0, 0);
      else if (STR_IS (&ev->cat, "log"))
        {
          if (!intern_str (r, &ev->name, &string_id))
            return FALSE;
          add_event (r, ev->ts, lane, SW_EVENT_LOG, 0, 0, string_id);
        }
      else if (STR_IS (&ev->cat, "coroutine") &&
               (STR_IS (&ev->name, "exit") || STR_IS (&ev->name, "exit (failed)")))
        {
          add_event (r, ev->ts, lane, SW_EVENT_CO_EXIT,
                     STR_IS (&ev->name, "exit") ? 0 : SW_EVENT_FLAG_FAILED, lane, 0);
          slot->exited = TRUE;
        }
      break;

    case 's':
      if (STR_IS (&ev->cat, "coroutine") && ev->has_id)
        {
          r->flow_id = ev->id;
          r->flow_slot = lane;
          r->flow_ts = ev->ts;
        }
      break;

    case 'f':
      if (!ev->has_id)
        break;
      if (STR_IS (&ev->cat, "flow"))
        {
          /* Submit → start: the task started here. */
          TaskState *task = task_state (r, ev->id);

          if (!task->started)
            add_event (r, ev->ts, lane, SW_EVENT_TASK_START, 0, ev->id, 0);
          task->started = TRUE;
        }
      else if (STR_IS (&ev->cat, "coroutine") && r->flow_slot != 0 && r->flow_id == ev->id)
        {
          Slot *giver = g_ptr_array_index (r->slots, r->flow_slot - 1);
          guint16 reason = 0;
          guint index;

          if (giver->kind == SW_LANE_COROUTINE && giver->exited)
            reason = SW_SWITCH_EXIT;
          index = add_event (r, r->flow_ts, r->flow_slot, SW_EVENT_CO_SWITCH, reason, lane, 0);
          /* Its reason comes with the giver's wait, written when it ends. */
          if (giver->kind == SW_LANE_COROUTINE && reason == 0)
            giver->pending_switch = index + 1;
          r->flow_slot = 0;
        }
      break;

    default:
      break;
    }

  return TRUE;
}

static gboolean
read_events_array (Reader *r)
{
  Parser *ps = &r->ps;
  RawEvent ev;

  if (!expect (ps, '[', "expected an array for \"traceEvents\""))
    return FALSE;
  if (peek (ps) == ']')
    {
      ps->p++;
      return TRUE;
    }
  for (;;)
    {
      if (!parse_event (ps, &ev) || !read_event (r, &ev))
        return FALSE;
      if (peek (ps) == ',')
        ps->p++;
      else
        return expect (ps, ']', "expected ',' or ']' between events");
    }
}

static gboolean
read_document (Reader *r)
{
  Parser *ps = &r->ps;
  gboolean seen_events = FALSE;

  switch (peek (ps))
    {
    case '[':
      /* The bare-array form of the format. */
      if (!read_events_array (r))
        return FALSE;
      seen_events = TRUE;
      break;

    case '{':
      ps->p++;
      if (peek (ps) == '}')
        {
          ps->p++;
          break;
        }
      for (;;)
        {
          Str key;

          if (!parse_string (ps, &key) || !expect (ps, ':', "expected ':' after a key"))
            return FALSE;
          if (STR_IS (&key, "traceEvents"))
            {
              if (!read_events_array (r))
                return FALSE;
              seen_events = TRUE;
            }
          else if (!skip_value (ps, 1))
            return FALSE;
          if (peek (ps) == ',')
            ps->p++;
          else if (!expect (ps, '}', "expected ',' or '}' after a member"))
            return FALSE;
          else
            break;
        }
      break;

    case '\0':
      return fail (ps, ps->p == ps->start ? N_("the file is empty") : N_("expected a trace"));

    default:
      return fail (ps, N_("not a trace: expected '{' or '['"));
    }

  if (peek (ps) != '\0')
    return fail (ps, N_("unexpected data after the trace"));
  if (!seen_events)
    return fail (ps, N_("not a trace: no \"traceEvents\""));
  return TRUE;
}

static gint
compare_event_time (gconstpointer a,
                    gconstpointer b)
{
  const SwEvent *ea = a, *eb = b;

  return ea->time < eb->time ? -1 : ea->time > eb->time;
}

static gint
compare_slots (gconstpointer a,
               gconstpointer b)
{
  const Slot *sa = *(const Slot * const *) a, *sb = *(const Slot * const *) b;
  /* Processes, then threads, then coroutines (a lane's parent comes first);
   * within each, the order they were recorded in. */
  gint rank_a = sa->kind == SW_LANE_PROCESS ? 0 : sa->kind == SW_LANE_COROUTINE ? 2 : 1;
  gint rank_b = sb->kind == SW_LANE_PROCESS ? 0 : sb->kind == SW_LANE_COROUTINE ? 2 : 1;
  gint64 ia = sa->sort_index >= 0 ? sa->sort_index : G_MAXINT64;
  gint64 ib = sb->sort_index >= 0 ? sb->sort_index : G_MAXINT64;

  if (rank_a != rank_b)
    return rank_a - rank_b;
  if (ia != ib)
    return ia < ib ? -1 : 1;
  return sa->order < sb->order ? -1 : sa->order > sb->order;
}

static SwTrace *
build_trace (Reader *r)
{
  g_autoptr(SwTraceImporter) importer = NULL;
  g_autoptr(GPtrArray) order = NULL;
  SwTrace *trace;
  Slot *recorder = NULL;
  guint n_slots = r->slots->len;
  gint64 first = G_MAXINT64, shift;

  /* Parents: a thread under its process, a coroutine under its thread,
   * other processes (a pool's workers) under the first, which recorded. */
  for (guint i = 0; i < n_slots; i++)
    {
      Slot *slot = g_ptr_array_index (r->slots, i);
      Slot *parent = NULL;

      if (slot->kind == SW_LANE_PROCESS)
        {
          if (recorder == NULL)
            recorder = slot;
          else
            slot->parent = slot_id (recorder);
          continue;
        }
      if (slot->kind == SW_LANE_COROUTINE)
        {
          gint64 key = lane_key (slot->pid, slot->real_tid);
          parent = g_hash_table_lookup (r->slot_by_key, &key);
        }
      if (parent == NULL || parent->kind != SW_LANE_THREAD)
        parent = process_slot (r, slot->pid);
      slot->parent = slot_id (parent);
    }

  trace = sw_trace_new (MAX (r->events->len, 1) + SW_TRACE_CHUNK_EVENTS);
  importer = sw_trace_importer_new (trace, 0);

  order = g_ptr_array_new ();
  for (guint i = 0; i < r->slots->len; i++)
    g_ptr_array_add (order, g_ptr_array_index (r->slots, i));
  g_ptr_array_sort (order, compare_slots);
  for (guint i = 0; i < order->len; i++)
    {
      Slot *slot = g_ptr_array_index (order, i);
      SwLane foreign = { slot_id (slot), slot->kind, slot->name, slot->pid,
                         slot->kind == SW_LANE_PROCESS ? slot->pid : slot->real_tid,
                         slot->parent };

      slot->local = sw_trace_importer_add_lane (importer, &foreign);
    }

  for (guint i = 1; i < r->strings->len; i++)
    sw_trace_importer_add_string (importer, i, g_ptr_array_index (r->strings, i));

  /* Lane ids in objects are the importer's to map only in e.lane. */
  for (guint i = 0; i < r->events->len; i++)
    {
      SwEvent *e = event_at (r, i);

      if (e->kind == SW_EVENT_CO_SWITCH || e->kind == SW_EVENT_CO_SPAWN || e->kind == SW_EVENT_CO_EXIT)
        e->object = ((Slot *) g_ptr_array_index (r->slots, e->object - 1))->local;
      first = MIN (first, (gint64) e->time);
    }

  /* Stable (GLib's sort is a merge sort): ties keep the file's order. */
  g_array_sort (r->events, compare_event_time);
  shift = sw_trace_get_origin_ns (trace) - (r->events->len > 0 ? first : 0);
  for (guint i = 0; i < r->events->len; i++)
    event_at (r, i)->time = (guint64) ((gint64) event_at (r, i)->time + shift);

  sw_trace_importer_add_events (importer, (const SwEvent *) (gconstpointer) r->events->data,
                                r->events->len);
  return trace;
}

/**
 * sw_trace_from_chrome_json:
 * @data: (array length=length): the file's bytes
 *
 * Reads a trace written by sw_trace_to_chrome_json().
 *
 * Returns: (transfer full): a new trace holding the file's lanes and
 *   events, or NULL with @error set (one line, with the line number)
 */
SwTrace *
sw_trace_from_chrome_json (const char  *data,
                           gsize        length,
                           GError     **error)
{
  Reader r = { { data, data, data + length, NULL }, };
  SwTrace *trace = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  r.events = g_array_sized_new (FALSE, FALSE, sizeof (SwEvent), length / 128 + 16);
  r.slots = g_ptr_array_new_with_free_func (slot_free);
  r.slot_by_key = g_hash_table_new (g_int64_hash, g_int64_equal);
  r.process_by_pid = g_hash_table_new (NULL, NULL);
  r.tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  r.task_by_label = g_hash_table_new (NULL, NULL);
  r.string_ids = g_hash_table_new (g_str_hash, g_str_equal);
  r.strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r.strings, g_strdup (""));

  if (data == NULL)
    r.ps.start = r.ps.p = r.ps.end = "";

  if (read_document (&r))
    trace = build_trace (&r);
  else
    g_set_error_literal (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT, r.ps.message);

  g_free (r.ps.message);
  g_array_unref (r.events);
  g_hash_table_unref (r.slot_by_key);
  g_hash_table_unref (r.process_by_pid);
  g_ptr_array_unref (r.slots);
  g_hash_table_unref (r.tasks);
  g_hash_table_unref (r.task_by_label);
  g_hash_table_unref (r.string_ids);
  g_ptr_array_unref (r.strings);

  return trace;
}

/**
 * sw_trace_load_chrome_json:
 * @path: a file written by `switchyard-cli run NAME --trace FILE`
 *
 * Returns: (transfer full): the trace, or NULL with @error set to one
 *   line that names the file
 */
SwTrace *
sw_trace_load_chrome_json (const char  *path,
                           GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = NULL;
  SwTrace *trace;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot read trace: %s"), local_error->message);
      return NULL;
    }

  trace = sw_trace_from_chrome_json (g_mapped_file_get_contents (file),
                                     g_mapped_file_get_length (file), &local_error);
  if (trace == NULL)
    g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT, "%s: %s", display, local_error->message);
  return trace;
}
