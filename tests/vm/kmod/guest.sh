#!/bin/sh
# Runs inside the VM as /test.sh (tests/vm/test-kmod.sh): load the module,
# run kfunc_test against it, unload it once nothing uses it. TAP on the
# serial console; exit 0 only when every check passed.
# shellcheck source=../guest-tap.sh
. /usr/local/lib/guest-tap.sh
M=arenad_kfuncs

t "insmod $M.ko" "insmod /$M.ko"
t "$M is live in /proc/modules" "grep -q '^$M .* Live ' /proc/modules"
t "its BTF is in /sys/kernel/btf/$M" "[ -s /sys/kernel/btf/$M ]"

kfunc_test >/tmp/kfunc_test.out 2>&1
rc=$?
tap_import /tmp/kfunc_test.out
t "kfunc_test exits 0" "[ $rc -eq 0 ]"

# The last program's module reference goes when the program is freed,
# after an RCU grace period: retry for a few seconds.
i=0
while [ $i -lt 50 ] && ! rmmod $M 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
t "rmmod $M once nothing uses it" "[ ! -d /sys/module/$M ]"
t "gone from /proc/modules" "! grep -q '^$M ' /proc/modules"
tap_done
