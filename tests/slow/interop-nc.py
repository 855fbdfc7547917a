#!/usr/bin/python3
# netcat (OpenBSD's, -N: shut down writing at EOF on stdin) against
# switchyard-cli serve: the reply is the input with ASCII letters
# upper-cased and every other byte, NUL included, unchanged; the server
# closes after the client's half-close, so nc ends by itself.
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import fail, run, serve, skip

nc = shutil.which('nc', path='/usr/bin:/bin')
if nc is None:
    skip('nc not installed (Debian package netcat-openbsd)')


def upper(data):
    return bytes(b - 32 if 0x61 <= b <= 0x7a else b for b in data)


cases = [
    (b'hello\0world', b'HELLO\0WORLD'),
    # every byte value, several times over
    (bytes(range(256)) * 64, upper(bytes(range(256)) * 64)),
]

server = serve()
try:
    for sent, want in cases:
        r = run([nc, '-N', '127.0.0.1', str(server.port)], stdin_bytes=sent, timeout=60)
        if r.returncode != 0:
            fail('nc exited with status %d: %s' % (r.returncode, r.stderr.decode().strip()))
        if r.stdout != want:
            fail('sent %d bytes %r…, got %d bytes %r…'
                 % (len(sent), sent[:24], len(r.stdout), r.stdout[:24]))
        print('# %d bytes echoed upper-cased' % len(sent))
finally:
    server.stop()
print('PASS')
