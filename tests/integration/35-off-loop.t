#!/usr/bin/env python3
# Work in O(ledger) or O(arena) never holds up the event loop: reading and
# sorting the whole ledger for `ranges` runs on the ledger worker thread,
# and the managed arena's census for `scan` (and the periodic census) on
# the census worker. Shown two ways, neither by timing a request:
#  - strace of the daemon: every ledger batch read and every census program
#    run comes from a worker thread, none from the loop's thread;
#  - a `full` census of a 2 GiB arena takes seconds: a ping sent while it
#    runs is answered before it, and the scan's reply still comes.
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGES = 1 << 19
N = 3000


def traced_tasks(pid):
    """The daemon's threads, and whether every one is traced."""
    tids = os.listdir("/proc/%d/task" % pid)
    traced = 0
    for tid in tids:
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            traced += any(line.startswith("TracerPid:") and line.split()[1] != "0" for line in f)
    return tids, traced == len(tids)


def ledger_fds(pid):
    """The daemon's fds on the ledger: the hash map with one entry per page."""
    fds = set()
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if info.get("map_type", "").strip() == "1" and info.get("max_entries", "").strip() == str(PAGES):
            fds.add(int(fd))
    return fds


def thread_names(pid):
    names = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            names[int(tid)] = f.read().strip()
    return names


with at.Fixture(t, pages=PAGES) as fx:
    pid = fx.proc.pid
    fx.alloc_many(N)

    names = thread_names(pid)
    t.ok("arenad-ledger" in names.values() and "arenad-census" in names.values(),
         "the daemon runs a ledger and a census worker thread: %s" % sorted(names.values()))

    # Trace every bpf() call of every thread while ranges and scans run.
    log = os.path.join(fx.dir, "strace.log")
    tracer = fx.track(subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=bpf", "-o", log,
                                        "-p", str(pid)], stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + at.scaled(20)
    while not traced_tasks(pid)[1] and time.monotonic() < deadline:
        time.sleep(0.05)
    t.ok(traced_tasks(pid)[1], "strace follows every thread of the daemon")

    with fx.client(timeout=120) as c:
        rg = c.call("ranges").get("result", [])
        t.eq(len(rg), N, "ranges lists all %d ranges" % N)
        t.ok(all(rg[i]["offset"] < rg[i + 1]["offset"] for i in range(len(rg) - 1)), "... sorted")
        r = c.call("ranges", {"owner": "nobody-has-this"})
        t.eq(r.get("result"), [], "ranges of an owner never seen: [] (no snapshot needed)")
        s = c.call("scan").get("result", {})
        t.eq(s.get("pages_ledger"), N, "scan compares the census with the whole ledger")
        # (pages_present may exceed N under ASan: its shadow memory can
        # fault pages of the arena mapped in the daemon)
        t.ok(s.get("pages_missing") == 0 and s.get("pages_present", 0) >= N,
             "... and finds every allocated page present: %r" % s)

        # A slow census: the loop answers others meanwhile.
        c.send_raw(b'{"jsonrpc":"2.0","id":77,"method":"scan","params":{"method":"full"}}\n')
        time.sleep(0.3)
        with fx.client(timeout=60) as other:
            pong = other.call("ping")
            stats = other.call("stats")
        t.ok("result" in pong and "result" in stats, "ping and stats are answered during a full census")
        ready, _, _ = select.select([c.sock], [], [], 0)
        t.ok(not ready and b"\n" not in c.buf, "... before the census has answered")
        full = c.recv_line()
        t.ok(full.get("id") == 77 and full.get("result", {}).get("method") == "full" and
             full["result"]["pages_missing"] == 0 and full["result"]["pages_ledger"] == N,
             "then the full census answers, every one of the %d ledger pages present" % N)

    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=at.scaled(20))
    ledger = ledger_fds(pid)
    t.ok(ledger, "the daemon's ledger fds: %s" % sorted(ledger))
    calls = {}
    with open(log) as f:
        for line in f:
            m = re.match(r"(\d+)\s+bpf\((BPF_[A-Z_]+)", line)
            if not m:
                continue
            fd = re.search(r"map_fd=(\d+)", line)
            if m.group(2) == "BPF_MAP_LOOKUP_BATCH" and not (fd and int(fd.group(1)) in ledger):
                continue    # a lookup of one string, not the ledger
            calls.setdefault(m.group(2), []).append(int(m.group(1)))
    names = thread_names(pid)
    for cmd, what in (("BPF_MAP_LOOKUP_BATCH", "ledger batch reads"),
                      ("BPF_PROG_TEST_RUN", "census program runs")):
        tids = calls.get(cmd, [])
        t.ok(tids and pid not in tids,
             "%d %s, none on the loop's thread (threads: %s)"
             % (len(tids), what, sorted({names.get(x, str(x)) for x in tids})))
    t.ok(fx.proc.poll() is None, "daemon still running")
t.done()
