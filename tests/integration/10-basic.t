#!/usr/bin/env python3
# Start, query, alloc, lookup, free, ranges: the daemon's everyday methods
# against the real kernel, checked against each other and against the pins.
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
BASE = at.BASE
PAGE = at.PAGE

with at.Fixture(t, pages=256) as fx:
    t.eq(fx.result("ping"), {"pong": "arenad"}, "ping answers")
    v = fx.result("version")
    t.ok(v.get("abi") == 4 and v.get("version"), "version reports abi 4 and a version")

    pins = sorted(os.listdir(fx.pin_dir))
    t.eq(pins, sorted(["alloc_prog", "arena", "event_drops", "events", "ledger", "names", "owners",
                       "state", "strings", "uids", "obj_pages", "objs", "obj_owners"]),
         "every pin is in the pin dir")
    maps = {p: at.pinned_id(os.path.join(fx.pin_dir, p)) for p in pins if p != "alloc_prog"}
    t.ok(all(maps.values()) and len(set(maps.values())) == len(maps),
         "every bookkeeping pin is a distinct BPF map: %r" % maps)
    t.ok(at.pinned_id(os.path.join(fx.pin_dir, "alloc_prog"), "prog"), "alloc_prog is a BPF program")

    st = fx.result("stats")
    for k in ("page_size", "pages_total", "pages_allocated", "pages_free", "bytes_allocated",
              "high_water_pages", "allocations", "alloc_failures", "map_id", "user_vm_start",
              "pin_dir", "uptime_s", "owners"):
        t.ok(k in st, "stats has %s" % k)
    t.eq((st["page_size"], st["pages_total"], st["pages_allocated"], st["pages_free"]),
         (PAGE, 256, 0, 256), "fresh arena: 256 pages, none allocated")
    t.eq(st["user_vm_start"], hex(BASE), "arena at the default fixed address")
    t.eq(st["map_id"], maps.get("arena"), "map_id is the id of the pinned arena")
    t.eq((st["high_water_pages"], st["allocations"], st["alloc_failures"]), (0, 0, 0),
         "fresh arena: no high water, allocations or failures")
    t.eq(st["pin_dir"], fx.pin_dir, "stats names the pin dir")
    t.eq(st["owners"], [], "no owners yet")

    a = fx.result("alloc", {"pages": 16, "owner": "demo", "name": "flows"})
    t.eq(a, {"addr": hex(BASE), "offset": 0, "pages": 16, "owner": "demo", "name": "flows", "uid": 0},
         "first alloc at the arena start, with the owner and uid recorded")
    b = fx.result("alloc", {"pages": 3, "owner": "demo"})
    t.eq((b["offset"], b["pages"]), (16 * PAGE, 3), "second alloc right after the first")
    c = fx.result("alloc", {"pages": 5})
    fixed = BASE + 100 * PAGE
    d = fx.result("alloc", {"pages": 2, "owner": "pinned", "addr": hex(fixed)})
    t.eq(d["addr"], hex(fixed), "alloc at a fixed address lands there")

    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["pages_free"], st["bytes_allocated"], st["allocations"]),
         (26, 230, 26 * PAGE, 4), "stats count 26 pages in 4 allocations")
    t.eq(st["high_water_pages"], 26, "high water follows")
    owners = {o["owner"]: (o["pages"], o["allocations"]) for o in st["owners"]}
    t.eq(owners, {"demo": (19, 2), "uid:0": (5, 1), "pinned": (2, 1)},
         "owners table: explicit owners and the uid default")

    lk = fx.result("lookup", {"name": "flows"})
    created = lk.pop("created_s", None)
    t.eq(lk, {"addr": hex(BASE), "offset": 0, "pages": 16, "owner": "demo", "name": "flows", "uid": 0,
              "pid": os.getpid(), "comm": at.comm(os.getpid())},
         "lookup finds the named allocation, made by this process")
    t.ok(isinstance(created, int) and abs(created - time.time()) < 120,
         "lookup gives the allocation's age as created_s, Unix time (%r)" % created)

    rg = fx.result("ranges")
    t.eq([(r["addr"], r["pages"], r["owner"]) for r in rg],
         [(hex(BASE), 16, "demo"), (b["addr"], 3, "demo"), (c["addr"], 5, "uid:0"),
          (hex(fixed), 2, "pinned")], "ranges lists every allocation by address")
    t.eq([r["addr"] for r in fx.result("ranges", {"owner": "demo"})], [hex(BASE), b["addr"]],
         "ranges filters by owner")
    t.eq(fx.result("ranges", {"owner": "nobody-here"}), [], "unknown owner has no ranges")

    t.eq(fx.result("free", {"addr": b["addr"]}), {"pages": 3}, "free returns the page count")
    t.eq(fx.result("free", {"addr": hex(BASE)}), {"pages": 16}, "free the named one")
    r = fx.rpc("lookup", {"name": "flows"})
    t.eq(at.error_code(r), -32003, "a freed name is gone")
    # The name can be reused once its allocation is gone.
    e = fx.result("alloc", {"pages": 1, "name": "flows"})
    t.eq(fx.result("lookup", {"name": "flows"})["addr"], e["addr"], "a freed name can be reused")

    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["allocations"], st["high_water_pages"]), (8, 3, 26),
         "stats after frees: 8 pages live, high water kept")
    t.eq(st["allocations_total"] - st["frees_total"], st["allocations"],
         "made minus freed equals live")
    owners = {o["owner"]: o["pages"] for o in st["owners"]}
    t.eq(owners, {"uid:0": 6, "pinned": 2}, "owners with no pages left disappear")

    r = fx.rpc("alloc", {"pages": 1000})
    t.eq(at.error_code(r), -32602, "more pages than the arena has: invalid params")
    failures = fx.result("stats")["alloc_failures"]
    r = fx.rpc("alloc", {"pages": 1, "addr": d["addr"]})
    t.eq(at.error_code(r), -32004, "fixed address already taken: conflict")
    t.eq(fx.result("stats")["alloc_failures"], failures + 1, "alloc_failures counts the failure")
    r = fx.rpc("alloc", {"pages": 249})
    t.eq(at.error_code(r), -32001, "more pages than are free: out of memory")
    st = fx.result("stats")
    t.eq((st["alloc_failures"], st["pages_allocated"], st["allocations"]), (failures + 2, 8, 3),
         "alloc_failures counts out of memory too; nothing else changed")

    # The command-line client against the same daemon.
    rc, out, err = fx.ctl("query")
    t.ok(rc == 0 and "used" in out and "pinned" in out and "%" in out,
         "arenactl-client query prints usage and owners")
    rc, out, err = fx.ctl("--json", "query")
    t.ok(rc == 0 and '"pages_allocated":8' in out.replace(" ", ""), "query --json is the stats JSON")
    rc, out, err = fx.ctl("alloc", "4", "--owner", "cli", "--name", "fromcli")
    t.ok(rc == 0 and out.startswith("0x"), "arenactl-client alloc prints the address")
    addr = out.split()[0]
    rc, out, err = fx.ctl("lookup", "fromcli")
    t.ok(rc == 0 and addr in out and "cli" in out, "arenactl-client lookup")
    rc, out, err = fx.ctl("ranges")
    t.ok(rc == 0 and addr in out and "fromcli" in out, "arenactl-client ranges")
    rc, out, err = fx.ctl("free", addr)
    t.ok(rc == 0 and "freed 4 pages" in out, "arenactl-client free")
    rc, out, err = fx.ctl("free", addr)
    t.ok(rc == 5 and "no allocation starts at" in err, "double free through the client fails clearly (not found: 5)")
    rc, out, err = at.Fixture.ctl(fx, "bogus")
    t.ok(rc == 2 and "unknown command" in err, "unknown client command")

# Creation options are recorded in the arena's identity and reported.
with at.Fixture(t, pages=32, args=["--numa-node", "0", "--segv-on-fault"]) as fx:
    st = fx.result("stats")
    t.eq((st["numa_node"], st["segv_on_fault"], st["pages_total"]), (0, True, 32),
         "--numa-node and --segv-on-fault are applied and reported")
    t.ok("result" in fx.rpc("alloc", {"pages": 2}), "allocation on NUMA node 0 works")

# A client with no daemon says so.
r = __import__("subprocess").run([at.CLIENT, "--socket", "/nonexistent/arenad.sock", "query"],
                                 capture_output=True, text=True)
t.ok(r.returncode == 3 and "not running" in r.stderr and "/nonexistent/arenad.sock" in r.stderr,
     "client reports a daemon that is not running, with the path it tried (exit 3)")
t.done()
