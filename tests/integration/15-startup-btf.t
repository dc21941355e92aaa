#!/usr/bin/env python3
"""A whole start parses the kernel's BTF (/sys/kernel/btf/vmlinux) once,
and only after the socket listens: the allocator of a new arena, the
census self-test and the users iterators load through libbpf's loader
program, where the kernel resolves kfuncs, attach targets and CO-RE
relocations itself; the map iterator and the census of the daemon's own
arena share one load. Counted with strace from exec until start-up is
done (census and inventory loaded), on a fresh start and on a restart
that adopts the pins; then the census, the inventory and its
programs/processes must all work. Pins of another build have their
allocator replaced after the socket listens, in a load of its own (a
load against pinned maps cannot go through the loader program)."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

VMLINUX = "/sys/kernel/btf/vmlinux"


def traced_daemon(fx):
    """The daemon's pid: strace's child."""
    with open("/proc/%d/task/%d/children" % (fx.proc.pid, fx.proc.pid)) as f:
        return int(f.read().split()[0])


def stop(fx, pid):
    """Stop the daemon itself (strace leaves its tracee running when it is
    stopped), then strace, which exits with it."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + at.scaled(20)
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    fx.stop()

t = at.Tap()
with at.Fixture(t, pages=1024, start=False) as fx:
    log = os.path.join(fx.dir, "strace.log")
    argv = fx.argv
    # setpriv: the daemon dies with strace, also when the fixture kills
    # strace after a failure (a tracer's exit leaves its tracee running).
    fx.argv = lambda extra=(): (["strace", "-f", "-qq", "-e", "trace=openat,listen", "-o", log,
                                 "setpriv", "--pdeathsig", "KILL", "--"] + argv(extra))
    for attempt, want in (("fresh arena", 1), ("adopting its pins", 1),
                          ("adopting another build's pins", 2)):
        if want == 2:
            at.state_alloc_build(fx.pin_dir, at.state_alloc_build(fx.pin_dir) ^ 1)
        fx.start(timeout=60)
        with open(log) as f:
            lines = f.readlines()
        opens = [i for i, ln in enumerate(lines)
                 if re.search(r'openat\(AT_FDCWD, "%s"' % VMLINUX, ln)]
        listen = [i for i, ln in enumerate(lines) if re.search(r"listen\(\d+, \d+\)\s+= 0", ln)]
        t.eq(len(opens), want, "%s: the kernel's BTF is opened %s in the whole start-up"
             % (attempt, "once" if want == 1 else "twice"))
        t.ok(listen and opens and listen[0] < opens[0],
             "%s: ... only after the socket listens" % attempt)
        v = fx.result("version")
        t.ok(v["census_method"], "%s: the census passed its self-test (%s)"
             % (attempt, v["census_method"]))
        st = fx.result("stats")
        managed = fx.result("arenas")
        mine = [a for a in managed if a["map_id"] == st["map_id"]]
        t.ok(len(mine) == 1 and mine[0]["managed"], "%s: the inventory lists the daemon's arena"
             % attempt)
        who = fx.result("who", {"map_id": st["map_id"]})
        pids = [p["pid"] for p in who.get("processes", [])]
        daemon = traced_daemon(fx)
        t.ok(daemon in pids,
             "%s: who lists the daemon holding its arena (the users iterators work): %r"
             % (attempt, pids))
        sc = fx.result("scan")
        t.eq(sc.get("pages_missing"), 0, "%s: scan runs the census on the daemon's arena"
             % attempt)
        stop(fx, daemon)
        os.unlink(log)
t.done()
