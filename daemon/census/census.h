/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel-truth census of present arena pages (see bpf/arenad_census.bpf.c). */
#ifndef __ARENAD_CENSUS_DAEMON_H
#define __ARENAD_CENSUS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "arenad_census.h"
#include "cleanup.h"

struct census;

struct census_result {
	const __u64 *bits;	/* present pages; valid until the next run */
	__u32 npages;
	__u32 present;
	__u32 probed;		/* pages the method had to look at */
	__u64 duration_us;
	__u64 when_usec;	/* CLOCK_MONOTONIC at the end of the run */
	const char *method;
};

/*
 * Self-test the census methods on a private arena, then load the census
 * for the arena behind arena_fd. Never fails for lack of a working method:
 * the verdict's method is then 0 and its reason says why (and it is
 * logged). Fails, logged, only when out of memory.
 */
int census_new(int arena_fd, __u32 npages, struct census **out);
/* Returns NULL, for "d->census = census_free(d->census)". */
struct census *census_free(struct census *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct census *, census_free);

/* "full", "rt", "kmod" for an enum arenad_census_method; NULL for others. */
const char *census_method_name(int m);

/* The two kinds of arenas a census counts: the managed one, through its
 * own census program, and every other program's, through the map
 * iterator (which has no kmod method: the module's kfuncs take the arena
 * as a map argument). */
enum census_arenas {
	CENSUS_MANAGED,
	CENSUS_FOREIGN,
	_CENSUS_ARENAS_MAX,
};

#define CENSUS_METHODS (ARENAD_CENSUS_KMOD + 1)	/* indexed by the method */

/* What the self-test found for one kind of arenas. */
struct census_verdict {
	int method;			/* enum arenad_census_method in use; 0: none */
	bool passed[CENSUS_METHODS];	/* per method */
	char why[CENSUS_METHODS][160];	/* why a method did not pass ("": it did,
					 * or was not tested) */
	char reason[560];		/* why no method is in use */
};

/* The verdict for arenas of kind which, valid as long as c. */
const struct census_verdict *census_verdict(const struct census *c, enum census_arenas which);

/* Why no method is in use; NULL when one is. */
static inline const char *census_verdict_unavailable(const struct census_verdict *v)
{
	return v->method ? NULL : v->reason;
}

/*
 * The method called name ("rt", "full", "kmod"), when it may run on this
 * kind of arenas: the method, -EINVAL when the name is unknown, -EAGAIN
 * when it did not pass its self-test or no census is loaded. *why is ""
 * for a usable method, else says why not (static or v's).
 */
int census_verdict_method(const struct census_verdict *v, const char *name, const char **why);

/*
 * One pass of the map iterator (bpf/arenad_census.bpf.c): every arena
 * (target 0) or the map with id target, whatever its type; method 0 lists
 * without a census; mark fills census_iter_bits() (with a target). *recs is
 * malloc'ed. One caller at a time: the inventory's worker after start-up.
 * -EOPNOTSUPP when the iterator did not load.
 */
struct arenad_arena_rec;
int census_iter_read(struct census *c, __u32 target, int method, bool mark,
		     struct arenad_arena_rec **recs, size_t *n);
/* The iterator's present-page bitmap; NULL when the iterator did not load. */
const __u64 *census_iter_bits(const struct census *c);
/*
 * The map id of the self-test's private arena, 0 when none was made. The
 * self-test closed it, but the kernel frees it later: the programs that
 * used it are sleepable, and a sleepable program drops its maps only after
 * an RCU tasks trace grace period (seconds under emulation), so for a
 * while the map iterator still finds it, with no program, process or pin.
 */
__u32 census_selftest_id(const struct census *c);

/*
 * A census of the managed arena with method (0: the default), under the
 * retry policy: a run that met a changing free-range tree runs again, a
 * few times, then the full probe, when it passed its self-test, answers
 * (res->method says which ran). -EAGAIN when no method is in use.
 */
int census_run(struct census *c, int method, struct census_result *res);

/*
 * The census of one arena of another program, map_id, through the map
 * iterator with method (0: the default for these arenas; none when that
 * is 0) under the same retry policy; mark fills census_iter_bits(). 0 and
 * *rec (rec->method the one that ran), -ENOENT when map_id is no arena,
 * -EOPNOTSUPP without the iterator. Census worker only.
 */
int census_run_foreign(struct census *c, __u32 map_id, int method, bool mark,
		       struct arenad_arena_rec *rec);
/* Whether an arena's record from a pass over every arena failed in a way
 * the retry policy answers with a census of its own (census_run_foreign()). */
bool census_foreign_again(const struct census *c, const struct arenad_arena_rec *rec);

#endif /* __ARENAD_CENSUS_DAEMON_H */
