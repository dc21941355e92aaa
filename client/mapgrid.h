/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The arena as a grid of cells for `map`: pure arithmetic, no I/O, so the
 * unit tests can check it page by page.
 */
#ifndef __ARENACTL_MAPGRID_H
#define __ARENACTL_MAPGRID_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* What a span of pages is: an owner (its index, >= 0) or one of these. */
#define MAP_FREE		(-1)	/* in no allocation and not present */
#define MAP_UNACCOUNTED		(-2)	/* present, but in no allocation */
#define MAP_PRESENT		(-3)	/* present (an arena without a ledger) */

struct map_span {
	__u64 start;			/* first page */
	__u64 pages;
	int kind;			/* owner index or MAP_* */
};

struct map_cell {
	int kind;			/* what holds most of the cell */
	bool full;			/* ... and it holds all of it */
};

struct map_grid {
	__u64 pages_total;
	__u64 pages_per_cell;
	size_t cols, rows, n_cells;
	struct map_cell *cells;
	size_t mixed_cells;		/* cells holding pages of more than one
					 * kind (owners, unaccounted, present):
					 * each shows one, the picture is lossy */
	__u64 pages_free;		/* in no span */
	__u64 largest_free;		/* the longest run of free pages */
	__u64 largest_free_start;
};

/*
 * Lay out pages_total pages in rows of cols cells, using at most max_rows
 * rows (one page a cell when they fit). spans need not be sorted; they
 * must not overlap (n_owners: owner indexes are 0..n_owners-1).
 *
 * A cell that holds any owner's pages shows the owner with most pages in
 * it (owners before unaccounted pages), so a one-page allocation stays
 * visible in a big arena. Then every kind that holds pages but won no
 * cell takes one where it has pages, moving the kinds already shown to
 * other cells of theirs as needed (a bipartite matching), so that each
 * kind in the legend is drawn somewhere whenever the cells allow it; only
 * when fewer cells than kinds share pages does one stay hidden
 * (map_grid_drawn()).
 * 0 or -EINVAL / -ENOMEM.
 */
int map_grid_build(struct map_grid *g, __u64 pages_total, const struct map_span *spans,
		   size_t n, size_t n_owners, size_t cols, size_t max_rows);
void map_grid_free(struct map_grid *g);

/* Whether some cell shows kind (an owner index or MAP_*). */
bool map_grid_drawn(const struct map_grid *g, int kind);

/* Free pages outside the largest free run, in percent of the free pages. */
double map_grid_fragmentation(const struct map_grid *g);

#endif /* __ARENACTL_MAPGRID_H */
