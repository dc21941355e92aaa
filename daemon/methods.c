// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The socket methods. Each handler validates its params, talks to the
 * pinned maps or runs the allocator, and builds a json-c result. Protocol
 * framing and permission checks happen in rpc.c before a handler runs.
 *
 * Results are built with rpc_put()/rpc_append() (or add_u64/add_str), never
 * json_object_object_add(): a json-c allocation that fails then becomes an
 * -32603 reply instead of an assertion (test_methods_oom).
 *
 * Logging: a handler reports a client's mistake only in its error reply;
 * an unexpected failure goes through internal_error(), which logs it once
 * and replies. Helpers below return -errno and do not log (log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <systemd/sd-event.h>

#include "census.h"
#include "cleanup.h"
#include "counters.h"
#include "daemon.h"
#include "json_out.h"
#include "log.h"
#include "metrics.h"
#include "owners.h"
#include "server.h"
#include "startup.h"
#include "status.h"
#include "worker.h"
#include "util.h"
#include "refusal.h"
#include "arenad_version.h"

#define STR_MAX (ARENAD_STR_LEN - 1)
#define SCAN_READER_USEC (1000 * 1000ULL)

static const struct arenad_pins *pins_of(struct arenad *d)
{
	return d->arena->pins;
}

static __u64 base_of(struct arenad *d)
{
	return d->arena->ident.user_vm_start;
}

static void add_u64(json_object *o, const char *k, __u64 v)
{
	rpc_put(o, k, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	rpc_put(o, k, json_object_new_string(v));
}

static int internal_error(struct rpc_error *err, int r, const char *what)
{
	log_error_errno(r, "%s", what);
	return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "%s: %s", what, strerror(-r));
}

/* The error of a job that came back from a worker with r < 0 (-ECANCELED:
 * the daemon stopped before it ran). */
static void job_error(struct rpc_error *err, int r, const char *what)
{
	if (r == -ENOMEM)
		rpc_oom(err);
	else if (r == -ECANCELED)
		rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "shutting down");
	else
		internal_error(err, r, what);
}

/*
 * Owner strings while one request lists many ranges: a few owners hold
 * most of them, and every string lookup is a syscall: looked up per range
 * they are a large share of a long reply's cost. Names are not kept: each
 * is looked up once.
 */
#define OWNER_CACHE 16

/* NULL when the id's string was freed: see range_json(). */
static const char *owner_string(struct owner_strings *c, __u32 id)
{
	const char *s;

	return owner_strings_get(c, id, &s) == -ENOENT ? NULL : s;
}

/*
 * The ledger stamps allocations with bpf_ktime_get_boot_ns() (a clock that
 * counts suspend too): Unix time is that plus the boot's wall-clock time.
 */
static __u64 boot_ns_to_unix_s(__u64 boot_ns)
{
	__u64 boot_at = now_usec(CLOCK_REALTIME) * 1000 - now_usec(CLOCK_BOOTTIME) * 1000;

	return (boot_at + boot_ns) / 1000000000ULL;
}

/*
 * A ledger entry as the protocol shows it in *out: 0, -ENOMEM, or -ENOENT
 * when the allocation is gone: it was read from the ledger, then freed
 * before its strings were read. Every live allocation holds its owner and
 * name strings, so a string that is no longer there proves the free.
 */
static int range_json(struct arenad *d, struct owner_strings *owners, struct owner_strings *names,
		      const struct arenad_range *r, json_object **out)
{
	json_object *o;
	const char *owner = owner_string(owners, r->owner);
	const char *name = owner_string(names, r->name);

	*out = NULL;
	if (!owner || !name)
		return -ENOENT;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	rpc_put(o, "addr", proto_addr_new(base_of(d) + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT)));
	add_u64(o, "offset", (__u64)r->pgoff << ARENAD_PAGE_SHIFT);
	add_u64(o, "pages", r->pages);
	add_str(o, "owner", owner);
	if (r->name)
		add_str(o, "name", name);
	add_u64(o, "uid", r->uid);
	if (r->time_ns)
		add_u64(o, "created_s", boot_ns_to_unix_s(r->time_ns));
	*out = o;
	return 0;
}

