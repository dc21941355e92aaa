#!/usr/bin/env bash
# VM test of the inventory on Debian's 6.12 kernel, whose struct bpf_arena
# has no free-range tree (a maple tree of allocated ranges instead): the
# census of another program's arena (tests/foreign) uses the full probe,
# says why rt is unavailable, and is right; arenas and who find its
# program and process. No kernel module. Runs tests/vm/arenas-guest.sh
# under QEMU with arenad and the test programs from build/ (make
# test-build). TAP on stdout; exit 0 only when the guest passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=vm.sh
. tests/vm/vm.sh

vm_prepare || exit 1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
vm_run_guest arenas tests/vm/arenas-guest.sh "$stage" build/arenad build/arenactl-client build/tests/foreign_arena
