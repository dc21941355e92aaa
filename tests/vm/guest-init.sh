#!/bin/sh
# /init of the host-root guests' initramfs (tests/vm/guest.py): the guest
# runs on this machine's own root file system, shared read-only over 9p
# (tag "hostroot") under a tmpfs overlay, so the suite's programs, the
# build tree and the test files are at the same paths as on the host and
# every write stays in the guest. Then tests/vm/guest-agent.sh, named on
# the kernel command line, takes over as PID 1.
fail() {
	echo "GUEST-INIT-FAILED: $*"
	poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do
	insmod "/modules/$m.ko" || fail "insmod $m"
done

agent=
for a in $(cat /proc/cmdline); do
	case $a in
	arenad_agent=*) agent=${a#arenad_agent=} ;;
	esac
done
[ -n "$agent" ] || fail "no arenad_agent= on the kernel command line"

mkdir -p /lower /upper /newroot
# cache=loose: the host does not change the tree while guests run (the
# suite is built before they boot), and re-reading every Python module
# over 9p under emulation would cost minutes.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower ||
	fail "mount the host's root over 9p"
mount -t tmpfs -o mode=0755 upper /upper
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	fail "mount the overlay"
for d in proc sys dev; do
	mount --move "/$d" "/newroot/$d"
done
[ -x "/newroot$agent" ] || fail "$agent is not in the host's root"
exec switch_root /newroot /bin/bash "$agent"
