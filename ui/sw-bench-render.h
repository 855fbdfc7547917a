/* sw-bench-render.h — `switchyard --bench-render TRACE.json` */
#pragma once

#include "sw-window.h"

G_BEGIN_DECLS

#define SW_BENCH_RENDER_FRAMES 300

void _sw_bench_render_start (SwWindow *window,
                             double    load_s);

G_END_DECLS
