/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fuzz harness's stand-in for the kernel side (seam.c). */
#ifndef __ARENAD_FUZZ_SEAM_H
#define __ARENAD_FUZZ_SEAM_H

#include <stddef.h>

#define SEAM_BASE	0x100000000000ULL
#define SEAM_PAGES	256

/* An empty arena, ledger and string table. */
void seam_reset(void);

/* A worker that runs each job at once, for d->census_worker and
 * d->ledger_worker. */
struct worker *seam_worker(void);
/* A census for d->census: the seam's census functions answer for it. */
struct census *seam_census(void);

/* The reply to the last deferred request (scan, ranges), as
 * rpc_handle_line() gives one: 0 with *reply (malloc'ed, NULL when none)
 * or -ENOMEM. */
int seam_take_reply(char **reply, size_t *len);

#endif /* __ARENAD_FUZZ_SEAM_H */
