#!/usr/bin/env python3
# Page limits (quotas), enforced by the allocator program itself: an owner
# at its limit is refused on all three paths in — the socket, the pinned
# allocator (libarenad's arenad_pins__alloc()) and a BPF program calling
# arenad_alloc_pages_err() — with -EDQUOT and "owner X holds N of M
# pages", while other owners still allocate; a uid's limit and the default
# for owners without one; refusals counted apart from other failures;
# stats, metrics and the CLI show limit and use; limits survive a restart;
# and 8 threads racing for one owner on the pinned path never hold more
# than its limit.
import json
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
EDQUOT = 122
QUOTA = -32006          # ARENAD_ERR_QUOTA
EXIT_QUOTA = 7
NOBODY = pwd.getpwnam("nobody")


def pins(fx, *args):
    rc, out, err = fx.helper("loader_pins", fx.pin_dir, *args)
    return out.strip() or err.strip()


def owner_row(fx, owner):
    return next((o for o in fx.result("stats")["owners"] if o["owner"] == owner), None)


def quota(fx, **params):
    return fx.rpc("quota", params)


def metric(text, name, owner):
    m = re.search(r'^%s\{owner="%s"\} (\S+)$' % (name, re.escape(owner)), text, re.M)
    return float(m.group(1)) if m else None


