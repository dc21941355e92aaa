#!/usr/bin/env bash
# VM test of kmod/ (these machines cannot load modules: CONFIG_MODULES is
# unset). Builds the module against Debian's 6.12 headers, boots that
# kernel under QEMU with a busybox initramfs holding the module, arenad and
# the test programs, and runs tests/vm/kmod-guest.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/vm/vm.sh

vm_deps
vm_kernel
vm_log "kernel $VM_KVER"

# Build the module out of the source tree, so nothing lands in kmod/.
kbuild=$(mktemp -d)
stage=$(mktemp -d)
trap 'rm -rf "$kbuild" "$stage"' EXIT
cp kmod/Kbuild kmod/Makefile kmod/arenad_kfuncs.c "$kbuild/"
make -s -C "$kbuild" KDIR="$VM_KDIR" >"$kbuild/build.log" 2>&1 || { cat "$kbuild/build.log"; exit 1; }
if grep -qi 'warning' "$kbuild/build.log"; then
	cat "$kbuild/build.log"
	vm_log "the module builds with warnings"
	exit 1
fi
install -m 0644 "$kbuild/arenad_kfuncs.ko" "$stage/arenad_kfuncs.ko"

for b in build/arenad build/arenactl-client build/tests/arena_mem build/tests/rogue \
	 build/tests/kmod_check build/examples/xdp-udp; do
	vm_install_elf "$stage" "$b" "usr/bin/$(basename "$b")"
done
install -m 0755 tests/vm/kmod-guest.sh "$stage/test.sh"
install -D -m 0644 tests/vm/guest-tap.sh "$stage/usr/local/lib/guest-tap.sh"

out=build/vm
mkdir -p "$out"
vm_initramfs "$out/kmod-initrd.gz" "$stage" tests/vm/init.sh
vm_boot "$out/kmod-initrd.gz" "$out/kmod.log" 300
