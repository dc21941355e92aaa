/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Orphans: allocations that nobody will free. An allocation is an orphan
 * when nothing names it (no name to find it by), no lease ends it, and
 * the process that made it (struct arenad_range.pid and start_ns; for a
 * BPF program's, the process that loaded it) is gone. Allocations whose
 * creator is not known (pid 0) are never orphans.
 *
 * The `orphans` method lists them, and frees them for root; the latest
 * count is kept for the metrics, refreshed with every periodic census and
 * every `orphans` call. Reading the ledger and /proc is the ledger
 * worker's (a large ledger takes tens of milliseconds).
 *
 * Nothing here logs.
 */
#ifndef __ARENAD_ORPHANS_H
#define __ARENAD_ORPHANS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "arenad.h"
#include "cleanup.h"

struct worker;
struct orphans;

/*
 * Keep the orphans of recs in place (in their order): those made before
 * now_ns - min_age_ns (CLOCK_BOOTTIME) whose creator alive() says is gone
 * (0; 1 alive, -errno unknown: kept as not orphaned). Returns how many.
 */
size_t orphans_filter(struct arenad_range *recs, size_t n, __u64 now_ns, __u64 min_age_ns,
		      int (*alive)(pid_t pid, __u64 start_ns));

/* The ledger's orphans, read now (on a worker thread), sorted by page
 * offset; *recs is malloc'ed. */
int orphans_read(const struct arenad_pins *pins, __u64 min_age_ns, struct arenad_range **recs,
		 size_t *n);

struct orphans_count {
	__u64 allocations;
	__u64 pages;
};

int orphans_new(const struct arenad_pins *pins, struct worker *w, struct orphans **ret);
struct orphans *orphans_free(struct orphans *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct orphans *, orphans_free);
/* Count them again on the worker (unless a count is under way). */
void orphans_refresh(struct orphans *o);
/* A count made elsewhere (the orphans method's, with no minimum age). */
void orphans_set(struct orphans *o, const struct orphans_count *c);
/* The latest count: false until there is one. */
bool orphans_latest(const struct orphans *o, struct orphans_count *c);

#endif /* __ARENAD_ORPHANS_H */
