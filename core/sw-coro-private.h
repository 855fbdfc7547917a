/* sw-coro-private.h — what coroutine I/O (and the tests) need from the scheduler */
#pragma once

#include "sw-coro.h"

G_BEGIN_DECLS

/* sw_co_wait_readable / sw_co_wait_writable with the switch reason the
 * trace records (SW_SWITCH_RECV, _SEND, _ACCEPT, _CONNECT; the public
 * calls pass SW_SWITCH_WAIT).  @events: G_IO_IN or G_IO_OUT.  One
 * coroutine at a time may wait for each direction of an fd; a second one
 * gets G_IO_ERROR_BUSY. */
gboolean      _sw_co_wait_fd           (int               fd,
                                        GIOCondition      events,
                                        gint64            timeout_us,
                                        SwSwitchReason    reason,
                                        GError          **error);

/* The same for a socket's fd the caller has just seen say EAGAIN for
 * @events: the fd stays registered in epoll, edge-triggered, so the wait
 * costs no system call. */
gboolean      _sw_co_wait_socket       (GSocket          *socket,
                                        GIOCondition      events,
                                        gint64            timeout_us,
                                        SwSwitchReason    reason,
                                        GError          **error);

/* Drops @fd from this thread's epoll before it is closed (no-op when it
 * is not registered edge-triggered or someone still waits on it). */
void          _sw_co_forget_fd         (int               fd);

/* The trace this thread's coroutines record into (borrowed), or NULL. */
SwTrace      *_sw_co_get_trace         (void);

/* Coroutines of this thread that have not exited yet. */
guint         _sw_co_get_n_live        (void);

G_END_DECLS
