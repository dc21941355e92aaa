#!/usr/bin/env python3
"""Census benchmark: time of a page census for 256 MiB, 1 GiB and 4 GiB
arenas with few and with many allocated ranges. The full probe of every
page, measured in the same run, is the baseline. Prints a table; asserts
nothing about time."""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import arenad_test as at  # noqa: E402

BASE = at.BASE
PAGE = at.PAGE
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def median_us(fx, method):
    # The full probe of 4 GiB takes about 5 s here: longer than a test
    # client waits by default.
    with fx.client(timeout=120) as c:
        runs = [c.call("scan", {"method": method}) for _ in range(REPEAT)]
    bad = [r for r in runs if "result" not in r]
    if bad:
        raise RuntimeError("scan %s: %r" % (method, bad[0]))
    runs = [r["result"] for r in runs]
    return statistics.median(r["duration_us"] for r in runs), runs[-1]


def populate(fx, ranges, pages_each):
    """ranges allocations of pages_each pages, each followed by a hole."""
    c = fx.client(timeout=60)
    stride = pages_each + 1
    for i in range(ranges):
        r = c.call("alloc", {"pages": pages_each, "addr": hex(BASE + i * stride * PAGE)})
        if "error" in r:
            raise RuntimeError(r)
    c.close()


def same(a, b):
    keys = ("pages_present", "pages_ledger", "unaccounted", "missing")
    return all(a[k] == b[k] for k in keys)


rows = []
bad = 0
for size_name, pages in (("256 MiB", 1 << 16), ("1 GiB", 1 << 18), ("4 GiB", 1 << 20)):
    for label, ranges, each in (("few", 8, 16), ("many", 4096, 4), ("lots", 32768, 1)):
        with at.Fixture(at.QuietTap(), pages=pages) as fx:
            populate(fx, ranges, each)
            rt, last = median_us(fx, "rt")
            full, last_full = median_us(fx, "full")
            # A fast census is worth nothing if it is wrong: both methods
            # must agree, and see exactly what was allocated.
            if last["method"] != "rt" or not same(last, last_full) or \
                    last["pages_present"] != ranges * each:
                print("bench: %s %s: rt and full disagree" % (size_name, label), file=sys.stderr)
                bad += 1
            rows.append((size_name, label, ranges, ranges * each, last["pages_probed"], rt, full))

print("census time, median of %d runs (duration_us reported by the daemon)" % REPEAT)
print("%-8s %-5s %7s %9s %9s %10s %11s %9s" % ("arena", "load", "ranges", "pages", "probed", "rt ms",
                                              "full ms", "full/rt"))
for size, label, ranges, pages, probed, rt, full in rows:
    print("%-8s %-5s %7d %9d %9d %10.3f %11.2f %8.1fx" % (size, label, ranges, pages, probed,
                                                       rt / 1000, full / 1000, full / max(rt, 1)))
sys.exit(1 if bad else 0)
