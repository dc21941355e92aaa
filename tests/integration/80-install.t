#!/usr/bin/env python3
# make install / uninstall with DESTDIR and PREFIX: every file lands where
# the units and pkg-config file say, a program builds against the installed
# header, shared library and pkg-config file, and uninstall removes it all.
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
dest = tempfile.mkdtemp(prefix="arenad-install-")
try:
    r = subprocess.run(["make", "-s", "-C", at.REPO, "install", "DESTDIR=" + dest, "PREFIX=/usr"],
                       capture_output=True, text=True, timeout=at.scaled(600))
    t.ok(r.returncode == 0, "make install DESTDIR=... PREFIX=/usr")
    if r.returncode:
        t.diag(r.stdout + r.stderr)
    files = ["usr/bin/arenad", "usr/bin/arenactl-client", "usr/lib/libarenad.a",
             "usr/lib/libarenad.so.0", "usr/lib/libarenad.so", "usr/lib/pkgconfig/arenad.pc",
             "usr/lib/pkgconfig/arenad-client.pc",
             "usr/include/arenad/arenad.h", "usr/include/arenad/arenad_abi.h",
             "usr/include/arenad/arenad_proto.h", "usr/include/arenad/arenad.bpf.h",
             "usr/include/arenad/arenad_ledger.bpf.h", "usr/include/arenad/arenad_objects.bpf.h",
             "usr/include/arenad/bpf_arena_alloc.h",
             "usr/lib/systemd/system/arenad.service", "usr/lib/systemd/system/arenad.socket",
             "usr/lib/systemd/system/arenad-metrics.socket",
             "usr/lib/systemd/system/arenad-textfile.service",
             "usr/lib/systemd/system/arenad-textfile.timer",
             "usr/lib/sysusers.d/arenad.conf", "usr/lib/tmpfiles.d/arenad.conf",
             "usr/share/doc/arenad/README.md", "usr/share/man/man8/arenad.8",
             "usr/share/man/man1/arenactl-client.1", "usr/share/man/man3/libarenad.3",
             "usr/share/bash-completion/completions/arenactl-client",
             "usr/share/zsh/vendor-completions/_arenactl-client",
             "usr/share/arenad/monitoring/arenad-alerts.yml",
             "usr/share/arenad/monitoring/arenad-rules.yml",
             "usr/share/arenad/monitoring/arenad-dashboard.json"]
    missing = [f for f in files if not os.path.lexists(os.path.join(dest, f))]
    t.eq(missing, [], "every file is installed")
    with open(os.path.join(dest, "usr/lib/systemd/system/arenad.service")) as f:
        t.ok("ExecStart=/usr/bin/arenad" in f.read(), "the unit runs the installed binary")
    with open(os.path.join(dest, "usr/lib/systemd/system/arenad-textfile.service")) as f:
        t.ok("ExecStart=/usr/bin/arenactl-client metrics --output " in f.read(),
             "the textfile unit runs the installed client")
    mixin = os.path.join(dest, "usr/share/arenad/monitoring")
    r = subprocess.run(["promtool", "check", "rules", os.path.join(mixin, "arenad-rules.yml"),
                        os.path.join(mixin, "arenad-alerts.yml")], capture_output=True, text=True,
                       timeout=at.scaled(60))
    t.ok(r.returncode == 0, "promtool accepts the installed rules")
    if r.returncode:
        t.diag(r.stdout + r.stderr)
    with open(os.path.join(dest, "usr/share/man/man8/arenad.8")) as f:
        man = f.read()
    t.ok("@" not in man and "/usr/share/doc/arenad/docs/loaders.md" in man,
         "the man page names the installed docs")
    with open(os.path.join(dest, "usr/lib/pkgconfig/arenad.pc")) as f:
        pc = f.read()
    t.ok("includedir=/usr/include" in pc and "-larenad" in pc, "arenad.pc points at the install")

    # Build a client against the installed files, through pkg-config.
    env = dict(os.environ, PKG_CONFIG_SYSROOT_DIR=dest,
               PKG_CONFIG_PATH=os.path.join(dest, "usr/lib/pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "arenad"], env=env,
                           capture_output=True, text=True)
    t.ok(flags.returncode == 0 and "json-c" not in flags.stdout,
         "pkg-config arenad (no json-c: loaders that only reuse the arena): %s"
         % (flags.stdout.strip() or flags.stderr.strip()))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "arenad-client"], env=env,
                           capture_output=True, text=True)
    t.ok(flags.returncode == 0, "pkg-config arenad-client: %s" % (flags.stdout.strip() or flags.stderr.strip()))
    exe = os.path.join(dest, "libclient")
    cc = subprocess.run(["cc", "-o", exe, os.path.join(at.REPO, "tests/helpers/libclient.c")]
                        + flags.stdout.split() + ["-Wl,-rpath," + os.path.join(dest, "usr/lib")],
                        capture_output=True, text=True)
    t.ok(cc.returncode == 0, "a program builds against the installed header and shared library")
    if cc.returncode:
        t.diag(cc.stderr)
    with at.Fixture(t, pages=16) as fx:
        r = subprocess.run([exe, fx.socket], capture_output=True, text=True, timeout=at.scaled(30))
        t.ok(r.returncode == 0 and "free 0 3" in r.stdout, "and talks to the daemon through libarenad.so")
        ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
        t.ok(os.path.join(dest, "usr/lib/libarenad.so.0") in ldd, "using the installed libarenad.so.0")

    r = subprocess.run(["make", "-s", "-C", at.REPO, "uninstall", "DESTDIR=" + dest, "PREFIX=/usr"],
                       capture_output=True, text=True, timeout=at.scaled(120))
    left = [f for f in files if os.path.lexists(os.path.join(dest, f))]
    t.ok(r.returncode == 0 and left == [], "make uninstall removes every installed file (left: %s)" % left)
finally:
    subprocess.call(["rm", "-rf", dest])
t.done()
