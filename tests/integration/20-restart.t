#!/usr/bin/env python3
# Restarts lose nothing: after SIGTERM and after SIGKILL the daemon adopts
# its pins, and stats, ranges, names and the bytes in allocated pages are
# all as they were. Mismatching options are refused without touching the
# pins; --unpin removes them.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def snapshot(fx):
    st = fx.result("stats")
    # this process's: its uptime, and what its event stream read and sent
    for k in ("uptime_s", "events"):
        st.pop(k)
    return st, fx.result("ranges"), {n: fx.result("lookup", {"name": n}) for n in ("a", "b", "c")}


def prog_id_of(path):
    return at.pinned_id(path, "prog")


def pin_ids(fx):
    """Every pin with the id of the object behind it."""
    return {p: at.pinned_id(os.path.join(fx.pin_dir, p), "prog" if p == "alloc_prog" else "map")
            for p in sorted(os.listdir(fx.pin_dir))}


def tail_addr(a):
    """Near the end of the allocation's last page."""
    return int(a["addr"], 16) + a["pages"] * 4096 - 16


def binary(name):
    """16 bytes unique to an allocation, with NUL and high bytes."""
    return bytes([0, 0xff, 0x80, 0x7f]) + name.encode() * (12 // len(name))


def read(fx, addr, n):
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", addr, n)
    return out.strip() if rc == 0 else "error: " + err


with at.Fixture(t, pages=128) as fx:
    allocs = {}
    for name, pages, owner in (("a", 4, "alpha"), ("b", 1, "beta"), ("c", 9, "alpha")):
        allocs[name] = fx.result("alloc", {"pages": pages, "owner": owner, "name": name})
    anon = fx.result("alloc", {"pages": 2})
    fx.result("free", {"addr": anon["addr"]})          # leaves a hole and a high-water mark
    payload = {}
    for name, a in allocs.items():
        text = "arenad-%s-%s" % (name, a["addr"])
        rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", a["addr"], text)
        t.ok(rc == 0, "write bytes into allocation %s through an mmap of the pin" % name)
        payload[name] = text.encode().hex()
        # and binary bytes at the end of the last page
        rc, out, err = fx.mem_write(tail_addr(a), binary(name))
        t.ok(rc == 0, "write binary bytes at the end of %s" % name)
    before = snapshot(fx)
    map_id = before[0]["map_id"]
    prog_path = os.path.join(fx.pin_dir, "alloc_prog")
    prog_id = prog_id_of(prog_path)

    for sig in (signal.SIGTERM, signal.SIGKILL):
        sname = signal.Signals(sig).name
        rc = fx.stop(sig)
        t.eq(rc, 0 if sig == signal.SIGTERM else -sig, "daemon exit status after %s" % sname)
        t.ok(os.path.exists(os.path.join(fx.pin_dir, "arena")), "pins stay after %s" % sname)
        fx.start()
        after = snapshot(fx)
        t.eq(after[0], before[0], "stats identical after %s restart" % sname)
        t.eq(after[1], before[1], "ranges identical after %s restart" % sname)
        t.eq(after[2], before[2], "named lookups identical after %s restart" % sname)
        for name, a in allocs.items():
            t.eq(read(fx, a["addr"], len(payload[name]) // 2), payload[name],
                 "bytes in %s survive %s" % (name, sname))
            t.eq(fx.mem_read(tail_addr(a), 16), binary(name),
                 "bytes in the last page of %s survive %s" % (name, sname))
        t.eq(after[0]["map_id"], map_id, "same arena map after %s" % sname)
        t.eq(prog_id_of(prog_path), prog_id,
             "the same build adopts the pinned allocator as it is after %s" % sname)

    # Another build's allocator (or one from before the build was
    # recorded, 0) is replaced by this build's, atomically.
    build = at.state_alloc_build(fx.pin_dir)
    t.ok(build != 0, "the state records the allocator's build (0x%08x)" % build)
    for other in (build ^ 1, 0):
        fx.stop()
        at.state_alloc_build(fx.pin_dir, other)
        fx.start()
        new_id = prog_id_of(prog_path)
        t.ok(new_id is not None and new_id != prog_id,
             "a start over the allocator of build 0x%08x replaces it (%s -> %s)" % (other, prog_id, new_id))
        t.eq(at.state_alloc_build(fx.pin_dir), build, "... and records this build again")
        with open(fx.log, errors="replace") as f:
            text = f.read()
        replaced = text.rfind("replaced the pinned allocator (build 0x%08x)" % other)
        t.ok(replaced >= 0, "... and says so in its log")
        t.ok(0 <= text.rfind("listening on") < replaced,
             "... after its socket listened: the pinned allocator served meanwhile")
        t.ok(not os.path.exists(prog_path + "_new"), "no half-done pin replacement left behind")
        after = snapshot(fx)
        t.eq(after[1:], before[1:], "ranges and lookups identical after the replacement")
        prog_id = new_id

    # Pins made by an arenad from before the events and the objects lack
    # their maps: a start adds them and loads an allocator that writes
    # them (the pinned one, of any build, writes other maps or none).
    newer = ("events", "event_drops", "obj_pages", "objs", "obj_owners")
    fx.stop()
    for p in newer:
        os.unlink(os.path.join(fx.pin_dir, p))
    fx.start()
    t.ok(all(os.path.exists(os.path.join(fx.pin_dir, p)) for p in newer),
         "a start over pins without the event and object maps adds them")
    # the daemon reads obj_owners: it must be there before the owner table is
    t.eq(fx.result("stats").get("objects", {}).get("objects"), 0, "... and stats reads the objects' counters")
    with open(fx.log, errors="replace") as f:
        text = f.read()
    t.ok("to the pins of an older arenad" in text, "... and says so in its log")
    new_id = prog_id_of(prog_path)
    t.ok(new_id is not None and new_id != prog_id, "... and replaces the allocator (%s -> %s)" % (prog_id, new_id))
    prog_id = new_id
    with fx.client() as sub:
        t.ok(sub.call("subscribe", {"kinds": ["alloc"]}).get("result", {}).get("subscribed"),
             "subscribe on the completed pins")
        n = fx.result("alloc", {"pages": 1, "owner": "evt"})
        e = sub.recv_line().get("params", {})
        t.ok(e.get("owner") == "evt" and e.get("addr") == n["addr"],
             "the new allocator's events reach the daemon through the added ring buffer (%s)" % e)
        fx.result("free", {"addr": n["addr"]})
    t.eq(snapshot(fx)[1:], before[1:], "ranges and lookups identical after adding the pins")

    # The allocator still works after adoption, and allocates around the
    # adopted ranges.
    n = fx.result("alloc", {"pages": 2, "owner": "late"})
    t.ok(all(n["addr"] != a["addr"] for a in allocs.values()), "new allocation avoids adopted ones")
    fx.result("free", {"addr": n["addr"]})
    before = snapshot(fx)

    # Mismatching options: refused, pins untouched.
    fx.stop()
    pins = pin_ids(fx)
    t.ok(len(pins) == 13 and all(pins.values()), "thirteen pins, each a live BPF object")
    for pages, extra, what in ((256, [], "256 pages"),
                               (128, ["--user-addr", "0x200000000000"], "0x200000000000"),
                               (128, ["--segv-on-fault"], "segv-on-fault"),
                               (128, ["--numa-node", "0"], "numa node 0")):
        fx.pages = pages
        rc, out = fx.run_daemon(extra)
        fx.pages = 128
        t.ok(rc != 0, "start with %s is refused (exit status %d)" % (what, rc))
        t.ok(what in out and "were requested" in out and "--unpin" in out,
             "the refusal names the mismatch (%s)" % what)
        if rc == 0 or what not in out:
            t.diag(out)
        t.eq(pin_ids(fx), pins, "pins untouched after refusing %s" % what)
    fx.start()
    t.eq(snapshot(fx), before, "a matching start after refusals adopts everything intact")
    for name, a in allocs.items():
        t.eq(read(fx, a["addr"], len(payload[name]) // 2), payload[name],
             "bytes in %s intact after refusals" % name)
        t.eq(fx.mem_read(tail_addr(a), 16), binary(name), "tail bytes of %s intact" % name)

    # --unpin refuses while a daemon owns the pins, works after it stops.
    rc, out = fx.run_daemon(["--unpin"])
    t.ok(rc != 0 and "another arenad owns" in out, "--unpin refused while the daemon runs")
    fx.stop()
    rc, out = fx.run_daemon(["--unpin"])
    t.ok(rc == 0 and not os.path.exists(fx.pin_dir), "--unpin removes the pins and the dir")
    fx.start()
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["allocations"], st["allocations_total"], st["high_water_pages"],
          st["owners"], fx.result("ranges")), (0, 0, 0, 0, [], []),
         "next start creates a fresh, empty arena")
    t.ok(st["map_id"] != map_id, "a new arena map (%d, was %d)" % (st["map_id"], map_id))
    t.eq(at.error_code(fx.rpc("lookup", {"name": "a"})), -32003, "old names are gone")

    # A partial pin set (arena missing) is refused, never cleaned up implicitly.
    fx.stop()
    os.unlink(os.path.join(fx.pin_dir, "arena"))
    rc, out = fx.run_daemon()
    t.ok(rc != 0 and "no arena" in out, "bookkeeping pins without an arena are refused")
    t.ok(os.path.exists(os.path.join(fx.pin_dir, "ledger")), "and left in place")
t.done()
