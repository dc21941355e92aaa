#!/usr/bin/env python3
# Every reply is valid JSON in valid UTF-8, whatever the request, and the
# framing of a line does not depend on how the reads split it.
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
LIMIT = 65536


def strict(raw):
    """Parse a reply line as RFC 8259 JSON in UTF-8, or None."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return None


def raw_reply(fx, line):
    """Send one line, return the raw reply line (bytes, no newline)."""
    with fx.client() as c:
        try:
            return c.request_raw(line)[:-1]
        except ConnectionError:
            return c.buf        # what came before the hang-up


def ping_line(n, id_=1):
    head, tail = b'{"jsonrpc":"2.0","id":%d,"method":"ping"' % id_, b'}'
    return head + b" " * (n - len(head) - len(tail)) + tail


with at.Fixture(t, pages=64) as fx:
    cases = [
        (b'{"jsonrpc":"2.0","id":NaN,"method":"ping"}', -32700, None, "id NaN"),
        (b'{"jsonrpc":"2.0","id":Infinity,"method":"ping"}', -32700, None, "id Infinity"),
        (b'{"jsonrpc":"2.0","id":-Infinity,"method":"ping"}', -32700, None, "id -Infinity"),
        (b"{'jsonrpc':'2.0','id':1,'method':'ping'}", -32700, None, "single quotes"),
        (b'{"jsonrpc":"2.0","id":1,"method":"ping",}', -32700, None, "a trailing comma"),
        (b'{"jsonrpc":"2.0",/* x */"id":1,"method":"ping"}', -32700, None, "a comment"),
        (b'{"jsonrpc":"2.0","id":"\xff","method":"ping"}', -32700, None, "invalid UTF-8 in the id"),
        (b'{"jsonrpc":"2.0","id":1,"method":"p\xc3\x28ing"}', -32700, None, "invalid UTF-8 in the method"),
        (b'{"jsonrpc":"2.0","id":1,"method":"alloc","params":{"pages":1,"owner":"\xed\xa0\x80"}}', -32700,
         None, "an encoded surrogate in a parameter"),
        (b'{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}', -32600, None, "id 2^64"),
    ]
    for line, code, want_id, what in cases:
        raw = raw_reply(fx, line)
        r = strict(raw)
        t.ok(r is not None, "%s: the reply is valid JSON in UTF-8" % what)
        if r is None:
            t.diag(repr(raw))
            continue
        t.eq(at.error_code(r), code, "%s -> %d" % (what, code))
        t.eq(r.get("id", "missing"), want_id, "%s: reply id %r" % (what, want_id))

    raw = raw_reply(fx, b'{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}')
    t.ok(raw.endswith(b'"id":18446744073709551615}'), "id 2^64-1 comes back as sent")
    # A method name cut at the message's limit inside a character.
    name = b"m" * 63 + "\u00e9".encode() * 30
    raw = raw_reply(fx, b'{"jsonrpc":"2.0","id":1,"method":"' + name + b'"}')
    r = strict(raw)
    t.ok(r is not None and at.error_code(r) == -32601, "a long multi-byte method name: -32601 in valid UTF-8")
    key = "\u20ac".encode() * 200
    raw = raw_reply(fx, b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"' + key + b'":1}}')
    r = strict(raw)
    t.ok(r is not None and at.error_code(r) == -32602, "a long multi-byte parameter key: -32602 in valid UTF-8")

    # Framing: a line of exactly the limit followed by CRLF is one request,
    # however the reads split it: whole, CR and LF apart, byte by byte at the end.
    line = ping_line(LIMIT)
    for what, parts in (("in one write", [line + b"\r\n"]),
                        ("CR and LF in separate writes", [line + b"\r", b"\n"]),
                        ("line, CR, LF apart", [line, b"\r", b"\n"]),
                        ("split inside the line", [line[:40000], line[40000:] + b"\r", b"\n"])):
        with fx.client() as c:
            for p in parts:
                c.send_raw(p)
                time.sleep(0.05)    # separate reads in the daemon
            r = c.recv_line()
            t.eq(r.get("result"), {"pong": "arenad"}, "a %d-byte line + CRLF, %s, is served" % (LIMIT, what))
            t.eq(c.call("ping").get("result"), {"pong": "arenad"}, "... and the connection goes on (%s)" % what)
    with fx.client() as c:
        c.send_raw(ping_line(LIMIT + 1) + b"\r")
        time.sleep(0.05)
        try:
            c.send_raw(b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass        # refused as soon as the CR came: too long already
        t.eq(at.error_code(c.recv_line()), -32600, "a line one byte over the limit + split CRLF is refused")

    # A final request without a newline is answered, then the connection closes.
    with fx.client() as c:
        c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"ping"}')
        c.sock.shutdown(socket.SHUT_WR)
        t.eq([c.recv_line().get("id"), c.recv_line().get("id")], [1, 2],
             "a last request without a newline is answered after EOF")
        t.ok(c.closed_by_peer(), "... and then the connection is closed")
    with fx.client() as c:
        c.send_raw(b'{"jsonrpc":"2.0","id":3,"method":')
        c.sock.shutdown(socket.SHUT_WR)
        t.eq(at.error_code(c.recv_line()), -32700, "an incomplete last request gets -32700 after EOF")
    t.eq(fx.result("ping"), {"pong": "arenad"}, "the daemon still answers")
t.done()
