#!/usr/bin/env python3
# The daemon's method handlers on a real arena, without the server: each
# request a call that no connection carries (build/tests/handlers, from
# tests/handlers/handlers.c), and each again with every allocation it
# makes failing in turn. The program prints TAP; each of its lines is a
# test here. Its arena and pins live in the fixture's private bpffs.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
with at.Fixture(t, start=False) as fx:
    os.mkdir(fx.pin_dir)
    r = subprocess.run([os.path.join(at.HELPERS, "handlers"), fx.pin_dir, fx.socket],
                       capture_output=True, text=True, timeout=at.scaled(300))
    seen = 0
    for line in r.stdout.splitlines():
        ok, _, rest = line.partition(" - ")
        if line.startswith(("ok ", "not ok ")):
            t.ok(ok.startswith("ok "), rest)
            seen += 1
        elif line.startswith("#"):
            t.diag(line[1:].strip())
        elif line.startswith("Bail out!"):
            t.ok(False, line)
    if r.stderr.strip():
        t.diag(r.stderr.strip()[-2000:])
    t.eq(r.returncode, 0, "the handlers' program exits 0")
    t.ok(seen >= 20, "it ran its %d checks" % seen)
    t.eq(sorted(os.listdir(fx.pin_dir)), [], "it removed the pins its arena made")
    t.ok(not os.path.exists(fx.socket), "and its socket")
t.done()
