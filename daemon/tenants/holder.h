/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process as the ledger records an allocation's creator and a lease's
 * holder (struct arenad_range.pid, start_ns, comm): its pid and its start
 * time, which together name one process for good, where a pid alone may
 * name a later process after the first one exited.
 *
 * The kernel records task->start_boottime in nanoseconds; /proc/PID/stat
 * shows it in clock ticks (its 22nd field, starttime). A creator is
 * compared at tick resolution, which two processes with one pid never
 * share (a pid is reused only after many others, never within a tick).
 * Pids are those of arenad's pid namespace, which must be the initial one
 * (the ledger records the kernel's).
 *
 * Nothing here logs.
 */
#ifndef __ARENAD_HOLDER_H
#define __ARENAD_HOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "arenad_abi.h"
#include "proc_stat.h"

_Static_assert(ARENAD_COMM_LEN == PROC_STAT_COMM_LEN, "one command name length");

/* Does a start time recorded in ns name the process that started at
 * ticks (hz ticks a second)? An unknown one (0) names any. */
bool holder_start_matches(__u64 start_ns, unsigned long long ticks, long hz);

/* Do two recorded creators name one process? (Their start times may be
 * the kernel's nanoseconds or /proc's ticks.) */
bool holder_same(pid_t a, __u64 a_start_ns, pid_t b, __u64 b_start_ns);

/* 1 while the process pid that started at start_ns runs (or is a zombie
 * not yet reaped), 0 when it is gone, -errno when /proc cannot tell. */
int holder_alive(pid_t pid, __u64 start_ns);

#endif /* __ARENAD_HOLDER_H */
