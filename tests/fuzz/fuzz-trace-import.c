/* fuzz-trace-import.c — libFuzzer target: any bytes, read as a trace
 *
 * The importer must refuse what it cannot read with a one-line message
 * and never crash, hang or leak.  Built with clang -fsanitize=fuzzer when
 * clang is there (tests/meson.build); see README.md for a long run.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "switchyard.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = NULL;
  /* A copy of exactly @size bytes, so reading past the end is caught. */
  g_autofree char *copy = g_memdup2 (data, size);

  trace = sw_trace_from_chrome_json (copy, size, &error);
  if (trace == NULL)
    {
      if (error == NULL || error->domain != SW_ERROR || strchr (error->message, '\n') != NULL)
        __builtin_trap ();
    }
  else
    {
      g_autoptr(GArray) events = sw_trace_dup_events (trace);
      g_autoptr(GBytes) again = sw_trace_to_chrome_json (trace);

      /* What was read writes out again. */
      if (events == NULL || again == NULL)
        __builtin_trap ();
    }
  return 0;
}
