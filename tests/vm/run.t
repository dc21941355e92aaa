#!/usr/bin/env python3
# `make run` where the kernel refuses arenas: arenad runs in a 6.18 guest
# (tests/vm/guest.py serve), arenactl-client on this machine talks to it
# through the relayed socket, `make vm-shell` is a shell in that guest that
# sees arenad's pins, and Ctrl-C stops arenad cleanly and leaves nothing
# behind. Where the host creates arenas, the guest is forced
# (ARENAD_RUN_KERNEL=6.18): make run itself would use the host's
# /sys/fs/bpf, which tests never touch.
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)
GUEST = os.path.join(HERE, "guest.py")
# A guest under emulation: boot, then arenad's start-up.
WAIT = 900


def wait_for(fn, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        if serve.poll() is not None:
            t.diag("make run exited (%d) while waiting for %s" % (serve.returncode, what))
            return v
        time.sleep(1)
    t.diag("no %s within %d s" % (what, timeout))
    return None


def ctl(*args):
    r = subprocess.run([at.CLIENT, "--socket", sock] + list(args), capture_output=True, text=True,
                       timeout=at.scaled(30))
    return r.returncode, r.stdout + r.stderr


refused = subprocess.run([os.path.join(at.HELPERS, "arena_probe")], capture_output=True).returncode != 0
tmp = tempfile.mkdtemp(prefix="arenad-run-")
sock = os.path.join(tmp, "sock", "arenad.sock")
run_dir = os.path.join(tmp, "guest")
env = dict(os.environ, ARENAD_RUN_DIR=run_dir)
if not refused:
    env["ARENAD_RUN_KERNEL"] = "6.18"
log = open(os.path.join(tmp, "run.log"), "w+")
serve = subprocess.Popen([GUEST, "serve", "--", "--pages", "4096", "--socket", sock], env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
tmux = "arenad-run-test-%d" % os.getpid()
try:
    def output():
        log.seek(0)
        return log.read()

    if refused:
        t.ok(wait_for(lambda: "refuses arenad's arena" in output(), "the refusal"),
             "make run says this kernel refuses arenad's arena, and why")
    t.ok(wait_for(lambda: "arenad runs in the guest" in output(), "the guest"),
         "and runs arenad in a guest, saying where its socket and pins are")
    t.ok("pins are in the guest's bpffs" in output(), "it says plainly that the pins live in the guest")
    rc, out = wait_for(lambda: (lambda r: r if r[0] == 0 else None)(ctl("query")), "an answer on the socket") \
        or (1, "")
    t.ok(rc == 0 and "4096 pages" in out, "arenactl-client on this machine queries it through %s" % sock)
    rc, out = ctl("alloc", "4", "--owner", "from-host")
    t.ok(rc == 0 and "4 pages" in out, "and allocates (%s)" % out.strip())
    rc, out = ctl("query")
    t.ok("from-host" in out, "the allocation is in the ledger under its owner")

    # make vm-shell, in a real terminal.
    subprocess.run(["tmux", "new-session", "-d", "-s", tmux, "-x", "160", "-y", "40",
                    "env ARENAD_RUN_DIR=%s %s shell" % (run_dir, GUEST)], check=True)

    def screen():
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", tmux], capture_output=True,
                              text=True).stdout
    t.ok(wait_for(lambda: "Ctrl-] leaves it" in screen(), "the shell's banner", 60),
         "make vm-shell connects to the guest's console")
    subprocess.run(["tmux", "send-keys", "-t", tmux, "echo GUEST-$(uname -r); ls /sys/fs/bpf/arenad", "Enter"])
    release = wait_for(lambda: [w for w in screen().split() if w.startswith("GUEST-") and w != "GUEST-$(uname"],
                       "the shell's answer", 300)
    t.ok(release and release[0] != "GUEST-" + os.uname().release,
         "the shell runs in the guest's kernel (%s)" % (release[0] if release else screen()))
    t.ok(wait_for(lambda: "alloc_prog" in screen(), "the pins in the shell", 60),
         "and sees arenad's pins in the guest's /sys/fs/bpf/arenad")
    subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)

    # Ctrl-C
    serve.send_signal(signal.SIGINT)
    try:
        rc = serve.wait(timeout=300)
    except subprocess.TimeoutExpired:
        rc = None
    t.eq(rc, 0, "Ctrl-C stops it with status 0")
    t.ok("received Terminated, exiting" in output(), "arenad in the guest stopped cleanly")
    t.ok(not os.path.exists(sock), "the socket on this machine is gone")
    t.ok(not os.path.exists(run_dir), "and the guest's run directory")
    left = subprocess.run(["pgrep", "-f", run_dir], capture_output=True, text=True).stdout.split()
    t.eq(left, [], "no QEMU or relay process is left")
    if t.failed:
        t.diag(output()[-4000:])
finally:
    subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)
    if serve.poll() is None:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=120)
        except subprocess.TimeoutExpired:
            serve.kill()
    for pid in subprocess.run(["pgrep", "-f", run_dir], capture_output=True, text=True).stdout.split():
        os.kill(int(pid), signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
