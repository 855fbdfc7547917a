#!/usr/bin/python3
# The server of lesson 5 (network-programming-3.md, "单线程实现并发的套接字通信"):
# gevent, monkey-patched blocking sockets, one greenlet per connection.
#
# Adapted for the tests, and only where the lesson's version cannot serve a
# test: it takes --port (0 picks a free one) and prints "listening on
# HOST:PORT" first like switchyard-cli serve; it stops on EOF (the lesson
# only stops on ConnectionResetError, so a client that closes cleanly made
# its greenlet spin on recv() == b'' forever and starve every other one);
# it uses sendall, so a partial send cannot drop bytes; the backlog is 128
# instead of 5, so 50 clients connecting at once are not held back by SYN
# retries; the per-message print is kept behind --verbose.  The reply is the
# lesson's data.upper(): ASCII letters upper-cased, every other byte (NUL
# included) unchanged — what switchyard-cli serve replies too.
from gevent import monkey

monkey.patch_all()

import argparse
import os
import signal
import socket
import sys

from gevent import spawn

verbose = False


def communicate(conn):
    # 通讯循环
    while True:
        try:
            data = conn.recv(1024)
            if not data:
                break
            if verbose:
                print('收到客户端数据', data)
            conn.sendall(data.upper())
        except ConnectionResetError:
            break
    conn.close()


def server(ip, port, backlog=128):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((ip, port))
    server.listen(backlog)
    host, port = server.getsockname()
    print('listening on %s:%d' % (host, port), flush=True)
    while True:
        # 链接循环
        conn, client_addr = server.accept()
        spawn(communicate, conn)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--verbose', action='store_true')
    args = parser.parse_args()
    verbose = args.verbose
    # ^C / SIGTERM end it quietly (gevent's hub would print a traceback).
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    # 链接循环任务提交
    s = spawn(server, args.host, args.port)
    s.join()
