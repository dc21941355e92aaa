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

#include "proc_stat.h"
#include "process_metrics.h"
#include "prom.h"
#include "cleanup.h"
#include "util.h"

static int read_stat(struct process_figures *p)
{
	long tck = sysconf(_SC_CLK_TCK);
	struct proc_stat st;
	double boot_age;
	int r;

	r = libarenad_proc_stat_read(0, &st);
	if (r < 0)
		return r;
	p->cpu_seconds = (double)st.cpu_ticks / tck;
	p->virtual_bytes = st.vsize;
	p->resident_bytes = st.rss_pages * (__u64)sysconf(_SC_PAGESIZE);
	/* starttime counts ticks since boot, CLOCK_BOOTTIME's origin. */
	boot_age = now_usec(CLOCK_BOOTTIME) / 1e6 - (double)st.start_ticks / tck;
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
