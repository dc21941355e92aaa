// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `map`: the arena drawn in the terminal. Each cell is a run of pages and
 * shows who holds it: an owner's letter (uppercase when the owner holds
 * the whole cell, lowercase when part of it), '?' for pages present in the
 * kernel but in no allocation, '.' for free. For an arena arenad does not
 * own there is no ledger: '#' present, '+' partly present, '.' absent.
 * Below: a legend, the largest free run and how fragmented the rest is.
 *
 * Whatever the legend names is drawn somewhere (mapgrid.h): a cell that
 * several owners share shows one of them, the one with most pages unless
 * another has no cell of its own. Such cells make the picture lossy, and
 * it says so under the legend.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "cli.h"
#include "inventory.h"
#include "mapgrid.h"
#include "output.h"
#include "usage.h"

#define MAX_ROWS	16
#define N_LETTERS	26	/* owners past the 26th share '*' */

struct owner_key {
	const char *name;
	__u64 pages, allocs;
};

struct picture {
	__u64 pages_total, page_size;
	struct map_span *spans;
	size_t n_spans;
	struct owner_key *owners;	/* most pages first */
	size_t n_owners;
	bool foreign;			/* present vs absent only */
	__u64 map_id;
	__u64 unaccounted;
	bool census;			/* the '?' pages are known */
	const char *no_census;		/* why not */
};

static char cell_char(const struct picture *p, const struct map_cell *c)
{
	if (c->kind == MAP_FREE)
		return '.';
	if (c->kind == MAP_UNACCOUNTED)
		return '?';
	if (c->kind == MAP_PRESENT)
		return c->full ? '#' : '+';
	if (c->kind >= N_LETTERS)
		return '*';
	return (c->full ? 'A' : 'a') + c->kind;
}

/* Background colours for owners, cycled; '?' stands out in red. */
static const char *cell_color(const struct map_cell *c)
{
	static const char *const owner[] = { "44", "42", "45", "46", "43", "104", "102", "105" };

	if (c->kind == MAP_FREE)
		return "2";
	if (c->kind == MAP_UNACCOUNTED)
		return "1;41";
	if (c->kind == MAP_PRESENT)
		return "44";
	return owner[(c->kind < N_LETTERS ? c->kind : N_LETTERS) % 8];
}

static int cmp_owner(const void *a, const void *b)
{
	const struct owner_key *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The managed arena: allocations by owner, unaccounted pages from a census. */
static int gather_managed(struct cli *cli, struct picture *p, struct usage_runs *ur)
{
	struct arenad_alloc *a;
	size_t i, j, n;
	int r;

	r = usage_map(cli, ur);
	if (r)
		return cli_call_error(cli, r, "ranges");
	a = ur->allocs;
	n = ur->n_allocs;
	p->pages_total = ur->st.pages_total;
	p->page_size = ur->st.page_size ?: 4096;
	p->map_id = ur->st.map_id;
	p->spans = calloc(n + ur->n_runs + 1, sizeof(*p->spans));
	p->owners = calloc(n + 1, sizeof(*p->owners));
	if (!p->spans || !p->owners)
		return cli_error(cli, CLI_EXIT_FAILURE, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		for (j = 0; j < p->n_owners && strcmp(p->owners[j].name, a[i].owner); j++)
			;
		if (j == p->n_owners)
			p->owners[p->n_owners++].name = a[i].owner;
		p->owners[j].pages += a[i].pages;
		p->owners[j].allocs++;
	}
	qsort(p->owners, p->n_owners, sizeof(*p->owners), cmp_owner);
	/* Owners past the 26th share '*': one kind, drawn like any other. */
	for (i = 0; i < n; i++) {
		for (j = 0; strcmp(p->owners[j].name, a[i].owner); j++)
			;
		p->spans[p->n_spans++] = (struct map_span){
			.start = a[i].offset / p->page_size, .pages = a[i].pages,
			.kind = j < N_LETTERS ? (int)j : N_LETTERS,
		};
	}
	p->census = ur->census;
	p->no_census = ur->no_census;
	for (i = 0; i < ur->n_runs; i++) {
		p->spans[p->n_spans++] = (struct map_span){
			.start = ur->runs[i].offset / p->page_size, .pages = ur->runs[i].pages,
			.kind = MAP_UNACCOUNTED,
		};
		p->unaccounted += ur->runs[i].pages;
	}
	return 0;
}

static int gather_foreign(struct cli *cli, struct picture *p, struct usage_runs *ur, __u64 map_id)
{
	size_t i;
	int r;

	r = inventory_scan(cli, map_id, ur);
	if (r)
		return cli_call_error(cli, r, "map");
	p->foreign = true;
	p->map_id = map_id;
	p->pages_total = ur->st.pages_total;
	p->page_size = ur->st.page_size ?: 4096;
	p->census = true;
	p->spans = calloc(ur->n_runs + 1, sizeof(*p->spans));
	if (!p->spans)
		return cli_error(cli, CLI_EXIT_FAILURE, -ENOMEM, "out of memory");
	for (i = 0; i < ur->n_runs; i++)
		p->spans[p->n_spans++] = (struct map_span){
			.start = ur->runs[i].offset / p->page_size, .pages = ur->runs[i].pages,
			.kind = MAP_PRESENT,
		};
	return 0;
}

/* A legend entry's note when no cell could show its kind: fewer cells
 * than kinds share those pages (mapgrid.h). */
static const char *hidden(const struct map_grid *g, int kind)
{
	return map_grid_drawn(g, kind) ? "" : " [not drawn: shares its cells]";
}

/* A sentence under the picture, its words wrapped to the width. */
__attribute__((format(printf, 2, 3)))
static void wrapped(int width, const char *fmt, ...)
{
	char buf[512], *w, *save = NULL;
	va_list ap;
	int col = 0, n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		n = strlen(w);
		if (col && col + 1 + n > width) {
			putchar('\n');
			col = 0;
		}
		printf("%s%s", col ? " " : "", w);
		col += (col ? 1 : 0) + n;
	}
	putchar('\n');
}

