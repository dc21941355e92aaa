#!/usr/bin/env python3
# Objects: bpf_alloc()/bpf_free() on arenad's arena through the drop-in
# bpf_arena_alloc.h (arenad_malloc()/arenad_free()). Programs of the
# kernel selftests' shape (tests/bpf/obj_htab.bpf.c, obj_calls.bpf.c),
# loaded with arenad_reuse() under an owner: objects counted to the byte
# under it, pages taken through the ledger and given back with their last
# object, bad frees counted and harmless, a hash table the program built
# read by user space through the mapping, and the same sources built
# against the page-frag floor giving the same table. The daemon's reports
# show them: stats per owner and in total, the metrics, query, ranges'
# marker, the census (object pages are ledger pages), a free of an object
# page refused with whose objects it holds, and the objects of a loader
# that exited listed as orphans but never freed by free --orphans.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGE = 4096
EXIT_CONFLICT = 6


class Objects:
    """tests/helpers/objects on this daemon's arena under owner (or the
    floor's arena with pagefrag): one command line in, one line out."""

    def __init__(self, fx, owner=None, pagefrag=False):
        argv = [os.path.join(at.HELPERS, "objects")]
        argv += ["--pagefrag", at.BUILD] if pagefrag else [fx.pin_dir, owner, at.BUILD]
        self.p = fx.track(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=fx.logf, text=True))
        self.ready = self.p.stdout.readline().strip()

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=at.scaled(30))


def owner_row(fx, owner):
    for o in fx.result("stats").get("owners", []):
        if o.get("owner") == owner:
            return o
    return {}


def objects_of(fx, owner):
    return owner_row(fx, owner).get("objects") or {}


def metric(text, name, owner):
    want = '%s{owner="%s"} ' % (name, owner)
    for ln in text.splitlines():
        if ln.startswith(want):
            return int(ln[len(want):])
    return None


