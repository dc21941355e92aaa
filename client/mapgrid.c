// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The arena as a grid of cells: see mapgrid.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapgrid.h"

static int cmp_span(const void *a, const void *b)
{
	const struct map_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Kinds are counted in one array: owners first, then the MAP_* kinds. */
#define N_SPECIAL 2
static size_t slot(int kind, size_t n_owners)
{
	return kind >= 0 ? (size_t)kind : n_owners + (size_t)(-kind - 2);
}

int map_grid_build(struct map_grid *g, __u64 pages_total, const struct map_span *in,
		   size_t n, size_t n_owners, size_t cols, size_t max_rows)
{
	struct map_span *spans = NULL;
	__u64 *count = NULL, pos, run;
	size_t *touched = NULL, n_touched, i, c, s;
	int r = -ENOMEM;

	memset(g, 0, sizeof(*g));
	if (!cols || !max_rows)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (in[i].kind < MAP_PRESENT || (in[i].kind >= 0 && (size_t)in[i].kind >= n_owners) ||
		    in[i].kind == MAP_FREE)
			return -EINVAL;

	g->pages_total = pages_total;
	g->pages_per_cell = pages_total <= (__u64)cols * max_rows ? 1 :
			    (pages_total + (__u64)cols * max_rows - 1) / ((__u64)cols * max_rows);
	g->n_cells = (pages_total + g->pages_per_cell - 1) / g->pages_per_cell;
	g->cols = cols;
	g->rows = (g->n_cells + cols - 1) / cols;

	spans = malloc((n ?: 1) * sizeof(*spans));
	g->cells = calloc(g->n_cells ?: 1, sizeof(*g->cells));
	count = calloc(n_owners + N_SPECIAL, sizeof(*count));
	touched = calloc(n_owners + N_SPECIAL, sizeof(*touched));
	if (!spans || !g->cells || !count || !touched)
		goto out;
	memcpy(spans, in, n * sizeof(*spans));
	qsort(spans, n, sizeof(*spans), cmp_span);

	/* Free runs: the gaps between spans, clipped to the arena. */
	for (pos = 0, i = 0; i <= n; i++) {
		__u64 start = i < n ? spans[i].start : pages_total;

		if (start > pages_total)
			start = pages_total;
		if (start > pos) {
			run = start - pos;
			g->pages_free += run;
			if (run > g->largest_free) {
				g->largest_free = run;
				g->largest_free_start = pos;
			}
		}
		if (i < n && spans[i].start + spans[i].pages > pos)
			pos = spans[i].start + spans[i].pages;
	}

	/* Cells: walk spans and cells together; spans are sorted, so each
	 * cell looks only at the spans from the first that reaches it. */
	for (c = 0, s = 0; c < g->n_cells; c++) {
		__u64 lo = c * g->pages_per_cell, hi = lo + g->pages_per_cell;
		size_t best = 0, j;
		__u64 best_n = 0;
		bool any_owner = false;

		if (hi > pages_total)
			hi = pages_total;
		while (s < n && spans[s].start + spans[s].pages <= lo)
			s++;
		n_touched = 0;
		for (j = s; j < n && spans[j].start < hi; j++) {
			__u64 a = spans[j].start > lo ? spans[j].start : lo;
			__u64 b = spans[j].start + spans[j].pages < hi ? spans[j].start + spans[j].pages : hi;
			size_t k = slot(spans[j].kind, n_owners);

			if (b <= a)
				continue;
			if (!count[k])
				touched[n_touched++] = k;
			count[k] += b - a;
		}
		for (j = 0; j < n_touched; j++) {
			size_t k = touched[j];
			bool owner = k < n_owners;

			/* Owners outrank the special kinds; then most pages,
			 * then the lower index, so the result is stable. */
			if ((owner && !any_owner) ||
			    (owner == any_owner && (count[k] > best_n || (count[k] == best_n && k < best)))) {
				best = k;
				best_n = count[k];
				any_owner = owner;
			}
		}
		if (!n_touched) {
			g->cells[c].kind = MAP_FREE;
			g->cells[c].full = true;
		} else {
			g->cells[c].kind = best < n_owners ? (int)best : -(int)(best - n_owners) - 2;
			g->cells[c].full = best_n == hi - lo;
		}
		for (j = 0; j < n_touched; j++)
			count[touched[j]] = 0;
	}
	r = 0;
out:
	free(spans);
	free(count);
	free(touched);
	if (r)
		map_grid_free(g);
	return r;
}

void map_grid_free(struct map_grid *g)
{
	free(g->cells);
	g->cells = NULL;
}

double map_grid_fragmentation(const struct map_grid *g)
{
	return g->pages_free ? 100.0 * (g->pages_free - g->largest_free) / g->pages_free : 0.0;
}
