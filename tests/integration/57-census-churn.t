#!/usr/bin/env python3
# The census while the free-range tree changes under it. The rt walk takes
# no lock, so an external program allocates and frees pages with the kfunc
# in a tight loop, in blocks interleaved with pages that never change:
# ledger blocks that stay present and blocks that stay holes. Every census
# taken meanwhile must report every stable page correctly (a page that is
# present, or absent, for the whole census is never misreported); the
# churning pages may be seen either way. No timing is asserted: the churn
# runs as long as the scans do.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
BASE = at.BASE
PAGE = at.PAGE
NPAGES = 4096
BLOCK = 8
SCANS = 300

addr = at.page_addr


def kind(pgoff):
    return ("ledger", "churn", "hole", "churn")[(pgoff // BLOCK) % 4]


with at.Fixture(t, pages=NPAGES) as fx:
    method = fx.result("version").get("census_method")
    t.ok(method in ("rt", "full"), "census available (%s)" % method)

    c = fx.client(timeout=60)
    ledger_pages = 0
    ok = True
    for b in range(0, NPAGES // BLOCK, 4):
        r = c.call("alloc", {"pages": BLOCK, "owner": "stable", "addr": addr(b * BLOCK)})
        ok = ok and "result" in r
        ledger_pages += BLOCK
    c.close()
    t.ok(ok, "%d stable ledger pages in %d blocks" % (ledger_pages, ledger_pages // BLOCK))

    # Each churn op allocates then frees 1..BLOCK pages inside a churn block,
    # splitting and merging free ranges all over the tree.
    ops = []
    churn_blocks = [b for b in range(NPAGES // BLOCK) if kind(b * BLOCK) == "churn"]
    for i in range(4000):
        b = churn_blocks[(i * 7919) % len(churn_blocks)]
        k = i % BLOCK
        n = 1 + (i // BLOCK) % (BLOCK - k)
        a = addr(b * BLOCK + k)
        ops += ["alloc:%s:%d" % (a, n), "free:%s:%d" % (a, n)]
    rogue = os.path.join(at.HELPERS, "rogue")
    # Stopped by a file, between two batches: a batch killed half-way
    # would leave pages it allocated and had not freed yet.
    stop = os.path.join(fx.dir, "stop-churn")
    cmd = ('r=$0 d=$1 stop=$2; shift 2; while [ ! -e "$stop" ] && "$r" "$d" batch "$@"; do :; done; '
           '[ -e "$stop" ] || echo "rogue stopped" >&2')
    churn = fx.track(subprocess.Popen(["sh", "-c", cmd, rogue, fx.pin_dir, stop] + ops,
                                      stderr=subprocess.PIPE, start_new_session=True))

    bad_missing = bad_unacc = bad_present = 0
    methods = {}
    churned = 0
    cl = fx.client(timeout=60)
    for _ in range(SCANS):
        s = cl.call("scan")["result"]
        methods[s["method"]] = methods.get(s["method"], 0) + 1
        if s["missing"]:
            bad_missing += 1
            t.diag("missing: %r" % s["missing"][:3])
        for u in s["unaccounted"]:
            start = (int(u["addr"], 16) - BASE) // PAGE
            if any(kind(p) != "churn" for p in range(start, start + u["pages"])):
                bad_unacc += 1
                t.diag("unaccounted outside the churn blocks: %r" % u)
        if s["pages_present"] < ledger_pages:
            bad_present += 1
        churned += s["pages_unaccounted"] > 0
    cl.close()
    still = churn.poll() is None
    open(stop, "w").close()
    try:
        churn.wait(at.scaled(60))
    except subprocess.TimeoutExpired:
        t.diag("the churn did not finish its batch")
    at.kill_tree(churn)
    if not still:
        t.diag(churn.stderr.read().decode(errors="replace"))

    t.ok(still, "the churn ran for the whole test")
    t.diag("census methods used: %r; %d of %d censuses saw churning pages" % (methods, churned, SCANS))
    t.eq(bad_missing, 0, "no census lost a stable ledger page")
    t.eq(bad_unacc, 0, "no census reported a page present in a stable hole")
    t.eq(bad_present, 0, "every census counted at least the stable pages")

    # Quiet again: exact.
    s = fx.result("scan")
    t.eq((s["pages_present"], s["unaccounted"], s["missing"]), (ledger_pages, [], []),
         "after the churn the census is exact again")
t.done()
