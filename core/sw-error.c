/* sw-error.c */
#include "config.h"

#include "sw-error.h"

G_DEFINE_QUARK (sw-error-quark, sw_error)
