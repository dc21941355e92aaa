#!/usr/bin/env python3
# Leases: an allocation that ends with its holder. A process lease is
# freed when its process dies, however it dies (SIGKILL here), on the
# socket path (arenactl-client alloc --lease process -- COMMAND: the
# command holds it) and on the pinned path (libarenad's
# arenad_alloc_opts.lease); within a second of the kill (a deadline scaled
# for emulation, the time taken printed). A connection lease is freed when
# the client's connection closes. A holder that dies while arenad is down
# is found when it comes back; connection leases end with the daemon that
# held their connections, also when it is killed. Every end is logged with
# owner, pages and why; persistent allocations and other holders' leases
# are untouched; bad lease words are refused.
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def ranges(fx, owner):
    return fx.result("ranges", {"owner": owner})


def gone_after_kill(fx, proc, owner):
    """SIGKILL proc, reap it, and wait until owner holds nothing: the
    seconds that took, or None."""
    start = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = at.poll(lambda: ranges(fx, owner), lambda v: v == [], timeout=1.0, interval=0.01)
    took = time.monotonic() - start
    return took if left == [] else None


def clients(fx):
    """Connections open, this one's included: a closed one is gone once the
    daemon saw it close (and ended its leases)."""
    return fx.result("stats")["clients"]


def log_text(fx):
    fx.logf.flush()
    with open(fx.log, errors="replace") as f:
        return f.read()


