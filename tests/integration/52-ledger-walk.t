#!/usr/bin/env python3
# Reading a large ledger: `ranges` and arenad_pins__ranges() return every
# allocation once, sorted by address, across many batches; and while
# another process allocates and frees through the pinned allocator, no
# reader sees an entry twice or loses a stable one.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
N = 2500                    # several of libarenad's 1024-entry batches
CHURN_S = 3

with at.Fixture(t, pages=8192) as fx:
    want = {}
    with fx.client() as c:
        for i in range(N):
            r = c.call("alloc", {"pages": 1 + i % 3, "owner": "odd" if i % 2 else "even"})
            if "result" not in r:
                t.ok(False, "alloc %d: %r" % (i, r))
                break
            want[r["result"]["offset"] // 4096] = (r["result"]["pages"], "odd" if i % 2 else "even")
    t.eq(len(want), N, "%d allocations made" % N)

    ranges = fx.result("ranges")
    offs = [r["offset"] // 4096 for r in ranges]
    t.eq(len(ranges), N, "ranges returns all %d" % N)
    t.ok(all(a < b for a, b in zip(offs, offs[1:])), "sorted by address, each once")
    t.eq({r["offset"] // 4096: (r["pages"], r["owner"]) for r in ranges}, want,
         "with the pages and owner of each allocation")
    odd = fx.result("ranges", {"owner": "odd"})
    t.eq(sorted(r["offset"] // 4096 for r in odd),
         sorted(o for o, (_, w) in want.items() if w == "odd"), "the owner filter keeps exactly its own")

    rc, out, err = fx.helper("ledger_walk", fx.pin_dir, "list")
    lines = out.split("\n")
    t.ok(rc == 0 and lines[0] == str(N), "arenad_pins__ranges() reads %s entries (%s)" % (lines[0], err.strip()))
    listed = [tuple(x.split()) for x in lines[1:] if x]
    t.eq(listed, [(str(o), str(p), w) for o, (p, w) in sorted(want.items())],
         "the same entries, in the same order, as the socket's ranges")

    # Churn through the pinned allocator from another process while the
    # daemon and a library reader walk the ledger.
    churner = subprocess.Popen([os.path.join(at.HELPERS, "ledger_walk"), fx.pin_dir, "churn", str(CHURN_S)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    walker = subprocess.Popen([os.path.join(at.HELPERS, "ledger_walk"), fx.pin_dir, "walk-churn", str(CHURN_S)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        bad, reads = [], 0
        end = time.monotonic() + CHURN_S
        with fx.client() as c:
            while time.monotonic() < end:
                got = c.call("ranges")["result"]
                reads += 1
                offs = [r["offset"] // 4096 for r in got if r["owner"] != "churn"]
                if len(offs) != N or len(set(r["offset"] for r in got)) != len(got):
                    bad.append((len(offs), len(got)))
        cout, cerr = churner.communicate(timeout=at.scaled(CHURN_S + 30))
        wout, werr = walker.communicate(timeout=at.scaled(CHURN_S + 30))
    finally:
        for p in (churner, walker):
            if p.poll() is None:
                p.kill()
                p.wait()
    t.ok(churner.returncode == 0 and int(cout or 0) > 0,
         "another process allocated and freed meanwhile (%s cycles%s)" % (cout.strip(), cerr.strip()))
    t.eq(bad[:5], [], "%d socket reads during the churn: every stable entry, none twice" % reads)
    t.ok(walker.returncode == 0 and " dups 0 unsorted 0" in wout and not wout.startswith("walks 0 "),
         "library reads during the churn: none twice, all sorted (%s%s)" % (wout.strip(), werr.strip()))

    after = fx.result("ranges")
    t.eq(len(after), N, "afterwards the ledger holds the %d again" % N)
    st = fx.result("stats")
    t.eq(st["pages_allocated"], sum(p for p, _ in want.values()), "and stats agree")
t.done()
