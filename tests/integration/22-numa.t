#!/usr/bin/env python3
# --numa-node is the arena's, whichever path allocates: the socket, the
# pinned allocator run by another process, and BPF-side accounting in an
# external program (shared-counter): node 0 makes every path succeed. A
# node that is not online is refused at start, before any allocation
# hands it to the kernel (Debian's 6.18.15 oopses on one).
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
online = sorted(int(n[4:]) for n in os.listdir("/sys/devices/system/node")
                if n.startswith("node") and n[4:].isdigit())
offline = max(online) + 1


def paths(fx):
    """Did (socket, pinned program, BPF-side accounting) allocate?"""
    sock = "result" in fx.rpc("alloc", {"pages": 1, "owner": "numa"})
    rc, _, _ = fx.helper("loader_pins", fx.pin_dir, "alloc", 1, "numa")
    rc2, _, _ = fx.example("shared-counter", "--bumps", 1)
    return sock, rc == 0, rc2 == 0


with at.Fixture(t, pages=64, args=["--numa-node", str(offline)], start=False) as fx:
    rc, out = fx.run_daemon()
    t.ok(rc != 0 and "NUMA node %d is not online" % offline in out,
         "node %d is not online (online: %s): the start is refused, saying so" % (offline, online))
    if rc == 0:
        t.diag(out)
    t.eq(os.listdir(fx.pin_dir) if os.path.isdir(fx.pin_dir) else [], [], "and nothing is pinned")

with at.Fixture(t, pages=64, args=["--numa-node", str(online[0])]) as fx:
    t.eq(fx.result("stats")["numa_node"], online[0], "stats report --numa-node %d" % online[0])
    t.eq(paths(fx), (True, True, True), "node %d: every path allocates" % online[0])
t.done()
