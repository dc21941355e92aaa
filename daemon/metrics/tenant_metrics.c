// SPDX-License-Identifier: LGPL-2.1-or-later
/* The families of orphans and leases (tenant_metrics.h). */
#include "leases.h"
#include "orphans.h"
#include "prom.h"
#include "tenant_metrics.h"

void tenant_families(FILE *f, const struct orphans *o, const struct leases *l)
{
	struct orphans_count c;
	struct leases_stats st;

	if (orphans_latest(o, &c)) {
		prom_family(f, "arenad_orphaned_bytes", PROM_GAUGE,
			    "Bytes of allocations nobody will free: unnamed, not leased, and the "
			    "process that made them is gone (counted with every census).");
		prom_sample_u64(f, "arenad_orphaned_bytes", NULL, c.pages << ARENAD_PAGE_SHIFT);
		prom_family(f, "arenad_orphaned_allocations", PROM_GAUGE,
			    "Allocations nobody will free (see arenad_orphaned_bytes).");
		prom_sample_u64(f, "arenad_orphaned_allocations", NULL, c.allocations);
	}
	if (!l)
		return;
	leases_stats(l, &st);
	prom_family(f, "arenad_lease_holders", PROM_GAUGE,
		    "Processes whose exit ends a lease, watched now.");
	prom_sample_u64(f, "arenad_lease_holders", NULL, st.holders);
	prom_family(f, "arenad_lease_ends_total", PROM_COUNTER,
		    "Leased allocations freed because their holder ended, by why: its process "
		    "exited, its connection closed, or its connection ended with the daemon "
		    "before.");
	prom_sample_u64(f, "arenad_lease_ends_total",
			(const char *const[]){ "reason", "process", NULL }, st.ended_process);
	prom_sample_u64(f, "arenad_lease_ends_total",
			(const char *const[]){ "reason", "connection", NULL }, st.ended_connection);
	prom_sample_u64(f, "arenad_lease_ends_total",
			(const char *const[]){ "reason", "restart", NULL }, st.ended_restart);
}
