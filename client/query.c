// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `query` (also `stats`): the managed arena's page usage. Honest about
 * what it knows: pages present in the kernel but in no allocation are
 * "unaccounted" and never counted as free; without a census it says that
 * free pages are only "in no allocation". Every line fits 80 columns.
 */
#include <stdio.h>
#include <string.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "query.h"
#include "usage.h"

#define BAR_WIDTH 30

static void row(const char *what, __u64 pages, __u64 total, __u64 psz, const char *note)
{
	char b[32];

	printf("%-11s %9llu pages %6.1f%% %10s  %s\n", what, (unsigned long long)pages,
	       cli_pct(pages, total), cli_bytes(pages * psz, b, sizeof(b)), note);
}

/*
 * Objects of BPF programs (arenad_malloc()), for owners that have or had
 * some: exact bytes, the pages held for them, and what those pages hold
 * beyond the objects ("unused": internal fragmentation).
 */
static void objects_print(const struct query_view *v, __u64 psz)
{
	const struct arenad_stats *st = v->st;
	bool any = false;
	char b[32];
	size_t i;

	for (i = 0; i < v->n_owners && !any; i++)
		any = v->owners[i].has_objects;
	if (!any)
		return;
	printf("\n%-24s %12s %9s %7s %10s %5s %6s\n", "OBJECTS OF", "BYTES", "OBJECTS",
	       "PAGES", "UNUSED", "FRAG", "BAD");
	for (i = 0; i < v->n_owners; i++) {
		const struct arenad_owner_usage *o = &v->owners[i];
		const char *name = o->owner[0] ? o->owner : "-";
		__u64 held = o->object_pages * psz;
		__u64 unused = usage_objects_unused(o->object_pages, o->object_bytes, psz);

		if (!o->has_objects)
			continue;
		if (strlen(name) > 24)
			printf("%s\n%-24s", name, "");
		else
			printf("%-24s", name);
		printf(" %12llu %9llu %7llu %10s %4.0f%% %6llu\n",
		       (unsigned long long)o->object_bytes, (unsigned long long)o->objects,
		       (unsigned long long)o->object_pages, cli_bytes(unused, b, sizeof(b)),
		       cli_pct(unused, held), (unsigned long long)o->object_bad_frees);
	}
	printf("objects     %llu made, %llu freed, %llu failed, %llu bad frees",
	       (unsigned long long)st->object_allocs, (unsigned long long)st->object_frees,
	       (unsigned long long)st->object_failures, (unsigned long long)st->object_bad_frees);
	if (st->object_dropped)
		printf(", %llu dropped", (unsigned long long)st->object_dropped);
	printf("\n");
}

