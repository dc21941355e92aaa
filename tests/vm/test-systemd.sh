#!/usr/bin/env bash
# `systemctl start arenad` in a real systemd: these machines do not run
# systemd as PID 1, so boot a minimal Debian 12 root file system
# (tests/vm/rootfs.sh) as the initramfs of Debian's 6.12
# kernel under QEMU, with arenad installed by `make install`, and run
# tests/vm/systemd-guest.sh there as a oneshot unit.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=vm.sh
. tests/vm/vm.sh

vm_deps
vm_kernel
base=$(tests/vm/rootfs.sh)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
tar -C "$root" -xf "$base"

make -s install DESTDIR="$root" PREFIX=/usr >/dev/null
install -m 0755 build/tests/arena_mem "$root/usr/local/bin/arena_mem"
install -m 0755 build/examples/shared-counter "$root/usr/local/bin/shared-counter"
install -m 0755 build/tests/foreign_arena "$root/usr/local/bin/foreign_arena"
install -m 0755 tests/vm/systemd-guest.sh "$root/usr/local/sbin/vmtest"
install -D -m 0644 tests/vm/guest-tap.sh "$root/usr/local/lib/guest-tap.sh"

# The test runs as a oneshot unit once the system is up, prints to the
# serial console and powers off.
cat >"$root/etc/systemd/system/vmtest.service" <<'UNIT'
[Unit]
Description=arenad VM test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vmtest
ExecStopPost=/bin/systemctl poweroff --no-block
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../vmtest.service "$root/etc/systemd/system/multi-user.target.wants/vmtest.service"
# Nothing else may write to the console, nor wait for hardware it lacks.
for u in serial-getty@ttyS0.service getty@tty1.service systemd-timesyncd.service \
	 apt-daily.timer apt-daily-upgrade.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
echo arenad-vm >"$root/etc/hostname"
ln -sf /lib/systemd/systemd "$root/init"

out=build/vm
mkdir -p "$out"
vm_log "packing the root file system"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out/systemd-initrd.gz"
# 900 s: about a minute when the host is idle, but every arenad start in
# the guest (census self-tests under TCG) took 7-10 s on a host loaded by
# several builds at once, and 420 s ran out.
VM_APPEND="systemd.show_status=0 rd.udev.log_level=3 systemd.log_level=warning" \
	vm_boot "$out/systemd-initrd.gz" "$out/systemd.log" 900 2048
