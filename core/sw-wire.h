/* sw-wire.h — length-prefixed GVariant messages over a stream socket
 *
 * A frame is a 4-byte little-endian length, then that many bytes of one
 * serialized GVariant of the type the reader was made for.  Readers cope
 * with partial frames and several frames per read(); writers batch frames
 * and cope with partial writes, so a busy peer costs one syscall per batch,
 * not per message.  Both sides are plain buffers: they never block unless
 * the fd does.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A frame longer than this is refused as corrupt, never allocated. */
#define SW_WIRE_MAX_FRAME (64u * 1024u * 1024u)

typedef enum {
  SW_WIRE_OK,       /* bytes moved */
  SW_WIRE_AGAIN,    /* non-blocking fd: nothing to move now */
  SW_WIRE_EOF,      /* the peer closed its end */
  SW_WIRE_ERROR,    /* error set */
} SwWireStatus;

typedef struct _SwWireReader SwWireReader;

SwWireReader *sw_wire_reader_new        (const GVariantType *type) G_GNUC_WARN_UNUSED_RESULT;
void          sw_wire_reader_free       (SwWireReader       *reader);
SwWireStatus  sw_wire_reader_fill       (SwWireReader       *reader,
                                         int                 fd,
                                         GError            **error);
gboolean      sw_wire_reader_next       (SwWireReader       *reader,
                                         GVariant          **message,
                                         GError            **error);
gsize         sw_wire_reader_get_buffered (SwWireReader     *reader);

typedef struct _SwWireWriter SwWireWriter;

SwWireWriter *sw_wire_writer_new        (void) G_GNUC_WARN_UNUSED_RESULT;
void          sw_wire_writer_free       (SwWireWriter       *writer);
void          sw_wire_writer_append     (SwWireWriter       *writer,
                                         GVariant           *message);
gsize         sw_wire_writer_get_pending (SwWireWriter      *writer);
SwWireStatus  sw_wire_writer_flush      (SwWireWriter       *writer,
                                         int                 fd,
                                         GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwWireReader, sw_wire_reader_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwWireWriter, sw_wire_writer_free)

G_END_DECLS
