#!/usr/bin/env python3
# A start that fails after it created pins removes exactly those pins (the
# pin dir is as it found it, the directories it created go too), and never
# pins it adopted; --unpin of a directory that does not exist says so. The periodic
# census logs a change of the unaccounted/missing figures once, not the
# same warning every interval.
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def pins(fx):
    return sorted(os.listdir(fx.pin_dir)) if os.path.isdir(fx.pin_dir) else []


with at.Fixture(t, pages=32, start=False) as fx:
    # The socket path is a regular file: the server refuses it, after
    # the arena was created and pinned.
    blocker = os.path.join(fx.dir, "not-a-socket")
    open(blocker, "w").close()
    rc, out = fx.run_daemon(["--socket", blocker])
    t.ok(rc != 0 and "not a socket" in out, "start fails when the socket path is a file (rc %d)" % rc)
    t.eq(pins(fx), [], "the failed start removed every pin it had created")
    t.ok("removed the 13 pins" in out, "and says so")
    t.ok(not os.path.exists(fx.pin_dir), "and the pin directory it had created")
    if rc == 0 or pins(fx) or os.path.exists(fx.pin_dir):
        t.diag(out)
    # Several levels: each one it created goes, the bpffs mount stays.
    deep = os.path.join(fx.bpffs, "a", "b", "pins")
    rc, out = fx.run_daemon(["--socket", blocker, "--pin-dir", deep])
    t.ok(rc != 0 and not os.path.exists(os.path.join(fx.bpffs, "a")) and os.path.ismount(fx.bpffs),
         "a failed start with --pin-dir %s removes the levels it created" % deep)
    # A directory that was there stays, empty or not.
    os.mkdir(os.path.join(fx.bpffs, "mine"))
    rc, out = fx.run_daemon(["--socket", blocker, "--pin-dir", os.path.join(fx.bpffs, "mine")])
    t.ok(rc != 0 and os.path.isdir(os.path.join(fx.bpffs, "mine")),
         "a pin directory that existed before the failed start stays")
    os.rmdir(os.path.join(fx.bpffs, "mine"))
    # --unpin where there is nothing: the message says what is wrong.
    rc, out = fx.run_daemon(["--unpin", "--pin-dir", os.path.join(fx.dir, "nonexistent", "x")])
    t.ok(rc != 0 and "does not exist" in out and "Operation not supported" not in out,
         "--unpin of a directory that does not exist says so: %r" % out.strip())

    # Now a good start creates the pins; a second start that fails adopts
    # them first: they stay, with the allocation in them.
    fx.start()
    a = fx.result("alloc", {"pages": 3, "owner": "keep", "name": "kept"})
    before = pins(fx)
    t.ok(len(before) == 13, "a good start pins 13 objects (%s)" % " ".join(before))
    fx.stop()
    rc, out = fx.run_daemon(["--socket", blocker])
    t.ok(rc != 0, "a start that adopted the pins and then failed exits non-zero")
    t.eq(pins(fx), before, "the adopted pins are all still there")
    t.ok("removed" not in out, "nothing was removed")
    fx.start()
    t.eq(fx.result("lookup", {"name": "kept"})["addr"], a["addr"], "the allocation survived")

with at.Fixture(t, pages=64, args=["--census-interval", "1"]) as fx:
    def census_lines():
        with open(fx.log, errors="replace") as f:
            return [ln for ln in f if "present but not in the ledger" in ln]

    # A page faulted in from user space: present, in no allocation.
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", at.page_addr(10), "fault")
    t.ok(rc == 0, "user space faulted page 10 in")
    deadline = time.monotonic() + at.scaled(10)
    while not census_lines() and time.monotonic() < deadline:
        time.sleep(0.2)
    t.eq(len(census_lines()), 1, "the census logs the unaccounted page")
    time.sleep(3.5)     # three more census runs, nothing changed
    t.eq(len(census_lines()), 1, "and does not repeat it every interval")
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", at.page_addr(20), "fault")
    deadline = time.monotonic() + at.scaled(10)
    while len(census_lines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    lines = census_lines()
    t.ok(len(lines) == 2 and "2 pages present" in lines[-1] and "changed" in lines[-1],
         "a change is logged once more: %s" % (lines[-1].strip() if lines else "nothing"))
t.done()
