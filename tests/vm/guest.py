#!/usr/bin/env python3
"""Run the suite's tests on a kernel of their choosing.

The integration and sanitizer tests need a kernel that lets them create BPF
arenas. When the host refuses (its security policy, or a kernel before
6.9), they run in guests: Debian's kernels under QEMU (TCG), booted on
this machine's own root file system (tests/vm/guest-init.sh), each guest
taking one test at a time (tests/vm/guest-agent.sh). Everything else
(unit tests, fuzzing, the VM tests that boot guests of their own) runs on
the host.

    guest.py kernel              which kernel the tests get, and why
    guest.py session -- CMD...   CMD (prove) with a pool of guests, stopped
                                 at the end, also on failure or a signal
    guest.py run TEST[:ARG][@SERIES]
                                 prove's --exec: TEST (given ARG) on the
                                 host, or in a guest of the session's series
                                 (or SERIES: 6.12, 6.18, 7.2); its TAP on
                                 stdout
    guest.py serve -- ARGS...    make run: arenad ARGS on the host, or when
                                 this kernel refuses its arena, in a 6.18
                                 guest (ARENAD_RUN_KERNEL=host|SERIES forces
                                 one) with its socket relayed to this machine
    guest.py shell               make vm-shell: a shell in that guest

ARENAD_TEST_KERNEL=host|6.12|6.18|7.2 forces the kernel; unset, it is the
host when the host can create an arena (build/tests/arena_probe), else
6.18. ARENAD_TEST_GUESTS sets how many guests of each series run at once
(default: one per CPU, at most 4), booted when a test first needs that
series. ARENAD_TEST_GUEST_CPUS gives each guest that many virtual CPUs
(default 1; QEMU runs them on host threads). Console logs: build/vm/guest-SERIES-N.log; each test's whole
output, ending with the emulated CPU time it took: build/vm/tap/SERIES/TEST.log.
"""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(REPO, "build")
PROBE = os.path.join(BUILD, "tests", "arena_probe")
LOGDIR = os.path.abspath(os.environ.get("ARENAD_VM_LOGDIR") or os.path.join(BUILD, "vm"))
SERIES = ("6.12", "6.18", "7.2")
DEFAULT_SERIES = "6.18"
# Tests that need a kernel with arenas; the rest run on the host.
KERNEL_DIRS = ("tests/integration/", "tests/sanitize/")
# How much slower than the host a guest is: the test library scales its
# waits by it (tests/lib/arenad_test.py, ARENAD_TEST_SLOW).
TCG_SLOWDOWN = 10
GUEST_MEM_MB = 3072
BOOT_TIMEOUT = 300
# Boots of one guest, the first included, before it is given up.
MAX_BOOTS = 3
JOB_TIMEOUT = int(os.environ.get("ARENAD_GUEST_JOB_TIMEOUT") or 2400)
# What of the caller's environment a test in a guest sees.
PASS_ENV_PREFIXES = ("ARENAD_", "HARNESS_", "TAP_", "PERL")
PASS_ENV = ("LANG", "LC_ALL", "TERM", "CI", "CC", "CLANG", "BPFTOOL", "PKG_CONFIG", "V")


def log(msg):
    print("guest: %s" % msg, file=sys.stderr, flush=True)


def probe_host():
    """(True, '') when the host can create an arena, else (False, why)."""
    if not os.access(PROBE, os.X_OK):
        return False, "%s is missing (make test-build)" % os.path.relpath(PROBE, REPO)
    r = subprocess.run([PROBE], capture_output=True, text=True)
    if r.returncode == 0:
        return True, ""
    return False, "creating an arena fails with %s" % (r.stdout.strip() or "exit %d" % r.returncode)


def resolve_kernel():
    """The series the kernel tests run on ('host' or a series), and why."""
    want = os.environ.get("ARENAD_TEST_KERNEL", "")
    if want:
        if want != "host" and want not in SERIES:
            raise SystemExit("guest: ARENAD_TEST_KERNEL=%s: not host, %s" % (want, ", ".join(SERIES)))
        return want, "ARENAD_TEST_KERNEL=%s" % want
    ok, why = probe_host()
    if ok:
        return "host", "the host (%s) creates arenas" % os.uname().release
    return DEFAULT_SERIES, "the host (%s) refuses arenas: %s" % (os.uname().release, why)


