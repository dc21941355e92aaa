#!/usr/bin/env python3
# The layout's rule, checked on the tree: every part includes only from the
# parts docs/architecture.md says it depends on (its "depends" table), each
# of those dependencies is real, and the Makefile (kmod/Kbuild for the
# module) gives each part exactly those include paths. Quoted includes are
# resolved as the compiler does: the including file's directory first, then
# the part's -I paths in order. Needs no root and no daemon.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
REPO = at.REPO
BUILD = "build"


def read(rel):
    with open(os.path.join(REPO, rel)) as f:
        return f.read()


def doc_table(marker, what):
    """A table of the doc: "part -> part, part" lines in the block after
    <!-- marker -->."""
    m = re.search(r"<!-- %s -->\s*```text\n(.*?)```" % marker, read("docs/architecture.md"), re.S)
    t.ok(m is not None, "docs/architecture.md has %s" % what)
    table = {}
    for line in (m.group(1) if m else "").splitlines():
        part, arrow, deps = line.partition("->")
        if arrow:
            table[part.strip()] = {d.strip() for d in deps.split("#")[0].split(",") if d.strip()}
    return table


rules = doc_table("depends", "the depends table")

# Each part's include paths, in order, from the build files.
mk = read("Makefile")


def flags(var):
    # The value, with its backslash-continued lines.
    m = re.search(r"^%s\s*:=\s*((?:.*\\\n)*.*)$" % var, mk, re.M)
    paths = re.findall(r"-I(\S+)", m.group(1)) if m else []
    return [BUILD if p == "$(BUILD)" else p for p in paths]


kbuild = re.findall(r"-I\$\(src\)/\.\./(\S+)", read("kmod/Kbuild"))
paths = {
    "lib": flags("LIB_CPPFLAGS"),
    "client": flags("CLIENT_CPPFLAGS"),
    "daemon": flags("DAEMON_CPPFLAGS"),
    "bpf": flags("BPF_CPPFLAGS"),
    "kmod": kbuild,
    "include/arenad": [],
}
t.eq(sorted(rules), sorted(paths), "the table has one line per part: %s" % ", ".join(sorted(paths)))


def part_of(path):
    path = os.path.normpath(path)
    for p in sorted(paths, key=len, reverse=True):
        if path == p or path.startswith(p + "/"):
            return p
    if path.startswith(BUILD + "/") or path == BUILD:
        return BUILD
    return path


def generated(name):
    return name == "vmlinux.h" or name.endswith(".skel.h")


found = {p: {} for p in paths}    # part -> {dependency: an example include}
inner = {}                         # daemon folder -> {daemon folder: an example include}
unresolved = []
for part in paths:
    for dirpath, _, files in os.walk(os.path.join(REPO, part)):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fn), REPO)
            for name in re.findall(r'^\s*#\s*include\s+"([^"]+)"', read(rel), re.M):
                where = None
                for d in [os.path.dirname(rel)] + paths[part]:
                    cand = os.path.normpath(os.path.join(d, name))
                    if os.path.exists(os.path.join(REPO, cand)) or (d == BUILD and generated(name)):
                        where = cand
                        break
                if where is None:
                    unresolved.append("%s: %s" % (rel, name))
                    continue
                dep = part_of(where)
                if dep != part:
                    found[part].setdefault(dep, "%s includes %s" % (rel, where))
                elif part == "daemon":
                    src, dst = os.path.dirname(rel), os.path.dirname(where)
                    inner.setdefault(src, {})
                    if dst != src:
                        inner[src].setdefault(dst, "%s includes %s" % (rel, where))

t.eq(unresolved, [], "every quoted include resolves within the part's include paths")
for part in sorted(paths):
    want = rules.get(part, set())
    got = set(found[part])
    extra = {d: found[part][d] for d in got - want}
    t.eq(extra, {}, "%s includes only from %s" % (part, ", ".join(sorted(want)) or "itself"))
    t.eq(sorted(want - got), [], "%s uses every dependency the table gives it" % part)
    own = {part_of(p) for p in paths[part]} - {part}
    t.eq(sorted(own), sorted(want), "%s's include paths are exactly its dependencies" % part)

# Inside the daemon: one folder per subsystem, and the doc's second table
# says which folder may include from which.
folders = doc_table("daemon-depends", "the daemon's folder table")
on_disk = sorted({os.path.relpath(dp, REPO) for dp, _, fs in os.walk(os.path.join(REPO, "daemon"))
                  if any(f.endswith((".c", ".h")) for f in fs)})
t.eq(sorted(folders), on_disk, "the table has one line per daemon folder")
t.eq(sorted(p for p in paths["daemon"] if p.startswith("daemon")), on_disk,
     "the daemon is built with an include path for each of its folders")
for folder in sorted(folders):
    want = folders[folder]
    got = inner.get(folder, {})
    extra = {d: got[d] for d in set(got) - want}
    t.eq(extra, {}, "%s includes only from %s" % (folder, ", ".join(sorted(want)) or "itself"))
    t.eq(sorted(want - set(got)), [], "%s uses every folder the table gives it" % folder)

# Small files whose names say their one job.
LIMIT = 600
long_files = {}
for dp, _, fs in os.walk(os.path.join(REPO, "daemon")):
    for fn in fs:
        if fn.endswith(".c"):
            rel = os.path.relpath(os.path.join(dp, fn), REPO)
            n = read(rel).count("\n")
            if n > LIMIT:
                long_files[rel] = n
t.eq(long_files, {}, "no daemon source file is longer than %d lines" % LIMIT)
t.done()
