#!/usr/bin/env python3
# No client can lock others out: a per-uid share of the connections, a
# reserve that only root and the allowed writers can use, idle connections
# closed, and every refused client told why in a JSON-RPC error line.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
FLOOD = os.path.join(at.HELPERS, "conn_flood")
WRITER = 4242


def flood(fx, first_uid, count, mode):
    """Start conn_flood; returns (process, counts dict) once every child has
    its answer. The children hold their connections until release()."""
    p = fx.track(subprocess.Popen([FLOOD, fx.socket, str(first_uid), str(count), mode],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    words = p.stdout.readline().split()
    got = dict(zip(words[0:6:2], map(int, words[1:6:2])))
    got["codes"] = dict(tuple(map(int, c.split(":"))) for c in words[7:])
    return p, got


def release(p):
    p.stdin.close()
    p.wait(timeout=at.scaled(60))


with at.Fixture(t, pages=64, args=["--socket-mode", "0666", "--max-clients", "64",
                                   "--max-clients-per-uid", "8", "--idle-timeout", "3",
                                   "--allow-uid", str(WRITER)]) as fx:
    # One uid cannot take more than its share.
    p, got = flood(fx, 65534, 20, "same")
    t.eq((got.get("result"), got.get("error"), got.get("silent")), (8, 12, 0),
         "uid 65534 opening 20 connections: 8 served, 12 refused with an error, none silently")
    t.eq(got["codes"], {-32005: 12}, "refusals are -32005")
    # While they are held, root and an allowed writer work.
    t.eq(fx.result("ping"), {"pong": "arenad"}, "root is served meanwhile")
    rc, out, err = fx.ctl("alloc", "1", "--owner", "root-test")
    t.eq(rc, 0, "root's arenactl-client alloc works meanwhile (%s)" % err.strip())
    pw, gotw = flood(fx, WRITER, 20, "same")
    t.eq(gotw.get("result"), 20, "an allowed writer is not held to the per-uid share")
    release(pw)
    release(p)

    # 1,000 clients from 1,000 uids at once: each is answered or refused with
    # an error line, and root keeps its reserve throughout.
    p, got = flood(fx, 20000, 1000, "distinct")
    t.eq(got.get("silent"), 0, "1,000 clients from different uids: none refused silently")
    t.eq(got.get("result", 0) + got.get("error", 0), 1000,
         "all answered (%s served, %s refused)" % (got.get("result"), got.get("error")))
    t.ok(fx.result("stats")["clients"] <= 64, "no more than --max-clients connections are open")
    t.eq(fx.result("ping"), {"pong": "arenad"}, "root is served with 1,000 connections tried")
    rc, out, err = fx.ctl("query")
    t.eq(rc, 0, "root's arenactl-client query works meanwhile (%s)" % err.strip())
    release(p)
    with open(fx.log, errors="replace") as f:
        refusals = sum("refusing client" in line for line in f)
    t.ok(refusals <= 5, "refusals are logged rate-limited (%d lines for ~960 refusals)" % refusals)

    # Idle connections are closed; busy ones stay.
    silent = fx.client()
    partial = fx.client()
    partial.send_raw(b'{"jsonrpc":"2.0","id":1,"meth')
    busy = fx.client()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 6:
        busy.call("ping")
        time.sleep(0.5)
    t.ok(silent.closed_by_peer(timeout=at.scaled(1)), "a silent connection is closed after the idle timeout")
    t.ok(partial.closed_by_peer(timeout=at.scaled(1)), "a connection with half a request is closed too")
    t.eq(busy.call("ping").get("result"), {"pong": "arenad"}, "a connection in use stays open")
    for c in (silent, partial, busy):
        c.close()
t.done()
