# shellcheck shell=bash
# VM tooling for tests that need a kernel with module support or systemd as
# PID 1, neither of which the test machines offer. Sourced by the
# tests/vm/test-*.sh drivers.
#
#   vm_deps                      host packages (QEMU, busybox, pahole, ...)
#   vm_kernel                    Debian's 6.12 kernel + headers, unpacked, cached
#   vm_initramfs OUT DIR INIT    a busybox initramfs holding DIR, booting INIT
#   vm_boot INITRD LOG SECS [MEM] boot it under QEMU TCG, serial console to LOG
#
# Nothing is installed on the host besides the packages vm_deps names; the
# kernel packages are fetched with apt-get download and unpacked with
# dpkg-deb -x into $VM_CACHE, where later runs find them.

VM_CACHE=${ARENAD_VM_CACHE:-/var/cache/arenad-vm}
VM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

vm_log() { printf '# vm: %s\n' "$*" >&2; }

vm_deps() {
	ARENAD_EXTRA_DEPS="qemu-system-x86 busybox-static pahole cpio xz-utils ${1:-}" \
		bash "$VM_REPO/scripts/deps.sh"
}

# Newest 6.12 kernel for which all four packages exist.
vm_pick_kernel() {
	local v
	for v in $(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' 2>/dev/null |
		   sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb[0-9]*\)-amd64-unsigned .*/\1/p' | sort -rV); do
		if apt-cache show "linux-headers-$v-amd64" "linux-headers-$v-common" \
			"linux-kbuild-$v" >/dev/null 2>&1; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

vm_kernel() {
	local v dir debs
	# A complete unpacked tree from an earlier run wins: no network needed.
	dir=$(ls -d "$VM_CACHE"/kernel-6.12.*/.complete 2>/dev/null | sort -rV | head -n1 || true)
	if [ -n "$dir" ]; then
		dir=${dir%/.complete}
		v=${dir##*/kernel-}
	else
		v=$(vm_pick_kernel) || { apt-get update -qq && v=$(vm_pick_kernel); } || {
			vm_log "no Debian 6.12 kernel packages found (is bookworm-backports configured? run scripts/deps.sh)"
			return 1
		}
		dir=$VM_CACHE/kernel-$v
		debs=$VM_CACHE/debs
		mkdir -p "$debs" "$dir"
		vm_log "fetching Debian kernel $v"
		(cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$v-amd64-unsigned" \
			"linux-headers-$v-amd64" "linux-headers-$v-common" "linux-kbuild-$v") || return 1
		local d
		for d in "$debs"/linux-*"$v"*.deb; do
			dpkg-deb -x "$d" "$dir" || return 1
		done
		# The arch headers' Makefile includes the common tree by an
		# absolute /usr/src path: point it into the unpacked tree.
		sed -i "s|^include /usr/src/|include $dir/usr/src/|" \
			"$dir/usr/src/linux-headers-$v-amd64/Makefile"
		touch "$dir/.complete"
	fi
	VM_KVER=$v-amd64
	VM_KROOT=$dir
	VM_VMLINUZ=$dir/boot/vmlinuz-$VM_KVER
	VM_KDIR=$dir/usr/src/linux-headers-$VM_KVER
	VM_MODDIR=$dir/lib/modules/$VM_KVER
	VM_BTF=$VM_KDIR/vmlinux
	export VM_KVER VM_KROOT VM_VMLINUZ VM_KDIR VM_MODDIR VM_BTF
	[ -f "$VM_VMLINUZ" ] && [ -f "$VM_KDIR/Makefile" ]
}

# Copy an ELF program and the shared libraries it needs into a root.
vm_install_elf() {
	local root=$1 src=$2 dst=$3 lib
	install -D -m 0755 "$src" "$root/$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

# vm_initramfs OUT STAGE INIT: STAGE's tree plus busybox; INIT runs as /init.
vm_initramfs() {
	local out=$1 stage=$2 init=$3 root
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root}
	cp -a "$stage"/. "$root"/
	install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
	local app
	for app in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
	done
	install -m 0755 "$init" "$root/init"
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
	rm -rf "$root"
}

# vm_boot INITRD LOG SECONDS [MEM]: exit 0 only when the guest printed
# "VMTEST-RESULT: PASS"; the serial console is copied to LOG and stdout.
vm_boot() {
	local initrd=$1 log=$2 secs=$3 mem=${4:-1024}
	# KVM cannot boot guests on these machines; TCG with -cpu max can.
	timeout --foreground -k 5 "$secs" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 2 \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$VM_VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 ${VM_APPEND:-}" \
		</dev/null 2>&1 | tr -d '\r' | tee "$log"
	if grep -q '^VMTEST-RESULT: PASS' "$log"; then
		return 0
	fi
	if ! grep -q '^VMTEST-RESULT:' "$log"; then
		vm_log "no result from the guest within ${secs}s (timeout or crash); see $log"
	fi
	return 1
}
