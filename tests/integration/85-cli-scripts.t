#!/usr/bin/env python3
# arenactl-client for scripts and people: -j/-p anywhere on the line, JSON
# errors on stdout in JSON mode, one documented exit code per kind of
# failure (0 ok, 2 usage, 3 not reachable, 4 permission, 5 not found,
# 6 conflict or out of memory, 1 anything else) -- each one, with and
# without --json; help, did-you-mean, the stats alias, human ping/version,
# the real arena size in messages, the permission message.
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def run(*args, user=None, env=None):
    argv = [at.CLIENT] + list(args)
    if user:
        argv = at.as_user(user) + argv
    e = dict(os.environ)
    e.pop("ARENAD_SOCKET", None)
    e.update(env or {})
    r = subprocess.run(argv, capture_output=True, text=True, timeout=at.scaled(30), env=e)
    return r.returncode, r.stdout, r.stderr


def json_error(out):
    """The error object of a JSON-mode failure, or None."""
    try:
        o = json.loads(out)
    except ValueError:
        return None
    e = o.get("error") if isinstance(o, dict) else None
    return e if isinstance(e, dict) and isinstance(e.get("code"), int) and e.get("message") else None


def check(desc, want_rc, want_code, args, want_text, user=None, env=None):
    """The failure in both modes: text on stderr, then JSON on stdout."""
    rc, out, err = run(*args, user=user, env=env)
    t.ok(rc == want_rc and want_text in err and out == "",
         "%s: exit %d, says '%s' on stderr (rc %d)" % (desc, want_rc, want_text, rc))
    if rc != want_rc or want_text not in err:
        t.diag("stdout: %r\nstderr: %r" % (out, err))
    rc, out, err = run(*(list(args) + ["--json"]), user=user, env=env)
    e = json_error(out)
    t.ok(rc == want_rc and e is not None and e["code"] == want_code and want_text in e["message"]
         and err == "", "%s --json: exit %d, {\"error\":{\"code\":%d,...}} on stdout (rc %d)"
         % (desc, want_rc, want_code, rc))
    if e is None or e["code"] != want_code:
        t.diag("stdout: %r\nstderr: %r" % (out, err))


