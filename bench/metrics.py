#!/usr/bin/env python3
"""Daemon CPU per Prometheus scrape, on a host with 16 arenas (the managed
one and 15 foreign ones from tests/foreign) and 1,000 owners, against a
floor measured in the same run on the same listener: a request for another
path (404), which costs the HTTP handling and the event loop but no
metrics. The budget is 5 ms of daemon CPU per scrape (docs/metrics.md).

CPU is the daemon's main thread's time on CPU (/proc/PID/task/PID/schedstat),
where scrapes are answered; the owner table is cached until an allocation
changes it, so a row measures scrapes with an alloc+free before each
(against the same with a 404); the inventory refreshes a scrape asks for run
on the inventory's worker thread and are shown in a row of their own
(every thread, amortised over the scrapes). Prints figures and ratios;
asserts nothing about time."""
import http.client
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SCRAPES = int(os.environ.get("BENCH_SCRAPES", "200"))
OWNERS = 1000
FOREIGN = 15


def cpu_ns(pid, tid=None):
    """Time on CPU: of one thread, or of every thread of pid."""
    tids = [tid] if tid else os.listdir("/proc/%d/task" % pid)
    total = 0
    for t in tids:
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[0])
    return total


def run(conn, path, n, pid, churn=None):
    """n GETs of path on one keep-alive connection, each after an
    alloc+free on churn (a socket client) when given: (main-thread CPU ns
    per request, all-threads CPU ns per request, wall ns per request)."""
    main0, all0, t0 = cpu_ns(pid, str(pid)), cpu_ns(pid), time.monotonic()
    size = 0
    for _ in range(n):
        if churn:
            a = churn.call("alloc", {"pages": 1, "owner": "owner-0000"})["result"]["addr"]
            churn.call("free", {"addr": a})
        conn.request("GET", path)
        r = conn.getresponse()
        size = len(r.read())
    wall = time.monotonic() - t0
    return ((cpu_ns(pid, str(pid)) - main0) / n, (cpu_ns(pid) - all0) / n, wall / n * 1e9, size)


foreign = []
with at.Fixture(at.QuietTap(), pages=4096, args=["--metrics-listen", "127.0.0.1:0"]) as fx:
    pid = fx.proc.pid
    with open(fx.log) as f:
        pass
    deadline = time.monotonic() + 10
    port = None
    while port is None and time.monotonic() < deadline:
        fx.logf.flush()
        m = re.findall(r"metrics at http://127\.0\.0\.1:(\d+)/metrics", open(fx.log).read())
        port = int(m[-1]) if m else None
        time.sleep(0.05)
    if port is None:
        sys.exit("bench: the daemon did not log its metrics address")

    with fx.client() as c:
        for i in range(OWNERS):
            c.call("alloc", {"pages": 1, "owner": "owner-%04d" % i})
    ids = set()
    for i in range(FOREIGN):
        p = at.ForeignArena(fx, "--pages", 1024, "--addr", hex(0x300000000000), "--alloc", 8,
                            "--ranges", 4, "--touch", 2)
        ids.add(str(p.id))
        foreign.append(p)

    # Wait until the inventory has every foreign arena.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        seen = set(re.findall(r'arenad_arena_present_bytes\{map_id="(\d+)"', text))
        if ids <= seen:
            break
        time.sleep(0.5)
    else:
        sys.exit("bench: the inventory did not list the %d foreign arenas" % FOREIGN)
    arenas = len(set(re.findall(r'arenad_arena_size_bytes\{map_id="(\d+)"', text)))
    owners = len(re.findall(r"^arenad_owner_allocated_bytes\{", text, re.M))

    scrape_main, scrape_all, scrape_wall, floor_main, floor_wall = [], [], [], [], []
    for _ in range(REPEAT):
        m, a, w, size = run(conn, "/metrics", SCRAPES, pid)
        scrape_main.append(m)
        scrape_all.append(a)
        scrape_wall.append(w)
        m, a, w, _ = run(conn, "/none", SCRAPES, pid)
        floor_main.append(m)
        floor_wall.append(w)
    # An allocation between scrapes: the owner table is read again.
    churn_main, churn_floor = [], []
    with fx.client() as c:
        for _ in range(REPEAT):
            churn_main.append(run(conn, "/metrics", SCRAPES // 4, pid, c)[0])
            churn_floor.append(run(conn, "/none", SCRAPES // 4, pid, c)[0])
    # The method over the Unix socket, against ping on the same connection.
    meth, ping = [], []
    with fx.client() as c:
        for _ in range(REPEAT):
            for name, out in (("metrics", meth), ("ping", ping)):
                c0 = cpu_ns(pid, str(pid))
                for _ in range(SCRAPES):
                    c.call(name)
                out.append((cpu_ns(pid, str(pid)) - c0) / SCRAPES)
    conn.close()
    for p in foreign:
        p.exit()

med = statistics.median
print("metrics scrape: %d arenas on the host (%d foreign ones made here), %d owners, %d-byte text; "
      "median of %d runs of %d requests" % (arenas, FOREIGN, owners, size, REPEAT, SCRAPES))
print("%-40s %12s  %-26s %12s %8s" % ("path", "arenad", "floor", "floor", "ratio"))
rows = [
    ("GET /metrics, daemon CPU (us)", med(scrape_main) / 1e3, "GET /none (404), CPU", med(floor_main) / 1e3),
    ("GET /metrics, wall (us)", med(scrape_wall) / 1e3, "GET /none (404), wall", med(floor_wall) / 1e3),
    ("alloc+free, GET /metrics, CPU (us)", med(churn_main) / 1e3, "alloc+free, GET /none, CPU", med(churn_floor) / 1e3),
    ("method metrics, daemon CPU (us)", med(meth) / 1e3, "method ping, CPU", med(ping) / 1e3),
    ("GET /metrics, CPU all threads (us)", med(scrape_all) / 1e3, "main thread alone", med(scrape_main) / 1e3),
]
for name, v, fname, fv in rows:
    print("%-40s %12.1f  %-26s %12.1f %7.2fx" % (name, v, fname, fv, v / fv if fv else 0))
print("budget: 5000 us of daemon CPU per scrape; measured %.1f us, %.1f us when the owner table "
      "changed since the last scrape (alloc+free excluded)"
      % (med(scrape_main) / 1e3, (med(churn_main) - med(churn_floor) + med(floor_main)) / 1e3))
