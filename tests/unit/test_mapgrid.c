// SPDX-License-Identifier: LGPL-2.1-or-later
/* The `map` grid: cells, majority rules, free runs and fragmentation. */
#include <errno.h>

#include "tap.h"
#include "mapgrid.h"

/* The grid as a string: owner letters (lowercase: partly held), ? . # */
static const char *picture(const struct map_grid *g, char *buf)
{
	size_t i;

	for (i = 0; i < g->n_cells; i++) {
		const struct map_cell *c = &g->cells[i];
		char ch = c->kind >= 0 ? 'A' + c->kind : c->kind == MAP_FREE ? '.' :
			  c->kind == MAP_UNACCOUNTED ? '?' : '#';

		buf[i] = c->full || c->kind < 0 ? ch : ch + ('a' - 'A');
	}
	buf[i] = '\0';
	return buf;
}

int main(void)
{
	struct map_grid g;
	char buf[4096];

	/* One page a cell when the arena fits. */
	{
		struct map_span s[] = {
			{ 4, 2, 1 }, { 0, 3, 0 }, { 10, 1, MAP_UNACCOUNTED },
		};

		is_int(map_grid_build(&g, 16, s, 3, 2, 8, 4), 0, "16 pages in rows of 8");
		is_int(g.pages_per_cell, 1, "one page a cell");
		is_int(g.rows, 2, "two rows");
		is_str(picture(&g, buf), "AAA.BB....?.....", "spans land on their pages (unsorted input)");
		is_int(g.pages_free, 10, "free pages: neither allocated nor present");
		is_int(g.largest_free, 5, "largest free run");
		is_int(g.largest_free_start, 11, "... at page 11");
		ok(map_grid_fragmentation(&g) == 50.0, "fragmentation: 5 of 10 free pages outside it");
		map_grid_free(&g);
	}
	/* Several pages a cell: the owner with most pages wins, and any
	 * owner beats free and unaccounted pages. */
	{
		struct map_span s[] = {
			{ 0, 3, 0 }, { 3, 1, 1 },		/* cell 0: A3 B1 -> A, partly */
			{ 4, 1, 1 },				/* cell 1: B1 + 3 free -> b */
			{ 8, 3, MAP_UNACCOUNTED }, { 11, 1, 0 },/* cell 2: ?3 A1 -> a */
			{ 12, 4, 1 },				/* cell 3: B4 -> B */
			{ 16, 2, MAP_UNACCOUNTED },		/* cell 4: ?2 -> ? */
		};

		is_int(map_grid_build(&g, 24, s, 7, 2, 3, 2), 0, "24 pages, 6 cells");
		is_int(g.pages_per_cell, 4, "four pages a cell");
		is_str(picture(&g, buf), "abaB?.", "majority and visibility rules");
		is_int(g.pages_free, 24 - 15, "free pages: 15 of 24 in spans");
		is_int(g.largest_free, 6, "largest free run 18..23");
		map_grid_free(&g);
	}
	/* A small owner sharing its only cell with a bigger one is still
	 * drawn: the bigger one is drawn in a cell of its own. */
	{
		struct map_span s[] = {
			{ 0, 6, 0 }, { 16, 8, 0 },		/* A: cells 0 and 2 */
			{ 6, 2, 1 },				/* B: only in cell 0 */
		};

		is_int(map_grid_build(&g, 32, s, 3, 2, 4, 1), 0, "32 pages, 4 cells of 8");
		is_str(picture(&g, buf), "b.A.", "the small owner takes the shared cell, the big one its own");
		ok(map_grid_drawn(&g, 0) && map_grid_drawn(&g, 1), "both owners are drawn");
		is_int(g.mixed_cells, 1, "one cell holds two owners: the picture says it is lossy");
		map_grid_free(&g);
	}
	/* Unaccounted pages beside a one-page allocation: '?' is drawn where
	 * the owner has another cell. */
	{
		struct map_span s[] = {
			{ 0, 1, 0 }, { 1, 3, MAP_UNACCOUNTED },	/* cell 0: A1 ?3 */
			{ 8, 1, 0 },				/* cell 2: A1 */
		};

		is_int(map_grid_build(&g, 16, s, 3, 1, 4, 1), 0, "16 pages, 4 cells of 4");
		is_str(picture(&g, buf), "?.a.", "the unaccounted pages are drawn, the owner elsewhere");
		ok(map_grid_drawn(&g, MAP_UNACCOUNTED), "'?' is drawn");
		map_grid_free(&g);
	}
	/* A kind gets a cell through a chain of moves: C's only cell is B's,
	 * B moves to A's, A to a cell of its own. */
	{
		struct map_span s[] = {
			{ 0, 3, 0 }, { 3, 1, 1 },		/* cell 0: A3 B1 */
			{ 4, 3, 1 }, { 7, 1, 2 },		/* cell 1: B3 C1 */
			{ 8, 4, 0 },				/* cell 2: A4 */
		};

		is_int(map_grid_build(&g, 12, s, 5, 3, 3, 1), 0, "12 pages, 3 cells of 4");
		is_str(picture(&g, buf), "bcA", "every owner is drawn");
		is_int(g.mixed_cells, 2, "two cells are mixed");
		map_grid_free(&g);
	}
	/* More kinds than cells: one stays hidden, and the grid says which. */
	{
		struct map_span s[] = { { 0, 3, 0 }, { 3, 1, 1 } };

		is_int(map_grid_build(&g, 8, s, 2, 2, 2, 1), 0, "8 pages, 2 cells of 4");
		is_str(picture(&g, buf), "a.", "the cell shows the owner with most pages");
		ok(map_grid_drawn(&g, 0) && !map_grid_drawn(&g, 1), "the other owner is not drawn, and that is known");
		map_grid_free(&g);
	}
	/* A huge arena with a one-page allocation stays visible. */
	{
		struct map_span s[] = { { 500000, 1, 0 } };

		is_int(map_grid_build(&g, 1u << 20, s, 1, 1, 64, 16), 0, "1 Mi pages");
		is_int(g.pages_per_cell, 1024, "1024 pages a cell");
		is_int(g.n_cells, 1024, "1024 cells");
		ok(g.cells[500000 / 1024].kind == 0 && !g.cells[500000 / 1024].full,
		   "the one-page allocation shows as a partly held cell");
		is_int(g.largest_free, (1u << 20) - 500001, "largest free run after it");
		map_grid_free(&g);
	}
	/* An arena without a ledger: present vs absent. */
	{
		struct map_span s[] = { { 0, 2, MAP_PRESENT }, { 5, 1, MAP_PRESENT } };

		is_int(map_grid_build(&g, 8, s, 2, 0, 8, 1), 0, "foreign arena");
		is_str(picture(&g, buf), "##...#..", "present runs");
		is_int(g.pages_free, 5, "absent pages");
		map_grid_free(&g);
	}
	/* Bad input */
	{
		struct map_span s[] = { { 0, 1, 3 } };

		is_int(map_grid_build(&g, 8, s, 1, 2, 8, 1), -EINVAL, "an owner index out of range");
		is_int(map_grid_build(&g, 8, NULL, 0, 0, 0, 1), -EINVAL, "zero columns");
		is_int(map_grid_build(&g, 0, NULL, 0, 0, 8, 1), 0, "an empty arena");
		is_int(g.n_cells, 0, "has no cells");
		map_grid_free(&g);
	}
	return tap_done();
}
