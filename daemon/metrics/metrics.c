// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Prometheus families: base units (bytes, seconds), _total for counters,
 * the arenad_ prefix. A scrape reads the managed arena's counters and
 * owner table (from memory unless an allocation changed them since the
 * last reader: counters.h, owners.h), the latest finished inventory of
 * every arena on the host (inventory.h) and the managed arena's latest
 * census, and the event stream's counts. It never runs a census: a stale inventory is refreshed on the
 * inventory's worker, for the next scrape, so a slow census cannot hold a
 * scrape up.
 *
 * Logging: per request, none; a failure returns -errno to the method or
 * the HTTP handler, which turn it into the reply.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "counters.h"
#include "daemon.h"
#include "events.h"
#include "inventory.h"
#include "metrics.h"
#include "owners.h"
#include "process_metrics.h"
#include "prom.h"
#include "tenant_metrics.h"
#include "scan.h"
#include "server.h"
#include "cleanup.h"
#include "util.h"
#include "arenad_version.h"

static void daemon_families(struct arenad *d, FILE *f)
{
	char abi[16];

	snprintf(abi, sizeof(abi), "%d", ARENAD_ABI_VERSION);
	prom_family(f, "arenad_up", PROM_GAUGE, "1 when arenad answered this scrape.");
	prom_sample_u64(f, "arenad_up", NULL, 1);
	prom_family(f, "arenad_build_info", PROM_GAUGE,
		    "arenad's version and ABI version as labels; the value is always 1.");
	prom_sample_u64(f, "arenad_build_info",
			(const char *const[]){ "version", ARENAD_VERSION, "abi", abi, NULL }, 1);
	prom_family(f, "arenad_clients", PROM_GAUGE, "Open connections on the control socket.");
	prom_sample_u64(f, "arenad_clients", NULL, d->server ? server_clients(d->server) : 0);
}

/* The event stream (`subscribe`): what its subscribers got and lost, and
 * what the allocator's ring buffer carried and refused. */
static void event_families(struct arenad *d, FILE *f)
{
	struct server_notify_stats n;
	struct events_stats e;

	server_notify_stats(d->server, &n);
	events_stats(d->events, &e);
	const struct prom_scalar families[] = {
		{ "arenad_event_subscribers", PROM_GAUGE,
		  "Connections subscribed to the event stream.", n.subscribers },
		{ "arenad_event_notifications_total", PROM_COUNTER,
		  "Notifications queued for subscribers of the event stream.", n.sent },
		{ "arenad_event_notifications_dropped_total", PROM_COUNTER,
		  "Notifications dropped because their subscriber's queue was full.", n.dropped },
		{ "arenad_event_records_total", PROM_COUNTER,
		  "Allocation and free records read from the allocator's ring buffer.", e.received },
		{ "arenad_event_records_dropped_total", PROM_COUNTER,
		  "Records the allocator could not write because its ring buffer was full.",
		  e.ring_dropped },
	};

	prom_scalars(f, families, ARRAY_SIZE(families));
}

/* Does the owner row o have a limit (its own or the default)? */
static bool row_limited(json_object *o)
{
	json_object *v;

	return json_object_object_get_ex(o, "limit", &v) && json_object_is_type(v, json_type_int);
}

/*
 * Page limits, in the style of Cilium's bpf_map_pressure: the limit in
 * bytes and the share of it in use, 0..1 (an owner whose limit was lowered
 * below what it holds is at 1), for owners with a limit; and the
 * refusals over it, apart from other failures.
 */
static void quota_families(FILE *f, json_object *table)
{
	size_t i, n = json_object_array_length(table);

	prom_family(f, "arenad_owner_quota_bytes", PROM_GAUGE,
		    "Page limit of an owner of the managed arena in bytes (its own or the default), "
		    "for owners with a limit.");
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(table, i);

		if (row_limited(o))
			prom_sample_u64(f, "arenad_owner_quota_bytes",
					(const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
					proto_get_u64(o, "limit") << ARENAD_PAGE_SHIFT);
	}
	prom_family(f, "arenad_owner_quota_pressure", PROM_GAUGE,
		    "Share of an owner's page limit in use, 0 to 1, for owners with a limit.");
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(table, i);
		__u64 limit = proto_get_u64(o, "limit"), pages = proto_get_u64(o, "pages");

		if (row_limited(o))
			prom_sample_double(f, "arenad_owner_quota_pressure",
					   (const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
					   pages >= limit ? 1.0 : (double)pages / limit);
	}
	prom_family(f, "arenad_owner_quota_refusals_total", PROM_COUNTER,
		    "Allocations refused because they would have taken an owner over its page limit "
		    "(or its uid over the uid's), by owner.");
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(table, i);

		prom_sample_u64(f, "arenad_owner_quota_refusals_total",
				(const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
				proto_get_u64(o, "quota_refusals"));
	}
	prom_family(f, "arenad_owner_alloc_failures_total", PROM_COUNTER,
		    "Allocations that failed for another reason than a limit (no free run of "
		    "pages, a name in use), by owner.");
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(table, i);

		prom_sample_u64(f, "arenad_owner_alloc_failures_total",
				(const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
				proto_get_u64(o, "failures"));
	}
}

