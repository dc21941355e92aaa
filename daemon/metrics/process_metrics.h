/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's own process figures under the names every Prometheus
 * client library exports them (process_resident_memory_bytes,
 * process_open_fds, ...), read from /proc/self, so that the usual alerts
 * and dashboards for a process's memory and descriptors apply to arenad.
 */
#ifndef __ARENAD_PROCESS_METRICS_H
#define __ARENAD_PROCESS_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct process_figures {
	double cpu_seconds;		/* user + system */
	__u64 virtual_bytes;
	__u64 resident_bytes;
	double start_time_seconds;	/* Unix time */
	__u64 open_fds;
	__u64 max_fds;			/* RLIMIT_NOFILE's soft limit */
};

/* This process's figures. 0 or -errno. */
int process_figures_read(struct process_figures *p);

/* The process_* families. */
void process_families(FILE *f, const struct process_figures *p);

#endif /* __ARENAD_PROCESS_METRICS_H */
