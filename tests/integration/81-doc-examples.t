#!/usr/bin/env python3
# Every C example in the man pages and docs/ builds as it says, against an
# installed tree (make install DESTDIR=) and against the build tree
# (PKG_CONFIG_PATH=build), and runs against a daemon: an example starts
# with a comment naming its file and the commands that build it,
#
#     /* NAME.c, built with:
#      *   cc -o NAME NAME.c $(pkg-config --cflags --libs arenad-client)
#      */
#
# and the examples of one page build in order in one directory (a loader
# includes the skeleton its BPF example made). libarenad(3)'s SYNOPSIS
# spells the include and the pkg-config modules the examples use.
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)

# Pages whose code is tested elsewhere, and why.
ELSEWHERE = {
    "docs/porting.md": "its code is tests/porting/, which 77-porting-tutorial.t builds and runs",
}
# How each example that makes a program is run against a daemon: its
# arguments and what it prints, twice in a row (the second run finds what
# the first left).
RUNS = {
    "stats": (lambda fx: [], [r"^0 of 64 pages used$", r"^0 of 64 pages used$"]),
    "counter": (lambda fx: [fx.pin_dir], [r"^1 packets$", r"^2 packets$"]),
    "list": (lambda fx: [fx.pin_dir], [r"^10 nodes, sum 45$", r"^10 nodes, sum 45$"]),
}
HEADER = re.compile(r"^/\* (\S+), built with:$")


# The troff escapes a code example may use, and what the reader sees.
ESCAPES = {"\\-": "-", "\\e": "\\", "\\&": "", "\\(dq": '"'}


def troff_text(line):
    """A line of a .nf block as the reader copies it."""
    rest = re.sub(r"\\(-|e|&|\(dq)", "", line)
    if "\\" in rest:
        raise ValueError("an escape this test does not know: %r" % line)
    return re.sub(r"\\(-|e|&|\(dq)", lambda m: ESCAPES[m.group(0)], line)


def man_blocks(path):
    """The .nf blocks of a man page source, as text."""
    blocks, cur = [], None
    with open(path) as f:
        for line in f.read().splitlines():
            if line.startswith(".nf"):
                cur = []
            elif line.startswith(".fi") and cur is not None:
                blocks.append("\n".join(cur) + "\n")
                cur = None
            elif cur is not None and not line.startswith("."):
                cur.append(troff_text(line))
    return blocks


def md_blocks(path):
    with open(path) as f:
        return [m.group(1) for m in re.finditer(r"^```c\n(.*?)^```$", f.read(), re.M | re.S)]


def example(code):
    """(file name, build commands) of an example, or None."""
    lines = code.splitlines()
    m = HEADER.match(lines[0]) if lines else None
    if not m:
        return None
    cmds = []
    for ln in lines[1:]:
        if ln.strip() == "*/":
            return m.group(1), cmds
        cmds.append(ln.lstrip(" *").strip())
    return None


def pages():
    """(page, [code blocks]) of every man page and doc."""
    for name in sorted(os.listdir(os.path.join(at.REPO, "man"))):
        if name.endswith(".in"):
            yield "man/" + name, man_blocks(os.path.join(at.REPO, "man", name))
    for name in sorted(os.listdir(os.path.join(at.REPO, "docs"))):
        if name.endswith(".md"):
            yield "docs/" + name, md_blocks(os.path.join(at.REPO, "docs", name))


