#!/usr/bin/env python3
"""Request throughput and allocation cost, each against a floor measured in
the same run:

- `stats` over the socket with 4 and 16 clients, against echo_server, a
  bare epoll server giving a reply of the same size (the socket round trip
  alone), against the same server parsing each request with json-c (the
  round trip and the parse that any JSON-RPC server on json-c does), and
  against the same server taking each request out of the socket only
  after its reply, as arenad does (the round trip without the client's
  extra wake-up);
- alloc+free of one page through the pinned allocator (libarenad, no
  daemon in the path), against two bare BPF_PROG_TEST_RUN calls of
  bpf_arena_alloc_pages/bpf_arena_free_pages (alloc_floor raw);
- alloc+free over the socket, against the echo pair plus the raw pair,
  against echo_server running the raw pair inside the requests, and
  against the same parsing each request with json-c besides. The echo
  server answers with the daemon's own alloc and free replies, recorded,
  so that the client parses the same replies from both.

Prints a table of figures and ratios; asserts nothing about time."""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "20000"))
BIN = os.path.join(at.BUILD, "bench")


def load(path, clients, request):
    r = subprocess.run([os.path.join(BIN, "rpc_load"), path, str(clients), str(SECONDS), request],
                       capture_output=True, text=True, timeout=SECONDS + 30)
    if r.returncode:
        raise RuntimeError("rpc_load: " + r.stderr)
    rate, size = r.stdout.split()
    return float(rate), int(size)


def floor_pair(*args):
    r = subprocess.run([os.path.join(BIN, "alloc_floor")] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise RuntimeError("alloc_floor: " + r.stderr)
    return float(r.stdout.split()[1])


def echo_server(fx, path, reply, *mode):
    """Start echo_server on path with replies of reply bytes (or, "@FILE",
    FILE's lines in turn); wait until it listens."""
    srv = fx.track(subprocess.Popen([os.path.join(BIN, "echo_server"), path, str(reply)] + list(mode)))
    if not at.wait_listening(path, srv):
        raise RuntimeError("echo_server did not listen")
    return srv


def stop(srv, path):
    srv.kill()
    srv.wait()
    os.unlink(path)


def on_echo(fx, path, reply, mode, measure):
    """measure(path) against echo_server on path, started with reply and
    the modes in mode, stopped after."""
    srv = echo_server(fx, path, reply, *mode)
    try:
        return measure(path)
    finally:
        stop(srv, path)


def row(path, daemon, floor_name, floor, how):
    """A table row: the medians of both sides, and of their ratios run by
    run (each run's daemon figure against the floor measured with it)."""
    return (path, statistics.median(daemon), floor_name, statistics.median(floor),
            statistics.median(d / f for d, f in zip(daemon, floor)), how)


def pairs(path, n, addr=None):
    """ns per alloc+free pair over the socket at path, and the address the
    last alloc gave (an echo server gives none: addr is sent instead)."""
    with at.Client(path) as c:
        t0 = time.monotonic()
        for _ in range(n):
            r = c.call("alloc", {"pages": 1})
            if addr is None or isinstance(r, dict) and "result" in r:
                addr = r["result"]["addr"]
            c.call("free", {"addr": addr})
        return (time.monotonic() - t0) / n * 1e9, addr


def pair_replies(fx, path):
    """Record the daemon's replies to one alloc and its free in path."""
    with fx.client() as c:
        alloc = c.request_raw(req("alloc", {"pages": 1}))
        free = c.request_raw(req("free", {"addr": json.loads(alloc)["result"]["addr"]}))
    with open(path, "wb") as f:
        f.write(alloc + free)
    return "@" + path


def req(method, params=None, rid=1):
    m = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        m["params"] = params
    return json.dumps(m, separators=(",", ":"))


rows = []
with at.Fixture(at.QuietTap(), pages=1 << 18) as fx:
    # A few owners, so that stats has a realistic owner table.
    with fx.client() as c:
        for i in range(8):
            c.call("alloc", {"pages": 1, "owner": "owner-%d" % i})
    stats = req("stats")
    echo_sock = os.path.join(fx.dir, "echo.sock")
    stats_floors = (("echo server", ()), ("echo server + json-c", ("json",)),
                    ("echo, taken out after", ("peek",)))
    for clients in (4, 16):
        daemon, floors = [], {name: [] for name, _ in stats_floors}
        for _ in range(REPEAT):
            d, size = load(fx.socket, clients, stats)
            daemon.append(d)
            for name, mode in stats_floors:
                floors[name].append(on_echo(fx, echo_sock, size, mode,
                                            lambda path: load(path, clients, stats)[0]))
        for name, _ in stats_floors:
            rows.append(row("stats, %d clients (req/s)" % clients, daemon, name, floors[name],
                            "higher is better"))

    raw, pins = [], []
    for _ in range(REPEAT):
        raw.append(floor_pair("raw", PAIRS))
        pins.append(floor_pair("pins", PAIRS, fx.pin_dir))
    rows.append(row("alloc+free, pinned allocator (ns)", pins, "raw kfunc pair", raw,
                    "lower is better"))

    # Over the socket: one client, alloc then free, round trips in sequence.
    # The floor's client does the same work per call (encode the request,
    # parse the reply line); each run's ratio is taken against the floors
    # measured right after it, so that a change in the machine's load
    # moves both sides of that ratio. The first floor is the echo pair
    # plus the raw pair; then an echo server that runs the raw kfunc
    # program of each request inside it, as a daemon must; and the same
    # parsing each request with json-c besides.
    n = PAIRS // 10
    pair_floors = (("echo + raw pair inside", ("kfunc",)),
                   ("echo + json-c + raw pair", ("kfunc", "json")))
    sock, floors = [], {name: [] for name in ["echo pair + raw pair"] + [f for f, _ in pair_floors]}
    replies = pair_replies(fx, os.path.join(fx.dir, "pair-replies"))
    for _ in range(REPEAT):
        s, a = pairs(fx.socket, n)
        sock.append(s)
        floors["echo pair + raw pair"].append(
            on_echo(fx, echo_sock, replies, (), lambda path: pairs(path, n, a)[0]) +
            floor_pair("raw", PAIRS))
        for name, mode in pair_floors:
            floors[name].append(on_echo(fx, echo_sock, replies, mode,
                                        lambda path: pairs(path, n, a)[0]))
    for name, floor in floors.items():
        rows.append(row("alloc+free over the socket (ns)", sock, name, floor, "lower is better"))

print("throughput and cost against floors measured in this run, median of %d runs" % REPEAT)
print("%-36s %12s  %-24s %12s %8s" % ("path", "arenad", "floor", "floor", "ratio"))
for name, v, fname, fv, ratio, how in rows:
    print("%-36s %12.0f  %-24s %12.0f %7.2fx  (%s)" % (name, v, fname, fv, ratio, how))
