/* sw-variant-private.h — owning GVariant references without the lock
 *
 * g_variant_ref_sink and g_variant_take_ref take the variant's bit lock
 * even when there is nothing floating to sink.  A variant that many
 * threads share (the same arguments for every task of a pool) then
 * bounces that lock between cores on every task.  Only a floating
 * reference needs the locked path, and a floating reference is never
 * shared, so testing the flag first is safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline GVariant *
sw_variant_ref_sink (GVariant *value)
{
  return g_variant_is_floating (value) ? g_variant_ref_sink (value) : g_variant_ref (value);
}

static inline GVariant *
sw_variant_take_ref (GVariant *value)
{
  return g_variant_is_floating (value) ? g_variant_take_ref (value) : value;
}

G_END_DECLS
