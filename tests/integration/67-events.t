#!/usr/bin/env python3
# The event stream: `arenactl-client events -j` shows allocations and
# frees made over the socket, by a BPF program through arenad_alloc_pages()
# (the ledger API of arenad_ledger.bpf.h) and through the pinned allocator,
# each with its owner and pages, as they happen; filters by owner and kind;
# a fill threshold; an owner's and a uid's pages crossing a share of their
# page limits, either way, and refusals over them (quota events), for
# allocations by a BPF program and through libarenad's pinned allocator;
# arenas appearing and leaving; a subscriber that never
# reads holds a bounded queue and is told how many events it lost;
# shutdown is announced. The stream's metrics move with it.
# The BPF-program-to-event latency is printed (the issue's 100 ms is for
# real hardware; a guest is emulated) and held to a scaled bound.
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)

CHURN = 3000


class Events:
    """arenactl-client events -j ARGS, its lines collected with their
    arrival time (CLOCK_BOOTTIME, the clock of the events' time_ns)."""

    def __init__(self, fx, *args):
        self.p = fx.track(subprocess.Popen([at.CLIENT, "--socket", fx.socket, "events", "-j"] + list(args),
                                           stdout=subprocess.PIPE, stderr=fx.logf, text=True))
        self.events = []
        self.lock = threading.Lock()
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        for line in self.p.stdout:
            now = time.clock_gettime(time.CLOCK_BOOTTIME)
            try:
                e = json.loads(line)
            except ValueError:
                # kept, so that a check that misses events can say why
                e = {"kind": "unreadable", "line": line}
            with self.lock:
                self.events.append((now, e))

    def mark(self):
        """Where the events from now on start (addresses are reused)."""
        with self.lock:
            return len(self.events)

    def find(self, pred, since=0, timeout=10.0):
        """The first event from since on that pred accepts, waiting for
        it: (arrival, event) or None."""
        deadline = time.monotonic() + at.scaled(timeout)
        while time.monotonic() < deadline:
            with self.lock:
                for e in self.events[since:]:
                    if pred(e[1]):
                        return e
            time.sleep(0.01)
        return None

    def all(self):
        with self.lock:
            return [e[1] for e in self.events]


def subscribers(fx):
    return fx.result("stats")["events"]["subscribers"]


def metric(fx, name):
    m = re.search(r"^%s (\S+)$" % name, fx.result("metrics")["text"], re.M)
    return float(m.group(1)) if m else None


def stream_metrics(fx):
    return {n: metric(fx, "arenad_event_" + n) for n in
            ("subscribers", "notifications_total", "notifications_dropped_total",
             "records_total", "records_dropped_total")}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# The periodic census (and inventory) finds arenas appearing and leaving.