/*
 * Objects (arenad_malloc() in BPF programs), by owner, for owners that
 * have or had some: bytes and objects to the byte, the pages held for
 * them (also in arenad_owner_allocated_bytes), what those pages hold
 * beyond the objects, and the calls.
 */
static void object_families(FILE *f, json_object *table)
{
	static const struct {
		const char *name;
		enum prom_type type;
		const char *key, *help;
	} fams[] = {
		{ "arenad_owner_object_bytes", PROM_GAUGE, "bytes",
		  "Bytes of live objects (arenad_malloc() sizes, as asked for), by owner." },
		{ "arenad_owner_objects", PROM_GAUGE, "objects",
		  "Live objects, by owner." },
		{ "arenad_owner_object_pages", PROM_GAUGE, "pages",
		  "Pages held for objects, by owner (also in arenad_owner_allocated_bytes)." },
		{ "arenad_owner_object_fragmentation_bytes", PROM_GAUGE, "fragmentation_bytes",
		  "Bytes of the pages held for objects that no live object uses, by owner." },
		{ "arenad_owner_object_allocs_total", PROM_COUNTER, "allocs",
		  "arenad_malloc() calls that returned an object, by owner." },
		{ "arenad_owner_object_frees_total", PROM_COUNTER, "frees",
		  "arenad_free() calls that freed an object, by owner." },
		{ "arenad_owner_object_failures_total", PROM_COUNTER, "failures",
		  "arenad_malloc() calls that returned NULL, by owner." },
		{ "arenad_owner_object_bad_frees_total", PROM_COUNTER, "bad_frees",
		  "arenad_free() calls of no live object's address (double frees), by the "
		  "caller's owner." },
		{ "arenad_owner_object_dropped_total", PROM_COUNTER, "dropped",
		  "Objects dropped by free --orphans --objects after their loader was gone, by owner." },
	};
	size_t i, k, n = json_object_array_length(table);

	for (k = 0; k < ARRAY_SIZE(fams); k++) {
		prom_family(f, fams[k].name, fams[k].type, fams[k].help);
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(table, i), *ob;

			if (!json_object_object_get_ex(o, "objects", &ob))
				continue;
			prom_sample_u64(f, fams[k].name,
					(const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
					proto_get_u64(ob, fams[k].key));
		}
	}
}

static int owner_families(struct arenad *d, FILE *f, const struct arenad_state *st)
{
	json_object *table = owners_table(d->owners, st);	/* borrowed */
	size_t i, n;

	if (!table)
		return -ENOMEM;
	prom_family(f, "arenad_owner_allocated_bytes", PROM_GAUGE,
		    "Bytes of the managed arena allocated through arenad, by owner.");
	n = json_object_array_length(table);
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(table, i);

		prom_sample_u64(f, "arenad_owner_allocated_bytes",
				(const char *const[]){ "owner", proto_get_str(o, "owner"), NULL },
				proto_get_u64(o, "pages") << ARENAD_PAGE_SHIFT);
	}
	quota_families(f, table);
	object_families(f, table);
	return 0;
}

/* One arena on the host, as the per-arena families show it. */
struct arena_row {
	__u32 map_id;
	char name[BPF_OBJ_NAME_LEN];
	bool managed;
	__u64 size_bytes;
	bool census;		/* present_bytes is known */
	__u64 present_bytes;
	bool users;		/* programs and processes are known */
	__u32 programs;
	__u32 processes;
	bool pins_known;
	__u32 pins;
};

static void arena_labels(const struct arena_row *a, char *id, size_t idlen,
			 const char *labels[7])
{
	snprintf(id, idlen, "%u", a->map_id);
	labels[0] = "map_id";
	labels[1] = id;
	labels[2] = "name";
	labels[3] = a->name;
	labels[4] = "managed";
	labels[5] = a->managed ? "true" : "false";
	labels[6] = NULL;
}

/* Each family's header once, then its samples: the format wants all
 * samples of a family together. */
