#!/usr/bin/env python3
"""stats reads the counters from the mmapped state map and keeps its owner
table, and that table's JSON text, until the ledger changes: every change,
also one made through the pinned allocator by another process (no socket
request the daemon could notice), shows in the next stats."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402


def owners(fx):
    return {o["owner"]: (o["pages"], o["allocations"]) for o in fx.result("stats")["owners"]}


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

    # A failed allocation changes no owner, only the failure counter.
    r = fx.rpc("alloc", {"pages": 256, "owner": "big"})
    t.eq(at.error_code(r), -32001, "an allocation larger than the free space fails")
    st = fx.result("stats")
    t.eq((st["alloc_failures"], owners(fx)), (1, {"sock": (3, 1), "direct": (2, 1)}),
         "a failure is counted and the owner table is unchanged")

    fx.restart()
    t.eq(owners(fx), {"sock": (3, 1), "direct": (2, 1)}, "the same table after a restart")
t.done()
