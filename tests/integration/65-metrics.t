#!/usr/bin/env python3
# Prometheus metrics: the `metrics` method and `arenactl-client metrics`,
# the HTTP listener (--metrics-listen and a socket passed as "metrics"),
# what it refuses, that it never holds up the Unix-socket clients, and a
# real Prometheus server (Debian's `prometheus` package) scraping it.
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402
from prometheus_server import Prometheus, free_port, metrics_port  # noqa: E402

t = at.Tap()
PROMTOOL = "promtool"


def promtool_check(text, what):
    """promtool accepts the text, lint included (it exits non-zero on a
    problem and names it)."""
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=at.scaled(60))
    t.ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(), "promtool check metrics accepts %s" % what)
    if r.returncode or (r.stdout + r.stderr).strip():
        t.diag(r.stdout + r.stderr)


def samples(text):
    """{(name, frozenset(labels)): value} from exposition text (the subset
    arenad writes: no timestamps)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            out[("UNPARSED", line)] = None
            continue
        labels = {}
        for k, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""):
            labels[k] = v.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


def value(text_, name_, **labels):
    want = frozenset(labels.items())
    for (n, ls), v in samples(text_).items():
        if n == name_ and want <= ls:
            return v
    return None


def http_req(port, method="GET", path="/metrics", body=None, headers=None, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=at.scaled(timeout))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def ping_seconds(fx):
    t0 = time.monotonic()
    ok = fx.result("ping") == {"pong": "arenad"}
    return time.monotonic() - t0 if ok else 99.0


def loaded_microhttpd(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libmicrohttpd" in f.read()


# libmicrohttpd (and GnuTLS with it) is loaded for a listener only.
with at.Fixture(t, pages=256) as fx:
    t.ok(fx.result("metrics") and not loaded_microhttpd(fx.proc.pid),
         "without a listener, the daemon serves the metrics method and has not loaded libmicrohttpd")

with at.Fixture(t, pages=256, args=["--metrics-listen", "127.0.0.1:0"]) as fx:
    port = metrics_port(fx)
    pid = fx.proc.pid
    t.ok(loaded_microhttpd(pid), "with a listener, it has loaded libmicrohttpd")

    # --- the method ---------------------------------------------------
    fx.result("alloc", {"pages": 16, "owner": "demo"})
    fx.result("alloc", {"pages": 2, "owner": 'q"uo\\te'})
    fx.result("alloc", {"pages": 1})		# accounted to uid:0
    a = fx.result("alloc", {"pages": 3, "owner": "gone"})
    fx.result("free", {"addr": a["addr"]})
    r = fx.rpc("alloc", {"pages": 250, "owner": "toomuch"})	# does not fit: a failure
    t.ok(at.error_code(r) is not None, "an allocation that does not fit fails")

    text = fx.result("metrics")["text"]
    promtool_check(text, "the method's text")
    t.eq(value(text, "arenad_owner_allocated_bytes", owner="demo"), 65536.0,
         "arenad_owner_allocated_bytes{owner=\"demo\"} is 16 pages in bytes")
    t.ok('arenad_owner_allocated_bytes{owner="q\\"uo\\\\te"} 8192' in text,
         "label values are escaped (double quote, backslash)")
    t.eq(value(text, "arenad_owner_allocated_bytes", owner="uid:0"), 4096.0, "the default owner uid:0")
    t.eq(value(text, "arenad_owner_allocated_bytes", owner="gone"), None, "an owner with nothing left is not listed")
    t.eq(value(text, "arenad_allocated_bytes"), 19 * 4096.0, "arenad_allocated_bytes")
    t.eq(value(text, "arenad_allocations"), 3.0, "arenad_allocations (live)")
    t.eq(value(text, "arenad_allocations_total"), 4.0, "arenad_allocations_total")
    t.eq(value(text, "arenad_frees_total"), 1.0, "arenad_frees_total")
    t.eq(value(text, "arenad_alloc_failures_total"), 1.0, "arenad_alloc_failures_total")
    t.eq(value(text, "arenad_high_water_bytes"), 22 * 4096.0, "arenad_high_water_bytes")
    t.eq(value(text, "arenad_up"), 1.0, "arenad_up")
    ver = fx.result("version")
    t.eq(value(text, "arenad_build_info", version=ver["version"], abi=str(ver["abi"])), 1.0,
         "arenad_build_info{version,abi} 1")
    t.ok(value(text, "arenad_clients") is not None and value(text, "arenad_clients") >= 1,
         "arenad_clients counts this connection")
    stats = fx.result("stats")
    mid = str(stats["map_id"])
    t.eq(value(text, "arenad_arena_size_bytes", map_id=mid, managed="true"), 256 * 4096.0,
         "arenad_arena_size_bytes of the managed arena")
    for fam in ("arenad_up", "arenad_allocated_bytes", "arenad_allocations_total",
                "arenad_owner_allocated_bytes", "arenad_arena_size_bytes", "arenad_arena_present_bytes"):
        t.ok("# HELP %s " % fam in text and re.search(r"# TYPE %s (gauge|counter)\n" % fam, text),
             "%s has # HELP and # TYPE" % fam)
    t.ok(all(("# TYPE %s counter" % n) in text for n in
             ("arenad_allocations_total", "arenad_frees_total", "arenad_alloc_failures_total")),
         "the _total families are counters")

    # The census figures come from the latest finished census: with
    # --metrics-listen the daemon runs one at start and every minute.
    scan = fx.result("scan")
    text = fx.result("metrics")["text"]
    t.eq(value(text, "arenad_arena_present_bytes", map_id=mid, managed="true"),
         scan["pages_present"] * 4096.0, "arenad_arena_present_bytes of the managed arena = the census")
    t.eq(value(text, "arenad_unaccounted_bytes"), scan["pages_unaccounted"] * 4096.0,
         "arenad_unaccounted_bytes = the census")
    dur = value(text, "arenad_census_duration_seconds")
    t.ok(dur is not None and 0 <= dur < 60, "arenad_census_duration_seconds of the latest inventory: %r" % dur)
    stamp = value(text, "arenad_census_timestamp_seconds")
    t.ok(stamp is not None and -1 < time.time() - stamp < at.scaled(70),
         "arenad_census_timestamp_seconds is the latest census's end, in Unix time: %.1f s ago"
         % (time.time() - (stamp or 0)))
    t.ok("process_" not in text, "the method's text has no process_* families (node_exporter has its own)")
    # Every arena on the host: a foreign one (tests/foreign, an arena user
    # that knows nothing of arenad) with 5 pages allocated by the kfunc and
    # 3 touched from user space. A scrape reports the latest finished
    # inventory and asks for a fresh one when it is older than 5 s.
    fa = at.ForeignArena(fx, "--pages", 256, "--addr", "0x300000000000", "--alloc", 5, "--ranges", 2, "--touch", 3)
    fid = str(fa.id)
    deadline = time.monotonic() + at.scaled(30)
    while time.monotonic() < deadline:
        text = fx.result("metrics")["text"]
        if value(text, "arenad_arena_present_bytes", map_id=fid) is not None:
            break
        time.sleep(0.5)
    t.eq(value(text, "arenad_arena_present_bytes", map_id=fid, managed="false", name="foreign_arena"),
         8 * 4096.0, "arenad_arena_present_bytes of a foreign arena: its 5 + 3 present pages")
    t.eq(value(text, "arenad_arena_size_bytes", map_id=fid, managed="false"), 256 * 4096.0,
         "arenad_arena_size_bytes of the foreign arena")
    t.ok((value(text, "arenad_arena_programs", map_id=fid) or 0) >= 1,
         "arenad_arena_programs counts the foreign program")
    t.ok((value(text, "arenad_arena_processes", map_id=fid) or 0) >= 1,
         "arenad_arena_processes counts the foreign process")
    t.eq(fa.check(), "ok", "the foreign arena's bytes are unchanged")
    promtool_check(text, "the text with a foreign arena")

    r = fx.rpc("metrics", {"x": 1})
    t.eq(at.error_code(r), -32602, "metrics takes no parameters")

    # --- arenactl-client metrics -----------------------------------------
    rc, out, err = fx.ctl("metrics")
    t.ok(rc == 0 and out.startswith("# HELP ") and "arenad_owner_allocated_bytes{owner=\"demo\"} 65536\n" in out,
         "arenactl-client metrics prints the text alone")
    promtool_check(out, "arenactl-client metrics")
    rc, out, err = fx.ctl("--json", "metrics")
    t.ok(rc == 0 and json.loads(out)["text"].startswith("# HELP"), "--json metrics prints the method's result")
    prom_dir = os.path.join(fx.dir, "textfile")
    os.mkdir(prom_dir)
    target = os.path.join(prom_dir, "arenad.prom")
    with open(target, "w") as f:
        f.write("old\n")
    old_ino = os.stat(target).st_ino
    old_umask = os.umask(0o077)
    rc, out, err = fx.ctl("metrics", "--output", target)
    os.umask(old_umask)
    st = os.stat(target)
    with open(target) as f:
        written = f.read()
    t.ok(rc == 0 and out == "" and "arenad_up 1\n" in written, "metrics --output writes the file")
    t.ok(st.st_ino != old_ino, "the file is replaced by a rename, not rewritten in place")
    t.eq(oct(st.st_mode & 0o777), oct(0o644), "the file is readable by the collector whatever the umask")
    t.eq(sorted(os.listdir(prom_dir)), ["arenad.prom"], "no temporary file is left behind")
    rc, out, err = fx.ctl("metrics", "--output", os.path.join(fx.dir, "no", "such", "dir", "x.prom"))
    t.ok(rc == 1 and "x.prom" in err, "an unwritable --output fails with its path: %r" % err.strip())
    rc, out, err = fx.ctl("metrics", "--bogus")
    t.eq(rc, 2, "an unknown metrics option is a usage error")

    # --- HTTP ----------------------------------------------------------
    status, hdrs, body = http_req(port)
    t.eq(status, 200, "GET /metrics answers 200")
    t.eq(hdrs.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8",
         "Content-Type names the exposition format 0.0.4")
    promtool_check(body.decode(), "the endpoint's output")
    # The daemon's own process, as client libraries export it.
    ptext = body.decode()
    fds = len(os.listdir("/proc/%d/fd" % pid))
    got = value(ptext, "process_open_fds")
    t.ok(got is not None and abs(got - fds) <= 2, "process_open_fds %r ~ /proc/PID/fd's %d" % (got, fds))
    with open("/proc/%d/limits" % pid) as f:
        soft = re.search(r"Max open files\s+(\d+)", f.read()).group(1)
    t.eq(value(ptext, "process_max_fds"), float(soft), "process_max_fds is the soft RLIMIT_NOFILE")
    got = value(ptext, "process_resident_memory_bytes")
    t.ok(got and abs(got / 1024 - rss_kib(pid)) < rss_kib(pid) / 4,
         "process_resident_memory_bytes %r ~ VmRSS %d KiB" % (got, rss_kib(pid)))
    with open("/proc/%d/stat" % pid) as f:
        tck = os.sysconf("SC_CLK_TCK")
        started = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME) + int(f.read().rsplit(")", 1)[1].split()[19]) / tck
    got = value(ptext, "process_start_time_seconds")
    t.ok(got and abs(got - started) < 2, "process_start_time_seconds %r ~ %.2f" % (got, started))
    t.ok(value(ptext, "process_cpu_seconds_total") is not None and "# TYPE process_cpu_seconds_total counter" in ptext,
         "process_cpu_seconds_total is a counter")
    t.eq(value(body.decode(), "arenad_owner_allocated_bytes", owner="demo"), 65536.0,
         "the endpoint has the owner's bytes")
    status, hdrs, body = http_req(port, "GET", "/metrics?format=x")
    t.eq(status, 200, "a query string does not change the path")
    status, hdrs, body = http_req(port, "HEAD")
    t.ok(status == 200 and body == b"", "HEAD /metrics: 200 without a body")
    for path in ("/", "/metrics/", "/metricsx", "/favicon.ico", "/../metrics"):
        status, hdrs, body = http_req(port, "GET", path)
        t.eq(status, 404, "GET %s is 404" % path)
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        status, hdrs, body = http_req(port, method, "/metrics", body=b"x=1" if method in ("POST", "PUT") else None)
        t.ok(status == 405 and hdrs.get("Allow") == "GET, HEAD",
             "%s /metrics is 405 with Allow: GET, HEAD (%s)" % (method, status))

    # Oversized requests: refused without growing the daemon.
    rss0 = rss_kib(pid)
    status, hdrs, body = http_req(port, "GET", "/" + "a" * 200000)
    t.ok(status in (414, 431, 413), "a 200 kB URL is refused (%d)" % status)
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", port), timeout=at.scaled(5))
        try:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            try:
                for _ in range(64):		# 1 MiB of headers
                    s.sendall(b"X-Pad: " + b"a" * 16370 + b"\r\n")
            except OSError:
                pass			# refused and closed mid-way: fine
            s.settimeout(at.scaled(5))
            try:
                reply = s.recv(4096)
            except OSError:
                reply = b""
        finally:
            s.close()
    t.ok(reply == b"" or re.match(rb"HTTP/1\.[01] (431|413|400)", reply),
         "1 MiB of headers is refused: %r" % reply[:40])
    s = socket.create_connection(("127.0.0.1", port), timeout=at.scaled(5))
    reply = b""
    try:
        s.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (4 << 20))
        try:
            for _ in range(64):
                s.sendall(b"x" * 65536)
        except OSError:
            pass			# the server answered and closed: fine
        try:
            reply = s.recv(4096)
        except OSError:
            pass
    finally:
        s.close()
    t.ok(reply.startswith(b"HTTP/1.1 405"), "a 4 MiB POST body is refused, not read: %r" % reply[:30])
    rss1 = rss_kib(pid)
    t.ok(rss1 - rss0 < 8192, "daemon memory stays bounded (RSS %d -> %d KiB)" % (rss0, rss1))
    t.ok(fx.proc.poll() is None, "the daemon survived the oversized requests")

    # Many idle or half-sent connections: refused past the limit, and the
    # Unix-socket clients are answered meanwhile.
    idle = []
    for i in range(60):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=at.scaled(2))
            if i % 2:
                s.sendall(b"GET /metr")		# a request that never ends
            idle.append(s)
        except OSError:
            break
    time.sleep(0.3)
    # A loop blocked on a stalled HTTP client would never answer: the
    # answer is the check, its time only a figure (a guest is 10x slower).
    slow = ping_seconds(fx)
    t.ok(slow < at.scaled(at.TIMEOUT), "a Unix-socket ping is answered with 60 stalled HTTP clients (%.3f s)" % slow)
    t.ok(fx.result("stats")["pages_allocated"] == 19, "stats answered meanwhile")
    closed = 0
    for s in idle:
        s.settimeout(at.scaled(0.5))
        try:
            if s.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    t.ok(closed >= 60 - 32, "connections past the limit of 32 are closed (%d of %d)" % (closed, len(idle)))
    for s in idle:
        s.close()
    def status():
        try:
            return http_req(port)[0]
        except OSError:
            return None

    # The listener frees their slots as it sees the hang-ups.
    t.eq(at.poll(status, lambda s: s == 200), 200, "GET /metrics works again once they are gone")

    # A scrape does not wait for a census: it reports the latest one, so
    # the census does not get younger. The periodic census (every 60 s
    # while metrics are served) must not fall within the scrapes.
    def census_age():
        return fx.result("stats").get("census_age_s")
    before = at.poll(census_age, lambda a: a is not None and a >= 1)
    t0 = time.monotonic()
    for _ in range(20):
        http_req(port)
    took = time.monotonic() - t0
    after = census_age()
    if before is not None and before + took + 2 < 60:
        t.ok(after >= before, "20 scrapes ran no census: its age went from %d to %d s (%.3f s a scrape)"
             % (before, after, took / 20))
    else:
        t.skip("a periodic census was due during the scrapes (age %s s, %.1f s of scrapes)"
               % (before, took))

    # --- a real Prometheus scraping the endpoint ---------------------------
    prom = Prometheus(fx, port)
    t.ok(prom.proc is not None, "a private Prometheus server runs on 127.0.0.1:%s" % prom.port)
    wait_query = prom.wait_query

    res = wait_query('up{job="arenad"}', lambda r: len(r) == 1 and r[0]["value"][1] == "1")
    t.ok(res and res[0]["value"][1] == "1", "Prometheus scrapes the endpoint: up == 1 (%r)" % res)
    res = wait_query('arenad_owner_allocated_bytes{owner="demo"}',
                     lambda r: len(r) == 1 and r[0]["value"][1] == "65536")
    t.ok(res and len(res) == 1 and res[0]["value"][1] == "65536",
         "PromQL arenad_owner_allocated_bytes{owner=\"demo\"} returns 65536 (%r)" % res)
    # A change shows up at the next scrapes.
    fx.result("alloc", {"pages": 16, "owner": "demo"})
    res = wait_query('arenad_owner_allocated_bytes{owner="demo"}',
                     lambda r: len(r) == 1 and r[0]["value"][1] == "131072")
    t.ok(res and res[0]["value"][1] == "131072", "after a second alloc of 16 pages: 131072 (%r)" % res)
    res = wait_query('arenad_owner_allocated_bytes{owner="q\\"uo\\\\te"}', lambda r: len(r) == 1)
    t.ok(res and res[0]["metric"]["owner"] == 'q"uo\\te', "an escaped owner reaches Prometheus intact (%r)" % res)
    res = wait_query('arenad_arena_size_bytes{managed="true",map_id="%s"}' % mid, lambda r: len(r) == 1)
    t.ok(res and res[0]["value"][1] == str(256 * 4096), "the managed arena's size through PromQL")
    res = wait_query('arenad_arena_present_bytes{map_id="%s"}' % fid, lambda r: len(r) == 1)
    t.ok(res and res[0]["value"][1] == str(8 * 4096) and res[0]["metric"].get("managed") == "false",
         "PromQL: the foreign arena's present bytes (%r)" % res)
    fa.exit()
    res = wait_query('arenad_arena_size_bytes{map_id="%s"}' % fid, lambda r: len(r) == 0)
    t.eq(res, [], "an arena that went away leaves the scrapes")
    prom.stop()
    t.ok(prom.proc is not None and prom.proc.poll() is not None, "Prometheus stopped")
    fx.stop()

    # --- socket activation: two named sockets ------------------------------
    act = os.path.join(fx.dir, "activated.sock")
    mport = free_port()
    sa = fx.track(subprocess.Popen(
        ["systemd-socket-activate", "-l", act, "-l", "127.0.0.1:%d" % mport,
         "--fdname=arenad.socket:metrics", fx.daemon, "--pin-dir", fx.pin_dir,
         "--socket", os.path.join(fx.dir, "never.sock"), "--pages", "256"],
        stdout=fx.logf, stderr=fx.logf, preexec_fn=at._die_with_parent))
    # systemd-socket-activate binds the Unix socket, then the TCP one: a
    # scrape is refused until both are there.
    def scrape():
        try:
            return http_req(mport, timeout=15)
        except OSError as e:
            return str(e), None, b""
    status, hdrs, body = at.poll(scrape, lambda r: "refused" not in str(r[0]), timeout=20, interval=0.05)
    t.eq(status, 200, "a scrape of the passed \"metrics\" socket starts the daemon and is answered")
    t.eq(value(body.decode(), "arenad_owner_allocated_bytes", owner="demo"), 131072.0,
         "with the adopted state")
    r = at.Client(act).call("ping")
    t.eq(r.get("result"), {"pong": "arenad"}, "the control socket passed next to it answers")
    t.ok(not os.path.exists(os.path.join(fx.dir, "never.sock")), "no socket of its own was created")
    at.kill_tree(sa)

    # Two sockets for one role: refused, not guessed.
    mport2 = free_port()
    sa = fx.track(subprocess.Popen(
        ["systemd-socket-activate", "-l", "127.0.0.1:%d" % mport2,
         "-l", os.path.join(fx.dir, "a2.sock"), "--fdname=metrics:metrics",
         fx.daemon, "--pin-dir", fx.pin_dir, "--pages", "256",
         "--socket", os.path.join(fx.dir, "x.sock")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=at._die_with_parent))
    deadline = time.monotonic() + at.scaled(20)
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", mport2), timeout=at.scaled(1)).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        out, _ = sa.communicate(timeout=at.scaled(20))
    except subprocess.TimeoutExpired:
        at.kill_tree(sa)
        out = "(still running)"
    t.ok(sa.returncode not in (0, None) and "more than one metrics socket" in out,
         "two sockets named metrics are refused: %r" % out.strip()[-100:])

    # Bad option values.
    for bad in ("localhost:80", "127.0.0.1:99999", "::1:80", ""):
        rc, out = fx.run_daemon(["--metrics-listen", bad])
        t.ok(rc == 2 and "--metrics-listen" in out, "--metrics-listen %r is refused" % bad)
    # A port in use: start-up fails with the address named.
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    rc, out = fx.run_daemon(["--metrics-listen", "127.0.0.1:%d" % busy.getsockname()[1]])
    busy.close()
    t.ok(rc != 0 and "metrics: listen on 127.0.0.1:" in out and "in use" in out,
         "a busy port fails the start with the address: %r" % out.strip()[-120:])

t.done()
