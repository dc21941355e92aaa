#!/usr/bin/env python3
"""Start-up benchmark: the time from starting arenad until its socket
answers a ping, for a fresh arena, when adopting the pins of the same
build, and when adopting another build's pins (its allocator is loaded
and replaces the pinned one); and, for a fresh arena and for another
build's pins, until the start-up that runs after READY is done too (the
allocator replaced, the census self-test, the map iterator and the users
iterators loaded: `version` no longer says "starting"). The
floor, measured in the same run, is a process that starts, creates one
arena of the same size and exits (build/bench/arena_create): what no arena
daemon can avoid. Prints medians and the ratio to the floor; asserts
nothing about time."""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "9"))
PAGES = 1 << 18
FLOOR = os.path.join(at.BUILD, "bench", "arena_create")
PING = b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n'
VERSION = b'{"jsonrpc":"2.0","id":1,"method":"version"}\n'


def ask(path, request):
    """One request on a new connection: the reply line, or None when the
    socket does not take connections yet."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(request)
        buf = b""
        while not buf.endswith(b"\n"):
            got = s.recv(4096)
            if not got:
                return None
            buf += got
        return buf
    except OSError:
        return None
    finally:
        s.close()


def answers(path):
    return b'"pong"' in (ask(path, PING) or b"")


def starting(path):
    return json.loads(ask(path, VERSION))["result"]["starting"]


def time_start(fx, done=None):
    """Seconds from spawning the daemon to its first answered ping; with
    done (a list), also to the end of start-up, appended to it."""
    t0 = time.monotonic()
    proc = fx.spawn()
    while not answers(fx.socket):
        if proc.poll() is not None:
            raise RuntimeError("arenad exited with status %d" % proc.returncode)
        if time.monotonic() - t0 > 30:
            raise RuntimeError("arenad did not answer within 30 s")
        time.sleep(0.0005)
    t = time.monotonic() - t0
    while done is not None and starting(fx.socket):
        if time.monotonic() - t0 > 60:
            raise RuntimeError("arenad did not finish start-up within 60 s")
        time.sleep(0.0005)
    if done is not None:
        done.append(time.monotonic() - t0)
    fx.stop()
    return t


def time_floor():
    t0 = time.monotonic()
    subprocess.run([FLOOR, str(PAGES)], check=True)
    return time.monotonic() - t0


floor, fresh, adopt, upgrade, fresh_done, upgrade_done = [], [], [], [], [], []
with at.Fixture(at.QuietTap(), pages=PAGES, start=False) as fx:
    for _ in range(REPEAT):
        floor.append(time_floor())
        # fresh: no pins; remove them after each start
        fresh.append(time_start(fx, fresh_done))
        adopt.append(time_start(fx))
        # pins whose allocator another build pinned: it is replaced
        at.state_alloc_build(fx.pin_dir, at.state_alloc_build(fx.pin_dir) ^ 1)
        upgrade.append(time_start(fx, upgrade_done))
        rc, out = fx.run_daemon(["--unpin"])
        if rc:
            raise RuntimeError("--unpin failed: " + out)

f = statistics.median(floor)
print("start-up to the first answered ping (the last rows: to the end of start-up),"
      " median of %d runs" % REPEAT)
print("%-40s %10s %8s" % ("path", "ms", "x floor"))
print("%-40s %10.1f %8s" % ("floor: process + one arena create", f * 1e3, "1.0"))
for name, runs in (("arenad, fresh arena", fresh), ("arenad, adopting its pins", adopt),
                   ("arenad, adopting another build's", upgrade),
                   ("arenad, fresh, start-up done", fresh_done),
                   ("arenad, another build's, start-up done", upgrade_done)):
    m = statistics.median(runs)
    print("%-40s %10.1f %8.1f" % (name, m * 1e3, m / f))
