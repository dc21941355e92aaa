#!/usr/bin/env python3
# The census finds every present page from the kernel's point of view:
# pages allocated through arenad (attributed to the ledger), pages
# allocated behind its back by an external program calling the kfunc, and
# pages faulted in from user space (both "unaccounted", with their ranges);
# and ledger entries whose pages were freed behind its back ("missing").
# Then the same on a --segv-on-fault arena, where user space cannot fault
# pages in.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

addr = at.page_addr


def rogue(fx, *args):
    rc, out, err = fx.helper("rogue", fx.pin_dir, *args)
    if rc:
        t.diag(err)
    return rc, out.strip()


def run_census_checks(fx, segv):
    tag = "segv" if segv else "plain"
    v = fx.result("version")
    t.ok(v.get("census_method") in ("rt", "full"), "%s: census available (%s)" % (tag, v.get("census_method")))
    st = fx.result("stats")
    t.ok("pages_present" not in st, "%s: no census figures in stats before the first census" % tag)

    empty = fx.result("scan")
    t.eq((empty["pages_present"], empty["pages_ledger"], empty["unaccounted"], empty["missing"]),
         (0, 0, [], []), "%s: an empty arena has no present pages" % tag)

    # Through arenad: pages 0-3 and a named 5-page range at 16.
    fx.result("alloc", {"pages": 4, "owner": "ledgered"})
    fx.result("alloc", {"pages": 5, "owner": "ledgered", "name": "n1", "addr": addr(16)})
    # Behind its back, with the kfunc: 3 pages at 40, and 1 page at 200.
    rc1, a1 = rogue(fx, "alloc", 3, addr(40))
    rc2, a2 = rogue(fx, "alloc", 1, addr(200))
    t.ok(rc1 == 0 and a1 == addr(40) and rc2 == 0 and a2 == addr(200),
         "%s: an external program allocated pages with the kfunc" % tag)
    want_unacc = [(addr(40), 3), (addr(200), 1)]
    want_present = 4 + 5 + 3 + 1

    if not segv:
        # User-space faults: touching unallocated pages 100 and 101 allocates them.
        for pg in (100, 101):
            rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", addr(pg), "fault")
            t.ok(rc == 0, "%s: user space faulted page %d in" % (tag, pg))
        want_unacc.insert(1, (addr(100), 2))
        want_present += 2
    else:
        # On a SEGV_ON_FAULT arena the same touch kills the toucher instead.
        rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", addr(100), "fault")
        t.ok(rc < 0 or rc > 128, "%s: touching an unallocated page is a SIGSEGV (rc %d)" % (tag, rc))

    s = fx.result("scan")
    t.eq(s["pages_present"], want_present, "%s: census counts every present page" % tag)
    t.eq(s["pages_ledger"], 9, "%s: 9 pages are in the ledger" % tag)
    t.eq([(u["addr"], u["pages"]) for u in s["unaccounted"]], want_unacc,
         "%s: unaccounted ranges are exactly the rogue and faulted pages" % tag)
    t.eq(s["pages_unaccounted"], want_present - 9, "%s: unaccounted page count" % tag)
    t.eq(s["missing"], [], "%s: no ledger pages missing yet" % tag)
    t.ok(s["method"] in ("rt", "full") and s["duration_us"] >= 0, "%s: scan reports method and duration" % tag)
    if s["method"] == "rt":
        t.ok(s["pages_probed"] < 64, "%s: the rt method probed only non-free pages (%d)" % (tag, s["pages_probed"]))
    else:
        t.skip("full method in use")

    full = fx.result("scan", {"method": "full"})
    t.eq((full["method"], full["pages_present"], full["unaccounted"], full["pages_probed"]),
         ("full", s["pages_present"], s["unaccounted"], 256),
         "%s: the full probe of all 256 pages agrees with the default method" % tag)
    t.eq(at.error_code(fx.rpc("scan", {"method": "guess"})), -32602, "%s: unknown census method refused" % tag)

    st = fx.result("stats")
    t.eq((st.get("pages_present"), st.get("pages_unaccounted"), st.get("pages_missing")),
         (want_present, want_present - 9, s["pages_missing"]),
         "%s: stats carries the latest census, missing pages too" % tag)
    t.ok(st.get("census_age_s", 99) < 60, "%s: and its age" % tag)

    # Free ledger pages behind arenad's back: the named range at 16.
    rc, _ = rogue(fx, "free", addr(16), 5)
    t.ok(rc == 0, "%s: an external program freed a ledger range with the kfunc" % tag)
    s = fx.result("scan")
    t.eq([(m["addr"], m["pages"], m["pages_missing"], m.get("name")) for m in s["missing"]],
         [(addr(16), 5, 5, "n1")], "%s: the census reports the ledger entry whose pages are gone" % tag)
    t.eq(s["pages_present"], want_present - 5, "%s: present count drops by 5" % tag)

    # The client renders it.
    rc, out, err = fx.ctl("scan")
    t.ok(rc == 0 and "UNACCOUNTED" in out and "MISSING" in out and addr(40) in out and "n1" in out,
         "%s: arenactl-client scan shows both lists" % tag)
    # query, after that census, has a row for the missing pages.
    rc, out, err = fx.ctl("query")
    rows = [ln.split() for ln in out.splitlines() if ln.startswith("missing")]
    t.ok(rc == 0 and len(rows) == 1 and rows[0][1:3] == ["5", "pages"],
         "%s: arenactl-client query shows the 5 missing pages: %r" % (tag, rows))


with at.Fixture(t, pages=256) as fx:
    run_census_checks(fx, segv=False)

with at.Fixture(t, pages=256, args=["--segv-on-fault"]) as fx:
    run_census_checks(fx, segv=True)

# Periodic census: stats gains census figures without anyone asking.
with at.Fixture(t, pages=64, args=["--census-interval", "1"]) as fx:
    fx.result("alloc", {"pages": 2})
    import time
    deadline = time.monotonic() + at.scaled(10)
    st = {}
    while time.monotonic() < deadline:
        st = fx.result("stats")
        if st.get("pages_present") == 2:
            break
        time.sleep(0.2)
    t.eq(st.get("pages_present"), 2, "the periodic census updates stats by itself")
    rc, out, err = fx.ctl("query")
    t.ok(rc == 0 and "unaccounted" in out and not any(ln.startswith("missing") for ln in out.splitlines()),
         "query has no missing row while no ledger page is missing")
t.done()
