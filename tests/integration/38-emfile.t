#!/usr/bin/env python3
# Out of file descriptors, the daemon stops accepting until a connection
# closes instead of spinning on the listening socket, and says so once.
# The CPU bound is a functional check with a wide margin (a spinning
# daemon uses a whole core), not a benchmark.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK     # utime + stime


with at.Fixture(t, pages=64, args=["--max-clients", "1000", "--idle-timeout", "0"]) as fx:
    pid = fx.proc.pid
    r = subprocess.run(["prlimit", "--pid", str(pid), "--nofile=64:64"], capture_output=True, text=True)
    t.eq(r.returncode, 0, "the daemon's fd limit is lowered to 64 (%s)" % r.stderr.strip())
    held = []
    for i in range(100):                  # the daemon runs out of fds on the way
        held.append(at.Client(fx.socket))
    time.sleep(0.5)
    log_before = os.path.getsize(fx.log)
    cpu0 = cpu_seconds(pid)
    time.sleep(5)
    used = cpu_seconds(pid) - cpu0
    t.ok(used < 0.5, "with 100 connections held and no fds left, the daemon used %.2f s of CPU in 5 s" % used)
    with open(fx.log, errors="replace") as f:
        # (other parts, e.g. the inventory, may say once that they lack fds)
        emfile = sum("accept" in line and "Too many open files" in line for line in f)
    t.ok(emfile == 1, "EMFILE on accept is logged once, not per attempt (%d lines)" % emfile)
    t.ok(os.path.getsize(fx.log) - log_before < 4096, "the log did not grow while out of fds")

    # Served connections still work; closing some lets the waiting ones in.
    t.eq(held[0].call("ping").get("result"), {"pong": "arenad"}, "an accepted connection is served")
    # The daemon's own fds (pins, programs, the inventory's iterators, its
    # epoll sets) take a share of the 64: keep as many clients as fit with
    # room to spare, counted from what the daemon holds now.
    clients = sum(1 for f in os.listdir("/proc/%d/fd" % pid)
                  if os.readlink("/proc/%d/fd/%s" % (pid, f)).startswith("socket:")) - 1
    keep = min(20, 64 - (len(os.listdir("/proc/%d/fd" % pid)) - clients) - 4)
    t.ok(keep >= 8, "the daemon's own fds leave room for %d clients under the limit of 64" % keep)
    for c in held[:100 - keep]:
        c.close()
    ok = 0
    for c in held[100 - keep:]:
        try:
            ok += c.call("ping").get("result") == {"pong": "arenad"}
        except OSError as e:
            t.diag("client: %s" % e)
    t.eq(ok, keep, "after connections close, the waiting clients are accepted and served")
    for c in held[100 - keep:]:
        c.close()
    t.eq(fx.result("ping"), {"pong": "arenad"}, "a new client is served")
t.done()
