#!/usr/bin/env bash
# Smoke test of the VM tooling: Debian's 6.12 kernel boots under QEMU with a
# busybox initramfs and runs a script, and the harness tells a passing
# guest from a failing one and from one that never finishes. TAP on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

"$here/deps.sh"
eval "$("$here/kernel.sh")"
export VM_VMLINUZ

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# 1. A script that passes, and looks around the guest while at it.
mkdir -p "$tmp/pass"
cat >"$tmp/pass/test.sh" <<EOT
. /usr/local/lib/guest-tap.sh
t "kernel is $VM_KVER" '[ "\$(uname -r)" = "$VM_KVER" ]'
t "the kernel takes modules" '[ -e /proc/modules ]'
t "kernel BTF" '[ -e /sys/kernel/btf/vmlinux ]'
t "a private bpffs on /sys/fs/bpf" 'grep -q " /sys/fs/bpf bpf " /proc/mounts'
tap_done
EOT
install -D -m 0644 "$here/guest-tap.sh" "$tmp/pass/usr/local/lib/guest-tap.sh"
rc=0
"$here/run-initramfs.sh" "$tmp/pass" --timeout 120 --log "$tmp/pass.log" >/dev/null 2>&1 || rc=$?
if [ $rc -eq 0 ]; then
	sed -n 's/^\(ok\|not ok\|VMTEST\)/# guest: \1/p' "$tmp/pass.log"
else
	sed 's/^/# guest: /' "$tmp/pass.log" 2>/dev/null | tail -n 40 >&2
fi
check "a passing guest script: exit 0" "[ $rc -eq 0 ]"
check "its TAP reached the console" "grep -q '^4 passed, 0 failed' '$tmp/pass.log'"

# 2. A script that fails.
mkdir -p "$tmp/fail"
echo 'echo "about to fail"; exit 3' >"$tmp/fail/test.sh"
rc=0
"$here/run-initramfs.sh" "$tmp/fail" --timeout 120 --log "$tmp/fail.log" >/dev/null 2>&1 || rc=$?
check "a failing guest script: exit 1" "[ $rc -eq 1 ]"
check "with its exit status on the console" "grep -q '^VMTEST-RESULT: FAIL (test.sh exit 3)' '$tmp/fail.log'"

# 3. A script that never ends: the timeout ends the VM.
mkdir -p "$tmp/hang"
echo 'sleep 100000' >"$tmp/hang/test.sh"
rc=0
start=$SECONDS
"$here/run-initramfs.sh" "$tmp/hang" --timeout 20 --log "$tmp/hang.log" >/dev/null 2>&1 || rc=$?
check "a guest that hangs: exit 2" "[ $rc -eq 2 ]"
check "after the timeout, not much later ($((SECONDS - start))s)" "[ $((SECONDS - start)) -lt 40 ]"

echo "1..$n"
echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