static const char *const no_params[] = { NULL };

static int m_ping(void *ctx, const struct rpc_peer *peer, json_object *params,
		  json_object **result, struct rpc_error *err)
{
	if (rpc_params_only(params, no_params, err))
		return -1;
	*result = json_object_new_object();
	add_str(*result, "pong", "arenad");
	return 0;
}

/* Why no census method is in use (the verdict's method is 0). */
static const char *census_none_why(struct arenad *d)
{
	if (d->census)
		return census_verdict_unavailable(census_verdict(d->census, CENSUS_MANAGED));
	return startup_running(d->startup) ? "starting: the census self-test is running"
			   : "the census could not be loaded (see the log)";
}

/* Which census method is in use, or why there is none. */
static void census_json(struct arenad *d, json_object *o)
{
	const char *m = d->census ? census_method_name(census_verdict(d->census, CENSUS_MANAGED)->method) : NULL;

	rpc_put_or_null(o, "census_method", m ? json_object_new_string(m) : NULL, !m);
	if (!m)
		add_str(o, "census_unavailable", census_none_why(d));
}

static int m_version(void *ctx, const struct rpc_peer *peer, json_object *params,
		     json_object **result, struct rpc_error *err)
{
	struct arenad *d = ctx;

	if (rpc_params_only(params, no_params, err))
		return -1;
	*result = json_object_new_object();
	add_str(*result, "version", ARENAD_VERSION);
	add_u64(*result, "abi", ARENAD_ABI_VERSION);
	add_str(*result, "protocol", "jsonrpc-2.0");
	/* true until the census and the inventory are loaded (startup.h) */
	rpc_put(*result, "starting", json_object_new_boolean(startup_running(d->startup)));
	census_json(d, *result);
	return 0;
}

/* The members of stats' result as JSON text: ,"key":value */
#define KEY(b, k)	json_buf_lit(b, ",\"" k "\":")

static int put_str_member(struct json_buf *b, const char *s)
{
	return json_buf_string(b, s, strlen(s));
}

/*
 * stats is the method monitors poll: its result is written as text, in
 * the member order of the json-c objects it used to be built from. The
 * counters come from the mmapped state map and the owner table's text is
 * cached per ledger generation (owners.h): a stats without an allocation
 * in between costs no syscall and no allocation but the reply's.
 */
static int stats_text(struct arenad *d, const struct arenad_state *st,
		      const char *owners, size_t owners_len, struct json_buf *b)
{
	const char *census = d->census ? census_method_name(census_verdict(d->census, CENSUS_MANAGED)->method) : NULL;
	__u64 now = now_usec(CLOCK_MONOTONIC);
	int r = 0;

	r |= json_buf_lit(b, "{\"page_size\":");
	r |= json_buf_u64(b, ARENAD_PAGE_SIZE);
	r |= KEY(b, "pages_total");
	r |= json_buf_u64(b, st->pages_total);
	r |= KEY(b, "pages_allocated");
	r |= json_buf_u64(b, st->pages_allocated);
	r |= KEY(b, "pages_free");
	r |= json_buf_u64(b, st->pages_total - st->pages_allocated);
	r |= KEY(b, "bytes_allocated");
	r |= json_buf_u64(b, st->pages_allocated << ARENAD_PAGE_SHIFT);
	r |= KEY(b, "high_water_pages");
	r |= json_buf_u64(b, st->high_water_pages);
	r |= KEY(b, "allocations");
	r |= json_buf_u64(b, st->live_allocations);
	r |= KEY(b, "allocations_total");
	r |= json_buf_u64(b, st->allocations);
	r |= KEY(b, "frees_total");
	r |= json_buf_u64(b, st->frees);
	r |= KEY(b, "alloc_failures");
	r |= json_buf_u64(b, st->alloc_failures);
	r |= KEY(b, "map_id");
	r |= json_buf_u64(b, d->arena->map_id);
	r |= KEY(b, "user_vm_start");
	r |= json_buf_hex(b, st->user_vm_start);
	r |= KEY(b, "pin_dir");
	r |= put_str_member(b, d->cfg->pin_dir);
	r |= KEY(b, "segv_on_fault");
	r |= st->map_flags & ARENAD_F_SEGV_ON_FAULT ? json_buf_lit(b, "true")
						    : json_buf_lit(b, "false");
	r |= KEY(b, "numa_node");
	r |= json_buf_i64(b, st->numa_node);
	r |= KEY(b, "uptime_s");
	r |= json_buf_u64(b, (now - d->start_usec) / 1000000);
	r |= KEY(b, "clients");
	r |= json_buf_u64(b, server_clients(d->server));
	r |= KEY(b, "created_s");
	r |= json_buf_u64(b, st->created_ns / 1000000000ULL);
	r |= KEY(b, "census_method");
	if (census) {
		r |= put_str_member(b, census);
	} else {
		r |= json_buf_lit(b, "null");
		r |= KEY(b, "census_unavailable");
		r |= put_str_member(b, census_none_why(d));
	}
	if (d->last_scan.valid) {
		r |= KEY(b, "pages_present");
		r |= json_buf_u64(b, d->last_scan.pages_present);
		r |= KEY(b, "pages_unaccounted");
		r |= json_buf_u64(b, d->last_scan.pages_unaccounted);
		r |= KEY(b, "pages_missing");
		r |= json_buf_u64(b, d->last_scan.pages_missing);
		r |= KEY(b, "census_age_s");
		r |= json_buf_u64(b, (now - d->last_scan.when_usec) / 1000000);
	}
	r |= KEY(b, "owners");
	r |= json_buf_put(b, owners, owners_len);
	r |= json_buf_lit(b, "}");
	return r < 0 ? -ENOMEM : 0;
}

