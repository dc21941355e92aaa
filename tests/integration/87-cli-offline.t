#!/usr/bin/env python3
# arenactl-client --pin-dir DIR: query, ranges and lookup read the pins
# directly while the daemon is down, owner and name strings resolved, and
# change nothing; the other commands, a missing pin dir and a user without
# BPF privileges fail with their exit codes.
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def run(*args, user=None):
    argv = [at.CLIENT] + list(args)
    if user:
        argv = at.as_user(user) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=at.scaled(30))
    return r.returncode, r.stdout, r.stderr


with at.Fixture(t, pages=64) as fx:
    a = fx.result("alloc", {"pages": 5, "owner": "offline-owner", "name": "offline-name"})
    fx.result("alloc", {"pages": 2, "owner": "other-owner"})
    b = fx.result("alloc", {"pages": 1, "owner": "other-owner"})
    fx.result("free", {"addr": b["addr"]})
    online = fx.result("stats")
    online_ranges = fx.result("ranges")
    fx.stop()
    t.ok(not fx.can_connect(), "the daemon is down")
    P = ["--pin-dir", fx.pin_dir]

    rc, out, err = run(*P, "query")
    t.ok(rc == 0 and "offline-owner" in out and "other-owner" in out and re.search(r"^used\s+7 pages", out, re.M),
         "query from the pins: owners resolved, 7 pages used")
    t.ok(rc == 0 and "offline" in out and "census" in out, "and says it is offline, without a census")
    t.ok(all(len(ln) <= 80 for ln in out.splitlines()), "every line fits 80 columns")
    if rc:
        t.diag(err)
    rc, out, err = run(*P, "query", "-j")
    q = json.loads(out) if rc == 0 else {}
    t.eq((q.get("pages_total"), q.get("pages_allocated"), q.get("allocations"), q.get("frees_total")),
         (online["pages_total"], online["pages_allocated"], online["allocations"], online["frees_total"]),
         "query -j from the pins agrees with the daemon's stats")
    t.eq(sorted((o["owner"], o["pages"]) for o in q.get("owners", [])),
         [("offline-owner", 5), ("other-owner", 2)], "per-owner pages from the ledger")

    rc, out, err = run("ranges", *P)
    t.ok(rc == 0 and a["addr"] in out and "offline-name" in out and "offline-owner" in out,
         "ranges from the pins, names resolved")
    rc, out, err = run("-j", "ranges", *P)
    t.eq([(r["addr"], r["pages"], r["owner"], r.get("name")) for r in json.loads(out)],
         [(r["addr"], r["pages"], r["owner"], r.get("name")) for r in online_ranges],
         "ranges -j from the pins equals the daemon's ranges")
    rc, out, err = run(*P, "ranges", "--owner", "other-owner", "-j")
    t.eq([r["owner"] for r in json.loads(out)], ["other-owner"], "ranges --owner filters")
    rc, out, err = run(*P, "lookup", "offline-name")
    t.ok(rc == 0 and a["addr"] in out, "lookup from the pins")
    rc, out, err = run(*P, "lookup", "no-such-name", "-j")
    e = json.loads(out).get("error", {}) if out else {}
    t.ok(rc == 5 and e.get("code") == -2 and "no-such-name" in e.get("message", ""),
         "an unknown name: exit 5, a JSON error")

    rc, out, err = run(*P, "alloc", "1")
    t.ok(rc == 2 and "needs the daemon" in err, "alloc with --pin-dir: a usage error (read-only)")
    rc, out, err = run("--pin-dir", os.path.join(fx.dir, "nothing-here"), "query")
    t.ok(rc == 5 and "no arenad pins" in err, "a pin dir without pins: exit 5 (%s)" % err.strip())
    rc, out, err = run(*P, "query", user="nobody")
    t.ok(rc == 4, "without BPF privileges: exit 4 (%d: %s)" % (rc, err.strip()))

    # Read-only: the daemon adopts the pins and finds everything as it was.
    fx.start()
    after = fx.result("stats")
    t.eq((after["pages_allocated"], after["allocations_total"], after["frees_total"]),
         (online["pages_allocated"], online["allocations_total"], online["frees_total"]),
         "reading the pins changed nothing")
t.done()