with at.Fixture(t, pages=128, args=["--socket-mode", "0666", "--allow-uid", "nobody"]) as fx:
    # The BPF loader first: it takes its one-page counter as 'capped'.
    capped_bpf = at.LedgerLoader(fx, "capped-ctr", "capped")
    other_bpf = at.LedgerLoader(fx, "other-ctr", "other")
    t.ok(capped_bpf.ready.startswith("ready 0x") and other_bpf.ready.startswith("ready 0x"),
         "two BPF loaders, owners 'capped' and 'other'")

    r = quota(fx, op="set", owner="capped", pages=8)
    t.ok("result" in r, "quota set owner 'capped' to 8 pages (%s)" % r)
    res = r.get("result", {})
    t.eq((res.get("owner"), res.get("limit"), res.get("pages"), res.get("default")),
         ("capped", 8, 1, False), "the reply: its limit, and the page it holds")

    # -- the socket ---------------------------------------------------------
    a = fx.rpc("alloc", {"pages": 4, "owner": "capped"})
    t.ok("result" in a, "socket: 4 pages within the limit")
    r = fx.rpc("alloc", {"pages": 4, "owner": "capped"})
    t.eq(at.error_code(r), QUOTA, "socket: 4 more would be 9 of 8: its own error code -32006")
    msg = r.get("error", {}).get("message", "")
    t.ok("owner capped holds 5 of 8 pages" in msg, "and the message says so: %s" % msg)
    t.ok("result" in fx.rpc("alloc", {"pages": 20, "owner": "other"}), "socket: another owner still allocates")

    # -- the pinned allocator ----------------------------------------------
    t.eq(pins(fx, "alloc", 4, "capped"), "error -%d" % EDQUOT, "pins: over the limit is -EDQUOT")
    t.ok(pins(fx, "alloc", 3, "capped").startswith("ok 0x"), "pins: the 3 pages left fit")
    t.eq(pins(fx, "alloc", 1, "capped"), "error -%d" % EDQUOT, "pins: at the limit, one more page is -EDQUOT")
    t.ok(pins(fx, "alloc", 2, "other").startswith("ok 0x"), "pins: another owner still allocates")

    # -- BPF: arenad_alloc_pages_err() in an external program ----------------
    t.eq(capped_bpf.cmd("grab 1"), "error %s" % os.strerror(EDQUOT),
         "BPF: arenad_alloc_pages_err() refuses with -EDQUOT")
    t.ok(other_bpf.cmd("grab 2").startswith("ok 0x"), "BPF: another owner still allocates")

    row = owner_row(fx, "capped")
    t.eq((row["pages"], row["limit"], row["quota_refusals"], row["failures"]), (8, 8, 4, 0),
         "stats: 'capped' holds 8 of 8, 4 refusals, no other failure")
    st = fx.result("stats")
    t.eq((st["quota_refusals"], st["alloc_failures"]), (4, 0),
         "stats: quota refusals are counted apart from failures")
    # Out of memory is a failure, not a refusal.
    t.eq(pins(fx, "alloc", 120, "other"), "error -12", "pins: more than is free: -ENOMEM")
    row = owner_row(fx, "other")
    st = fx.result("stats")
    t.eq((row["failures"], row["quota_refusals"], st["alloc_failures"], st["quota_refusals"]), (1, 0, 1, 4),
         "out of memory counts as a failure of its owner, not as a quota refusal")

    # Freeing makes room again; lowering a limit below use keeps what is held.
    t.eq(fx.rpc("free", {"addr": a["result"]["addr"]}).get("result", {}).get("pages"), 4, "free 4 of capped's pages")
    t.ok(capped_bpf.cmd("grab 2").startswith("ok 0x"), "BPF: now 2 pages fit")
    r = quota(fx, op="set", owner="capped", pages=2)
    t.eq(r.get("result", {}).get("pages"), 6, "the limit lowered to 2 below the 6 held: nothing is taken away")
    r = fx.rpc("alloc", {"pages": 1, "owner": "capped"})
    t.ok("owner capped holds 6 of 2 pages" in r.get("error", {}).get("message", ""), "but nothing more fits")

    # -- the CLI ---------------------------------------------------------------
    rc, out, err = fx.ctl("alloc", "1", "--owner", "capped")
    t.eq(rc, EXIT_QUOTA, "arenactl-client alloc over the limit exits with 7")
    t.ok("owner capped holds 6 of 2 pages" in err, "and says why: %s" % err.strip())
    rc, out, err = fx.ctl("-j", "alloc", "1", "--owner", "capped")
    t.eq((rc, json.loads(out or "{}").get("error", {}).get("code")), (EXIT_QUOTA, QUOTA), "-j: the error as JSON")
    rc, out, err = fx.ctl("quota", "set", "--owner", "capped", "8")
    t.eq((rc, out.strip()), (0, "owner capped: 6 of 8 pages (75.0%), 7 refused"), "quota set --owner")
    rc, out, err = fx.ctl("quota", "get", "--owner", "capped")
    t.eq((rc, out.strip()), (0, "owner capped: 6 of 8 pages (75.0%), 7 refused"), "quota get --owner")
    rc, out, err = fx.ctl("-j", "quota", "get", "--owner", "capped")
    got = json.loads(out or "{}")
    t.eq((rc, got.get("limit"), got.get("pages")), (0, 8, 6), "quota get -j: the method's result")
    rc, out, err = fx.ctl("quota", "get", "--owner", "never-seen")
    t.eq((rc, out.strip()), (0, "owner never-seen: 0 pages, no limit, 0 refused"), "an owner never seen")
    rc, out, err = fx.ctl("quota", "set", "--owner", "x", "lots")
    t.eq(rc, 2, "quota set with a bad page count: usage error")
    rc, out, err = fx.ctl("quota", "set", "--owner", "x", "--uid", "3", "1")
    t.eq(rc, 2, "quota set with two targets: usage error")
    rc, out, err = fx.ctl("quota", "get", "--owner", "capped", user="nobody")
    t.eq(rc, 0, "anyone who may connect reads limits")

    # -- who may set them ---------------------------------------------------
    r = subprocess.run(at.as_user("nobody") + [at.CLIENT, "--socket", fx.socket, "quota", "set",
                                                "--owner", "capped", "100"],
                       capture_output=True, text=True, timeout=at.scaled(30))
    t.eq(r.returncode, 0, "an allowed writer (--allow-uid) may set a limit")
    r = subprocess.run(["setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
                        at.CLIENT, "--socket", fx.socket, "quota", "set", "--owner", "capped", "100"],
                       capture_output=True, text=True, timeout=at.scaled(30))
    t.eq(r.returncode, 4, "another uid may not: permission denied (%s)" % r.stderr.strip())
    fx.ctl("quota", "set", "--owner", "capped", "8")

    # -- a uid's limit -------------------------------------------------------
    uid = NOBODY.pw_uid
    r = quota(fx, op="set", uid=uid, pages=3)
    t.eq((r.get("result", {}).get("uid"), r.get("result", {}).get("limit")), (uid, 3), "quota set uid nobody 3 pages")
    rc, out, err = fx.ctl("alloc", "2", "--owner", "n1", user="nobody")
    t.eq(rc, 0, "nobody allocates 2 pages as owner n1")
    rc, out, err = fx.ctl("alloc", "2", "--owner", "n2", user="nobody")
    t.eq(rc, EXIT_QUOTA, "2 more as another owner: over the uid's limit")
    t.ok("uid %d holds 2 of 3 pages" % uid in err, "the message names the uid: %s" % err.strip())
    t.eq(owner_row(fx, "n2"), None, "the refused owner holds nothing")

    # -- the default ---------------------------------------------------------
    t.ok("result" in quota(fx, op="set", default=True, pages=5), "quota set default 5 pages")
    r = fx.rpc("alloc", {"pages": 6, "owner": "d1"})
    msg = r.get("error", {}).get("message", "")
    t.ok(at.error_code(r) == QUOTA and "owner d1 holds 0 of 5 pages (the default limit)" in msg,
         "an owner without a limit of its own gets the default: %s" % msg)
    t.ok("result" in fx.rpc("alloc", {"pages": 5, "owner": "d1"}), "5 pages fit")
    r = quota(fx, op="get", owner="d1").get("result", {})
    t.eq((r.get("limit"), r.get("default"), r.get("pages")), (5, True, 5), "quota get: the default applies")
    t.eq(owner_row(fx, "capped")["limit"], 8, "an owner's own limit wins over the default")

    # -- metrics ---------------------------------------------------------------
    text = fx.result("metrics")["text"]
    t.eq(metric(text, "arenad_owner_quota_bytes", "capped"), 8 * 4096.0, "arenad_owner_quota_bytes of capped")
    t.eq(metric(text, "arenad_owner_quota_pressure", "capped"), 6 / 8, "arenad_owner_quota_pressure of capped: 6 of 8")
    t.eq(metric(text, "arenad_owner_quota_pressure", "d1"), 1.0, "a full owner's pressure is 1")
    t.eq(metric(text, "arenad_owner_quota_refusals_total", "capped"), 7.0, "refusals per owner")
    t.eq(metric(text, "arenad_owner_alloc_failures_total", "other"), 1.0, "other failures per owner, apart")
    t.ok(re.search(r"^arenad_quota_refusals_total \d+$", text, re.M), "and the total of refusals")

    rc, out, err = fx.ctl("query")
    t.ok(rc == 0 and re.search(r"^capped\s+6\s.*\s8 \( 75%\)$", out, re.M) and re.search(r"ALLOCS % OF USED\s+LIMIT\s+\(USE\)$", out, re.M),
         "query shows limit and use per owner")
    t.ok(max(len(x) for x in out.splitlines()) <= 80, "in 80 columns")

    # -- restart: the limits are in the pins ---------------------------------
    before = fx.result("quota", {"op": "list"})
    capped_bpf.quit()
    other_bpf.quit()
    fx.restart()
    after = fx.result("quota", {"op": "list"})
    t.eq(after, before, "after a restart quota list is the same (%s)" % json.dumps(after))
    t.eq([o["owner"] for o in after["owners"]], ["capped"], "the owner limit")
    t.eq([(u["uid"], u["limit"]) for u in after["uids"]], [(uid, 3)], "the uid limit")
    t.eq(after["default"], 5, "the default")
    t.eq(pins(fx, "alloc", 3, "capped"), "error -%d" % EDQUOT, "and they are still enforced (pins)")
    rc, out, err = fx.ctl("quota", "list")
    t.ok(rc == 0 and re.search(r"^capped\s+6\s+8\s+75\.0%\s+8$", out, re.M) and "default     5 pages" in out,
         "quota list prints the table:\n%s" % out)
    rc, out, err = fx.ctl("quota", "set", "--default", "none")
    t.eq((rc, out.strip()), (0, "default: no limit"), "quota set --default none removes the default")
    t.ok("result" in fx.rpc("alloc", {"pages": 6, "owner": "d2"}), "owners without a limit are free again")

