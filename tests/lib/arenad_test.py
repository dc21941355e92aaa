"""Test support for arenad's integration tests (Python 3, stdlib only).

Tap       TAP producer: ok/eq/not ok with descriptions, diagnostics, SKIP,
          TODO, skip_all; the plan is printed by done().
Client    one connection speaking JSON-RPC 2.0, one JSON object per line;
          send_raw() sends arbitrary bytes.
Fixture   a temporary directory with a PRIVATE bpffs mounted in it, a private
          socket, and the real daemon (build/arenad) on them. Everything it
          creates (processes, the mount, the directory) is undone when the
          `with` block ends, also when a test raises, at interpreter exit
          (atexit) and on SIGTERM/SIGINT/SIGHUP. /sys/fs/bpf and /run are
          never touched.

    t = Tap()
    with Fixture(t, pages=64) as fx:
        t.eq(fx.result("ping"), {"pong": "arenad"}, "ping answers")
    t.done()

The daemon's stderr goes to DIR/arenad.log, which is printed as TAP
diagnostics when a check inside the fixture failed.
"""
import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.join(REPO, "build")
# ARENAD_BUILD names another tree for the daemon and the CLI under test
# (make SANITIZE=1 builds build/sanitize; tests/sanitize/ sets it).
TARGET = os.path.abspath(os.environ.get("ARENAD_BUILD") or BUILD)
DAEMON = os.path.join(TARGET, "arenad")
CLIENT = os.path.join(TARGET, "arenactl-client")
HELPERS = os.path.join(BUILD, "tests")
EXAMPLES = os.path.join(BUILD, "examples")

# Default arena address (--user-addr) and page size, as the daemon uses them.
BASE = 0x100000000000
PAGE = 4096

# Socket timeout: a hung daemon fails the test instead of hanging it.
TIMEOUT = 5.0

# How much slower than a real machine this one is: 10 in a guest under
# emulation (tests/vm/guest.py sets it). Every wait and timeout here is
# multiplied by it, and a test that waits on its own uses scaled(): a slow
# machine takes longer to pass, never fails for being slow. Polling
# intervals are scaled too: the guest has one emulated CPU, and a poll
# takes it from the daemon being waited for.
SLOW = float(os.environ.get("ARENAD_TEST_SLOW") or 1)


def scaled(seconds):
    """seconds for this machine; None (no timeout) stays None."""
    return None if seconds is None else seconds * SLOW


class Tap:
    """Minimal TAP producer; the plan is printed at the end by done()."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    @staticmethod
    def _clean(desc):
        # '#' starts a directive in TAP; a newline would end the line.
        return str(desc).replace("\\", "\\\\").replace("#", "\\#").replace("\n", " ")

    def ok(self, cond, desc, todo=None):
        """One test point. With todo="why", a failure is expected (TAP TODO)."""
        self.n += 1
        if not cond and todo is None:
            self.failed += 1
        line = "%sok %d - %s" % ("" if cond else "not ", self.n, self._clean(desc))
        if todo is not None:
            line += " # TODO " + self._clean(todo)
        print(line, flush=True)
        return bool(cond)

    def eq(self, got, want, desc, todo=None):
        good = got == want
        self.ok(good, desc, todo)
        if not good:
            self.diag("got:  %r\nwant: %r" % (got, want))
        return good

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line, flush=True)

    def skip(self, why, count=1):
        for _ in range(count):
            self.n += 1
            print("ok %d # SKIP %s" % (self.n, self._clean(why)), flush=True)

    def skip_all(self, why):
        print("1..0 # SKIP %s" % self._clean(why), flush=True)
        sys.exit(0)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


class QuietTap(Tap):
    """For benchmarks: no TAP on stdout; a failed check goes to stderr."""

    def ok(self, cond, desc, todo=None):
        if not cond:
            print("bench: " + desc, file=sys.stderr)
        return bool(cond)


def require_root(tap):
    """Integration tests mount bpffs and create arenas: root only."""
    if os.geteuid() != 0:
        tap.skip_all("needs root (mounts a private bpffs, creates BPF maps)")
    if not os.access(DAEMON, os.X_OK):
        tap.skip_all("%s is not built; run make test-build" % DAEMON)


class Client:
    """One connection speaking line-delimited JSON-RPC 2.0."""

    def __init__(self, path, timeout=TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(scaled(timeout))
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.buf = b""
        self.next_id = 1

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def recv_raw_line(self):
        """The next reply line as sent, newline included. Raises on EOF or
        timeout."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("daemon closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def recv_line(self):
        """The next reply line, parsed. Raises on EOF or timeout."""
        return json.loads(self.recv_raw_line())

    def request_raw(self, line):
        """Send one raw line (a newline is added); the reply line as sent."""
        self.send_raw(line + (b"\n" if isinstance(line, bytes) else "\n"))
        return self.recv_raw_line()

    def request(self, line):
        """Send one raw line (a newline is added) and return the reply."""
        return json.loads(self.request_raw(line))

    def call(self, method, params=None):
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            req["params"] = params
        return self.request(json.dumps(req).encode())

    def closed_by_peer(self, timeout=TIMEOUT):
        """True when the daemon closes this connection within timeout."""
        self.sock.settimeout(scaled(timeout))
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except OSError:		# ECONNRESET and friends
            return True

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wait_listening(path, proc=None, timeout=10.0):
    """Whether the Unix socket at path accepts a connection within timeout
    seconds (False as soon as proc, its server, has exited)."""
    deadline = time.monotonic() + scaled(timeout)
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        try:
            Client(path).close()
            return True
        except OSError:
            time.sleep(scaled(0.005))
    return False


