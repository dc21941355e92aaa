/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arithmetic of quota events (events.h, kind "quota"): where a
 * subscriber's threshold lies, whether a change of an owner's or a uid's
 * pages crossed it, and the daemon's own count of each uid's pages, kept
 * from the allocator's records (the uids map is a hash map, which cannot
 * be mapped: reading it would cost a bpf() call per record).
 *
 * Pure: no syscall, no logging.
 */
#ifndef __ARENAD_QUOTA_WATCH_H
#define __ARENAD_QUOTA_WATCH_H

#include <stdbool.h>
#include <linux/types.h>

/* The threshold when a subscriber names none: a warning before the limit. */
#define QUOTA_PCT_DEFAULT	90
#define QUOTA_PCT_MAX		100

/* The least page count at or above pct percent of limit pages. */
__u64 quota_threshold(__u64 limit, __u32 pct);

/*
 * Did going from before to after pages cross pct percent of limit?
 * +1 upwards (before < threshold <= after), -1 downwards (after <
 * threshold <= before), 0 not. Exact edges, no hysteresis: every change
 * that crosses is one, as for the arena's fill threshold. A limit of 0
 * pages has no threshold (0 pages are already at it): never crossed.
 */
int quota_crossing(__u64 before, __u64 after, __u64 limit, __u32 pct);

/* How many subscribers asked for each percentage. */
struct quota_pcts {
	unsigned int n[QUOTA_PCT_MAX + 1];
	unsigned int total;
};

/* pct 1..QUOTA_PCT_MAX; 0 (none) is not counted. */
void quota_pcts_add(struct quota_pcts *p, __u32 pct);
void quota_pcts_remove(struct quota_pcts *p, __u32 pct);
/* Did before -> after cross any subscriber's threshold of limit? */
bool quota_pcts_crossed(const struct quota_pcts *p, __u64 before, __u64 after, __u64 limit);

/* pages after n pages were allocated (alloc) or freed from them; never
 * below 0 (a count seeded while a free was in flight may be short). */
__u64 quota_tally(__u64 pages, bool alloc, __u32 n);

/* One uid's pages as its records tell them, and its limit as last read. */
struct uid_usage {
	__u32 uid;
	bool used;		/* the slot holds a uid */
	bool limit_known;	/* limit was read at limit_gen */
	__u64 pages;
	__u64 limit;		/* ARENAD_QUOTA_SET | pages, 0: none */
	__u64 limit_gen;	/* the state's quota_changes when read */
};

/* An open-addressing table of uids; zero-initialised is empty. */
struct uid_table {
	struct uid_usage *slots;
	__u32 cap;		/* a power of two, or 0 */
	__u32 n;
};

/* uid's entry, made (pages 0, limit unknown) when missing; NULL when out
 * of memory. Entries move when the table grows: do not keep one across
 * another call. */
struct uid_usage *uid_table_get(struct uid_table *t, __u32 uid);
/* Every entry's pages back to 0 and its limit unknown, entries kept. */
void uid_table_reset(struct uid_table *t);
void uid_table_done(struct uid_table *t);

#endif /* __ARENAD_QUOTA_WATCH_H */
