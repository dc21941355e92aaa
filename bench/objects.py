#!/usr/bin/env python3
"""BPF objects on arenad's arena (arenad_malloc()/arenad_free() through the
drop-in bpf_arena_alloc.h) against the page-frag floor (bench/pagefrag/:
the kernel selftests' shape, state in __arena globals, on an arena of its
own), both driven by tests/helpers/objects with the same program
(tests/bpf/obj_calls.bpf.c, built once against each), interleaved in the
same run on the same kernel:

- an alloc+free pair per BPF_PROG_TEST_RUN run (`pairs`). Both allocators
  give a page back with its last object, so a lone pair takes a page from
  the kernel and gives it back, in both: this row is mostly the kernel's
  page work (and, for arenad, its ledger's);
- the same pair on a warm page (`warm`): a resident object keeps the page,
  so the pair is the allocator's own work and the run around it;
- pairs in one run (`loop`): no syscall between them, a page each as above;
- a mix of objects of 8..512 bytes (1 M by default) allocated, then freed
  in a shuffled order, in one run (`mix`): its time, arenad's pages held
  after the last free (must be 0: the script exits 1 otherwise, or when
  either side fails an allocation) and the fragmentation at the peak, the
  bytes of arenad's object pages that no object asked for.

Where this kernel refuses arenas (build/tests/arena_probe), both sides run
in one 6.18 guest under QEMU (tests/vm/guest.py run; ARENAD_TEST_KERNEL
forces a kernel). BENCH_REPEAT runs per figure (medians printed, ratios
the median of the runs' own ratios), BENCH_PAIRS pairs per run of the
pair rows, BENCH_MIX objects per mix, BENCH_MIX_REPEAT mixes per side.
Asserts nothing about time."""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "vm"))
import arenad_test as at  # noqa: E402

PAGE = 4096
SIZE = 64


def settings(arg=""):
    """The run's figures: from the environment, or in a guest from the
    argument the host passed (the guest sees only ARENAD_* variables)."""
    s = {"repeat": os.environ.get("BENCH_REPEAT", "5"), "pairs": os.environ.get("BENCH_PAIRS", "3000"),
         "mix": os.environ.get("BENCH_MIX", str(1 << 20)),
         "mix_repeat": os.environ.get("BENCH_MIX_REPEAT", "3")}
    for kv in filter(None, arg.split(",")):
        k, _, v = kv.partition("=")
        s[k] = v
    return {k: int(v) for k, v in s.items()}


def in_guest_if_needed():
    """Where the host refuses arenas, run this script in a guest and exit
    with its status."""
    import guest  # tests/vm/guest.py
    series, why = guest.resolve_kernel()
    if series == "host":
        return
    print("objects: %s; measuring in a %s guest under QEMU (TCG)" % (why, series), flush=True)
    arg = ",".join("%s=%d" % kv for kv in sorted(settings().items()))
    r = subprocess.run([sys.executable, os.path.join(HERE, "..", "tests", "vm", "guest.py"), "run",
                        "%s:--here=%s@%s" % (os.path.abspath(__file__), arg, series)])
    sys.exit(r.returncode)


class Helper:
    """tests/helpers/objects: one command line in, one line out."""

    def __init__(self, fx, pagefrag):
        argv = [os.path.join(at.HELPERS, "objects")]
        argv += ["--pagefrag", at.BUILD] if pagefrag else [fx.pin_dir, "bench-objects", at.BUILD]
        self.p = fx.track(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           text=True))
        ready = self.p.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError("objects %s did not load (%r)" % (" ".join(argv[1:]), ready))

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline().strip()
        if not out or out == "fail":
            raise RuntimeError("objects: %s -> %r" % (line, out))
        return out

    def ns(self, line):
        return float(self.cmd(line))

    def mix(self, n, seed):
        kv = dict(x.split("=") for x in self.cmd("mix %d %d" % (n, seed)).split())
        return {k: float(v) if k == "ns" else int(v) for k, v in kv.items()}


def floor_pages(fx, helper):
    """Pages present in the floor's own arenas (one per program object),
    from arenad's inventory."""
    with fx.client(timeout=at.scaled(120)) as c:
        mine = [a for a in c.call("arenas")["result"]
                if any(p.get("pid") == helper.p.pid for p in a.get("processes", []))]
    return sum(a["pages_present"] for a in mine) if len(mine) == 2 else None


def med(xs):
    return statistics.median(xs)


