// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who holds what (daemon/tenants/): a creator recorded by the kernel in
 * nanoseconds against /proc's clock ticks, and which allocations are
 * orphans, against this process and a child that has exited.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holder.h"
#include "proc_stat.h"
#include "orphans.h"
#include "tap.h"

static int alive_calls;

/* pid 100 runs since 5 s after boot; pid 200 is gone; 300 cannot be told. */
static int fake_alive(pid_t pid, __u64 start_ns)
{
	alive_calls++;
	if (pid == 100)
		return start_ns == 5000000000ULL;
	if (pid == 300)
		return -EACCES;
	return 0;
}

static struct arenad_range rec(__u32 pgoff, __u32 pid, __u64 start_ns, __u32 name, __u32 flags,
			       __u64 time_ns)
{
	return (struct arenad_range) { .pgoff = pgoff, .pages = 2, .pid = pid, .start_ns = start_ns,
				       .name = name, .flags = flags, .time_ns = time_ns };
}

int main(void)
{
	const __u64 s = 1000000000ULL;
	struct arenad_range r[] = {
		rec(0, 100, 5 * s, 0, 0, 1 * s),	/* creator alive */
		rec(2, 100, 6 * s, 0, 0, 1 * s),	/* pid reused: that creator is gone */
		rec(4, 200, 7 * s, 0, 0, 1 * s),	/* gone */
		rec(6, 200, 7 * s, 0, 0, 2 * s),	/* gone, same creator: asked once */
		rec(8, 200, 7 * s, 42, 0, 1 * s),	/* named */
		rec(10, 200, 7 * s, 0, ARENAD_LEASE_PROCESS, 1 * s),	/* leased */
		rec(12, 0, 0, 0, 0, 1 * s),		/* creator unknown */
		rec(14, 300, 9 * s, 0, 0, 1 * s),	/* cannot tell */
		rec(16, 200, 7 * s, 0, ARENAD_RANGE_PROG, 9 * s),	/* too young below */
	};
	struct arenad_range all[sizeof(r) / sizeof(r[0])];
	struct proc_stat me;
	__u64 me_ns;
	size_t n;
	long hz = sysconf(_SC_CLK_TCK);
	__u64 tick = 1000000000ULL / hz;
	pid_t child;

	ok(holder_start_matches(123 * tick + tick - 1, 123, hz),
	   "a start in ns names the tick it falls in");
	ok(!holder_start_matches(124 * tick, 123, hz), "... and not the one before");
	ok(holder_start_matches(0, 99, hz), "an unknown start names any");
	ok(holder_same(7, 10 * tick + 5, 7, 10 * tick), "kernel ns and /proc ticks: one process");
	ok(!holder_same(7, 11 * tick, 7, 10 * tick), "a pid with another start: another process");
	ok(!holder_same(7, 10 * tick, 8, 10 * tick), "another pid: another process");

	is_int(libarenad_proc_stat_read(getpid(), &me), 0, "this process reads as a holder");
	me_ns = libarenad_ticks_to_ns(me.start_ticks);
	is_int(holder_alive(getpid(), me_ns), 1, "... and is alive");
	is_int(holder_alive(getpid(), me_ns + 1000 * tick), 0,
	       "this pid with a later start time is not this process");
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	is_int(holder_alive(child, 0), 0, "a child that exited and was reaped is gone");
	is_int(libarenad_proc_stat_read(child, &me), -ESRCH, "... and reads as no process");

	memcpy(all, r, sizeof(r));
	n = orphans_filter(all, sizeof(r) / sizeof(r[0]), 10 * s, 0, fake_alive);
	is_int(n, 4, "4 orphans: a reused pid's and three of a gone creator");
	ok(n == 4 && all[0].pgoff == 2 && all[1].pgoff == 4 && all[2].pgoff == 6 &&
	   all[3].pgoff == 16, "in ledger order: 2, 4, 6, 16");
	is_int(alive_calls, 5, "one question per run of one creator's allocations");

	memcpy(all, r, sizeof(r));
	n = orphans_filter(all, sizeof(r) / sizeof(r[0]), 10 * s, 5 * s, fake_alive);
	is_int(n, 3, "older than 5 s: the one made at 9 s is not listed");
	n = orphans_filter(all, 0, 10 * s, 0, fake_alive);
	is_int(n, 0, "an empty ledger has none");
	return tap_done();
}
