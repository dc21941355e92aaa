#!/usr/bin/env python3
"""Ledger read benchmark: the time to read every allocation of the ledger,
for 1 Ki, 16 Ki and 64 Ki allocations. The baseline, measured in the same
run on the same ledger, reads it entry by entry (bpf_map_get_next_key +
lookup, two syscalls an entry); arenad_pins__ranges() reads it in batches,
and the socket's `ranges` (the daemon reading it the same way, plus JSON)
is timed end to end. With the largest ledger, it also times pings from
another client while `ranges` replies stream (the snapshot is read on a
worker thread, the reply written a slice at a time), against pings with
nothing else running: how long the event loop is held up. Prints tables;
asserts nothing about time."""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


rows = []
bad = 0
pings = {}


RANGES_LOOP = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
while True:
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"ranges"}\\n')
    buf = b""
    while not buf.endswith(b"\\n"):
        chunk = s.recv(1 << 20)
        if not chunk:
            sys.exit(0)
        buf = buf[-1:] + chunk
"""


def ping_latencies(fx, seconds, busy=False):
    """Ping round trips (s) for seconds, while (with busy) another process
    asks for ranges again and again (a process: its reading must not
    hold this one's interpreter)."""
    proc = subprocess.Popen([sys.executable, "-c", RANGES_LOOP, fx.socket]) if busy else None
    lat = []
    try:
        time.sleep(0.5 if busy else 0)
        with fx.client(timeout=60) as c:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t0 = time.monotonic()
                c.call("ping")
                lat.append(time.monotonic() - t0)
    finally:
        if proc:
            proc.kill()
            proc.wait()
    return sorted(lat)


for n in (1 << 10, 1 << 14, 1 << 16):
    with at.Fixture(at.QuietTap(), pages=1 << 18) as fx:
        with fx.client(timeout=60) as c:
            for i in range(n):
                r = c.call("alloc", {"pages": 1})
                if "error" in r:
                    raise RuntimeError(r)
            sock = []
            for _ in range(REPEAT):
                t0 = time.monotonic()
                got = c.call("ranges")["result"]
                sock.append(time.monotonic() - t0)
        if n == 1 << 16:
            pings["idle"] = ping_latencies(fx, 2)
            pings["ranges"] = ping_latencies(fx, 4, busy=True)
        rc, out, err = fx.helper("ledger_walk", fx.pin_dir, "bench", REPEAT)
        f = out.split()
        if rc or len(f) != 7 or f[1] != str(n) or f[2] != str(n) or len(got) != n:
            print("bench: %d allocations: readers disagree (%s%s)" % (n, out.strip(), err.strip()),
                  file=sys.stderr)
            bad += 1
            continue
        rows.append((n, float(f[4]), float(f[6]), statistics.median(sock) * 1e6))

print("ledger read time, median of %d runs" % REPEAT)
print("%8s %14s %12s %9s %16s" % ("entries", "per-entry ms", "batched ms", "speed-up", "socket ranges ms"))
for n, nextkey, batch, sock in rows:
    print("%8d %14.2f %12.2f %8.1fx %16.2f" % (n, nextkey / 1000, batch / 1000, nextkey / max(batch, 1),
                                              sock / 1000))
if pings:
    print("\nping round trip from another client, %d entries in the ledger" % (1 << 16))
    print("%-34s %8s %8s %8s" % ("while", "p50 ms", "p99 ms", "max ms"))
    for what, key in (("nothing else runs (floor)", "idle"), ("ranges replies stream", "ranges")):
        lat = pings[key]
        print("%-34s %8.2f %8.2f %8.2f" % (what, lat[len(lat) // 2] * 1e3,
                                          lat[int(len(lat) * 0.99)] * 1e3, lat[-1] * 1e3))
sys.exit(1 if bad else 0)