static int m_stats(void *ctx, const struct rpc_peer *peer, json_object *params,
		   struct json_buf *out, struct rpc_error *err)
{
	static const char *const keys[] = { NULL };
	struct arenad *d = ctx;
	struct arenad_state st;
	const char *owners;
	size_t owners_len;
	int ret;

	if (rpc_params_only(params, keys, err))
		return -1;
	ret = counters_read(d->counters, &st);
	if (ret < 0)
		return internal_error(err, ret, "read state map");
	ret = owners_text(d->owners, &st, &owners, &owners_len);
	if (ret < 0)
		return internal_error(err, ret, "owner table");
	if (stats_text(d, &st, owners, owners_len, out) < 0)
		return rpc_oom(err);
	return 0;
}

static int check_range(struct arenad *d, __u64 addr, struct rpc_error *err)
{
	const struct arenad_state *id = &d->arena->ident;
	__u64 size = (__u64)id->pages_total << ARENAD_PAGE_SHIFT;

	if (addr < id->user_vm_start || addr - id->user_vm_start >= size)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "address 0x%llx is outside the arena [0x%llx, 0x%llx)",
				     (unsigned long long)addr,
				     (unsigned long long)id->user_vm_start,
				     (unsigned long long)(id->user_vm_start + size));
	if (addr & (ARENAD_PAGE_SIZE - 1))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "address 0x%llx is not page aligned", (unsigned long long)addr);
	return 0;
}

/* The allocator refused req with r: the words and code of libarenad's
 * table (refusal.h); an error it does not refuse with is ours. */
static int refused(struct arenad *d, const struct arenad_req *req, int r, struct rpc_error *err)
{
	struct arenad_state st;
	char msg[sizeof(err->message)];
	int code = libarenad_refusal(r, req, r == -ENOMEM && !arenad_pins__state(pins_of(d), &st)
				     ? &st : NULL, msg, sizeof(msg));

	if (code == ARENAD_RPC_INTERNAL_ERROR)
		return internal_error(err, r, "run the allocator");
	return rpc_set_error(err, code, "%s", msg);
}

/*
 * A fixed-address allocation found its pages taken. Say by whom: the
 * ledger's allocations in the window, and for the rest of the taken pages
 * the only other way they can be taken, outside arenad, which only a
 * census shows.
 */
