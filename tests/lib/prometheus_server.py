"""A real Prometheus server (Debian's `prometheus`) for the integration
tests: on a free loopback port, with its configuration and data in the
fixture's private directory, stopped with the fixture's processes."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import arenad_test as at

PROMETHEUS = "prometheus"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metrics_port(fx, timeout=10):
    """The port the daemon logged for --metrics-listen ...:0."""
    deadline = time.monotonic() + at.scaled(timeout)
    while time.monotonic() < deadline:
        fx.logf.flush()
        with open(fx.log) as f:
            m = re.findall(r"metrics at http://127\.0\.0\.1:(\d+)/metrics", f.read())
        if m:
            return int(m[-1])
        time.sleep(0.05)
    raise RuntimeError("the daemon did not log its metrics address")


class Prometheus:
    """Scrapes 127.0.0.1:TARGET_PORT as job arenad every second and
    evaluates rule_files as often. .proc is None when it did not start."""

    def __init__(self, fx, target_port, rule_files=(), name="prometheus"):
        self.dir = os.path.join(fx.dir, name)
        os.mkdir(self.dir)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
            if rule_files:
                f.write("rule_files:\n" + "".join("  - '%s'\n" % p for p in rule_files))
            f.write("scrape_configs:\n  - job_name: arenad\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % target_port)
        self.proc = None
        self.port = None
        for _ in range(5):
            self.port = free_port()
            log = open(os.path.join(self.dir, "prometheus.log"), "ab")
            proc = fx.track(subprocess.Popen(
                [PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                 "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=at._die_with_parent))
            log.close()
            if at.poll(lambda: proc.poll() is not None or self._get("/-/ready") is not None,
                       lambda done: done, timeout=30) and proc.poll() is None:
                self.proc = proc
                return
            at.kill_tree(proc)		# the port was taken meanwhile: another one

    def _get(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                        timeout=at.scaled(5)) as r:
                return r.read()
        except OSError:
            return None

    def _api(self, path):
        body = self._get("/api/v1/" + path)
        try:
            r = json.loads(body) if body is not None else {}
        except ValueError:
            return None
        return r.get("data") if r.get("status") == "success" else None

    def query(self, q):
        """An instant query's result list, or None on an error."""
        data = self._api("query?query=" + urllib.parse.quote(q))
        return data.get("result") if data is not None else None

    def wait_query(self, q, pred, timeout=30):
        """The query's result once pred(result) holds, else the last one."""
        res = at.poll(lambda: self.query(q), lambda r: r is not None and pred(r), timeout=timeout, interval=0.5)
        return res

    def alerts(self):
        """/api/v1/alerts: the pending and firing alerts, or None."""
        data = self._api("alerts")
        return data.get("alerts") if data is not None else None

    def rules(self):
        """/api/v1/rules: the loaded rule groups, or None."""
        data = self._api("rules")
        return data.get("groups") if data is not None else None

    def log(self):
        with open(os.path.join(self.dir, "prometheus.log"), errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc:
            at.kill_tree(self.proc, signal.SIGTERM)
