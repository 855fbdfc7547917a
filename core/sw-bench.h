/* sw-bench.h — the benchmarks behind `switchyard-cli bench` */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints "bench NAME VALUE UNIT" for each result through @line. */
typedef void (*SwBenchLineFunc) (const char *line,
                                 gpointer    user_data);

const char * const *sw_bench_list (void);
gboolean            sw_bench_run  (const char       *name,
                                   SwBenchLineFunc   line,
                                   gpointer          user_data,
                                   GError          **error);

G_END_DECLS
