/* probe.c — does this clang link a libFuzzer target? (tests/meson.build) */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return (int) (size > 0 && data[0] == 0);
}
