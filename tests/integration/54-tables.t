#!/usr/bin/env python3
# The owner and string tables never fill for good and never lose counts:
# owners come and go (more than the old 1,024-entry table held) with the
# owners' sum always equal to pages_allocated; 65,536 alloc+free pairs with
# unique owners and names leave the string table empty and new names keep
# working, also after a restart; a truly full table is -32001; an id whose
# string was released never names anything else; concurrent interning never
# puts one string in two slots; pins of an older ABI are refused clearly.
import collections
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
MAX_STRINGS = 65536


def owners_sum(st):
    return sum(o["pages"] for o in st["owners"])


def table(fx):
    rc, out, err = fx.helper("tables", fx.pin_dir, "check")
    if rc:
        t.diag(err)
        return None
    return json.loads(out)


def expected_refs(fx, holds=()):
    """References the live allocations (and holds) must account for."""
    want = collections.Counter(holds)
    for r in fx.result("ranges"):
        if r["owner"]:
            want[r["owner"]] += 1
        if "name" in r:
            want[r["name"]] += 1
    return dict(want)


def refs_exact(fx, what, holds=()):
    tb = table(fx)
    t.ok(tb is not None and tb["dups"] == [], "%s: no string in two slots (%s)" % (what, tb and tb["dups"][:5]))
    t.eq(tb and tb["refs"], expected_refs(fx, holds),
         "%s: every live string is referenced exactly by live allocations and holds" % what)


def tables(fx, *args, timeout=120):
    r = subprocess.run([os.path.join(at.HELPERS, "tables"), fx.pin_dir] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=at.scaled(timeout))
    return r.returncode, r.stdout.strip(), r.stderr.strip()


