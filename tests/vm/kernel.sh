#!/usr/bin/env bash
# Debian's bookworm-backports 6.12 kernel for the VM tests, unpacked into a
# cache and never installed on the host.
#
#   eval "$(tests/vm/kernel.sh)"     sets VM_KVER VM_VMLINUZ VM_KDIR VM_BTF VM_KROOT
#   . "$VM_KROOT/kernel.env"         the same, from the file it writes
#
# The image, headers, headers-common and kbuild packages are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into
# ${ARENAD_VM_CACHE:-/var/cache/arenad-vm}/kernel-VERSION. A complete tree
# from an earlier run is used as is, without touching the network, so a
# second run takes milliseconds and prints nothing on stderr.
#
# ARENAD_VM_KERNEL=6.12.117+deb12 asks for one Debian version; otherwise the
# newest cached one, or on a cold cache the newest one apt knows of.
#
# Output on stdout, one shell assignment a line:
#   VM_KVER     kernel release (uname -r in the guest), e.g. 6.12.117+deb12-amd64
#   VM_VMLINUZ  the bootable kernel image
#   VM_KDIR     the headers' build tree, for `make -C kmod KDIR=...`
#   VM_BTF      that tree's BTF-only vmlinux, for vmlinux.h
#   VM_KROOT    the unpacked tree
set -euo pipefail

cache=${ARENAD_VM_CACHE:-/var/cache/arenad-vm}
want=${ARENAD_VM_KERNEL:-}

log() { printf 'vm-kernel: %s\n' "$*" >&2; }

# Versions like 6.12.117+deb12 for which all four packages exist, newest first.
candidates() {
	local v
	apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64(-unsigned)?$' 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb[0-9]*\)-amd64.*/\1/p' | sort -urV |
		while read -r v; do
			apt-cache show "linux-headers-$v-amd64" "linux-headers-$v-common" \
				"linux-kbuild-$v" >/dev/null 2>&1 && echo "$v"
		done
	return 0
}

# The image: unsigned if apt has it (smaller, no shim), else the signed one.
image_pkg() {
	if apt-cache show "linux-image-$1-amd64-unsigned" >/dev/null 2>&1; then
		echo "linux-image-$1-amd64-unsigned"
	else
		echo "linux-image-$1-amd64"
	fi
}

emit() {
	local v=$1 dir=$cache/kernel-$1
	cat <<EOT
VM_KVER='$v-amd64'
VM_VMLINUZ='$dir/boot/vmlinuz-$v-amd64'
VM_KDIR='$dir/usr/src/linux-headers-$v-amd64'
VM_BTF='$dir/usr/src/linux-headers-$v-amd64/vmlinux'
VM_KROOT='$dir'
EOT
}

cached() {
	local d
	if [ -n "$want" ]; then
		[ -e "$cache/kernel-$want/.complete" ] && echo "$want"
	else
		for d in "$cache"/kernel-6.12.*/.complete; do
			[ -e "$d" ] || continue
			d=${d%/.complete}
			echo "${d##*/kernel-}"
		done | sort -rV | sed -n 1p
	fi
	return 0
}

v=$(cached)
if [ -n "$v" ]; then
	# Trees unpacked by older versions of this script lack the env file.
	[ -e "$cache/kernel-$v/kernel.env" ] || emit "$v" >"$cache/kernel-$v/kernel.env" 2>/dev/null || true
	emit "$v"
	exit 0
fi

mkdir -p "$cache"
# One fetch at a time: test drivers may run in parallel (prove -j).
exec 9>"$cache/.lock"
flock 9
v=$(cached)
if [ -n "$v" ]; then
	emit "$v"
	exit 0
fi

if [ -n "$want" ]; then
	v=$want
else
	v=$(candidates | sed -n 1p)
	if [ -z "$v" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq
		v=$(candidates | sed -n 1p)
	fi
	[ -n "$v" ] || {
		log "no Debian 6.12 kernel packages known to apt; is bookworm-backports configured? (bash scripts/deps.sh)"
		exit 1
	}
fi

pkgs=("$(image_pkg "$v")" "linux-headers-$v-amd64" "linux-headers-$v-common" "linux-kbuild-$v")
debs=$cache/debs
dir=$cache/kernel-$v
tmp=$dir.tmp
rm -rf "$tmp"
mkdir -p "$debs" "$tmp"
trap 'rm -rf "$tmp"' EXIT

log "fetching ${pkgs[*]}"
# As root, apt drops to the _apt user for downloads, which cannot write to
# a root-owned cache: download as the caller.
(cd "$debs" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "${pkgs[@]}") >&2
for p in "${pkgs[@]}"; do
	# Several Debian revisions of one package may be cached: the last.
	files=("$debs/${p}_"*.deb)
	dpkg-deb -x "${files[-1]}" "$tmp"
done

# The arch headers' Makefile is one line including the common tree by an
# absolute /usr/src path: point it at the tree's final place in the cache.
mk=$tmp/usr/src/linux-headers-$v-amd64/Makefile
sed -i "s|^include /usr/src/|include $dir/usr/src/|" "$mk"
grep -q "^include $dir/" "$mk" || { log "unexpected $mk: $(cat "$mk")"; exit 1; }
for f in "boot/vmlinuz-$v-amd64" "usr/src/linux-headers-$v-amd64/vmlinux" \
	 "usr/src/linux-headers-$v-amd64/Module.symvers"; do
	[ -s "$tmp/$f" ] || { log "the packages lack $f"; exit 1; }
done
# Only the boot image is needed from the image package: drop its modules.
rm -rf "$tmp/lib/modules" "$tmp/usr/lib/modules"
emit "$v" >"$tmp/kernel.env"
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
# The unpacked tree is the cache; the packages would only double it.
for p in "${pkgs[@]}"; do
	rm -f "$debs/${p}_"*.deb
done
log "kernel $v-amd64 in $dir"
emit "$v"
