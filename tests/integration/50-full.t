#!/usr/bin/env python3
# Allocate until the arena is full: the last request gets "out of memory";
# freeing everything returns usage exactly to its start value.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGES = 64

with at.Fixture(t, pages=PAGES) as fx:
    start = fx.result("stats")
    c = fx.client()
    got = []
    sizes = [1, 2, 3, 5, 7]          # mixed sizes, so the arena fragments
    i = 0
    while True:
        r = c.call("alloc", {"pages": sizes[i % len(sizes)], "owner": "filler"})
        if "error" in r:
            break
        got.append(r["result"])
        i += 1
        if i > PAGES:
            break
    total = sum(a["pages"] for a in got)
    t.eq(at.error_code(r), -32001, "the allocation that does not fit gets out of memory")
    st = fx.result("stats")
    t.eq(st["pages_allocated"], total, "stats count exactly the pages handed out (%d)" % total)
    t.ok(st["pages_free"] < sizes[i % len(sizes)], "fewer pages free than the failed request asked for")
    # Fill the remainder page by page: the arena really is full then.
    while True:
        r = c.call("alloc", {"pages": 1, "owner": "filler"})
        if "error" in r:
            break
        got.append(r["result"])
    t.eq(at.error_code(r), -32001, "a 1-page allocation fails on a full arena")
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["pages_free"]), (PAGES, 0), "every page is allocated")
    t.eq(st["high_water_pages"], PAGES, "high water reached the arena size")
    offsets = sorted(a["offset"] // 4096 for a in got)
    spans = sorted((a["offset"] // 4096, a["pages"]) for a in got)
    t.ok(all(s + n <= spans[k + 1][0] for k, (s, n) in enumerate(spans[:-1])),
         "no two allocations overlap")
    t.eq(len(offsets), len(set(offsets)), "every allocation starts at its own page")

    for a in got:
        r = c.call("free", {"addr": a["addr"]})
        if "error" in r:
            t.ok(False, "free %s: %r" % (a["addr"], r))
            break
    st = fx.result("stats")
    for k in ("pages_allocated", "pages_free", "bytes_allocated", "allocations", "owners"):
        t.eq(st[k], start[k], "%s back to its start value" % k)
    t.eq(st["allocations_total"], st["frees_total"], "every allocation was freed")
    t.eq(st["pages_free"], st["pages_total"], "pages_free == pages_total")
    t.eq(st["high_water_pages"], PAGES, "the high-water mark is kept")
    t.eq(fx.result("ranges"), [], "the ledger is empty")
    # And the whole arena can be allocated in one piece again.
    whole = fx.rpc("alloc", {"pages": PAGES})
    t.ok("result" in whole, "the whole arena is one free run again")
    c.close()
t.done()
