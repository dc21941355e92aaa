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

vm_prepare || exit 1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tests/vm/build-kmod.sh "$stage/arenad_kfuncs.ko" || { echo "Bail out! module build failed"; exit 1; }
vm_run_guest kmod-arenad tests/vm/kmod-arenad-guest.sh "$stage" build/arenad build/arenactl-client build/tests/arena_mem \
	build/tests/rogue build/tests/kmod_check build/examples/xdp-udp
