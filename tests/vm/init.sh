#!/bin/sh
# /init of the busybox test initramfs (tests/vm/run-initramfs.sh): mount the
# API file systems, run /test.sh, report on the serial console, power off.
# The bpffs at /sys/fs/bpf is the guest's own.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf
ip link set lo up 2>/dev/null
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root
echo
echo "VMTEST-BEGIN $(uname -r)"
sh /test.sh
rc=$?
# Kernel messages from the test (a WARN, a BUG) belong in the report.
dmesg | grep -E 'WARNING|BUG|Oops|Call Trace|arenad' | sed 's/^/# dmesg: /'
if [ $rc -eq 0 ]; then
	echo "VMTEST-RESULT: PASS"
else
	echo "VMTEST-RESULT: FAIL (test.sh exit $rc)"
fi
poweroff -f
