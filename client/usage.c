// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Readings of the arena's usage for the views: see usage.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "output.h"
#include "usage.h"

static int cmp_owner(const void *a, const void *b)
{
	const struct arenad_owner_usage *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return strcmp(x->owner, y->owner);
}

int usage_get(struct cli *cli, struct usage *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	u->st.sz = sizeof(u->st);
	/* One stats reply: the counters and the owners of one moment. */
	r = arenad_client__owners(cli->client, &u->st, &u->owners, sizeof(*u->owners), &u->n_owners);
	if (r < 0)
		return r;
	qsort(u->owners, u->n_owners, sizeof(*u->owners), cmp_owner);
	clock_gettime(CLOCK_MONOTONIC, &u->when);
	return 0;
}

void usage_free(struct usage *u)
{
	free(u->owners);
	u->owners = NULL;
	u->n_owners = 0;
}

__u64 usage_free_pages(const struct arenad_stats *st)
{
	__u64 taken = st->pages_allocated + (st->census_valid ? st->pages_unaccounted : 0);

	return taken < st->pages_total ? st->pages_total - taken : 0;
}

__u64 usage_objects_unused(__u64 pages, __u64 bytes, __u64 page_size)
{
	__u64 held = pages * page_size;

	return held > bytes ? held - bytes : 0;
}

void usage_bar(char *out, int w, const struct arenad_stats *st)
{
	__u64 total = st->pages_total, used = st->pages_allocated;
	__u64 unacc = st->census_valid ? st->pages_unaccounted : 0;
	int u = total ? (int)((used * w + total - 1) / total) : 0;
	int q = total ? (int)((unacc * w + total - 1) / total) : 0;
	int i;

	if (u > w)
		u = w;
	if (u + q > w)
		q = w - u;
	for (i = 0; i < w; i++)
		out[i] = i < u ? '#' : i < u + q ? '?' : '.';
	out[w] = '\0';
}

int usage_map(struct cli *cli, struct usage_runs *ur)
{
	ARENAD_OPTS(arenad_scan_opts, so, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_scan, scan);
	size_t i;
	int r;

	memset(ur, 0, sizeof(*ur));
	ur->st.sz = sizeof(ur->st);
	r = arenad_client__stats(cli->client, &ur->st);
	if (r < 0)
		return r;
	r = arenad_client__ranges(cli->client, NULL, &ur->allocs, sizeof(*ur->allocs), &ur->n_allocs);
	if (r < 0)
		return r;
	/* A census now, for the pages present outside every allocation; a
	 * daemon without a census method still gets its map drawn. */
	r = arenad_client__scan(cli->client, &so, &scan);
	if (r == -EAGAIN) {
		snprintf(ur->no_census, sizeof(ur->no_census), "%s", arenad_errmsg());
		return 0;
	}
	if (r < 0)
		return r;
	ur->census = true;
	ur->runs = calloc(scan.n_unaccounted + 1, sizeof(*ur->runs));
	if (!ur->runs) {
		r = -ENOMEM;
	} else {
		for (i = 0; i < scan.n_unaccounted; i++)
			ur->runs[i] = (struct usage_run){ scan.unaccounted[i].offset, scan.unaccounted[i].pages };
		ur->n_runs = scan.n_unaccounted;
	}
	free(scan.unaccounted);
	free(scan.missing);
	return r;
}

void usage_runs_free(struct usage_runs *ur)
{
	free(ur->allocs);
	free(ur->runs);
	ur->allocs = NULL;
	ur->runs = NULL;
}
