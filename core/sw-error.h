/* sw-error.h — the one error domain of Switchyard */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SW_ERROR (sw_error_quark ())

typedef enum {
  SW_ERROR_FAILED,          /* a task reported an error */
  SW_ERROR_INVALID_ARGUMENT,/* bad input: unknown name, key or value */
  SW_ERROR_CANCELLED,       /* the future was cancelled */
  SW_ERROR_TIMED_OUT,       /* a bounded wait ran out */
  SW_ERROR_SHUTDOWN,        /* submit after shutdown */
  SW_ERROR_BROKEN,          /* a pool lost a worker; its futures are broken */
  SW_ERROR_IO,              /* reading or writing a file or socket failed */
} SwError;

GQuark sw_error_quark (void);

G_END_DECLS
