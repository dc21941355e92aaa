// SPDX-License-Identifier: LGPL-2.1-or-later
/* Processes as creators and holders (holder.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "holder.h"
#include "proc_stat.h"

bool holder_start_matches(__u64 start_ns, unsigned long long ticks, long hz)
{
	/* The kernel's nsec_to_clock_t(): a division by the tick's length. */
	return !start_ns || hz <= 0 || start_ns / (1000000000ULL / hz) == ticks;
}

bool holder_same(pid_t a, __u64 a_start_ns, pid_t b, __u64 b_start_ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	__u64 tick = hz > 0 ? 1000000000ULL / hz : 1;

	return a == b && (!a_start_ns || !b_start_ns || a_start_ns / tick == b_start_ns / tick);
}

int holder_alive(pid_t pid, __u64 start_ns)
{
	struct proc_stat st;
	int r;

	if (pid <= 0)
		return 0;
	r = libarenad_proc_stat_read(pid, &st);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	return holder_start_matches(start_ns, st.start_ticks, sysconf(_SC_CLK_TCK));
}
