#!/usr/bin/env python3
# --numa-node is the arena's, whichever path allocates: the socket, the
# pinned allocator run by another process, and BPF-side accounting in an
# external program (shared-counter). A node that is not online makes every
# path fail, which shows that none of them quietly ignores the setting;
# node 0 makes every path succeed.
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


with at.Fixture(t, pages=64, args=["--numa-node", str(offline)]) as fx:
    t.eq(fx.result("stats")["numa_node"], offline, "stats report --numa-node %d" % offline)
    t.eq(paths(fx), (False, False, False),
         "node %d is not online (online: %s): no path allocates" % (offline, online))
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["alloc_failures"] >= 2), (0, True),
         "nothing allocated, the failures counted")

with at.Fixture(t, pages=64, args=["--numa-node", str(online[0])]) as fx:
    t.eq(paths(fx), (True, True, True), "node %d: every path allocates" % online[0])
t.done()
