#!/usr/bin/env python3
# ARENAD_BIND() binds non-sleepable programs (tc and XDP) to arenad's arena
# without a kernel module: they load against the reused arena, read verdicts
# user space writes into the shared structure and count into it. The same
# code without the bind is rejected by the verifier for lacking an
# associated arena, which shows the bind is what makes it work. A second
# mapping request in the same process returns the first mapping.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

with at.Fixture(t, pages=32) as fx:
    a = fx.result("alloc", {"pages": 1, "owner": "bind-test", "name": "bind"})
    rc, out, err = fx.helper("loader_bind", fx.pin_dir, a["addr"])
    got = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    t.eq(rc, 0, "loader_bind ran" + ("" if rc == 0 else ": " + err.strip()[-2000:]))
    t.eq(got.get("load"), "0", "tc and XDP programs with ARENAD_BIND load against the reused arena")
    # 3 tc runs of 60, 61, 62 bytes with verdicts OK, SHOT, OK set in the arena.
    t.eq(got.get("tc"), "0,2,0 3 183", "tc: verdicts read from the arena, packets and bytes counted into it")
    # 2 XDP runs of 100 bytes with verdicts PASS, DROP; counters continue.
    t.eq(got.get("xdp"), "2,1 5 383", "XDP: the same structure, counters carried on from tc")
    t.eq(got.get("remap"), "SAME", "mapping the arena again in the same process returns the first mapping")
    t.eq(got.get("tc_unbound"), "-22 no-associated-arena",
         "the tc program without ARENAD_BIND is rejected: no associated arena")
    t.eq(got.get("xdp_unbound"), "-22 no-associated-arena", "so is the XDP one")

    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", a["addr"], 16)
    b = bytes.fromhex(out.strip() or "00" * 16)
    t.eq((int.from_bytes(b[:8], "little"), int.from_bytes(b[8:16], "little")), (5, 383),
         "another process reads the counters the programs wrote")
    t.eq({o["owner"]: o["pages"] for o in fx.result("stats")["owners"]}, {"bind-test": 1},
         "the shared page is accounted to its owner")
t.done()
