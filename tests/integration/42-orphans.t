#!/usr/bin/env python3
# Orphans: allocations nothing names, no lease ends, and whose creating
# process is gone. The ledger records each allocation's creator (pid,
# start time, command; for a BPF program's, the loader arenad_reuse()
# names, and the object). `orphans` lists them with size, owner, creator
# and age, `--older-than` filters by age, `free --orphans` (root only)
# frees them and nothing else, and arenad_orphaned_bytes counts them.
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
EXIT_PERMISSION = 4
# libbpf names an object after its skeleton, in BPF_OBJ_NAME_LEN bytes.
LOADER_OBJ = "ledger_loader_bpf"[:15]


def orphan_addrs(fx, **params):
    return sorted(o["addr"] for o in fx.result("orphans", params)["orphans"])


def metric(fx, name):
    m = re.search(r"^%s (\S+)$" % name, fx.result("metrics")["text"], re.M)
    return int(float(m.group(1))) if m else None


with at.Fixture(t, pages=256, args=["--socket-mode", "0666", "--allow-uid", "nobody"]) as fx:
    t.eq(fx.result("orphans"), {"allocations": 0, "pages": 0, "bytes": 0, "freed": False,
                                "listed": 0, "orphans": []}, "no orphans in a new arena")

    # Made by processes that exit at once: the CLI, and a loader's BPF program.
    rc, out, _ = fx.ctl("alloc", "4", "--owner", "leaky")
    cli_addr = out.split()[0] if rc == 0 else None
    rc2, out2, _ = fx.ctl("alloc", "2", "--owner", "leaky", "--name", "findable")
    loader = at.LedgerLoader(fx, "orphan-ctr", "bpf-leaky")
    grab = loader.cmd("grab 3")
    bpf_addr = grab.split()[1] if grab.startswith("ok ") else None
    loader_pid = loader.p.pid
    t.ok(cli_addr and rc2 == 0 and bpf_addr,
         "allocations by the CLI (one named) and by a loader's BPF program (%s)" % grab)
    t.eq(orphan_addrs(fx), [cli_addr], "while the loader runs, only the CLI's unnamed allocation is an orphan")
    loader.quit()

    # Made by this process (over the socket): its creator lives.
    mine = fx.result("alloc", {"pages": 5, "owner": "alive"})["addr"]

    res = fx.result("orphans")
    by_addr = {o["addr"]: o for o in res["orphans"]}
    t.eq(sorted(by_addr), sorted([cli_addr, bpf_addr]),
         "the loader gone: its BPF allocation is an orphan too; the named one and this process's are not")
    cli, bpf = by_addr.get(cli_addr, {}), by_addr.get(bpf_addr, {})
    t.eq((cli.get("pages"), cli.get("owner"), cli.get("comm"), "program" in cli),
         (4, "leaky", "arenactl-client", False), "the CLI's: size, owner and the command that made it")
    t.eq((bpf.get("pages"), bpf.get("owner"), bpf.get("pid"), bpf.get("comm"), bpf.get("program")),
         (3, "bpf-leaky", loader_pid, "ledger_loader", LOADER_OBJ),
         "the BPF program's: its loader's pid and command, and the object")
    t.ok(all(isinstance(o.get("age_s"), int) and o["age_s"] >= 0 for o in res["orphans"]),
         "each with its age in seconds")
    t.eq((res["allocations"], res["pages"], res["bytes"]), (2, 7, 7 * 4096), "and the totals")
    t.eq(orphan_addrs(fx, older_than=3600), [], "none is an hour old")
    t.eq(metric(fx, "arenad_orphaned_bytes"), 7 * 4096, "arenad_orphaned_bytes counts them")

    rc, out, err = fx.ctl("orphans")
    t.ok(rc == 0 and re.search(r"^%s\s+4\s+leaky\s.*arenactl-client" % re.escape(cli_addr), out, re.M)
         and re.search(r"\s%s$" % LOADER_OBJ, out, re.M) and "2 orphaned allocations, 7 pages" in out,
         "arenactl-client orphans prints them:\n" + out)

    # Freeing them is root's alone.
    rc, out, err = fx.ctl("free", "--orphans", user="nobody")
    t.eq(rc, EXIT_PERMISSION, "an allowed writer that is not root may not free orphans (%s)" % err.strip())
    rc, out, err = fx.ctl("free", "--orphans", "--older-than", "1h")
    t.ok(rc == 0 and "freed 0 orphaned allocations" in out, "--older-than 1h frees none (%s)" % out.strip())
    rc, out, err = fx.ctl("-j", "free", "--orphans", "--older-than", "0s")
    t.ok(rc == 0 and '"allocations":2' in out.replace(" ", "") and '"freed":true' in out.replace(" ", ""),
         "free --orphans frees both (%s)" % out.strip()[:200])
    left = {r["addr"] for r in fx.result("ranges")}
    t.ok(cli_addr not in left and bpf_addr not in left and mine in left and
         fx.result("lookup", {"name": "findable"})["pages"] == 2,
         "they are gone; the named and the live creator's allocations stay")
    t.eq(fx.result("orphans")["allocations"], 0, "no orphans left")
    t.eq(metric(fx, "arenad_orphaned_bytes"), 0, "arenad_orphaned_bytes is 0 again")
    fx.logf.flush()
    with open(fx.log, errors="replace") as f:
        t.ok(re.search(r"freed orphan: 4 pages at %s of owner 'leaky', made by pid \d+ "
                       r"\(arenactl-client\)" % re.escape(cli_addr), f.read()),
             "each orphan freed is logged")

    rc, out, err = fx.ctl("free", "--older-than", "1h", cli_addr)
    t.eq(rc, 2, "--older-than without --orphans is a usage error")
    rc, out, err = fx.ctl("orphans", "--older-than", "soon")
    t.ok(rc == 2 and "duration" in err, "a bad duration is refused (%s)" % err.strip())

t.done()
