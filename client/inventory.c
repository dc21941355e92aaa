// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The daemon's inventory of every arena on the host, for `top` and `map`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "inventory.h"

int inventory_arenas(struct cli *cli, struct host_arena **out, size_t *n)
{
	/* Counts only: no lists of programs and processes. */
	ARENAD_OPTS(arenad_arenas_opts, opts);
	struct arenad_arena *a = NULL;
	size_t i, len = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = arenad_client__arenas(cli->client, &opts, &a, sizeof(*a), &len);
	if (r < 0)
		return r;
	*out = calloc(len + 1, sizeof(**out));
	if (!*out) {
		arenad_arenas_free(a, sizeof(*a), len);
		return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		struct host_arena *h = &(*out)[i];

		h->map_id = a[i].map_id;
		snprintf(h->name, sizeof(h->name), "%s", a[i].name);
		h->pages_total = a[i].pages_total;
		h->page_size = a[i].page_size ?: 4096;
		h->managed = a[i].managed;
		h->present_known = a[i].census_ok;
		h->pages_present = a[i].pages_present;
		h->n_programs = a[i].n_progs;
		h->n_processes = a[i].n_procs;
	}
	*n = len;
	arenad_arenas_free(a, sizeof(*a), len);
	return 0;
}

int inventory_scan(struct cli *cli, __u64 map_id, struct usage_runs *ur)
{
	ARENAD_OPTS(arenad_scan_opts, opts, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_arena_scan, s);
	size_t i;
	int r;

	memset(ur, 0, sizeof(*ur));
	r = arenad_client__scan_map(cli->client, map_id, &opts, &s);
	if (r < 0)
		return r;
	ur->st.map_id = map_id;
	ur->st.pages_total = s.pages_total;
	ur->st.page_size = 4096;
	ur->runs = calloc(s.n_present + 1, sizeof(*ur->runs));
	if (!ur->runs) {
		arenad_arena_scan_free(&s);
		return -ENOMEM;
	}
	for (i = 0; i < s.n_present; i++)
		ur->runs[i] = (struct usage_run){ s.present[i].offset, s.present[i].pages };
	ur->n_runs = s.n_present;
	ur->census = true;
	arenad_arena_scan_free(&s);
	return 0;
}
