#!/usr/bin/env python3
"""Start-up after READY: the socket answers before the census and the
inventory are loaded; requests that need them (scan, arenas, who) wait and
are answered once start-up is done, never refused; version and stats say
that start-up is still running meanwhile."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402


def connect(path, deadline):
    while time.monotonic() < deadline:
        try:
            return at.Client(path, timeout=30)
        except OSError:
            time.sleep(0.001)
    raise RuntimeError("the socket did not accept connections")


t = at.Tap()
with at.Fixture(t, pages=256, start=False) as fx:
    for attempt in ("fresh", "adopting pins"):
        fx.spawn()
        deadline = time.monotonic() + at.scaled(20)
        first = connect(fx.socket, deadline)
        v = first.call("version")["result"]
        t.ok(v["starting"], "%s: the socket answers while start-up runs" % attempt)
        st = first.call("stats")["result"]
        t.ok(st["census_method"] is None and st["census_unavailable"].startswith("starting"),
             "%s: stats says the census is starting: %s" % (attempt, st.get("census_unavailable")))
        # Sent while starting, on separate connections: all wait, none is refused.
        clients = {m: connect(fx.socket, deadline) for m in ("scan", "arenas")}
        for m, c in clients.items():
            c.send_raw(b'{"jsonrpc":"2.0","id":7,"method":"%s"}\n' % m.encode())
        # Other requests are answered meanwhile.
        t.ok("result" in first.call("ping"), "%s: ping is answered while they wait" % attempt)
        scan = clients["scan"].recv_line()
        t.ok("result" in scan and scan["id"] == 7 and scan["result"]["pages_present"] == 0,
             "%s: a scan sent during start-up is answered with a census: %r"
             % (attempt, scan.get("error")))
        arenas = clients["arenas"].recv_line()
        t.ok("result" in arenas and any(a["managed"] for a in arenas["result"]),
             "%s: arenas sent during start-up lists the managed arena" % attempt)
        v = first.call("version")["result"]
        t.ok(not v["starting"] and v["census_method"], "%s: then start-up is done (%s)"
             % (attempt, v["census_method"]))
        for c in list(clients.values()) + [first]:
            c.close()
        fx.stop()

    # A request without a newline, the client's last, sent while starting.
    fx.spawn()
    c = connect(fx.socket, time.monotonic() + at.scaled(20))
    c.send_raw(b'{"jsonrpc":"2.0","id":9,"method":"scan"}')
    c.sock.shutdown(socket.SHUT_WR)
    r = c.recv_line()
    t.ok(r.get("id") == 9 and "result" in r, "a final request without a newline is answered too")
    c.close()
    fx.stop()

    # SIGTERM at any moment of start-up after READY, also while the first inventory is
    # still being taken on the census worker, is a clean exit: the jobs in
    # flight are delivered before what their callbacks use is freed.
    statuses = []
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8):
        fx.spawn()
        connect(fx.socket, time.monotonic() + at.scaled(20)).close()
        time.sleep(delay)
        statuses.append(fx.stop())
    t.eq(statuses, [0] * len(statuses), "SIGTERM at moments of start-up: exit status 0 each time")
t.done()
