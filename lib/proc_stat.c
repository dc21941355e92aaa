// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/stat (proc_stat.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "proc_stat.h"

int libarenad_proc_stat_parse(const char *line, struct proc_stat *st)
{
	unsigned long long utime, stime, start, vs;
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	long long rss;
	size_t n;

	/* After ")": state (field 3) ... utime 14, stime 15 ... starttime
	 * 22, vsize 23, rss 24 (proc(5)). */
	if (!open || !close || close < open ||
	    sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
		   " %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vs, &rss) != 5 || rss < 0)
		return -EINVAL;
	n = close - open - 1;
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = 0;
	st->cpu_ticks = utime + stime;
	st->start_ticks = start;
	st->vsize = vs;
	st->rss_pages = rss;
	return 0;
}

__u64 libarenad_ticks_to_ns(__u64 ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? ticks * (1000000000ULL / hz) : 0;
}

int libarenad_proc_stat_read(pid_t pid, struct proc_stat *st)
{
	char path[32], line[1024];
	ssize_t n;
	int fd, err;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* One read: the kernel writes the whole line at once. */
	n = read(fd, line, sizeof(line) - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	line[n] = 0;
	return libarenad_proc_stat_parse(line, st);
}
