#!/usr/bin/env python3
# libarenad's typed socket calls return what the daemon says, map its
# errors to negative errnos, and keep the daemon's message.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

with at.Fixture(t, pages=64) as fx:
    rc, out, err = fx.helper("libclient", fx.socket)
    got = dict(line.split(" ", 1) for line in out.splitlines())
    t.eq(rc, 0, "the typed-call exerciser ran")
    t.eq(got.get("ping"), "0", "arenad_client_ping")
    t.eq(got.get("version"), "0 " + fx.result("version")["version"], "arenad_client_version")
    t.eq(got.get("alloc"), "0 0x100000000000 3 lib libnamed", "arenad_client_alloc fills the result")
    t.eq(got.get("alloc-dup"), "-17 -32004 name 'libnamed' is already in use",
         "a conflict is -EEXIST, with the daemon's code and message")
    t.eq(got.get("lookup"), "0 0x100000000000 3 lib", "arenad_client_lookup")
    t.eq(got.get("stats"), "0 64 3 1 0x100000000000 " + fx.pin_dir, "arenad_client_stats")
    t.eq(got.get("ranges"), "0 1 0x100000000000/3/lib", "arenad_client_ranges")
    t.eq(got.get("scan"), "0 3 3 " + fx.result("version")["census_method"], "arenad_client_scan")
    t.eq(got.get("free"), "0 3", "arenad_client_free returns the page count")
    t.eq(got.get("free-again"), "-2 -32003", "a double free is -ENOENT")
    t.eq(fx.result("stats")["pages_allocated"], 0, "the daemon agrees: nothing left")

    rc, out, err = fx.helper("libclient", fx.socket, "chosen")
    t.eq(out.strip(), "chosen 0 uid:0 0", "arenad_client_alloc reports the owner and uid the daemon chose")

# A call that times out leaves its reply in flight: later calls must not
# read it as theirs (they were 'malformed reply', forever).
with at.Fixture(t, pages=1 << 20) as fx:
    rc, out, err = fx.helper("libclient", fx.socket, "timeout")
    f = out.split(" ", 4)
    t.eq(f[:4], ["timeout", "-110", "-32", "-32"],
         "after a timeout (-ETIMEDOUT) the client is broken: -EPIPE, also once the late reply came")
    t.ok(len(f) == 5 and "open a new client" in f[4] and "talk to arenad" in f[4],
         "and says why (%s)" % (f[4:] or err))
    t.eq(fx.result("ping"), {"pong": "arenad"}, "the daemon itself is fine")

rc, out, err = (lambda r: (r.returncode, r.stdout, r.stderr))(
    __import__("subprocess").run([os.path.join(at.HELPERS, "libclient"), "/nonexistent.sock"],
                                 capture_output=True, text=True))
t.eq(out.strip(), "open -2", "connecting to a missing socket is -ENOENT")
t.done()
