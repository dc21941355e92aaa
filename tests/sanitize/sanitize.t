#!/usr/bin/env python3
# The integration tests that drive the request path, run once more against
# the ASan + UBSan build (make SANITIZE=1, in build/sanitize): a sanitizer
# report ends the daemon (or fails its exit status at stop, for a leak),
# which fails the test it happened in. A subset, to keep the suite short:
# requests, bad input, work on the worker threads, protocol edges,
# connection limits, reply budget,
# restart and re-adoption, permissions, the ledger walk, libarenad.
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
SAN = os.path.join(at.REPO, "build", "sanitize")
TESTS = ["10-basic", "20-restart", "30-bad-input", "36-protocol-strict",
         "35-off-loop", "37-connection-limits", "39-reply-budget", "40-permissions",
         "52-ledger-walk", "72-libarenad"]

# sanitize.t [NAME...]: those of them only; --list: their names. The suite
# runs each as a part of its own (tests/tests.mk), so that the guests share
# the parts.
if sys.argv[1:] == ["--list"]:
    print(" ".join(TESTS))
    sys.exit(0)
unknown = [n for n in sys.argv[1:] if n not in TESTS]
if unknown:
    sys.exit("sanitize.t: not in its list: %s (%s)" % (" ".join(unknown), " ".join(TESTS)))
TESTS = sys.argv[1:] or TESTS

if os.geteuid() != 0:
    t.skip_all("needs root, as the integration tests do")
if not os.access(os.path.join(SAN, "arenad"), os.X_OK):
    t.ok(False, "build/sanitize/arenad is built (make SANITIZE=1)")
    t.done()

# Reports also go to files, so that one is seen even where a test does not
# look at the daemon's exit status.
# ASan keeps freed memory in its quarantine (256 MiB by default) before
# reusing it, so a test that bounds the daemon's RSS growth would measure
# how full the quarantine was when it started, not what the daemon holds.
# Those tests get a small quarantine.
QUARANTINE_MB = {"39-reply-budget": 8}

reports = tempfile.mkdtemp(prefix="arenad-sanitize-")
ASAN = "detect_leaks=1:abort_on_error=0:exitcode=86:log_path=%s/asan" % reports
for name in TESTS:
    env = dict(os.environ, ARENAD_BUILD=SAN,
               ASAN_OPTIONS=ASAN + ("" if name not in QUARANTINE_MB else
                                    ":quarantine_size_mb=%d" % QUARANTINE_MB[name]),
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % reports)
    path = os.path.join(at.REPO, "tests", "integration", name + ".t")
    if not os.path.exists(path):
        t.skip("%s is not in this tree" % name)
        continue
    r = subprocess.run([sys.executable, path], env=env, capture_output=True, text=True,
                       errors="replace", timeout=at.scaled(900))
    failed = [line for line in r.stdout.splitlines() if line.startswith("not ok")]
    found = []
    for f in sorted(os.listdir(reports)):
        with open(os.path.join(reports, f), errors="replace") as fh:
            found.append("%s:\n%s" % (f, fh.read()[-3000:]))
        os.unlink(os.path.join(reports, f))
    if not t.ok(r.returncode == 0 and not failed and not found,
                "%s against the ASan/UBSan build" % name):
        t.diag("\n".join(failed[:20] + found))
        t.diag(r.stdout[-3000:])
        t.diag(r.stderr[-3000:])
shutil.rmtree(reports, ignore_errors=True)
t.done()
