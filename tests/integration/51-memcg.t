#!/usr/bin/env python3
# Where the kernel charges arena pages: to the memory cgroup of the process
# that created the arena, whoever allocates them. arenad runs in a cgroup
# of its own, a tenant in another allocates pages through the pinned
# allocator (libarenad, no socket):
# - arenad's memory.current grows by the tenant's pages and the tenant's
#   does not; freeing them gives the charge back;
# - a memory.max on arenad's cgroup is a limit the tenant reaches: its
#   allocation fails, and on 6.x kernels the kernel's OOM killer kills
#   arenad for it (the charge reclaims and then kills in arenad's cgroup),
#   on 7.x it only fails (the charge neither reclaims nor kills);
# - after a restart into a new cgroup, with the creator's cgroup removed
#   (as systemd does when a service stops), the pages are charged to the
#   removed cgroup's parent, not to the daemon that holds the arena now.
# What this means for arenad.service is in docs/architecture.md ("Memory").
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
PAGE = at.PAGE
ENOMEM = 12
N = 4096                        # the tenant's pages: 16 MiB, beside which a daemon's own ups and downs are small
CHARGED = N * PAGE * 9 // 10    # at least this much: the daemon's own use moves a little too
LOOSE = N * PAGE // 8           # at most this much in a cgroup not charged
PREFIX = "arenad-test-memcg-"
RELEASE = os.uname().release
SERIES = tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", RELEASE).groups())


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def remove_tree(cg):
    """rmdir a cgroup and its children, deepest first (they hold no
    processes any more)."""
    for d, _, _ in sorted(os.walk(cg), key=lambda w: -w[0].count("/")):
        os.rmdir(d)


class Cgroups:
    """A private cgroup v2 subtree, PARENT/{daemon,daemon2,tenant}, with the
    memory controller; removed when the fixture ends."""

    def __init__(self, fx):
        self.root = "/sys/fs/cgroup"
        if not os.path.exists(os.path.join(self.root, "cgroup.controllers")):
            self.root = os.path.join(fx.dir, "cgroup2")
            os.mkdir(self.root)
            subprocess.run(["mount", "-t", "cgroup2", "cgroup2", self.root], check=True,
                           capture_output=True, timeout=at.scaled(30))
            fx.on_cleanup(lambda: subprocess.run(["umount", "-l", self.root], capture_output=True))
        if "memory" not in read(os.path.join(self.root, "cgroup.controllers")).split():
            t.skip_all("the memory controller is not on cgroup v2 here")
        self.sweep()
        top = os.path.join(self.root, "cgroup.subtree_control")
        if "memory" not in read(top).split():
            write(top, "+memory")
        self.parent = os.path.join(self.root, PREFIX + str(os.getpid()))
        os.mkdir(self.parent)
        fx.on_cleanup(lambda: remove_tree(self.parent))
        write(os.path.join(self.parent, "cgroup.subtree_control"), "+memory")
        for name in ("daemon", "daemon2", "tenant"):
            os.mkdir(os.path.join(self.parent, name))

    def sweep(self):
        """Remove what a test killed by SIGKILL left (its processes died
        with it)."""
        for name in os.listdir(self.root):
            if name.startswith(PREFIX) and at.proc_state(int(name[len(PREFIX):])) in (None, "Z"):
                remove_tree(os.path.join(self.root, name))

    def path(self, name):
        return os.path.join(self.parent, name) if name else self.parent

    def current(self, name=None):
        return int(read(os.path.join(self.path(name), "memory.current")))

    def snapshot(self, *names):
        return {n: self.current(n) for n in names}


def keyed(path):
    """A cgroup file of "key number" lines (memory.stat, memory.events)."""
    return {k: int(v) for k, v in (line.split() for line in read(path).splitlines())}


def tenant(fx, cg, *args):
    """loader_pins in the tenant's cgroup: its one output line."""
    r = subprocess.run([os.path.join(at.HELPERS, "loader_pins"), fx.pin_dir] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=at.scaled(60),
                       preexec_fn=at.in_cgroup(cg.path("tenant")))
    return r.stdout.strip() or r.stderr.strip()


def grown(before, after):
    return {n: after[n] - before[n] for n in before}


