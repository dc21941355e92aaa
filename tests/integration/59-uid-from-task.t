#!/usr/bin/env python3
# A process that runs the pinned allocator directly cannot claim another
# uid: for any caller but root the allocator records and checks the uid of
# the running task (bpf_get_current_uid_gid()), whatever the request says.
# The caller here is "nobody" with CAP_BPF (ambient) and read/write access
# to the pins (and nobody without CAP_BPF: on 6.18 the pins' file modes are
# what guards BPF_OBJ_GET and BPF_PROG_TEST_RUN); root (the daemon, answering for its peers) keeps passing
# the peer's uid.
import os
import pwd
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
OP_ALLOC, OP_FREE = 1, 2
try:
    NOBODY = pwd.getpwnam("nobody")
except KeyError:
    t.skip_all("no user 'nobody'")


def as_nobody(*argv, caps=True):
    pre = ["setpriv", "--reuid=nobody", "--regid=%d" % NOBODY.pw_gid, "--clear-groups"]
    if caps:
        pre += ["--inh-caps=+bpf", "--ambient-caps=+bpf"]
    r = subprocess.run(pre + [os.path.join(at.HELPERS, argv[0])] + [str(a) for a in argv[1:]],
                       capture_output=True, text=True, timeout=at.scaled(60))
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def raw(fx, op, uid, addr, pages, caps=True):
    """One allocator run as nobody: dict of its printed fields, or None."""
    rc, out, err = as_nobody("tables", fx.pin_dir, "raw", op, uid, addr, pages, 0, caps=caps)
    if rc:
        t.diag("tables raw: rc %d %s" % (rc, err))
        return None
    f = out.split()
    return dict(zip(f[::2], f[1::2]))


with at.Fixture(t, pages=64) as fx:
    root_alloc = fx.result("alloc", {"pages": 2, "owner": "rooty"})
    t.eq(root_alloc["uid"], 0, "root's allocation through the socket is recorded as uid 0")
    for p in os.listdir(fx.pin_dir):
        os.chmod(os.path.join(fx.pin_dir, p), 0o666)

    # Since 6.5 the kernel checks only the pin's file mode for these
    # commands: the same rule must hold without CAP_BPF.
    r = raw(fx, OP_FREE, 0, root_alloc["addr"], 0, caps=False)
    t.ok(r is None or r["ret"] == "-1",
         "without CAP_BPF: no access, or the same refusal (%r)" % r)

    r = raw(fx, OP_FREE, 0, root_alloc["addr"], 0)
    t.eq(r and r["ret"], "-1", "nobody claiming uid 0 cannot free root's allocation (-EPERM)")
    t.eq(r and r["uid"], str(NOBODY.pw_uid), "the allocator put nobody's own uid in the request")
    t.ok(any(x["addr"] == root_alloc["addr"] for x in fx.result("ranges")), "root's allocation is still there")

    r = raw(fx, OP_ALLOC, 0, 0, 3)
    t.eq(r and r["ret"], "0", "nobody claiming uid 0 can allocate")
    mine = [x for x in fx.result("ranges") if r and x["addr"] == r["addr"]]
    t.eq([x["uid"] for x in mine], [NOBODY.pw_uid], "but the ledger records nobody's uid, not 0")

    r2 = raw(fx, OP_FREE, 12345, r["addr"] if r else 0, 0)
    t.eq(r2 and r2["ret"], "0", "nobody frees its own allocation whatever uid it claims")

    rc = fx.rpc("free", {"addr": root_alloc["addr"]})
    t.ok("result" in rc, "root (the daemon for its peer) still frees with the uid it passes")
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["owners"]), (0, []), "nothing left over")
t.done()
