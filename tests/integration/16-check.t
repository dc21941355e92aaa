#!/usr/bin/env python3
# `arenad --check` tries every requirement and says which fails and why,
# and a start whose arena the kernel refuses explains the refusal the same
# way. On a kernel that creates arenas: every required line passes; with
# CAP_BPF and CAP_PERFMON dropped the capability is named; with a BPF LSM
# program refusing arenas (tests/bpf/deny_arenas.bpf.c) the policy is
# named, with what the kernel shows of it. On a kernel that refuses
# arenas (make test also runs this file on the host: 16-check.t@host),
# the refusal this kernel gives is the one explained.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)

DROP_CAPS = ["setpriv", "--bounding-set=-bpf,-perfmon,-sys_admin", "--"]
POLICY = "security policy refuses BPF arenas"


def check(*args, prefix=()):
    """arenad --check ARGS: (rc, {name: (ok mark, detail)}, stdout)."""
    r = subprocess.run(list(prefix) + [at.DAEMON, "--check"] + list(args),
                       capture_output=True, text=True, timeout=at.scaled(120))
    lines = {}
    for line in r.stdout.splitlines():
        mark, _, rest = line.partition(" ")
        if mark in ("\u2713", "\u2717"):
            name, detail = rest[:24].strip(), rest[24:].strip()
            lines[name] = (mark == "\u2713", detail)
    return r.returncode, lines, r.stdout + r.stderr


def check_json(prefix=()):
    r = subprocess.run(list(prefix) + [at.DAEMON, "--check", "-j"],
                       capture_output=True, text=True, timeout=at.scaled(120))
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        t.diag(r.stdout + r.stderr)
        return r.returncode, {}


def refused_start(fx, prefix=()):
    """Start arenad on the fixture's pins: (rc, output)."""
    r = subprocess.run(list(prefix) + fx.argv(), stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=at.scaled(60))
    return r.returncode, r.stdout + r.stderr


def expect_refusal(fx, what, needle, prefix=()):
    rc, lines, out = check(prefix=prefix)
    ok, detail = lines.get("arena", (None, ""))
    t.ok(rc == 1 and ok is False and needle in detail,
         "%s: --check exits 1 and its arena line says '%s'" % (what, needle))
    if rc != 1 or needle not in detail:
        t.diag(out)
    t.ok(out.rstrip().endswith("arenad cannot run here: see the lines marked \u2717 above"),
         "%s: and its last line says arenad cannot run" % what)
    rc, out = refused_start(fx, prefix)
    t.ok(rc == 1 and "create the arena: " in out and needle in out and "--check" in out,
         "%s: a start fails with the same explanation" % what)
    if rc != 1 or needle not in out:
        t.diag(out)
    return detail


probe = subprocess.run([os.path.join(at.HELPERS, "arena_probe")], capture_output=True, text=True)
refusing = probe.returncode != 0

# Bad combinations are usage errors, wherever this runs.
r = subprocess.run([at.DAEMON, "-j"], capture_output=True, text=True)
t.ok(r.returncode == 2 and "goes with --check" in r.stderr, "-j without --check is a usage error")
r = subprocess.run([at.DAEMON, "--check", "--unpin"], capture_output=True, text=True)
t.ok(r.returncode == 2 and "exclude" in r.stderr, "--check with --unpin is a usage error")

with at.Fixture(t, pages=64, start=False) as fx:
    if refusing:
        # This kernel refuses arenas: explain exactly its refusal.
        err = probe.stdout.split(":")[0]
        t.diag("this kernel refuses arenas: %s" % probe.stdout.strip())
        caps_missing = check()[1].get("capabilities", (True, ""))[0] is False
        needle = {"EPERM": "lacks CAP_BPF" if caps_missing else POLICY,
                  "EINVAL": "has no BPF arena support"}.get(err, "")
        detail = expect_refusal(fx, "this kernel (%s)" % err, needle)
        if needle == POLICY:
            t.ok("kernel.unprivileged_bpf_disabled=" in detail and "lockdown: " in detail
                 and "active LSMs: " in detail, "the policy's facts are named (%s)" % detail)
        rc, j = check_json()
        arena = [c for c in j.get("checks", []) if c.get("name") == "arena"]
        t.ok(rc == 1 and j.get("ok") is False and arena and arena[0]["ok"] is False
             and arena[0]["required"] and arena[0]["detail"] == detail,
             "-j: ok false, and the arena check as in the text")
        t.done()

    rc, lines, out = check()
    t.eq(rc, 0, "--check exits 0 on a kernel that creates arenas (%s)" % os.uname().release)
    required = ["kernel", "BTF", "bpffs", "capabilities", "arena", "sleepable programs"]
    t.eq([n for n in required if not lines.get(n, (False,))[0]], [],
         "every required line is marked \u2713")
    t.ok(all(n in lines for n in ("census: full", "census: rt", "census: kmod",
                                  "census: other arenas", "module")),
         "the census methods and the module have a line each")
    t.ok(lines.get("census: full", (False,))[0], "the full probe passes its self-test here")
    t.ok(out.rstrip().endswith("arenad can run here"), "the last line says arenad can run")
    if rc:
        t.diag(out)
    rc, j = check_json()
    names = [c.get("name") for c in j.get("checks", [])]
    t.ok(rc == 0 and j.get("ok") is True and names[:6] == required
         and all(c["ok"] for c in j["checks"] if c["required"]),
         "-j: ok true, the same checks in the same order")

    # Capabilities dropped: the missing ones are named.
    expect_refusal(fx, "without CAP_BPF and CAP_PERFMON", "lacks CAP_BPF, CAP_PERFMON", DROP_CAPS)
    t.ok(check(prefix=DROP_CAPS)[1].get("capabilities", (True,))[0] is False,
         "without them the capabilities line is marked \u2717")

    # A security policy that refuses arenas, as a BPF LSM program.
    deny = fx.track(subprocess.Popen([os.path.join(at.HELPERS, "deny_arenas")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True))
    said = deny.stdout.readline().strip()
    if said != "denying":
        t.skip("no BPF LSM on this kernel (deny_arenas: %s)" % said, 5)
    else:
        detail = expect_refusal(fx, "with a BPF LSM program refusing arenas", POLICY)
        t.ok("active LSMs: " in detail and "bpf" in detail.split("active LSMs: ")[1],
             "the explanation lists the active LSMs, bpf among them (%s)" % detail)
        t.ok(check()[1].get("sleepable programs", (False,))[0],
             "programs still load: only arenas are refused")
        deny.stdin.close()
        deny.wait(at.scaled(30))
        t.eq(check()[0], 0, "once the policy is gone, --check exits 0 again")
t.done()
