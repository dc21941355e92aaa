#!/usr/bin/env python3
"""stats reads the counters from the mmapped state map and keeps its owner
table, and that table's JSON text, until the ledger changes: every change,
also one made through the pinned allocator by another process (no socket
request the daemon could notice), shows in the next stats. stats makes no
bpf() call (strace of every thread) but to read an owner name it has not
seen before."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402


def owners(fx):
    return {o["owner"]: (o["pages"], o["allocations"]) for o in fx.result("stats")["owners"]}


def bpf_calls_during(fx, fn):
    """bpf() calls by any thread of the daemon while fn() runs."""
    pid = fx.proc.pid
    log = os.path.join(fx.dir, "strace.log")
    tracer = fx.track(subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=bpf", "-o", log,
                                        "-p", str(pid)], stderr=subprocess.DEVNULL))
    tids = os.listdir("/proc/%d/task" % pid)
    deadline = time.monotonic() + at.scaled(20)
    while time.monotonic() < deadline:
        traced = 0
        for tid in tids:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                traced += any(ln.startswith("TracerPid:") and ln.split()[1] != "0" for ln in f)
        if traced == len(tids):
            break
        time.sleep(0.05)
    fn()
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=at.scaled(20))
    with open(log) as f:
        calls = [ln for ln in f if re.match(r"\d+\s+bpf\(", ln)]
    os.unlink(log)
    return calls


def pins(fx, *args):
    rc, out, err = fx.helper("loader_pins", fx.pin_dir, *args)
    if rc or not out.startswith("ok "):
        raise RuntimeError("loader_pins %s: %s%s" % (args, out, err))
    return out.split()[1]


t = at.Tap()
with at.Fixture(t, pages=256) as fx:
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["owners"]), (0, []), "empty at start")

    fx.result("alloc", {"pages": 3, "owner": "sock"})
    t.eq(owners(fx), {"sock": (3, 1)}, "a socket alloc shows")
    t.eq(owners(fx), {"sock": (3, 1)}, "and the same table again without a change")

    addr = pins(fx, "alloc", 5, "direct")
    st = fx.result("stats")
    t.eq(st["pages_allocated"], 8, "a pinned-allocator alloc by another process is counted")
    t.eq(owners(fx), {"sock": (3, 1), "direct": (5, 1)}, "and its owner shows at once")

    addr2 = pins(fx, "alloc", 2, "direct")
    t.eq(owners(fx), {"sock": (3, 1), "direct": (7, 2)}, "a second one updates the owner")

    pins(fx, "free", addr)
    t.eq(owners(fx), {"sock": (3, 1), "direct": (2, 1)}, "a pinned free updates it")

    # The table's text is kept between requests: served many times, then
    # changed behind the daemon's back, it must not come back as it was.
    for _ in range(50):
        owners(fx)
    pins(fx, "free", addr2)
    t.eq(owners(fx), {"sock": (3, 1)}, "the owner of a pinned free of its last allocation goes")
    addr2 = pins(fx, "alloc", 2, "direct")
    t.eq(owners(fx), {"sock": (3, 1), "direct": (2, 1)}, "and comes back with a pinned alloc")

    # No syscall for the counters (the mmapped state map) and none for the
    # owners while the ledger generation stays: 200 stats, no bpf() call.
    def many_stats():
        with fx.client() as c:
            for _ in range(200):
                c.call("stats")
    calls = bpf_calls_during(fx, many_stats)
    t.eq(len(calls), 0, "200 stats without a change in between make no bpf() call: %r"
         % calls[:3])
    # A change made behind the daemon's back shows in the next stats: the
    # owner table is read from its mmapped map when the generation moved,
    # and a name not seen before costs reading its string (twice, until
    # two reads agree: libarenad's rule for a slot that may change). Then
    # nothing again.
    pins(fx, "free", addr2)
    addr3 = pins(fx, "alloc", 1, "newcomer")
    seen = []
    calls = bpf_calls_during(fx, lambda: seen.append(owners(fx)))
    t.eq(seen, [{"sock": (3, 1), "newcomer": (1, 1)}],
         "the first stats after a pinned free and a pinned alloc by a new owner shows both")
    t.ok(len(calls) <= 2, "... reading the new owner's name, and nothing else (%d bpf() calls)"
         % len(calls))
    calls = bpf_calls_during(fx, many_stats)
    t.eq(len(calls), 0, "then 200 more stats make no bpf() call: %r" % calls[:3])
    pins(fx, "free", addr3)
    addr2 = pins(fx, "alloc", 2, "direct")

    # A failed allocation changes no owner, only the failure counter.
    r = fx.rpc("alloc", {"pages": 256, "owner": "big"})
    t.eq(at.error_code(r), -32001, "an allocation larger than the free space fails")
    st = fx.result("stats")
    t.eq((st["alloc_failures"], owners(fx)), (1, {"sock": (3, 1), "direct": (2, 1)}),
         "a failure is counted and the owner table is unchanged")

    fx.restart()
    t.eq(owners(fx), {"sock": (3, 1), "direct": (2, 1)}, "the same table after a restart")
t.done()
