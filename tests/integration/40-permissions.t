#!/usr/bin/env python3
# Access control: any peer that can connect may read; alloc/free need root
# or an allow-listed uid/gid (SO_PEERCRED); a peer frees only what its uid
# allocated, unless root.
import grp
import json
import os
import pwd
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
NOBODY = pwd.getpwnam("nobody")
try:
    HAVE_ARENAD_GROUP = bool(grp.getgrnam("arenad"))
except KeyError:
    HAVE_ARENAD_GROUP = False

# A tiny client run as nobody: prints one reply per request line.
AS_NOBODY = r'''
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
f = s.makefile("rb")
for i, line in enumerate(sys.stdin):
    m, p = json.loads(line)
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": i, "method": m, "params": p}) + "\n").encode())
    print(f.readline().decode().strip(), flush=True)
'''


def as_nobody(fx, *calls):
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        sys.executable, "-c", AS_NOBODY, fx.socket],
                       input="".join(json.dumps([m, p]) + "\n" for m, p in calls),
                       capture_output=True, text=True, timeout=at.scaled(30))
    if r.returncode:
        t.diag(r.stderr)
    return [json.loads(x) for x in r.stdout.splitlines()]


with at.Fixture(t, pages=64, args=["--socket-mode", "0666"]) as fx:
    mode = os.stat(fx.socket).st_mode & 0o777
    t.eq(mode, 0o666, "socket created with the configured mode")
    root_alloc = fx.result("alloc", {"pages": 2, "owner": "root", "name": "rootdata"})

    r = as_nobody(fx, ("ping", None), ("stats", None), ("ranges", None),
                  ("lookup", {"name": "rootdata"}),
                  ("alloc", {"pages": 1}), ("free", {"addr": root_alloc["addr"]}))
    t.eq(len(r), 6, "nobody got six replies")
    if len(r) == 6:
        t.ok("result" in r[0] and "result" in r[1] and "result" in r[2] and "result" in r[3],
             "nobody may ping, stats, ranges and lookup")
        t.eq(r[1]["result"]["pages_allocated"], 2, "nobody sees the real usage")
        t.eq([x["addr"] for x in r[2]["result"]], [root_alloc["addr"]], "nobody sees the ranges")
        t.eq(r[3]["result"]["addr"], root_alloc["addr"], "nobody can look up a name")
        t.eq(at.error_code(r[4]), -32002, "nobody may not alloc")
        t.eq(at.error_code(r[5]), -32002, "nobody may not free")
        t.ok("permission denied" in r[4]["error"]["message"], "the message says permission denied")
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["allocations"], st["alloc_failures"]), (2, 1, 0),
         "the refusals changed nothing")
    t.eq(fx.result("lookup", {"name": "rootdata"})["addr"], root_alloc["addr"],
         "root's allocation is still there")

    # The client tool as nobody reports the refusal and exits non-zero.
    rc, out, err = fx.ctl("alloc", "1", user="nobody")
    t.ok(rc == 4 and "permission denied" in err, "arenactl-client alloc as nobody fails clearly (exit 4)")
    rc, out, err = fx.ctl("query", user="nobody")
    t.ok(rc == 0 and "used" in out, "arenactl-client query works as nobody")

    # Allow-list nobody: it may alloc, and free only its own allocations.
    fx.restart(extra=["--allow-uid", "nobody"])
    r = as_nobody(fx, ("alloc", {"pages": 3, "owner": "nob"}))
    t.ok(len(r) == 1 and "result" in r[0], "allow-listed nobody may alloc")
    mine = r[0]["result"]["addr"] if r and "result" in r[0] else "0x0"
    ranges = {x["addr"]: x for x in fx.result("ranges")}
    t.eq(ranges.get(mine, {}).get("uid"), NOBODY.pw_uid, "the ledger records nobody's uid")
    r = as_nobody(fx, ("free", {"addr": root_alloc["addr"]}), ("free", {"addr": mine}))
    t.eq([at.error_code(x) for x in r], [-32002, None], "nobody frees its own, not root's")
    t.ok(r and "another uid" in r[0].get("error", {}).get("message", ""), "the refusal names the reason")
    r = as_nobody(fx, ("alloc", {"pages": 1}))
    t.ok(len(r) == 1 and "result" in r[0], "nobody allocates again")
    theirs = r[0]["result"]["addr"] if r and "result" in r[0] else "0x0"
    t.eq(fx.rpc("free", {"addr": theirs}).get("result"), {"pages": 1}, "root frees anybody's")
    t.eq(fx.result("stats")["pages_allocated"], 2, "only root's allocation is left")

    # Allow-listing a group works the same way (nogroup is nobody's group).
    fx.restart(extra=["--allow-gid", "nogroup"])
    r = as_nobody(fx, ("alloc", {"pages": 1}))
    t.ok(len(r) == 1 and "result" in r[0], "a member of an allowed gid may alloc")

with at.Fixture(t, pages=16) as fx:
    # Default mode 0660 and no arenad group: nobody cannot even connect.
    t.eq(os.stat(fx.socket).st_mode & 0o777, 0o660, "default socket mode 0660")
    rc, out, err = fx.ctl("query", user="nobody")
    t.ok(rc == 4 and "permission denied" in err and "0660" in err,
         "without access to the socket nobody cannot connect, and is told why (exit 4): %s" % err.strip())
    if HAVE_ARENAD_GROUP:
        t.skip("the group 'arenad' exists here: the socket is not root's", 3)
    else:
        # The socket stays root:root: joining root's group is never the
        # advice; the missing group and how to make it are.
        t.ok("group 'root'" not in err and "-aG root" not in err,
             "the refusal does not advise joining root's group")
        t.ok("'arenad' does not exist" in err and "systemd-sysusers" in err and "--group" in err,
             "it says that the group 'arenad' does not exist, and how to create it or name another")
        fx.logf.flush()
        with open(fx.log) as f:
            log = f.read()
        t.ok("group 'arenad' does not exist: only root may connect" in log,
             "arenad warns about the missing group without -v")
t.done()
