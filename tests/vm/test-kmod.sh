#!/usr/bin/env bash
# VM test of kmod/arenad_kfuncs.ko. These machines cannot load modules
# (CONFIG_MODULES is unset), so: build the module against Debian's 6.12
# headers, build the test programs (tests/vm/kmod/) for that kernel, boot
# it under QEMU with a busybox initramfs, and run tests/vm/kmod/guest.sh
# there. TAP on stdout; exit 0 only when the guest passed.
#
# The guest's console is also kept in ${ARENAD_VM_LOGDIR:-build/vm}/kmod.log.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
vm=$repo/tests/vm
src=$vm/kmod
CLANG=${CLANG:-clang-19}
BPFTOOL=${BPFTOOL:-bpftool}

bail() { echo "Bail out! $*"; exit 1; }
step() { echo "# $*"; }

"$vm/deps.sh" >&2 || bail "host packages missing"
eval "$("$vm/kernel.sh")" || bail "no Debian 6.12 kernel"
export VM_VMLINUZ
step "kernel $VM_KVER"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
mkdir -p "$tmp/bpf" "$stage/usr/bin" "$stage/usr/local/lib"

"$vm/build-kmod.sh" "$stage/arenad_kfuncs.ko" || bail "the module does not build cleanly"
step "module built against $VM_KDIR"

# The module includes arenad_kfuncs.h, the declarations BPF programs are
# built with: a definition that disagrees with them must not compile.
mis=$tmp/mismatch
mkdir -p "$mis/kmod" "$mis/include/arenad"
cp "$repo"/kmod/{Kbuild,Makefile,arenad_kfuncs.c} "$mis/kmod/"
cp "$repo"/include/arenad/arenad_kfuncs.h "$mis/include/arenad/"
sed -i 's/int arenad_kf_page_present(void \*p__map, u32 pgoff)$/int arenad_kf_page_present(void *p__map, u64 pgoff)/' \
	"$mis/kmod/arenad_kfuncs.c"
grep -q 'arenad_kf_page_present(void \*p__map, u64 pgoff)' "$mis/kmod/arenad_kfuncs.c" ||
	bail "the mismatch check found no definition of arenad_kf_page_present to change"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -C "$mis/kmod" KDIR="$VM_KDIR" >"$mis/build.log" 2>&1; then
	bail "a kfunc definition that disagrees with arenad_kfuncs.h compiled"
fi
grep -q "conflicting types for .arenad_kf_page_present" "$mis/build.log" ||
	{ sed 's/^/# /' "$mis/build.log"; bail "the mismatched module failed for another reason"; }
step "a kfunc definition that disagrees with arenad_kfuncs.h does not compile"

# The BPF programs, for the guest kernel's types.
b=$tmp/bpf
"$BPFTOOL" btf dump file "$VM_BTF" format c >"$b/vmlinux.h"
for p in kfunc_test kfunc_reject; do
	"$CLANG" -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror \
		-I"$b" -I"$src" -I"$repo/include/arenad" -c "$src/$p.bpf.c" -o "$b/$p.tmp.o" 2>"$b/$p.log" ||
		{ sed 's/^/# /' "$b/$p.log"; bail "$p.bpf.c does not build"; }
	"$BPFTOOL" gen object "$b/$p.bpf.o" "$b/$p.tmp.o"
	"$BPFTOOL" gen skeleton "$b/$p.bpf.o" name "${p}_bpf" >"$b/$p.skel.h"
done
# The loader: static, the guest has no libraries.
${CC:-gcc} -O2 -g -Wall -Wextra -Werror -static -I"$b" -I"$src" \
	-o "$stage/usr/bin/kfunc_test" "$src/kfunc_test.c" -lbpf -lelf -lz 2>"$b/cc.log" ||
	{ sed 's/^/# /' "$b/cc.log"; bail "kfunc_test.c does not build"; }
step "test programs built"

install -m 0755 "$src/guest.sh" "$stage/test.sh"
install -m 0644 "$vm/guest-tap.sh" "$stage/usr/local/lib/guest-tap.sh"

logdir=${ARENAD_VM_LOGDIR:-$repo/build/vm}
mkdir -p "$logdir"
"$vm/run-initramfs.sh" "$stage" --timeout "${ARENAD_VM_TIMEOUT:-300}" --log "$logdir/kmod.log"
