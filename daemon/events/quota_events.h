/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quota events (events.h, kind "quota"), found in the allocator's
 * records without a syscall: the daemon counts each owner's and each
 * uid's pages from the records (read from the tables at start), so that
 * each record has a before and an after to hold against the subscribers'
 * thresholds (quota_watch.h); the limits come from the mapped owner
 * table and state. A uid's limit lives in a hash map, which cannot be
 * mapped: it is read again (one bpf() call) only after the state's count
 * of limit changes moved. Records the kernel dropped make the counts
 * wrong: they are read again from the tables (the uids' with bpf()
 * calls) on the next drain while anyone wants quota events. Refusals
 * leave no record; each owner's refusal counter is compared on a drain
 * after the state's total of them moved.
 *
 * Logging: none.
 */
#ifndef __ARENAD_QUOTA_EVENTS_H
#define __ARENAD_QUOTA_EVENTS_H

#include <stdbool.h>
#include <linux/types.h>

#include "arenad_abi.h"

struct counters;
struct owners;
struct quota_events;

/* One event: a crossing of a subscriber's threshold (refused 0: from
 * before to after pages, of limit), or refused allocations of an owner
 * that holds after pages. */
struct quota_note {
	__u32 owner_id;			/* string id, 0: none */
	const __u32 *uid;		/* NULL: not known (a refusal) */
	const char *limit_kind;		/* "owner", "default", "uid"; NULL: no limit */
	__u64 before, after, limit;
	__u64 refused;
	const __u64 *time_ns;		/* NULL: a refusal */
};

/* publish(ctx, note) hands each event on, while q's caller runs. */
int quota_events_new(struct counters *c, struct owners *o, int uids_fd,
		     void (*publish)(void *ctx, const struct quota_note *n), void *ctx,
		     struct quota_events **ret);
struct quota_events *quota_events_free(struct quota_events *q);

/* A subscriber's threshold changed from old_pct to pct (0: none). */
void quota_events_want(struct quota_events *q, __u32 old_pct, __u32 pct);
/* How many subscribers want quota events. */
unsigned int quota_events_wanted(const struct quota_events *q);

/* The counts from the tables (start-up: bpf() calls for the uids). */
void quota_events_read_counts(struct quota_events *q);
/* A record drained: counted, and its crossings published when wanted. */
void quota_events_record(struct quota_events *q, const struct arenad_event *r);
/* After a drain; dropped: the kernel dropped records meanwhile. */
void quota_events_drained(struct quota_events *q, bool dropped);

#endif /* __ARENAD_QUOTA_EVENTS_H */