def kernel_env(series):
    """tests/vm/kernel.sh's assignments for series, as a dict."""
    r = subprocess.run([os.path.join(HERE, "kernel.sh"), series], capture_output=True, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise RuntimeError("no Debian %s kernel (tests/vm/kernel.sh %s failed)" % (series, series))
    env = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition("=")
        env[k] = v.strip("'")
    return env


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (state first),
    or [] when there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def pid_alive(pid):
    fields = proc_stat(pid)
    return bool(fields) and fields[0] != "Z"


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


class Slot:
    """One guest: its directory (shared with it as the 9p tag "slot"), its
    QEMU process and console log."""

    def __init__(self, pool_dir, series, n, console=None):
        self.series, self.n = series, n
        self.dir = os.path.join(pool_dir, series, "g%d" % n)
        self.pidfile = os.path.join(pool_dir, series, "g%d.pid" % n)
        self.console = console or os.path.join(LOGDIR, "guest-%s-%d.log" % (series, n))

    def path(self, name):
        return os.path.join(self.dir, name)

    def pid(self):
        return read_int(self.pidfile)

    def alive(self):
        p = self.pid()
        return p > 0 and pid_alive(p)

    def cpu_seconds(self):
        """The CPU time its QEMU has used so far."""
        fields = proc_stat(self.pid())
        if len(fields) < 13:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def ready(self):
        try:
            with open(self.path("ready")) as f:
                return f.read().strip()
        except OSError:
            return ""

    def console_tail(self, lines=30):
        try:
            with open(self.console, errors="replace") as f:
                return f.read().splitlines()[-lines:]
        except OSError:
            return []

    def boot(self, kenv, initrd, extra=()):
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(LOGDIR, exist_ok=True)
        # preempt=full: with one virtual CPU, programs that share state
        # (the object allocator's pages) interleave only where the kernel
        # may preempt a running program; Debian's kernels choose the mode
        # at boot (PREEMPT_DYNAMIC) and default to voluntary.
        append = ("console=ttyS0 panic=-1 oops=panic quiet loglevel=4 preempt=full "
                  "arenad_agent=%s arenad_slot=%s" % (os.path.join(HERE, "guest-agent.sh"), self.dir))
        argv = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max",
                "-smp", os.environ.get("ARENAD_TEST_GUEST_CPUS", "1"),
                "-m", str(GUEST_MEM_MB), "-nographic", "-no-reboot", "-nodefaults",
                "-serial", "stdio",
                "-kernel", kenv["VM_VMLINUZ"], "-initrd", initrd, "-append", append,
                "-device", "virtio-rng-pci",
                # The host's root, read-only: the guest's writes go to a tmpfs.
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
                "-virtfs", "local,path=%s,mount_tag=slot,security_model=none" % self.dir] + list(extra)
        with open(self.console, "wb") as out:
            # Its own session, and none of the caller's descriptors: prove
            # reads the caller's stdout until every holder has closed it.
            qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        # Not QEMU's -pidfile, which QEMU removes as it exits: a pid file
        # whose process is gone is how a dead guest is told from a booting one.
        write_atomic(self.pidfile, "%d\n" % qemu.pid)

    def stop(self, wait=30.0):
        if not os.path.isdir(self.dir):
            return
        open(self.path("stop"), "w").close()
        deadline = time.monotonic() + wait
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.alive():
            os.kill(self.pid(), signal.SIGKILL)

    def gone(self):
        """Booted, and its QEMU is gone."""
        return os.path.exists(self.pidfile) and not self.alive()

    def dead(self):
        """Gone, and to be booted again."""
        return self.gone() and (read_int(self.path("boots")) or 1) < MAX_BOOTS

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """The guest's kernel release once it takes jobs; raises when it
        stopped or took longer than timeout."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if os.path.exists(self.pidfile) and not self.alive():
                raise RuntimeError("the %s guest stopped while booting; its console (%s) ends:\n%s"
                                   % (self.series, self.console, "\n".join(self.console_tail())))
            if time.monotonic() > deadline:
                raise RuntimeError("the %s guest was not ready within %d s" % (self.series, timeout))
            time.sleep(0.2)
        return self.ready()


def build_initrd(kenv, out):
    """A busybox initramfs with the 9p and overlay modules and
    guest-init.sh as /init."""
    busybox = shutil.which("busybox")
    if not busybox:
        raise RuntimeError("busybox is missing (tests/vm/deps.sh installs busybox-static)")
    with tempfile.TemporaryDirectory() as root:
        for d in ("bin", "dev", "proc", "sys", "modules"):
            os.makedirs(os.path.join(root, d))
        shutil.copy2(busybox, os.path.join(root, "bin", "busybox"))
        apps = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
        for app in apps:
            if app != "busybox":
                os.symlink("busybox", os.path.join(root, "bin", app))
        mods = kenv["VM_MODULES"]
        for name in os.listdir(mods):
            shutil.copy2(os.path.join(mods, name), os.path.join(root, "modules", name))
        shutil.copy2(os.path.join(HERE, "guest-init.sh"), os.path.join(root, "init"))
        subprocess.run("find . -print0 | cpio --null -o -H newc --quiet | gzip -1 > '%s'" % out,
                       shell=True, cwd=root, check=True)


class Pool:
    """The guests of one session, under build/guests/: started per series
    on first use, stopped by stop()."""

    def __init__(self, pool_dir, one=False):
        self.dir = pool_dir
        self.one = one

    def size(self, series):
        """Guests of a series: in a session as many as prove runs tests at
        once, for every series (a test waiting for a busy guest of another
        series would hold one of prove's jobs idle)."""
        if self.one:
            return 1
        n = os.environ.get("ARENAD_TEST_GUESTS")
        return max(1, int(n)) if n else max(1, min(os.cpu_count() or 1, 4))

    def slots(self, series):
        n = read_int(os.path.join(self.dir, series, "size"))
        return [Slot(self.dir, series, i) for i in range(1, n + 1)]

    def ensure(self, series):
        """The series' slots, booting its guests if nobody did yet."""
        sdir = os.path.join(self.dir, series)
        os.makedirs(sdir, exist_ok=True)
        with open(os.path.join(sdir, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.exists(os.path.join(sdir, "size")):
                kenv = kernel_env(series)
                initrd = os.path.join(sdir, "initrd.gz")
                build_initrd(kenv, initrd)
                n = self.size(series)
                for i in range(1, n + 1):
                    Slot(self.dir, series, i).boot(kenv, initrd)
                write_atomic(os.path.join(sdir, "size"), "%d\n" % n)
                log("booting %d guest(s) of %s (%s)" % (n, kenv["VM_KVER"], sdir))
        return self.slots(series)

    def claim(self, series):
        """A ready guest of series that no other test holds, and the open
        file whose lock holds it."""
        slots = self.ensure(series)
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            for s in slots:
                dead = s.dead()
                if not (s.ready() and s.alive()) and not dead:
                    continue
                f = open(s.path("claim"), "w")
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    f.close()
                    continue
                if not dead:
                    return s, f
                self.reboot(s)
                deadline = time.monotonic() + BOOT_TIMEOUT
                f.close()
            if all(s.gone() and not s.dead() for s in slots):
                tails = []
                for s in slots:
                    tails += ["%s:" % s.console] + s.console_tail()
                raise RuntimeError("every %s guest has stopped\n%s" % (series, "\n".join(tails)))
            if time.monotonic() > deadline and not any(s.ready() for s in slots):
                raise RuntimeError("no %s guest was ready within %d s" % (series, BOOT_TIMEOUT))
            time.sleep(0.2)

    def reboot(self, slot):
        """Boot a dead guest again (a test crashed its kernel, which
        panics on an oops), so that the tests after it run; a guest that
        keeps dying stays dead."""
        boots = read_int(slot.path("boots")) or 1
        for name in ("ready", "job", "out", "rc", "cancel", "stop"):
            try:
                os.unlink(slot.path(name))
            except FileNotFoundError:
                pass
        write_atomic(slot.path("boots"), "%d\n" % (boots + 1))
        log("the %s guest %d died (%s): booting it again" % (slot.series, slot.n, slot.console))
        if os.path.exists(slot.console):
            os.rename(slot.console, slot.console + ".%d" % boots)
        slot.boot(kernel_env(slot.series), os.path.join(self.dir, slot.series, "initrd.gz"))

    def stop(self):
        for series in SERIES:
            for s in self.slots(series):
                s.stop()


def job_script(argv, prelude=()):
    env = {k: v for k, v in os.environ.items()
           if k.startswith(PASS_ENV_PREFIXES) or k in PASS_ENV}
    # A guest-local TMPDIR: a Unix socket cannot be bound on 9p, but can
    # on the overlay over it.
    env.update(TMPDIR="/tmp", TMUX_TMPDIR="/tmp", ARENAD_TEST_SLOW=str(TCG_SLOWDOWN))
    lines = ["cd %s || exit 1" % sh_quote(os.getcwd())]
    lines += ["export %s=%s" % (k, sh_quote(v)) for k, v in sorted(env.items())]
    lines += list(prelude)
    lines.append("exec " + " ".join(sh_quote(a) for a in argv))
    return "\n".join(lines) + "\n"


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def run_in_guest(pool, series, argv, log_path):
    slot, claim = pool.claim(series)
    try:
        for name in ("out", "rc", "cancel"):
            try:
                os.unlink(slot.path(name))
            except FileNotFoundError:
                pass
        head = "# kernel %s: guest %d of %s, QEMU TCG\n" % (slot.ready(), slot.n, series)
        sys.stdout.write(head)
        sys.stdout.flush()
        cpu, wall = slot.cpu_seconds(), time.monotonic()
        write_atomic(slot.path("job"), job_script(argv))
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "wb") as copy:
            copy.write(head.encode())
            rc = stream(slot, copy)
            # What the test cost the machine, for ordering the suite
            # (tests/tests.mk): the emulated CPU is the scarce part.
            tail = "# guest CPU %.0f s in %.0f s\n" % (slot.cpu_seconds() - cpu, time.monotonic() - wall)
            sys.stdout.write(tail)
            sys.stdout.flush()
            copy.write(tail.encode())
            return rc
    finally:
        claim.close()


def stream(slot, copy, timeout=JOB_TIMEOUT):
    """Copy the job's output to stdout and to copy until its exit status
    is there."""
    def cancel(signum, frame):
        open(slot.path("cancel"), "w").close()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, cancel)
    deadline = time.monotonic() + timeout if timeout else None
    pos = 0
    out = sys.stdout.buffer
    while True:
        done = os.path.exists(slot.path("rc"))
        try:
            with open(slot.path("out"), "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        if data:
            out.write(data)
            out.flush()
            copy.write(data)
            copy.flush()
            pos += len(data)
        if done:
            return read_int(slot.path("rc"))
        if not slot.alive():
            # Not "Bail out!": that would stop prove; this test fails,
            # the guest is booted again for the tests after it.
            print("# the %s guest stopped during the test; its console (%s) ends:" %
                  (slot.series, slot.console))
            for line in slot.console_tail():
                print("# " + line)
            return 1
        if deadline and time.monotonic() > deadline and not os.path.exists(slot.path("cancel")):
            print("# the test ran past %d s (ARENAD_GUEST_JOB_TIMEOUT): cancelled" % timeout)
            open(slot.path("cancel"), "w").close()
        time.sleep(0.05 if data else 0.2)


def cmd_run(arg):
    test, _, forced = arg.partition("@")
    # TEST:ARG is one part of a test that takes its parts as arguments
    # (tests/sanitize/sanitize.t), so that guests share its parts.
    test, _, part = test.partition(":")
    rel = os.path.relpath(os.path.abspath(test), REPO)
    series = forced or os.environ.get("ARENAD_TEST_KERNEL") or ""
    needs_kernel = forced or rel.startswith(KERNEL_DIRS)
    path = test if "/" in test else "./" + test
    argv_tail = [part] if part else []
    if not needs_kernel or series == "host":
        os.execv(path, [path] + argv_tail)
    if not series:
        series, why = resolve_kernel()
        if series == "host":
            os.execv(path, [path] + argv_tail)
        os.environ["ARENAD_TEST_KERNEL"] = series
    if series not in SERIES:
        print("# unknown kernel series %s (%s)" % (series, ", ".join(SERIES)))
        return 1
    pool_dir = os.environ.get("ARENAD_GUEST_POOL")
    own = not pool_dir
    if own:
        os.makedirs(os.path.join(BUILD, "guests"), exist_ok=True)
        pool_dir = tempfile.mkdtemp(prefix="run-", dir=os.path.join(BUILD, "guests"))
    pool = Pool(pool_dir, one=own)
    try:
        # The whole TAP of every test, also when prove shows only a summary.
        name = rel.replace("/", "_") + ("_" + part if part else "")
        log_path = os.path.join(LOGDIR, "tap", series, name + ".log")
        return run_in_guest(pool, series, [path] + argv_tail, log_path)
    except RuntimeError as e:
        print("# %s" % str(e).splitlines()[0])
        for line in str(e).splitlines()[1:]:
            print("# " + line)
        return 1
    finally:
        if own:
            pool.stop()
            shutil.rmtree(pool_dir, ignore_errors=True)


def cmd_session(argv):
    series, why = resolve_kernel()
    where = "on the host" if series == "host" else "in %s guests under QEMU (TCG)" % series
    log("kernel tests run %s: %s" % (where, why))
    os.makedirs(os.path.join(BUILD, "guests"), exist_ok=True)
    pool_dir = tempfile.mkdtemp(prefix="session-", dir=os.path.join(BUILD, "guests"))
    os.environ.update(ARENAD_TEST_KERNEL=series, ARENAD_GUEST_POOL=pool_dir)
    pool = Pool(pool_dir)
    # As many tests at once as there are guests; on the host one, as ever.
    if "HARNESS_OPTIONS" not in os.environ:
        os.environ["HARNESS_OPTIONS"] = "j%d" % (1 if series == "host" else pool.size(series))

    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        return subprocess.run(argv).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        pool.stop()
        shutil.rmtree(pool_dir, ignore_errors=True)


# `make run` where the kernel refuses arenas: arenad in a guest, its socket
# relayed to this machine. The guest's network is QEMU's user network,
# reachable only through the forwarded port, and that port is only in a
# network namespace of this command's own (unshare --net), so no other
# process on this machine can reach the relay's TCP side: the Unix socket
# it listens on, root's only, is the way in.
RELAY_PORT = 7411
GUEST_ADDR = "10.0.2.15"	# the address QEMU's user network gives its guest
GUEST_SOCKET = "/run/arenad/arenad.sock"
RUN_DIR = os.path.abspath(os.environ.get("ARENAD_RUN_DIR") or os.path.join(BUILD, "run-guest"))
SHELL_SOCKET = os.path.join(RUN_DIR, "shell.sock")


def arena_refused(daemon):
    """Why this kernel refuses arenad's arena (arenad --check), or ''."""
    r = subprocess.run([daemon, "--check", "-j"], capture_output=True, text=True)
    try:
        checks = json.loads(r.stdout)["checks"]
    except (ValueError, KeyError):
        return ""
    arena = [c for c in checks if c.get("name") == "arena"]
    return arena[0]["detail"] if arena and not arena[0]["ok"] else ""


def split_socket(args):
    """(the socket path arenad's arguments name or the default, the
    arguments without it)."""
    path, rest, i = GUEST_SOCKET, [], 0
    while i < len(args):
        a = args[i]
        if a in ("-s", "--socket") and i + 1 < len(args):
            path, i = args[i + 1], i + 2
            continue
        if a.startswith("--socket="):
            path = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return os.path.abspath(path), rest


def cmd_serve(args):
    daemon = os.path.join(BUILD, "arenad")
    kernel = os.environ.get("ARENAD_RUN_KERNEL", "")
    why = "" if kernel == "host" else arena_refused(daemon)
    if not why and not kernel:
        os.execv(daemon, [daemon] + args)
    series = kernel or DEFAULT_SERIES
    if series not in SERIES:
        raise SystemExit("guest: ARENAD_RUN_KERNEL=%s: not host, %s" % (kernel, ", ".join(SERIES)))
    if why:
        log("this kernel (%s) refuses arenad's arena: %s" % (os.uname().release, why))
    if subprocess.run(["bash", os.path.join(HERE, "deps.sh")]).returncode:
        return 1
    # Fetched here: the namespace below has no network.
    kernel_env(series)
    host_socket, rest = split_socket(args)
    os.execvp("unshare", ["unshare", "--net", "--", sys.executable, os.path.abspath(__file__),
                          "serve-netns", series, host_socket, "--"] + rest)


def cmd_serve_netns(series, host_socket, args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    os.makedirs(RUN_DIR)
    kenv = kernel_env(series)
    initrd = os.path.join(RUN_DIR, "initrd.gz")
    build_initrd(kenv, initrd)
    slot = Slot(RUN_DIR, series, 1, console=os.path.join(LOGDIR, "run-guest.log"))
    log("booting %s under QEMU (TCG); its console is in %s" % (kenv["VM_KVER"], slot.console))
    slot.boot(kenv, initrd, extra=[
        "-netdev", "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:%d-%s:%d" % (RELAY_PORT, GUEST_ADDR, RELAY_PORT),
        "-device", "virtio-net-pci,netdev=net0",
        # A console for `make vm-shell` (tests/vm/guest-agent.sh runs a shell on it).
        "-device", "virtio-serial-pci",
        "-chardev", "socket,id=shell,path=%s,server=on,wait=off" % SHELL_SOCKET,
        "-device", "virtconsole,chardev=shell"])
    relay = None
    try:
        release = slot.wait_ready()
        os.makedirs(os.path.dirname(host_socket), exist_ok=True)
        relay = subprocess.Popen(["socat", "UNIX-LISTEN:%s,fork,mode=0600,unlink-early,unlink-close" % host_socket,
                                  "TCP:127.0.0.1:%d" % RELAY_PORT], start_new_session=True)
        log("arenad runs in the guest (Linux %s). Its socket is %s on this machine too "
            "(root's only: through the relay every client is root to arenad). Its pins are in "
            "the guest's bpffs, not this machine's, and go with the guest: loaders must run in "
            "the guest (make vm-shell). Ctrl-C stops arenad and the guest." % (release, host_socket))
        prelude = ["ip addr add %s/24 dev eth0 && ip link set eth0 up || exit 1" % GUEST_ADDR,
                   # Relay once arenad listens: no error per early client.
                   "(while [ ! -S %s ]; do sleep 0.2; done; "
                   "exec socat TCP-LISTEN:%d,bind=%s,fork,reuseaddr UNIX-CONNECT:%s) &"
                   % (GUEST_SOCKET, RELAY_PORT, GUEST_ADDR, GUEST_SOCKET)]
        write_atomic(slot.path("job"), job_script([os.path.join(BUILD, "arenad"), "--socket", GUEST_SOCKET] + args,
                                                  prelude))
        with open(os.devnull, "wb") as devnull:
            return stream(slot, devnull, timeout=None)
    except RuntimeError as e:
        log(str(e))
        return 1
    finally:
        if relay:
            relay.terminate()
            relay.wait()
        slot.stop()
        shutil.rmtree(RUN_DIR, ignore_errors=True)


def cmd_shell():
    if not os.path.exists(SHELL_SOCKET):
        log("no guest of `make run` is running (%s is missing)" % SHELL_SOCKET)
        return 1
    log("a shell in the guest of `make run`; Ctrl-] leaves it (the shell stays)")
    return subprocess.run(["socat", "-,raw,echo=0,escape=0x1d", "UNIX-CONNECT:%s" % SHELL_SOCKET]).returncode


def main(args):
    if args[:1] == ["kernel"]:
        series, why = resolve_kernel()
        print("%s\t%s" % (series, why))
        return 0
    if args[:1] == ["run"] and len(args) == 2:
        return cmd_run(args[1])
    if args[:2] == ["session", "--"] and len(args) > 2:
        return cmd_session(args[2:])
    if args[:2] == ["serve", "--"]:
        return cmd_serve(args[2:])
    if args[:1] == ["serve-netns"] and len(args) >= 4 and args[3] == "--":
        return cmd_serve_netns(args[1], args[2], args[4:])
    if args == ["shell"]:
        return cmd_shell()
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
