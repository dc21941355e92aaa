#!/usr/bin/env python3
# arenad.bpf.h and arenad_ledger.bpf.h compile in every header style an
# arena program is written in (linux/bpf.h + bpf_helpers.h as the tutorial
# does; vmlinux.h with and without BPF_NO_KFUNC_PROTOTYPES), next to the
# kernel selftests' bpf_arena_common.h and sched_ext's arena header, in
# either include order, with -Werror (a macro redefined differently is a
# warning). Then each object loads on the daemon's arena and its accounted
# and plain allocations run.
#
# The other projects' headers are stand-ins (tests/porting/headers/) with
# their definitions that collide with ours; ARENAD_TEST_ARENA_HEADERS=DIR
# (holding their bpf_arena_common.h and bpf_arena_common.bpf.h) compiles
# against the real files instead.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
at.require_root(t)

SRC = os.path.join(at.REPO, "tests", "porting", "headers")
OUT = os.path.join(at.BUILD, "tests", "header-styles")
os.makedirs(OUT, exist_ok=True)
real = os.environ.get("ARENAD_TEST_ARENA_HEADERS")
others = [real] if real else [os.path.join(SRC, "selftests"), os.path.join(SRC, "scx")]
# clang -target bpf does not search the multiarch directory that holds
# asm/types.h, which linux/bpf.h includes.
multiarch = subprocess.run(["gcc", "-dumpmachine"], capture_output=True, text=True).stdout.strip()

# (style, the other header and where it goes); sched_ext's header is
# written for vmlinux.h with BPF_NO_KFUNC_PROTOTYPES (its common.bpf.h
# defines it), and neither project's header compiles next to vmlinux.h's
# own kfunc prototypes, with or without arenad's.
CASES = [
    ("STYLE_UAPI", None), ("STYLE_UAPI", "SELFTESTS_BEFORE"), ("STYLE_UAPI", "SELFTESTS_AFTER"),
    ("STYLE_VMLINUX", None), ("STYLE_VMLINUX", "SELFTESTS_BEFORE"), ("STYLE_VMLINUX", "SELFTESTS_AFTER"),
    ("STYLE_VMLINUX", "SCX_BEFORE"), ("STYLE_VMLINUX", "SCX_AFTER"),
    ("STYLE_VMLINUX_PROTOS", None),
]
# The tutorial's own compile flags (its Makefile.bpf), for its style.
TUTORIAL_FLAGS = ["-std=gnu17", "-Wno-unused-value", "-Wno-pointer-sign",
                  "-Wno-compare-distinct-pointer-types", "-Wno-address-of-packed-member",
                  "-D__KERNEL__", "-D__BPF__", "-D__BPF_FEATURE_ADDR_SPACE_CAST"]


def compile_case(style, other, extra=()):
    name = "%s-%s%s" % (style.lower(), (other or "alone").lower(), "-tutflags" if extra else "")
    obj = os.path.join(OUT, name + ".bpf.o")
    cmd = ["clang-19", "-g", "-O2", "-target", "bpf", "-mcpu=v3", "-Wall", "-Werror",
           "-D" + style, "-I" + os.path.join(at.REPO, "include", "arenad"), "-I" + at.BUILD,
           "-I/usr/include/" + multiarch] + ["-I" + d for d in others] + list(extra)
    if other:
        cmd.append("-D" + other)
    cmd += ["-c", os.path.join(SRC, "styles.bpf.c"), "-o", obj]
    r = subprocess.run(cmd, capture_output=True, text=True)
    t.ok(r.returncode == 0 and not r.stderr.strip(),
         "compiles without a warning: %s" % name)
    if r.returncode or r.stderr.strip():
        t.diag(" ".join(cmd) + "\n" + r.stderr)
        return None
    return obj


objs = [compile_case(s, o) for s, o in CASES]
objs.append(compile_case("STYLE_UAPI", "SELFTESTS_BEFORE", TUTORIAL_FLAGS))

# The old header stopped every program without BPF_NO_KFUNC_PROTOTYPES.
with open(os.path.join(at.REPO, "include", "arenad", "arenad.bpf.h")) as f:
    t.ok("#error \"define BPF_NO_KFUNC_PROTOTYPES" not in f.read(),
         "arenad.bpf.h no longer demands BPF_NO_KFUNC_PROTOTYPES")

with at.Fixture(t, pages=64) as fx:
    for obj in objs:
        if not obj:
            t.ok(False, "loads and runs (did not compile)")
            continue
        name = os.path.basename(obj)[:-len(".bpf.o")]
        progs = ["accounted", "accounted"] + ([] if "protos" in name else ["plain"])
        rc, out, err = fx.helper("obj_run", fx.pin_dir, obj, "--owner", name, *progs)
        t.eq((rc, out.split()), (0, ["%s=0" % p for p in progs]),
             "loads on the daemon's arena and runs: %s" % name)
        if rc:
            t.diag(err)
    # arenad_named_pages(): made once, found again, refused when smaller.
    uapi = objs[0]
    if uapi:
        runs = []
        for _ in range(2):
            rc, out, err = fx.helper("obj_run", fx.pin_dir, uapi, "--owner", "keeper",
                                     "--name", "kept", "named")
            runs.append(out.strip())
        look = fx.result("lookup", {"name": "kept"})
        t.eq((runs, look["owner"], look["pages"]), (["named=1", "named=2"], "keeper", 2),
             "arenad_named_pages(2) makes 'kept' on the first load and finds it on the next")
        fx.result("alloc", {"pages": 1, "name": "small", "owner": "someone"})
        rc, out, err = fx.helper("obj_run", fx.pin_dir, uapi, "--name", "small", "named")
        t.eq(out.strip(), "named=%d" % -2,
             "an existing named allocation smaller than asked for is not handed out")
    owners = {o["owner"]: o["pages"] for o in fx.result("stats")["owners"]}
    names = [os.path.basename(o)[:-len(".bpf.o")] for o in objs if o]
    t.eq({n: owners.get(n) for n in names}, {n: 1 for n in names},
         "each style's arenad_alloc_pages(1) is one page accounted to the owner its loader named")
t.done()
