/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Leases: allocations that end with their holder (ARENAD_LEASE_* in the
 * ledger entry's flags), freed by the daemon and logged with the owner,
 * the pages and why.
 *
 *  - A process lease ends when its creator (struct arenad_range.pid and
 *    start_ns) exits, however it dies. Each holder is watched with a
 *    pidfd, so a reused pid is never taken for it; the holders are
 *    learned from the daemon's own allocations, from the allocator's
 *    records (the pinned allocator's, a BPF program's: events.h), and
 *    from the whole ledger at start-up and whenever records were lost.
 *    A holder that exited while arenad was down is found at start-up.
 *  - A connection lease ends when the client connection it was made on
 *    closes. Only the daemon makes them; they end also when the daemon
 *    stops (its connections close), which start-up carries out.
 *
 * Every resource here is bounded: pidfds (LEASES_MAX_WATCHED holders;
 * more are checked by pid and start time once a second) and connection
 * leases (LEASES_MAX_PER_CONNECTION, then -ENOSPC).
 *
 * Logging: leases_new() logs its failures; every lease's end is logged.
 */
#ifndef __ARENAD_LEASES_H
#define __ARENAD_LEASES_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include <systemd/sd-event.h>

#include "arenad.h"
#include "cleanup.h"

struct owner_strings;
struct leases;

#define LEASES_MAX_WATCHED		1024
#define LEASES_MAX_PER_CONNECTION	4096

int leases_new(sd_event *e, const struct arenad_pins *pins, __u64 user_vm_start,
	       struct owner_strings *strs, struct leases **ret);
/* Returns NULL. */
struct leases *leases_free(struct leases *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct leases *, leases_free);

/* Start-up: end the connection leases of the daemon that ran before and
 * the process leases whose holders are gone; watch the others. */
void leases_adopt(struct leases *l);

/* The process pid, started at start_ns, holds a process lease. */
void leases_watch(struct leases *l, pid_t pid, __u64 start_ns);

/* The allocator's records were lost (a full ring buffer): the next turn
 * of the loop reads the whole ledger for holders it did not hear of. */
void leases_resync(struct leases *l);

/* The allocation at pgoff made at time_ns ends with connection conn_id.
 * -ENOSPC: the connection holds LEASES_MAX_PER_CONNECTION already. */
int leases_connection_add(struct leases *l, __u64 conn_id, __u32 pgoff, __u64 time_ns);
/* Could conn_id take one more? */
bool leases_connection_room(const struct leases *l, __u64 conn_id);
/* Connection conn_id closed (server_opts.closed). */
void leases_connection_closed(__u64 conn_id, void *userdata);
/* The allocation at pgoff was freed: a connection need not free it. */
void leases_forget(struct leases *l, __u32 pgoff);

struct leases_stats {
	__u64 ended_process;		/* leases ended: holder exited */
	__u64 ended_connection;		/* ... connection closed */
	__u64 ended_restart;		/* ... connection ended with the last daemon */
	__u64 pages_freed;
	unsigned int holders;		/* processes watched */
	unsigned int polled;		/* ... of them without a pidfd */
	unsigned int connection_leases;
};
void leases_stats(const struct leases *l, struct leases_stats *st);

#endif /* __ARENAD_LEASES_H */
