#!/bin/sh
# /init of the test initramfs: mount the API file systems, run /test.sh,
# report on the serial console, power off.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root
echo "VMTEST-BEGIN $(uname -r)"
sh /test.sh
rc=$?
if [ $rc -eq 0 ]; then echo "VMTEST-RESULT: PASS"; else echo "VMTEST-RESULT: FAIL ($rc)"; fi
poweroff -f
