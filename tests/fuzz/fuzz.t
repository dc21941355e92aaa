#!/usr/bin/env python3
# Each libFuzzer harness (make fuzz) runs a few seconds from the seed
# corpus in tests/fuzz/corpus/NAME: a crash, a sanitizer report or a reply
# that is not valid JSON fails the test. New inputs go to a temporary
# directory, never into the repository. docs/fuzzing.md: running long.
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
SECONDS = int(os.environ.get("ARENAD_FUZZ_SECONDS", "4"))

for name in ("rpc", "reply", "config"):
    binary = os.path.join(at.BUILD, "fuzz", "fuzz_" + name)
    if not os.access(binary, os.X_OK):
        t.ok(False, "fuzz_%s is built (make fuzz)" % name)
        continue
    work = tempfile.mkdtemp(prefix="arenad-fuzz-")
    try:
        r = subprocess.run([binary, "-max_total_time=%d" % SECONDS, "-timeout=120",
                            "-rss_limit_mb=2048", "-print_final_stats=1",
                            "-artifact_prefix=" + work + "/", work,
                            os.path.join(HERE, "corpus", name)],
                           capture_output=True, text=True, errors="replace",
                           timeout=SECONDS + 300)
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", r.stderr)
        runs = runs.group(1) if runs else "?"
        good = t.ok(r.returncode == 0, "fuzz_%s: %s s, %s inputs, no crash or sanitizer report"
                    % (name, SECONDS, runs))
        if not good:
            t.diag(r.stderr[-4000:])
            for f in os.listdir(work):
                if f.startswith(("crash-", "leak-", "timeout-", "oom-")):
                    with open(os.path.join(work, f), "rb") as fh:
                        t.diag("%s: %r" % (f, fh.read()[:400]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
t.done()