def holder_cli(fx, owner, pages, *cmd):
    """arenactl-client alloc --lease process -- sh, which says where the
    pages are and becomes cmd: (process, that line)."""
    p = fx.track(subprocess.Popen([at.CLIENT, "--socket", fx.socket, "alloc", str(pages), "--owner",
                                   owner, "--lease", "process", "--", "sh", "-c",
                                   'echo "$ARENAD_ADDR $ARENAD_PAGES"; exec "$@"', "sh"] + list(cmd),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return p, p.stdout.readline().strip()


def holder_pins(fx, owner, pages):
    """loader_pins ... lease: a process lease through the pinned allocator."""
    p = fx.track(subprocess.Popen([os.path.join(at.HELPERS, "loader_pins"), fx.pin_dir, "lease",
                                   str(pages), owner], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return p, p.stdout.readline().strip()


with at.Fixture(t, pages=256) as fx:
    fx.result("alloc", {"pages": 3, "owner": "keeper"})

    # -- a process lease on the socket: the command after "--" holds it ------
    p, line = holder_cli(fx, "cli-held", 4, "sleep", "600")
    rs = at.poll(lambda: ranges(fx, "cli-held"), lambda v: len(v) == 1, timeout=10)
    t.ok(len(rs) == 1 and line == "%s 4" % rs[0]["addr"],
         "the command runs with the allocation in ARENAD_ADDR and ARENAD_PAGES (%r)" % line)
    r = rs[0] if rs else {}
    t.eq((r.get("lease"), r.get("pid"), r.get("comm")), ("process", p.pid, "arenactl-client"),
         "ranges shows the lease and its holder: the client, whose process the command now is")
    took = gone_after_kill(fx, p, "cli-held")
    t.ok(took is not None, "killed with SIGKILL, its pages are freed within a second%s (%s)"
         % (" (x%g under emulation)" % at.scaled(1) if at.scaled(1) != 1 else "",
            "%.3f s" % took if took is not None else "not freed"))
    t.ok(re.search(r"lease ended: freed 4 pages at %s of owner 'cli-held': its holder, pid %d "
                   r"\(arenactl-client\), exited" % (re.escape(r.get("addr", "?")), p.pid), log_text(fx)),
         "the daemon logs the end: owner, pages, address and why")

    # -- a process lease on the pinned path --------------------------------
    p, line = holder_pins(fx, "pins-held", 2)
    t.ok(line.startswith("ok 0x"), "libarenad allocates with arenad_alloc_opts.lease (%s)" % line)
    r = (ranges(fx, "pins-held") or [{}])[0]
    t.eq((r.get("lease"), r.get("pid"), r.get("comm")), ("process", p.pid, "loader_pins"),
         "the ledger names the loader as its holder")
    took = gone_after_kill(fx, p, "pins-held")
    t.ok(took is not None, "killed with SIGKILL, its pages are freed within a second (%s)"
         % ("%.3f s" % took if took is not None else "not freed"))
    r = subprocess.run([os.path.join(at.HELPERS, "loader_pins"), fx.pin_dir, "lease", "1", "pins-held"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=at.scaled(30))
    t.ok(r.returncode == 0 and r.stdout.startswith("ok 0x"),
         "a holder that exits on its own (stdin closed) ...")
    t.eq(at.poll(lambda: ranges(fx, "pins-held"), lambda v: v == [], timeout=10), [],
         "... is a holder gone too")

    # -- a connection lease ---------------------------------------------------
    with fx.client() as c:
        a = c.call("alloc", {"pages": 5, "owner": "conn-held", "lease": "connection"})
        t.eq(a.get("result", {}).get("lease"), "connection", "alloc --lease connection answers")
        b = c.call("alloc", {"pages": 1, "owner": "conn-held"})
        t.eq([x.get("lease") for x in ranges(fx, "conn-held")], ["connection", None],
             "while the connection is open, the leased one and a persistent one are there")
    rs = at.poll(lambda: ranges(fx, "conn-held"), lambda v: len(v) == 1, timeout=10)
    t.eq([(x["pages"], x.get("lease")) for x in rs], [(1, None)],
         "the connection closed: its lease is freed, the persistent one stays")
    t.ok("of owner 'conn-held': the connection it was made on closed" in log_text(fx),
         "and the end is logged")
    with fx.client() as c:
        a = c.call("alloc", {"pages": 2, "owner": "conn-held", "lease": "connection"})
        f = c.call("free", {"addr": a["result"]["addr"]})
        t.ok("result" in f, "a leased allocation can be freed before its lease ends")
        again = c.call("alloc", {"pages": 2, "owner": "conn-held2"})
        t.eq(again.get("result", {}).get("addr"), a["result"]["addr"],
             "another allocation takes its address on the same connection")
    at.poll(lambda: clients(fx), lambda n: n == 1, timeout=10)
    t.eq([x["owner"] for x in ranges(fx, "conn-held2")], ["conn-held2"],
         "closing that connection does not free the later allocation at that address")

    # -- bad words ------------------------------------------------------------
    r = fx.rpc("alloc", {"pages": 1, "lease": "forever"})
    t.eq(at.error_code(r), -32602, "an unknown lease word is refused (%s)" % r.get("error", {}).get("message"))
    rc, out, err = fx.ctl("alloc", "1", "--lease", "connection", "--", "true")
    t.ok(rc == 2 and "--lease process" in err, "a command after -- needs --lease process (%s)" % err.strip())

    # -- across restarts ---------------------------------------------------------
    p, line = holder_cli(fx, "outlived", 6, "sleep", "600")
    q, line2 = holder_cli(fx, "survivor", 7, "sleep", "600")
    at.poll(lambda: ranges(fx, "survivor"), lambda v: len(v) == 1, timeout=10)
    c = fx.client()
    c.call("alloc", {"pages": 8, "owner": "conn-killed", "lease": "connection"})
    fx.stop(signal.SIGKILL)
    c.close()
    p.send_signal(signal.SIGKILL)
    p.wait()
    fx.start()
    t.eq(ranges(fx, "outlived"), [], "a holder that died while arenad was down: freed at start")
    t.eq(ranges(fx, "conn-killed"), [],
         "a connection lease of a daemon that was killed: freed at start")
    t.eq([x["pages"] for x in ranges(fx, "survivor")], [7],
         "a holder still alive keeps its lease across the restart ...")
    text = log_text(fx)
    t.ok("of owner 'conn-killed': the connection it was made on closed when arenad stopped" in text,
         "the restart's ends are logged with why")
    took = gone_after_kill(fx, q, "survivor")
    t.ok(took is not None, "... and the restarted daemon frees it when it dies (%s)"
         % ("%.3f s" % took if took is not None else "not freed"))

    # -- a clean stop ends the connection leases it holds ---------------------
    c = fx.client()
    c.call("alloc", {"pages": 9, "owner": "conn-stopped", "lease": "connection"})
    fx.stop()
    fx.start()
    c.close()
    t.eq(ranges(fx, "conn-stopped"), [], "arenad's own stop ends its connections' leases")
    t.eq([x["pages"] for x in ranges(fx, "keeper")], [3], "the persistent allocation is untouched")
    st = fx.result("stats")
    t.eq(st["pages_allocated"], 3 + 1 + 2, "stats: only the persistent pages remain (keeper, conn-held, conn-held2)")

t.done()
