#!/usr/bin/env python3
# Two independent external loaders and the daemon share one arena at the
# same time: each allocates through the socket, from BPF (the ledger API in
# arenad_ledger.bpf.h) and through the pinned allocator; stats shows each
# owner's pages; restarting the daemon does not disturb the loaders.
# The loaders (tests/helpers/ledger_loader.c) run one BPF object linked from
# two objects that both include arenad_ledger.bpf.h (tests/bpf/link/): the
# link leaves one arena and one set of ledger maps, shared by both halves.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def owners(fx):
    return {o["owner"]: o["pages"] for o in fx.result("stats")["owners"]}


with at.Fixture(t, pages=256) as fx:
    a = at.LedgerLoader(fx, "ctr-a", "loader-a")
    b = at.LedgerLoader(fx, "ctr-b", "loader-b")
    t.ok(a.ready.startswith("ready 0x") and b.ready.startswith("ready 0x") and a.ready != b.ready,
         "two loaders running, each with its own counter (%s, %s)" % (a.ready, b.ready))

    maps = a.cmd("maps").split()
    ledger = ["arena", "arenad_state", "arenad_ledger", "arenad_owners", "arenad_strings", "arenad_names"]
    t.eq(sorted(m for m in maps if m in ledger), sorted(ledger),
         "the linked object has the arena and every ledger map (%s)" % " ".join(maps))
    t.eq(len(maps), len(set(maps)), "each of them once: the two halves' __weak definitions merged")

    t.eq(a.cmd("bump 3"), "counter 3 3", "loader A bumps its counter")
    t.eq(b.cmd("bump 7"), "counter 7 7", "loader B bumps its own")
    u0 = a.cmd("usage")
    ga = a.cmd("grab 4")
    gb = b.cmd("grab 2")
    t.ok(ga.startswith("ok 0x") and gb.startswith("ok 0x"), "both allocate from BPF through the ledger API")
    t.eq(a.cmd("usage"), "pages %d" % (int(u0.split()[1]) + 6),
         "the half that does not allocate reads the other half's allocations in the shared state map")
    pa = a.cmd("pins-alloc 3")
    t.ok(pa.startswith("ok 0x"), "loader A allocates through the pinned allocator program")
    t.eq(owners(fx), {"loader-a": 1 + 4 + 3, "loader-b": 1 + 2},
         "stats shows each owner's pages from all three paths")
    rg = {r["addr"]: r for r in fx.result("ranges")}
    t.ok(ga.split()[1] in rg and rg[ga.split()[1]]["owner"] == "loader-a",
         "the BPF-side allocation is in the ledger under its owner")

    # Restart the daemon under the running loaders, both ways.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        fx.restart(sig)
        name = signal.Signals(sig).name
        t.eq(a.cmd("read"), "counter 3", "loader A's mmap still sees its counter after %s" % name)
        t.eq(b.cmd("read"), "counter 7", "loader B's too")
        t.eq(owners(fx), {"loader-a": 8, "loader-b": 3}, "owners intact after %s" % name)

    # Loaders keep working with the new daemon instance.
    t.eq(a.cmd("bump 2"), "counter 5 5", "loader A bumps on after the restarts")
    t.eq(b.cmd("bump 1"), "counter 8 8", "loader B too")
    gb2 = b.cmd("grab 1")
    t.ok(gb2.startswith("ok 0x"), "BPF-side allocation works against the restarted daemon's ledger")
    t.eq(owners(fx)["loader-b"], 4, "and is accounted")
    t.eq(b.cmd("drop " + gb2.split()[1]), "ok " + gb2.split()[1], "BPF-side free")
    t.eq(owners(fx)["loader-b"], 3, "and is accounted")
    # A peer cannot free through the BPF ledger API what is not there.
    t.ok(b.cmd("drop " + gb2.split()[1]).startswith("error"), "double free from BPF is refused")

    # What each loader wrote is what the other processes read.
    look = fx.result("lookup", {"name": "ctr-a"})
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", look["addr"], 8)
    t.eq(out.strip(), (5).to_bytes(8, "little").hex(), "a third process reads loader A's counter")
    for l in (a, b):
        l.cmd("quit")
        l.p.wait(timeout=at.scaled(10))
    t.eq((a.p.returncode, b.p.returncode), (0, 0), "both loaders exit cleanly")
t.done()
