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

# shellcheck disable=SC2119 # no extra packages
vm_deps >&2 || { echo "Bail out! host packages missing"; exit 1; }
vm_kernel || { echo "Bail out! no Debian 6.12 kernel"; exit 1; }
echo "# kernel $VM_KVER"

bins=(build/arenad build/arenactl-client build/tests/foreign_arena)
for b in "${bins[@]}"; do
	[ -x "$b" ] || { echo "Bail out! $b is missing: run make test-build first"; exit 1; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for b in "${bins[@]}"; do
	vm_install_elf "$stage" "$b" "usr/bin/$(basename "$b")"
done
install -m 0755 tests/vm/arenas-guest.sh "$stage/test.sh"
install -D -m 0644 tests/vm/guest-tap.sh "$stage/usr/local/lib/guest-tap.sh"

logdir=${ARENAD_VM_LOGDIR:-build/vm}
mkdir -p "$logdir"
tests/vm/run-initramfs.sh "$stage" --timeout "${ARENAD_VM_TIMEOUT:-300}" --log "$logdir/arenas.log"
