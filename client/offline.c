// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --pin-dir DIR: query, ranges and lookup read the pins directly, for
 * when the daemon is down. Read-only: nothing here writes a map. Owner and
 * name strings come from the pinned string table. Needs the privileges to
 * open BPF pins (root, or CAP_BPF with access to the bpffs).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "query.h"
#include "ranges.h"
#include "usage.h"

struct offline {
	struct arenad_pins *pins;
	struct arenad_state st;
	struct arenad_alloc *allocs;
	__u32 *owner_ids;	/* allocs[i]'s owner string id */
	size_t n;
};

static void offline_close(struct offline *o)
{
	arenad_pins__close(o->pins);
	free(o->allocs);
	free(o->owner_ids);
}

/* Open the pins and read the state and the whole ledger, strings resolved. */
static int offline_open(struct cli *cli, struct offline *o)
{
	struct arenad_range *r = NULL;
	size_t i, n = 0;
	int ret;

	memset(o, 0, sizeof(*o));
	o->pins = arenad_pins__open(cli->pin_dir);
	if (!o->pins) {
		ret = -errno;
		if (ret == -ENOENT)
			return cli_error(cli, CLI_EXIT_NOT_FOUND, ret, "no arenad pins in %s: %s",
					 cli->pin_dir, arenad_errmsg());
		return cli_error(cli, cli_errno_exit(ret), ret, "cannot open the pins in %s: %s%s",
				 cli->pin_dir, arenad_errmsg(),
				 ret == -EPERM || ret == -EACCES ? " (reading pins needs root)" : "");
	}
	ret = arenad_pins__state(o->pins, &o->st);
	if (ret < 0)
		return cli_error(cli, CLI_EXIT_FAILURE, ret, "cannot read the state in %s: %s",
				 cli->pin_dir, arenad_errmsg());
	ret = arenad_pins__ranges(o->pins, &r, &n);
	if (ret < 0)
		return cli_error(cli, CLI_EXIT_FAILURE, ret, "cannot read the ledger in %s: %s",
				 cli->pin_dir, arenad_errmsg());
	o->allocs = calloc(n + 1, sizeof(*o->allocs));
	o->owner_ids = calloc(n + 1, sizeof(*o->owner_ids));
	if (!o->allocs || !o->owner_ids) {
		free(r);
		return cli_error(cli, CLI_EXIT_FAILURE, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		struct arenad_alloc *a = &o->allocs[i];

		a->sz = sizeof(*a);
		a->offset = (__u64)r[i].pgoff * ARENAD_PAGE_SIZE;
		a->addr = o->st.user_vm_start + a->offset;
		a->pages = r[i].pages;
		a->uid = r[i].uid;
		o->owner_ids[i] = r[i].owner;
		if (r[i].owner)
			arenad_pins__str(o->pins, r[i].owner, a->owner, sizeof(a->owner));
		if (r[i].name)
			arenad_pins__str(o->pins, r[i].name, a->name, sizeof(a->name));
	}
	o->n = n;
	free(r);
	return 0;
}

/* One allocation as JSON, with the protocol's names for the same things. */
static json_object *alloc_json(const struct arenad_alloc *a)
{
	json_object *o = json_object_new_object();
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)a->addr);
	json_object_object_add(o, "addr", json_object_new_string(addr));
	json_object_object_add(o, "offset", json_object_new_uint64(a->offset));
	json_object_object_add(o, "pages", json_object_new_uint64(a->pages));
	json_object_object_add(o, "uid", json_object_new_uint64(a->uid));
	json_object_object_add(o, "owner", json_object_new_string(a->owner));
	if (a->name[0])		/* as the daemon: anonymous ones have none */
		json_object_object_add(o, "name", json_object_new_string(a->name));
	return o;
}

/*
 * The object counters of the owners (their string ids in ids), as stats
 * has them, and their sums in sum. Only owners that hold pages are seen
 * here: the counters of one whose objects and pages are all gone are in
 * the daemon's stats alone. Pins of an arenad without objects have none.
 */
