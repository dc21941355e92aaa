#!/usr/bin/env python3
# The man pages: groff renders them without a warning, and they keep up
# with the programs: every option and command that --help lists, and the
# defaults it prints, are in the page.
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGES = {"arenad.8.in": at.DAEMON, "arenactl-client.1.in": at.CLIENT}


def rendered(path):
    # The page as a reader sees it: plain text, no hyphenation, long lines.
    return subprocess.run(["groff", "-man", "-Tascii", "-P-cbou", "-rHY=0", "-rLL=300n", path],
                          capture_output=True, text=True).stdout


for page, prog in PAGES.items():
    path = os.path.join(at.REPO, "man", page)
    r = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", path],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0 and not r.stderr, "groff renders %s without warnings" % page)
    if r.stderr:
        t.diag(r.stderr)

    text = rendered(path)
    helptext = subprocess.run([prog, "--help"], capture_output=True, text=True).stdout
    t.ok(helptext, "%s --help prints its usage" % os.path.basename(prog))
    opts = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helptext)))
    missing = [o for o in opts if o not in text]
    t.eq(missing, [], "%s documents every option of --help (%d)" % (page, len(opts)))
    # Short options are spelled "-x, --long" in both.
    shorts = re.findall(r"^\s+(-[a-zA-Z]), (--[a-z-]+)", helptext, re.M)
    missing = [s for s, l in shorts if "%s, %s" % (s, l) not in text]
    t.eq(missing, [], "%s gives every short option with its long one" % page)
    # Defaults the program prints: paths, addresses and numbers.
    defaults = re.findall(r"default ([/0-9][\w/.]*)", helptext)
    missing = [d for d in defaults if d not in text]
    t.eq(missing, [], "%s states the defaults --help prints (%s)" % (page, ", ".join(defaults)))

# arenactl-client's commands, from the table --help prints.
helptext = subprocess.run([at.CLIENT, "--help"], capture_output=True, text=True).stdout
cmds = re.findall(r"^  ([a-z]+)\s", helptext.split("Commands:")[1].split("Options:")[0], re.M)
text = rendered(os.path.join(at.REPO, "man", "arenactl-client.1.in"))
t.ok(len(cmds) >= 8, "arenactl-client --help lists its commands (%s)" % " ".join(cmds))
missing = [c for c in cmds if not re.search(r"^ {7}%s\b" % c, text, re.M)]
t.eq(missing, [], "arenactl-client.1 has a paragraph for every command")

# The README's option tables list every option of both programs.
with open(os.path.join(at.REPO, "README.md")) as f:
    readme = f.read()
for prog in (at.DAEMON, at.CLIENT):
    helptext = subprocess.run([prog, "--help"], capture_output=True, text=True).stdout
    opts = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helptext)))
    missing = [o for o in opts if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), readme)]
    t.eq(missing, [], "README lists every option of %s --help (%d)" % (os.path.basename(prog), len(opts)))

# libarenad(3) names every function the library exports.
path = os.path.join(at.REPO, "man", "libarenad.3.in")
r = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", path], capture_output=True, text=True)
t.ok(r.returncode == 0 and not r.stderr, "groff renders libarenad.3.in without warnings")
if r.stderr:
    t.diag(r.stderr)
text = rendered(path)
with open(os.path.join(at.REPO, "include", "arenad", "arenad.h")) as f:
    header = f.read()
funcs = sorted(set(re.findall(r"LIBARENAD_API[^;(]*?\b(arenad_\w+)\s*\(", header)))
missing = [f for f in funcs if f not in text]
t.ok(len(funcs) >= 20, "arenad.h declares the library's functions (%d)" % len(funcs))
t.eq(missing, [], "libarenad.3 documents every function of arenad.h")

# `make` builds the pages with their placeholders filled: man -l reads them
# before anything is installed.
built = sorted(os.listdir(os.path.join(at.BUILD, "man"))) if os.path.isdir(os.path.join(at.BUILD, "man")) else []
want = sorted(p[:-3] for p in os.listdir(os.path.join(at.REPO, "man")) if p.endswith(".in"))
t.eq(built, want, "make built every man page into build/man")
for page in built:
    path = os.path.join(at.BUILD, "man", page)
    with open(path) as f:
        src = f.read()
    left = re.findall(r"@[A-Z]+@", src)
    t.eq(left, [], "build/man/%s has its placeholders filled" % page)
    r = subprocess.run(["man", "-l", "-P", "cat", path], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    name = page.rsplit(".", 1)[0]
    t.ok(r.returncode == 0 and name.upper().replace("-", "") in r.stdout.upper().replace("-", "").replace("\u2010", ""),
         "man -l build/man/%s renders it" % page)
    if r.returncode:
        t.diag(r.stderr)
t.done()