# 8 allocators racing for one owner on the pinned path: never above the limit.
# (In a guest with one vCPU the threads interleave wherever the scheduler
# preempts them, also inside the sleepable allocator program; on a host
# with several CPUs they run at once.)
with at.Fixture(t, pages=512) as fx:
    LIMIT = 16
    t.ok("result" in fx.rpc("quota", {"op": "set", "owner": "race", "pages": LIMIT}), "limit 'race' to 16 pages")
    rc, out, err = fx.helper("quota_race", fx.pin_dir, "race", 8, 200)
    m = re.match(r"ok (\d+) refused (\d+) other (\d+) held (\d+) max (\d+)$", out.strip())
    t.ok(m, "8 threads, 200 rounds each (%s%s)" % (out.strip(), err.strip()))
    ok_n, refused, other, held, mx = (int(x) for x in m.groups()) if m else (0, 0, -1, -1, -1)
    t.ok(ok_n > 0 and refused > 0, "the threads met at the limit: %d allocations, %d refused" % (ok_n, refused))
    t.eq(other, 0, "every failure was -EDQUOT")
    t.ok(0 <= mx <= LIMIT, "the most they held at once: %d <= %d" % (mx, LIMIT))
    row = owner_row(fx, "race")
    t.eq((row["pages"] if row else 0, row["pages"] <= LIMIT if row else True), (held, True),
         "what they hold at the end (%d) is the owner's pages in stats, within the limit" % held)
    live = sum(x["pages"] for x in fx.result("ranges", {"owner": "race"}))
    t.eq(live, held, "and the ledger's")
    t.eq(row["quota_refusals"] if row else -1, refused, "every refusal was counted for the owner")
t.done()
