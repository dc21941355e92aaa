/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fuzz harness's stand-in for the kernel side (seam.c). */
#ifndef __ARENAD_FUZZ_SEAM_H
#define __ARENAD_FUZZ_SEAM_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc.h"

#define SEAM_BASE	0x100000000000ULL
#define SEAM_PAGES	256

/* An empty arena, ledger and string table. */
void seam_reset(void);

/* A worker that runs each job at once, for d->census_worker and
 * d->ledger_worker. */
struct worker *seam_worker(void);
/* A census for d->census: the seam's census functions answer for it. */
struct census *seam_census(void);

/* The connection calls come on: over the reply budget or not. */
const struct rpc_link *seam_link(bool over_budget);
/* For an answer that said LATER, the answer that came since. */
void seam_take_answer(struct rpc_answer *a);

#endif /* __ARENAD_FUZZ_SEAM_H */
