/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel-truth census of present arena pages (see bpf/arenad_census.bpf.c). */
#ifndef __ARENAD_CENSUS_DAEMON_H
#define __ARENAD_CENSUS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

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
 * census_method() is then NULL and census_unavailable() says why (and it
 * is logged). Fails, logged, only when out of memory.
 */
int census_new(int arena_fd, __u32 npages, struct census **out);
/* Returns NULL, for "d->census = census_free(d->census)". */
struct census *census_free(struct census *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct census *, census_free);

const char *census_method(const struct census *c);
/* "full", "rt", "kmod" for an enum arenad_census_method; NULL for others. */
const char *census_method_name(int m);
const char *census_unavailable(const struct census *c);

/*
 * The method that passed its self-test through the map iterator, for every
 * arena on the host (inventory.c): enum arenad_census_method, 0 when none
 * (census_foreign_unavailable() then says why); *name its name or NULL.
 */
int census_foreign_method(const struct census *c, const char **name);
const char *census_foreign_unavailable(const struct census *c);
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

/* The same by name for other programs' arenas; *why says why one is not usable. */
int census_foreign_method_by_name(const struct census *c, const char *name, const char **why);

/* Whether that method passed its self-test for other programs' arenas. */
bool census_foreign_has(const struct census *c, int method);

/* A method by name ("rt", "full") for census_run: -EINVAL when unknown,
 * -EAGAIN when it did not pass its self-test. */
int census_method_by_name(const struct census *c, const char *name);

/* Why the named method is not in use ("" when it is usable). */
const char *census_why(const struct census *c, const char *name);

/* Run a census with method (0: the default); -EAGAIN when unavailable. */
int census_run(struct census *c, int method, struct census_result *res);

#endif /* __ARENAD_CENSUS_DAEMON_H */
