#!/usr/bin/env python3
# SIGKILL under load: writers through the socket (reconnecting) and through
# the pinned allocator (which works on while the daemon is down) run while
# the daemon is killed at random moments and restarted on the same pins.
# After each restart, with the writers paused: ranges = stats = owners =
# census (no page lost or leaked, no count drifted), every string is
# referenced exactly by live allocations, and bytes written into
# allocations made before the first kill are intact. Bounded: a few
# seconds of load, five kills.
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
KILLS = 5
rng = random.Random(int(os.environ.get("ARENAD_TEST_SEED", "0")) or None)

SOCKET_WRITER = r"""
import json, os, random, socket, sys, time
path, owner, stop, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
live, ops, n = [], 0, 0
s, buf = None, b""
while not os.path.exists(stop):
    try:
        if s is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(path)
            buf = b""
        n += 1
        if live and (len(live) > 12 or random.random() < 0.45):
            req = {"jsonrpc": "2.0", "id": n, "method": "free", "params": {"addr": live.pop(0)}}
        else:
            p = {"pages": random.randint(1, 4), "owner": owner}
            if random.random() < 0.5:
                p["name"] = "%s-%d" % (owner, n)
            req = {"jsonrpc": "2.0", "id": n, "method": "alloc", "params": p}
        s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        r = json.loads(line)
        if req["method"] == "alloc" and "result" in r:
            live.append(r["result"]["addr"])
        ops += 1
    except (OSError, ConnectionError, ValueError):
        if s is not None:
            s.close()
        s = None
        time.sleep(0.05)
print(ops)
"""


def census_ok(fx, what):
    """ranges = stats = owners = census, with the writers paused."""
    ranges = fx.result("ranges")
    st = fx.result("stats")
    sc = fx.result("scan")
    pages = sum(r["pages"] for r in ranges)
    by_owner = {}
    for r in ranges:
        o = by_owner.setdefault(r["owner"], [0, 0])
        o[0] += r["pages"]
        o[1] += 1
    owners = {o["owner"]: [o["pages"], o["allocations"]] for o in st["owners"]}
    good = t.eq((st["pages_allocated"], st["allocations"]), (pages, len(ranges)),
                "%s: stats count what ranges lists (%d pages in %d allocations)" % (what, pages, len(ranges)))
    good &= t.eq(owners, by_owner, "%s: the owners table is the ranges by owner" % what)
    good &= t.eq((sc["pages_present"], sc["pages_ledger"], sc["pages_unaccounted"], sc["pages_missing"]),
                 (pages, pages, 0, 0), "%s: the census finds exactly the ledger's pages present" % what)
    rc, out, err = fx.helper("tables", fx.pin_dir, "check")
    tb = json.loads(out) if rc == 0 else {}
    want = {}
    for r in ranges:
        for s in (r["owner"], r.get("name")):
            if s:
                want[s] = want.get(s, 0) + 1
    good &= t.eq((tb.get("dups"), tb.get("refs")), ([], want),
                 "%s: each string once, referenced exactly by the live allocations" % what)
    return good


with at.Fixture(t, pages=2048) as fx:
    # Allocations that stay, with bytes to check after every restart.
    keep = []
    for i in range(4):
        a = fx.result("alloc", {"pages": 2, "owner": "keeper", "name": "keep-%d" % i})
        data = os.urandom(32)
        fx.mem_write(int(a["addr"], 16) + 4096 + 100, data)
        keep.append((a, data))

    stop = os.path.join(fx.dir, "stop-writers")
    writers = [fx.track(subprocess.Popen([sys.executable, "-c", SOCKET_WRITER, fx.socket, "sock-%d" % i,
                                          stop, str(at.scaled(2))], stdout=subprocess.PIPE, text=True))
               for i in range(2)]
    pinned = fx.track(subprocess.Popen([os.path.join(at.HELPERS, "tables"), fx.pin_dir, "writer", "600"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    procs = writers + [pinned]
    start = time.monotonic()
    for k in range(KILLS):
        time.sleep(rng.uniform(0.2, 0.8))
        fx.stop(signal.SIGKILL)
        time.sleep(rng.uniform(0.0, 0.3))       # the pinned writer works on meanwhile
        fx.start()
        for p in procs:
            p.send_signal(signal.SIGSTOP)
        time.sleep(0.1)                          # let stopped writers settle
        try:
            census_ok(fx, "after kill %d" % (k + 1))
            got = [fx.mem_read(int(a["addr"], 16) + 4096 + 100, 32) for a, _ in keep]
            t.eq(got, [d for _, d in keep], "after kill %d: the bytes written before are intact" % (k + 1))
            look = fx.result("lookup", {"name": "keep-2"})
            t.eq(look["addr"], keep[2][0]["addr"], "after kill %d: names resolve as before" % (k + 1))
        finally:
            for p in procs:
                p.send_signal(signal.SIGCONT)
    # Stop the writers: the socket ones at the stop file, the pinned one at
    # SIGTERM (it frees what it holds, checking the bytes first).
    open(stop, "w").close()
    pinned.terminate()
    outs = [p.communicate(timeout=at.scaled(60))[0].strip() for p in writers]
    pout, perr = pinned.communicate(timeout=at.scaled(60))
    t.ok(all(o.isdigit() and int(o) > 0 for o in outs),
         "the socket writers got requests through between kills (%s)" % outs)
    f = pout.split()
    t.ok(len(f) == 6 and int(f[1]) > 0 and f[3] == "0" and f[5] == "0",
         "the pinned writer allocated and freed throughout, every byte it wrote read back "
         "(%s%s)" % (pout.strip(), perr.strip()))
    census_ok(fx, "at the end")
    t.diag("%d kills in %.1f s" % (KILLS, time.monotonic() - start))
t.done()
