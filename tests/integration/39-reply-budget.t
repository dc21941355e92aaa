#!/usr/bin/env python3
# Replies that clients do not read cannot exhaust the daemon: ranges is
# written a slice at a time as the client reads, memory for unread replies
# has a budget beyond which O(ledger) requests get -32005, and other
# clients are served meanwhile. A forced census method is for writers, and
# other peers get one census per second. Bounds are functional checks with
# wide margins, not benchmarks.
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
N = 20000


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def blocking(fx, timeout=60):
    """A client whose connect waits for the listen backlog, as a blocking
    connect() does (Python's connect with a timeout fails with EAGAIN
    while 250 other clients fill the backlog), then reads with a timeout."""
    c = at.Client(fx.socket, timeout=None)
    c.sock.settimeout(at.scaled(timeout))
    return c


def as_uid(path, uid, lines):
    """Send lines from a child running as uid; the parsed reply lines."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            c = at.Client(path)
            out = [c.call(m, p) for m, p in lines]
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data) if data else None


with at.Fixture(t, pages=N + 64, args=["--socket-mode", "0666", "--max-reply-memory", "8",
                                       "--max-clients", "1000", "--max-clients-per-uid", "1000",
                                       "--idle-timeout", "0"]) as fx:
    # A ledger of 20,000 ranges, allocated through one pipelined connection.
    fx.alloc_many(N)
    t.eq(fx.result("stats")["allocations"], N, "20,000 allocations in the ledger")
    with fx.client(timeout=60) as c:
        rg = c.call("ranges").get("result", [])
    t.eq(len(rg), N, "ranges streams all 20,000 ranges")
    t.ok(all(rg[i]["offset"] < rg[i + 1]["offset"] for i in range(len(rg) - 1)), "... sorted, none twice")

    pid = fx.proc.pid
    rss0 = rss_kib(pid)
    # 250 clients ask for ranges and never read.
    deaf = []
    for i in range(250):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(fx.socket)
        s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"ranges"}\n')
        deaf.append(s)
    worst = 0.0
    with blocking(fx) as c:
        for _ in range(20):
            t0 = time.monotonic()
            good = c.call("ping").get("result") == {"pong": "arenad"}
            worst = max(worst, time.monotonic() - t0)
            if not good:
                break
            time.sleep(0.05)
    # A loop stuck on the unread replies would not answer at all; the bound
    # only keeps a slow answer from passing (10x in a guest, ASan on top).
    t.ok(good and worst < at.scaled(5.0), "ping is answered while 250 ranges replies are unread (worst %.3f s)" % worst)
    grown = (rss_kib(pid) - rss0) / 1024
    t.ok(grown < 64, "the daemon's RSS grew by %.1f MiB for 250 unread 20,000-range replies" % grown)
    with blocking(fx) as c:
        st = c.call("stats").get("result", {})
    t.eq(st.get("allocations"), N, "stats answers meanwhile")

    # Over the budget, another O(ledger) request is refused with a clear error.
    with blocking(fx) as c:
        r = c.call("ranges")
    t.eq(at.error_code(r), -32005, "ranges over the reply budget -> -32005")
    t.ok("busy" in r.get("error", {}).get("message", ""), "the message says why (%s)" % r.get("error", {}).get("message"))
    # The last of the deaf clients was refused the same way: its line is an error.
    last = deaf[-1]
    last.settimeout(at.scaled(5))
    buf = b""
    while b"\n" not in buf:
        chunk = last.recv(65536)
        if not chunk:
            break
        buf += chunk
    t.eq(at.error_code(json.loads(buf.split(b"\n", 1)[0])), -32005, "a client that asked over the budget got -32005")
    # The first one gets its whole reply when it reads at last.
    first = deaf[0]
    first.settimeout(at.scaled(30))
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = first.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    t.eq(len(json.loads(buf).get("result", [])), N, "an early client that reads late gets all 20,000 ranges")
    for s in deaf:
        s.close()
    def ranges():
        with fx.client(timeout=60) as c:
            return c.call("ranges")

    # Their replies are freed as the daemon sees the hang-ups; until then
    # ranges is still refused as busy.
    r = at.poll(ranges, lambda r: at.error_code(r) != -32005)
    t.eq(len(r.get("result", [])), N, "with the readers gone, ranges is served again")

    # scan: the method is for writers; other peers get one census a second.
    out = as_uid(fx.socket, 65534, [("scan", {"method": "full"})])
    t.eq(at.error_code(out[0]), -32002, "a reader may not force the census method")
    out = as_uid(fx.socket, 65534, [("scan", None), ("scan", None)])
    t.ok("result" in out[0] or at.error_code(out[0]) == -32005, "a reader's scan runs (or the census is unavailable)")
    t.eq(at.error_code(out[1]), -32005, "a second reader scan within a second -> -32005")
    t.ok("error" not in fx.rpc("scan", {"method": "full"}) or
         "unavailable" in fx.rpc("scan", {"method": "full"})["error"]["message"],
         "root may force the census method")
t.done()
