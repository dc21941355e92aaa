#!/usr/bin/env python3
# libarenad's direct path: arenad_pins__alloc()/arenad_pins__free() run the
# pinned allocator program with BPF_PROG_TEST_RUN, no socket involved. Those
# allocations land in the daemon's ledger (stats per owner, ranges, lookup),
# mix freely with socket allocations, work while the daemon is down, and
# fail with the allocator's errnos. Also: the typed owners call.
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def pins(fx, *args):
    rc, out, err = fx.helper("loader_pins", fx.pin_dir, *args)
    return out.strip() or err.strip()


def syscalls(fx, n):
    """Syscall counts of a process that makes n alloc+free pairs through
    the pinned allocator (strace -c), by name."""
    log = os.path.join(fx.dir, "syscalls-%d" % n)
    r = subprocess.run(["strace", "-f", "-c", "-U", "calls,name", "-o", log,
                        os.path.join(at.HELPERS, "tables"), fx.pin_dir, "pairs", str(n), "sc%d" % n],
                       capture_output=True, text=True, timeout=at.scaled(120))
    if r.stdout.strip() != "pairs %d err 0" % n:
        raise RuntimeError("tables pairs: %s %s" % (r.stdout, r.stderr))
    counts = {}
    with open(log) as f:
        for line in f:
            w = line.split()
            if len(w) == 2 and w[0].isdigit() and w[1] != "total":
                counts[w[1]] = int(w[0])
    return counts


def owners(fx):
    return {o["owner"]: (o["pages"], o["allocations"]) for o in fx.result("stats")["owners"]}


with at.Fixture(t, pages=64) as fx:
    st0 = fx.result("stats")
    r = pins(fx, "alloc", 5, "direct", "direct-buf")
    t.ok(r.startswith("ok 0x"), "arenad_pins_alloc: 5 pages for owner 'direct' named 'direct-buf' (%s)" % r)
    addr = r.split()[-1]
    t.eq(owners(fx), {"direct": (5, 1)}, "the daemon's stats shows them under their owner")
    st = fx.result("stats")
    t.eq((st["pages_allocated"] - st0["pages_allocated"], st["allocations"] - st0["allocations"]),
         (5, 1), "and in its page and allocation counters")
    rg = [x for x in fx.result("ranges") if x["addr"] == addr]
    t.eq([(x["pages"], x["owner"], x.get("name")) for x in rg], [(5, "direct", "direct-buf")],
         "ranges lists the allocation with owner and name")
    t.eq(fx.result("lookup", {"name": "direct-buf"})["addr"], addr, "the socket's lookup finds it by name")
    t.eq(pins(fx, "find", "direct-buf"), "ok %s 5 direct" % addr, "so does arenad_pins__find_name() on the pins")
    rc, out, err = fx.helper("loader_pins", fx.socket, "owners")
    t.eq(out.strip(), "direct 5 1", "arenad_client__owners() returns the same table")

    # Bytes written through one process's mapping are there for another.
    t.eq(pins(fx, "fill", addr, 4096 * 5, 0x5a), "ok", "fill the allocation through arenad_map_pinned_arena()")
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", hex(int(addr, 16) + 4096 * 5 - 4), 4)
    t.eq(out.strip(), "5a5a5a5a", "another process reads the last bytes back")

    # The two paths share one ledger: socket alloc, pins free, and back.
    a = fx.result("alloc", {"pages": 3, "owner": "sock"})
    t.eq(pins(fx, "free", a["addr"]), "ok 3", "arenad_pins__free frees a socket allocation")
    t.ok("sock" not in owners(fx), "and the owner's pages are gone from stats")
    r = fx.rpc("free", {"addr": addr})
    t.eq(r.get("result", {}).get("pages"), 5, "the socket frees a pins allocation")
    t.eq(pins(fx, "find", "direct-buf"), "error -2", "its name is released")
    t.eq(fx.result("stats")["pages_allocated"], st0["pages_allocated"], "usage is back at its start")

    # Errors come back as the allocator's negative errnos, counted as failures.
    f0 = fx.result("stats")["alloc_failures"]
    t.eq(pins(fx, "alloc", 0, "direct"), "error -22", "0 pages: -EINVAL")
    t.eq(pins(fx, "alloc", 65, "direct"), "error -22", "more pages than the arena has: -EINVAL")
    r = pins(fx, "alloc", 40, "direct", "big")
    t.ok(r.startswith("ok 0x"), "40 pages")
    t.eq(pins(fx, "alloc", 30, "direct"), "error -12", "30 more do not fit: -ENOMEM")
    t.eq(pins(fx, "alloc", 1, "direct", "big"), "error -17", "a name in use: -EEXIST")
    t.eq(fx.result("stats")["alloc_failures"] - f0, 4, "each failure is counted in stats")
    t.eq(pins(fx, "free", "0x100000fff000"), "error -22", "free outside the arena: -EINVAL")
    t.eq(pins(fx, "free", hex(int(r.split()[-1], 16) + 1)), "error -22", "free of an unaligned address: -EINVAL")
    t.eq(pins(fx, "free", hex(int(r.split()[-1], 16) + 4096)), "error -2",
         "free of a page inside an allocation: -ENOENT")
    t.eq(pins(fx, "free", r.split()[-1]), "ok 40", "free the 40 pages")
    t.eq(pins(fx, "free", r.split()[-1]), "error -2", "double free: -ENOENT")

    # No daemon needed: allocate while it is down, see it after it starts.
    fx.stop(signal.SIGTERM)
    t.ok(not fx.can_connect(), "daemon stopped")
    r = pins(fx, "alloc", 2, "offline", "while-down")
    t.ok(r.startswith("ok 0x"), "arenad_pins_alloc works with the daemon down (%s)" % r)
    t.eq(pins(fx, "fill", r.split()[-1], 8, 0x42), "ok", "and the pages can be written")
    fx.start()
    t.eq(owners(fx).get("offline"), (2, 1), "the restarted daemon accounts them to their owner")
    t.eq(fx.result("lookup", {"name": "while-down"})["addr"], r.split()[-1], "and finds them by name")
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", r.split()[-1], 8)
    t.eq(out.strip(), "42" * 8, "with their bytes")
    t.eq(fx.rpc("free", {"addr": r.split()[-1]}).get("result", {}).get("pages"), 2, "the socket frees them")
    t.eq(fx.result("stats")["pages_allocated"], st0["pages_allocated"], "usage back at its start")

# Each call is one run of the program and no other syscall (no geteuid,
# no string lookup): 100 pairs more cost 200 bpf() calls more, nothing else.
with at.Fixture(t, pages=64) as fx:
    few, many = syscalls(fx, 20), syscalls(fx, 120)
    grown = {k: many.get(k, 0) - few.get(k, 0) for k in set(few) | set(many)}
    t.eq({k: v for k, v in grown.items() if v}, {"bpf": 200},
         "100 more alloc+free pairs: 200 more bpf() calls and no other syscall")

r = subprocess.run([os.path.join(at.HELPERS, "loader_pins"), "/nonexistent", "alloc", "1", "x"],
                   capture_output=True, text=True, timeout=at.scaled(30))
t.eq(r.stdout.strip(), "error -2", "arenad_pins__open without pins: -ENOENT")
t.done()