with at.Fixture(t, pages=4096) as fx:
    # -- owners ------------------------------------------------------------
    with fx.client() as c:
        addrs = []
        for i in range(1100):
            r = c.call("alloc", {"pages": 1 + i % 2, "owner": "own-%d" % i})
            if "result" not in r:
                t.ok(False, "alloc for owner %d: %r" % (i, r))
                break
            addrs.append(r["result"]["addr"])
        st = c.call("stats")["result"]
        t.eq(len(st["owners"]), 1100, "1,100 distinct owners all listed")
        t.eq((owners_sum(st), st["pages_allocated"]), (1650, 1650), "owners sum to pages_allocated")
        for a in addrs:
            c.call("free", {"addr": a})
        st = c.call("stats")["result"]
        t.eq((st["owners"], st["pages_allocated"]), ([], 0), "after the frees no owner is left, nothing allocated")
        ok = all("result" in c.call("alloc", {"pages": 1, "owner": "again-%d" % i}) for i in range(1100))
        st = c.call("stats")["result"]
        t.ok(ok and len(st["owners"]) == 1100 and owners_sum(st) == st["pages_allocated"] == 1100,
             "another 1,100 new owners allocate, and the sum still holds")
        for r in c.call("ranges")["result"]:
            c.call("free", {"addr": r["addr"]})
    refs_exact(fx, "after owner churn")

    # -- 65,536 unique owner+name pairs through the pinned allocator --------
    rc, out, err = tables(fx, "pairs", MAX_STRINGS, "u")
    t.eq((rc, out), (0, "pairs %d err 0" % MAX_STRINGS),
         "65,536 alloc+free pairs, each with a new owner and name (%s)" % err)
    tb = table(fx)
    t.eq(tb and tb["live"], 0, "the string table is empty again")
    a = fx.rpc("alloc", {"pages": 1, "owner": "fresh-owner", "name": "fresh-name"})
    t.ok("result" in a, "a new owner and name work through the socket (%r)" % a.get("error"))
    rc, out, err = fx.helper("loader_pins", fx.pin_dir, "alloc", 1, "fresh-pins", "fresh-pins-name")
    t.ok(rc == 0 and out.startswith("ok "), "and through the pins (%s%s)" % (out, err))
    fx.restart(signal.SIGKILL)
    b = fx.rpc("alloc", {"pages": 1, "owner": "after-restart", "name": "after-restart-name"})
    t.ok("result" in b, "after a restart new names still work (%r)" % b.get("error"))
    t.eq(fx.result("lookup", {"name": "fresh-name"})["owner"], "fresh-owner", "names survive the restart")
    refs_exact(fx, "after the pairs and a restart")

    # -- a truly full table ------------------------------------------------
    live = table(fx)["live"]
    rc, out, err = tables(fx, "hold", MAX_STRINGS + 10, "h")
    t.eq(out, "held %d err -28" % (MAX_STRINGS - live),
         "holds take every free slot, then -ENOSPC (%s)" % err)
    r = fx.rpc("alloc", {"pages": 1, "owner": "one-too-many"})
    t.eq(at.error_code(r), -32001, "an alloc needing a new string is -32001")
    t.ok("string table is full" in r.get("error", {}).get("message", ""),
         "with a clear message (%r)" % r.get("error", {}).get("message"))
    r = fx.rpc("alloc", {"pages": 1, "owner": "h-7"})
    t.ok("result" in r, "strings already in the table still serve (%r)" % r.get("error"))
    rc, out, err = fx.helper("loader_pins", fx.pin_dir, "alloc", 1, "pins-too-many")
    t.eq(out.strip(), "error -28", "the pinned allocator says -ENOSPC too")
    st = fx.result("stats")
    t.eq(owners_sum(st), st["pages_allocated"], "a refused alloc leaves the owners' sum right")
    rc, out, err = tables(fx, "release", "h")
    t.eq(out, "released %d err 0" % (MAX_STRINGS - live), "the holds are released")
    r = fx.rpc("alloc", {"pages": 1, "owner": "one-too-many", "name": "room-again"})
    t.ok("result" in r, "then new strings work again (%r)" % r.get("error"))
    refs_exact(fx, "after the full table")

    # -- stale ids ---------------------------------------------------------
    rc, out, err = tables(fx, "stale")
    t.eq(out.split("\n"), ["intern 0", "get 0 stale-owner", "release 0", "get-after -2",
                           "release-again -116", "alloc-stale -116", "reintern 0 new-id",
                           "old-id -2", "release-new 0"],
         "a released id reads as gone, cannot be released twice or allocate (-ESTALE), "
         "and the string comes back under a new id")

    # -- concurrent interning ------------------------------------------------
    rc, out, err = tables(fx, "race", 4, 2)
    f = out.split()
    t.ok(rc == 0 and len(f) == 8 and int(f[1]) > 100 and f[3] == "0" and f[5] == "0",
         "4 threads allocating, naming, holding and releasing the same strings: "
         "no name led elsewhere, no error (%s%s)" % (out, err))
    refs_exact(fx, "after the race")
    st = fx.result("stats")
    t.eq(owners_sum(st), st["pages_allocated"], "owners sum to pages_allocated after the race")

    # -- pins of another ABI -------------------------------------------------
    fx.stop()
    state = os.path.join(fx.pin_dir, "state")
    look = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", state, "key", "0", "0", "0", "0"],
                          capture_output=True, text=True)
    val = json.loads(look.stdout)["value"]
    t.eq(int(val[4], 16), 4, "the pins say ABI 4")

    def set_abi(v):
        val[4] = hex(v)
        return subprocess.run(["bpftool", "map", "update", "pinned", state, "key", "0", "0", "0", "0",
                               "value"] + val, capture_output=True, text=True).returncode

    # ABI 3 is the layout before leases (struct arenad_range without its creator).
    t.eq(set_abi(3), 0, "rewrite the state map as an ABI 3 daemon left it")
    rc, out = fx.run_daemon()
    t.ok(rc != 0 and "ABI 3" in out and "ABI 4" in out and "--unpin" in out,
         "arenad refuses pins of ABI 3 and says what to do (%s)" % out.strip()[-300:])
    t.eq(set_abi(4), 0, "put ABI 4 back")
    fx.start()
    t.eq(fx.result("lookup", {"name": "room-again"})["owner"], "one-too-many",
         "and the untouched pins are adopted as before")
t.done()
