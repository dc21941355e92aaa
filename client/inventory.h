/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every arena on the host (the daemon's inventory), for `top` and `map`. */
#ifndef __ARENACTL_INVENTORY_H
#define __ARENACTL_INVENTORY_H

#include <stdbool.h>
#include <linux/types.h>

#include "cli.h"
#include "usage.h"

struct host_arena {
	__u64 map_id;
	char name[32];
	__u64 pages_total;
	__u64 page_size;
	bool managed;
	bool present_known;
	__u64 pages_present;
	unsigned int n_programs, n_processes;
};

/* One entry per arena, sorted by map id; *out is malloc'ed. */
int inventory_arenas(struct cli *cli, struct host_arena **out, size_t *n);
/* A census of the arena map_id: its size and present runs. */
int inventory_scan(struct cli *cli, __u64 map_id, struct usage_runs *ur);

#endif /* __ARENACTL_INVENTORY_H */