def reports(fx, ob):
    """What the daemon's reports say of owner objs holding the objects
    of 13, 100 and 4000 bytes (3 objects, 2 pages)."""
    st = fx.result("stats")
    o = objects_of(fx, "objs")
    t.eq((o.get("pages"), o.get("fragmentation_bytes"), o.get("allocs"), o.get("failures")),
         (2, 2 * PAGE - 4113, 3, 0), "stats: 2 pages held for them, the rest of them unused")
    t.eq(owner_row(fx, "objs").get("pages"), 2, "the object pages are the owner's pages")
    t.eq({k: st.get("objects", {}).get(k) for k in ("bytes", "objects", "pages")},
         {"bytes": 4113, "objects": 3, "pages": 2}, "stats: the arena's objects in total")

    text = fx.result("metrics")["text"]
    got = {n: metric(text, n, "objs") for n in ("arenad_owner_object_bytes", "arenad_owner_objects",
                                                "arenad_owner_object_pages",
                                                "arenad_owner_object_fragmentation_bytes",
                                                "arenad_owner_object_allocs_total",
                                                "arenad_owner_object_frees_total",
                                                "arenad_owner_object_failures_total",
                                                "arenad_owner_object_bad_frees_total")}
    t.eq(got, {"arenad_owner_object_bytes": 4113, "arenad_owner_objects": 3,
               "arenad_owner_object_pages": 2,
               "arenad_owner_object_fragmentation_bytes": 2 * PAGE - 4113,
               "arenad_owner_object_allocs_total": 3, "arenad_owner_object_frees_total": 0,
               "arenad_owner_object_failures_total": 0, "arenad_owner_object_bad_frees_total": 0},
         "metrics: the owner's objects to the byte")
    t.ok("# TYPE arenad_owner_object_bytes gauge" in text and
         "# TYPE arenad_owner_object_allocs_total counter" in text, "metrics: typed")

    rc, out, err = fx.ctl("query")
    t.diag(out)
    rows = [ln.split() for ln in out.splitlines()]
    t.ok(rc == 0 and ["objs", "4113", "3", "2"] in [r[:4] for r in rows] and "OBJECTS OF" in out,
         "query: a table of the objects, bytes exact")
    t.ok(all(len(ln) <= 80 for ln in out.splitlines()), "query: every line fits 80 columns")
    rc, out, err = fx.ctl("top", "--once")
    row = [ln.split() for ln in out.splitlines() if ln.startswith("objects")]
    t.ok(rc == 0 and row and row[0][1:5] == ["3", "live", "4113", "bytes"],
         "top: a row of the objects (%r)" % row)
    lines = out.splitlines()
    head = [i for i, ln in enumerate(lines) if ln.startswith("OBJECTS OF")]
    rows = [ln.split() for ln in lines[head[0] + 1:]] if head else []
    t.ok(rows and rows[0][:4] == ["objs", "4113", "3", "2"] and all(len(ln) <= 80 for ln in lines),
         "top: the owner's objects, bytes exact, within 80 columns (%r)" % (rows[:1]))
    rc, out, err = fx.ctl("-j", "stats")
    t.ok(rc == 0 and '"objects":{"bytes":4113' in out.replace(" ", ""), "-j stats passes them through")
    # Without the daemon: the same counters, read from the pins.
    rc, out, err = fx.ctl("--pin-dir", fx.pin_dir, "-j", "query")
    off = json.loads(out) if rc == 0 else {}
    row = [o for o in off.get("owners", []) if o.get("owner") == "objs"]
    t.eq((row[0].get("objects") if row else err.strip(), off.get("objects", {}).get("bytes")),
         (objects_of(fx, "objs"), 4113), "query --pin-dir -j: the owner's objects as stats has them")
    rc, out, err = fx.ctl("--pin-dir", fx.pin_dir, "query")
    t.ok(rc == 0 and ["objs", "4113", "3", "2"] in [ln.split()[:4] for ln in out.splitlines()],
         "query --pin-dir: the objects' table too")

    objpages = [r for r in fx.result("ranges") if r.get("objects")]
    t.eq((len(objpages), {r["owner"] for r in objpages}), (2, {"objs"}),
         "ranges marks the object pages, under the program's owner")
    rc, out, err = fx.ctl("ranges")
    t.eq(sum("(objects)" in ln for ln in out.splitlines()), 2, "and the CLI shows (objects)")

    r = fx.rpc("free", {"addr": objpages[0]["addr"]})
    msg = r.get("error", {}).get("message", "")
    t.ok(at.error_code(r) == -32004 and "holds objects of 'objs'" in msg and
         "freed with its last object" in msg, "a free of an object page is refused: %s" % msg)
    rc, out, err = fx.ctl("free", objpages[0]["addr"])
    t.ok(rc == EXIT_CONFLICT and "holds objects of 'objs'" in err, "so is the CLI's: %s" % err.strip())
    t.eq(objects_of(fx, "objs").get("bytes"), 4113, "and the objects are untouched")

    sc = fx.result("scan")
    t.eq((sc.get("pages_unaccounted"), sc.get("pages_ledger")), (0, st["pages_allocated"]),
         "the census: object pages are ledger pages, none unaccounted")


