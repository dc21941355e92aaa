/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state map's counters read without a syscall. The state map is
 * BPF_F_MMAPABLE (arenad_ledger.bpf.h), so the daemon maps its one element
 * and reads what the allocator program updates with atomic adds: `stats`
 * and `metrics` cost no BPF syscall for them.
 *
 * Logging: none; functions return -errno (log.h).
 */
#ifndef __ARENAD_COUNTERS_H
#define __ARENAD_COUNTERS_H

#include <linux/types.h>

#include "arenad_abi.h"
#include "cleanup.h"

struct counters;

int counters_open(int state_fd, struct counters **out);
/* Returns NULL, for "d->counters = counters_free(d->counters)". */
struct counters *counters_free(struct counters *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct counters *, counters_free);

int counters_read(const struct counters *c, struct arenad_state *st);


/*
 * A number that changes whenever the ledger or the owner table changed:
 * every successful alloc or free bumps one of the two counters, after it
 * updated the ledger and the owner table (arenad_ledger.bpf.h); a failed
 * or refused alloc bumps alloc_failures or quota_refusals after the
 * owner's counter of them, and a limit set bumps quota_changes after it
 * is written. A cache
 * filled after reading generation g is therefore stale only once the
 * generation differs from g.
 */
static inline __u64 counters_generation(const struct arenad_state *st)
{
	return st->allocations + st->frees + st->alloc_failures + st->quota_refusals +
	       st->quota_changes;
}

#endif /* __ARENAD_COUNTERS_H */
