#!/usr/bin/env bash
# Boot an initramfs under QEMU and report what the guest concluded.
#
#   tests/vm/boot.sh INITRD [--timeout SECS] [--mem MB] [--log FILE] [--append ARGS]
#
# The kernel is $VM_VMLINUZ, or Debian's 6.12 from tests/vm/kernel.sh. The
# guest's serial console is copied to stdout (and to --log FILE) as it
# arrives. The guest reports with a line of its own:
#
#   VMTEST-RESULT: PASS      exit 0
#   VMTEST-RESULT: FAIL ...  exit 1
#   no such line before the guest powered off, crashed, or SECS ran out
#                            exit 2
#
# and the last line on stderr says which ("# vm: ...").
# KVM cannot boot guests on these machines, so this is always TCG, with one
# vCPU: with two, the guest sometimes died at boot with "Oops: int3" in
# code that the other vCPU was live-patching (tests/vm/README.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
initrd=${1:?usage: boot.sh INITRD [--timeout SECS] [--mem MB] [--log FILE] [--append ARGS]}
shift
secs=300 mem=1024 log='' append=''
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) secs=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ -z "${VM_VMLINUZ:-}" ]; then
	eval "$("$here/kernel.sh")"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$log" ] || log=$tmp/console.log

# Carriage returns, and the terminal resets and colours SeaBIOS sends.
strip='s/\r//g; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[a-z]//g'
start=$SECONDS
set +e
# panic=-1 and oops=panic: a kernel crash ends the run at once instead of
# leaving the harness to wait for the timeout.
timeout --foreground -k 5 "$secs" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 \
	-nographic -no-reboot -nodefaults -serial stdio \
	-kernel "$VM_VMLINUZ" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 $append" \
	</dev/null 2>&1 | sed -u -e "$strip" | tee "$log"
qemu_rc=${PIPESTATUS[0]}
set -e
took=$((SECONDS - start))

if grep -q '^VMTEST-RESULT: PASS' "$log"; then
	echo "# vm: guest passed (${took}s)" >&2
	exit 0
fi
if grep -q '^VMTEST-RESULT: FAIL' "$log"; then
	echo "# vm: guest failed (${took}s)" >&2
	exit 1
fi
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "# vm: timeout: no result from the guest within ${secs}s" >&2
else
	echo "# vm: the guest stopped without a result (qemu exit $qemu_rc, ${took}s)" >&2
fi
exit 2
