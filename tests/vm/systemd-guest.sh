#!/bin/sh
# Runs inside the systemd VM (tests/vm/test-systemd.sh) as a oneshot unit,
# with systemd as PID 1: arenad installed by `make install`, started and
# hardened by its own unit files. TAP on the serial console.
# shellcheck source=guest-tap.sh
. /usr/local/lib/guest-tap.sh
C=arenactl-client
as() { u=$1; shift; runuser -u "$u" -- "$@"; }

echo "VMTEST-BEGIN systemd $(systemctl --version | head -n1)"
t "sysusers created the arenad group" "getent group arenad >/dev/null"
useradd -M -G arenad tester
useradd -M stranger

t "systemctl start arenad" "systemctl start arenad"
t "systemctl is-active arenad" "[ \"\$(systemctl is-active arenad)\" = active ]"
t "pins in /sys/fs/bpf/arenad" "[ -e /sys/fs/bpf/arenad/arena ] && [ -e /sys/fs/bpf/arenad/alloc_prog ]"
t "socket /run/arenad/arenad.sock owned by group arenad, mode 0660" \
	"[ \"\$(stat -c '%G %a' /run/arenad/arenad.sock)\" = 'arenad 660' ]"
t "arenactl-client query as root" "$C query | grep -q '^used'"
t "arenactl-client query as a member of the arenad group" "as tester $C query | grep -q '^used'"
t "a user outside the group cannot connect" "! as stranger $C query 2>/dev/null"
t "an unprivileged member's alloc is denied" "as tester $C alloc 1 2>&1 | grep -q 'permission denied'"
t "the census works under the hardened unit" "$C --json version | tr -d ' \n' | grep -q '\"census_method\":\"[a-z]*\"'"
# Another program's arena, run as a service of its own: the hardened
# arenad lists it with its process and that process's unit.
systemd-run --unit=foreign-arena -p StandardOutput=file:/run/foreign-arena.out \
	/usr/local/bin/foreign_arena --pages 256 --addr 0x300000000000 --alloc 5 --ranges 2 --touch 3 --hold
i=0
while [ $i -lt 100 ] && ! grep -q map_id /run/foreign-arena.out 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
FID=$(sed -n 's/.*"map_id":\([0-9]*\).*/\1/p' /run/foreign-arena.out)
FPID=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' /run/foreign-arena.out)
$C --json arenas | tr -d ' \n' | sed 's/},{"map_id"/}\n{"map_id"/g' | grep "\"map_id\":$FID," > /tmp/foreign
sed 's/^/# /' /tmp/foreign
t "arenas lists another program's arena with its 8 present pages" \
	"[ -n \"$FID\" ] && grep -q '\"pages_present\":8,' /tmp/foreign"
t "with its process and that process's unit" \
	"grep -q '\"pid\":$FPID,\"comm\":\"foreign_arena\",\"unit\":\"foreign-arena.service\",\"fds\":1,\"mapped\":true' /tmp/foreign"
t "arenactl-client arenas shows it" "$C arenas | grep -q \"^$FID .*foreign_arena($FPID)\""
systemctl stop foreign-arena
t "STATUS= reaches systemd" "systemctl show -p StatusText arenad | grep -q 'pages in use'"
t "logs reach the journal with priorities (info shown at -p info)" \
	"journalctl -b -u arenad -p info --no-pager | grep -q 'listening on'"
t "and not at -p warning" "! journalctl -b -u arenad -p warning --no-pager | grep -q 'listening on'"

A=$($C alloc 3 --owner vm --name keep | cut -d' ' -f1)
t "alloc as root" "[ -n \"$A\" ]"
t "write bytes into the allocation" "arena_mem /sys/fs/bpf/arenad write $A survives-restart"
before=$($C --json ranges | tr -d ' \n')
t "systemctl restart arenad" "systemctl restart arenad && [ \"\$(systemctl is-active arenad)\" = active ]"
t "ranges survive the restart" "[ \"\$($C --json ranges | tr -d ' \n')\" = '$before' ]"
t "the named allocation survives" "$C lookup keep | grep -q '$A'"
t "bytes survive the restart" \
	"[ \"\$(arena_mem /sys/fs/bpf/arenad read $A 15)\" = \"\$(printf survives-restart | head -c 15 | od -An -tx1 | tr -d ' \n')\" ]"

t "an external loader reuses the pinned arena" \
	"shared-counter --socket /run/arenad/arenad.sock --bumps 3 | grep -q ': 3 (through the mmap: 3)'"
t "a second one shares its counter" \
	"shared-counter --socket /run/arenad/arenad.sock --bumps 2 | grep -q ': 5 (through the mmap: 5)'"

# Socket activation: only the socket unit running, the first client
# starts the service.
systemctl stop arenad.service arenad.socket
t "service stopped" "[ \"\$(systemctl is-active arenad.service)\" != active ]"
t "systemctl start arenad.socket" "systemctl start arenad.socket"
t "the service is not running yet" "[ \"\$(systemctl is-active arenad.service)\" != active ]"
t "the first query starts it" "$C query | grep -q '^used'"
t "and it is active" "[ \"\$(systemctl is-active arenad.service)\" = active ]"
t "started by the socket, it still has the data" "$C lookup keep | grep -q '$A'"