static void arena_rows(FILE *f, const struct arena_row *rows, size_t n)
{
	const char *labels[7];
	char id[16];
	size_t i;

	prom_family(f, "arenad_arena_size_bytes", PROM_GAUGE,
		    "Size of each BPF arena on the host (max_entries pages).");
	for (i = 0; i < n; i++) {
		arena_labels(&rows[i], id, sizeof(id), labels);
		prom_sample_u64(f, "arenad_arena_size_bytes", labels, rows[i].size_bytes);
	}
	prom_family(f, "arenad_arena_present_bytes", PROM_GAUGE,
		    "Bytes of each arena backed by memory at its latest census; absent while no verified census method works for it.");
	for (i = 0; i < n; i++) {
		if (!rows[i].census)
			continue;
		arena_labels(&rows[i], id, sizeof(id), labels);
		prom_sample_u64(f, "arenad_arena_present_bytes", labels, rows[i].present_bytes);
	}
	prom_family(f, "arenad_arena_programs", PROM_GAUGE,
		    "Loaded BPF programs that use each arena.");
	for (i = 0; i < n; i++) {
		if (!rows[i].users)
			continue;
		arena_labels(&rows[i], id, sizeof(id), labels);
		prom_sample_u64(f, "arenad_arena_programs", labels, rows[i].programs);
	}
	prom_family(f, "arenad_arena_processes", PROM_GAUGE,
		    "Processes holding an fd on each arena or having it mapped.");
	for (i = 0; i < n; i++) {
		if (!rows[i].users)
			continue;
		arena_labels(&rows[i], id, sizeof(id), labels);
		prom_sample_u64(f, "arenad_arena_processes", labels, rows[i].processes);
	}
	prom_family(f, "arenad_arena_pins", PROM_GAUGE,
		    "Pins of each arena map on the BPF file systems arenad sees.");
	for (i = 0; i < n; i++) {
		if (!rows[i].pins_known)
			continue;
		arena_labels(&rows[i], id, sizeof(id), labels);
		prom_sample_u64(f, "arenad_arena_pins", labels, rows[i].pins);
	}
}

/* How old the latest inventory may be before a scrape asks for a new one
 * (on the inventory's worker: the scrape itself never waits for it). */
#define INVENTORY_REFRESH_USEC (5 * 1000000ULL)

/* Without an inventory (its iterator did not load): the managed arena
 * alone, from the daemon's own census. */
static int managed_row(struct arenad *d, FILE *f)
{
	const struct scan_summary *last = scanner_last(d->scanner);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct arena_row row = {
		.map_id = d->arena->map_id,
		.managed = true,
		.size_bytes = (__u64)d->arena->ident.pages_total << ARENAD_PAGE_SHIFT,
		.census = last->valid,
		.present_bytes = (__u64)last->pages_present << ARENAD_PAGE_SHIFT,
	};

	if (!bpf_map_get_info_by_fd(arenad_pins__arena_fd(d->arena->pins), &info, &len))
		memcpy(row.name, info.name, sizeof(row.name));
	arena_rows(f, &row, 1);
	return 0;
}

/* The latest inventory's timing, for census_family(). */
struct census_time {
	bool valid;
	__u64 duration_us;
	__u64 when_usec;	/* CLOCK_MONOTONIC */
};

static int arena_families(struct arenad *d, FILE *f, struct census_time *inv)
{
	const struct scan_summary *last = scanner_last(d->scanner);
	struct inv_list *l;
	struct arena_row *rows;
	bool users;
	size_t i;

	if (!d->inventory)
		return managed_row(d, f);
	l = inventory_latest(d->inventory);
	inventory_refresh(d->inventory, l, INVENTORY_REFRESH_USEC);
	if (!l)		/* the first inventory is still running */
		return managed_row(d, f);
	users = inventory_users_known(d->inventory);
	rows = calloc(l->n ?: 1, sizeof(*rows));
	if (!rows) {
		inv_list_unref(l);
		return -ENOMEM;
	}
	for (i = 0; i < l->n; i++) {
		const struct inv_arena *a = &l->arenas[i];

		rows[i] = (struct arena_row) {
			.map_id = a->map_id,
			.managed = a->managed,
			.size_bytes = (__u64)a->pages_total * a->page_size,
			.census = a->census_ok,
			.present_bytes = (__u64)a->pages_present * a->page_size,
			.users = users,
			.programs = a->n_progs,
			.processes = a->n_procs,
			.pins_known = l->pins_known,
			.pins = a->n_pins,
		};
		/* The managed arena's own census (scan, --census-interval)
		 * may have finished after the inventory: the latest wins. */
		if (a->managed && last->valid && last->when_usec > l->when_usec) {
			rows[i].census = true;
			rows[i].present_bytes = (__u64)last->pages_present << ARENAD_PAGE_SHIFT;
		}
		memcpy(rows[i].name, a->name, sizeof(rows[i].name));
		rows[i].name[sizeof(rows[i].name) - 1] = 0;
	}
	*inv = (struct census_time) { true, l->duration_us, l->when_usec };
	inv_list_unref(l);
	arena_rows(f, rows, i);
	free(rows);
	return 0;
}

