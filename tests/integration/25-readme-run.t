#!/usr/bin/env python3
# README's "Running it" recipe, as written: every `make run [RUN_ARGS=...]`
# of the section, in order, is the daemon started with those options
# (and stopped with ^C, as a reader would, before the next), with
# /sys/fs/bpf and /run/arenad mapped into the fixture's private bpffs and
# directory. Each must do what the README says: start (or, with --unpin,
# finish) successfully after the ones before it left their pins.
import os
import re
import shlex
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()

with open(os.path.join(at.REPO, "README.md")) as f:
    section = f.read().split("\n## Running it\n")[1].split("\n## ")[0]
# `make run` in prose, in code spans and in the block, in the order a
# reader meets them.
runs = [m.group(1) or m.group(2) or "" for m in
        re.finditer(r"(?<![\w-])make run(?: RUN_ARGS=(?:'([^']*)'|(\S+)))?", section)]
t.ok(len(runs) >= 2 and any("--pages" in r for r in runs),
     "README's Running it section runs arenad more than once, with another size: %r" % runs)


class ReadmeRun(at.Fixture):
    """arenad as make run starts it: no options but RUN_ARGS's, with the
    default paths mapped into the fixture."""

    run_args = []

    def set_run(self, run):
        self.run_args = [a.replace("/sys/fs/bpf/", self.bpffs + "/").replace("/run/arenad/", self.dir + "/")
                         for a in shlex.split(run)]
        if not hasattr(self, "default_socket"):
            self.default_socket = self.socket
        # The socket the test talks to is the one this run listens on.
        args = self.run_args
        self.socket = args[args.index("--socket") + 1] if "--socket" in args[:-1] else self.default_socket

    def argv(self, extra=()):
        return [self.daemon, "--pin-dir", self.pin_dir, "--socket", self.default_socket] + \
            self.run_args + list(extra)


with ReadmeRun(t, start=False) as fx:
    for run in runs:
        fx.set_run(run)
        what = "make run" + (" RUN_ARGS=%s" % shlex.quote(run) if run else "")
        if "--unpin" in fx.run_args:
            rc, out = fx.run_daemon()
            t.ok(rc == 0, "%s: exits 0 (rc %d)" % (what, rc))
            if rc:
                t.diag(out)
            continue
        try:
            fx.start()
            st = fx.result("stats")
            want = int(fx.run_args[fx.run_args.index("--pages") + 1]) if "--pages" in fx.run_args else 262144
            t.eq(st["pages_total"], want, "%s: arenad runs, with %d pages" % (what, want))
            t.eq(fx.stop(signal.SIGINT), 0, "%s: ^C stops it" % what)
        except RuntimeError as e:
            t.ok(False, "%s: %s" % (what, e))
            fx.dump_log()
            fx.proc = None
t.done()
