#!/usr/bin/env python3
# arenad_reuse() refuses objects that would misuse or corrupt the shared
# arena, each with a message that says what is wrong and what to do, and
# accepts an object whose arena flavour matches a --segv-on-fault daemon.
# (tests/integration/70-examples.t covers __arena globals, a SEGV_ON_FAULT
# mismatch and an occupied address range.)
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def refuse(fx, mode):
    rc, out, err = fx.helper("loader_refuse", fx.pin_dir, mode)
    return out.strip() or err.strip()


with at.Fixture(t, pages=32) as fx:
    r = refuse(fx, "notarena")
    t.ok(r.startswith("refused -22:") and "not an arena" in r and "ARENAD_ARENA_MAP" in r,
         "a map called 'arena' that is an array is refused: %s" % r)
    r = refuse(fx, "badledger")
    # The pin's own sizes come from the current ABI (arenad_abi.h).
    pin = re.search(r"owners is type \d+, key \d+, value (\d+) bytes", r)
    t.ok(r.startswith("refused -22:") and "arenad_owners" in r and "value 8 bytes, but" in r and
         pin is not None and pin.group(1) != "8",
         "a ledger map declared with another value size is refused: %s" % r)
    r = refuse(fx, "badopts")
    t.ok(r.startswith("refused -22:") and "arenad_reuse_opts" in r,
         "opts with a field this library does not know are refused, not ignored")
    r = refuse(fx, "segv")
    t.ok(r.startswith("refused -22:") and "SEGV_ON_FAULT" in r,
         "a SEGV_ON_FAULT object against a plain arena is refused")
    t.eq(fx.result("stats")["pages_allocated"], 0, "no refusal touched the ledger")

with at.Fixture(t, pages=32, args=["--segv-on-fault"]) as fx:
    t.eq(refuse(fx, "segv"), "accepted load 0 map ok",
         "ARENAD_ARENA_MAP_FLAGS(arena, BPF_F_SEGV_ON_FAULT) fits a --segv-on-fault daemon: reuse, load, map")
    rc, out, err = fx.example("shared-counter", "--bumps", 1)
    t.ok(rc != 0 and "without BPF_F_SEGV_ON_FAULT" in err,
         "a plain ARENAD_ARENA_MAP object is refused there: %s" % err.strip())
t.done()
