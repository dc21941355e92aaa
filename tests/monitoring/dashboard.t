#!/usr/bin/env python3
# The mixin's Grafana dashboard (monitoring/arenad-dashboard.json), with
# the checks Grafana's provisioning makes before it loads one (no Grafana
# server here): valid JSON with a title, uid and schemaVersion; unique
# panel ids; a grid position for every panel, inside the 24 columns and
# overlapping none; a data source taken from the dashboard's own variable;
# every variable referenced defined. Then what only a Prometheus user
# would notice: every query parses (promtool, with the variables filled
# in), reads only series arenad exports or the rules record, and every
# recording rule is read by an alert or a panel.
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import arenad_test as at  # noqa: E402
import mixin  # noqa: E402

# Grafana's own variables: what a panel may use without defining it.
BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__all": ".*"}
VAR_REF = re.compile(r"\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]")

t = at.Tap()
try:
    with open(mixin.DASHBOARD) as f:
        dash = json.load(f)
    t.ok(True, "the dashboard is valid JSON")
except ValueError as e:
    t.ok(False, "the dashboard is valid JSON: %s" % e)
    t.done()

t.ok(isinstance(dash.get("title"), str) and dash["title"], "it has a title")
t.ok(re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", dash.get("uid", "")), "its uid is at most 40 of [a-zA-Z0-9_-]")
t.ok(isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] >= 36,
     "schemaVersion %r (Grafana 9 and later)" % dash.get("schemaVersion"))


def flat(panels):
    for p in panels:
        yield p
        yield from flat(p.get("panels", []))


panels = list(flat(dash.get("panels", [])))
ids = [p.get("id") for p in panels]
t.ok(all(isinstance(i, int) for i in ids) and len(ids) == len(set(ids)), "panel ids are unique integers")
grid_ok, cells = True, {}
for p in panels:
    g = p.get("gridPos", {})
    if not all(isinstance(g.get(k), int) for k in "hwxy") or not (1 <= g["w"] and g["x"] >= 0
                                                                   and g["x"] + g["w"] <= 24 and g["h"] >= 1):
        t.diag("panel %s: gridPos %r" % (p.get("id"), g))
        grid_ok = False
        continue
    for y in range(g["y"], g["y"] + g["h"]):
        for x in range(g["x"], g["x"] + g["w"]):
            if (x, y) in cells:
                t.diag("panels %s and %s overlap at %d,%d" % (cells[(x, y)], p["id"], x, y))
                grid_ok = False
            cells[(x, y)] = p["id"]
t.ok(grid_ok, "every panel has a gridPos within 24 columns, and none overlap")

variables = dash.get("templating", {}).get("list", [])
names = [v.get("name") for v in variables]
t.eq(len(names), len(set(names)), "variable names are unique: %s" % names)
byname = {v["name"]: v for v in variables}
ds = [v for v in variables if v.get("type") == "datasource"]
t.ok(len(ds) == 1 and ds[0].get("query") == "prometheus", "a data source variable of type prometheus")
for want in ("instance", "arena"):
    t.ok(byname.get(want, {}).get("type") == "query", "a query variable %r" % want)

graphs = [p for p in panels if p.get("type") != "row"]
t.ok(graphs and all(p.get("targets") for p in graphs), "%d panels, each with a query" % len(graphs))
ds_ref = {"type": "prometheus", "uid": "${%s}" % ds[0]["name"]} if ds else None
t.ok(all(p.get("datasource") == ds_ref and all(q.get("datasource") == ds_ref for q in p["targets"])
         for p in graphs), "every panel and query uses the data source variable")
t.ok(all(len({q.get("refId") for q in p["targets"]}) == len(p["targets"]) for p in graphs),
     "refIds are unique within each panel")

# Every query, panels' and variables' (label_values(SELECTOR, label): its
# selector), with where it comes from.
queries = [("panel %d %s" % (p["id"], q["refId"]), q["expr"]) for p in graphs for q in p["targets"]]
for v in variables:
    if v.get("type") == "query":
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q)
        t.ok(m, "variable %s is a label_values() query" % v["name"])
        if m:
            queries.append(("variable %s" % v["name"], m.group(1)))

refs = set()
for _, e in queries:
    refs.update(a or b or c for a, b, c in VAR_REF.findall(e))
for v in variables:
    refs.update(a or b or c for a, b, c in VAR_REF.findall(json.dumps(v.get("datasource", ""))))
refs.update(a or b or c for p in graphs for a, b, c in VAR_REF.findall(json.dumps(p["datasource"])))
t.eq(sorted(refs - set(names) - set(BUILTINS)), [], "every variable referenced is defined")


def filled(expr):
    """The query as Prometheus would get it, with every variable filled."""
    return VAR_REF.sub(lambda m: BUILTINS.get(m.group(1) or m.group(2) or m.group(3), ".*"), expr)


with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:query_%d" % i, "expr": filled(e)} for i, (_, e) in enumerate(queries)]}]}, f)
    f.flush()
    r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True, timeout=120)
    t.ok(r.returncode == 0, "promtool parses all %d queries" % len(queries))
    if r.returncode:
        t.diag(r.stdout + r.stderr)

groups = []
for path in mixin.RULE_FILES:
    with open(path) as f:
        groups += yaml.safe_load(f)["groups"]
recorded = mixin.recorded(groups)
known = mixin.exported_families() | recorded
missing = sorted({"%s: %s" % (w, n) for w, e in queries for n in mixin.series_names(filled(e)) - known})
t.eq(missing, [], "queries read only series arenad exports or the rules record")
read = set()
for _, e in queries:
    read |= mixin.series_names(filled(e))
for g in groups:
    for r in g["rules"]:
        if "alert" in r:
            read |= mixin.series_names(r["expr"])
t.eq(sorted(recorded - read), [], "every recording rule is read by an alert or a panel")
t.done()