static int busy_error(struct arenad *d, const struct arenad_req *req, struct rpc_error *err)
{
	_cleanup_free_ struct arenad_range *recs = NULL;
	__u32 first = (req->addr - d->arena->ident.user_vm_start) >> ARENAD_PAGE_SHIFT;
	__u32 last = first + req->pages;	/* exclusive */
	struct owner_strings *strs = owners_strings(d->owners);
	char owner[ARENAD_STR_LEN], name[ARENAD_STR_LEN];
	const char *s;
	const struct arenad_range *hit = NULL;
	char what[sizeof(err->message)];
	__u32 ledger = 0;
	size_t i, n;
	int code = libarenad_refusal(-EBUSY, req, NULL, what, sizeof(what));

	if (arenad_pins__ranges(pins_of(d), &recs, &n) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		__u32 s = recs[i].pgoff, e = recs[i].pgoff + recs[i].pages;

		if (e <= first || s >= last)
			continue;
		ledger += (e < last ? e : last) - (s > first ? s : first);
		if (!hit)
			hit = &recs[i];
	}
	if (!hit)
		return rpc_set_error(err, code,
				     "%s: none of them is in the "
				     "ledger, so they are present but unaccounted (allocated outside "
				     "arenad, or reserved); 'arenactl-client scan' lists them and who "
				     "uses the arena", what);
	owner_strings_get(strs, hit->owner, &s);
	snprintf(owner, sizeof(owner), "%s", s);
	owner_strings_get(strs, hit->name, &s);
	snprintf(name, sizeof(name), "%s", s);
	return rpc_set_error(err, code,
			     "%s: %u of the %u are in the ledger "
			     "(first: 0x%llx..+%u of owner '%s'%s%s%s)%s",
			     what, ledger, req->pages,
			     (unsigned long long)(d->arena->ident.user_vm_start +
						  ((__u64)hit->pgoff << ARENAD_PAGE_SHIFT)),
			     hit->pages, owner, hit->name ? ", name '" : "", hit->name ? name : "",
			     hit->name ? "'" : "",
			     ledger < req->pages ? "; the others may be present but unaccounted "
			     "(allocated outside arenad): see 'arenactl-client scan'" : "");
}

static int m_alloc(void *ctx, const struct rpc_peer *peer, json_object *params,
		   struct json_buf *out, struct rpc_error *err)
{
	static const char *const keys[] = { "pages", "owner", "name", "addr", NULL };
	struct arenad *d = ctx;
	const struct arenad_pins *p = pins_of(d);
	struct arenad_req req = {
		.op = ARENAD_OP_ALLOC,
		.uid = peer->uid,
		.numa_node = -1,	/* the arena's */
	};
	const char *owner = NULL, *name = NULL;
	char owner_buf[32];
	int r;

	if (rpc_params_only(params, keys, err) ||
	    rpc_param_u32(params, "pages", true, 1, d->arena->ident.pages_total, &req.pages, err) ||
	    rpc_param_str(params, "owner", false, STR_MAX, &owner, err) ||
	    rpc_param_str(params, "name", false, STR_MAX, &name, err) ||
	    rpc_param_addr(params, "addr", false, &req.addr, err))
		return -1;
	/* An explicit address, even 0x0, must be inside the arena, and so
	 * must the whole allocation; 0 in req.addr then means "anywhere". */
	if (params && json_object_object_get_ex(params, "addr", NULL) &&
	    (check_range(d, req.addr, err) ||
	     check_range(d, req.addr + ((__u64)(req.pages - 1) << ARENAD_PAGE_SHIFT), err)))
		return -1;
	if (!owner) {
		/* Unnamed owners are accounted to the peer's uid. */
		snprintf(owner_buf, sizeof(owner_buf), "uid:%u", peer->uid);
		owner = owner_buf;
	}
	/* The allocator interns both strings in the same run. */
	snprintf(req.owner_str, sizeof(req.owner_str), "%s", owner);
	if (name)
		snprintf(req.name_str, sizeof(req.name_str), "%s", name);

	r = arenad_pins__run(p, &req);
	if (r < 0)
		return r == -EBUSY ? busy_error(d, &req, err) : refused(d, &req, r, err);
	log_debug("alloc %u pages at 0x%llx for %s%s%s (uid %u)", req.pages,
		  (unsigned long long)req.addr, owner, name ? " as " : "", name ?: "", peer->uid);
	status_changed(d->status);

