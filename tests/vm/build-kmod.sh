#!/usr/bin/env bash
# Build kmod/arenad_kfuncs.ko for the VM's kernel.
#
#   tests/vm/build-kmod.sh OUT.ko      (KDIR: $VM_KDIR, or tests/vm/kernel.sh's)
#
# Builds in a temporary copy so that nothing lands in kmod/, and fails on
# any compiler, modpost or BTF warning and on a module without BTF (pahole
# missing), which could not register its kfuncs. Why it failed goes to
# stderr with the whole build log, so that prove shows it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-kmod.sh OUT.ko}
if [ -z "${VM_KDIR:-}" ]; then
	eval "$("$here/kernel.sh")"
fi
[ -n "${VM_KDIR:-}" ] || { echo "build-kmod: no kernel build tree (tests/vm/kernel.sh failed)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/build.log
fail() {
	sed 's/^/build-kmod: | /' "$log" >&2
	echo "build-kmod: $*" >&2
	exit 1
}

# The module's sources with the one header it shares with BPF programs, in
# the repository's layout (kmod/Kbuild's include path).
mkdir -p "$tmp/kmod" "$tmp/include/arenad"
cp "$here"/../../kmod/{Kbuild,Makefile,arenad_kfuncs.c} "$tmp/kmod/"
cp "$here"/../../include/arenad/arenad_kfuncs.h "$tmp/include/arenad/"
# A standalone build: when the tests run under `make -jN`, the outer make's
# jobserver is not passed down to this script, and a make that inherits its
# MAKEFLAGS says "warning: jobserver unavailable" (MAKEFLAGS=-j2 make test).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -C "$tmp/kmod" KDIR="$VM_KDIR" >"$log" 2>&1 ||
	fail "the module does not build against $VM_KDIR"
# gcc's "file:line: warning:", modpost's "WARNING: modpost:", and kbuild's
# "Skipping BTF generation" when the tree has no vmlinux. make's own
# notes ("make[1]: warning: ...") are about the build, not the code.
if grep -v -E '^make(\[[0-9]+\])?: ' "$log" | grep -i -E 'warning|skipping btf' >/dev/null; then
	fail "the module builds with warnings"
fi
# Never `cmd | grep -q` here: under pipefail, grep quitting at the first
# match can kill cmd with SIGPIPE and fail the pipeline (seen here).
sections=$(readelf -S "$tmp/kmod/arenad_kfuncs.ko")
grep -q ' \.BTF ' <<<"$sections" ||
	fail "the module has no .BTF section (is pahole installed?)"
install -m 0644 "$tmp/kmod/arenad_kfuncs.ko" "$out"
