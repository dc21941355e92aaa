"""What the monitoring mixin's tests share: its files, the families arenad
exports, and the series names a PromQL expression reads."""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MIXIN = os.path.join(REPO, "monitoring")
RULES = os.path.join(MIXIN, "arenad-rules.yml")
ALERTS = os.path.join(MIXIN, "arenad-alerts.yml")
DASHBOARD = os.path.join(MIXIN, "arenad-dashboard.json")
RULE_FILES = sorted(glob.glob(os.path.join(MIXIN, "*.yml")))
RULE_TESTS = sorted(glob.glob(os.path.join(HERE, "*.test.yml")))


def exported_families():
    """Every family name the daemon writes (prom_family() calls in
    daemon/, and the entries of the struct prom_scalar tables that
    prom_scalars() writes), and Prometheus's own `up` for each scrape."""
    names = {"up"}
    for path in glob.glob(os.path.join(REPO, "daemon", "**", "*.c"), recursive=True):
        with open(path) as f:
            text = f.read()
        names.update(re.findall(r'prom_family\(\s*f,\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"', text))
        names.update(re.findall(r'\{\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)",\s*PROM_(?:GAUGE|COUNTER)\b', text))
    return names


def recorded(rule_groups):
    """The names recording rules define."""
    return {r["record"] for g in rule_groups for r in g["rules"] if "record" in r}


_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
             "group_right", "bool", "offset", "inf", "nan"}


def series_names(expr):
    """The series names an expression selects. PromQL has no parser that
    lists them from the command line, and the mixin's expressions use a
    small part of it: drop strings, label matchers, ranges and grouping
    label lists, and what is left that is not a function, a keyword or a
    number is a name."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", e):
        if m.group(2) or m.group(1).lower() in _KEYWORDS:
            continue
        names.add(m.group(1))
    return names


def seconds(duration):
    """A Prometheus duration (1h30m, 45s, 10m) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", str(duration))
    if not parts or "".join(n + u for n, u in parts) != str(duration):
        raise ValueError("not a duration: %r" % duration)
    return sum(int(n) * units[u] for n, u in parts)
