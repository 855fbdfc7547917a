/* sw-wire.c — length-prefixed GVariant messages over a stream socket
 *
 * Sockets only: writes use send(MSG_NOSIGNAL), so a peer that died gives
 * EPIPE (reported as SW_WIRE_EOF) instead of killing us with SIGPIPE.
 */
#include "config.h"

#include "sw-wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw-error.h"

/* What one read() asks for at least: a batch of small messages. */
#define READ_CHUNK (64u * 1024u)

struct _SwWireReader
{
  GVariantType *type;
  GByteArray   *buffer;
  gsize         start;   /* first byte not yet parsed */
};

struct _SwWireWriter
{
  GByteArray *buffer;
  gsize       start;     /* first byte not yet written */
};

SwWireReader *
sw_wire_reader_new (const GVariantType *type)
{
  SwWireReader *reader;

  g_return_val_if_fail (g_variant_type_is_definite (type), NULL);

  reader = g_new0 (SwWireReader, 1);
  reader->type = g_variant_type_copy (type);
  reader->buffer = g_byte_array_sized_new (READ_CHUNK);
  return reader;
}

void
sw_wire_reader_free (SwWireReader *reader)
{
  if (reader == NULL)
    return;
  g_variant_type_free (reader->type);
  g_byte_array_unref (reader->buffer);
  g_free (reader);
}

/* Bytes received but not yet handed out as messages. */
gsize
sw_wire_reader_get_buffered (SwWireReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);
  return reader->buffer->len - reader->start;
}

/**
 * sw_wire_reader_fill:
 *
 * Does one read() of what @fd has, up to at least 64 KiB.  Blocks only if
 * @fd is blocking.
 *
 * Returns: SW_WIRE_OK, SW_WIRE_AGAIN (non-blocking, nothing there),
 *   SW_WIRE_EOF, or SW_WIRE_ERROR with @error (SW_ERROR_IO)
 */
SwWireStatus
sw_wire_reader_fill (SwWireReader  *reader,
                     int            fd,
                     GError       **error)
{
  GByteArray *buffer;
  gsize used;
  gssize n;

  g_return_val_if_fail (reader != NULL, SW_WIRE_ERROR);

  buffer = reader->buffer;

  /* Drop what was parsed before growing: keeps the buffer at the size of
   * the largest frame plus one read. */
  if (reader->start > 0)
    {
      used = buffer->len - reader->start;
      memmove (buffer->data, buffer->data + reader->start, used);
      g_byte_array_set_size (buffer, used);
      reader->start = 0;
    }

  used = buffer->len;
  g_byte_array_set_size (buffer, used + READ_CHUNK);
  do
    n = read (fd, buffer->data + used, READ_CHUNK);
  while (n < 0 && errno == EINTR);
  g_byte_array_set_size (buffer, used + (n > 0 ? (gsize) n : 0));

  if (n > 0)
    return SW_WIRE_OK;
  if (n == 0)
    return SW_WIRE_EOF;
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return SW_WIRE_AGAIN;
  if (errno == ECONNRESET)
    return SW_WIRE_EOF;

  {
    int saved_errno = errno;

    g_set_error (error, SW_ERROR, SW_ERROR_IO, "cannot read from socket %d: %s",
                 fd, g_strerror (saved_errno));
  }
  return SW_WIRE_ERROR;
}

/**
 * sw_wire_reader_next:
 * @message: (out) (transfer full) (nullable): the next message, or NULL if
 *   no whole frame is buffered yet
 *
 * Returns: FALSE with @error (SW_ERROR_IO) if the stream is corrupt: a
 *   frame longer than SW_WIRE_MAX_FRAME.  The reader is then unusable.
 */
