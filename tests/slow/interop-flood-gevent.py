#!/usr/bin/python3
# switchyard-cli flood against the lesson's gevent server: 50 clients, 20
# messages each, every reply correct, exit 0.  Usage: interop-flood-gevent.py MODE
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import HERE, PYTHON, Server, cli, fail, not_available, run, skip

mode = sys.argv[1] if len(sys.argv) > 1 else 'coroutines'
clients, messages = 50, 20

# Before starting anything: is flood there at all?
probe = run([cli(), 'flood', '--port', '1', '--clients', '0'], timeout=30)
if not_available(probe.stderr.decode()):
    skip('flood: ' + probe.stderr.decode().strip())
try:
    import gevent  # noqa: F401  (Debian's python3-gevent)
except ImportError:
    skip('python3-gevent is not installed')

server = Server([PYTHON, os.path.join(HERE, 'lesson-gevent-server.py'), '--port', '0'])
try:
    r = run([cli(), 'flood', '--host', '127.0.0.1', '--port', str(server.port),
             '--clients', str(clients), '--messages', str(messages), '--mode', mode],
            timeout=300)
finally:
    server.stop(expect_status=None)
out = r.stdout.decode()
sys.stdout.write(out)
sys.stderr.write(r.stderr.decode())
if r.returncode != 0:
    fail('flood exited with status %d' % r.returncode)
m = re.search(r'^flood: clients (\d+) messages (\d+) ok (\d+) errors (\d+)', out, re.M)
if m is None:
    fail('no summary line from flood')
if int(m.group(1)) != clients or int(m.group(4)) != 0:
    fail('flood summary: %s' % m.group(0))
if int(m.group(3)) != clients * messages:
    fail('flood got %s correct replies, not %d' % (m.group(3), clients * messages))
print('PASS')
