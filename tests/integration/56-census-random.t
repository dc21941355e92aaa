#!/usr/bin/env python3
# The census against a model, on a random layout with hundreds of ranges:
# a deep free-range tree for the rt walk, allocations through arenad,
# behind its back with the kfunc, reservations (not free, yet absent),
# user-space faults, and frees behind arenad's back of whole rogue ranges
# and of parts of ledger ranges. Every round, the default method and the
# full probe must both match the model page for page. CENSUS_SEED=N
# replays a layout.
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGE = at.PAGE
NPAGES = 4096
ROUNDS = 3
seed = int(os.environ.get("CENSUS_SEED", "4242"))
rnd = random.Random(seed)
t.diag("CENSUS_SEED=%d" % seed)

FREE, LEDGER, ROGUE, FAULT, RESERVED, GONE = range(6)
PRESENT = (LEDGER, ROGUE, FAULT)
state = [FREE] * NPAGES		# GONE: a ledger page freed behind arenad's back
ledger = {}			# pgoff -> pages
rogue_ranges = []

addr = at.page_addr


def free_spot(maxlen):
    for _ in range(1000):
        n = rnd.randint(1, maxlen)
        s = rnd.randrange(0, NPAGES - n)
        if all(state[p] == FREE for p in range(s, s + n)):
            return s, n
    raise RuntimeError("no free spot")


def runs(pages):
    out, start, prev = [], None, None
    for p in sorted(pages):
        if start is not None and p == prev + 1:
            prev = p
            continue
        if start is not None:
            out.append((addr(start), prev - start + 1))
        start = prev = p
    if start is not None:
        out.append((addr(start), prev - start + 1))
    return out


def model():
    in_ledger = set()
    for s, n in ledger.items():
        in_ledger.update(range(s, s + n))
    present = {p for p in range(NPAGES) if state[p] in PRESENT}
    missing = sorted((addr(s), n, sum(1 for p in range(s, s + n) if state[p] == GONE))
                     for s, n in ledger.items()
                     if any(state[p] == GONE for p in range(s, s + n)))
    nonfree = sum(1 for p in state if p not in (FREE, GONE))
    return {
        "pages_present": len(present),
        "pages_ledger": sum(ledger.values()),
        "unaccounted": runs(present - in_ledger),
        "missing": missing,
        "nonfree": nonfree,
    }


def seen(s):
    return {
        "pages_present": s["pages_present"],
        "pages_ledger": s["pages_ledger"],
        "unaccounted": [(u["addr"], u["pages"]) for u in s["unaccounted"]],
        "missing": sorted((m["addr"], m["pages"], m["pages_missing"]) for m in s["missing"]),
    }


def mutate(fx, rnd_no):
    c = fx.client(timeout=60)
    ok = True
    for _ in range(60):			# through arenad
        s, n = free_spot(8)
        r = c.call("alloc", {"pages": n, "owner": "model", "addr": addr(s)})
        ok = ok and "result" in r
        ledger[s] = n
        for p in range(s, s + n):
            state[p] = LEDGER
    c.close()
    t.ok(ok, "round %d: 60 allocations through arenad" % rnd_no)

    ops = []
    for _ in range(60):			# the kfunc, behind arenad's back
        s, n = free_spot(8)
        ops.append("alloc:%s:%d" % (addr(s), n))
        rogue_ranges.append((s, n))
        for p in range(s, s + n):
            state[p] = ROGUE
    for _ in range(8):			# reservations: non-free, absent
        s, n = free_spot(4)
        ops.append("reserve:%s:%d" % (addr(s), n))
        for p in range(s, s + n):
            state[p] = RESERVED
    for _ in range(15):			# free whole rogue ranges
        s, n = rogue_ranges.pop(rnd.randrange(len(rogue_ranges)))
        ops.append("free:%s:%d" % (addr(s), n))
        for p in range(s, s + n):
            state[p] = FREE
    for s, n in rnd.sample(sorted(ledger.items()), 6):	# parts of ledger ranges
        k = rnd.randrange(n)
        m = rnd.randint(1, n - k)
        if all(state[p] == LEDGER for p in range(s + k, s + k + m)):
            ops.append("free:%s:%d" % (addr(s + k), m))
            for p in range(s + k, s + k + m):
                state[p] = GONE
    rc, out, err = fx.helper("rogue", fx.pin_dir, "batch", *ops)
    if rc:
        t.diag(err)
    t.ok(rc == 0, "round %d: %d kfunc operations behind arenad's back" % (rnd_no, len(ops)))

    ok = True
    for _ in range(5):			# user-space faults, runs of up to 3 pages
        s, n = free_spot(3)
        rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", addr(s), "x" * ((n - 1) * PAGE + 1))
        if rc:
            t.diag(err)
        ok = ok and rc == 0
        for p in range(s, s + n):
            state[p] = FAULT
    t.ok(ok, "round %d: user space faulted 5 runs in" % rnd_no)


with at.Fixture(t, pages=NPAGES) as fx:
    method = fx.result("version").get("census_method")
    t.ok(method in ("rt", "full"), "census available (%s)" % method)
    for i in range(1, ROUNDS + 1):
        mutate(fx, i)
        want = model()
        s = fx.result("scan")
        f = fx.result("scan", {"method": "full"})
        t.diag("round %d: %d present, %d unaccounted runs, %d missing entries, %d non-free pages"
               % (i, want["pages_present"], len(want["unaccounted"]), len(want["missing"]),
                  want["nonfree"]))
        got = seen(s)
        for k in ("pages_present", "pages_ledger", "unaccounted", "missing"):
            t.eq(got[k], want[k], "round %d: %s (%s) matches the model" % (i, k, s["method"]))
        t.eq(seen(f), got, "round %d: the full probe agrees" % i)
        if s["method"] == "rt":
            # The walk probes exactly the non-free pages: reserved ones
            # included, free ones (and ledger pages freed behind arenad's
            # back) never.
            t.eq(s["pages_probed"], want["nonfree"], "round %d: rt probed exactly the non-free pages" % i)
        else:
            t.skip("rt method not in use")
t.done()
