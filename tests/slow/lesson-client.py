#!/usr/bin/python3
# The client of lesson 5 (network-programming-3.md): one OS thread per client,
# blocking sockets, each sending "<thread name> say hello <n>" and reading
# the reply.
#
# Adapted for the tests: the port (and client and message counts) come from
# the command line; each client sends --messages messages instead of
# forever; it reads until the whole reply is there (TCP may split it, the
# lesson's single recv(1024) assumes it does not) and checks that it is the
# message upper-cased; at the end one summary line, and exit status 1 on
# any wrong reply or failed connection.
from threading import Thread, current_thread, Lock
from socket import *
import argparse
import sys

lock = Lock()
ok = 0
errors = []


def client(host, port, messages):
    global ok
    try:
        client = socket(AF_INET, SOCK_STREAM)
        client.settimeout(60)
        client.connect((host, port))
        n = 0
        while n < messages:
            msg = '%s say hello %s' % (current_thread().name, n)
            n += 1
            client.sendall(msg.encode('utf-8'))
            data = b''
            while len(data) < len(msg):
                chunk = client.recv(1024)
                if not chunk:
                    raise ConnectionError('closed by the server after %r' % data)
                data += chunk
            if data.decode('utf-8') != msg.upper():
                raise ValueError('wrong reply %r to %r' % (data, msg))
            with lock:
                ok += 1
        client.close()
    except Exception as e:
        with lock:
            errors.append('%s: %s' % (current_thread().name, e))


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('port', type=int)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--clients', type=int, default=500)
    parser.add_argument('--messages', type=int, default=20)
    args = parser.parse_args()

    threads = []
    for i in range(args.clients):
        t = Thread(target=client, args=(args.host, args.port, args.messages))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for e in errors[:10]:
        print(e, file=sys.stderr)
    print('lesson client: clients %d messages %d ok %d errors %d'
          % (args.clients, args.messages, ok, len(errors)))
    sys.exit(0 if not errors and ok == args.clients * args.messages else 1)
