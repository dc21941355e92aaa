#!/usr/bin/env python3
# libarenad's typed socket calls return what the daemon says, map its
# errors to negative errnos, and keep the daemon's message.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

with at.Fixture(t, pages=64) as fx:
    rc, out, err = fx.helper("libclient", fx.socket)
    got = dict(line.split(" ", 1) for line in out.splitlines())
    t.eq(rc, 0, "the typed-call exerciser ran")
    t.eq(got.get("ping"), "0", "arenad_client__ping")
    t.eq(got.get("version"), "0 " + fx.result("version")["version"], "arenad_client__version")
    t.eq(got.get("alloc"), "0 0x100000000000 3 lib libnamed", "arenad_client__alloc fills the result")
    t.eq(got.get("alloc-dup"), "-17 -32004 name 'libnamed' is already in use",
         "a conflict is -EEXIST, with the daemon's code and message")
    t.eq(got.get("lookup"), "0 0x100000000000 3 lib", "arenad_client__lookup")
    t.eq(got.get("stats"), "0 64 3 1 0x100000000000 " + fx.pin_dir, "arenad_client__stats")
    t.eq(got.get("stats-more"), "1 0 %d -1 0 %s" % (3 * 4096, fx.result("stats")["census_method"]),
         "arenad_client__stats carries the daemon's other fields (totals, bytes, numa, census)")
    t.eq(got.get("owners"), "0 1 lib/3/1", "arenad_client__owners")
    t.eq(got.get("ranges"), "0 1 0x100000000000/3/lib", "arenad_client__ranges")
    t.eq(got.get("ranges-owner"), "0 0", "arenad_client__ranges with an owner filter")
    t.eq(got.get("scan"), "0 3 3 0 0 " + fx.result("version")["census_method"],
         "arenad_client__scan, with its (empty) lists")
    rc_call, text = got.get("call", "1 null").split(" ", 1)
    res = json.loads(text)
    t.eq((rc_call, res.get("addr"), res.get("pages"), res.get("owner"), res.get("name")),
         ("0", "0x100000000000", 3, "lib", "libnamed"), "arenad_client__call takes and returns JSON text")
    t.eq(got.get("free"), "0 3", "arenad_client__free returns the page count")
    t.eq(got.get("free-again"), "-2 -32003", "a double free is -ENOENT")
    t.eq(fx.result("stats")["pages_allocated"], 0, "the daemon agrees: nothing left")

    rc, out, err = fx.helper("libclient", fx.socket, "chosen")
    t.eq(out.strip(), "chosen 0 uid:0 0", "arenad_client__alloc reports the owner and uid the daemon chose")

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
t.eq(out.strip(), "open -2 connect to /nonexistent.sock: No such file or directory "
     "(is arenad running?)", "connecting to a missing socket is -ENOENT, and the message names it")
t.done()
