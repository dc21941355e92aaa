#!/usr/bin/env bash
# Run a test script in a throw-away VM.
#
#   tests/vm/run-initramfs.sh DIR [--out INITRD] [boot.sh options...]
#
# DIR is copied to the guest's / and must hold test.sh, which runs as
# `sh /test.sh` after /init (tests/vm/init.sh) has mounted proc, sysfs,
# devtmpfs, tmpfs on /tmp and /run, and a bpffs on /sys/fs/bpf. Everything
# else is a static busybox, so programs in DIR should be static too. The
# guest prints "VMTEST-RESULT: PASS" when test.sh exits 0 and
# "VMTEST-RESULT: FAIL" otherwise; the exit status is boot.sh's (0 pass,
# 1 fail, 2 timeout or no result). --out keeps the initramfs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: run-initramfs.sh DIR [--out INITRD] [boot.sh options...]}
shift
out=
if [ "${1:-}" = --out ]; then
	out=$2
	shift 2
fi
[ -f "$dir/test.sh" ] || { echo "run-initramfs.sh: $dir/test.sh is missing" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root}
busybox=$(command -v busybox)
case $(ldd "$busybox" 2>&1 || true) in
*"not a dynamic executable"* | *"statically linked"*) ;;
*) echo "run-initramfs.sh: $busybox is not static (install busybox-static)" >&2; exit 2 ;;
esac
install -m 0755 "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
cp -a "$dir"/. "$root"/
install -m 0755 "$here/init.sh" "$root/init"

initrd=${out:-$tmp/initrd.gz}
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$initrd"
"$here/boot.sh" "$initrd" "$@"
