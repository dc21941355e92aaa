#!/bin/sh
# Runs inside the VM (tests/vm/test-kmod-arenad.sh): the module loads, arenad uses
# its kfuncs for the census and agrees with the module-free census, an XDP
# program binds through the kfunc, bad input is refused, and the module
# unloads once nothing uses it. TAP on the serial console.
# shellcheck source=guest-tap.sh
. /usr/local/lib/guest-tap.sh
json() { tr -d ' \n'; }
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }

PIN=/sys/fs/bpf/arenad
SOCK=/run/arenad.sock
C="arenactl-client --socket $SOCK"

t "module loads" "insmod /arenad_kfuncs.ko"
t "module is listed" "grep -q '^arenad_kfuncs ' /proc/modules"

arenad --pin-dir $PIN --socket $SOCK --pages 1024 >/tmp/arenad.log 2>&1 &
ARENAD=$!
i=0
while [ $i -lt 100 ] && ! $C ping >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
t "arenad starts" "$C ping >/dev/null"
# The socket answers while start-up (the census self-test) still runs.
i=0
while [ $i -lt 600 ] && $C --json version | json | grep -q '"starting":true'; do sleep 0.1; i=$((i + 1)); done
$C --json version | json > /tmp/version
t "census uses the module's kfuncs (version says kmod)" "grep -q '\"census_method\":\"kmod\"' /tmp/version"

A=$($C alloc 4 --owner vm --name shared | cut -d' ' -f1)
t "alloc through arenad" "[ -n \"$A\" ]"
t "an external program allocates behind arenad's back" "rogue $PIN alloc 2 0x100000100000 >/dev/null"
t "user space faults a page in" "arena_mem $PIN write 0x100000200000 fault"

scan() { for m in kmod full; do $C --json scan --method $m | json > /tmp/$1.$m; done; }
scan scan
t "kmod census: 7 pages present" "[ \"\$(field pages_present < /tmp/scan.kmod)\" = 7 ]"
t "kmod census: 3 unaccounted" "[ \"\$(field pages_unaccounted < /tmp/scan.kmod)\" = 3 ]"
t "kmod census finds the rogue and faulted ranges" \
	"grep -q '\"addr\":\"0x100000100000\",\"offset\":1048576,\"pages\":2' /tmp/scan.kmod && grep -q '\"addr\":\"0x100000200000\",\"offset\":2097152,\"pages\":1' /tmp/scan.kmod"
strip() { sed 's/"duration_us":[0-9]*//; s/"method":"[a-z]*"//; s/"pages_probed":[0-9]*//'; }
t "kmod census equals the module-free full probe" "[ \"\$(strip < /tmp/scan.kmod)\" = \"\$(strip < /tmp/scan.full)\" ]"
if $C --json scan --method rt > /tmp/scan.rt.raw 2>/dev/null; then
	json < /tmp/scan.rt.raw > /tmp/scan.rt
	t "kmod census equals the range-tree census" "[ \"\$(strip < /tmp/scan.kmod)\" = \"\$(strip < /tmp/scan.rt)\" ]"
else
	echo "ok $((n = n + 1)) # SKIP rt census unavailable on this kernel: $($C scan --method rt 2>&1)"
fi

kmod_check $PIN "$A" > /tmp/kc
sed 's/^/# /' /tmp/kc
t "XDP program bound through the kfunc passes and bumps arena memory" "grep -q '^xdp 2 0 1$' /tmp/kc"
t "the module is referenced while programs use it" "[ \"\$(sed -n 's/^refcnt //p' /tmp/kc)\" -ge 1 ]"
PG=$(sed -n '1,/^present/s/^present \([0-9]*\) .*/\1/p' /tmp/kc | head -n1)
t "page_present: an allocated page is present" "grep -q '^present $PG 1$' /tmp/kc"
t "page_present: an untouched page is absent" "grep -q '^present 1023 0$' /tmp/kc"
t "page_present: offset past the arena is -ERANGE" "grep -q '^present 1024 -34$' /tmp/kc"
t "count_present: the whole arena has 7 pages" "grep -q '^count 0 1024 7$' /tmp/kc"
t "count_present: a range past the end is -ERANGE" "grep -q '^count 1 1024 -34$' /tmp/kc"
t "both kfuncs refuse a map that is not an arena (-EINVAL)" "grep -q '^other-map -22 -22$' /tmp/kc"

# The module's census reports runs of present pages: add one that starts
# and ends inside 64-page bitmap words and covers a whole one, and one
# that ends at the arena's last page.
t "alloc of 130 pages from page 61" "$C alloc 130 --owner vm --name wide --addr 0x10000003d000 >/dev/null"
t "an external program allocates the last page" "rogue $PIN alloc 1 0x1000003ff000 >/dev/null"
scan scan2
t "kmod census: 138 pages present" "[ \"\$(field pages_present < /tmp/scan2.kmod)\" = 138 ]"
t "kmod census: 4 unaccounted, the last page among them" \
	"[ \"\$(field pages_unaccounted < /tmp/scan2.kmod)\" = 4 ] && grep -q '\"addr\":\"0x1000003ff000\",\"offset\":4190208,\"pages\":1' /tmp/scan2.kmod"
t "kmod census still equals the full probe" "[ \"\$(strip < /tmp/scan2.kmod)\" = \"\$(strip < /tmp/scan2.full)\" ]"

t "xdp-udp example (ARENAD_BIND picks the kfunc) runs" \
	"xdp-udp --socket $SOCK --pin-dir $PIN --port 4789 | grep -q 'drop=8 pass=12'"

t "rmmod is refused while arenad's census uses the module" "! rmmod arenad_kfuncs 2>/dev/null"
kill $ARENAD
wait $ARENAD
t "arenad stops on SIGTERM" "true"
# Programs are freed after an RCU grace period: give the last references
# a moment to go.
i=0
while [ $i -lt 50 ] && ! rmmod arenad_kfuncs 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
t "module unloads when nothing uses it" "! grep -q '^arenad_kfuncs ' /sys/module/arenad_kfuncs/refcnt 2>/dev/null && [ ! -d /sys/module/arenad_kfuncs ]"
t "and is gone" "! grep -q '^arenad_kfuncs ' /proc/modules"

sed 's/^/# arenad: /' /tmp/arenad.log
tap_done
