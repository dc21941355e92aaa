#!/usr/bin/env python3
"""Every arena on the host: the census of another program's 4 GiB arena
(1,048,576 pages, 64 allocated ranges) with `scan {map_id}`, the whole
`arenas` inventory with 16 arenas (the managed one and 15 foreign ones from
tests/foreign), and `stats` latency while a slow census runs.

Floors, measured in the same run: the full probe of every page of the same
arena (the census without the free-range tree); `bpftool map show` (today's
way to list arenas, which knows no page counts); `stats` latency with no
census running. Prints figures and ratios; asserts nothing about time, and
exits non-zero only when two censuses of the same arena disagree."""
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
FOREIGN = 15


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return (time.monotonic() - t0) * 1e6, r


def median(xs):
    return statistics.median(xs)


bad = 0
with at.Fixture(at.QuietTap()) as fx:
    big = at.ForeignArena(fx, "--pages", 1 << 20, "--addr", "0x400000000000", "--alloc", 192,
                          "--ranges", 64)
    procs = [big] + [at.ForeignArena(fx, "--pages", 1024, "--addr", hex(0x300000000000 + i * (1 << 32)),
                                     "--alloc", 8, "--ranges", 4, "--touch", 2)
                     for i in range(FOREIGN - 1)]

    with fx.client(timeout=300) as c:
        # --- census of the 4 GiB foreign arena --------------------------
        scan = {"map_id": big.id}
        rt = [timed(lambda: c.call("scan", scan)) for _ in range(REPEAT)]
        full = [timed(lambda: c.call("scan", dict(scan, method="full"))) for _ in range(3)]
        r_rt, r_full = rt[-1][1].get("result", {}), full[-1][1].get("result", {})
        if r_rt.get("present") != r_full.get("present") or r_rt.get("pages_present") != 192:
            print("bench: rt and full disagree on the 4 GiB arena", file=sys.stderr)
            bad += 1
        rt_d = median([r[1]["result"]["duration_us"] for r in rt])
        full_d = median([r[1]["result"]["duration_us"] for r in full])
        rt_rtt = median([r[0] for r in rt])
        full_rtt = median([r[0] for r in full])

        # --- the whole inventory ------------------------------------------
        inv = [timed(lambda: c.call("arenas")) for _ in range(REPEAT)]
        n_arenas = len(inv[-1][1]["result"])
        mine = [a for a in inv[-1][1]["result"] if a["map_id"] == big.id]
        if not mine or mine[0]["pages_present"] != 192:
            print("bench: the inventory miscounts the 4 GiB arena", file=sys.stderr)
            bad += 1
        bpftool = [timed(lambda: subprocess.run(["bpftool", "-j", "map", "show"], capture_output=True,
                                                check=True))[0] for _ in range(REPEAT)]

        # --- stats while the full census of 4 GiB runs ---------------------
        with fx.client() as s:
            idle = [timed(lambda: s.call("stats"))[0] for _ in range(50)]
            during = []
            done = threading.Event()

            def slow():
                c.call("scan", dict(scan, method="full"))
                done.set()

            th = threading.Thread(target=slow)
            th.start()
            time.sleep(0.02)
            while not done.is_set():
                during.append(timed(lambda: s.call("stats"))[0])
                time.sleep(0.005)
            th.join()

    for p in procs:
        p.exit()

print("census of another program's 4 GiB arena (1,048,576 pages, 64 ranges, 192 pages present), "
      "median of %d" % REPEAT)
print("%-34s %12s %12s %8s" % ("", "census ms", "request ms", "ratio"))
print("%-34s %12.3f %12.3f %7.1fx" % ("scan map_id (rt)", rt_d / 1000, rt_rtt / 1000, 1.0))
print("%-34s %12.3f %12.3f %7.1fx" % ("floor: full probe of every page", full_d / 1000, full_rtt / 1000,
                                      full_d / max(rt_d, 1)))
print()
print("inventory: `arenas` with %d arenas on the host (%d foreign ones made here), median of %d"
      % (n_arenas, FOREIGN, REPEAT))
print("%-34s %12s %8s" % ("", "ms", "ratio"))
print("%-34s %12.3f %7.2fx" % ("arenas (census + programs + processes)", median([i[0] for i in inv]) / 1000,
                               median([i[0] for i in inv]) / max(median(bpftool), 1)))
print("%-34s %12.3f %7.2fx" % ("floor: bpftool -j map show (no counts)", median(bpftool) / 1000, 1.0))
print()
print("stats latency from another client (ms)")
print("%-34s %8s %8s %8s %6s" % ("", "median", "p90", "max", "n"))
for label, xs in (("no census running", idle), ("during the 4 GiB full census", during)):
    xs = sorted(xs) or [0]
    print("%-34s %8.3f %8.3f %8.3f %6d" % (label, median(xs) / 1000, xs[int(len(xs) * 0.9)] / 1000,
                                          xs[-1] / 1000, len(xs)))
print("(the full census took %.0f ms: stats was answered %d times meanwhile)" % (full_d / 1000, len(during)))
sys.exit(1 if bad else 0)
