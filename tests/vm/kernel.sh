#!/usr/bin/env bash
# Debian's kernels for the guests, unpacked into a cache and never
# installed on the host.
#
#   eval "$(tests/vm/kernel.sh [SERIES])"  sets VM_KVER VM_VMLINUZ VM_KROOT VM_MODULES
#                                          (and for 6.12 VM_KDIR VM_BTF)
#   . "$VM_KROOT/kernel.env"               the same, from the file it writes
#
# SERIES is 6.12 (the default), 6.18 or 7.2:
#   6.12  bookworm-backports, through the host's own apt sources (which
#         scripts/deps.sh sets up): the image, and the headers, headers-common
#         and kbuild packages that kmod/ is built against.
#   6.18  trixie-backports: linux-image-V-amd64 (the image and its modules).
#   7.2   sid or trixie-backports: linux-binary-V-amd64 and linux-modules-V-amd64.
# The two newer series are looked up in an apt state of their own under the
# cache (the mirror is the one this machine's apt sources use), so the host's
# apt sources and package lists are left as they are.
#
# Packages are fetched with `apt-get download` and unpacked with `dpkg-deb
# -x` into ${ARENAD_VM_CACHE:-/var/cache/arenad-vm}/kernel-VERSION. Of the
# modules only those a guest booting the host's root file system needs are
# kept, decompressed, in VM_MODULES (9p over virtio and overlayfs:
# tests/vm/guest-init.sh). A complete tree from an earlier run is used as
# is, without touching the network, so a second run takes milliseconds and
# prints nothing on stderr.
#
# ARENAD_VM_KERNEL=6.12.117+deb12 asks for one Debian version; otherwise the
# newest cached one of the series, or on a cold cache the newest one apt
# knows of.
#
# Output on stdout, one shell assignment a line:
#   VM_KVER     kernel release (uname -r in the guest), e.g. 6.12.117+deb12-amd64
#   VM_VMLINUZ  the bootable kernel image
#   VM_KROOT    the unpacked tree
#   VM_MODULES  the modules for the host-root guests
#   VM_KDIR     (6.12) the headers' build tree, for `make -C kmod KDIR=...`
#   VM_BTF      (6.12) that tree's BTF-only vmlinux, for vmlinux.h
set -euo pipefail

series=${1:-6.12}
cache=${ARENAD_VM_CACHE:-/var/cache/arenad-vm}
want=${ARENAD_VM_KERNEL:-}
here=$(cd "$(dirname "$0")" && pwd)
# The modules the host-root guests load, in dependency order: the host's
# root over 9p under an overlay, and a network card for `make run`'s
# socket relay (tests/vm/guest.py serve).
guest_modules=(netfs 9pnet 9pnet_virtio 9p overlay failover net_failover virtio_net)

log() { printf 'vm-kernel: %s\n' "$*" >&2; }