def poll(fn, done, timeout=30.0, interval=0.2):
    """Call fn() until done(its value) holds or timeout seconds have
    passed: its last value. For a state the daemon reaches on its own
    time (a hang-up seen, a slot freed)."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        v = fn()
        if done(v) or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def error_code(reply):
    """The JSON-RPC error code of a reply, or None when it is not an error."""
    if not isinstance(reply, dict) or not isinstance(reply.get("error"), dict):
        return None
    return reply["error"].get("code")


def _die_with_parent():
    """preexec_fn: SIGKILL the child when the test (the forking thread)
    dies, even by SIGKILL, so no daemon outlives its test."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def in_cgroup(cgroup):
    """preexec_fn: _die_with_parent(), and with cgroup (a cgroup v2
    directory) the child moves itself there before it runs anything."""
    def preexec():
        _die_with_parent()
        if cgroup:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
    return preexec


def kill_tree(proc, sig=signal.SIGKILL):
    """Signal proc and reap it; SIGKILL if it does not exit within 30 s
    (a daemon stopped during start-up first finishes the census job in
    flight, which takes seconds on a loaded machine under emulation)."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=scaled(30))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Every fixture not yet cleaned up; undone at exit and on fatal signals.
_live = []


def _cleanup_all():
    for fx in list(_live):
        fx.cleanup()


def _on_signal(signum, frame):
    _cleanup_all()
    os._exit(128 + signum)


atexit.register(_cleanup_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def proc_state(pid):
    """The state letter of pid in /proc (R, S, Z...), None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def comm(pid):
    """The process's command name, as the kernel keeps it (15 characters)."""
    with open("/proc/%d/comm" % pid) as f:
        return f.read().rstrip("\n")


def _pid_alive(pid):
    """True unless pid is gone or a zombie."""
    return proc_state(pid) not in (None, "Z")


