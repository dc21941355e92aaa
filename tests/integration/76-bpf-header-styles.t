#!/usr/bin/env python3
# arenad.bpf.h, arenad_ledger.bpf.h and the bpf_arena_alloc.h drop-in
# (arenad's bpf_alloc()/bpf_free()) compile in every header style an
# arena program is written in (linux/bpf.h + bpf_helpers.h as the tutorial
# does; vmlinux.h with and without BPF_NO_KFUNC_PROTOTYPES), next to the
# kernel selftests' bpf_arena_common.h and sched_ext's arena header, in
# either include order, with -Werror (a macro redefined differently is a
# warning), and in every pipeline arena programs are built with: clang
# -target bpf, and the two-stage one of the tutorial and the kernel's older
# samples (clang for the host target with -emit-llvm, then llc -march=bpf).
# Then each object loads on the daemon's arena, its accounted and plain
# allocations run, and its XDP reader, bound by ARENAD_BIND(), reads what
# they wrote.
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

XDP_DROP, XDP_PASS = 1, 2

SRC = os.path.join(at.REPO, "tests", "porting", "headers")
OUT = os.path.join(at.BUILD, "tests", "header-styles")
os.makedirs(OUT, exist_ok=True)
real = os.environ.get("ARENAD_TEST_ARENA_HEADERS")
others = [real] if real else [os.path.join(SRC, "selftests"), os.path.join(SRC, "scx")]
# clang -target bpf does not search the multiarch directory that holds
# asm/types.h, which linux/bpf.h includes.
multiarch = subprocess.run(["gcc", "-dumpmachine"], capture_output=True, text=True).stdout.strip()

# (style, the other header and where it goes, pipeline); sched_ext's
# header is written for vmlinux.h with BPF_NO_KFUNC_PROTOTYPES (its
# common.bpf.h defines it), and neither project's header compiles next to
# vmlinux.h's own kfunc prototypes, with or without arenad's.
CASES = [
    ("STYLE_UAPI", None), ("STYLE_UAPI", "SELFTESTS_BEFORE"), ("STYLE_UAPI", "SELFTESTS_AFTER"),
    ("STYLE_VMLINUX", None), ("STYLE_VMLINUX", "SELFTESTS_BEFORE"), ("STYLE_VMLINUX", "SELFTESTS_AFTER"),
    ("STYLE_VMLINUX", "SCX_BEFORE"), ("STYLE_VMLINUX", "SCX_AFTER"),
    ("STYLE_VMLINUX_PROTOS", None),
    ("STYLE_UAPI", "SELFTESTS_LAST"), ("STYLE_VMLINUX", "SELFTESTS_LAST"),
]
CASES = [c + ("target",) for c in CASES] + [
    # the tutorial's flags with clang -target bpf instead of its pipeline
    ("STYLE_UAPI", "SELFTESTS_BEFORE", "target-tutflags"),
    # the tutorial's own pipeline and flags, its header style first
    ("STYLE_UAPI", "SELFTESTS_BEFORE", "llc-tutorial"),
    ("STYLE_VMLINUX", None, "llc-tutorial"), ("STYLE_VMLINUX_PROTOS", None, "llc-tutorial"),
    # the first pass told only one of the two
    ("STYLE_UAPI", None, "llc-kernel"), ("STYLE_VMLINUX_PROTOS", None, "llc-kernel"),
    ("STYLE_UAPI", None, "llc-bpf"), ("STYLE_VMLINUX", None, "llc-bpf"),
]
# The tutorial's own compile flags (its Makefile.bpf).
TUTORIAL_FLAGS = ["-std=gnu17", "-Wno-unused-value", "-Wno-pointer-sign",
                  "-Wno-compare-distinct-pointer-types", "-Wno-address-of-packed-member",
                  "-D__KERNEL__", "-D__BPF__", "-D__BPF_FEATURE_ADDR_SPACE_CAST"]