static int objects_read(struct cli *cli, struct offline *o, struct arenad_owner_usage *owners,
			const __u32 *ids, size_t n, struct arenad_owner_usage *sum)
{
	struct arenad_obj_owner ob;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		struct arenad_owner_usage *u = &owners[i];

		r = arenad_pins__obj_owner(o->pins, ids[i], &ob);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return cli_error(cli, CLI_EXIT_FAILURE, r, "%s", arenad_errmsg());
		u->has_objects = ob.objects || ob.pages || ob.allocs || ob.failures || ob.bad_frees;
		u->object_bytes = ob.bytes;
		u->objects = ob.objects;
		u->object_pages = ob.pages;
		u->object_allocs = ob.allocs;
		u->object_frees = ob.frees;
		u->object_failures = ob.failures;
		u->object_bad_frees = ob.bad_frees;
		u->object_dropped = ob.dropped;
		sum->object_bytes += ob.bytes;
		sum->objects += ob.objects;
		sum->object_pages += ob.pages;
		sum->object_allocs += ob.allocs;
		sum->object_frees += ob.frees;
		sum->object_failures += ob.failures;
		sum->object_bad_frees += ob.bad_frees;
		sum->object_dropped += ob.dropped;
	}
	return 0;
}

/* The "objects" member of stats and of its owners. */
static json_object *objects_json(const struct arenad_owner_usage *u)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "bytes", json_object_new_uint64(u->object_bytes));
	json_object_object_add(o, "objects", json_object_new_uint64(u->objects));
	json_object_object_add(o, "pages", json_object_new_uint64(u->object_pages));
	json_object_object_add(o, "fragmentation_bytes",
			       json_object_new_uint64(usage_objects_unused(u->object_pages, u->object_bytes,
									   ARENAD_PAGE_SIZE)));
	json_object_object_add(o, "allocs", json_object_new_uint64(u->object_allocs));
	json_object_object_add(o, "frees", json_object_new_uint64(u->object_frees));
	json_object_object_add(o, "failures", json_object_new_uint64(u->object_failures));
	json_object_object_add(o, "bad_frees", json_object_new_uint64(u->object_bad_frees));
	json_object_object_add(o, "dropped", json_object_new_uint64(u->object_dropped));
	return o;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct arenad_owner_usage *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return strcmp(x->owner, y->owner);
}

