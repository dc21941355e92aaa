#!/usr/bin/env python3
# The floors that `make bench` measures arenad against (bench/, built with
# the tests): each does the job bench/README.md says it does, so that a
# ratio printed against it means what it says, and each refuses bad
# arguments. Function only: nothing here is timed.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)
BIN = os.path.join(at.BUILD, "bench")


def tool(name, *args, timeout=60):
    return subprocess.run([os.path.join(BIN, name)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=at.scaled(timeout))


def echo(fx, path, reply, *mode):
    """echo_server on path, once it accepts connections."""
    srv = fx.track(subprocess.Popen([os.path.join(BIN, "echo_server"), path, reply] + list(mode),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    if not at.wait_listening(path, srv):
        raise RuntimeError("echo_server %s did not listen: %s" % (reply, srv.communicate()[1]))
    return srv


def replies(path, lines):
    """Send lines in one write; the reply lines, as sent."""
    with at.Client(path) as c:
        c.send_raw(b"".join(line + b"\n" for line in lines))
        return [c.recv_raw_line() for _ in lines]


def stop(srv, path):
    srv.kill()
    srv.wait()
    os.unlink(path)


PING = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'

with at.Fixture(t, pages=256) as fx:
    sock = os.path.join(fx.dir, "echo.sock")

    # -- echo_server: a reply of a given size per line ------------------------
    srv = echo(fx, sock, "100")
    got = replies(sock, [PING, PING, PING])
    t.eq([len(r) for r in got], [100, 100, 100], "echo_server SIZE: one reply per line, each SIZE bytes")
    t.ok(all(isinstance(json.loads(r), str) for r in got), "and each a JSON string (a parsing client accepts it)")
    stop(srv, sock)

    # -- echo_server @FILE: the file's lines in turn ----------------------------
    rfile = os.path.join(fx.dir, "replies")
    with open(rfile, "wb") as f:
        f.write(b'{"result":"first"}\n{"result":"second"}\n')
    srv = echo(fx, sock, "@" + rfile)
    got = replies(sock, [PING] * 5)
    t.eq([json.loads(r)["result"] for r in got], ["first", "second", "first", "second", "first"],
         "echo_server @FILE: the file's lines, in turn")
    stop(srv, sock)

    # -- peek: requests taken out of the socket after their replies -------------
    srv = echo(fx, sock, "@" + rfile, "peek")
    with at.Client(sock) as c:
        got = [c.request_raw(PING) for _ in range(3)]
        c.sock.settimeout(at.scaled(0.5))
        try:
            extra = c.sock.recv(4096)
        except TimeoutError:
            extra = b""
    t.eq([json.loads(r)["result"] for r in got], ["first", "second", "first"],
         "echo_server peek: one reply per request, in turn")
    t.eq(extra, b"", "and nothing more: what it peeked was taken out, not answered again")
    stop(srv, sock)

    # -- json: each request parsed first -----------------------------------------
    srv = echo(fx, sock, "40", "json")
    t.eq([len(r) for r in replies(sock, [PING, PING])], [40, 40], "echo_server json: objects are answered")
    with at.Client(sock) as c:
        c.send_raw(b"[1,2]\n")
        t.ok(c.closed_by_peer(), "a line that is not a JSON object ends the floor (it would measure nothing)")
    srv.wait(timeout=at.scaled(10))
    t.ok(srv.returncode == 1 and "not a JSON object" in srv.stderr.read(),
         "with exit status 1 and a message")
    os.unlink(sock)

    # -- kfunc: the raw alloc and free programs inside the requests -------------
    srv = echo(fx, sock, "40", "kfunc", "json")
    t.eq([len(r) for r in replies(sock, [PING] * 4)], [40] * 4,
         "echo_server kfunc json: two alloc+free pairs run inside four requests")
    t.ok(srv.poll() is None, "and every kfunc run succeeded (the server is still up)")

    # -- rpc_load against it: the reply size it reports is the one sent ---------
    r = tool("rpc_load", sock, 2, 1, PING.decode())
    fields = r.stdout.split()
    t.ok(r.returncode == 0 and len(fields) == 2 and float(fields[0]) > 0 and fields[1] == "40",
         "rpc_load: requests per second and the reply size seen (%r)" % r.stdout.strip())
    stop(srv, sock)

    # -- bad arguments -------------------------------------------------------------
    for args, what, says in ((["2"], "a reply under 3 bytes", "no reply in it"),
                             (["@" + os.path.join(fx.dir, "none")], "a reply file that does not exist",
                              "No such file"),
                             (["100", "fast"], "an unknown mode", "usage")):
        r = tool("echo_server", sock, *args)
        t.ok(r.returncode == 2 and says in r.stderr, "echo_server refuses %s: %s" % (what, r.stderr.strip()))
    with open(rfile, "wb") as f:
        f.write(b'{"result":"no newline"}')
    r = tool("echo_server", sock, "@" + rfile)
    t.ok(r.returncode == 2 and "no reply in it" in r.stderr, "and a reply file without a whole line")
    r = tool("rpc_load", sock, 0, 1, "x")
    t.ok(r.returncode == 2 and "usage" in r.stderr, "rpc_load refuses 0 clients")

    # -- alloc_floor: the raw kfunc pair, and the pinned allocator ---------------
    r = tool("alloc_floor", "raw", 200)
    t.ok(r.returncode == 0 and r.stdout.split()[0] == "raw" and float(r.stdout.split()[1]) > 0,
         "alloc_floor raw: ns per raw alloc+free pair (%r)" % r.stdout.strip())
    before = fx.result("stats")
    r = tool("alloc_floor", "pins", 200, fx.pin_dir)
    t.ok(r.returncode == 0 and r.stdout.split()[0] == "pins" and float(r.stdout.split()[1]) > 0,
         "alloc_floor pins: ns per pair through the daemon's pinned allocator (%r)" % r.stdout.strip())
    after = fx.result("stats")
    t.eq((after["allocations_total"] - before["allocations_total"], after["frees_total"] - before["frees_total"],
          after["pages_allocated"]), (200, 200, before["pages_allocated"]),
         "the daemon's ledger counted the 200 pairs, and every page is back")

    # -- the page-frag allocator (bench/pagefrag/): objects.py's floor ----------------
    fl = fx.track(subprocess.Popen([os.path.join(at.HELPERS, "objects"), "--pagefrag", at.BUILD],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))

    def fl_cmd(line):
        fl.stdin.write(line + "\n")
        fl.stdin.flush()
        return fl.stdout.readline().strip()

    def fl_pages():
        """Pages present in its arenas (one per program object)."""
        mine = [a for a in fx.result("arenas") if any(p.get("pid") == fl.pid for p in a.get("processes", []))]
        return sum(a["pages_present"] for a in mine) if len(mine) == 2 else None

    t.eq(fl.stdout.readline().strip(), "ready", "objects --pagefrag: the floor's programs load on their own arena")
    before = fl_pages()
    kv = dict(x.split("=") for x in fl_cmd("mix 20000 7").split())
    t.eq((kv.get("ret"), kv.get("failed")), ("0", "0"), "its mix of 20000 objects allocates every one")
    after = fl_pages()
    t.ok(before is not None and after == before,
         "and gives every page back with its last object (%s pages present before, %s after)" % (before, after))
    t.eq(fl_cmd("htab-update 0 500 40"), "ok", "it builds a hash table of 500 nodes")
    t.eq(fl_cmd("htab-read"), "elems=500 sum=%d nodes=500 payload=ok" % sum(4 * k for k in range(500)),
         "which user space reads back")
    t.ok(float(fl_cmd("warm 64 100")) > 0 and float(fl_cmd("pairs 64 100")) > 0,
         "objects warm/pairs: ns per pair, on a kept page and on a page each")
    fl.stdin.close()
    t.eq(fl.wait(timeout=at.scaled(30)), 0, "and it exits 0 at the end of its input")

    # -- arena_create: the start-up floor --------------------------------------------
    t.eq(tool("arena_create", 256).returncode, 0, "arena_create: creates an arena and exits")
    r = tool("arena_create", 0)
    t.ok(r.returncode == 2 and "usage" in r.stderr, "arena_create refuses 0 pages")

t.done()