gboolean
sw_wire_reader_next (SwWireReader  *reader,
                     GVariant     **message,
                     GError       **error)
{
  const guint8 *head;
  gsize available;
  guint32 length;
  GBytes *bytes;

  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  *message = NULL;
  available = reader->buffer->len - reader->start;
  if (available < 4)
    return TRUE;

  head = reader->buffer->data + reader->start;
  length = (guint32) head[0] | (guint32) head[1] << 8 | (guint32) head[2] << 16 | (guint32) head[3] << 24;
  if (length > SW_WIRE_MAX_FRAME)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO,
                   "refusing a message of %u bytes (the limit is %u): the stream is corrupt",
                   length, SW_WIRE_MAX_FRAME);
      return FALSE;
    }
  if (available - 4 < length)
    return TRUE;

  /* A copy: the buffer is reused, and GVariant wants aligned data anyway.
   * Untrusted: a malformed body reads as default values, never out of
   * bounds. */
  bytes = g_bytes_new (head + 4, length);
  *message = g_variant_ref_sink (g_variant_new_from_bytes (reader->type, bytes, FALSE));
  g_bytes_unref (bytes);
  reader->start += 4 + (gsize) length;

  return TRUE;
}

SwWireWriter *
sw_wire_writer_new (void)
{
  SwWireWriter *writer = g_new0 (SwWireWriter, 1);

  writer->buffer = g_byte_array_sized_new (4096);
  return writer;
}

void
sw_wire_writer_free (SwWireWriter *writer)
{
  if (writer == NULL)
    return;
  g_byte_array_unref (writer->buffer);
  g_free (writer);
}

/**
 * sw_wire_writer_append:
 * @message: (transfer none): a floating reference is sunk
 *
 * Queues one frame; nothing is written until sw_wire_writer_flush().
 */
void
sw_wire_writer_append (SwWireWriter *writer,
                       GVariant     *message)
{
  gsize size, offset;
  guint8 *head;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (message != NULL);

  g_variant_ref_sink (message);
  size = g_variant_get_size (message);
  /* Our own messages are small; a huge one is a bug of the caller (a task
   * returning 64 MiB), refused here so the peer never sees it. */
  g_return_if_fail (size <= SW_WIRE_MAX_FRAME);

  offset = writer->buffer->len;
  g_byte_array_set_size (writer->buffer, offset + 4 + size);
  head = writer->buffer->data + offset;
  head[0] = size & 0xff;
  head[1] = (size >> 8) & 0xff;
  head[2] = (size >> 16) & 0xff;
  head[3] = (size >> 24) & 0xff;
  /* Not g_variant_store: it wants the destination aligned as the type
   * requires, and after a 4-byte header it is not. */
  if (size > 0)
    memcpy (head + 4, g_variant_get_data (message), size);
  g_variant_unref (message);
}

gsize
sw_wire_writer_get_pending (SwWireWriter *writer)
{
  g_return_val_if_fail (writer != NULL, 0);
  return writer->buffer->len - writer->start;
}

/**
 * sw_wire_writer_flush:
 *
 * Writes what is queued.  On a blocking @fd it returns when all is
 * written; on a non-blocking one it may return SW_WIRE_AGAIN with the rest
 * still queued.
 *
 * Returns: SW_WIRE_OK (all written), SW_WIRE_AGAIN, SW_WIRE_EOF (the peer
 *   is gone) or SW_WIRE_ERROR with @error
 */
SwWireStatus
sw_wire_writer_flush (SwWireWriter  *writer,
                      int            fd,
                      GError       **error)
{
  g_return_val_if_fail (writer != NULL, SW_WIRE_ERROR);

  while (writer->start < writer->buffer->len)
    {
      gssize n = send (fd, writer->buffer->data + writer->start,
                       writer->buffer->len - writer->start, MSG_NOSIGNAL);

      if (n >= 0)
        {
          writer->start += (gsize) n;
          continue;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return SW_WIRE_AGAIN;
      if (errno == EPIPE || errno == ECONNRESET)
        return SW_WIRE_EOF;

      {
        int saved_errno = errno;

        g_set_error (error, SW_ERROR, SW_ERROR_IO, "cannot write to socket %d: %s",
                     fd, g_strerror (saved_errno));
      }
      return SW_WIRE_ERROR;
    }

  g_byte_array_set_size (writer->buffer, 0);
  writer->start = 0;
  return SW_WIRE_OK;
}