# The first pass of the two-stage pipeline is built for the host: only its
# -D flags say that this is BPF, and it defines __BPF_FEATURE_ADDR_SPACE_CAST
# by hand (clang defines it for the BPF target only). The kernel's
# samples/bpf pass -D__KERNEL__ alone, and some define KBUILD_MODNAME.
PIPELINE_FLAGS = {
    "target": [],
    "target-tutflags": TUTORIAL_FLAGS,
    "llc-tutorial": TUTORIAL_FLAGS,
    "llc-kernel": ["-D__KERNEL__", '-DKBUILD_MODNAME="foo"', "-D__BPF_FEATURE_ADDR_SPACE_CAST"],
    "llc-bpf": ["-D__BPF__", "-D__BPF_FEATURE_ADDR_SPACE_CAST"],
}


def run_quiet(cmd):
    """True when the step exits 0 and says nothing; else its stderr goes to diag."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode or r.stderr.strip():
        t.diag(" ".join(cmd) + "\n" + r.stderr)
    return r.returncode == 0 and not r.stderr.strip()


def compile_case(style, other, pipeline):
    name = "%s-%s" % (style.lower(), (other or "alone").lower())
    if pipeline != "target":
        name += "-" + pipeline.replace("target-", "")
    obj = os.path.join(OUT, name + ".bpf.o")
    flags = ["-g", "-O2", "-Wall", "-Werror", "-D" + style,
             "-I" + os.path.join(at.REPO, "include", "arenad"), "-I" + at.BUILD]
    flags += ["-I" + d for d in others] + PIPELINE_FLAGS[pipeline]
    if other:
        flags.append("-D" + other)
    src = os.path.join(SRC, "styles.bpf.c")
    if pipeline.startswith("target"):
        ok = run_quiet(["clang-19", "-target", "bpf", "-mcpu=v3", "-I/usr/include/" + multiarch] +
                       flags + ["-c", src, "-o", obj])
    else:
        # vmlinux.h's CO-RE attribute exists for the BPF target only
        if "VMLINUX" in style:
            flags.append("-DBPF_NO_PRESERVE_ACCESS_INDEX")
        ll = obj[:-len(".o")] + ".ll"
        # -mcpu=probe: llc asks the running kernel what it supports
        ok = (run_quiet(["clang-19"] + flags + ["-emit-llvm", "-c", src, "-o", ll]) and
              run_quiet(["llc-19", "-mcpu=probe", "-march=bpf", "-filetype=obj", "-o", obj, ll]))
    t.ok(ok, "compiles without a warning: %s" % name)
    return name, obj if ok else None


built = [compile_case(*c) for c in CASES]

# The old header stopped every program without BPF_NO_KFUNC_PROTOTYPES.
with open(os.path.join(at.REPO, "include", "arenad", "arenad.bpf.h")) as f:
    t.ok("#error \"define BPF_NO_KFUNC_PROTOTYPES" not in f.read(),
         "arenad.bpf.h no longer demands BPF_NO_KFUNC_PROTOTYPES")

with at.Fixture(t, pages=64) as fx:
    for name, obj in built:
        if not obj:
            t.ok(False, "loads and runs: %s (did not compile)" % name)
            continue
        # bpf_alloc()/bpf_free() run where the drop-in's include order or
        # its idea of "this is a BPF program" differs: with the selftests'
        # header last, and in each two-stage pipeline (the rest compile it).
        objects = ["objects"] if "last" in name or "llc" in name else []
        progs = (["reader", "accounted", "accounted"] + ([] if "protos" in name else ["plain"]) +
                 objects + ["reader"])
        rc, out, err = fx.helper("obj_run", fx.pin_dir, obj, "--owner", name, *progs)
        want = ["reader=%d" % XDP_PASS] + ["%s=0" % p for p in progs[1:-1]] + ["reader=%d" % XDP_DROP]
        t.eq((rc, out.split()), (0, want),
             "loads on the daemon's arena and runs; its XDP reader sees the counter: %s" % name)
        if rc:
            t.diag(err)
    # arenad_named_pages(): made once, found again, refused when smaller.
    uapi = built[0][1]
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
    names = [name for name, obj in built if obj]
    t.eq({n: owners.get(n) for n in names}, {n: 1 for n in names},
         "each style's arenad_alloc_pages(1) is one page accounted to the owner its loader named")
t.done()