def sweep_stale():
    """Undo what a test killed by SIGKILL left behind: fixture directories
    whose owning test process is gone (their daemons died with it)."""
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        d = os.path.join(tmp, name)
        if not name.startswith("arenad-test-"):
            continue
        try:
            with open(os.path.join(d, "owner.pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            continue
        if _pid_alive(pid):
            continue
        bpffs = os.path.join(d, "bpffs")
        if os.path.ismount(bpffs):
            subprocess.run(["umount", "-l", bpffs], capture_output=True)
        if not os.path.ismount(bpffs):
            shutil.rmtree(d, ignore_errors=True)


class Fixture:
    """A private bpffs + socket in a temporary directory, and the daemon.

    pages, args: the daemon's --pages and further options, used by every
    start; start=False leaves starting to the test. cgroup: a cgroup v2
    directory each start puts the daemon in (None: the test's own).
    """

    def __init__(self, tap, pages=64, args=(), start=True):
        self.tap = tap
        self.pages = pages
        self.args = list(args)
        self.autostart = start
        self.daemon = DAEMON
        self.procs = []
        self.proc = None
        self.dir = None
        self.bpffs = None
        self.mounted = False
        self.logf = None
        self.cgroup = None
        self.undo = []

    # -- setup and teardown ------------------------------------------------
    def __enter__(self):
        if self.tap.n == 0:
            require_root(self.tap)
        self.failed_before = self.tap.failed
        _live.append(self)
        try:
            sweep_stale()
            self.dir = tempfile.mkdtemp(prefix="arenad-test-")
            with open(os.path.join(self.dir, "owner.pid"), "w") as f:
                f.write("%d\n" % os.getpid())
            # nobody must be able to reach the socket in the permission tests
            os.chmod(self.dir, 0o755)
            self.bpffs = os.path.join(self.dir, "bpffs")
            os.mkdir(self.bpffs)
            subprocess.run(["mount", "-t", "bpf", "bpf", self.bpffs], check=True,
                           capture_output=True, timeout=scaled(30))
            self.mounted = True
            self.pin_dir = os.path.join(self.bpffs, "arenad")
            self.socket = os.path.join(self.dir, "arenad.sock")
            self.log = os.path.join(self.dir, "arenad.log")
            self.logf = open(self.log, "ab")
            if self.autostart:
                self.start()
        except BaseException as e:
            self.tap.ok(False, "fixture set-up: %s" % e)
            self.dump_log()
            self.cleanup()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, Exception):
            self.tap.ok(False, "test raised %s: %s" % (exc_type.__name__, exc))
            self.tap.diag("".join(traceback.format_exception(exc_type, exc, tb)))
        elif exc_type is None and self.proc is not None:
            # The daemon must survive everything a test did to it.
            rc = self.proc.poll()
            self.tap.ok(rc is None, "daemon still running at the end" +
                        ("" if rc is None else " (it exited with status %d)" % rc))
        if self.tap.failed > self.failed_before:
            self.dump_log()
        self.cleanup()
        # Swallow test exceptions (reported above); let SystemExit and
        # KeyboardInterrupt through.
        return exc_type is not None and issubclass(exc_type, Exception)

    def cleanup(self):
        """Kill what we started, run what on_cleanup() registered (last
        first), unmount, remove the directory. Idempotent."""
        for p in self.procs:
            kill_tree(p)
        self.procs = []
        self.proc = None
        while self.undo:
            try:
                self.undo.pop()()
            except Exception as e:
                self.tap.diag("cleanup: %s" % e)
        if self.mounted:
            r = subprocess.run(["umount", self.bpffs], capture_output=True)
            if r.returncode:
                subprocess.run(["umount", "-l", self.bpffs], capture_output=True)
            self.mounted = False
        if self.logf:
            self.logf.close()
            self.logf = None
        if self.dir and os.path.isdir(self.dir) and not (self.bpffs and os.path.ismount(self.bpffs)):
            shutil.rmtree(self.dir, ignore_errors=True)
        if self in _live:
            _live.remove(self)

    def dump_log(self):
        try:
            if self.logf:
                self.logf.flush()
            with open(self.log, errors="replace") as f:
                text = f.read()
        except (OSError, AttributeError):
            return
        self.tap.diag("--- daemon log (last 4000 bytes) ---\n" + text[-4000:] + "--- end of log ---")

    def track(self, proc):
        """Kill proc (if still running) when the fixture ends."""
        self.procs.append(proc)
        return proc

    def on_cleanup(self, fn):
        """Call fn when the fixture ends, after its processes are gone
        (also on an exception or a signal): what a test made outside the
        fixture's directory, such as a cgroup."""
        self.undo.append(fn)

    # -- the daemon ------------------------------------------------------
    def argv(self, extra=()):
        return [self.daemon, "--pin-dir", self.pin_dir, "--socket", self.socket,
                "--pages", str(self.pages)] + self.args + list(extra)

    def spawn(self, extra=(), env=None):
        """Start the daemon without waiting for it."""
        e = dict(os.environ)
        e.update(env or {})
        self.proc = self.track(subprocess.Popen(self.argv(extra), stdin=subprocess.DEVNULL,
                                                stdout=self.logf, stderr=self.logf, env=e,
                                                preexec_fn=in_cgroup(self.cgroup)))
        return self.proc

    def start(self, extra=(), env=None, timeout=20.0, started=True):
        """Start the daemon and wait until its socket accepts connections
        and, with started, until the start-up it finishes after READY (the
        census and the inventory) is done, as `version` reports."""
        proc = self.spawn(extra, env)
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("arenad exited with status %d during start-up" % proc.returncode)
            if self.can_connect() and (not started or not self.result("version")["starting"]):
                return proc
            time.sleep(scaled(0.02))
        raise RuntimeError("arenad did not finish start-up within %.0f s" % timeout)

    def run_daemon(self, extra=(), timeout=10.0):
        """Run arenad to completion (a start that must fail, --unpin):
        (exit status, stdout + stderr)."""
        r = subprocess.run(self.argv(extra), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=scaled(timeout))
        return r.returncode, r.stdout + r.stderr

    def stop(self, sig=signal.SIGTERM):
        """Stop the daemon with sig and reap it: its exit status."""
        if self.proc is None:
            return None
        kill_tree(self.proc, sig)
        rc = self.proc.returncode
        self.procs.remove(self.proc)
        self.proc = None
        return rc

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
    def client(self, timeout=TIMEOUT):
        return Client(self.socket, timeout)

    def rpc(self, method, params=None):
        """One request on a fresh connection: the whole reply."""
        with self.client() as c:
            try:
                return c.call(method, params)
            except socket.timeout:
                self.dump_stall("%s got no reply in %g s" % (method, scaled(TIMEOUT)))
                raise

    def dump_stall(self, what):
        """Where the daemon is while a reply is late: each of its threads'
        state, wait channel and kernel stack, and every process's state
        and CPU share (starved, blocked, or waiting on another process)."""
        lines = [what]
        pid = self.proc.pid if self.proc else None
        for tid in sorted(os.listdir("/proc/%d/task" % pid)) if pid and os.path.isdir("/proc/%d" % pid) else []:
            base = "/proc/%d/task/%s/" % (pid, tid)
            fields = {}
            for name in ("comm", "wchan", "stat", "stack"):
                try:
                    with open(base + name, errors="replace") as f:
                        fields[name] = f.read().strip()
                except OSError as e:
                    fields[name] = "(%s)" % e.strerror
            state = (fields["stat"].rsplit(")", 1)[-1].split() or ["?"])[0]
            lines.append("thread %s %s: state %s, wchan %s" % (tid, fields["comm"], state, fields["wchan"]))
            lines += ["    " + x for x in fields["stack"].splitlines()]
        ps = subprocess.run(["ps", "-eo", "pid,ppid,stat,pcpu,time,wchan:24,args"],
                            capture_output=True, text=True)
        # user space only: kernel threads are kthreadd's children
        lines += [x[:200] for x in ps.stdout.splitlines() if x.split()[1:2] != ["2"] and x.split()[:1] != ["2"]]
        self.tap.diag("\n".join(lines))

    def raw(self, line):
        """One raw line (bytes or str, newline added) on a fresh connection."""
        with self.client() as c:
            return c.request(line if isinstance(line, bytes) else line.encode())

    def result(self, method, params=None):
        """The result of a request that must succeed."""
        r = self.rpc(method, params)
        if "result" not in r:
            raise RuntimeError("%s %s failed: %r" % (method, params, r))
        return r["result"]

    def alloc_many(self, n, batch=500):
        """n one-page allocations, pipelined batch at a time on one
        connection (a large ledger in seconds)."""
        with self.client(timeout=60) as c:
            for start in range(0, n, batch):
                k = min(batch, n - start)
                c.send_raw(b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"alloc","params":{"pages":1}}\n' % i
                                    for i in range(start, start + k)))
                for _ in range(k):
                    if "result" not in c.recv_line():
                        raise RuntimeError("alloc failed")

    def ctl(self, *args, user=None):
        """Run arenactl-client against this daemon: (rc, stdout, stderr)."""
        argv = [CLIENT, "--socket", self.socket] + list(args)
        if user:
            argv = as_user(user) + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=scaled(30))
        return r.returncode, r.stdout, r.stderr

    def helper(self, name, *args):
        """Run build/tests/NAME: (rc, stdout, stderr)."""
        r = subprocess.run([os.path.join(HELPERS, name)] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=scaled(60))
        return r.returncode, r.stdout, r.stderr

    def mem_write(self, addr, data):
        """Write bytes at addr through an mmap of the pinned arena.
        Only name allocated pages: touching a free page allocates it."""
        return self.helper("arena_mem", self.pin_dir, "write", _addr(addr),
                           "hex:" + bytes(data).hex())

    def mem_read(self, addr, n):
        """n bytes at addr through an mmap of the pinned arena, or None."""
        rc, out, err = self.helper("arena_mem", self.pin_dir, "read", _addr(addr), n)
        if rc:
            self.tap.diag(err)
            return None
        return bytes.fromhex(out.strip())

    def example(self, name, *args):
        """Run an example loader against this daemon: (rc, stdout, stderr)."""
        argv = [os.path.join(EXAMPLES, name), "--socket", self.socket, "--pin-dir", self.pin_dir]
        r = subprocess.run(argv + [str(a) for a in args], capture_output=True, text=True,
                           timeout=scaled(60))
        return r.returncode, r.stdout, r.stderr