/* Legend entries, wrapped to the width. */
struct legend {
	int col, width;
};

__attribute__((format(printf, 2, 3)))
static void entry(struct legend *l, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > l->width - 2)
		n = l->width - 2;
	if (l->col && l->col + 2 + n > l->width) {
		putchar('\n');
		l->col = 0;
	}
	printf("%s%.*s", l->col ? "  " : "", n, buf);
	l->col += (l->col ? 2 : 0) + n;
}

static void draw(struct cli *cli, const struct picture *p, const struct map_grid *g, int width)
{
	char b1[32], b2[32];
	struct legend l = { .width = width };
	int label = snprintf(NULL, 0, "%llu", (unsigned long long)p->pages_total);
	size_t row, i;

	printf("arena map %llu: %llu pages of %s, %llu page%s a cell\n",
	       (unsigned long long)p->map_id, (unsigned long long)p->pages_total,
	       cli_bytes(p->page_size, b1, sizeof(b1)), (unsigned long long)g->pages_per_cell,
	       g->pages_per_cell == 1 ? "" : "s");
	for (row = 0; row < g->rows; row++) {
		printf("%*llu ", label, (unsigned long long)(row * g->cols * g->pages_per_cell));
		for (i = row * g->cols; i < (row + 1) * g->cols && i < g->n_cells; i++) {
			if (cli->color)
				printf("\033[%sm%c\033[0m", cell_color(&g->cells[i]), cell_char(p, &g->cells[i]));
			else
				putchar(cell_char(p, &g->cells[i]));
		}
		putchar('\n');
	}
	putchar('\n');
	if (p->foreign) {
		entry(&l, "# present");
		if (g->pages_per_cell > 1)
			entry(&l, "+ partly present");
		entry(&l, ". absent");
	} else {
		for (i = 0; i < p->n_owners && i < N_LETTERS; i++)
			entry(&l, "%c %s (%llu pages, %llu alloc%s)%s", (int)('A' + i),
			      p->owners[i].name[0] ? p->owners[i].name : "-",
			      (unsigned long long)p->owners[i].pages, (unsigned long long)p->owners[i].allocs,
			      p->owners[i].allocs == 1 ? "" : "s", hidden(g, (int)i));
		if (p->n_owners > N_LETTERS)
			entry(&l, "* %zu more owners%s", p->n_owners - N_LETTERS,
			      hidden(g, N_LETTERS));
		if (p->n_owners && g->pages_per_cell > 1)
			entry(&l, "lowercase: partly held");
		if (p->census)
			entry(&l, "? present, in no allocation (%llu pages)%s",
			      (unsigned long long)p->unaccounted,
			      p->unaccounted ? hidden(g, MAP_UNACCOUNTED) : "");
		else
			entry(&l, "(no census: %s)", p->no_census ?: "unavailable");
		entry(&l, ". free");
	}
	putchar('\n');
	/* Only owners and unaccounted pages share cells: another arena has
	 * one kind of page, whose partly present cells '+' marks. */
	if (g->mixed_cells)
		wrapped(width, "lossy: %zu cell%s hold%s pages of several owners (or unaccounted "
			"pages) and show%s one; 'ranges' and 'scan' list every page",
			g->mixed_cells, g->mixed_cells == 1 ? "" : "s", g->mixed_cells == 1 ? "s" : "",
			g->mixed_cells == 1 ? "s" : "");
	wrapped(width, "%s %llu pages (%s)", p->foreign ? "absent" : "free",
		(unsigned long long)g->pages_free, cli_bytes(g->pages_free * p->page_size, b1, sizeof(b1)));
	if (g->largest_free)
		wrapped(width, "largest %s run %llu pages (%s) at page %llu", p->foreign ? "absent" : "free",
			(unsigned long long)g->largest_free,
			cli_bytes(g->largest_free * p->page_size, b2, sizeof(b2)),
			(unsigned long long)g->largest_free_start);
	wrapped(width, "fragmentation %.1f%%: %llu of the %s pages lie outside the largest run",
		map_grid_fragmentation(g), (unsigned long long)(g->pages_free - g->largest_free),
		p->foreign ? "absent" : "free");
}

