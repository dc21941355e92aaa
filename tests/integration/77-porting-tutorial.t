#!/usr/bin/env python3
# The tutorial's three use cases (mogu, aloe, macchiato), written in its
# style and loader shape and ported as docs/porting.md shows, built like an
# outside project against the build tree's pkg-config (no make install),
# with the tutorial's own pipeline and flags (clang -emit-llvm for the
# host with -D __KERNEL__ -D __BPF__, then llc -march=bpf) and with clang
# -target bpf: they run on the daemon's arena, their counter survives
# daemon restarts and new runs of the loader (of either build), their
# page is in the ledger under their owner, and nothing of theirs is
# unaccounted. The tutorial's own pattern (plain kfunc, pointer in .bss)
# leaks a page per load, and census says where to look.
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)

SRC = os.path.join(at.REPO, "tests", "porting", "tutorial")
OUT = os.path.join(at.BUILD, "tests", "porting")
ENV = dict(os.environ, PKG_CONFIG_PATH=at.BUILD)
for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
    ENV.pop(k, None)

# -- building against the tree ------------------------------------------------
r = subprocess.run(["pkg-config", "--cflags", "--libs", "arenad"], env=ENV,
                   capture_output=True, text=True)
t.ok(r.returncode == 0 and "libarenad.a" in r.stdout and "json-c" not in r.stdout,
     "PKG_CONFIG_PATH=build pkg-config --cflags --libs arenad: the tree's static library, "
     "no json-c (%s)" % r.stdout.strip())
# -B: the programs depend on arenad's headers and library, which this
# small Makefile does not track.
built = []
for how, out, args in (("the tutorial's clang -emit-llvm and llc -march=bpf", OUT, []),
                       ("clang -target bpf", OUT + "-target", ["BPF_TARGET=1"])):
    r = subprocess.run(["make", "-B", "-C", SRC, "build_dir=" + out] + args, env=ENV,
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "the tutorial-style programs and loader build against the tree "
         "with %s" % how)
    if r.returncode:
        t.diag(r.stdout[-3000:] + r.stderr[-3000:])
    built.append(r.returncode == 0)
if not all(built):
    t.done()
LOADER = os.path.join(OUT, "mogu_loader")
LOADER_TARGET = os.path.join(OUT + "-target", "mogu_loader")
r = subprocess.run(["ldd", LOADER], capture_output=True, text=True)
t.ok(r.returncode == 0 and "json-c" not in r.stdout,
     "the loader (arenad_reuse, arenad_map_arena) links without json-c")

# The split is real: socket calls need arenad-client, which adds json-c.
with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "c.c")
    with open(src, "w") as f:
        f.write('#include <arenad.h>\nint main(void) { struct arenad_client *c; '
                'c = arenad_client__open(NULL); return !c; }\n')

    def link(mod):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", mod], env=ENV,
                               capture_output=True, text=True).stdout.split()
        return subprocess.run(["cc", "-o", os.path.join(d, "c"), src] + flags,
                              capture_output=True, text=True)
    r = link("arenad")
    t.ok(r.returncode != 0 and "json_" in r.stderr,
         "a loader calling the socket API does not link with arenad alone (undefined json_*)")
    r = link("arenad-client")
    t.ok(r.returncode == 0, "with arenad-client it links")
    if r.returncode:
        t.diag(r.stderr)


# -- running --------------------------------------------------------------------
class Loader:
    def __init__(self, fx, path=LOADER):
        self.p = fx.track(subprocess.Popen(
            [path], env=dict(os.environ, ARENAD_PIN_DIR=fx.pin_dir),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=fx.logf, text=True))
        self.first = self.p.stdout.readline().strip()
        self.ready = self.p.stdout.readline().strip()

    def sig(self, s):
        self.p.send_signal(s)
        return self.p.stdout.readline().strip()

    def quit(self):
        self.p.send_signal(signal.SIGINT)
        out = self.p.stdout.read()
        return self.p.wait(timeout=at.scaled(10)), out.strip()


def owners(fx):
    return {o["owner"]: o["pages"] for o in fx.result("stats")["owners"]}