	/* Written as text like stats' result: alloc and free are the other
	 * methods clients call in a loop. */
	r = json_buf_lit(out, "{\"addr\":");
	r |= json_buf_hex(out, req.addr);
	r |= KEY(out, "offset");
	r |= json_buf_u64(out, req.addr - base_of(d));
	r |= KEY(out, "pages");
	r |= json_buf_u64(out, req.pages);
	/* What the daemon chose when the request left it open. */
	r |= KEY(out, "owner");
	r |= put_str_member(out, owner);
	if (name) {
		r |= KEY(out, "name");
		r |= put_str_member(out, name);
	}
	r |= KEY(out, "uid");
	r |= json_buf_u64(out, req.uid);
	r |= json_buf_lit(out, "}");
	return r < 0 ? rpc_oom(err) : 0;
}

static int m_free(void *ctx, const struct rpc_peer *peer, json_object *params,
		  struct json_buf *out, struct rpc_error *err)
{
	static const char *const keys[] = { "addr", NULL };
	struct arenad *d = ctx;
	struct arenad_req req = { .op = ARENAD_OP_FREE, .uid = peer->uid };
	int r;

	if (rpc_params_only(params, keys, err) ||
	    rpc_param_addr(params, "addr", true, &req.addr, err) ||
	    check_range(d, req.addr, err))
		return -1;

	r = arenad_pins__run(pins_of(d), &req);
	if (r < 0)
		return refused(d, &req, r, err);
	log_debug("free %u pages at 0x%llx (uid %u)", req.pages,
		  (unsigned long long)req.addr, peer->uid);
	status_changed(d->status);

	r = json_buf_lit(out, "{\"pages\":");
	r |= json_buf_u64(out, req.pages);
	r |= json_buf_lit(out, "}");
	return r < 0 ? rpc_oom(err) : 0;
}

/*
 * ranges streams: the ledger is read at once (a consistent, sorted
 * snapshot) on the ledger worker, as reading and sorting a large ledger
 * takes tens of milliseconds; its JSON is then written a slice at a time
 * as the client reads, so a 20,000-range reply neither sits in memory for
 * a client that does not read nor stalls the loop while it is built.
 */
#define RANGES_SLICE 128

struct ranges_stream {
	struct arenad *d;
	struct arenad_range *recs;
	size_t n, i;
	bool filter;
	__u32 owner_id;
	bool first;
	struct owner_strings *owners, *names;
};

static void ranges_free(void *state)
{
	struct ranges_stream *rs = state;

	if (rs) {
		free(rs->recs);
		owner_strings_free(rs->owners);
		owner_strings_free(rs->names);
	}
	free(rs);
}

static void ranges_freep(struct ranges_stream **rs)
{
	ranges_free(*rs);
}

static int ranges_next(void *state, struct json_buf *b)
{
	struct ranges_stream *rs = state;
	unsigned int k = 0;
	int r = 0;

	for (; rs->i < rs->n && k < RANGES_SLICE; rs->i++) {
		const struct arenad_range *rec = &rs->recs[rs->i];
		json_object *o;

		if (rs->filter && rec->owner != rs->owner_id)
			continue;
		rpc_alloc_failed();
		r = range_json(rs->d, rs->owners, rs->names, rec, &o);
		if (r == -ENOENT) {
			r = 0;
			continue;	/* freed while we read */
		}
		if (r < 0 || rpc_alloc_failed()) {
			json_object_put(o);
			return -ENOMEM;
		}
		if (!rs->first)
			r = json_buf_put(b, ",", 1);
		if (r >= 0)
			r = json_out(b, o);
		json_object_put(o);
		if (r < 0)
			return r;
		rs->first = false;
		k++;
	}
	return rs->i < rs->n;
}

/* Hand rs over to the reply stream, which frees it. */
static void ranges_start(struct rpc_stream *out, struct ranges_stream *rs)
{
	out->next = ranges_next;
	out->free = ranges_free;
	out->held = sizeof(*rs) + rs->n * sizeof(*rs->recs);
	out->state = rs;
}

