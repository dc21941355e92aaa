/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One /proc/PID/stat line (proc(5)): the fields libarenad and the daemon
 * use, to name a process for good (its pid and start time: the loader of
 * a program, an allocation's holder) and for the daemon's own process
 * metrics. Internal to libarenad: not exported.
 */
#ifndef __ARENAD_PROC_STAT_H
#define __ARENAD_PROC_STAT_H

#include <sys/types.h>
#include <linux/types.h>

#define PROC_STAT_COMM_LEN 16		/* TASK_COMM_LEN */

struct proc_stat {
	char comm[PROC_STAT_COMM_LEN];	/* the command name, NUL-terminated */
	__u64 cpu_ticks;		/* utime + stime, clock ticks */
	__u64 start_ticks;		/* starttime: clock ticks after boot */
	__u64 vsize;			/* bytes */
	__u64 rss_pages;
};

/*
 * Parse line. The command name between the parentheses may hold anything,
 * ')' and spaces included: it ends at the last ')', where the fields
 * start. 0, or -EINVAL for a line that does not parse.
 */
int libarenad_proc_stat_parse(const char *line, struct proc_stat *st);

/* A start time in clock ticks after boot in the kernel's own unit
 * (task->start_boottime, ns), at the tick's resolution. */
__u64 libarenad_ticks_to_ns(__u64 ticks);

/* The stat line of pid (0: this process). -ESRCH when there is no such
 * process, -errno. */
int libarenad_proc_stat_read(pid_t pid, struct proc_stat *st);

#endif /* __ARENAD_PROC_STAT_H */