int cmd_query_offline(struct cli *cli, int argc, char **argv)
{
	struct arenad_owner_usage *owners = NULL, sum = {};
	struct arenad_stats st = { .sz = sizeof(st) };
	struct query_view v = { .st = &st, .offline = true };
	struct offline o;
	size_t i, j, n = 0;
	__u32 *ids = NULL;
	int r;

	if (argc > 1)
		return cli_usage(cli, "%s takes no arguments, got '%s'", argv[0], argv[1]);
	r = offline_open(cli, &o);
	if (r)
		goto out;
	owners = calloc(o.n + 1, sizeof(*owners));
	ids = calloc(o.n + 1, sizeof(*ids));
	if (!owners || !ids) {
		r = cli_error(cli, CLI_EXIT_FAILURE, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < o.n; i++) {
		for (j = 0; j < n && strcmp(owners[j].owner, o.allocs[i].owner); j++)
			;
		if (j == n) {
			memcpy(owners[n].owner, o.allocs[i].owner, sizeof(owners[0].owner));
			ids[n++] = o.owner_ids[i];
		}
		owners[j].pages += o.allocs[i].pages;
		owners[j].allocations++;
	}
	r = objects_read(cli, &o, owners, ids, n, &sum);
	if (r)
		goto out;
	qsort(owners, n, sizeof(*owners), cmp_owner);
	st.page_size = ARENAD_PAGE_SIZE;
	st.pages_total = o.st.pages_total;
	st.pages_allocated = o.st.pages_allocated;
	st.pages_free = o.st.pages_total - o.st.pages_allocated;
	st.high_water_pages = o.st.high_water_pages;
	st.allocations = o.st.live_allocations;
	st.allocations_total = o.st.allocations;
	st.frees_total = o.st.frees;
	st.alloc_failures = o.st.alloc_failures;
	st.user_vm_start = o.st.user_vm_start;
	st.object_bytes = sum.object_bytes;
	st.objects = sum.objects;
	st.object_pages = sum.object_pages;
	st.object_allocs = sum.object_allocs;
	st.object_frees = sum.object_frees;
	st.object_failures = sum.object_failures;
	st.object_bad_frees = sum.object_bad_frees;
	st.object_dropped = sum.object_dropped;
	snprintf(st.pin_dir, sizeof(st.pin_dir), "%s (offline)", cli->pin_dir);
	if (cli->json) {
		json_object *j = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(j, "offline", json_object_new_boolean(true));
		json_object_object_add(j, "page_size", json_object_new_uint64(st.page_size));
		json_object_object_add(j, "pages_total", json_object_new_uint64(st.pages_total));
		json_object_object_add(j, "pages_allocated", json_object_new_uint64(st.pages_allocated));
		json_object_object_add(j, "pages_free", json_object_new_uint64(st.pages_free));
		json_object_object_add(j, "high_water_pages", json_object_new_uint64(st.high_water_pages));
		json_object_object_add(j, "allocations", json_object_new_uint64(st.allocations));
		json_object_object_add(j, "allocations_total", json_object_new_uint64(st.allocations_total));
		json_object_object_add(j, "frees_total", json_object_new_uint64(st.frees_total));
		json_object_object_add(j, "alloc_failures", json_object_new_uint64(st.alloc_failures));
		json_object_object_add(j, "pin_dir", json_object_new_string(cli->pin_dir));
		json_object_object_add(j, "objects", objects_json(&sum));
		for (i = 0; i < n; i++) {
			const struct arenad_owner_usage *u = &owners[i];
			json_object *e = json_object_new_object();

			json_object_object_add(e, "owner", json_object_new_string(u->owner));
			json_object_object_add(e, "pages", json_object_new_uint64(u->pages));
			json_object_object_add(e, "allocations", json_object_new_uint64(u->allocations));
			if (u->has_objects)
				json_object_object_add(e, "objects", objects_json(u));
			json_object_array_add(arr, e);
		}
		json_object_object_add(j, "owners", arr);
		cli_json_put(cli, j);
	} else {
		v.owners = owners;
		v.n_owners = n;
		query_print(&v);
	}
out:
	free(owners);
	free(ids);
	offline_close(&o);
	return r;
}

int cmd_ranges_offline(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{}
	};
	const char *owner = NULL;
	json_object *arr = NULL;
	struct offline o = {};
	size_t i;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'o')
			return CLI_EXIT_USAGE;
		owner = optarg;
	}
	if (optind < argc)
		return cli_usage(cli, "ranges takes no arguments, got '%s'", argv[optind]);
	r = offline_open(cli, &o);
	if (r)
		goto out;
	if (cli->json)
		arr = json_object_new_array();
	else
		ranges_header();
	for (i = 0; i < o.n; i++) {
		if (owner && strcmp(owner, o.allocs[i].owner))
			continue;
		if (arr)
			json_object_array_add(arr, alloc_json(&o.allocs[i]));
		else
			ranges_row(&o.allocs[i]);
	}
	if (arr)
		cli_json_put(cli, arr);
out:
	offline_close(&o);
	return r;
}

int cmd_lookup_offline(struct cli *cli, int argc, char **argv)
{
	struct offline o = {};
	size_t i;
	int r;

	if (argc != 2)
		return cli_usage(cli, "lookup needs one NAME");
	r = offline_open(cli, &o);
	if (r)
		goto out;
	for (i = 0; i < o.n && strcmp(o.allocs[i].name, argv[1]); i++)
		;
	if (i == o.n) {
		r = cli_error(cli, CLI_EXIT_NOT_FOUND, -ENOENT, "lookup: no allocation named '%s' in %s",
			      argv[1], cli->pin_dir);
	} else if (cli->json) {
		cli_json_put(cli, alloc_json(&o.allocs[i]));
	} else {
		ranges_header();
		ranges_row(&o.allocs[i]);
	}
out:
	offline_close(&o);
	return r;
}
