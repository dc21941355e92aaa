#!/usr/bin/env python3
# The monitoring mixin end to end (monitoring/, docs/monitoring.md): a real
# Prometheus on loopback loads the mixin's rules, with every for: cut to a
# few seconds in the test's own copy, and scrapes a live arenad; once the
# test fills the managed arena past 90 %, /api/v1/alerts shows
# ArenadArenaNearlyFull firing for it, and freeing the pages resolves it.
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402
from prometheus_server import Prometheus, metrics_port  # noqa: E402

MIXIN = os.path.join(at.REPO, "monitoring")
RULE_FILES = ("arenad-rules.yml", "arenad-alerts.yml")
PAGES = 256
FULL = 236		# pages: 92 % of the arena, past the alert's 90 %

t = at.Tap()


def shortened(fx):
    """The mixin's rule files, every `for:` at 2 s: the alert fires
    seconds after its condition holds instead of minutes."""
    paths = []
    for name in RULE_FILES:
        with open(os.path.join(MIXIN, name)) as f:
            text = re.sub(r"^(\s+for:) \S+$", r"\1 2s", f.read(), flags=re.M)
        path = os.path.join(fx.dir, name)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    return paths


def nearly_full(alerts, map_id):
    return [a for a in alerts or [] if a["labels"].get("alertname") == "ArenadArenaNearlyFull"
            and a["labels"].get("map_id") == map_id]


with at.Fixture(t, pages=PAGES, args=["--metrics-listen", "127.0.0.1:0"]) as fx:
    port = metrics_port(fx)
    mid = str(fx.result("stats")["map_id"])
    prom = Prometheus(fx, port, shortened(fx))
    t.ok(prom.proc is not None, "a private Prometheus server runs on 127.0.0.1:%s" % prom.port)

    want = {}
    for name in RULE_FILES:
        with open(os.path.join(MIXIN, name)) as f:
            for g in yaml.safe_load(f)["groups"]:
                want[g["name"]] = sorted(r.get("alert") or r.get("record") for r in g["rules"])
    groups = at.poll(prom.rules, lambda g: g is not None and len(g) == len(want), timeout=30)
    got = {g["name"]: sorted(r["name"] for r in g["rules"]) for g in groups or []}
    t.eq(got, want, "Prometheus loaded every rule of the mixin")

    ratio = 'instance_map_id:arenad_arena_present_per_size:ratio{map_id="%s"}' % mid
    res = prom.wait_query(ratio, lambda r: len(r) == 1, timeout=60)
    t.ok(res and len(res) == 1 and float(res[0]["value"][1]) < 0.9,
         "the managed arena's recorded fill ratio, nearly empty: %r" % (res and res[0]["value"][1]))
    t.eq(nearly_full(prom.alerts(), mid), [], "ArenadArenaNearlyFull is silent meanwhile")

    a = fx.result("alloc", {"pages": FULL, "owner": "filler"})
    t.eq(a["pages"], FULL, "the test fills %d of the arena's %d pages" % (FULL, PAGES))
    alerts = at.poll(prom.alerts, lambda al: any(x["state"] == "firing" for x in nearly_full(al, mid)),
                     timeout=120, interval=0.5)
    firing = [x for x in nearly_full(alerts, mid) if x["state"] == "firing"]
    t.ok(len(firing) == 1, "/api/v1/alerts: ArenadArenaNearlyFull fires for map %s" % mid)
    if firing:
        labels = firing[0]["labels"]
        t.ok(labels.get("managed") == "true" and labels.get("severity") == "warning"
             and labels.get("job") == "arenad" and labels.get("instance") == "127.0.0.1:%d" % port,
             "with the arena's labels and its severity: %r" % labels)
        t.ok(re.search(r"is 9\d(\.\d+)?% present", firing[0]["annotations"].get("summary", "")),
             "its summary: %r" % firing[0]["annotations"].get("summary"))
    else:
        t.skip("no alert fired", 2)
        t.diag("alerts: %r" % alerts)
        t.diag(prom.log()[-2000:])

    fx.result("free", {"addr": a["addr"]})
    alerts = at.poll(prom.alerts, lambda al: al is not None and not nearly_full(al, mid), timeout=120, interval=0.5)
    t.eq(nearly_full(alerts, mid), [], "freeing the pages resolves it")
    t.diag("other alerts meanwhile: %s" % sorted({x["labels"]["alertname"] for x in alerts or []}))
    prom.stop()
t.done()