def main():
    here = [a for a in sys.argv[1:] if a.startswith("--here")]
    if not here:
        in_guest_if_needed()
    cfg = settings(here[0].partition("=")[2] if here else "")
    repeat, n, mix_n = cfg["repeat"], cfg["pairs"], cfg["mix"]
    kernel = os.uname().release
    rows, bad, measured = [], [], False
    t_start = time.monotonic()

    # Room for the mix's objects (about 260 bytes each, carved in pages),
    # its pointer array and the rest, in arenad's arena.
    pages = max(1 << 16, (mix_n * 300 // PAGE) * 2)
    with at.Fixture(at.QuietTap(), pages=pages) as fx:
        sides = {"arenad": Helper(fx, False), "floor": Helper(fx, True)}
        for h in sides.values():	# warm up: programs run once, pages touched
            h.cmd("pairs %d 50" % SIZE)
            h.cmd("warm %d 50" % SIZE)
            h.cmd("loop %d 500" % SIZE)

        def interleaved(cmd, runs):
            """cmd on both sides, run by run, the order alternating:
            (arenad's figures, the floor's)."""
            got = {"arenad": [], "floor": []}
            for r in range(runs):
                for side in (("arenad", "floor") if r % 2 == 0 else ("floor", "arenad")):
                    got[side].append(cmd(sides[side]))
            return got["arenad"], got["floor"]

        def row(name, a, f, note):
            rows.append((name, med(a), med(f), med(x / y for x, y in zip(a, f)), note))

        a, f = interleaved(lambda h: h.ns("pairs %d %d" % (SIZE, n)), repeat)
        row("pair, one per run, %d B (ns)" % SIZE, a, f, "a page taken and given back in both")
        a, f = interleaved(lambda h: h.ns("warm %d %d" % (SIZE, n)), repeat)
        row("pair, one per run, warm page (ns)", a, f, "a resident object keeps the page")
        cold_a, cold_f = rows[0][1], rows[0][2]
        warm_a, warm_f = rows[1][1], rows[1][2]
        a, f = interleaved(lambda h: h.ns("loop %d %d" % (SIZE, n * 10)), repeat)
        row("pair, %d in one run (ns)" % (n * 10), a, f, "a page each, no syscall between")

        floor_before = floor_pages(fx, sides["floor"])
        mixes = interleaved(lambda h: h.mix(mix_n, 7), cfg["mix_repeat"])
        floor_after = floor_pages(fx, sides["floor"])
        ma, mf = mixes
        row("mix of %d objects, 8..512 B (ms)" % mix_n, [m["ns"] / 1e6 for m in ma],
            [m["ns"] / 1e6 for m in mf], "alloc all, free all shuffled, one run")
        for side, ms in (("arenad", ma), ("floor", mf)):
            for m in ms:
                if m["ret"] or m["failed"]:
                    bad.append("%s's mix: ret %d, %d allocations failed" % (side, m["ret"], m["failed"]))
        for m in ma:
            if m["after_pages"] or m["after_bytes"] or m["after_objects"]:
                bad.append("arenad holds %d pages (%d bytes, %d objects) after the mix's last free"
                           % (m["after_pages"], m["after_bytes"], m["after_objects"]))
            if m["peak_bytes"] != m["bytes"]:
                bad.append("arenad counted %d bytes at the peak, the program asked for %d"
                           % (m["peak_bytes"], m["bytes"]))
        if any(m["bytes"] != ma[0]["bytes"] for m in ma + mf):
            bad.append("the mixes asked for different bytes: arenad %s, the floor %s"
                       % ([m["bytes"] for m in ma], [m["bytes"] for m in mf]))
        arena_pages = fx.result("stats")["pages_allocated"]
        if arena_pages:
            bad.append("arenad's arena holds %d pages at the end" % arena_pages)
        if floor_before is None or floor_after != floor_before:
            bad.append("the floor's arena held %s pages before its mixes, %s after"
                       % (floor_before, floor_after))
        last = ma[-1]
        held = last["peak_pages"] * PAGE
        frag = held - last["peak_bytes"]
        measured = True

    if not measured:
        print("objects: the measurement failed (above)", file=sys.stderr)
        return 1
    print("objects: bpf_alloc()/bpf_free() on arenad's arena against the page-frag floor, Linux %s, "
          "interleaved in the same run, median of %d runs (the mix: %d)" % (kernel, repeat, cfg["mix_repeat"]))
    print("%-36s %12s %12s %8s" % ("", "arenad", "floor", "ratio"))
    for name, av, fv, ratio, note in rows:
        print("%-36s %12.0f %12.0f %7.2fx  (%s)" % (name, av, fv, ratio, note))
    print("where a lone pair's time goes (medians): the page taken and given back (one per run less warm) "
          "arenad %.0f ns, floor %.0f ns (arenad's ledger and page bookkeeping add %.0f); the objects' own work and the run "
          "(warm) arenad %.0f ns, floor %.0f ns (arenad adds %.0f)" %
          (cold_a - warm_a, cold_f - warm_f, (cold_a - warm_a) - (cold_f - warm_f), warm_a, warm_f,
           warm_a - warm_f))
    print("mix of %d objects (last run): %d bytes asked for; at the peak %d objects in %d pages "
          "(%d bytes held): fragmentation %d bytes, %.1f%% of held" %
          (mix_n, last["peak_bytes"], last["peak_objects"], last["peak_pages"], held, frag,
           100.0 * frag / held if held else 0))
    print("pages held after the last free: arenad %s (each mix: %s; its arena at the end: %d); the "
          "floor's arenas %s pages before its mixes, %s after"
          % (last["after_pages"], ", ".join(str(m["after_pages"]) for m in ma), arena_pages,
             floor_before, floor_after))
    print("(%.0f s)" % (time.monotonic() - t_start))
    for b in bad:
        print("objects: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
