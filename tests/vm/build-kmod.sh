#!/usr/bin/env bash
# Build kmod/arenad_kfuncs.ko for the VM's kernel.
#
#   tests/vm/build-kmod.sh OUT.ko      (KDIR: $VM_KDIR, or tests/vm/kernel.sh's)
#
# Builds in a temporary copy so that nothing lands in kmod/, and fails on
# any compiler or kbuild warning and on a module without BTF (pahole
# missing), which could not register its kfuncs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-kmod.sh OUT.ko}
if [ -z "${VM_KDIR:-}" ]; then
	eval "$("$here/kernel.sh")"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here"/../../kmod/{Kbuild,Makefile,arenad_kfuncs.c} "$tmp/"
if ! make -C "$tmp" KDIR="$VM_KDIR" >"$tmp/build.log" 2>&1; then
	sed 's/^/# /' "$tmp/build.log"
	echo "build-kmod: the module does not build against $VM_KDIR" >&2
	exit 1
fi
if grep -i 'warning' "$tmp/build.log" >/dev/null; then
	sed 's/^/# /' "$tmp/build.log"
	echo "build-kmod: the module builds with warnings" >&2
	exit 1
fi
if ! readelf -S "$tmp/arenad_kfuncs.ko" | grep -q ' \.BTF '; then
	echo "build-kmod: the module has no .BTF section (is pahole installed?)" >&2
	exit 1
fi
install -m 0644 "$tmp/arenad_kfuncs.ko" "$out"