/* The snapshot, taken on d->ledger_worker. */
struct ranges_job {
	struct worker_job wj;		/* first: the worker hands it back */
	const struct arenad_pins *pins;
	struct ranges_stream *rs;
	struct server_call *call;
	int error;
};

static void ranges_read(struct worker_job *wj)
{
	struct ranges_job *job = (struct ranges_job *)wj;

	job->error = arenad_pins__ranges(job->pins, &job->rs->recs, &job->rs->n);
}

static void ranges_read_done(struct worker_job *wj, int error)
{
	_cleanup_free_ struct ranges_job *job = (struct ranges_job *)wj;
	struct rpc_stream st = {};
	struct rpc_error err = {};

	if (!error)
		error = job->error;
	if (error) {
		ranges_free(job->rs);
		job_error(&err, error, "read the ledger");
		server_finish(job->call, NULL, &err);
		return;
	}
	ranges_start(&st, job->rs);
	server_finish_stream(job->call, &st);
}

static int m_ranges(void *ctx, const struct rpc_peer *peer, json_object *params,
		    struct rpc_stream *out, struct rpc_error *err)
{
	static const char *const keys[] = { "owner", NULL };
	struct arenad *d = ctx;
	const struct arenad_pins *p = pins_of(d);
	_cleanup_(ranges_freep) struct ranges_stream *rs = NULL;
	_cleanup_free_ struct ranges_job *job = NULL;
	struct arenad_state st;
	const char *owner = NULL;

	if (rpc_params_only(params, keys, err) ||
	    rpc_param_str(params, "owner", false, STR_MAX, &owner, err))
		return -1;
	rs = calloc(1, sizeof(*rs));
	if (!rs || owner_strings_new(p, OWNER_CACHE, &rs->owners) < 0 ||
	    owner_strings_new(p, 0, &rs->names) < 0) {
		ranges_free(TAKE_PTR(rs));
		return rpc_oom(err);
	}
	rs->d = d;
	rs->first = true;
	if (owner) {
		rs->filter = true;
		/* An owner never seen has nothing: an empty stream. */
		if (arenad_pins__find_str(p, owner, &rs->owner_id) < 0) {
			ranges_start(out, TAKE_PTR(rs));
			return 0;
		}
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return rpc_oom(err);
	job->call = server_defer(peer);
	if (!job->call)
		return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "cannot defer the reply");
	if (counters_read(d->counters, &st) >= 0)
		server_call_hold(job->call, sizeof(*rs) + st.live_allocations * sizeof(*rs->recs));
	job->wj = (struct worker_job) { .run = ranges_read, .done = ranges_read_done };
	job->pins = p;
	job->rs = TAKE_PTR(rs);
	worker_submit(d->ledger_worker, &TAKE_PTR(job)->wj);
	return RPC_DEFERRED;
}

static int m_lookup(void *ctx, const struct rpc_peer *peer, json_object *params,
		    json_object **result, struct rpc_error *err)
{
	static const char *const keys[] = { "name", NULL };
	struct arenad *d = ctx;
	_cleanup_(owner_strings_freep) struct owner_strings *owners = NULL, *names = NULL;
	struct arenad_range rec;
	const char *name;
	int r;

	if (rpc_params_only(params, keys, err) ||
	    rpc_param_str(params, "name", true, STR_MAX, &name, err))
		return -1;
	r = arenad_pins__find_name(pins_of(d), name, &rec);
	if (r == -ENOENT)
		return rpc_set_error(err, ARENAD_ERR_NOT_FOUND, "no allocation named '%s'", name);
	if (r < 0)
		return internal_error(err, r, "look up name");
	if (owner_strings_new(pins_of(d), 0, &owners) < 0 ||
	    owner_strings_new(pins_of(d), 0, &names) < 0)
		return rpc_oom(err);
	r = range_json(d, owners, names, &rec, result);
	if (r == -ENOENT)
		return rpc_set_error(err, ARENAD_ERR_NOT_FOUND, "no allocation named '%s'", name);
	if (r < 0)
		return rpc_oom(err);
	return 0;
}

