// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * process_* families from /proc/self (process_metrics.h). The service's
 * sandbox (ProcSubset=pid) hides /proc/stat, so the start time comes from
 * the clocks rather than from the boot time there.
 *
 * Logging: none; a failure is returned.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "process_metrics.h"
#include "prom.h"
#include "cleanup.h"
#include "util.h"

int process_parse_stat(const char *line, __u64 *cpu_ticks, __u64 *start_ticks,
		       __u64 *vsize, __u64 *rss_pages)
{
	unsigned long long utime, stime, start, vs;
	long long rss;
	const char *p = strrchr(line, ')');

	/* After ")": state (field 3) ... utime 14, stime 15 ... starttime
	 * 22, vsize 23, rss 24 (proc(5)). */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
			 " %*d %*d %*d %*d %*d %*d %llu %llu %lld",
			 &utime, &stime, &start, &vs, &rss) != 5 || rss < 0)
		return -EINVAL;
	*cpu_ticks = utime + stime;
	*start_ticks = start;
	*vsize = vs;
	*rss_pages = rss;
	return 0;
}

static int read_stat(struct process_figures *p)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/stat", "re");
	char line[1024];
	__u64 cpu, start, vsize, rss;
	long tck = sysconf(_SC_CLK_TCK);
	double boot_age;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f))
		return -EIO;
	if (process_parse_stat(line, &cpu, &start, &vsize, &rss) < 0)
		return -EINVAL;
	p->cpu_seconds = (double)cpu / tck;
	p->virtual_bytes = vsize;
	p->resident_bytes = rss * (__u64)sysconf(_SC_PAGESIZE);
	/* starttime counts ticks since boot, CLOCK_BOOTTIME's origin. */
	boot_age = now_usec(CLOCK_BOOTTIME) / 1e6 - (double)start / tck;
	p->start_time_seconds = now_usec(CLOCK_REALTIME) / 1e6 - boot_age;
	return 0;
}

/* Descriptors open besides the one this count reads the directory with. */
static int count_fds(__u64 *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	__u64 c = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			c++;
	closedir(d);
	*n = c ? c - 1 : 0;
	return 0;
}

int process_figures_read(struct process_figures *p)
{
	struct rlimit rl;
	int r;

	r = read_stat(p);
	if (r < 0)
		return r;
	r = count_fds(&p->open_fds);
	if (r < 0)
		return r;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	p->max_fds = rl.rlim_cur;
	return 0;
}

void process_families(FILE *f, const struct process_figures *p)
{
	prom_family(f, "process_cpu_seconds_total", PROM_COUNTER, "Total user and system CPU time spent in seconds.");
	prom_sample_double(f, "process_cpu_seconds_total", NULL, p->cpu_seconds);
	prom_family(f, "process_virtual_memory_bytes", PROM_GAUGE, "Virtual memory size in bytes.");
	prom_sample_u64(f, "process_virtual_memory_bytes", NULL, p->virtual_bytes);
	prom_family(f, "process_resident_memory_bytes", PROM_GAUGE, "Resident memory size in bytes.");
	prom_sample_u64(f, "process_resident_memory_bytes", NULL, p->resident_bytes);
	prom_family(f, "process_start_time_seconds", PROM_GAUGE,
		    "Start time of the process since unix epoch in seconds.");
	prom_sample_double(f, "process_start_time_seconds", NULL, p->start_time_seconds);
	prom_family(f, "process_open_fds", PROM_GAUGE, "Number of open file descriptors.");
	prom_sample_u64(f, "process_open_fds", NULL, p->open_fds);
	prom_family(f, "process_max_fds", PROM_GAUGE, "Maximum number of open file descriptors.");
	prom_sample_u64(f, "process_max_fds", NULL, p->max_fds);
}