# Prometheus metrics: arenad-metrics.socket hands arenad a TCP socket on
# 127.0.0.1:9731 named "metrics"; the service's own sandbox stays AF_UNIX.
scrape() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/9731 &&
		printf "GET /metrics HTTP/1.0\r\nHost: vm\r\n\r\n" >&3 && cat <&3' >/tmp/scrape.txt
}
# systemd refuses to start a socket whose Service= is running: stop
# arenad, start the socket, start arenad, which is then handed both. The
# control socket is stopped too, or a connection still queued on it
# starts arenad again at once.
systemctl stop arenad.socket arenad.service
t "systemctl enable --now arenad-metrics.socket" "systemctl enable --now arenad-metrics.socket"
systemctl start arenad.socket
t "arenad started with the metrics socket" "systemctl start arenad && [ \"\$(systemctl is-active arenad)\" = active ]"
t "GET /metrics on 127.0.0.1:9731 answers 200" "scrape && head -n1 /tmp/scrape.txt | grep -q ' 200 '"
t "with the exposition format's content type" "grep -q '^Content-Type: text/plain; version=0.0.4' /tmp/scrape.txt"
t "with the owner's bytes (3 pages of owner vm)" "grep -q '^arenad_owner_allocated_bytes{owner=\"vm\"} 12288' /tmp/scrape.txt"
t "and the managed arena's size" "grep -q '^arenad_arena_size_bytes{map_id=\"[0-9]*\",name=\"arena\",managed=\"true\"} ' /tmp/scrape.txt"
# The sandbox (ProtectProc=invisible, ProcSubset=pid) leaves /proc/self:
# the monitoring mixin's descriptor and memory alerts need these.
t "and the daemon's process_* figures" \
	"grep -q '^process_open_fds [1-9]' /tmp/scrape.txt && grep -q '^process_resident_memory_bytes [1-9]' /tmp/scrape.txt"
t "the log names the passed socket" "journalctl -b -u arenad --no-pager | grep -q 'metrics at http://127.0.0.1:9731/metrics'"
t "the service's sandbox still allows AF_UNIX only" \
	"systemctl show -p RestrictAddressFamilies arenad | grep -qx 'RestrictAddressFamilies=AF_UNIX'"
t "and keeps its private network" "systemctl show -p PrivateNetwork arenad | grep -qx 'PrivateNetwork=yes'"
t "GET / is 404" "bash -c 'exec 3<>/dev/tcp/127.0.0.1/9731 && printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3 && head -n1 <&3' | grep -q ' 404 '"
systemctl stop arenad.service
t "with arenad stopped, a scrape of the socket starts it" "scrape && head -n1 /tmp/scrape.txt | grep -q ' 200 '"
t "and it is active" "[ \"\$(systemctl is-active arenad.service)\" = active ]"
mkdir -p /var/lib/prometheus/node-exporter
t "arenad-textfile.service writes arenad.prom" \
	"systemctl start arenad-textfile.service && grep -q '^arenad_up 1' /var/lib/prometheus/node-exporter/arenad.prom"
t "readable by node_exporter, no temporary file left" \
	"[ \"\$(stat -c %a /var/lib/prometheus/node-exporter/arenad.prom)\" = 644 ] && [ \"\$(ls /var/lib/prometheus/node-exporter)\" = arenad.prom ]"
t "systemctl enable --now arenad-textfile.timer" "systemctl enable --now arenad-textfile.timer && [ \"\$(systemctl is-active arenad-textfile.timer)\" = active ]"
systemctl disable --now arenad-textfile.timer arenad-metrics.socket >/dev/null 2>&1
# A run the timer started may still be going: let it end while arenad is up.
i=0
while [ "$(systemctl is-active arenad-textfile.service)" = activating ] && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
t "the timer's runs succeeded" "[ \"\$(systemctl is-failed arenad-textfile.service)\" != failed ]"
if [ $fail -ne 0 ]; then
	{ echo "lo flags: $(cat /sys/class/net/lo/flags 2>&1)"
	  systemctl status --no-pager arenad-metrics.socket arenad-textfile.service
	  journalctl -b --no-pager -u arenad-metrics.socket -u arenad-textfile.service; } 2>&1 |
		tail -n 40 | sed 's/^/# /'
fi

t "systemctl stop arenad" "systemctl stop arenad.service arenad.socket"
t "pins stay after stop" "[ -e /sys/fs/bpf/arenad/arena ]"
failed_units=$(systemctl --failed --no-legend --no-pager | grep arenad)
t "no failed units" "[ -z \"\$failed_units\" ]"
[ -z "$failed_units" ] || echo "$failed_units" | sed 's/^/# failed: /'
if [ $fail -ne 0 ]; then
	journalctl -b -u arenad --no-pager | tail -n 30 | sed 's/^/# /'
fi
if tap_done; then echo "VMTEST-RESULT: PASS"; else echo "VMTEST-RESULT: FAIL"; fi
