/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One reading of the managed arena's usage, as `query`, `top` and `map`
 * show it, gathered through libarenad's typed calls.
 */
#ifndef __ARENACTL_USAGE_H
#define __ARENACTL_USAGE_H

#include <stdbool.h>
#include <time.h>

#include "arenad.h"
#include "cli.h"

struct usage {
	struct arenad_stats st;
	struct arenad_owner_usage *owners;	/* most pages first */
	size_t n_owners;
	struct timespec when;			/* CLOCK_MONOTONIC */
};

/* 0, or a negative errno after a failed call (cli_call_error() explains). */
int usage_get(struct cli *cli, struct usage *u);
void usage_free(struct usage *u);

/*
 * Pages in no allocation that the last census did not find present
 * either: present-but-unaccounted pages are never counted as free.
 */
__u64 usage_free_pages(const struct arenad_stats *st);

/*
 * Bytes of pages held for objects that no object uses (their internal
 * fragmentation): pages * page_size - bytes, never below 0 (the counters
 * are read while BPF changes them).
 */
__u64 usage_objects_unused(__u64 pages, __u64 bytes, __u64 page_size);

/*
 * The usage bar of query and top, w characters and a NUL into out: '#'
 * allocated, '?' present but in no allocation (by the last census), '.'
 * free; each rounded up, so that any use shows.
 */
void usage_bar(char *out, int w, const struct arenad_stats *st);

/* Pages of an arena as runs, for `map`. */
struct usage_run {
	__u64 offset;			/* bytes from the arena's start */
	__u64 pages;
};

struct usage_runs {
	struct arenad_stats st;		/* pages_total, page_size, map_id */
	struct arenad_alloc *allocs;	/* the managed arena's allocations */
	size_t n_allocs;
	struct usage_run *runs;		/* unaccounted (managed) or present (foreign) */
	size_t n_runs;
	bool census;			/* runs are known */
	char no_census[256];		/* else why not */
};

/* The managed arena: allocations, and the unaccounted runs of a census. */
int usage_map(struct cli *cli, struct usage_runs *ur);
void usage_runs_free(struct usage_runs *ur);

#endif /* __ARENACTL_USAGE_H */