# 0666: nobody connects, and the daemon decides what it may do.
with at.Fixture(t, pages=64, args=["--socket-mode", "0666"]) as fx:
    S = ["--socket", fx.socket]

    # ---- success, and options anywhere ---------------------------------
    rc, out, err = run(*S, "ping")
    t.ok(rc == 0 and "arenad" in out and "{" not in out, "ping prints text by default: %r" % out.strip())
    rc, out, err = run(*S, "ping", "-j")
    t.ok(rc == 0 and json.loads(out) == {"pong": "arenad"}, "ping -j: the JSON result")
    rc, out, err = run(*S, "version")
    t.ok(rc == 0 and "{" not in out and "0." in out and "census" in out,
         "version prints text by default: %r" % out.strip())
    a = fx.result("alloc", {"pages": 3, "owner": "scripts", "name": "s1"})
    rc, out, err = run("ranges", *S, "-j")
    t.ok(rc == 0 and any(r.get("name") == "s1" for r in json.loads(out)) and "\n" not in out.strip(),
         "-j after the command: compact JSON")
    rc, out, err = run("-p", "lookup", "s1", *S)
    t.ok(rc == 0 and json.loads(out)["addr"] == a["addr"] and out.count("\n") > 3,
         "-p before the command: indented JSON")
    rc, out, err = run("lookup", *S, "s1", "--pretty")
    t.ok(rc == 0 and json.loads(out)["addr"] == a["addr"], "--pretty at the end")
    rc, out, err = run(*S, "stats")
    rc2, out2, err2 = run(*S, "query")
    t.ok(rc == 0 and "used" in out and out.splitlines()[0] == out2.splitlines()[0],
         "stats is another name for query")

    # ---- help -----------------------------------------------------------
    rc, out, err = run("help")
    t.ok(rc == 0 and "Commands:" in out and "top" in out and "map" in out, "help lists the commands")
    rc, out, err = run("help", "alloc")
    rc2, out2, err2 = run("alloc", "--help")
    t.ok(rc == 0 and rc2 == 0 and out == out2 and "--owner" in out and "Usage:" in out,
         "help alloc and alloc --help print the command's usage")
    # What a newcomer needs before allocating: the page size, the default
    # owner, who may; scan's options combine.
    t.ok("4 KiB" in out and "uid:N" in out and "--allow-uid" in out and "root" in out,
         "help alloc says the page size, the default owner and who may allocate")
    rc, out, err = run("help", "scan")
    t.ok(rc == 0 and "scan [--map-id N] [--method kmod|rt|full]" in out and "| --map-id" not in out,
         "help scan shows --map-id and --method as options that combine: %r" % out.splitlines()[:1])
    rc, out, err = run("top", "-h")
    t.ok(rc == 0 and "--interval" in out, "top -h too, without a daemon")
    rc, out, err = run("--help")
    t.ok(all(len(ln) <= 80 for ln in out.splitlines()), "--help fits 80 columns")
    t.ok(all(w in out for w in ("0 success", "2 usage", "3 daemon not reachable",
                                "4 permission denied", "5 not found", "6 conflict")),
         "--help documents the exit codes")

    # ---- 2: usage -------------------------------------------------------
    check("a misspelt command", 2, -22, S + ["qurey"], "did you mean 'query'")
    check("an unknown command", 2, -22, S + ["frobnicate"], "unknown command 'frobnicate'")
    check("an unknown option", 2, -22, S + ["ranges", "--bogus"], "unknown option '--bogus'")
    check("an option without its value", 2, -22, S + ["ranges", "--owner"], "needs a value")
    check("a bad page count", 2, -22, S + ["alloc", "many"], "64 pages")
    check("more pages than the arena has", 2, -32602, S + ["alloc", "65"], "1..64")
    check("no command", 2, -22, S, "COMMAND")

    # ---- 3: no daemon -----------------------------------------------------
    missing = os.path.join(fx.dir, "no-such.sock")
    check("no socket", 3, -2, ["--socket", missing, "ping"], missing)
    # A socket file nobody listens on: ECONNREFUSED.
    dead = os.path.join(fx.dir, "dead.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(dead)
    check("a socket nobody listens on", 3, -111, ["--socket", dead, "query"], "nothing listens on " + dead)
    s.close()
    check("$ARENAD_SOCKET is used and named", 3, -2, ["ping"], missing, env={"ARENAD_SOCKET": missing})

    # ---- 4: permission ----------------------------------------------------
    check("alloc by a uid the daemon does not allow", 4, -32002, S + ["alloc", "1"], "permission",
          user="nobody")

    # ---- 5: not found ---------------------------------------------------
    check("lookup of an unknown name", 5, -32003, S + ["lookup", "nosuchname"], "no allocation named")
    check("free of an address that starts nothing", 5, -32003, S + ["free", at.page_addr(60)],
          "no allocation starts at")

    # ---- 6: conflict, out of memory --------------------------------------
    check("a name in use", 6, -32004, S + ["alloc", "1", "--name", "s1"], "already in use")
    check("more pages than are free", 6, -32001, S + ["alloc", "64"], "out of memory")

    # ---- the inventory commands, the same way --------------------------
    check("who without --map-id", 2, -22, S + ["who"], "--map-id is missing")
    check("arenas with a stray argument", 2, -22, S + ["arenas", "extra"], "got 'extra'")
    # A map id that names no map is "not found", like an unknown name;
    # each command says its own name.
    check("who of a map id that names no map", 5, -32003, S + ["who", "--map-id", "2147483647"],
          "who: no BPF map with id 2147483647")
    check("scan of a map id that names no map", 5, -32003,
          S + ["scan", "--map-id", "2147483647"], "scan: no BPF map with id 2147483647")
    check("map of a map id that names no map", 5, -32003,
          S + ["map", "--map-id", "2147483647"], "map: no BPF map with id 2147483647")
    check("metrics with a stray argument", 2, -22, S + ["metrics", "extra"], "got 'extra'")
    rc, out, err = run(*S, "arenas", "-j")
    t.ok(rc == 0 and any(a["managed"] for a in json.loads(out)), "arenas -j: the JSON result")

    # ---- 1: anything else -------------------------------------------------
    check("an unavailable census method", 1, -32005, S + ["scan", "--method", "kmod"], "unavailable")

    # Nothing above changed the arena.
    t.eq([r["name"] for r in fx.result("ranges")], ["s1"], "the failures left the ledger as it was")

# The socket's permissions refuse the caller: the message says who may
# connect and how to get access.
with at.Fixture(t, pages=16, args=["--socket-mode", "0660"]) as fx:
    os.chmod(fx.dir, 0o755)
    rc, out, err = run("--socket", fx.socket, "query", user="nobody")
    t.ok(rc == 4 and "permission denied" in err and "0660" in err and "root" in err
         and ("group" in err or "run as" in err), "permission denied names mode, owner and remedy: %s" % err.strip())
    rc, out, err = run("--socket", fx.socket, "query", "-j", user="nobody")
    e = json_error(out)
    t.ok(rc == 4 and e is not None and e["code"] == -13, "and in JSON: code -13 (EACCES)")
t.done()
