#!/usr/bin/env python3
# Bad input gets the documented JSON-RPC error and loses nothing: after each
# case the daemon still answers and the ledger is unchanged.
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def request_id(line):
    """The id an error reply must echo: the request's, if it has a valid
    one (JSON-RPC 2.0 section 5), else null."""
    try:
        req = json.loads(line)
    except ValueError:
        return None
    if isinstance(req, dict) and isinstance(req.get("id"), (int, str)):
        return req["id"]
    return None


def usage(st):
    return st["pages_allocated"], st["allocations"], st["owners"]


with at.Fixture(t, pages=64) as fx:
    keep = fx.result("alloc", {"pages": 4, "owner": "keep", "name": "keep"})
    baseline = fx.result("ranges")
    base_usage = usage(fx.result("stats"))

    def healthy(what):
        """ping and stats answer, and the ledger is as it was."""
        ping = fx.rpc("ping").get("result")
        st = fx.rpc("stats").get("result")
        good = (ping == {"pong": "arenad"} and st is not None and usage(st) == base_usage
                and fx.result("ranges") == baseline)
        t.ok(good, "daemon healthy, ledger unchanged after %s" % what)
        if not good:
            t.diag("ping: %r\nstats: %r" % (ping, st))

    cases = [
        (b'{"jsonrpc":"2.0","id":1,"method":"stats"\n', -32700, "truncated JSON"),
        (b'this is not json\n', -32700, "malformed JSON"),
        (b'{"jsonrpc":"2.0","id":1,"method":"ping"} trailing\n', -32700, "trailing garbage"),
        (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n', -32600, "a JSON array (batch)"),
        (b'42\n', -32600, "a JSON scalar"),
        (b'"ping"\n', -32600, "a JSON string"),
        (b'null\n', -32600, "JSON null"),
        (b'{"id":1,"method":"ping"}\n', -32600, "no jsonrpc member"),
        (b'{"jsonrpc":"2.0","id":1}\n', -32600, "no method"),
        (b'{"jsonrpc":"2.0","id":[1],"method":"ping"}\n', -32600, "array id"),
        (b'{"jsonrpc":"2.0","id":1,"method":"explode"}\n', -32601, "unknown method"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc"}\n', -32602, "alloc without params"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{}}\n', -32602, "alloc without pages"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":"4"}}\n', -32602, "pages as a string"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1.5}}\n', -32602, "fractional pages"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":-3}}\n', -32602, "negative pages"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":0}}\n', -32602, "pages=0"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":65}}\n', -32602, "pages above the arena size"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"owner":7}}\n', -32602, "owner as a number"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"owner":""}}\n', -32602, "empty owner"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"name":"' + b"x" * 64 + b'"}}\n', -32602, "64-byte name"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"colour":"red"}}\n', -32602, "unknown parameter"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":[1]}\n', -32602, "positional params"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"addr":"0x100000000800"}}\n', -32602, "unaligned fixed address"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{}}\n', -32602, "free without addr"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":4096}}\n', -32602, "addr as a number"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":"0xnothex"}}\n', -32602, "addr not hex"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":"0x100000000001"}}\n', -32602, "unaligned addr"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":"0x200000000000"}}\n', -32602, "addr outside the arena"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":"0x100000020000"}}\n', -32003, "free of an unknown address"),
        (b'{"jsonrpc":"2.0","id":1,"method":"free","params":{"addr":"0x100000001000"}}\n', -32003, "free inside an allocation"),
        (b'{"jsonrpc":"2.0","id":1,"method":"lookup","params":{"name":"absent"}}\n', -32003, "lookup of an unknown name"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"name":"keep"}}\n', -32004, "duplicate name"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"addr":"0x100000000000"}}\n', -32004, "fixed address in use"),
    ]
    for line, code, what in cases:
        r = fx.raw(line.rstrip(b"\n"))
        t.eq(at.error_code(r), code, "%s -> %d" % (what, code))
        if "error" in r and not r["error"].get("message"):
            t.ok(False, "error message present for %s" % what)
        want_id = request_id(line)
        if r.get("id") != want_id:
            t.ok(False, "%s: reply id %r, want %r" % (what, r.get("id"), want_id))
        healthy(what)

    # pages larger than what is free, but not than the arena
    big = fx.rpc("alloc", {"pages": 61})
    t.eq(at.error_code(big), -32001, "pages larger than free -> out of memory")
    t.ok("out of memory" in big["error"]["message"], "the message says out of memory")

    # double free
    d = fx.result("alloc", {"pages": 2})
    fx.result("free", {"addr": d["addr"]})
    t.eq(at.error_code(fx.rpc("free", {"addr": d["addr"]})), -32003, "double free -> not found")
    healthy("a double free")

    # A notification (no id) gets no reply; the next request still works.
    c = fx.client()
    c.send_raw(b'{"jsonrpc":"2.0","method":"ping"}\n{"jsonrpc":"2.0","id":9,"method":"ping"}\n')
    r = c.recv_line()
    t.eq(r.get("id"), 9, "a notification is not answered; the next request is")
    # Several requests in one write are answered in order.
    c.send_raw(b''.join(b'{"jsonrpc":"2.0","id":%d,"method":"ping"}\n' % i for i in range(20)))
    t.eq([c.recv_line()["id"] for _ in range(20)], list(range(20)), "pipelined requests answered in order")
    c.close()

    # Request lines: up to 64 KiB (the newline not counted) are fine.
    def ping_line(n):
        # Padded with JSON white space: ping takes no parameters.
        head, tail = b'{"jsonrpc":"2.0","id":1,"method":"ping"', b'}'
        return head + b" " * (n - len(head) - len(tail)) + tail

    LIMIT = 65536
    with fx.client() as c:
        r = c.request(ping_line(LIMIT))
        t.eq(r.get("result"), {"pong": "arenad"}, "a request line of exactly 64 KiB is served")
    for n in (LIMIT + 1, LIMIT + 4464):
        with fx.client() as c:
            r = c.request(ping_line(n))
            t.eq(at.error_code(r), -32600, "a %d-byte request line -> invalid request" % n)
    healthy("lines around the limit")

    # Edge cases of parameters and method names.
    for params, what in (({"pages": 1, "addr": "0x0"}, "an explicit address 0"),
                         ({"pages": 4, "addr": hex(0x100000000000 + 62 * 4096)}, "an allocation running past the arena's end"),
                         ({"pages": 1, "addr": "0x\t100000000000"}, "white space inside an address"),
                         ({"pages": 1, "addr": "0x" + "0" * 17 + "1"}, "an address of more than 16 digits")):
        t.eq(at.error_code(fx.rpc("alloc", params)), -32602, "%s -> -32602" % what)
    t.eq(at.error_code(fx.rpc("ping\u0000junk")), -32601, "a method name with an embedded NUL -> -32601")
    for m in ("ping", "version"):
        t.eq(at.error_code(fx.rpc(m, {"bogus": 1})), -32602, "%s refuses unknown params" % m)
    healthy("parameter edge cases")

    # A 1 MiB request line: an error, then the connection is closed.
    c = fx.client()
    other = fx.client()
    try:
        c.send_raw(ping_line(1 << 20) + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass            # the daemon may hang up before it has read it all
    r = c.recv_line()
    t.eq(at.error_code(r), -32600, "1 MiB line -> invalid request")
    t.ok("longer than" in r.get("error", {}).get("message", ""), "the message says the line is too long")
    t.ok(c.closed_by_peer(), "and the connection is closed")
    c.close()
    t.eq(other.call("ping").get("result"), {"pong": "arenad"}, "another client is unaffected")
    other.close()
    healthy("a 1 MiB line")

    # Clients that go away mid-request: half a line, a whole request whose
    # reply is never read, half of a huge line.
    for what, data in (("half a request", b'{"jsonrpc":"2.0","id":1,"meth'),
                       ("a request, reply unread", b'{"jsonrpc":"2.0","id":1,"method":"stats"}\n'),
                       ("an alloc, reply unread",
                        b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"name":"gone"}}\n'),
                       ("half of a 200 KiB line", ping_line(200 << 10)[:100 << 10])):
        s_ = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s_.settimeout(at.scaled(at.TIMEOUT))
        s_.connect(fx.socket)
        cut = False
        try:
            s_.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            # Past the 64 KiB line limit the daemon may answer and close
            # while the rest is still being sent (or the socket buffer took
            # it all first): what happens to it is the point.
            cut = True
        t.ok(not cut or len(data) > (64 << 10),
             "%s: the daemon cuts a sender short only on an over-long line" % what)
        s_.close()
        if b"alloc" in data:
            # The allocation happened; the reply just had nobody to read it.
            gone = fx.rpc("lookup", {"name": "gone"})
            t.eq(gone.get("result", {}).get("pages"), 1, "the unread alloc took effect")
            if "result" in gone:
                fx.result("free", {"addr": gone["result"]["addr"]})
        healthy("a client that sent %s and disconnected" % what)

    # Clients that misbehave while others work: one connects and sends
    # nothing, one sends half a request, one sends requests but never reads
    # the replies. They stay connected during everything below.
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(fx.socket)
    partial = fx.client()
    partial.send_raw(b'{"jsonrpc":"2.0","id":1,"meth')
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deaf.connect(fx.socket)
    deaf.setblocking(False)
    sent = 0
    chunk = b''.join(b'{"jsonrpc":"2.0","id":%d,"method":"stats"}\n' % i for i in range(1000))
    try:
        while sent < (8 << 20):
            sent += deaf.send(chunk)
    except BlockingIOError:
        pass            # the daemon stopped reading it: its replies are not read
    t.ok(sent < (8 << 20), "the daemon stops reading a client that does not read (%d bytes taken)" % sent)

    with fx.client() as c:      # its socket timeout fails the test if it hangs
        st = c.call("stats").get("result", {})
    t.eq(st.get("pages_allocated"), 4, "requests are answered while the three misbehave")
    t.eq(st.get("clients"), 4, "stats counts the four open connections")

    # Many concurrent clients, each doing several requests.
    errors = []

    def expect(reply, want, what):
        got = reply.get("result")
        if isinstance(got, dict):
            got = {k: v for k, v in got.items() if k != "created_s"}
        if got != want:
            raise AssertionError("%s: %r" % (what, reply))

    def worker(i):
        try:
            with fx.client() as cl:
                a = cl.call("alloc", {"pages": 1, "owner": "w%d" % i, "name": "w%d" % i})["result"]
                for _ in range(5):
                    expect(cl.call("ping"), {"pong": "arenad"}, "ping")
                expect(cl.call("lookup", {"name": "w%d" % i}),
                       dict(a, owner="w%d" % i, name="w%d" % i, uid=0, pid=os.getpid(),
                            comm=at.comm(os.getpid())), "lookup")
                expect(cl.call("free", {"addr": a["addr"]}), {"pages": 1}, "free")
        except Exception as e:  # noqa: BLE001
            errors.append("%d: %r" % (i, e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    t.eq(errors, [], "50 concurrent clients allocate, ping, look up and free")
    healthy("50 concurrent clients")
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["allocations"], st["allocations_total"] - st["frees_total"]),
         (4, 1, 1), "stats back to the one kept allocation")

    for s_ in (silent, partial, deaf):
        s_.close()
    healthy("the misbehaving clients went away")
    # The daemon notices the hang-ups in its own time: wait (bounded) for it.
    deadline = time.monotonic() + at.scaled(at.TIMEOUT)
    while fx.result("stats")["clients"] != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    t.eq(fx.result("stats")["clients"], 1, "their connections are gone")
t.done()
