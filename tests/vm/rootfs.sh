#!/usr/bin/env bash
# The minimal Debian 12 root file system that systemd.t boots (systemd as
# PID 1), built with debootstrap once and cached as a tar under
# ${ARENAD_VM_CACHE:-/var/cache/arenad-vm}; prints the tar's path.
#
# The packages arenad's binaries need at run time (libmicrohttpd12: the
# metrics endpoint) are in the list; the tar is named after the list, so a
# change to it builds a new one.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=${ARENAD_VM_CACHE:-/var/cache/arenad-vm}
include=systemd,systemd-sysv,dbus,libelf1,zlib1g,libjson-c5,libsystemd0,libmicrohttpd12,util-linux,procps
base=$cache/rootfs-bookworm-systemd-$(printf %s "$include" | md5sum | cut -c1-8).tar

if [ ! -s "$base" ]; then
	mkdir -p "$cache"
	# One build at a time: the suite's prefetch (fetch.sh) and systemd.t
	# may both ask.
	exec 9>"$cache/.lock-rootfs"
	flock 9
fi
if [ ! -s "$base" ]; then
	command -v debootstrap >/dev/null || { echo "vm-rootfs: debootstrap is missing (tests/vm/deps.sh)" >&2; exit 1; }
	mirror=$(bash scripts/deps.sh --print-mirror)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	printf 'vm-rootfs: building the Debian 12 root file system (cached in %s)\n' "$base" >&2
	debootstrap --variant=minbase --include="$include" \
		bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$tmp/debootstrap.log" >&2; exit 1; }
	# Documentation and package lists are dead weight in a RAM root.
	rm -rf "$tmp/root"/usr/share/{doc,man,info,locale} "$tmp/root"/var/cache/apt/* \
		"$tmp/root"/var/lib/apt/lists/*
	tar -C "$tmp/root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
fi
echo "$base"