def sh(cmd, cwd, env):
    return subprocess.run(["sh", "-ec", cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=at.scaled(300))


# ---- the trees --------------------------------------------------------------
dest = tempfile.mkdtemp(prefix="arenad-doc-examples-")
base = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
base.pop("PKG_CONFIG_PATH", None)
base.pop("ARENAD_SOCKET", None)
r = subprocess.run(["make", "-s", "-C", at.REPO, "install-lib", "DESTDIR=" + os.path.join(dest, "root"),
                    "PREFIX=/usr"], capture_output=True, text=True, timeout=at.scaled(600), env=base)
t.ok(r.returncode == 0, "make install-lib DESTDIR=... PREFIX=/usr")
if r.returncode:
    t.diag(r.stdout + r.stderr)
TREES = {
    "installed tree": dict(base, PKG_CONFIG_SYSROOT_DIR=os.path.join(dest, "root"),
                      PKG_CONFIG_PATH=os.path.join(dest, "root/usr/lib/pkgconfig"),
                      LD_LIBRARY_PATH=os.path.join(dest, "root/usr/lib")),
    "build tree": dict(base, PKG_CONFIG_PATH=at.BUILD),
}

# ---- libarenad(3)'s SYNOPSIS: one include, the modules the examples use -----
with open(os.path.join(at.REPO, "man", "libarenad.3.in")) as f:
    synopsis = f.read().split(".SH SYNOPSIS")[1].split(".SH")[0]
includes = re.findall(r"^\.B #include (<[^>]+>)$", synopsis, re.M)
modules = re.findall(r"pkg\\-config \\-\\-cflags \\-\\-libs ([a-z\\-]+)\)", synopsis)
modules = [m.replace("\\-", "-") for m in modules]
t.eq((includes, sorted(modules)), (["<arenad.h>"], ["arenad", "arenad-client"]),
     "libarenad(3)'s SYNOPSIS: #include <arenad.h>, pkg-config arenad-client or arenad")
for tree, env in TREES.items():
    with tempfile.TemporaryDirectory(dir=dest) as d:
        with open(os.path.join(d, "inc.c"), "w") as f:
            f.write("#include %s\nint main(void) { return arenad_errcode(); }\n" % includes[0])
        for mod in modules:
            r = sh("cc -o inc inc.c $(pkg-config --cflags --libs %s)" % mod, d, env)
            t.ok(r.returncode == 0, "%s: the SYNOPSIS's include builds with pkg-config %s" % (tree, mod))
            if r.returncode:
                t.diag(r.stderr[-2000:])

# ---- every example -----------------------------------------------------------
found = {}
for page, blocks in pages():
    if page in ELSEWHERE:
        t.diag("%s: not here, %s" % (page, ELSEWHERE[page]))
        continue
    exs = []
    for code in blocks:
        ex = example(code)
        if ex:
            exs.append((ex[0], ex[1], code))
        elif page.startswith("docs/") or "main(" in code or "#include" in code:
            t.ok(False, "%s: a C example without its build line: %r" % (page, code.splitlines()[0]))
    if exs:
        found[page] = exs
t.ok("man/libarenad.3.in" in found and "docs/loaders.md" in found,
     "examples found in %s" % ", ".join("%s (%s)" % (p, ", ".join(e[0] for e in exs))
                                         for p, exs in sorted(found.items())))

with at.Fixture(t, pages=64) as fx:
    for page, exs in sorted(found.items()):
        for tree, env in TREES.items():
            work = tempfile.mkdtemp(dir=dest)
            env = dict(env, ARENAD_SOCKET=fx.socket)
            built = True
            for name, cmds, code in exs:
                with open(os.path.join(work, name), "w") as f:
                    f.write(code)
                for cmd in cmds:
                    r = sh(cmd, work, env)
                    if r.returncode:
                        break
                t.ok(r.returncode == 0, "%s: %s builds against the %s as it says" % (page, name, tree))
                if r.returncode:
                    built = False
                    t.diag("$ %s\n%s" % (cmd, (r.stdout + r.stderr)[-3000:]))
            # Run the programs the page builds.
            for name, cmds, code in exs:
                prog = os.path.splitext(name)[0]
                if prog not in RUNS or not os.path.exists(os.path.join(work, prog)):
                    continue
                args, want = RUNS[prog]
                outs = []
                for _ in want:
                    r = subprocess.run([os.path.join(work, prog)] + args(fx), cwd=work, env=env,
                                       capture_output=True, text=True, timeout=at.scaled(60))
                    outs.append(r.stdout.strip() if r.returncode == 0 else "exit %d: %s"
                                % (r.returncode, r.stderr.strip()))
                t.ok(all(re.match(w, o) for w, o in zip(want, outs)),
                     "%s: %s (%s) runs against the daemon: %r" % (page, prog, tree, outs))
            t.ok(built, "%s: every example builds against the %s" % (page, tree))
            # The examples' allocations go, so the next tree starts alike.
            for a in fx.result("ranges"):
                fx.result("free", {"addr": a["addr"]})
subprocess.call(["rm", "-rf", dest])
t.done()