static void draw_json(struct cli *cli, const struct picture *p, const struct map_grid *g)
{
	json_object *o = json_object_new_object(), *legend = json_object_new_array();
	char *cells = malloc(g->n_cells + 1);
	size_t i;

	for (i = 0; cells && i < g->n_cells; i++)
		cells[i] = cell_char(p, &g->cells[i]);
	if (cells)
		cells[i] = '\0';
	json_object_object_add(o, "map_id", json_object_new_uint64(p->map_id));
	json_object_object_add(o, "managed", json_object_new_boolean(!p->foreign));
	json_object_object_add(o, "pages_total", json_object_new_uint64(p->pages_total));
	json_object_object_add(o, "pages_per_cell", json_object_new_uint64(g->pages_per_cell));
	json_object_object_add(o, "cols", json_object_new_uint64(g->cols));
	json_object_object_add(o, "cells", json_object_new_string(cells ?: ""));
	for (i = 0; i < p->n_owners && i < N_LETTERS; i++) {
		json_object *e = json_object_new_object();
		char c[2] = { 'A' + i, 0 };

		json_object_object_add(e, "letter", json_object_new_string(c));
		json_object_object_add(e, "owner", json_object_new_string(p->owners[i].name));
		json_object_object_add(e, "pages", json_object_new_uint64(p->owners[i].pages));
		json_object_object_add(e, "drawn", json_object_new_boolean(map_grid_drawn(g, (int)i)));
		json_object_array_add(legend, e);
	}
	json_object_object_add(o, "legend", legend);
	json_object_object_add(o, "mixed_cells", json_object_new_uint64(g->mixed_cells));
	json_object_object_add(o, p->foreign ? "pages_absent" : "pages_free",
			       json_object_new_uint64(g->pages_free));
	json_object_object_add(o, "largest_free_run", json_object_new_uint64(g->largest_free));
	json_object_object_add(o, "largest_free_run_start", json_object_new_uint64(g->largest_free_start));
	json_object_object_add(o, "fragmentation_pct",
			       json_object_new_double(map_grid_fragmentation(g)));
	free(cells);
	cli_json_put(cli, o);
}

int cmd_map(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map-id",	required_argument, NULL, 'm' },
		{ "width",	required_argument, NULL, 'w' },
		{}
	};
	struct usage_runs ur = {};
	struct picture p = {};
	struct map_grid g;
	unsigned long long map_id = 0;
	int c, r, width = cli_term_cols(80), label;
	bool foreign = false;
	char *end;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'm':
			errno = 0;
			map_id = strtoull(optarg, &end, 10);
			if (errno || !*optarg || *end || *optarg == '-' || map_id > 0xffffffffULL)
				return cli_usage(cli, "--map-id wants a map id, got '%s'", optarg);
			foreign = true;
			break;
		case 'w':
			errno = 0;
			width = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || width < 20 || width > 1000)
				return cli_usage(cli, "--width wants columns (20..1000), got '%s'", optarg);
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage(cli, "map takes no arguments, got '%s'", argv[optind]);
	if (foreign) {
		ARENAD_OPTS(arenad_stats, st);

		/* the managed arena by its id: the full picture, with owners */
		if (arenad_client__stats(cli->client, &st) >= 0 && st.map_id == map_id)
			foreign = false;
	}
	r = foreign ? gather_foreign(cli, &p, &ur, map_id) : gather_managed(cli, &p, &ur);
	if (r)
		goto out;
	label = snprintf(NULL, 0, "%llu", (unsigned long long)p.pages_total) + 1;
	r = map_grid_build(&g, p.pages_total, p.spans, p.n_spans,
			   p.n_owners < N_LETTERS ? p.n_owners : N_LETTERS + 1,
			   width - label > 0 ? width - label : 1, MAX_ROWS);
	if (r) {
		r = cli_error(cli, CLI_EXIT_FAILURE, r, "cannot draw the map: %s", strerror(-r));
		goto out;
	}
	if (cli->json)
		draw_json(cli, &p, &g);
	else
		draw(cli, &p, &g, width);
	map_grid_free(&g);
out:
	free(p.spans);
	free(p.owners);
	usage_runs_free(&ur);
	return r;
}