void query_print(const struct query_view *v)
{
	const struct arenad_stats *st = v->st;
	__u64 total = st->pages_total, psz = st->page_size ?: 4096;
	char b1[32], b2[32], bars[BAR_WIDTH + 1];
	bool limits = false;
	int name_w;
	size_t i;

	printf("arena       map %llu: %llu pages of %s (%s) at 0x%llx\n",
	       (unsigned long long)st->map_id, (unsigned long long)total, cli_bytes(psz, b1, sizeof(b1)),
	       cli_bytes(total * psz, b2, sizeof(b2)), (unsigned long long)st->user_vm_start);
	if (st->pin_dir[0])
		printf("pins        %s\n", st->pin_dir);
	printf("%-11s %9llu pages %6.1f%% %10s  ", "used", (unsigned long long)st->pages_allocated,
	       cli_pct(st->pages_allocated, total), cli_bytes(st->pages_allocated * psz, b1, sizeof(b1)));
	usage_bar(bars, BAR_WIDTH, st);
	printf("[%s]\n", bars);
	if (st->census_valid) {
		row("unaccounted", st->pages_unaccounted, total, psz, "present, in no allocation");
		row("free", usage_free_pages(st), total, psz, "in no allocation, not present");
		row("present", st->pages_present, total, psz, "by the census");
		printf("census      %s method, %s ago\n", st->census_method[0] ? st->census_method : "-",
		       cli_duration(st->census_age_s, b1, sizeof(b1)));
		/* Freed behind arenad's back: rare, and then worth a row. */
		if (st->pages_missing)
			row("missing", st->pages_missing, total, psz, "in the ledger, not present");
	} else {
		row("free", usage_free_pages(st), total, psz, "in no allocation (no census)");
		if (v->offline)
			printf("census      not run offline: unaccounted and missing pages unknown\n");
		else if (st->census_method[0])
			printf("census      none yet: unaccounted and missing pages unknown "
			       "(run 'scan')\n");
		else
			printf("census      unavailable: %.54s\n", st->census_unavailable[0] ?
			       st->census_unavailable : "no method works here");
	}
	row("peak", st->high_water_pages, total, psz, "");
	printf("allocations %llu live, %llu made, %llu freed, %llu failed",
	       (unsigned long long)st->allocations, (unsigned long long)st->allocations_total,
	       (unsigned long long)st->frees_total, (unsigned long long)st->alloc_failures);
	if (st->quota_refusals)
		printf(", %llu over quota", (unsigned long long)st->quota_refusals);
	if (!v->offline)
		printf("; up %s", cli_duration(st->uptime_s, b1, sizeof(b1)));
	putchar('\n');

	if (!v->n_owners)
		return;
	/* With limits, a column for them ("LIMIT (USE)"), the owner's name
	 * gives it the room: every line still fits 80 columns. */
	for (i = 0; i < v->n_owners && !limits; i++)
		limits = v->owners[i].has_limit;
	name_w = limits ? 19 : 32;
	printf("\n%-*s %10s %11s %8s %9s", name_w, "OWNER", "PAGES", "BYTES", "ALLOCS", "% OF USED");
	if (limits)
		printf(" %6s %6s", "LIMIT", "(USE)");
	putchar('\n');
	for (i = 0; i < v->n_owners; i++) {
		const struct arenad_owner_usage *o = &v->owners[i];
		const char *name = o->owner[0] ? o->owner : "-";

		/* a long owner gets a line of its own, so the columns stay */
		if (strlen(name) > (size_t)name_w)
			printf("%s\n%-*s", name, name_w, "");
		else
			printf("%-*s", name_w, name);
		printf(" %10llu %11s %8llu %8.1f%%", (unsigned long long)o->pages,
		       cli_bytes(o->pages * psz, b1, sizeof(b1)), (unsigned long long)o->allocations,
		       cli_pct(o->pages, st->pages_allocated));
		if (limits && o->has_limit)
			printf(" %6llu (%3.0f%%)%s\n", (unsigned long long)o->limit,
			       cli_pct(o->pages, o->limit), o->limit_is_default ? "*" : "");
		else
			printf("%s\n", limits ? "      -" : "");
	}
	for (i = 0; i < v->n_owners; i++)
		if (v->owners[i].has_limit && v->owners[i].limit_is_default) {
			printf("(* the default limit)\n");
			break;
		}
	objects_print(v, psz);
}

int cmd_query(struct cli *cli, int argc, char **argv)
{
	struct query_view v = {};
	struct usage u;
	int r;

	if (argc > 1)
		return cli_usage(cli, "%s takes no arguments, got '%s'", argv[0], argv[1]);
	if (cli->json) {
		ARENAD_OPTS(arenad_stats, st);

		r = arenad_client__stats(cli->client, &st);
		return r < 0 ? cli_call_error(cli, r, "stats") : cli_print_result(cli);
	}
	r = usage_get(cli, &u);
	if (r < 0)
		return cli_call_error(cli, r, "stats");
	v.st = &u.st;
	v.owners = u.owners;
	v.n_owners = u.n_owners;
	query_print(&v);
	usage_free(&u);
	return 0;
}
