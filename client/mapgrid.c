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

static int kind_of(size_t slot, size_t n_owners)
{
	return slot < n_owners ? (int)slot : -(int)(slot - n_owners) - 2;
}

#define NONE ((size_t)-1)

/* A kind's pages in one cell: the edges of the matching below. */
struct edge {
	size_t cell, slot;
	__u64 pages;
};

/*
 * Which kind each cell draws, as a bipartite matching of kinds to cells
 * they have pages in: a kind without a cell takes one through an
 * augmenting path, which moves the kinds on its way to other cells of
 * theirs, so no kind that was drawn stops being drawn.
 */
struct matching {
	size_t *first;			/* slot s's cells: cells[first[s]..first[s+1]) */
	size_t *cells;
	size_t *cell_of;		/* slot -> the cell it has, or NONE */
	size_t *slot_in;		/* cell -> the slot it was given, or NONE */
	unsigned *seen;			/* cell -> the last round that visited it */
	unsigned round;
};

static bool augment(struct matching *m, size_t k)
{
	for (size_t i = m->first[k]; i < m->first[k + 1]; i++) {
		size_t c = m->cells[i];

		if (m->seen[c] == m->round)
			continue;
		m->seen[c] = m->round;
		if (m->slot_in[c] == NONE || augment(m, m->slot_in[c])) {
			m->slot_in[c] = k;
			m->cell_of[k] = c;
			return true;
		}
	}
	return false;
}

static void matching_free(struct matching *m)
{
	free(m->first);
	free(m->cells);
	free(m->cell_of);
	free(m->slot_in);
	free(m->seen);
}

/* Every kind with pages gets a cell when the cells allow it (see mapgrid.h). */
static int draw_every_kind(struct map_grid *g, const struct edge *e, size_t n_edges,
			   size_t n_slots, size_t n_owners)
{
	struct matching m = {
		.first = calloc(n_slots + 1, sizeof(size_t)),
		.cells = malloc((n_edges ?: 1) * sizeof(size_t)),
		.cell_of = malloc(n_slots * sizeof(size_t)),
		.slot_in = malloc((g->n_cells ?: 1) * sizeof(size_t)),
		.seen = calloc(g->n_cells ?: 1, sizeof(unsigned)),
	};
	size_t i, k, c;

	if (!m.first || !m.cells || !m.cell_of || !m.slot_in || !m.seen) {
		matching_free(&m);
		return -ENOMEM;
	}
	for (i = 0; i < n_edges; i++)
		m.first[e[i].slot + 1]++;
	for (k = 0; k < n_slots; k++)
		m.first[k + 1] += m.first[k];
	for (i = 0; i < n_edges; i++)
		m.cells[m.first[e[i].slot]++] = e[i].cell;
	for (k = n_slots; k > 0; k--)		/* back to the starts */
		m.first[k] = m.first[k - 1];
	m.first[0] = 0;

	/* The kinds that won a cell by pages keep one such cell. */
	for (k = 0; k < n_slots; k++)
		m.cell_of[k] = NONE;
	for (c = 0; c < g->n_cells; c++) {
		m.slot_in[c] = NONE;
		if (g->cells[c].kind == MAP_FREE)
			continue;
		k = slot(g->cells[c].kind, n_owners);
		if (m.cell_of[k] == NONE) {
			m.cell_of[k] = c;
			m.slot_in[c] = k;
		}
	}
	for (k = 0; k < n_slots; k++) {
		if (m.cell_of[k] != NONE || m.first[k] == m.first[k + 1])
			continue;
		m.round++;
		augment(&m, k);
	}
	/* Cells the matching gave a kind draw that kind; the others keep
	 * the one with most pages. */
	for (i = 0; i < n_edges; i++) {
		c = e[i].cell;
		if (m.slot_in[c] == e[i].slot) {
			__u64 lo = c * g->pages_per_cell, hi = lo + g->pages_per_cell;

			if (hi > g->pages_total)
				hi = g->pages_total;
			g->cells[c].kind = kind_of(e[i].slot, n_owners);
			g->cells[c].full = e[i].pages == hi - lo;
		}
	}
	matching_free(&m);
	return 0;
}

int map_grid_build(struct map_grid *g, __u64 pages_total, const struct map_span *in,
		   size_t n, size_t n_owners, size_t cols, size_t max_rows)
{
	struct map_span *spans = NULL;
	struct edge *edges = NULL, *e;
	__u64 *count = NULL, pos, run;
	size_t *touched = NULL, n_touched, n_edges = 0, cap = 0, i, c, s;
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
		if (n_edges + n_touched > cap) {
			cap = 2 * (n_edges + n_touched) + 16;
			e = realloc(edges, cap * sizeof(*edges));
			if (!e)
				goto out;
			edges = e;
		}
		for (j = 0; j < n_touched; j++) {
			size_t k = touched[j];
			bool owner = k < n_owners;

			edges[n_edges++] = (struct edge) { .cell = c, .slot = k, .pages = count[k] };
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
			g->cells[c].kind = kind_of(best, n_owners);
			g->cells[c].full = best_n == hi - lo;
		}
		if (n_touched > 1)
			g->mixed_cells++;
		for (j = 0; j < n_touched; j++)
			count[touched[j]] = 0;
	}
	r = draw_every_kind(g, edges, n_edges, n_owners + N_SPECIAL, n_owners);
out:
	free(spans);
	free(edges);
	free(count);
	free(touched);
	if (r)
		map_grid_free(g);
	return r;
}

bool map_grid_drawn(const struct map_grid *g, int kind)
{
	for (size_t c = 0; c < g->n_cells; c++)
		if (g->cells[c].kind == kind)
			return true;
	return false;
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
