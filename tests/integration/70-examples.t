#!/usr/bin/env python3
# The three use cases of "eBPF Arena: A Tutorial" (github.com/bpf-endeavor/
# ebpf-arena-tutorial), as shipped in examples/, against a running
# daemon: a shared counter found by name, an XDP program sharing a
# structure without a kernel module, and a user-space linked list walked by
# BPF. Plus the loader library's refusals.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

with at.Fixture(t, pages=256) as fx:
    # 1. shared counter
    rc, out, err = fx.example("shared-counter", "--bumps", 10)
    m = re.search(r"at (0x[0-9a-f]+): (\d+) \(through the mmap: (\d+)\)", out)
    t.ok(rc == 0 and m, "shared-counter runs: %s" % (out.strip() or err.strip()))
    addr = m.group(1) if m else "0x0"
    t.eq(m and (m.group(2), m.group(3)), ("10", "10"), "BPF and the mmap see the same counter")
    t.eq(fx.result("lookup", {"name": "counter"})["addr"], addr, "the counter is the named allocation")
    rc, out, err = fx.example("shared-counter", "--bumps", 5)
    t.ok(rc == 0 and ": 15 (through the mmap: 15)" in out, "a second loader finds the same counter by name")
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", addr, 8)
    t.eq(out.strip(), (15).to_bytes(8, "little").hex(), "an unrelated process reads 15 there too")
    rc, out, err = fx.example("shared-counter", "--name", "demo-counter", "--grab", 3, "--owner", "demo")
    t.ok(rc == 0 and re.search(r"grabbed 3 pages at 0x[0-9a-f]+ from BPF for 'demo'", out)
         and "freed 3 pages from BPF" in out, "--grab allocates and frees from BPF: %s" % (out.strip() or err.strip()))
    t.eq([o["pages"] for o in fx.result("stats")["owners"] if o["owner"] == "demo"], [1],
         "and the owner holds only its counter page afterwards")

    # 2. XDP, non-sleepable, bound without a module
    rc, out, err = fx.example("xdp-udp", "--port", 4789)
    t.ok(rc == 0, "xdp-udp ran on 20 packets: %s" % (out.strip() or err.strip()))
    t.ok("verdicts drop=8 pass=12; arena matched=8 passed=12" in out,
         "verdicts and arena counters agree (8 UDP to the port dropped, 12 passed)")
    rc, out, err = fx.example("xdp-udp", "--port", 53)
    t.ok(rc == 0 and "drop=8 pass=12" in out, "a second run with another port counts on")
    look = fx.result("lookup", {"name": "udp_stats"})
    rc, raw, err = fx.helper("arena_mem", fx.pin_dir, "read", look["addr"], 24)
    b = bytes.fromhex(raw.strip())
    t.eq((int.from_bytes(b[0:8], "little"), int.from_bytes(b[16:24], "little")), (16, 24),
         "the shared structure holds both runs' totals (16 matched, 24 passed)")

    # 3. user-space list walked by BPF
    before = fx.result("stats")["pages_allocated"]
    for n in (1, 1000, 4096):
        rc, out, err = fx.example("arena-list", "--nodes", n)
        m = re.search(r"bpf walked (\d+), checksum bpf (0x[0-9a-f]+) user (0x[0-9a-f]+)", out)
        t.ok(rc == 0 and m and int(m.group(1)) == n and m.group(2) == m.group(3),
             "arena-list: BPF walked %d nodes, checksums match" % n)
    t.eq(fx.result("stats")["pages_allocated"], before, "arena-list returned its pages")

    # The loader library refuses what would break a shared arena.
    rc, out, err = fx.helper("reuse_check", fx.pin_dir, "globals")
    t.ok(rc == 0 and "__arena global" in out, "an object with __arena globals is refused")
    rc, out, err = fx.helper("reuse_check", fx.pin_dir, "segv")
    t.ok(rc == 0 and "SEGV_ON_FAULT" in out, "an object expecting another arena flavour is refused")
    rc, out, err = fx.helper("reuse_check", fx.pin_dir, "occupied")
    t.ok(rc == 0 and "already has" in out and "--user-addr" in out,
         "an occupied address range is reported with what occupies it")
    t.eq(fx.result("lookup", {"name": "counter"})["addr"], addr, "nothing disturbed the counter")
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "read", addr, 8)
    t.eq(out.strip(), (15).to_bytes(8, "little").hex(), "and its value")

    # Every example explains itself, finds the daemon through $ARENAD_SOCKET
    # and, when it cannot, names the path it tried.
    import subprocess
    for name in ("shared-counter", "xdp-udp", "arena-list"):
        exe = os.path.join(at.EXAMPLES, name)
        r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=at.scaled(30))
        t.ok(r.returncode == 0 and r.stdout.startswith("Usage: " + name) and "--socket" in r.stdout
             and "ARENAD_SOCKET" in r.stdout, "%s --help prints its usage" % name)
        r = subprocess.run([exe, "--bogus"], capture_output=True, text=True, timeout=at.scaled(30))
        t.ok(r.returncode == 2 and "Usage: " + name in r.stderr, "%s --bogus: usage on stderr, exit 2" % name)
        missing = os.path.join(fx.dir, "no-daemon.sock")
        r = subprocess.run([exe, "--pin-dir", fx.pin_dir], capture_output=True, text=True, timeout=at.scaled(60),
                           env=dict(os.environ, ARENAD_SOCKET=missing))
        t.ok(r.returncode != 0 and missing in r.stderr,
             "%s takes the socket from $ARENAD_SOCKET and names it when nobody listens: %s"
             % (name, r.stderr.strip()[:200]))
    r = subprocess.run([os.path.join(at.EXAMPLES, "shared-counter"), "--pin-dir", fx.pin_dir],
                       capture_output=True, text=True, timeout=at.scaled(60), env=dict(os.environ, ARENAD_SOCKET=fx.socket))
    t.ok(r.returncode == 0 and ": 16 (through the mmap: 16)" in r.stdout,
         "shared-counter reaches the daemon through $ARENAD_SOCKET alone")
t.done()