with at.Fixture(t, pages=1024, args=["--census-interval", "3"]) as fx:
    ev = Events(fx)
    only = Events(fx, "--owner", "bpf-owner", "--kind", "alloc")
    at.poll(lambda: subscribers(fx), lambda n: n >= 2, timeout=10)
    t.eq(subscribers(fx), 2, "two subscribers (stats.events.subscribers)")

    # (a) over the socket
    since = ev.mark()
    r = fx.result("alloc", {"pages": 3, "owner": "sock-owner", "name": "ev-name"})
    e = ev.find(lambda e: e.get("kind") == "alloc" and e.get("addr") == r["addr"], since)
    t.ok(e and e[1]["owner"] == "sock-owner" and e[1]["pages"] == 3 and e[1]["name"] == "ev-name",
         "a socket allocation is streamed with its owner, name and pages (%s)" % (e and e[1]))
    fx.result("free", {"addr": r["addr"]})
    e = ev.find(lambda e: e.get("kind") == "free" and e.get("addr") == r["addr"], since)
    t.ok(e and e[1]["owner"] == "sock-owner" and e[1]["pages"] == 3, "and its free")

    # (b) from a BPF program, through arenad_alloc_pages_as() in the ledger header
    ld = at.LedgerLoader(fx, "ev-ctr", "bpf-owner")
    t.ok(ld.ready.startswith("ready 0x"), "a loader runs a BPF object on the pinned ledger")
    since = ev.mark()
    start = time.clock_gettime(time.CLOCK_BOOTTIME)
    g = ld.cmd("grab 4")
    t.ok(g.startswith("ok 0x"), "its program allocates 4 pages (%s)" % g)
    addr = g.split()[1] if g.startswith("ok ") else None
    e = ev.find(lambda e: e.get("kind") == "alloc" and e.get("addr") == addr, since)
    t.ok(e and e[1]["owner"] == "bpf-owner" and e[1]["pages"] == 4,
         "the BPF program's allocation is streamed with its owner and pages (%s)" % (e and e[1]))
    if e:
        total = e[0] - start
        kernel = e[0] - e[1]["time_ns"] / 1e9
        t.diag("BPF allocation to event line: %.1f ms from the request, %.1f ms from the "
               "kernel's record (100 ms is the goal on real hardware; ARENAD_TEST_SLOW=%g)"
               % (total * 1e3, kernel * 1e3, at.SLOW))
        t.ok(kernel < at.scaled(0.5), "within a scaled bound of the allocation (%.1f ms)" % (kernel * 1e3))
    else:
        t.ok(False, "within a scaled bound of the allocation")
    d = ld.cmd("drop " + str(addr))
    e = ev.find(lambda e: e.get("kind") == "free" and e.get("addr") == addr, since)
    t.ok(d.startswith("ok") and e and e[1]["owner"] == "bpf-owner", "its free from BPF too")
    since, since_only = ev.mark(), only.mark()
    p = ld.cmd("pins-alloc 2")
    paddr = p.split()[1] if p.startswith("ok ") else None
    e = ev.find(lambda e: e.get("kind") == "alloc" and e.get("addr") == paddr, since)
    t.ok(e and e[1]["owner"] == "bpf-owner" and e[1]["pages"] == 2,
         "an allocation through libarenad's pinned allocator is streamed too (%s: %s)"
         % (p, e and e[1]))

    # filters
    e = only.find(lambda e: e.get("addr") == paddr, since_only)
    seen = only.all()
    t.ok(e and seen and all(x["kind"] == "alloc" and x["owner"] == "bpf-owner" for x in seen),
         "--owner bpf-owner --kind alloc: only those (%d events)" % len(seen))

    # fill threshold
    with fx.client() as fill:
        st = fx.result("stats")
        th = st["pages_allocated"] + 2
        rep = fill.call("subscribe", {"kinds": ["fill"], "fill_threshold": th})
        t.ok(rep.get("result", {}).get("subscribed"), "subscribe with a fill threshold")
        r = fx.result("alloc", {"pages": 3})
        n = fill.recv_line()
        t.ok(n.get("method") == "event" and n["params"]["kind"] == "fill" and n["params"]["rising"],
             "crossing it upwards is a fill event (%s)" % n)
        fx.result("free", {"addr": r["addr"]})
        n = fill.recv_line()
        t.ok(n["params"]["kind"] == "fill" and not n["params"]["rising"], "and downwards")

    # quota thresholds: bpf-owner's limit and uid 0's (the loader's and
    # this test's uid), each set so that 50% lies 2 and 3 pages above what
    # it holds now
    def quota(**params):
        return fx.result("quota", params)
    held, uheld = quota(op="get", owner="bpf-owner")["pages"], quota(op="get", uid=0)["pages"]
    quota(op="set", owner="bpf-owner", pages=2 * (held + 2))
    quota(op="set", uid=0, pages=2 * (uheld + 3))
    other = Events(fx, "--owner", "someone-else", "--kind", "quota", "--quota", "50")
    text = fx.track(subprocess.Popen([at.CLIENT, "--socket", fx.socket, "events", "--kind", "quota",
                                      "--quota", "50"], stdout=subprocess.PIPE, stderr=fx.logf, text=True))
    with fx.client() as qs:
        rep = qs.call("subscribe", {"kinds": ["quota"], "quota_threshold": 50})
        t.ok(rep.get("result", {}).get("subscribed"), "subscribe with a quota threshold of 50%")
        at.poll(lambda: subscribers(fx), lambda n: n >= 5, timeout=10)

        def two(what):
            got = [qs.recv_line().get("params", {}) for _ in range(2)]
            by = {p.get("limit_kind"): p for p in got}
            t.diag("%s: %s" % (what, got))
            return by.get("owner", {}), by.get("uid", {})

        g = ld.cmd("grab 4")
        gaddr = g.split()[1] if g.startswith("ok ") else None
        o, u = two("a BPF program's allocation")
        t.ok(o.get("kind") == "quota" and o.get("owner") == "bpf-owner" and o.get("rising") is True
             and o.get("pages") == held + 4 and o.get("limit") == 2 * (held + 2),
             "a BPF program's allocation over 50%% of its owner's limit is a rising quota event (%s)" % o)
        t.ok(u.get("uid") == 0 and u.get("rising") is True and u.get("pages") == uheld + 4
             and u.get("limit") == 2 * (uheld + 3) and u.get("owner") == "bpf-owner",
             "and over 50%% of its uid's limit (%s)" % u)
        ld.cmd("drop " + str(gaddr))
        o, u = two("its free")
        t.ok(o.get("rising") is False and o.get("pages") == held and u.get("rising") is False
             and u.get("pages") == uheld, "its free falls below both again")

        p = ld.cmd("pins-alloc 4")
        p2 = p.split()[1] if p.startswith("ok ") else None
        o, u = two("a pinned-allocator allocation")
        t.ok(o.get("rising") is True and o.get("owner") == "bpf-owner" and u.get("rising") is True,
             "an allocation through libarenad's pinned allocator crosses them too (%s: %s, %s)"
             % (p, o, u))
        fx.result("free", {"addr": p2})
        o, u = two("its free over the socket")
        t.ok(o.get("rising") is False and u.get("rising") is False, "and its free, both ways down")

        # a refusal leaves no record: the owner's refusal counter tells
        r = ld.cmd("grab %d" % (2 * (held + 2)))
        n = qs.recv_line().get("params", {})
        t.ok(r.startswith("error") and n.get("owner") == "bpf-owner" and n.get("refused") == 1
             and n.get("limit_kind") == "owner" and n.get("pages") == held,
             "an allocation refused over the limit is a quota event with the refusals (%s: %s)"
             % (r, n))
    t.eq([x for x in other.all() if x.get("kind") != "dropped"], [],
         "a subscriber of another owner's quota events got none of these")
    first = text.stdout.readline().strip()
    t.eq(first, "quota: owner bpf-owner holds %d of %d pages (its own limit), above the threshold"
         % (held + 4, 2 * (held + 2)), "arenactl-client events prints a quota event for people")
    text.terminate()
    quota(op="set", owner="bpf-owner")
    quota(op="set", uid=0)
    other.p.terminate()

    # (c) a subscriber that never reads, while many allocations happen
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(fx.socket)
    limit = 8192
    slow.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"queue_bytes":%d}}\n' % limit)
    at.poll(lambda: subscribers(fx), lambda n: n >= 3, timeout=10)
    m0 = stream_metrics(fx)
    rss0 = rss_kib(fx.proc.pid)
    c = ld.cmd("churn %d" % CHURN)
    t.eq(c, "ok %d" % CHURN, "a BPF program allocates and frees %d times" % CHURN)
    churn = lambda e: e.get("owner") == "bpf-owner" and e.get("pages") == 1 and e.get("kind") in ("alloc", "free")  # noqa: E731
    at.poll(lambda: fx.result("stats")["events"], lambda s: s["received"] >= 2 * CHURN - s["ring_dropped"] + 8,
            timeout=30)
    st = fx.result("stats")["events"]
    rss1 = rss_kib(fx.proc.pid)
    t.diag("after %d events: stats.events %s; daemon RSS %d -> %d KiB" % (2 * CHURN, st, rss0, rss1))
    t.ok(st["dropped"] > 0, "the subscriber that does not read loses events, counted (%d)" % st["dropped"])
    m1 = stream_metrics(fx)
    t.diag("stream metrics before and after: %s, %s" % (m0, m1))
    t.ok(m1["records_total"] - m0["records_total"] >= 2 * CHURN - (m1["records_dropped_total"] - m0["records_dropped_total"])
         and m1["records_dropped_total"] == st["ring_dropped"],
         "arenad_event_records_total counts the records read, _dropped_total the ring buffer's drops")
    t.ok(m1["notifications_total"] > m0["notifications_total"] + 1000
         and m1["notifications_dropped_total"] - m0["notifications_dropped_total"] > 0
         and m1["notifications_dropped_total"] == st["dropped"] and m1["subscribers"] == st["subscribers"],
         "arenad_event_notifications_total and _dropped_total move, arenad_event_subscribers counts")
    # The readers' queues drain; the silent one's stays at its limit.
    at.poll(lambda: fx.result("stats")["events"], lambda s: s["queued_bytes"] <= limit, timeout=10)
    st = fx.result("stats")["events"]
    t.ok(st["queued_bytes"] <= limit and st["held_bytes"] <= limit + 65536,
         "what it holds is bounded by its limit: %d bytes queued, %d held (limit %d)"
         % (st["queued_bytes"], st["held_bytes"], limit))
    # The reader got them all, or was told what it lost: with the next
    # event that reaches it.
    fx.result("alloc", {"pages": 1, "owner": "after"})
    after = ev.find(lambda e: e.get("owner") == "after", timeout=30)

    def tally():
        seen = ev.all()
        return (len([x for x in seen if churn(x)]),
                sum(x.get("count", 0) for x in seen if x.get("kind") == "dropped"))
    got, lost = at.poll(tally, lambda gl: gl[0] + gl[1] >= 2 * CHURN - st["ring_dropped"], timeout=10)
    odd = [x for x in ev.all() if x.get("kind") not in ("alloc", "free", "dropped", "census", "arena")]
    t.diag("the reading subscriber: %d churn events, %d reported dropped; ring buffer drops %d; "
           "'after' %s; other lines: %s" % (got, lost, st["ring_dropped"],
                                           "arrived" if after else "did not arrive", odd[:5]))
    t.ok(after and got + lost >= 2 * CHURN - st["ring_dropped"] and got > 0,
         "a reading subscriber gets each event or a count of what it lost")

    # The silent one reads at last: what was queued, then a count of the rest.
    slow.settimeout(at.scaled(0.5))
    buf = b""
    try:
        while True:
            chunk = slow.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    fx.result("alloc", {"pages": 1, "owner": "after2"})
    slow.settimeout(at.scaled(10))
    tail = b""
    while b'"owner":"after2"' not in tail:
        chunk = slow.recv(65536)
        if not chunk:
            break
        tail += chunk
    lines = []
    for x in tail.splitlines():
        try:
            lines.append(json.loads(x))
        except ValueError:
            pass	# the end of a line sent before

    dropped = [x for x in lines if x.get("method") == "dropped"]
    t.ok(dropped and dropped[0]["params"]["count"] > 0 and lines[-1]["params"].get("owner") == "after2",
         "when it reads again, a 'dropped' notification counts what it lost (%s)"
         % (dropped and dropped[0]["params"]))
    slow.close()

    # another program's arena appears on the host, and leaves
    with fx.client(timeout=60) as arenas:
        arenas.call("subscribe", {"kinds": ["arena"]})
        fa = at.ForeignArena(fx, "--pages", 64, "--addr", "0x300000000000", "--alloc", 1)
        n = arenas.recv_line().get("params", {})
        t.ok(n.get("kind") == "arena" and n.get("map_id") == fa.id and n.get("appeared") is True
             and n.get("pages_total") == 64, "another program's new arena is an event (%s)" % n)
        fa.exit()
        n = arenas.recv_line().get("params", {})
        t.ok(n.get("map_id") == fa.id and n.get("appeared") is False, "and its end (%s)" % n)

    # shutdown
    fx.stop()
    e = ev.find(lambda e: e.get("kind") == "shutdown")
    t.ok(e is not None, "stopping the daemon is announced")
    try:
        rc = ev.p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    t.eq(rc, 0, "arenactl-client events ends when the daemon closes")

t.done()
