#!/usr/bin/env bash
# Everything the guests need from the network, fetched at once and in
# parallel: the three kernel series (tests/vm/kernel.sh) and systemd.t's
# root file system (tests/vm/rootfs.sh). `make test` runs it while the
# suite builds, so that a cold cache costs the slowest download, not their
# sum on the tests' own time. Cached parts take milliseconds.
#
# Never fails the build: what could not be fetched is fetched again, and
# its error reported, by the test that needs it. What it did goes to
# build/vm/fetch.log.
set -uo pipefail
cd "$(dirname "$0")/../.."

mkdir -p build/vm
log=build/vm/fetch.log
: >"$log"
pids=()
# 6.18 and 7.2 share one apt state, so one after the other: 6.18 first, as
# the first tests need it.
{ tests/vm/kernel.sh 6.18 >/dev/null && tests/vm/kernel.sh 7.2 >/dev/null; } 2>>"$log" &
pids+=($!)
tests/vm/kernel.sh 6.12 >/dev/null 2>>"$log" &
pids+=($!)
tests/vm/rootfs.sh >/dev/null 2>>"$log" &
pids+=($!)
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
[ $rc -eq 0 ] || echo "vm-fetch: some downloads failed (see $log); the tests that need them will try again" >&2
exit 0
