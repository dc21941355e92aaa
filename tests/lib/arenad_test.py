"""Test support for arenad's integration tests.

TAP output, and a fixture that runs the real daemon on a PRIVATE bpffs
mounted in a temporary directory with a private socket. Everything the
fixture creates (processes, mounts, directories) is undone on exit, also
when a test raises or is interrupted.
"""
import atexit
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.join(REPO, "build")
DAEMON = os.path.join(BUILD, "arenad")
CLIENT = os.path.join(BUILD, "arenactl-client")
HELPERS = os.path.join(BUILD, "tests")
EXAMPLES = os.path.join(BUILD, "examples")


class Tap:
    """Minimal TAP producer; the plan is printed at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, desc), flush=True)
        return bool(cond)

    def eq(self, got, want, desc):
        good = got == want
        self.ok(good, desc)
        if not good:
            self.diag("got:  %r\nwant: %r" % (got, want))
        return good

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def skip(self, why, count=1):
        for _ in range(count):
            self.n += 1
            print("ok %d # SKIP %s" % (self.n, why), flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


class Client:
    """One connection speaking line-delimited JSON-RPC 2.0."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("daemon closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, method, params=None):
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            req["params"] = params
        self.send_raw((json.dumps(req) + "\n").encode())
        return self.recv_line()

    def close(self):
        self.sock.close()


def kill_tree(proc, sig=signal.SIGKILL):
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Fixture:
    """A private bpffs + socket, and the daemon on them.

    with Fixture(tap, pages=64) as fx:
        fx.rpc("stats")["result"]
    """

    def __init__(self, tap, pages=64, args=(), start=True):
        self.tap = tap
        self.pages = pages
        self.args = list(args)
        self.autostart = start
        self.procs = []
        self.proc = None
        self.mounted = False
        self.daemon = DAEMON

    # -- setup and teardown ------------------------------------------------
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="arenad-test-")
        os.chmod(self.dir, 0o755)
        self.bpffs = os.path.join(self.dir, "bpffs")
        os.mkdir(self.bpffs)
        subprocess.check_call(["mount", "-t", "bpf", "bpf", self.bpffs])
        self.mounted = True
        self.pin_dir = os.path.join(self.bpffs, "arenad")
        self.socket = os.path.join(self.dir, "arenad.sock")
        self.log = os.path.join(self.dir, "arenad.log")
        self.logf = open(self.log, "ab")
        atexit.register(self.cleanup)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, self._on_signal)
        if self.autostart:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.tap.ok(False, "test raised %s: %s" % (exc_type.__name__, exc))
            self.dump_log()
        elif self.tap.failed:
            self.dump_log()
        self.cleanup()
        return exc_type is not None and issubclass(exc_type, Exception)

    def _on_signal(self, signum, frame):
        self.cleanup()
        sys.exit(128 + signum)

    def cleanup(self):
        for p in self.procs:
            kill_tree(p)
        self.procs = []
        if self.mounted:
            subprocess.call(["umount", self.bpffs])
            self.mounted = False
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        if getattr(self, "dir", None) and os.path.isdir(self.dir):
            subprocess.call(["rm", "-rf", self.dir])

    def dump_log(self):
        try:
            self.logf and self.logf.flush()
            with open(self.log, errors="replace") as f:
                self.tap.diag("--- daemon log ---\n" + f.read()[-4000:])
        except OSError:
            pass

    def track(self, proc):
        self.procs.append(proc)
        return proc

    # -- the daemon ------------------------------------------------------
    def argv(self, extra=()):
        return [self.daemon, "--pin-dir", self.pin_dir, "--socket", self.socket,
                "--pages", str(self.pages)] + self.args + list(extra)

    def spawn(self, extra=(), env=None):
        """Start the daemon without waiting for it."""
        e = dict(os.environ)
        e.update(env or {})
        self.proc = self.track(subprocess.Popen(self.argv(extra), stdout=self.logf,
                                                stderr=self.logf, env=e))
        return self.proc

    def start(self, extra=(), env=None, timeout=10.0):
        """Start the daemon and wait until its socket answers."""
        proc = self.spawn(extra, env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("arenad exited with %d during start-up" % proc.returncode)
            if self.can_connect():
                return proc
            time.sleep(0.02)
        raise RuntimeError("arenad did not answer within %.0f s" % timeout)

    def run_daemon(self, extra=(), timeout=10.0):
        """Run arenad to completion (e.g. a start that must fail, --unpin)."""
        r = subprocess.run(self.argv(extra), capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout + r.stderr

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None:
            kill_tree(self.proc, sig)
            rc = self.proc.returncode
            self.procs.remove(self.proc)
            self.proc = None
            return rc
        return None

    def restart(self, sig=signal.SIGTERM, extra=()):
        self.stop(sig)
        return self.start(extra)

    def can_connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    # -- talking to it -----------------------------------------------------
    def client(self, timeout=10.0):
        return Client(self.socket, timeout)

    def rpc(self, method, params=None):
        c = self.client()
        try:
            return c.call(method, params)
        finally:
            c.close()

    def result(self, method, params=None):
        r = self.rpc(method, params)
        if "result" not in r:
            raise RuntimeError("%s failed: %r" % (method, r))
        return r["result"]

    def ctl(self, *args, user=None):
        """Run arenactl-client against this daemon: (rc, stdout, stderr)."""
        argv = [CLIENT, "--socket", self.socket] + list(args)
        if user:
            gid = pwd.getpwnam(user).pw_gid
            argv = ["setpriv", "--reuid=" + user, "--regid=%d" % gid, "--clear-groups"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def helper(self, name, *args):
        r = subprocess.run([os.path.join(HELPERS, name)] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr

    def example(self, name, *args):
        """Run an example loader against this daemon: (rc, stdout, stderr)."""
        argv = [os.path.join(EXAMPLES, name), "--socket", self.socket, "--pin-dir", self.pin_dir]
        r = subprocess.run(argv + [str(a) for a in args], capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr


def error_code(reply):
    return reply.get("error", {}).get("code") if isinstance(reply, dict) else None
