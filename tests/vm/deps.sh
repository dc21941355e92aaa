#!/usr/bin/env bash
# Host packages for the VM tests, installed only when missing.
#
#   tests/vm/deps.sh [EXTRA_PACKAGE...]
#
# The BPF toolchain (clang-19, libbpf >= 1.4 from bookworm-backports,
# bpftool, libelf/zlib for static linking) is scripts/deps.sh's job: it
# knows how to pick single packages from backports without upgrading the
# rest of the system, so this script asks it first. On top of that the VM
# tests need QEMU (TCG: KVM cannot boot guests on these machines), a static
# busybox for the initramfs, pahole for module BTF, cpio and gzip to pack
# the initramfs, gcc-12, the compiler Debian built its 6.12 kernel with,
# socat for make run's relay and debootstrap for systemd.t's root.
# Quiet when everything is there.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)

vm_pkgs=(qemu-system-x86 busybox-static pahole cpio gzip gcc-12 make socat debootstrap "$@")

have_pkg() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }

bash "$repo/scripts/deps.sh"

missing=()
for p in "${vm_pkgs[@]}"; do
	have_pkg "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vm-deps: missing: ${missing[*]}; run as root to install" >&2
	exit 1
fi
echo "vm-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A stale package list is the usual reason an install fails: refresh once.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
