#!/bin/bash
# PID 1 of a host-root guest (tests/vm/guest-init.sh switched to it): mount
# what a test machine has, then run the jobs tests/vm/guest.py hands this
# guest through its slot directory, a 9p share (tag "slot") mounted at the
# same path as on the host:
#
#   job       a bash script; its output goes to out, its exit status to rc
#   cancel    the host gave up on the job: its process group is killed
#   stop      power off
#   ready     written here once the guest takes jobs: `uname -r`
#
# bash as PID 1 reaps the orphans tests leave (it waits for any child).
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root LANG=C.UTF-8

slot=
for a in $(</proc/cmdline); do
	case $a in
	arenad_slot=*) slot=${a#arenad_slot=} ;;
	esac
done

say() { echo "guest-agent: $*" >/dev/console; }
die() {
	say "$*"
	echo "GUEST-AGENT-FAILED: $*" >/dev/console
	busybox poweroff -f
}

mkdir -p /dev/pts
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts 2>/dev/null ||
	mount -t devpts devpts /dev/pts
mkdir -p /dev/shm
mount -t tmpfs -o mode=1777 shm /dev/shm
# /tmp stays the overlay's: the host's /tmp (a clone of this tree may be
# there) with the guest's writes in the overlay's tmpfs, where Unix
# sockets can be bound.
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
ip link set lo up || die "no loopback"
hostname "arenad-guest"
[ -n "$slot" ] || die "no arenad_slot= on the kernel command line"
mkdir -p "$slot"
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=512000 slot "$slot" ||
	die "mount the slot directory $slot"

# The console of `make vm-shell`, when this guest has one (make run's):
# a login shell in the source tree, again after each exit.
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [ -e /dev/hvc0 ]; then
	(
		while :; do
			setsid -c bash -c 'cd "$1" && echo "arenad guest, Linux $(uname -r): arenad'"'"'s pins are in /sys/fs/bpf/arenad; this is $1" && exec bash -l' \
				shell "$repo" <>/dev/hvc0 >&0 2>&0
			sleep 1
		done
	) &
fi

# Waiting is a read with a timeout on a FIFO nobody writes: a builtin. A
# forked sleep(1) ten times a second cost half of the guest's one emulated
# CPU, taken from the test it waits for.
mkfifo /run/agent-nap && exec 9<>/run/agent-nap || die "no FIFO to wait on"
nap() { read -r -t "$1" -u 9 || :; }

uname -r >"$slot/ready.tmp" && mv "$slot/ready.tmp" "$slot/ready"
say "ready: $(uname -r)"

run_job() {
	local pid rc waited=0
	rm -f "$slot/rc" "$slot/cancel"
	# Its own session and process group: a cancel kills the whole job.
	setsid bash "$slot/job" >"$slot/out" 2>&1 </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ -e "$slot/cancel" ]; then
			kill -TERM -- "-$pid" 2>/dev/null
			[ $waited -lt 100 ] || kill -KILL -- "-$pid" 2>/dev/null
			waited=$((waited + 1))
		fi
		nap 0.1
	done
	wait "$pid"
	rc=$?
	rm -f "$slot/job"
	echo "$rc" >"$slot/rc.tmp" && mv "$slot/rc.tmp" "$slot/rc"
}

while :; do
	[ ! -e "$slot/stop" ] || break
	if [ -e "$slot/job" ] && [ ! -e "$slot/rc" ]; then
		run_job
	fi
	nap 0.1
done
sync
busybox poweroff -f
