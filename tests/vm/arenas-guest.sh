#!/bin/sh
# Runs inside the VM (tests/vm/test-arenas.sh), on Linux 6.12: another
# program's arena (foreign_arena: 5 pages from the kfunc, 3 touched from
# user space) is listed by `arenas` with its 8 present pages, its program
# and its process; `scan --map-id` finds the same runs with the full probe
# and says why rt is unavailable here; the census changes none of its
# bytes; the arena leaves the list with its process. TAP on the console.
# shellcheck source=guest-tap.sh
. /usr/local/lib/guest-tap.sh
json() { tr -d ' \n'; }

PIN=/sys/fs/bpf/arenad
SOCK=/run/arenad.sock
C="arenactl-client --socket $SOCK"

arenad --pin-dir $PIN --socket $SOCK --pages 1024 >/tmp/arenad.log 2>&1 &
ARENAD=$!
i=0
while [ $i -lt 300 ] && ! $C ping >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
t "arenad starts" "$C ping >/dev/null"

# The foreign program reads commands from a FIFO kept open on fd 3.
mkfifo /tmp/fa.in
foreign_arena --pages 256 --addr 0x300000000000 --alloc 5 --ranges 2 --touch 3 \
	</tmp/fa.in >/tmp/fa.out 2>/tmp/fa.err &
FA=$!
exec 3>/tmp/fa.in
i=0
while [ $i -lt 100 ] && ! grep -q map_id /tmp/fa.out; do sleep 0.1; i=$((i + 1)); done
t "the foreign program made its arena" "grep -q map_id /tmp/fa.out"
sed 's/^/# foreign: /' /tmp/fa.out /tmp/fa.err
ID=$(sed -n 's/.*"map_id":\([0-9]*\).*/\1/p' /tmp/fa.out)
PROG=$(sed -n 's/.*"prog_id":\([0-9]*\).*/\1/p' /tmp/fa.out)

# The foreign arena's object in `arenas`: from its "map_id" to the next one.
$C --json arenas | json | sed 's/},{"map_id"/}\n{"map_id"/g' > /tmp/arenas
grep "\"map_id\":$ID," /tmp/arenas > /tmp/mine
sed 's/^/# /' /tmp/mine
t "arenas lists the foreign arena" "[ -s /tmp/mine ]"
t "arenas: 8 pages present (5 by the kfunc, 3 touched)" "grep -q '\"pages_present\":8,' /tmp/mine"
t "arenas: the full probe (6.12 has no free-range tree)" "grep -q '\"census_method\":\"full\"' /tmp/mine"
t "arenas: not managed, at its own address" \
	"grep -q '\"managed\":false' /tmp/mine && grep -q '\"user_vm_start\":\"0x300000000000\"' /tmp/mine"
t "arenas: its program" "grep -q '\"id\":$PROG,\"name\":\"fa_pages\",\"type\":\"syscall\"' /tmp/mine"
t "arenas: its process, with an fd and the arena mapped" \
	"grep -q '\"pid\":$FA,\"comm\":\"foreign_arena\",\"unit\":null,\"fds\":1,\"mapped\":true' /tmp/mine"
t "arenas: the managed arena is listed as managed" "grep -q '\"managed\":true' /tmp/arenas"

$C --json scan --map-id "$ID" | json > /tmp/scan
echo "# $(cat /tmp/scan)"
t "scan --map-id: 8 pages present, by the full probe of 256" \
	"grep -q '\"pages_present\":8,' /tmp/scan && grep -q '\"pages_probed\":256,' /tmp/scan && grep -q '\"method\":\"full\"' /tmp/scan"
t "scan --map-id: the runs where the program put them" \
	"grep -q '\"present\":\[{\"addr\":\"0x300000000000\",\"offset\":0,\"pages\":2},{\"addr\":\"0x30000007d000\",\"offset\":512000,\"pages\":3},{\"addr\":\"0x3000000fd000\",\"offset\":1036288,\"pages\":3}\]' /tmp/scan"
$C scan --map-id "$ID" --method rt >/tmp/rt.out 2>/tmp/rt.err
RC=$?
sed 's/^/# /' /tmp/rt.err
t "scan --map-id --method rt: unavailable here, with the reason" \
	"[ $RC = 1 ] && grep -q 'no free-range tree' /tmp/rt.err"

$C --json who --map-id "$ID" | json > /tmp/who
t "who --map-id: its program and process" \
	"grep -q '\"id\":$PROG' /tmp/who && grep -q '\"pid\":$FA' /tmp/who"

echo check >&3
i=0
while [ $i -lt 100 ] && [ "$(wc -l </tmp/fa.out)" -lt 2 ]; do sleep 0.1; i=$((i + 1)); done
t "the foreign arena's bytes are unchanged after every census" "tail -n1 /tmp/fa.out | grep -qx ok"

echo exit >&3
exec 3>&-
wait $FA
i=0
while [ $i -lt 50 ] && $C --json arenas | json | grep -q "\"map_id\":$ID,"; do sleep 0.1; i=$((i + 1)); done
t "after its process exits, the arena leaves the list" "! $C --json arenas | json | grep -q '\"map_id\":$ID,'"

kill $ARENAD
wait $ARENAD
t "arenad stops on SIGTERM" "true"
sed 's/^/# arenad: /' /tmp/arenad.log
tap_done
