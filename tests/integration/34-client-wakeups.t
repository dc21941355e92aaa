#!/usr/bin/env python3
# A client waiting for its reply is woken once: by the reply. Taking a
# request out of a Unix socket wakes its sender if it sleeps in a blocking
# read (the kernel tells it that it may write again, unix_write_space()),
# so the daemon takes a request out only after it has sent the reply
# (server.c, conn_consume()).
#
# Counted, not timed: a reader process makes blocking reads of the
# replies and counts its sleeps (voluntary context switches); each request
# is sent for it only once it sleeps in read(), so that the server always
# takes the request out while the reader sleeps. Woken once, the reader
# sleeps once per round trip; woken also by the request's removal, twice.
# The reader (and the sender) run on one CPU and the server on another, so
# that the reply cannot run the reader before the server has gone on to
# take the request out. The control is a server that reads each request
# and answers 2 ms later: the same count shows it waking the reader twice.
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)
CPUS = sorted(os.sched_getaffinity(0))
if len(CPUS) < 2:
    t.skip_all("needs two CPUs, one for the client and one for the server")
ROUND_TRIPS = 200
# Spaces in the ping: parsing them keeps the daemon busy between reading
# the request and answering it, long enough for a reader woken by the
# read to be asleep again before the reply (one read still takes it all).
PAD = 14000


def request(method, pad=0):
    """A request line; pad: spaces before its closing brace."""
    line = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method})
    return (line[:-1] + " " * pad + "}\n").encode()


# argv: the connection's fd, the fd to write a byte to per reply read, and
# how many replies. Prints its sleeps over them, then the last reply.
READER = """
import os, socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
progress, n = int(sys.argv[2]), int(sys.argv[3])
def sleeps():
    with open("/proc/thread-self/status") as f:
        return int([l for l in f if l.startswith("voluntary_ctxt_switches:")][0].split()[1])
before, buf = sleeps(), b""
for _ in range(n):
    while b"\\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("the server closed the connection")
        buf += chunk
    reply, buf = buf.split(b"\\n", 1)
    os.write(progress, b".")
print(sleeps() - before)
print(reply.decode())
"""


# argv: the socket path. Serves one connection after another.
CONTROL = """
import socket, sys, time
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen()
while True:
    conn, buf = listener.accept()[0], b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
        while b"\\n" in buf:
            buf = buf.split(b"\\n", 1)[1]
            time.sleep(0.002)
            conn.sendall(b'{"jsonrpc":"2.0","id":1,"result":{}}\\n')
    conn.close()
"""


def sleeps_per_round_trip(path, line, server_pid):
    """The reader's sleeps per round trip of line on path, and a reply."""
    os.sched_setaffinity(server_pid, {CPUS[1]})
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        progress_r, progress_w = os.pipe()
        reader = subprocess.Popen([sys.executable, "-c", READER, str(s.fileno()),
                                   str(progress_w), str(ROUND_TRIPS)],
                                  pass_fds=(s.fileno(), progress_w), stdout=subprocess.PIPE,
                                  text=True)
        os.close(progress_w)
        try:
            for _ in range(ROUND_TRIPS):
                deadline = time.monotonic() + at.scaled(at.TIMEOUT)
                while at.proc_state(reader.pid) != "S":
                    if time.monotonic() > deadline or reader.poll() is not None:
                        raise RuntimeError("the reader did not wait for a reply")
                    time.sleep(0.00005)	# it shares this CPU
                s.sendall(line)
                if os.read(progress_r, 1) != b".":
                    raise RuntimeError("the reader ended early")
            out, _ = reader.communicate(timeout=at.scaled(at.TIMEOUT))
        finally:
            reader.kill()
            reader.wait()
            os.close(progress_r)
    sleeps, reply = out.splitlines()
    return int(sleeps) / ROUND_TRIPS, reply


with at.Fixture(t) as fx:
    os.sched_setaffinity(0, {CPUS[0]})	# this process and the reader
    per_trip, reply = sleeps_per_round_trip(fx.socket, request("ping", PAD), fx.proc.pid)
    t.eq(json.loads(reply)["result"], {"pong": "arenad"}, "the daemon answers blocking pings")
    t.diag("reader sleeps per round trip, ping: %.2f" % per_trip)
    t.ok(per_trip <= 1.2, "a client waiting for a reply from the loop is woken once, by the reply")

    # scan is answered later, from the census worker: the request stays
    # in the socket until then.
    per_trip, reply = sleeps_per_round_trip(fx.socket, request("scan"), fx.proc.pid)
    t.eq(json.loads(reply)["result"]["pages_present"], 0, "the daemon answers blocking scans")
    t.diag("reader sleeps per round trip, scan: %.2f" % per_trip)
    t.ok(per_trip <= 1.2, "a client waiting for a deferred reply is woken once, by the reply")

    control_sock = os.path.join(fx.dir, "control.sock")
    srv = fx.track(subprocess.Popen([sys.executable, "-c", CONTROL, control_sock]))
    t.ok(at.wait_listening(control_sock, srv), "the control server listens")
    per_trip, _ = sleeps_per_round_trip(control_sock, request("ping"), srv.pid)
    t.diag("reader sleeps per round trip, the control: %.2f" % per_trip)
    t.ok(per_trip >= 1.8, "the control: a server that reads before it answers wakes the reader twice")
    srv.kill()
    srv.wait()

t.done()