with at.Fixture(t, pages=4096) as fx:
    ob = Objects(fx, "objs")
    t.eq(ob.ready, "ready", "a selftests-shaped program loads on arenad's arena with the drop-in header")

    a = ob.cmd("malloc 13")
    b = ob.cmd("malloc 100")
    c = ob.cmd("malloc 4000")
    t.ok(all(x.startswith("0x") for x in (a, b, c)), "bpf_alloc() of 13, 100 and 4000 bytes (%s %s %s)" % (a, b, c))
    t.diag(repr(fx.result("stats").get("owners")))
    o = objects_of(fx, "objs")
    t.eq((o.get("bytes"), o.get("objects")), (4113, 3), "counted under the owner to the byte")
    reports(fx, ob)
    ob.cmd("free %s" % b)
    o = objects_of(fx, "objs")
    t.eq((o.get("bytes"), o.get("objects")), (4013, 2), "a free takes its bytes off")
    ob.cmd("free %s" % b)
    o = objects_of(fx, "objs")
    t.eq((o.get("bytes"), o.get("bad_frees")), (4013, 1), "a double free is counted and changes nothing")
    ob.cmd("free %s" % a)
    ob.cmd("free %s" % c)
    o = objects_of(fx, "objs")
    t.eq((o.get("bytes"), o.get("objects"), o.get("pages")), (0, 0, 0), "the last free gives the pages back")
    t.eq(fx.result("stats")["pages_allocated"], 0, "the arena holds no page")

    t.eq(ob.cmd("htab-update 0 1000 40"), "ok", "the program builds a hash table of 1000 nodes")
    got = ob.cmd("htab-read")
    want = "elems=1000 sum=%d nodes=1000 payload=ok" % sum(k + 3 * k for k in range(1000))
    t.eq(got, want, "user space reads the table the program built, following its pointers")
    held = objects_of(fx, "objs")
    t.ok(held.get("objects") == 1002 and held.get("pages", 0) > 0,
         "1000 nodes, the table and its buckets are counted (%s)" % held)

    # The objects live in the pins: a restarted daemon adopts them.
    fx.restart()
    t.eq(objects_of(fx, "objs"), held, "a restarted daemon counts the same objects")
    t.eq(ob.cmd("htab-read"), want, "and the table reads the same")
    t.eq(ob.cmd("htab-delete 0 1000"), "ok", "and deletes it")
    t.eq(ob.cmd("htab-destroy"), "ok", "table freed")
    o = objects_of(fx, "objs")
    t.eq((o.get("bytes"), o.get("objects"), o.get("pages")), (0, 0, 0), "nothing left")

    m = ob.cmd("mix 20000 7")
    t.diag(m)
    kv = dict(x.split("=") for x in m.split())
    t.eq((kv.get("ret"), kv.get("failed"), kv.get("after_pages"), kv.get("after_bytes")), ("0", "0", "0", "0"),
         "a mix of 20000 objects freed in random order leaves no page")
    t.eq(kv.get("peak_bytes"), kv.get("bytes"), "the peak's bytes are what was asked for")

    # Programs racing for the same pages: threads of one loader share its
    # current-page hints, and each run is preempted where the kernel may.
    bad = objects_of(fx, "objs").get("bad_frees")
    r = ob.cmd("race 4 5000")
    o = objects_of(fx, "objs")
    t.eq(r, "failed=0 corrupt=0", "4 threads, 5000 objects each at once: none handed out twice")
    t.eq((o.get("bytes"), o.get("objects"), o.get("pages"), o.get("bad_frees")), (0, 0, 0, bad),
         "and the counters come back to zero, with no bad free")
    t.diag("preemption: " + open("/sys/kernel/debug/sched/preempt").read().strip()
           if os.path.exists("/sys/kernel/debug/sched/preempt") else "preemption mode not shown")
    ob.close()

    # An owner's page limit holds for the pages its objects take.
    capped = Objects(fx, "capped")
    t.ok("result" in fx.rpc("quota", {"op": "set", "owner": "capped", "pages": 1}), "a 1-page limit")
    got = [capped.cmd("malloc 1000") for _ in range(5)]
    o = objects_of(fx, "capped")
    t.ok(all(g.startswith("0x") for g in got[:4]) and got[4] == "fail" and
         (o.get("objects"), o.get("pages"), o.get("failures")) == (4, 1, 1),
         "four objects of 1000 bytes fit its page, the fifth is refused and counted (%s, %s)" % (got, o))
    for g in got[:4]:
        capped.cmd("free %s" % g)
    capped.close()

    fl = Objects(fx, pagefrag=True)
    t.eq(fl.ready, "ready", "the same sources built against the page-frag floor load on their own arena")
    t.eq(fl.cmd("htab-update 0 1000 40"), "ok", "the floor's build makes the same table")
    t.eq(fl.cmd("htab-read"), want, "which reads the same")
    fl.close()

    # A loader that exits leaves its objects: their pages are orphans,
    # listed, but free --orphans keeps them (a free of them is refused).
    with fx.client() as sub:
        sub.call("subscribe", {"kinds": ["alloc"], "owner": "gone"})
        gone = Objects(fx, "gone")
        t.ok(gone.cmd("malloc 100").startswith("0x"), "a loader allocates an object")
        e = sub.recv_line().get("params", {})
        t.eq((e.get("owner"), e.get("pages"), e.get("objects")), ("gone", 1, True),
             "the event stream marks the page it took for objects")
    # more on the same page, one freed again, and a whole-page object
    more = [gone.cmd("malloc %d" % n) for n in (200, 300, 10000)]
    t.eq(gone.cmd("free " + more[1]), "ok", "and more: 200 and 10000 bytes live, 300 freed")
    alive = Objects(fx, "alive")
    t.ok(alive.cmd("malloc 64").startswith("0x"), "another loader, still running, has an object")
    gone.close()
    res = fx.result("orphans")
    rows = [o for o in res["orphans"] if o["owner"] == "gone"]
    t.ok(len(rows) == 2 and all(r.get("objects") is True for r in rows)
         and sorted(r["pages"] for r in rows) == [1, 3],
         "once it exited, its object pages are orphans, marked (%r)" % rows)
    res = fx.result("orphans", {"free": True})
    t.eq((res["allocations"], res.get("kept_objects"), res.get("kept_object_pages")), (0, 2, 4),
         "free --orphans keeps them, and says so")
    o = objects_of(fx, "gone")
    t.eq((o.get("bytes"), o.get("objects"), o.get("pages")), (10300, 3, 4), "the objects are still there")
    rc, out, err = fx.ctl("free", "--orphans")
    t.ok(rc == 0 and "kept 2 holding objects" in out and "--objects drops them" in out,
         "the CLI says it kept them, and how to drop them: %s" % out.strip())

    # Dropping them: root's, and only with free.
    r = fx.rpc("orphans", {"objects": True})
    t.eq(at.error_code(r), -32602, "objects without free is refused: %s" % r.get("error", {}).get("message"))
    rc, out, err = fx.ctl("free", "--objects", "0x1000")
    t.eq(rc, 2, "free --objects without --orphans is a usage error: %s" % err.strip())
    before = fx.result("stats")["pages_allocated"]
    rc, out, err = fx.ctl("free", "--orphans", "--objects")
    t.ok(rc == 0 and "freed 2 orphaned allocations, 4 pages" in out and "dropped 3 objects" in out,
         "free --orphans --objects drops the gone loader's objects, and their pages go: %s" % out.strip())
    o = objects_of(fx, "gone")
    t.eq((o.get("bytes"), o.get("objects"), o.get("pages"), o.get("dropped"), o.get("frees")),
         (0, 0, 0, 3, 1), "its counters: nothing live, 3 dropped (apart from its 1 free)")
    t.eq((fx.result("stats")["pages_allocated"], [x for x in fx.result("ranges") if x["owner"] == "gone"]),
         (before - 4, []), "its 4 pages are back in the arena, none in the ledger")
    o = objects_of(fx, "alive")
    t.eq((o.get("bytes"), o.get("objects"), o.get("dropped")), (64, 1, 0),
         "the running loader's object is untouched")
    t.eq(alive.cmd("malloc 32").startswith("0x") and alive.cmd("free " + alive.cmd("malloc 8")), "ok",
         "and it allocates and frees on")
    alive.close()
    with open(fx.log, errors="replace") as f:
        t.ok("dropped 3 objects of BPF programs whose loaders are gone" in f.read(),
             "the daemon logs the drop")

    # A bad free by an owner that never held a page changes nothing in
    # the ledger: its row shows once the daemon's round of the object
    # counters (256 owner slots a stats) came by its slot.
    stray = Objects(fx, "stray")
    base = int(fx.result("stats")["user_vm_start"], 16)
    t.eq(stray.cmd("free 0x%x" % (base + 8)), "ok", "a loader frees what is no object")
    row = {}
    with fx.client() as c:
        for n in range(300):
            rows = c.call("stats")["result"]["owners"]
            row = ([r for r in rows if r["owner"] == "stray"] or [{}])[0]
            if row:
                break
    o = row.get("objects") or {}
    t.eq((o.get("bad_frees"), o.get("pages"), row.get("pages")), (1, 0, 0),
         "counted under its owner, which holds no page (after %d stats)" % (n + 1))
    stray.close()

    # From XDP: the kernel decides (bare_xdp calls the kfuncs themselves).
    xdp = os.path.join(at.BUILD, "bpf", "obj_xdp.bpf.o")
    brc, bout, berr = fx.helper("obj_run", fx.pin_dir, xdp, "--owner", "xdp", "bare_xdp")
    orc, oout, oerr = fx.helper("obj_run", fx.pin_dir, xdp, "--owner", "xdp", "obj_xdp", "obj_xdp", "obj_xdp")
    if brc == 0:
        o = objects_of(fx, "xdp")
        t.eq((orc, oout.split(), o.get("bytes"), o.get("objects")),
             (0, ["obj_xdp=2"] * 3, 24, 1),
             "this kernel lets XDP call the arena kfuncs: so does bpf_alloc(), counted (%s)"
             % os.uname().release)
    else:
        why = "program must be sleepable to call sleepable kfunc"
        t.ok(why in berr and orc != 0 and why in oerr,
             "this kernel keeps the arena kfuncs from XDP (%s): bpf_alloc() is refused the same way"
             % os.uname().release)

t.done()
