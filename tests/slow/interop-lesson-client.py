#!/usr/bin/python3
# The lesson's own client (threads, blocking sockets) against
# switchyard-cli serve: every reply is the message upper-cased.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import HERE, PYTHON, fail, run, serve

server = serve()
try:
    r = run([PYTHON, os.path.join(HERE, 'lesson-client.py'), str(server.port),
             '--clients', '500', '--messages', '20'], timeout=300)
    sys.stdout.write(r.stdout.decode())
    sys.stderr.write(r.stderr.decode())
    sys.stdout.flush()
finally:
    server.stop()
if r.returncode != 0:
    fail('the lesson client failed (status %d)' % r.returncode)
if 'ok 10000 errors 0' not in r.stdout.decode():
    fail('the lesson client did not get 10000 correct replies')
print('PASS')