def say(what, d):
    t.diag("%s: %s" % (what, ", ".join("%s %+d KiB (%+.0f pages)" % (n or "parent", v // 1024, v / PAGE)
                                          for n, v in d.items())))


with at.Fixture(t, pages=4 * N, start=False) as fx:
    cg = Cgroups(fx)
    t.diag("kernel %s; %d pages are %d KiB" % (RELEASE, N, N * PAGE // 1024))
    fx.cgroup = cg.path("daemon")
    fx.start()
    t.eq(read("/proc/%d/cgroup" % fx.proc.pid).rsplit("/", 2)[-2:], [os.path.basename(cg.parent), "daemon"],
         "arenad runs in a cgroup of its own")

    # The tenant's program and libraries enter the page cache on its first
    # run, charged to its cgroup: that happens before the measurement.
    t.ok(tenant(fx, cg, "alloc", 1, "tenant").startswith("ok 0x"), "the tenant allocates a page through the pins")

    before = cg.snapshot("daemon", "tenant")
    out = tenant(fx, cg, "alloc", N, "tenant", "memcg")
    t.ok(out.startswith("ok 0x"), "the tenant allocates %d pages from its own cgroup (%s)" % (N, out))
    d = grown(before, cg.snapshot("daemon", "tenant"))
    say("after the tenant's allocation", d)
    t.ok(d["daemon"] >= CHARGED, "arenad's cgroup is charged for the tenant's pages")
    t.ok(d["tenant"] < LOOSE, "and the tenant's cgroup is not")

    held = cg.current("daemon")
    t.ok(tenant(fx, cg, "free", out.split()[1]).startswith("ok %d" % N), "the tenant frees them")
    # The kernel may finish a free later.
    back = at.poll(lambda: cg.current("daemon"), lambda c: held - c >= CHARGED, timeout=30)
    say("after the free", {"daemon": back - held})
    t.ok(held - back >= CHARGED, "the free gives arenad's cgroup the charge back")

    # A limit with room for half the tenant's pages once everything
    # reclaimable (page cache) is gone.
    daemon_cg = cg.path("daemon")
    stat = keyed(os.path.join(daemon_cg, "memory.stat"))
    room = N // 2 * PAGE
    write(os.path.join(daemon_cg, "memory.max"),
          str(cg.current("daemon") - stat["file"] - stat["slab_reclaimable"] + room))
    pages = fx.result("stats")["pages_allocated"]
    over = tenant(fx, cg, "alloc", N, "tenant", "over")
    kills = keyed(os.path.join(daemon_cg, "memory.events"))["oom_kill"]
    t.diag("memory.max %d pages above what arenad's cgroup cannot reclaim: the tenant's %d pages: %s; "
           "%d OOM kill(s) there" % (room // PAGE, N, over, kills))
    if SERIES < (7, 0):
        t.eq(kills, 1, "6.x: the tenant's allocation makes the kernel OOM-kill arenad")
        rc = at.poll(lambda: fx.proc.poll(), lambda rc: rc is not None, timeout=30)
        t.eq(rc, -9, "arenad is killed by SIGKILL")
        t.eq(fx.stop(), -9, "and reaped")
    else:
        t.eq(over, "error -%d" % ENOMEM, "7.x: the tenant's allocation fails with -ENOMEM")
        t.eq(kills, 0, "and kills nothing")
        write(os.path.join(daemon_cg, "memory.max"), "max")
        t.eq(fx.stop(), 0, "arenad stops")
    pages += N if over.startswith("ok") else 0

    # systemd removes a service's cgroup when it stops and makes a new one
    # for the next start: the arena's cgroup is then gone for good.
    os.rmdir(cg.path("daemon"))
    fx.cgroup = cg.path("daemon2")
    fx.start()
    t.eq(fx.result("stats")["pages_allocated"], pages, "arenad starts again in a new cgroup and adopts the arena")
    before = cg.snapshot("daemon2", "tenant", None)
    out = tenant(fx, cg, "alloc", N, "tenant", "memcg-again")
    t.ok(out.startswith("ok 0x"), "the tenant allocates %d pages again (%s)" % (N, out))
    d = grown(before, cg.snapshot("daemon2", "tenant", None))
    say("after a restart into a new cgroup", d)
    t.ok(d[None] >= CHARGED, "the removed cgroup's parent is charged for them")
    t.ok(d["daemon2"] < LOOSE and d["tenant"] < LOOSE, "neither the new daemon's cgroup nor the tenant's")

# So the unit puts no limit on arenad's cgroup that tenants could reach.
unit = read(os.path.join(at.REPO, "systemd", "arenad.service.in"))
t.eq(sorted(re.findall(r"^(Memory(?:Max|High))=(.*)$", unit, re.M)), [("MemoryHigh", "infinity"), ("MemoryMax", "infinity")],
     "arenad.service sets MemoryMax= and MemoryHigh= to infinity")

t.done()
