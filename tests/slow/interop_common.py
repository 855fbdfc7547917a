# Shared by the interop tests (suite 'slow'): start a server that prints
# "listening on HOST:PORT" first, skip while a subcommand is missing, stop
# things within bounds.
import os
import signal
import subprocess
import sys
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = '/usr/bin/python3'   # Debian's, where python3-gevent lives


def cli():
    path = os.environ.get('SW_CLI')
    if not path:
        skip('SW_CLI is not set (run this through meson test)')
    return path


def skip(why):
    print('SKIP:', why, flush=True)
    sys.exit(SKIP)


def fail(why):
    print('FAIL:', why, flush=True)
    sys.exit(1)


def not_available(stderr_text):
    return 'not available' in stderr_text


class Server:
    """A server process; .port once it said where it listens."""

    def __init__(self, argv):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode('utf-8', 'replace').strip()
        if not line:
            self.proc.wait(timeout=30)
            err = self.proc.stderr.read().decode('utf-8', 'replace')
            if not_available(err):
                skip('%s: %s' % (argv[1] if len(argv) > 1 else argv[0], err.strip()))
            fail('%s exited (status %s) before listening: %s'
                 % (' '.join(argv), self.proc.returncode, err.strip()))
        if not line.startswith('listening on ') or ':' not in line:
            self.kill()
            fail('unexpected first line %r from %s' % (line, ' '.join(argv)))
        self.port = int(line.rsplit(':', 1)[1])
        print('# %s: %s' % (os.path.basename(argv[0]), line), flush=True)

    def stop(self, expect_status=0):
        """SIGINT, as a user's ^C; bounded wait; the exit status checked."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            fail('%s did not stop within 60 s of SIGINT' % self.argv[0])
        if expect_status is not None and self.proc.returncode != expect_status:
            fail('%s exited with status %d after SIGINT: %s'
                 % (' '.join(self.argv), self.proc.returncode,
                    err.decode('utf-8', 'replace').strip()))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def serve():
    """switchyard-cli serve on a free loopback port (skips while missing)."""
    return Server([cli(), 'serve', '--host', '127.0.0.1', '--port', '0'])


def run(argv, stdin_bytes=None, timeout=120):
    try:
        return subprocess.run(argv, input=stdin_bytes, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail('%s did not finish within %d s' % (' '.join(argv), timeout))
