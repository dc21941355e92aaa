#!/usr/bin/env bash
# VM test of arenad with kmod/arenad_kfuncs.ko loaded: the census uses the
# module's kfuncs and agrees with the module-free census, ARENAD_BIND()
# binds through the kfunc, and the module unloads once arenad stops.
# Runs tests/vm/kmod-arenad-guest.sh in Debian's 6.12 kernel under QEMU,
# with arenad and the test programs from build/ (make test-build).
# TAP on stdout; exit 0 only when the guest passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=vm.sh
. tests/vm/vm.sh

# shellcheck disable=SC2119 # no extra packages
vm_deps >&2 || { echo "Bail out! host packages missing"; exit 1; }
vm_kernel || { echo "Bail out! no Debian 6.12 kernel"; exit 1; }
echo "# kernel $VM_KVER"

bins=(build/arenad build/arenactl-client build/tests/arena_mem build/tests/rogue
      build/tests/kmod_check build/examples/xdp-udp)
for b in "${bins[@]}"; do
	[ -x "$b" ] || { echo "Bail out! $b is missing: run make test-build first"; exit 1; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tests/vm/build-kmod.sh "$stage/arenad_kfuncs.ko" || { echo "Bail out! module build failed"; exit 1; }
for b in "${bins[@]}"; do
	vm_install_elf "$stage" "$b" "usr/bin/$(basename "$b")"
done
install -m 0755 tests/vm/kmod-arenad-guest.sh "$stage/test.sh"
install -D -m 0644 tests/vm/guest-tap.sh "$stage/usr/local/lib/guest-tap.sh"

logdir=${ARENAD_VM_LOGDIR:-build/vm}
mkdir -p "$logdir"
tests/vm/run-initramfs.sh "$stage" --timeout "${ARENAD_VM_TIMEOUT:-300}" --log "$logdir/kmod-arenad.log"
