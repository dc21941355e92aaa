// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The method table, and the methods about the daemon itself: ping,
 * version, stats, metrics. Protocol framing, permissions and the declared
 * parameters are checked in rpc.c before a handler runs (methods.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "census.h"
#include "counters.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "methods.h"
#include "metrics.h"
#include "owners.h"
#include "scan.h"
#include "server.h"
#include "startup.h"
#include "util.h"
#include "arenad_version.h"

/* A census can take long (the full method probes every page): every peer
 * may run one, but peers that may not write together get one per
 * READER_CENSUS_USEC. */
#define READER_CENSUS_USEC	1000000ULL

struct methods_state {
	__u64 reader_census_usec;	/* last census by a peer that may not write */
};

int methods_state_new(struct methods_state **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

struct methods_state *methods_state_free(struct methods_state *m)
{
	free(m);
	return NULL;
}

unsigned int methods_reader_census_wait(struct methods_state *m)
{
	__u64 now = now_usec(CLOCK_MONOTONIC);

	if (m->reader_census_usec && now - m->reader_census_usec < READER_CENSUS_USEC)
		return (READER_CENSUS_USEC - (now - m->reader_census_usec)) / 1000 + 1;
	m->reader_census_usec = now;
	return 0;
}

int methods_internal_error(struct rpc_call *call, int r, const char *what)
{
	log_error_errno(r, "%s", what);
	return rpc_call_error(call, ARENAD_RPC_INTERNAL_ERROR, "%s: %s", what, strerror(-r));
}

int methods_job_error(struct rpc_call *call, int r, const char *what)
{
	if (r == -ENOMEM)
		return rpc_call_oom(call);
	if (r == -ECANCELED)
		return rpc_call_error(call, ARENAD_RPC_INTERNAL_ERROR, "shutting down");
	return methods_internal_error(call, r, what);
}

static int m_ping(struct rpc_call *call, void *userdata)
{
	struct json_writer *w = rpc_call_result(call);

	json_w_object(w);
	json_w_member(w, "pong", str, "arenad");
	json_w_object_end(w);
	return rpc_call_reply(call);
}

/* Why no census method is in use (census_method() gave NULL). */
static const char *census_none_why(struct arenad *d)
{
	if (!d->census && startup_running(d->startup))
		return "starting: the census self-test is running";
	return scanner_unavailable(d->scanner);
}

/* Which census method is in use, or why there is none. */
static void census_write(struct arenad *d, struct json_writer *w)
{
	const char *m = d->census ?
		census_method_name(census_verdict(d->census, CENSUS_MANAGED)->method) : NULL;

	json_w_member(w, "census_method", str, m);
	if (!m)
		json_w_member(w, "census_unavailable", str, census_none_why(d));
}

static int m_version(struct rpc_call *call, void *userdata)
{
	struct json_writer *w = rpc_call_result(call);
	struct arenad *d = userdata;

	json_w_object(w);
	json_w_member(w, "version", str, ARENAD_VERSION);
	json_w_member(w, "abi", u64, ARENAD_ABI_VERSION);
	json_w_member(w, "protocol", str, "jsonrpc-2.0");
	/* true until the census and the inventory are loaded (startup.h) */
	json_w_member(w, "starting", bool, startup_running(d->startup));
	census_write(d, w);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

/* The event stream: its subscribers, what they hold, what was lost. */
static void events_write(struct arenad *d, struct json_writer *w)
{
	struct server_notify_stats n;
	struct events_stats e;

	server_notify_stats(d->server, &n);
	events_stats(d->events, &e);
	json_w_key(w, "events");
	json_w_object(w);
	json_w_member(w, "subscribers", u64, n.subscribers);
	json_w_member(w, "queued_bytes", u64, n.queued_bytes);
	json_w_member(w, "held_bytes", u64, n.held_bytes);
	json_w_member(w, "sent", u64, n.sent);
	json_w_member(w, "dropped", u64, n.dropped);
	json_w_member(w, "received", u64, e.received);
	json_w_member(w, "ring_dropped", u64, e.ring_dropped);
	json_w_object_end(w);
}

/* The arena's objects: the sums over the owner table's "objects". */
static void objects_write(const struct owners_objects *b, struct json_writer *w)
{
	json_w_key(w, "objects");
	json_w_object(w);
	json_w_member(w, "bytes", u64, b->bytes);
	json_w_member(w, "objects", u64, b->objects);
	json_w_member(w, "pages", u64, b->pages);
	json_w_member(w, "fragmentation_bytes", u64, owners_objects_fragmentation(b));
	json_w_member(w, "allocs", u64, b->allocs);
	json_w_member(w, "frees", u64, b->frees);
	json_w_member(w, "failures", u64, b->failures);
	json_w_member(w, "bad_frees", u64, b->bad_frees);
	json_w_member(w, "dropped", u64, b->dropped);
	json_w_object_end(w);
}

/*
 * stats is the method monitors poll: the counters come from the mmapped
 * state map and the owner table's text is cached per ledger generation
 * (owners.h): a stats without an allocation in between costs no syscall
 * and no allocation but the reply's.
 */
static void stats_write(struct arenad *d, const struct arenad_state *st,
			const char *owners, size_t owners_len, const struct owners_objects *objs,
			struct json_writer *w)
{
	const struct scan_summary *last = scanner_last(d->scanner);
	__u64 now = now_usec(CLOCK_MONOTONIC);

	json_w_object(w);
	json_w_member(w, "page_size", u64, ARENAD_PAGE_SIZE);
	json_w_member(w, "pages_total", u64, st->pages_total);
	json_w_member(w, "pages_allocated", u64, st->pages_allocated);
	json_w_member(w, "pages_free", u64, st->pages_total - st->pages_allocated);
	json_w_member(w, "bytes_allocated", u64, st->pages_allocated << ARENAD_PAGE_SHIFT);
	json_w_member(w, "high_water_pages", u64, st->high_water_pages);
	json_w_member(w, "allocations", u64, st->live_allocations);
	json_w_member(w, "allocations_total", u64, st->allocations);
	json_w_member(w, "frees_total", u64, st->frees);
	json_w_member(w, "alloc_failures", u64, st->alloc_failures);
	json_w_member(w, "quota_refusals", u64, st->quota_refusals);
	if (ARENAD_QUOTA_IS_SET(st->quota_default))
		json_w_member(w, "quota_default", u64, ARENAD_QUOTA_PAGES(st->quota_default));
	else
		json_w_member(w, "quota_default", str, NULL);
	json_w_member(w, "map_id", u64, d->arena->map_id);
	json_w_member(w, "user_vm_start", hex, st->user_vm_start);
	json_w_member(w, "pin_dir", str, d->cfg->pin_dir);
	json_w_member(w, "segv_on_fault", bool, st->map_flags & ARENAD_F_SEGV_ON_FAULT);
	json_w_member(w, "numa_node", i64, st->numa_node);
	json_w_member(w, "uptime_s", u64, (now - d->start_usec) / 1000000);
	json_w_member(w, "clients", u64, server_clients(d->server));
	json_w_member(w, "created_s", u64, st->created_ns / 1000000000ULL);
	census_write(d, w);
	if (last->valid) {
		json_w_member(w, "pages_present", u64, last->pages_present);
		json_w_member(w, "pages_unaccounted", u64, last->pages_unaccounted);
		json_w_member(w, "pages_missing", u64, last->pages_missing);
		json_w_member(w, "census_age_s", u64, (now - last->when_usec) / 1000000);
	}
	events_write(d, w);
	objects_write(objs, w);
	json_w_member(w, "owners", raw, owners, owners_len);
	json_w_object_end(w);
}

static int m_stats(struct rpc_call *call, void *userdata)
{
	struct arenad *d = userdata;
	struct arenad_state st;
	const struct owners_objects *objs;
	const char *owners;
	size_t owners_len;
	int r;

	r = counters_read(d->counters, &st);
	if (r < 0)
		return methods_internal_error(call, r, "read state map");
	r = owners_text(d->owners, &st, &owners, &owners_len);
	if (r < 0)
		return methods_internal_error(call, r, "owner table");
	objs = owners_objects(d->owners);	/* that table's */
	stats_write(d, &st, owners, owners_len, objs, rpc_call_result(call));
	return rpc_call_reply(call);
}

static int m_metrics(struct rpc_call *call, void *userdata)
{
	_cleanup_free_ char *text = NULL;
	struct json_writer *w;
	size_t len;
	int r;

	r = metrics_render(userdata, false, &text, &len);
	if (r < 0)
		return methods_internal_error(call, r, "render metrics");
	w = rpc_call_result(call);
	json_w_object(w);
	json_w_member(w, "text", strn, text, len);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

/* Every method: the one place a request's path branches (rpc.c). */
const struct rpc_method daemon_methods[] = {
	{ .name = "ping", .handler = m_ping },
	{ .name = "version", .handler = m_version },
	{ .name = "stats", .handler = m_stats },
	{ .name = "ranges", .handler = m_ranges, .params = m_ranges_params, .heavy = true },
	{ .name = "lookup", .handler = m_lookup, .params = m_lookup_params },
	{ .name = "scan", .handler = m_scan, .params = m_scan_params, .heavy = true },
	{ .name = "metrics", .handler = m_metrics },
	{ .name = "arenas", .handler = m_arenas, .heavy = true },
	{ .name = "who", .handler = m_who, .params = m_who_params, .heavy = true },
	{ .name = "alloc", .handler = m_alloc, .params = m_alloc_params, .write = true },
	{ .name = "free", .handler = m_free, .params = m_free_params, .write = true },
	/* free needs root: the handler checks (a list does not) */
	{ .name = "orphans", .handler = m_orphans, .params = m_orphans_params, .heavy = true },
	/* set needs a writer: the handler checks (get and list do not) */
	{ .name = "quota", .handler = m_quota, .params = m_quota_params },
	{ .name = "subscribe", .handler = m_subscribe, .params = m_subscribe_params },
};
const size_t daemon_n_methods = ARRAY_SIZE(daemon_methods);