/* A CLOCK_MONOTONIC time as Unix time: Prometheus compares ages with
 * time(), and a timestamp, unlike an age, stays right between scrapes. */
static double unix_seconds(__u64 monotonic_usec)
{
	return (now_usec(CLOCK_REALTIME) - (double)(now_usec(CLOCK_MONOTONIC) - monotonic_usec)) / 1e6;
}

/* The inventory's duration and end when there is one (every arena on the
 * host), else those of the managed arena's latest census. */
static void census_family(struct arenad *d, FILE *f, const struct census_time *inv)
{
	const struct scan_summary *last = scanner_last(d->scanner);

	if (!inv->valid && !last->valid)
		return;
	prom_family(f, "arenad_census_duration_seconds", PROM_GAUGE,
		    "How long the latest finished census took: of every arena on the host, or of the managed arena alone when arenad cannot list the others.");
	prom_sample_double(f, "arenad_census_duration_seconds", NULL,
			   (inv->valid ? inv->duration_us : last->duration_us) / 1e6);
	prom_family(f, "arenad_census_timestamp_seconds", PROM_GAUGE,
		    "Unix time at which the census that arenad_census_duration_seconds reports finished.");
	prom_sample_double(f, "arenad_census_timestamp_seconds", NULL,
			   unix_seconds(inv->valid ? inv->when_usec : last->when_usec));
}

static int managed_families(struct arenad *d, FILE *f)
{
	const struct scan_summary *last = scanner_last(d->scanner);
	struct arenad_state st;
	int r;

	r = counters_read(d->counters, &st);
	if (r < 0)
		return r;
	const struct prom_scalar families[] = {
		{ "arenad_allocated_bytes", PROM_GAUGE,
		  "Bytes of the managed arena allocated through arenad's allocator.",
		  st.pages_allocated << ARENAD_PAGE_SHIFT },
		{ "arenad_allocations", PROM_GAUGE, "Live allocations in the managed arena.",
		  st.live_allocations },
		{ "arenad_allocations_total", PROM_COUNTER,
		  "Allocations made in the managed arena since it was created.", st.allocations },
		{ "arenad_frees_total", PROM_COUNTER,
		  "Allocations freed in the managed arena since it was created.", st.frees },
		{ "arenad_alloc_failures_total", PROM_COUNTER,
		  "Allocation requests the managed arena could not satisfy (quota refusals aside).",
		  st.alloc_failures },
		{ "arenad_quota_refusals_total", PROM_COUNTER,
		  "Allocation requests refused over an owner's or a uid's page limit "
		  "(not in arenad_alloc_failures_total).", st.quota_refusals },
		{ "arenad_high_water_bytes", PROM_GAUGE,
		  "Most bytes of the managed arena ever allocated at once.",
		  st.high_water_pages << ARENAD_PAGE_SHIFT },
	};

	prom_scalars(f, families, ARRAY_SIZE(families));
	if (last->valid) {
		prom_family(f, "arenad_unaccounted_bytes", PROM_GAUGE,
			    "Present bytes of the managed arena that no ledger range accounts for, at the latest census.");
		prom_sample_u64(f, "arenad_unaccounted_bytes", NULL,
				(__u64)last->pages_unaccounted << ARENAD_PAGE_SHIFT);
	}
	return owner_families(d, f, &st);
}

int metrics_render(struct arenad *d, bool own_process, char **text, size_t *len)
{
	struct census_time inv = {};
	struct process_figures proc;
	FILE *f;
	int r;

	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -errno;
	/* One thread writes this stream: no lock per character. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	daemon_families(d, f);
	event_families(d, f);
	r = arena_families(d, f, &inv);
	census_family(d, f, &inv);
	if (r >= 0)
		r = managed_families(d, f);
	if (r >= 0)
		tenant_families(f, d->orphans, d->leases);
	/* Without /proc (a sandbox that hides it) the scrape goes on
	 * without them, as client libraries do. */
	if (r >= 0 && own_process && process_figures_read(&proc) >= 0)
		process_families(f, &proc);
	if (r >= 0 && ferror(f))
		r = -ENOMEM;
	if (fclose(f) && r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}
