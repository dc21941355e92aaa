#!/usr/bin/env python3
# The mixin's rules (monitoring/*.yml): promtool accepts them, their unit
# tests (tests/monitoring/*.test.yml) pass, every alert has a test that
# sees it silent, then firing, then resolved, and every series they read is
# one arenad exports (or a rule records).
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import arenad_test as at  # noqa: E402
import mixin  # noqa: E402

t = at.Tap()


def promtool(*args):
    r = subprocess.run(["promtool"] + list(args), capture_output=True, text=True, timeout=120)
    if r.returncode:
        t.diag(r.stdout + r.stderr)
    return r.returncode


for path in mixin.RULE_FILES:
    t.eq(promtool("check", "rules", path), 0, "promtool check rules %s" % os.path.basename(path))
for path in mixin.RULE_TESTS:
    t.eq(promtool("test", "rules", path), 0, "promtool test rules %s" % os.path.basename(path))

groups = []
for path in mixin.RULE_FILES:
    with open(path) as f:
        groups += yaml.safe_load(f)["groups"]
alerts = [r["alert"] for g in groups for r in g["rules"] if "alert" in r]
t.ok(len(alerts) == len(set(alerts)) and alerts, "the alerts have distinct names: %s" % ", ".join(alerts))

# Each alert, in some test: silent at one time, firing at a later one, and
# silent again after that, with the same input series.
seen = {a: False for a in alerts}
for path in mixin.RULE_TESTS:
    with open(path) as f:
        for case in yaml.safe_load(f)["tests"]:
            evals = {}
            for e in case.get("alert_rule_test", []):
                evals.setdefault(e["alertname"], []).append(
                    (mixin.seconds(e["eval_time"]), bool(e.get("exp_alerts"))))
            for name, ev in evals.items():
                ev.sort()
                fired = [s for s, firing in ev if firing]
                if fired and any(s < fired[0] and not firing for s, firing in ev) \
                        and any(s > fired[-1] and not firing for s, firing in ev):
                    seen[name] = True
for name in alerts:
    t.ok(seen[name], "%s has a test in which it is silent, fires and resolves" % name)
alert_names_in_tests = set()
for path in mixin.RULE_TESTS:
    with open(path) as f:
        for case in yaml.safe_load(f)["tests"]:
            alert_names_in_tests.update(e["alertname"] for e in case.get("alert_rule_test", []))
t.eq(sorted(alert_names_in_tests - set(alerts)), [], "the tests name no alert that does not exist")

# Only series that exist: arenad's families, `up`, and recorded rules.
known = mixin.exported_families() | mixin.recorded(groups)
for g in groups:
    for r in g["rules"]:
        missing = sorted(mixin.series_names(r["expr"]) - known)
        t.eq(missing, [], "%s reads only series that exist" % (r.get("alert") or r.get("record")))
t.done()
