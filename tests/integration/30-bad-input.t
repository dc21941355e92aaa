#!/usr/bin/env python3
# Bad input gets the documented JSON-RPC error and loses nothing: after each
# case the daemon still answers and the ledger is unchanged.
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()


def raw(fx, line):
    c = fx.client()
    try:
        c.send_raw(line if isinstance(line, bytes) else line.encode())
        return c.recv_line()
    finally:
        c.close()


with at.Fixture(t, pages=64) as fx:
    keep = fx.result("alloc", {"pages": 4, "owner": "keep", "name": "keep"})
    baseline = fx.result("ranges")

    def healthy(what):
        ok = fx.result("ping") == {"pong": "arenad"} and fx.result("ranges") == baseline
        t.ok(ok, "daemon healthy, ledger unchanged after %s" % what)

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
        r = raw(fx, line)
        t.eq(at.error_code(r), code, "%s -> %d" % (what, code))
        if "error" in r and not r["error"].get("message"):
            t.ok(False, "error message present for %s" % what)
    healthy("the error cases")

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

    # A 1 MiB request line: an error, then the connection is closed.
    c = fx.client()
    other = fx.client()
    try:
        c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + b"x" * (1 << 20) + b'"}}\n')
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = c.recv_line()
    t.eq(at.error_code(r), -32600, "1 MiB line -> invalid request")
    closed = False
    try:
        c.sock.settimeout(5)
        while True:
            if not c.sock.recv(65536):
                closed = True
                break
    except (ConnectionResetError, OSError):
        closed = True
    t.ok(closed, "and the connection is closed")
    t.eq(other.call("ping").get("result"), {"pong": "arenad"}, "another client is unaffected")
    other.close()
    healthy("a 1 MiB line")

    # A silent client does not delay others.
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(fx.socket)
    partial = fx.client()
    partial.send_raw(b'{"jsonrpc":"2.0","id":1,"meth')     # half a request, then silence
    c = fx.client(timeout=5)
    st = c.call("stats").get("result", {})
    t.eq(st.get("pages_allocated"), 4,
         "requests are answered while a silent and a half-sent client wait")
    t.eq(st.get("clients"), 3, "stats counts the three open connections")
    c.close()
    # Disconnecting mid-request.
    partial.close()
    silent.close()
    healthy("clients that went away mid-request")

    # Many concurrent clients, each doing several requests.
    errors = []

    def worker(i):
        try:
            cl = fx.client(timeout=20)
            a = cl.call("alloc", {"pages": 1, "owner": "w%d" % i})["result"]
            for _ in range(5):
                assert cl.call("ping")["result"] == {"pong": "arenad"}
            assert cl.call("free", {"addr": a["addr"]})["result"] == {"pages": 1}
            cl.close()
        except Exception as e:  # noqa: BLE001
            errors.append("%d: %r" % (i, e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    t.eq(errors, [], "50 concurrent clients allocate, ping and free")
    healthy("50 concurrent clients")
    st = fx.result("stats")
    t.eq((st["pages_allocated"], st["allocations"]), (4, 1), "stats back to the one kept allocation")
t.done()