class LedgerLoader:
    """tests/helpers/ledger_loader: a BPF object on the pinned ledger,
    allocating from BPF as owner; tracked by the fixture. .ready is its
    first line ("ready 0x..."), cmd() sends one command line and returns
    the answer line."""

    def __init__(self, fx, name, owner):
        self.p = fx.track(subprocess.Popen(
            [os.path.join(HELPERS, "ledger_loader"), "--socket", fx.socket,
             "--pin-dir", fx.pin_dir, "--name", name, "--owner", owner],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fx.logf, text=True))
        self.ready = self.p.stdout.readline().strip()

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def quit(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=scaled(30))


class ForeignArena:
    """Another program's arena: one tests/foreign/foreign_arena process,
    started with args, killed with the fixture. .info is the JSON line it
    prints once its arena is made (map_id, prog_id, pid, addr, present)."""

    def __init__(self, fx, *args):
        self.proc = fx.track(subprocess.Popen([os.path.join(HELPERS, "foreign_arena")] +
                                              [str(a) for a in args],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True,
                                              preexec_fn=_die_with_parent))
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("foreign_arena %s failed: %s" % (args, self.proc.stderr.read()))
        self.info = json.loads(line)
        self.id = self.info["map_id"]
        self.base = int(self.info["addr"], 16)

    def present(self):
        """Pages present: allocated by its program or touched."""
        return sum(n for _, n in self.info["present"])

    def runs(self):
        """The present runs as (address, pages)."""
        return [(hex(self.base + p * PAGE), n) for p, n in self.info["present"]]

    def check(self):
        """"ok" when every byte it wrote is still there (and it is alive)."""
        if self.proc.poll() is not None:
            return "exited %d" % self.proc.returncode
        self.proc.stdin.write("check\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def exit(self):
        self.proc.stdin.write("exit\n")
        self.proc.stdin.flush()
        self.proc.wait(scaled(10))


def _addr(a):
    return a if isinstance(a, str) else hex(a)


def page_addr(pgoff):
    """The address of page pgoff of an arena at the default address, as hex."""
    return hex(BASE + pgoff * PAGE)


def as_user(user):
    """argv prefix that runs a command as user, with its primary group only."""
    gid = pwd.getpwnam(user).pw_gid
    return ["setpriv", "--reuid=" + user, "--regid=%d" % gid, "--clear-groups"]


# struct arenad_state (arenad_abi.h): alloc_build follows magic, abi_version,
# user_vm_start, pages_total, map_flags, created_ns and numa_node.
STATE_ALLOC_BUILD = 36


def state_alloc_build(pin_dir, value=None):
    """The alloc_build word of the pinned state map, read (and, with value,
    first written) through an mmap of the map, as the daemon does."""
    import ctypes
    import mmap
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    path = ctypes.create_string_buffer(os.path.join(pin_dir, "state").encode())
    # union bpf_attr for BPF_OBJ_GET (7): pathname, bpf_fd, file_flags
    attr = ctypes.create_string_buffer(struct.pack("=QII", ctypes.addressof(path), 0, 0), 16)
    fd = libc.syscall(321, 7, attr, 16)     # __NR_bpf on x86_64
    if fd < 0:
        raise OSError(ctypes.get_errno(), "BPF_OBJ_GET %s/state" % pin_dir)
    try:
        with mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as m:
            if value is not None:
                m[STATE_ALLOC_BUILD:STATE_ALLOC_BUILD + 4] = struct.pack("=I", value)
            return struct.unpack("=I", m[STATE_ALLOC_BUILD:STATE_ALLOC_BUILD + 4])[0]
    finally:
        os.close(fd)


def pinned_id(path, kind="map"):
    """The id of the map or prog pinned at path (bpftool), or None."""
    r = subprocess.run(["bpftool", "-j", kind, "show", "pinned", path],
                       capture_output=True, text=True, timeout=scaled(30))
    if r.returncode:
        return None
    info = json.loads(r.stdout)
    return info.get("id") if isinstance(info, dict) else None