case $series in
6.12 | 6.18 | 7.2) ;;
*) log "unknown kernel series '$series' (6.12, 6.18 or 7.2)"; exit 2 ;;
esac
re_series=${series//./\\.}

# apt for the series: the host's for 6.12, a private state for the others.
apt_opts=()
if [ "$series" != 6.12 ]; then
	a=$cache/apt
	apt_opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/empty"
		-o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache"
		-o "Dir::State::status=/dev/null" -o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=$a/empty")
fi
apt_cache() { apt-cache "${apt_opts[@]}" "$@"; }

apt_refresh() {
	if [ "$series" = 6.12 ]; then
		[ "$(id -u)" -eq 0 ] && apt-get update -qq
		return 0
	fi
	local mirror
	mirror=$(bash "$here/../../scripts/deps.sh" --print-mirror) || return 1
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/empty"
	cat >"$a/sources.list" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
EOT
	apt-get "${apt_opts[@]}" -o APT::Sandbox::User=root update -qq >&2
}

# The newest Debian version (6.18.15+deb13) of the series whose packages
# all exist. The first that does ends the search: each check is four
# apt-cache runs, and apt knows dozens of versions.
newest() {
	local v
	apt_cache search --names-only "^linux-(image|binary)-$re_series\.[0-9]+\+deb[0-9]+-amd64(-unsigned)?\$" 2>/dev/null |
		sed -n "s/^linux-[a-z]*-\($re_series\.[0-9]*+deb[0-9]*\)-amd64.*/\1/p" | sort -urV |
		while read -r v; do
			if pkgs "$v" >/dev/null 2>&1; then
				echo "$v"
				break
			fi
		done
	return 0
}

# The packages of version $1, one a line; fails when one is missing.
pkgs() {
	local v=$1 p list=()
	if [ "$series" = 6.12 ]; then
		# The image: unsigned if apt has it (smaller, no shim), else the signed one.
		if apt_cache show "linux-image-$v-amd64-unsigned" >/dev/null 2>&1; then
			list=("linux-image-$v-amd64-unsigned")
		else
			list=("linux-image-$v-amd64")
		fi
		list+=("linux-headers-$v-amd64" "linux-headers-$v-common" "linux-kbuild-$v")
	elif apt_cache show "linux-binary-$v-amd64" >/dev/null 2>&1; then
		# Since 7.x the image is split: the kernel and its modules.
		list=("linux-binary-$v-amd64" "linux-modules-$v-amd64")
	else
		list=("linux-image-$v-amd64")
	fi
	for p in "${list[@]}"; do
		apt_cache show "$p" >/dev/null 2>&1 || return 1
	done
	printf '%s\n' "${list[@]}"
}

emit() {
	local v=$1 dir=$cache/kernel-$1
	cat <<EOT
VM_KVER='$v-amd64'
VM_VMLINUZ='$dir/boot/vmlinuz-$v-amd64'
VM_KROOT='$dir'
VM_MODULES='$dir/modules'
EOT
	[ "$series" != 6.12 ] || cat <<EOT
VM_KDIR='$dir/usr/src/linux-headers-$v-amd64'
VM_BTF='$dir/usr/src/linux-headers-$v-amd64/vmlinux'
EOT
}

# Whether the tree in $1 is complete: trees unpacked by older versions of
# this script lack some of the guests' modules.
complete() {
	local m
	[ -e "$1/.complete" ] || return 1
	for m in "${guest_modules[@]}"; do
		[ -e "$1/modules/$m.ko" ] || return 1
	done
}

cached() {
	local d
	if [ -n "$want" ]; then
		complete "$cache/kernel-$want" && echo "$want"
	else
		for d in "$cache/kernel-$series".*/.complete; do
			d=${d%/.complete}
			complete "$d" || continue
			echo "${d##*/kernel-}"
		done | sort -rV | sed -n 1p
	fi
	return 0
}

v=$(cached)
if [ -n "$v" ]; then
	emit "$v"
	exit 0
fi

mkdir -p "$cache"
# One fetch at a time per apt state (test drivers run in parallel, and so
# does tests/vm/fetch.sh): the host's for 6.12, the private one for the
# others.
[ "$series" = 6.12 ] && lock=$cache/.lock-host-apt || lock=$cache/.lock
exec 9>"$lock"
flock 9
v=$(cached)
if [ -n "$v" ]; then
	emit "$v"
	exit 0
fi

if [ "$series" != 6.12 ] && [ ! -d "$cache/apt/lists" ]; then
	apt_refresh || { log "cannot set up apt for the $series kernels"; exit 1; }
fi
if [ -n "$want" ]; then
	v=$want
else
	v=$(newest)
	if [ -z "$v" ]; then
		apt_refresh || true
		v=$(newest)
	fi
	[ -n "$v" ] || {
		log "no Debian $series kernel packages known to apt (for 6.12: is bookworm-backports configured? bash scripts/deps.sh)"
		exit 1
	}
fi

mapfile -t list < <(pkgs "$v") || true
[ ${#list[@]} -gt 0 ] || { log "the packages of kernel $v are not all known to apt"; exit 1; }
debs=$cache/debs
dir=$cache/kernel-$v
tmp=$dir.tmp
kver=$v-amd64
rm -rf "$tmp"
mkdir -p "$debs" "$tmp"
trap 'rm -rf "$tmp"' EXIT

module_globs=()
for m in "${guest_modules[@]}"; do
	module_globs+=("*/$m.ko*")
done
log "fetching ${list[*]}"
# As root, apt drops to the _apt user for downloads, which cannot write to
# a root-owned cache: download as the caller.
(cd "$debs" && apt-get "${apt_opts[@]}" download -qq -o APT::Sandbox::User="$(id -un)" "${list[@]}") >&2
for p in "${list[@]}"; do
	# Several Debian revisions of one package may be cached: the last.
	files=("$debs/${p}_"*.deb)
	case $p in
	linux-image-* | linux-binary-* | linux-modules-*)
		# Of an image only the kernel and the guests' modules: unpacking
		# every module would take half a minute. A pattern a package does
		# not match is an error to tar; what is missing is checked below.
		dpkg-deb --fsys-tarfile "${files[-1]}" |
			tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' '*/vmlinuz' \
				"${module_globs[@]}" 2>/dev/null || true ;;
	*) dpkg-deb -x "${files[-1]}" "$tmp" ;;
	esac
done

# 7.x keeps the image beside its modules; give every series one place.
if [ ! -e "$tmp/boot/vmlinuz-$kver" ] && [ -e "$tmp/usr/lib/modules/$kver/vmlinuz" ]; then
	mkdir -p "$tmp/boot"
	mv "$tmp/usr/lib/modules/$kver/vmlinuz" "$tmp/boot/vmlinuz-$kver"
fi
[ -s "$tmp/boot/vmlinuz-$kver" ] || { log "the packages lack the kernel image"; exit 1; }

mkdir -p "$tmp/modules"
for m in "${guest_modules[@]}"; do
	f=$(find "$tmp/lib/modules/$kver" "$tmp/usr/lib/modules/$kver" -name "$m.ko*" 2>/dev/null | sed -n 1p || true)
	[ -n "$f" ] || { log "kernel $v has no module $m"; exit 1; }
	case $f in
	*.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
	*.gz) gzip -dc "$f" >"$tmp/modules/$m.ko" ;;
	*) cp "$f" "$tmp/modules/$m.ko" ;;
	esac
done
printf '%s\n' "${guest_modules[@]}" >"$tmp/modules/order"
rm -rf "$tmp/lib/modules" "$tmp/usr/lib/modules"

if [ "$series" = 6.12 ]; then
	# The arch headers' Makefile is one line including the common tree by an
	# absolute /usr/src path: point it at the tree's final place in the cache.
	mk=$tmp/usr/src/linux-headers-$kver/Makefile
	sed -i "s|^include /usr/src/|include $dir/usr/src/|" "$mk"
	grep -q "^include $dir/" "$mk" || { log "unexpected $mk: $(cat "$mk")"; exit 1; }
	for f in "usr/src/linux-headers-$kver/vmlinux" "usr/src/linux-headers-$kver/Module.symvers"; do
		[ -s "$tmp/$f" ] || { log "the packages lack $f"; exit 1; }
	done
fi
emit "$v" >"$tmp/kernel.env"
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
# The unpacked tree is the cache; the packages would only double it.
for p in "${list[@]}"; do
	rm -f "$debs/${p}_"*.deb
done
log "kernel $kver in $dir"
emit "$v"