/* The managed arena's scan came back from the census worker (scan.c). */
static void scan_replied(struct arenad *d, int error, json_object *detail, void *userdata)
{
	struct rpc_error err = {};

	if (error == -EAGAIN)
		rpc_set_error(&err, ARENAD_ERR_UNAVAILABLE, "census unavailable: %s",
			      census_verdict_unavailable(census_verdict(d->census, CENSUS_MANAGED)));
	else if (error < 0)
		job_error(&err, error, "census");
	server_finish(userdata, detail, &err);
}

static int m_scan(void *ctx, const struct rpc_peer *peer, json_object *params,
		  json_object **result, struct rpc_error *err)
{
	static const char *const keys[] = { "method", "map_id", NULL };
	struct arenad *d = ctx;
	const char *name = NULL, *why;
	struct server_call *call;
	__u32 map_id = 0;
	int r, method = 0;

	if (rpc_params_only(params, keys, err) ||
	    rpc_param_str(params, "method", false, 8, &name, err) ||
	    methods_map_id(params, false, &map_id, err))
		return -1;
	if (startup_running(d->startup))	/* the census is still loading */
		return RPC_NOT_YET;
	/* A census can take long (the full method probes every page): every
	 * peer may run one, but choosing the method is for writers, and
	 * other peers together get one census per SCAN_READER_USEC. */
	if (name && !peer->may_write)
		return rpc_set_error(err, ARENAD_ERR_PERMISSION,
				     "permission denied: uid %u may not choose the census method",
				     peer->uid);
	if (!peer->may_write) {
		__u64 now = now_usec(CLOCK_MONOTONIC);

		if (d->reader_scan_usec && now - d->reader_scan_usec < SCAN_READER_USEC)
			return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
					     "busy: peers that may not write get one census per second; "
					     "try again in %llu ms",
					     (unsigned long long)(SCAN_READER_USEC - (now - d->reader_scan_usec)) / 1000 + 1);
		d->reader_scan_usec = now;
	}
	/* Another program's arena: through the map iterator, with the
	 * methods that passed their self-test there (never kmod). */
	if (map_id && map_id != d->arena->map_id)
		return methods_scan_foreign(d, peer, map_id, name, err);
	if (!d->census)
		return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
				     "census unavailable: it did not load (see the log)");
	if (name) {
		method = census_verdict_method(census_verdict(d->census, CENSUS_MANAGED), name, &why);
		if (method == -EINVAL)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "unknown census method '%s' (kmod, rt, full)", name);
		if (method == -EAGAIN)
			return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
					     "census method '%s' is unavailable: %s", name, why);
	}
	call = server_defer(peer);
	if (!call)
		return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "cannot defer the reply");
	/* Asked for by map_id, the managed arena's result is also that of
	 * any other arena's: its present pages as runs. */
	r = scan_submit(d, method, SCAN_DETAIL | (map_id ? SCAN_PRESENT : 0), scan_replied, call);
	if (r < 0)
		scan_replied(d, r, NULL, call);
	return RPC_DEFERRED;
}

static int m_metrics(void *ctx, const struct rpc_peer *peer, json_object *params,
		     json_object **result, struct rpc_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (rpc_params_only(params, no_params, err))
		return -1;
	r = metrics_render(ctx, false, &text, &len);
	if (r < 0)
		return internal_error(err, r, "render metrics");
	*result = json_object_new_object();
	rpc_put(*result, "text", json_object_new_string_len(text, len));
	return 0;
}

const struct rpc_method daemon_methods[] = {
	{ .name = "ping", .handler = m_ping },
	{ .name = "version", .handler = m_version },
	{ .name = "stats", .text = m_stats },
	{ .name = "ranges", .stream = m_ranges, .heavy = true },
	{ .name = "lookup", .handler = m_lookup },
	{ .name = "scan", .handler = m_scan, .heavy = true },
	{ .name = "metrics", .handler = m_metrics },
	{ .name = "arenas", .handler = m_arenas, .heavy = true },
	{ .name = "who", .handler = m_who, .heavy = true },
	{ .name = "alloc", .text = m_alloc, .write = true },
	{ .name = "free", .text = m_free, .write = true },
};
const size_t daemon_n_methods = ARRAY_SIZE(daemon_methods);