with at.Fixture(t, pages=64) as fx:
    a = Loader(fx)
    t.eq((a.first, a.ready), ("mogu: ret=0 user: counter=1", "ready"),
         "mogu's first run gets a page and counts 1; user space reads it")
    t.eq(a.sig(signal.SIGUSR1), "mogu: ret=0 user: counter=2", "mogu again")
    t.eq(a.sig(signal.SIGUSR2), "aloe: ret=0 user: counter=102",
         "aloe (bound by ARENAD_BIND, no kernel module) adds 100 to mogu's page")
    t.eq(a.sig(signal.SIGURG), "macchiato: verdict=drop",
         "macchiato (XDP by test_run) reads the counter and drops the UDP packet to 8080")
    look = fx.result("lookup", {"name": "mogu"})
    t.eq((look["owner"], look["pages"]), ("mogu", 1),
         "mogu's page is the named allocation 'mogu', owned by 'mogu' (the object's name)")
    t.eq(owners(fx).get("mogu"), 1, "stats lists the page under its owner")

    for sig in (signal.SIGTERM, signal.SIGKILL):
        fx.restart(sig)
        name = signal.Signals(sig).name
        t.eq(a.sig(signal.SIGUSR1), "mogu: ret=0 user: counter=%d" % (103 if sig == signal.SIGTERM else 104),
             "the counter goes on across a daemon restart (%s)" % name)
    t.eq(a.quit(), (0, "Done!"), "the loader quits")

    b = Loader(fx)
    t.eq(b.first, "mogu: ret=0 user: counter=105",
         "a new run of the loader finds mogu's page again (arenad_named_pages)")
    t.eq(b.sig(signal.SIGUSR2), "aloe: ret=0 user: counter=205", "and aloe with it")
    t.eq(b.sig(signal.SIGURG), "macchiato: verdict=drop", "and macchiato")
    t.eq(b.quit()[0], 0, "the second loader quits")

    c = Loader(fx, LOADER_TARGET)
    t.eq(c.first, "mogu: ret=0 user: counter=206",
         "the objects built with clang -target bpf find mogu's page as well")
    t.eq(c.sig(signal.SIGUSR2), "aloe: ret=0 user: counter=306", "and their aloe adds to it")
    t.eq(c.sig(signal.SIGURG), "macchiato: verdict=drop", "and their macchiato reads it")
    t.eq(c.quit()[0], 0, "that loader quits")
    t.eq(owners(fx).get("mogu"), 1, "still one page under 'mogu' after three runs")
    scan = fx.result("scan")
    t.eq(scan["pages_unaccounted"], 0, "census: no page of the ported programs is unaccounted")

    # The tutorial's pattern as it stands: one page per load, unaccounted.
    leaky = os.path.join(OUT, "leaky.bpf.o")
    for i in range(2):
        rc, out, err = fx.helper("obj_run", fx.pin_dir, leaky, "leaky_main")
        t.eq((rc, out.strip()), (0, "leaky_main=0"), "the unported pattern runs (load %d)" % (i + 1))
    scan = fx.result("scan")
    t.eq(scan["pages_unaccounted"], 2, "census: each load of it left one unaccounted page")
    t.eq(sum(r["pages"] for r in scan["unaccounted"]), 2, "listed in its unaccounted ranges")
    # Loaded and running, the program is listed by scan (the who view).
    held = fx.track(subprocess.Popen([os.path.join(at.HELPERS, "obj_run"), fx.pin_dir, leaky,
                                      "--hold", "leaky_main"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    t.eq([held.stdout.readline().strip() for _ in range(2)], ["leaky_main=0", "held"],
         "a third load stays loaded")
    rc, out, err = fx.ctl("scan")
    t.ok(rc == 0 and "allocated outside arenad" in out and "docs/porting.md" in out,
         "arenactl-client scan says unaccounted pages were allocated outside arenad")
    t.ok(any(ln.split()[:1] == ["program"] and "leaky_main" in ln for ln in out.splitlines()) and
         any(ln.split()[:1] == ["process"] and "obj_run" in ln for ln in out.splitlines()),
         "and lists the programs and processes using the arena: the leaking one is there")
    t.diag(out)
    held.stdin.close()
    held.wait(timeout=at.scaled(10))

    # One-step accounting needs the ledger header; bad strings are refused.
    aloe = os.path.join(OUT, "aloe.bpf.o")
    rc, out, err = fx.helper("obj_run", fx.pin_dir, aloe, "--owner", "x", "aloe_main")
    t.ok(rc == 1 and "has no arenad_owner_id" in err and "arenad_ledger.bpf.h" in err,
         "an owner for an object without arenad_ledger.bpf.h is refused (%s)" %
         (err.strip().splitlines() or [""])[-1])
    mogu = os.path.join(OUT, "mogu.bpf.o")
    for bad, why in (("", "that is empty"), ("o" * 64, "64 bytes long")):
        rc, out, err = fx.helper("obj_run", fx.pin_dir, mogu, "--owner", bad, "mogu_main")
        t.ok(rc == 1 and "must be 1..63 bytes" in err, "an owner %s is refused" % why)
    rc, out, err = fx.helper("obj_run", fx.pin_dir, mogu, "--owner", "other", "--name", "mogu",
                             "mogu_main")
    t.eq((rc, out.strip()), (0, "mogu_main=0"), "another loader with the name gets mogu's page")
    t.eq((fx.result("lookup", {"name": "mogu"})["owner"], owners(fx).get("mogu"), owners(fx).get("other")),
         ("mogu", 1, None), "which stays accounted to the owner that created it; no new page")

    # __arena globals: refused, saying where the linked libbpf puts them.
    ver = subprocess.run(["pkg-config", "--modversion", "libbpf"], capture_output=True,
                         text=True).stdout.strip()
    major, minor = (int(x) for x in ver.split(".")[:2])
    rc, out, err = fx.helper("reuse_check", fx.pin_dir, "globals")
    where = "first 1 page" if (major, minor) < (1, 7) else ("last 1 page" if "last" in out else
                                                            "first 1 page (it would put them at the end")
    t.ok(rc == 0 and "libbpf %d.%d places them in the arena's %s" % (major, minor, where) in out,
         "__arena globals are refused naming where libbpf %s places them (%s)" % (ver, out.strip()))

    # alloc --addr onto those pages says what holds them.
    leaked = scan["unaccounted"][0]["addr"]
    rc, out, err = fx.ctl("alloc", "1", "--addr", leaked)
    t.ok(rc != 0 and "present but unaccounted" in err and "arenactl-client scan" in err,
         "alloc --addr onto a leaked page: present but unaccounted, see scan (%s)" % err.strip())
    rc, out, err = fx.ctl("alloc", "2", "--addr", look["addr"])
    t.ok(rc != 0 and "owner 'mogu', name 'mogu'" in err and "unaccounted" in err,
         "alloc --addr onto mogu's page and the leaked one next to it names both (%s)" % err.strip())
t.done()
