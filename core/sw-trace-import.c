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
 * Times are shifted so the first event falls on the new trace's origin;
 * the format allows negative ones (before a clock's origin), so the file's
 * are signed until then.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sw-trace-import.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

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


/* A number where the parser stands, and where it began (for messages). */
static gboolean
read_number (Parser      *ps,
             Number      *n,
             const char **at)
{
  skip_ws (ps);
  *at = ps->p;
  return parse_number (ps, n);
}

static gboolean
parse_int (Parser *ps,
           gint64  min,
           gint64  max,
           gint64 *out)
{
  Number n;
  const char *at;

  if (!read_number (ps, &n, &at))
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

  if (!read_number (ps, &n, &at))
    return FALSE;
  if (n.has_frac || n.has_exp || n.negative)
    return fail_at (ps, at, N_("expected an unsigned integer"));
  *out = n.integer;
  return TRUE;
}

/* Microseconds with up to three decimals, as the writer prints them → ns.
 * A timestamp may be negative (an event before its clock's origin), a
 * duration may not. */
static gboolean
parse_time_us (Parser   *ps,
               gboolean  allow_negative,
               gint64   *out_ns)
{
  Number n;
  const char *at;
  gint64 ns;

  if (!read_number (ps, &n, &at))
    return FALSE;
  if (n.has_exp || (n.negative && !allow_negative) || n.integer > (guint64) (G_MAXINT64 / 1000 - 1))
    return fail_at (ps, at, N_("time out of range"));
  ns = (gint64) n.integer * 1000 + n.frac_ns;
  *out_ns = n.negative ? -ns : ns;
  return TRUE;
}

/* Where something that starts at @ts and lasts @dur ends: kept within
 * gint64 (both can be near its limits in a file). */
static inline gint64
time_end (gint64 ts,
          gint64 dur)
{
  return ts > 0 && dur > G_MAXINT64 - ts ? G_MAXINT64 : ts + dur;
}

/* How long from @from to @to: 0 if @to is not later, at most G_MAXINT64. */
static inline gint64
time_between (gint64 from,
              gint64 to)
{
  guint64 d;

  if (to <= from)
    return 0;
  d = (guint64) to - (guint64) from;
  return d > (guint64) G_MAXINT64 ? G_MAXINT64 : (gint64) d;
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

/* An argument of an event: a string or a number (other values are skipped). */
typedef struct
{
  Str      key;
  gboolean is_string;
  Str      str;
  gboolean is_integer;  /* integral and in range: `integer` is exact */
  gint64   integer;
  double   number;
} Arg;

#define MAX_ARGS 16

/* One trace event as read, before it means anything. */
typedef struct
{
  const char *at;         /* where it starts, for errors */
  char        ph;
  Str         name, cat, bp;
  gint64      pid, tid, ts, dur;
  guint64     id;
  gboolean    has_ph, has_name, has_cat, has_bp, has_pid, has_tid, has_ts, has_dur, has_id;
  Arg         args[MAX_ARGS];
  guint       n_args;
} RawEvent;

static const Arg *
find_arg (const RawEvent *ev,
          const char     *key)
{
  gsize len = strlen (key);

  for (guint i = 0; i < ev->n_args; i++)
    if (str_is (&ev->args[i].key, key, len))
      return &ev->args[i];
  return NULL;
}

/* An integer argument within [min, max]; FALSE if absent or not one. */
static gboolean
arg_int (const RawEvent *ev,
         const char     *key,
         gint64          min,
         gint64          max,
         gint64         *out)
{
  const Arg *arg = find_arg (ev, key);

  if (arg == NULL || !arg->is_integer || arg->integer < min || arg->integer > max)
    return FALSE;
  *out = arg->integer;
  return TRUE;
}

static gboolean
arg_uint64 (const RawEvent *ev,
            const char     *key,
            guint64        *out)
{
  gint64 v;

  if (!arg_int (ev, key, 0, G_MAXINT64, &v))
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static const Str *
arg_str (const RawEvent *ev,
         const char     *key)
{
  const Arg *arg = find_arg (ev, key);

  return arg != NULL && arg->is_string ? &arg->str : NULL;
}

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
      char c;

      if (!parse_string (ps, &key) || !expect (ps, ':', "expected ':' after a key"))
        return FALSE;
      c = peek (ps);
      if (ev->n_args < MAX_ARGS && (c == '"' || c == '-' || (c >= '0' && c <= '9')))
        {
          Arg *arg = &ev->args[ev->n_args];

          memset (arg, 0, sizeof *arg);
          arg->key = key;
          if (c == '"')
            {
              if (!parse_string (ps, &arg->str))
                return FALSE;
              arg->is_string = TRUE;
            }
          else
            {
              const char *at = ps->p;
              Number n;
              char buf[64];

              if (!parse_number (ps, &n))
                return FALSE;
              gsize n_chars = MIN ((gsize) (ps->p - at), sizeof buf - 1);

              /* g_ascii_strtod wants a terminated copy (not g_strlcpy: it
               * reads its source to the end); longer is noise. */
              memcpy (buf, at, n_chars);
              buf[n_chars] = '\0';
              arg->number = g_ascii_strtod (buf, NULL);
              if (!n.has_frac && !n.has_exp && n.integer <= (guint64) G_MAXINT64)
                {
                  arg->is_integer = TRUE;
                  arg->integer = n.negative ? -(gint64) n.integer : (gint64) n.integer;
                }
            }
          ev->n_args++;
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
      else if (STR_IS (&key, "bp") && peek (ps) == '"')
        {
          if (!parse_string (ps, &ev->bp))
            return FALSE;
          ev->has_bp = TRUE;
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
          if (!parse_time_us (ps, TRUE, &ev->ts))
            return FALSE;
          ev->has_ts = TRUE;
        }
      else if (STR_IS (&key, "dur"))
        {
          if (!parse_time_us (ps, FALSE, &ev->dur))
            return FALSE;
          ev->has_dur = TRUE;
        }
      else if (STR_IS (&key, "id") && peek (ps) == '"')
        {
          Str id;
          guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

          /* Other tools write ids as strings ("0x1f"): any stable number will do. */
          if (!parse_string (ps, &id))
            return FALSE;
          for (gsize i = 0; i < id.len; i++)
            hash = (hash ^ (guchar) id.s[i]) * G_GUINT64_CONSTANT (1099511628211);
          ev->id = hash;
          ev->has_id = TRUE;
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
  gint64      sort_index;     /* valid if has_sort_index; may be negative */
  gboolean    has_sort_index;
  guint       order;          /* of appearance */
  guint32     parent;         /* slot id (index + 1), or 0 */
  guint32     local;          /* lane id in the new trace */
  guint       pending_switch; /* 1 + index of its last switch away whose reason is unknown */
  gboolean    exited;
  gboolean    spawned;        /* a "spawn" instant said who spawned it */
  GArray     *open;           /* guint: other tools' "B" slices not ended yet, innermost last */
} Slot;

/* A slice from another tool ("X", or "B" … "E"): drawn as a task. */
typedef struct
{
  guint32  slot;
  gint64   ts;
  gint64   dur;               /* -1: never ended */
  guint64  label;             /* string id */
  guint32  submit_slot;       /* where a flow arrow into it starts, or 0 */
  gint64   submit_ts;
} Span;

/* Another tool's flow ("s", "t", "f" sharing an id and a category). */
typedef struct
{
  guint32  from_slot, to_slot;
  gint64   from_ts, to_ts;
  gboolean enclosing;         /* the end binds to the slice around it, not the next one */
} Flow;

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
  guint16     flow_flags;
  gboolean    flow_has_flags;
  guint64     flow_arg;
  GArray     *spans;          /* Span */
  GHashTable *flows;          /* &key (cat hash ^ id) → Flow* */
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
  if (slot->open != NULL)
    g_array_unref (slot->open);
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
      slot = slot_new (r, SW_LANE_THREAD, pid, tid);
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
  const Str *arg_name = arg_str (ev, "name");
  Slot *slot;
  gint64 sort_index;

  if (!need (r, ev, ev->has_name && ev->has_pid, "\"name\" or \"pid\""))
    return FALSE;

  if (STR_IS (&ev->name, "process_name"))
    {
      g_autofree char *name = NULL;

      if (!need (r, ev, arg_name != NULL, "\"args\": {\"name\"}") ||
          (name = str_dup (&r->ps, arg_name)) == NULL)
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

      if (!need (r, ev, ev->has_tid && arg_name != NULL, "\"tid\" or \"args\": {\"name\"}") ||
          (label = str_dup (&r->ps, arg_name)) == NULL)
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
      if (!need (r, ev, ev->has_tid && arg_int (ev, "sort_index", G_MININT32, G_MAXUINT32, &sort_index),
                 "\"tid\" or \"args\": {\"sort_index\"}"))
        return FALSE;
      slot = lane_slot (r, (gint) ev->pid, (gint) ev->tid);
      slot->sort_index = sort_index;
      slot->has_sort_index = TRUE;
    }
  else if (STR_IS (&ev->name, "process_sort_index"))
    {
      if (!need (r, ev, arg_int (ev, "sort_index", G_MININT32, G_MAXUINT32, &sort_index),
                 "\"args\": {\"sort_index\"}"))
        return FALSE;
      slot = process_slot (r, (gint) ev->pid);
      slot->sort_index = sort_index;
      slot->has_sort_index = TRUE;
    }

  return TRUE;
}

/* The lane an "end_pid"/"end_tid" pair names, or @lane. */
static guint32
end_lane (Reader         *r,
          const RawEvent *ev,
          guint32         lane)
{
  gint64 pid, tid;

  if (arg_int (ev, "end_pid", G_MININT32, G_MAXINT32, &pid) &&
      arg_int (ev, "end_tid", G_MININT32, G_MAXINT32, &tid))
    return slot_id (lane_slot (r, (gint) pid, (gint) tid));
  return lane;
}

/* A task's end ("state", "error"), on its bar or an instant. */
static gboolean
add_task_end (Reader         *r,
              const RawEvent *ev,
              gint64          t,
              guint32         lane,
              guint64         task)
{
  const Str *state = arg_str (ev, "state");
  const Str *error = arg_str (ev, "error");
  gboolean failed = state != NULL && STR_IS (state, "failed");
  guint64 message = 0;
  gint64 flags = 0;

  if (failed && error != NULL && !intern_str (r, error, &message))
    return FALSE;
  arg_int (ev, "flags", 0, G_MAXUINT16, &flags);
  add_event (r, t, end_lane (r, ev, lane), failed ? SW_EVENT_TASK_ERROR : SW_EVENT_TASK_END,
             (guint16) flags, task, message);
  return TRUE;
}

/* A task's bar: its start (unless a flow arrow gave it) and its end. */
static gboolean
read_task_slice (Reader         *r,
                 const RawEvent *ev,
                 guint32         lane,
                 guint64         id)
{
  TaskState *task = task_state (r, id);
  guint64 label = 0;
  char fallback[48];

  /* The writer names a task after its label, or "task N" without one. */
  g_snprintf (fallback, sizeof fallback, "task %" G_GUINT64_FORMAT, id);
  if (!str_is (&ev->name, fallback, strlen (fallback)) && !intern_str (r, &ev->name, &label))
    return FALSE;

  if (task->submit != 0 && event_at (r, task->submit - 1)->arg == 0)
    event_at (r, task->submit - 1)->arg = label;
  if (!task->started)
    add_event (r, ev->ts, lane, SW_EVENT_TASK_START, 0, id, 0);
  task->started = TRUE;
  if (ev->ph == 'B')
    return TRUE;  /* still running when saved */
  if (!add_task_end (r, ev, time_end (ev->ts, ev->dur), lane, id))
    return FALSE;
  g_hash_table_insert (r->task_by_label, GSIZE_TO_POINTER ((gsize) label),
                       GSIZE_TO_POINTER ((gsize) id));
  return TRUE;
}

/* "result(LABEL)" waited on the last task of that label to end (the
 * writer writes a task's bar when it ends, before the wait's); newer
 * files say which task and pool in "args". */
static gboolean
read_wait_slice (Reader         *r,
                 const RawEvent *ev,
                 guint32         lane)
{
  guint64 task = 0, pool = 0, end_task, end_pool;

  if (!arg_uint64 (ev, "task", &task) &&
      !ev->name.escaped && ev->name.len > 8 &&
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
  arg_uint64 (ev, "pool", &pool);
  if (!arg_uint64 (ev, "end_task", &end_task))
    end_task = task;
  if (!arg_uint64 (ev, "end_pool", &end_pool))
    end_pool = pool;
  add_event (r, ev->ts, lane, SW_EVENT_WAIT_BEGIN, 0, task, pool);
  if (ev->ph != 'B')
    add_event (r, time_end (ev->ts, ev->dur), lane, SW_EVENT_WAIT_END, 0, end_task, end_pool);
  return TRUE;
}

/* A coroutine's wait: tells why its last switch away happened (in files
 * whose switches do not say); its "ready (spawned)" wait is where it was
 * spawned, when no "spawn" instant said so. */
static gboolean
read_coroutine_wait (Reader         *r,
                     const RawEvent *ev,
                     Slot           *slot)
{
  if (STR_IS (&ev->name, "ready (spawned)"))
    {
      Slot *spawner;

      if (slot->spawned)
        return TRUE;
      spawner = g_hash_table_lookup (r->slot_by_key, &(gint64) { lane_key (slot->pid, slot->real_tid) });
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

/* Another tool's slice: a task-like bar labelled with its name. */
static gboolean
add_span (Reader         *r,
          const RawEvent *ev,
          Slot           *slot,
          gint64          dur)
{
  Span span = { slot_id (slot), ev->ts, dur, 0, 0, 0 };

  if (ev->has_name && !intern_str (r, &ev->name, &span.label))
    return FALSE;
  g_array_append_val (r->spans, span);
  if (dur < 0)
    {
      guint index = r->spans->len - 1;

      if (slot->open == NULL)
        slot->open = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_val (slot->open, index);
    }
  return TRUE;
}

static guint64
flow_key (const RawEvent *ev)
{
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

  for (gsize i = 0; ev->has_cat && i < ev->cat.len; i++)
    hash = (hash ^ (guchar) ev->cat.s[i]) * G_GUINT64_CONSTANT (1099511628211);
  return hash ^ ev->id;
}

/* Another tool's flow step: "s" starts it, "t" and "f" move its end. */
static void
add_flow_step (Reader         *r,
               const RawEvent *ev,
               guint32         lane)
{
  guint64 key = flow_key (ev);
  Flow *flow = g_hash_table_lookup (r->flows, &key);

  if (flow == NULL)
    {
      guint64 *k = g_new (guint64, 1);

      *k = key;
      flow = g_new0 (Flow, 1);
      g_hash_table_insert (r->flows, k, flow);
    }
  if (ev->ph == 's')
    {
      if (flow->from_slot == 0)
        {
          flow->from_slot = lane;
          flow->from_ts = ev->ts;
        }
      return;
    }
  flow->to_slot = lane;
  flow->to_ts = ev->ts;
  /* A step ("t") and an "f" with "bp":"e" bind to the enclosing slice. */
  flow->enclosing = ev->ph == 't' || (ev->has_bp && STR_IS (&ev->bp, "e"));
}

static gboolean
is_our_category (const RawEvent *ev)
{
  static const char *const ours[] = {
    "submit", "task", "wait", "coroutine", "coroutine-wait", "callback",
    "log", "pool", "flow", "conn", "ctx",
  };

  if (!ev->has_cat)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (ours); i++)
    if (str_is (&ev->cat, ours[i], strlen (ours[i])))
      return TRUE;
  return FALSE;
}

/* A "C" sample: our OS context switches, or counters (one per numeric
 * argument; "value" alone keeps the event's name). */
static gboolean
read_counter (Reader         *r,
              const RawEvent *ev)
{
  guint32 lane = slot_id (process_slot (r, (gint) ev->pid));
  gint64 voluntary, involuntary;

  if (ev->has_tid)
    {
      gint64 key = lane_key ((gint) ev->pid, (gint) ev->tid);
      Slot *slot = g_hash_table_lookup (r->slot_by_key, &key);

      /* Only a lane the metadata named: other tools' counters belong to the process. */
      if (slot != NULL)
        lane = slot_id (slot);
    }

  if (ev->has_cat && STR_IS (&ev->cat, "ctx") &&
      arg_int (ev, "voluntary", 0, G_MAXUINT32, &voluntary) &&
      arg_int (ev, "involuntary", 0, G_MAXUINT32, &involuntary))
    {
      add_event (r, ev->ts, lane, SW_EVENT_CTX_SWITCHES, 0, 0,
                 ((guint64) voluntary << 32) | (guint64) involuntary);
      return TRUE;
    }

  if (!need (r, ev, ev->has_name, "\"name\""))
    return FALSE;
  for (guint i = 0; i < ev->n_args; i++)
    {
      const Arg *arg = &ev->args[i];
      g_autofree char *name = NULL;
      g_autofree char *key = NULL;
      gint64 value;

      if (arg->is_string)
        continue;
      if (arg->is_integer)
        value = arg->integer;
      else if (arg->number > -9.2e18 && arg->number < 9.2e18)
        value = (gint64) (arg->number < 0 ? arg->number - 0.5 : arg->number + 0.5);
      else
        continue;
      if ((name = str_dup (&r->ps, &ev->name)) == NULL)
        return FALSE;
      if (!(ev->n_args == 1 && STR_IS (&arg->key, "value")))
        {
          g_autofree char *plain = g_steal_pointer (&name);

          if ((key = str_dup (&r->ps, &arg->key)) == NULL)
            return FALSE;
          name = g_strdup_printf ("%s %s", plain, key);
        }
      add_event (r, ev->ts, lane, SW_EVENT_COUNTER, 0, intern (r, name), (guint64) value);
    }
  return TRUE;
}

static gboolean
read_event (Reader   *r,
            RawEvent *ev)
{
  Slot *slot;
  guint32 lane;
  guint64 string_id, task;
  gboolean ours;

  if (!ev->has_ph)
    return need (r, ev, FALSE, "\"ph\"");
  if (ev->ph == 'M')
    return read_metadata (r, ev);
  if (ev->ph == 'I')
    ev->ph = 'i';   /* the old name of an instant */
  if (strchr ("XBEisftC", ev->ph) == NULL)
    return TRUE;  /* not one we read: async events, samples, … */

  if (!need (r, ev, ev->has_pid && ev->has_ts, "\"pid\" or \"ts\""))
    return FALSE;

  if (ev->ph == 'C')
    return read_counter (r, ev);

  /* No tid: the process's main thread (other tools' global instants). */
  slot = lane_slot (r, (gint) ev->pid, ev->has_tid ? (gint) ev->tid : (gint) ev->pid);
  lane = slot_id (slot);
  ours = is_our_category (ev) && ev->has_name;

  switch (ev->ph)
    {
    case 'X':
    case 'B':
      if (ev->ph == 'X' && !ev->has_dur)
        ev->dur = 0;  /* what Perfetto makes of it too */
      if (ours && STR_IS (&ev->cat, "submit") && arg_uint64 (ev, "task", &task))
        {
          const Str *label = arg_str (ev, "label");

          string_id = 0;
          if (label != NULL && !intern_str (r, label, &string_id))
            return FALSE;
          task_state (r, task)->submit =
            add_event (r, ev->ts, lane, SW_EVENT_TASK_SUBMIT, 0, task, string_id) + 1;
        }
      else if (ours && STR_IS (&ev->cat, "task") && arg_uint64 (ev, "task", &task))
        return read_task_slice (r, ev, lane, task);
      else if (ours && STR_IS (&ev->cat, "wait"))
        return read_wait_slice (r, ev, lane);
      else if (ours && STR_IS (&ev->cat, "coroutine-wait"))
        return read_coroutine_wait (r, ev, slot);
      else if (ours && STR_IS (&ev->cat, "coroutine"))
        break;  /* "running" slices: the switches say as much */
      else if (ours && STR_IS (&ev->cat, "callback") && arg_uint64 (ev, "task", &task))
        {
          const Str *state = arg_str (ev, "state");

          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_BEGIN, 0, task, 0);
          if (ev->ph == 'X')
            add_event (r, time_end (ev->ts, ev->dur), lane, SW_EVENT_CALLBACK_END,
                       state != NULL && STR_IS (state, "failed") ? SW_EVENT_FLAG_FAILED : 0,
                       task, 0);
        }
      else
        return add_span (r, ev, slot, ev->ph == 'X' ? ev->dur : -1);
      break;

    case 'E':
      /* Ends the innermost "B" still open on its thread. */
      if (slot->open != NULL && slot->open->len > 0)
        {
          guint index = g_array_index (slot->open, guint, slot->open->len - 1);
          Span *span = &g_array_index (r->spans, Span, index);

          g_array_set_size (slot->open, slot->open->len - 1);
          span->dur = time_between (span->ts, ev->ts);
        }
      break;

    case 'i':
      if (ours && STR_IS (&ev->cat, "callback") && arg_uint64 (ev, "task", &task))
        {
          /* Older files write only its start. */
          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_BEGIN, 0, task, 0);
          add_event (r, ev->ts, lane, SW_EVENT_CALLBACK_END, 0, task, 0);
        }
      else if (ours && STR_IS (&ev->cat, "task") && arg_uint64 (ev, "task", &task))
        {
          if (STR_IS (&ev->name, "cancelled"))
            add_event (r, ev->ts, lane, SW_EVENT_TASK_CANCEL, 0, task, 0);
          else
            return add_task_end (r, ev, ev->ts, lane, task);
        }
      else if (ours && STR_IS (&ev->cat, "pool"))
        {
          guint64 pool = 0, wait = 0;

          arg_uint64 (ev, "pool", &pool);
          arg_uint64 (ev, "wait", &wait);
          add_event (r, ev->ts, lane, SW_EVENT_POOL_SHUTDOWN, 0, pool, wait);
        }
      else if (ours && STR_IS (&ev->cat, "conn"))
        {
          static const char *const names[] = { "connection open", "connection close", "bytes in", "bytes out" };
          guint64 conn = 0, bytes = 0;

          arg_uint64 (ev, "conn", &conn);
          arg_uint64 (ev, "bytes", &bytes);
          for (guint k = 0; k < G_N_ELEMENTS (names); k++)
            if (str_is (&ev->name, names[k], strlen (names[k])))
              add_event (r, ev->ts, lane, SW_EVENT_CONN_OPEN + k, 0, conn, bytes);
        }
      else if (ours && STR_IS (&ev->cat, "coroutine") &&
               (STR_IS (&ev->name, "exit") || STR_IS (&ev->name, "exit (failed)")))
        {
          add_event (r, ev->ts, lane, SW_EVENT_CO_EXIT,
                     STR_IS (&ev->name, "exit") ? 0 : SW_EVENT_FLAG_FAILED, lane, 0);
          slot->exited = TRUE;
        }
      else if (ours && STR_IS (&ev->cat, "coroutine") && STR_IS (&ev->name, "spawn"))
        {
          gint64 pid, tid;
          Slot *child;

          if (!arg_int (ev, "coroutine_pid", G_MININT32, G_MAXINT32, &pid) ||
              !arg_int (ev, "coroutine_tid", G_MININT32, G_MAXINT32, &tid))
            break;
          child = lane_slot (r, (gint) pid, (gint) tid);
          child->spawned = TRUE;
          add_event (r, ev->ts, lane, SW_EVENT_CO_SPAWN, 0, slot_id (child), 0);
        }
      else
        {
          /* A log line ("log"), or another tool's instant: one too. */
          string_id = 0;
          if (ev->has_name && !intern_str (r, &ev->name, &string_id))
            return FALSE;
          add_event (r, ev->ts, lane, SW_EVENT_LOG, 0, 0, string_id);
        }
      break;

    case 's':
    case 't':
    case 'f':
      if (!ev->has_id)
        break;
      if (ours && STR_IS (&ev->cat, "flow"))
        {
          /* Submit → start: the task started here. */
          TaskState *state;

          if (ev->ph != 'f')
            break;
          state = task_state (r, ev->id);
          if (!state->started)
            add_event (r, ev->ts, lane, SW_EVENT_TASK_START, 0, ev->id, 0);
          state->started = TRUE;
        }
      else if (ours && STR_IS (&ev->cat, "coroutine"))
        {
          gint64 flags;

          if (ev->ph == 's')
            {
              r->flow_id = ev->id;
              r->flow_slot = lane;
              r->flow_ts = ev->ts;
              r->flow_has_flags = arg_int (ev, "flags", 0, G_MAXUINT16, &flags);
              r->flow_flags = r->flow_has_flags ? (guint16) flags : 0;
              if (!arg_int (ev, "arg", G_MININT64, G_MAXINT64, &flags))
                flags = 0;
              r->flow_arg = (guint64) flags;
            }
          else if (ev->ph == 'f' && r->flow_slot != 0 && r->flow_id == ev->id)
            {
              Slot *giver = g_ptr_array_index (r->slots, r->flow_slot - 1);
              guint16 reason = r->flow_flags;
              guint index;

              if (!r->flow_has_flags && giver->kind == SW_LANE_COROUTINE && giver->exited)
                reason = SW_SWITCH_EXIT;
              index = add_event (r, r->flow_ts, r->flow_slot, SW_EVENT_CO_SWITCH, reason, lane, r->flow_arg);
              /* Older files: its reason comes with the giver's wait, written when it ends. */
              if (!r->flow_has_flags && giver->kind == SW_LANE_COROUTINE && reason == 0)
                giver->pending_switch = index + 1;
              r->flow_slot = 0;
            }
        }
      else
        add_flow_step (r, ev, lane);
      break;

    default:
      break;
    }

  return TRUE;
}

static gint
compare_span_index (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  GArray *spans = user_data;
  const Span *sa = &g_array_index (spans, Span, *(const guint *) a);
  const Span *sb = &g_array_index (spans, Span, *(const guint *) b);

  if (sa->slot != sb->slot)
    return sa->slot < sb->slot ? -1 : 1;
  if (sa->ts != sb->ts)
    return sa->ts < sb->ts ? -1 : 1;
  return *(const guint *) a < *(const guint *) b ? -1 : 1;
}

/* The span a flow ends in: the innermost one around @t, or the first
 * to start at or after it; -1 if none. */
static gint64
flow_target (Reader *r,
             GArray *order,
             guint32 slot,
             gint64  t,
             gboolean enclosing)
{
  guint lo = 0, hi = order->len;

  /* First span of (slot, ts > t). */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const Span *span = &g_array_index (r->spans, Span, g_array_index (order, guint, mid));

      if (span->slot < slot || (span->slot == slot && span->ts <= t))
        lo = mid + 1;
      else
        hi = mid;
    }
  if (enclosing)
    {
      /* Look back a little: the latest start that still covers t. */
      for (guint i = lo, n = 0; i > 0 && n < 64; i--, n++)
        {
          guint index = g_array_index (order, guint, i - 1);
          const Span *span = &g_array_index (r->spans, Span, index);

          if (span->slot != slot)
            break;
          if (span->dur < 0 || time_end (span->ts, span->dur) >= t)
            return index;
        }
      return -1;
    }
  /* Binds to the next slice: one starting exactly at t counts. */
  if (lo > 0)
    {
      guint index = g_array_index (order, guint, lo - 1);
      const Span *span = &g_array_index (r->spans, Span, index);

      if (span->slot == slot && span->ts == t)
        return index;
    }
  if (lo < order->len)
    {
      guint index = g_array_index (order, guint, lo);

      if (g_array_index (r->spans, Span, index).slot == slot)
        return index;
    }
  return -1;
}

/* Other tools' slices become tasks: submitted where a flow arrow into
 * them starts (or where they start), run on their thread's lane. */
static void
add_spans (Reader *r)
{
  g_autoptr(GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint), r->spans->len);
  GHashTableIter iter;
  gpointer value;
  guint64 next_task = G_GUINT64_CONSTANT (1) << 56;   /* apart from the file's task ids */

  if (r->spans->len == 0)
    return;
  for (guint i = 0; i < r->spans->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_span_index, r->spans);

  g_hash_table_iter_init (&iter, r->flows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Flow *flow = value;
      gint64 target;
      Span *span;

      if (flow->from_slot == 0 || flow->to_slot == 0)
        continue;
      target = flow_target (r, order, flow->to_slot, flow->to_ts, flow->enclosing);
      if (target < 0)
        continue;
      span = &g_array_index (r->spans, Span, (guint) target);
      /* The first arrow in wins; one that would go back in time is not a submit. */
      if (span->submit_slot == 0 && flow->from_ts <= span->ts)
        {
          span->submit_slot = flow->from_slot;
          span->submit_ts = flow->from_ts;
        }
    }

  for (guint i = 0; i < r->spans->len; i++)
    {
      const Span *span = &g_array_index (r->spans, Span, i);
      guint64 id = next_task++;

      if (span->submit_slot != 0)
        add_event (r, span->submit_ts, span->submit_slot, SW_EVENT_TASK_SUBMIT, 0, id, span->label);
      else
        add_event (r, span->ts, span->slot, SW_EVENT_TASK_SUBMIT, 0, id, span->label);
      add_event (r, span->ts, span->slot, SW_EVENT_TASK_START, 0, id, 0);
      if (span->dur >= 0)
        add_event (r, time_end (span->ts, span->dur), span->slot, SW_EVENT_TASK_END, 0, id, 0);
    }
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

/* A byte no JSON text starts with: a control character, or one that does
 * not begin UTF-8 (a compressed or other binary file). */
static gboolean
looks_binary (const Parser *ps)
{
  guchar c = (guchar) *ps->p;
  gunichar u;

  if (c < 0x20 || c == 0x7f)
    return TRUE;
  if (c < 0x80)
    return FALSE;
  u = g_utf8_get_char_validated (ps->p, MIN (ps->end - ps->p, 4));
  return u == (gunichar) -1 || u == (gunichar) -2;
}

static gboolean
read_document (Reader *r)
{
  Parser *ps = &r->ps;
  gboolean seen_events = FALSE;
  const char *top;

  /* Said plainly, not as "truncated": there is nothing to cut. */
  if (ps->end == ps->start)
    {
      ps->message = g_strdup (_("the file is empty"));
      return FALSE;
    }

  /* peek() tells a NUL byte as it tells the end: only the end is blank. */
  skip_ws (ps);
  if (ps->p < ps->end && looks_binary (ps))
    return fail (ps, N_("not a trace: binary data, not JSON"));

  top = ps->p;
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
      return fail (ps, N_("expected a trace"));

    default:
      return fail (ps, N_("not a trace: expected '{' or '['"));
    }

  if (peek (ps) != '\0')
    return fail (ps, N_("unexpected data after the trace"));
  /* Said where the object starts: it is whole, not truncated. */
  if (!seen_events)
    return fail_at (ps, top, N_("not a Chrome trace: no \"traceEvents\" array, and not an array of events"));
  return TRUE;
}

/* Before the shift, times are the file's, signed. */
static gint
compare_event_time (gconstpointer a,
                    gconstpointer b)
{
  gint64 ta = (gint64) ((const SwEvent *) a)->time;
  gint64 tb = (gint64) ((const SwEvent *) b)->time;

  return ta < tb ? -1 : ta > tb;
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

  if (rank_a != rank_b)
    return rank_a - rank_b;
  /* As Chrome and Perfetto: by sort index, lowest (even negative) first;
   * lanes without one after those with one. */
  if (sa->has_sort_index != sb->has_sort_index)
    return sa->has_sort_index ? -1 : 1;
  if (sa->has_sort_index && sa->sort_index != sb->sort_index)
    return sa->sort_index < sb->sort_index ? -1 : 1;
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
  gint64 first = G_MAXINT64;
  guint64 origin;

  /* The process that recorded: the first in lane order (which a
   * "process_sort_index" may change), so it is added before the others. */
  for (guint i = 0; i < n_slots; i++)
    {
      Slot *slot = g_ptr_array_index (r->slots, i);

      if (slot->kind == SW_LANE_PROCESS && (recorder == NULL || compare_slots (&slot, &recorder) < 0))
        recorder = slot;
    }

  /* Parents: a thread under its process, a coroutine under its thread,
   * other processes (a pool's workers) under the one that recorded. */
  for (guint i = 0; i < n_slots; i++)
    {
      Slot *slot = g_ptr_array_index (r->slots, i);
      Slot *parent = NULL;

      if (slot->kind == SW_LANE_PROCESS)
        {
          if (slot != recorder)
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
  origin = (guint64) sw_trace_get_origin_ns (trace);

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
  /* The first event onto the origin, the rest after it, which also makes
   * the file's negative times positive.  In unsigned arithmetic: from a
   * time near -2^63 to one near 2^63 does not fit in gint64; a span the
   * model's times cannot hold after the origin stops at their end. */
  for (guint i = 0; i < r->events->len; i++)
    {
      SwEvent *e = event_at (r, i);
      guint64 since_first = e->time - (guint64) first;

      e->time = origin + MIN (since_first, G_MAXUINT64 - origin);
    }

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
  Reader r = { { NULL, }, };
  SwTrace *trace = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  /* Not data + 0 for NULL data: that is undefined. */
  if (data == NULL)
    data = "";
  r.ps.start = r.ps.p = data;
  r.ps.end = data + length;

  r.events = g_array_sized_new (FALSE, FALSE, sizeof (SwEvent), length / 128 + 16);
  r.slots = g_ptr_array_new_with_free_func (slot_free);
  r.slot_by_key = g_hash_table_new (g_int64_hash, g_int64_equal);
  r.process_by_pid = g_hash_table_new (NULL, NULL);
  r.tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  r.task_by_label = g_hash_table_new (NULL, NULL);
  r.string_ids = g_hash_table_new (g_str_hash, g_str_equal);
  r.strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r.strings, g_strdup (""));
  r.spans = g_array_new (FALSE, FALSE, sizeof (Span));
  r.flows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  if (read_document (&r))
    {
      add_spans (&r);
      trace = build_trace (&r);
    }
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
  g_array_unref (r.spans);
  g_hash_table_unref (r.flows);

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
  struct stat st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  /* Opened here, not by g_mapped_file_new(): its message for a directory
   * (which opens, then fails to map) names the file twice, garbled. */
  display = g_filename_display_name (path);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot read trace: %s: %s"),
                   display, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      g_close (fd, NULL);
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot read trace: %s: %s"),
                   display, g_strerror (saved_errno));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_close (fd, NULL);
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("%s: is a directory"), display);
      return NULL;
    }
  file = g_mapped_file_new_from_fd (fd, FALSE, &local_error);
  /* The mapping, if any, outlives the descriptor; a read-only one loses
   * nothing if closing it fails. */
  g_close (fd, NULL);
  if (file == NULL)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot read trace: %s: %s"),
                   display, local_error->message);
      return NULL;
    }

  trace = sw_trace_from_chrome_json (g_mapped_file_get_contents (file),
                                     g_mapped_file_get_length (file), &local_error);
  if (trace == NULL)
    g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT, "%s: %s", display, local_error->message);
  return trace;
}
