/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The census programs' plumbing, shared by the census (census.c) and its
 * self-test (census_selftest.c). Logging: none (log.h).
 */
#ifndef __ARENAD_CENSUS_PROG_H
#define __ARENAD_CENSUS_PROG_H

#include <stddef.h>
#include <linux/types.h>

#include "arenad_census.h"
#include "census.h"

/* A mapping of this process, unmapped on cleanup: a census program's
 * result bitmap, or the address range reserved for the self-test arena. */
struct census_mapping {
	union {
		void *p;
		__u64 *bits;
	};
	size_t len;
};

void census_mapping_unmap(struct census_mapping *m);

/* Map census_bits, whose fd is fd: 0 or -errno. */
int census_map_bits(int fd, struct census_mapping *m);

/* One run of the program prog_fd with req: its ret, or -errno. */
int census_prog_run(int prog_fd, struct arenad_census_req *req);

/* One census of npages with method m by the census program prog_fd into
 * bits (cleared first); *req is what it returned. */
int census_prog_census(int prog_fd, __u64 *bits, __u32 npages, enum arenad_census_method m,
		       struct arenad_census_req *req);

/* The census object, opened (not loaded); NULL with errno set. */
struct arenad_census_bpf;
struct arenad_census_bpf *census_prog_open(void);

/*
 * The self-test (census_selftest.c): fills both verdicts, and
 * *selftest_id (census_selftest_id()). Uses c's map iterator, loaded
 * before.
 */
void census_selftest(struct census *c, struct census_verdict *managed,
		     struct census_verdict *foreign, __u32 *selftest_id);

#endif /* __ARENAD_CENSUS_PROG_H */
