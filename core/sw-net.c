/* sw-net.c — what the engine's servers and clients share about addresses
 *
 * One rule for host names, so the echo server, the flood and the stream
 * server agree: a name that resolves to both families means its IPv4
 * address ("localhost" lists ::1 first, but the lesson's clients, and a
 * viewer told 127.0.0.1, connect over IPv4).
 */
#include "config.h"

#include "sw-net-private.h"

/*< private >
 * _sw_net_resolve:
 * @host: an IP address, or a name to resolve (blocking)
 *
 * Returns: (transfer full): @host's address, IPv4 first; or %NULL with
 *   @error from the resolver
 */
GInetAddress *
_sw_net_resolve (const char  *host,
                 GError     **error)
{
  GInetAddress *address = g_inet_address_new_from_string (host);
  g_autoptr(GResolver) resolver = NULL;
  GList *list;

  if (address != NULL)
    return address;

  resolver = g_resolver_get_default ();
  list = g_resolver_lookup_by_name (resolver, host, NULL, error);
  if (list == NULL)
    return NULL;
  for (GList *l = list; l != NULL && address == NULL; l = l->next)
    if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
      address = g_object_ref (l->data);
  if (address == NULL)
    address = g_object_ref (list->data);
  g_resolver_free_addresses (list);
  return address;
}
