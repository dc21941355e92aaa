#!/usr/bin/env python3
# arenactl-client map: whatever its legend names is drawn somewhere, also
# when cells hold hundreds of pages and several owners (a small owner
# beside a big one, unaccounted pages beside a one-page allocation); when
# a cell holds more than one owner (or unaccounted pages) the picture says
# it is lossy, and an owner that cannot get a cell of its own is marked in
# the legend instead of silently missing.
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def grid(out):
    """The cells of map's text output: the rows, their page labels taken off."""
    return "".join(m.group(1) for m in re.finditer(r"^ *\d+ ([A-Za-z?.*#+]+)$", out, re.M))


def fault(fx, pg):
    """Touch page pg from user space: present, in no allocation."""
    rc, out, err = fx.helper("arena_mem", fx.pin_dir, "write", at.page_addr(pg), "fault")
    t.ok(rc == 0, "user space faulted page %d in" % pg)


# The default 1 GiB arena drawn 60 columns wide: 310 pages a cell. A small
# owner's 16 pages share the first cell with a bigger owner's 200.
with at.Fixture(t, pages=262144) as fx:
    fx.result("alloc", {"pages": 200, "owner": "big", "addr": at.page_addr(0)})
    fx.result("alloc", {"pages": 16, "owner": "demo", "addr": at.page_addr(200)})
    fx.result("alloc", {"pages": 400, "owner": "big", "addr": at.page_addr(5000)})
    rc, out, err = fx.ctl("map", "--width", "60")
    cells = grid(out)
    t.ok(rc == 0 and "310 pages a cell" in out and "B demo (16 pages, 1 alloc)" in out,
         "1 GiB, 60 columns: 310 pages a cell, and the legend names demo as B")
    t.ok("b" in cells.lower() and cells.lower().count("b") >= 1,
         "B is drawn (%r)" % cells[:20])
    t.ok("a" in cells.lower(), "and so is A, in a cell of its own")
    t.ok("lossy: 1 cell holds pages of several owners" in out,
         "the picture says that one cell is shared: %r" % [ln for ln in out.splitlines() if "lossy" in ln])
    t.ok(all(len(ln) <= 60 for ln in out.splitlines()), "every line fits the 60 columns")
    rc, out, err = fx.ctl("map", "--width", "60", "-j")
    m = json.loads(out) if rc == 0 else {}
    t.eq(([e["letter"] for e in m.get("legend", []) if e.get("drawn")], m.get("mixed_cells")),
         (["A", "B"], 1), "map -j: every legend letter is drawn, one mixed cell")
    t.ok(all(e["letter"] in m.get("cells", "").upper() for e in m.get("legend", [])),
         "map -j: each legend letter is in the cells")

# 4096 pages at 80 columns: 4 pages a cell. Three unaccounted pages beside
# a one-page allocation share its cell; the owner has another.
with at.Fixture(t, pages=4096) as fx:
    fx.result("alloc", {"pages": 1, "owner": "one", "addr": at.page_addr(0)})
    fx.result("alloc", {"pages": 1, "owner": "one", "addr": at.page_addr(100)})
    for pg in (1, 2, 3):
        fault(fx, pg)
    rc, out, err = fx.ctl("map", "--width", "80")
    cells = grid(out)
    t.ok(rc == 0 and "4 pages a cell" in out and "? present, in no allocation (3 pages)" in out,
         "the legend lists the 3 unaccounted pages")
    t.ok(rc == 0 and "?" in cells and "a" in cells.lower(), "'?' is drawn, and so is A (%r)" % cells[:30])
    t.ok("lossy: 1 cell" in out, "the shared cell is reported")

    # Without another cell for the owner, one of the two cannot be drawn:
    # the legend says which.
    fx.result("free", {"addr": at.page_addr(100)})
    rc, out, err = fx.ctl("map", "--width", "80")
    t.ok(rc == 0 and "[not drawn: shares its cells]" in out and "lossy: 1 cell" in out,
         "a kind that cannot get a cell is marked in the legend: %r"
         % [ln for ln in out.splitlines() if "not drawn" in ln or "lossy" in ln])
t.done()
