/* switchyard.h — the one header ui/ and app/ include */
#pragma once

#include "sw-bench.h"
#include "sw-clock.h"
#include "sw-co-io.h"
#include "sw-coro.h"
#include "sw-ctx-switches.h"
#include "sw-echo-server.h"
#include "sw-error.h"
#include "sw-executor.h"
#include "sw-future.h"
#include "sw-process-pool.h"
#include "sw-scenario.h"
#include "sw-stats.h"
#include "sw-tasks.h"
#include "sw-thread-pool.h"
#include "sw-trace.h"
#include "sw-trace-export.h"
