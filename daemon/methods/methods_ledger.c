// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The methods that read the ledger: ranges (every allocation, streamed)
 * and lookup (one by name). Each allocation is written as one record
 * (range_write()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "counters.h"
#include "daemon.h"
#include "methods.h"
#include "owners.h"
#include "util.h"
#include "worker.h"

/*
 * Owner strings while one request lists many ranges: a few owners hold
 * most of them, and every string lookup is a syscall: looked up per range
 * they are a large share of a long reply's cost. Names are not kept: each
 * is looked up once.
 */
#define OWNER_CACHE 16

/* NULL when the id's string was freed: see range_write(). */
static const char *id_string(struct owner_strings *c, __u32 id)
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

void methods_range_fields(struct arenad *d, const struct arenad_range *r, const char *owner,
			  const char *name, const char *origin, struct json_writer *w)
{
	__u64 offset = (__u64)r->pgoff << ARENAD_PAGE_SHIFT;

	json_w_member(w, "addr", hex, d->arena->ident.user_vm_start + offset);
	json_w_member(w, "offset", u64, offset);
	json_w_member(w, "pages", u64, r->pages);
	json_w_member(w, "owner", str, owner);
	if (r->name)
		json_w_member(w, "name", str, name);
	json_w_member(w, "uid", u64, r->uid);
	if (r->time_ns)
		json_w_member(w, "created_s", u64, boot_ns_to_unix_s(r->time_ns));
	if (r->pid) {
		json_w_member(w, "pid", u64, r->pid);
		json_w_member(w, "comm", strn, r->comm, strnlen(r->comm, sizeof(r->comm)));
	}
	if (r->flags & ARENAD_LEASE_MASK)
		json_w_member(w, "lease", str, methods_lease_word(r->flags));
	if (r->flags & ARENAD_RANGE_PROG)
		json_w_member(w, "program", str, origin ?: "");
	/* Pages of a program's objects (arenad_malloc()): they go with
	 * their last object, never by a free of the pages. */
	if (r->flags & ARENAD_RANGE_OBJECTS)
		json_w_member(w, "objects", bool, true);
}

/*
 * A ledger entry as the protocol shows it, or -ENOENT (nothing written)
 * when the allocation is gone: it was read from the ledger, then freed
 * before its strings were read. Every live allocation holds its owner and
 * name strings, so a string that is no longer there proves the free.
 * (The origin is a kept string: it is always there.)
 */
static int range_write(struct arenad *d, struct owner_strings *owners,
		       struct owner_strings *names, const struct arenad_range *r,
		       struct json_writer *w)
{
	const char *o = id_string(owners, r->owner), *name = id_string(names, r->name), *g;
	char owner[ARENAD_STR_LEN + 16], origin[ARENAD_STR_LEN + 16] = "";

	if (!o || !name)
		return -ENOENT;
	/* The owners' lookup of the origin reuses the owner's buffer. */
	snprintf(owner, sizeof(owner), "%s", o);
	if (r->origin && (g = id_string(owners, r->origin)))
		snprintf(origin, sizeof(origin), "%s", g);
	json_w_object(w);
	methods_range_fields(d, r, owner, name, origin, w);
	json_w_object_end(w);
	return 0;
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

static int ranges_next(void *state, struct json_writer *w)
{
	struct ranges_stream *rs = state;
	unsigned int k = 0;

	for (; rs->i < rs->n && k < RANGES_SLICE; rs->i++) {
		const struct arenad_range *rec = &rs->recs[rs->i];

		if (rs->filter && rec->owner != rs->owner_id)
			continue;
		if (range_write(rs->d, rs->owners, rs->names, rec, w) == -ENOENT)
			continue;	/* freed while we read */
		k++;
	}
	return rs->i < rs->n;
}

static const struct rpc_stream_ops ranges_ops = {
	.next = ranges_next,
	.free = ranges_free,
};

/* Answer with rs's ranges; rs is taken. */
static int ranges_start(struct rpc_call *call, struct ranges_stream *rs)
{
	return rpc_call_stream(call, &ranges_ops, rs, sizeof(*rs) + rs->n * sizeof(*rs->recs));
}

/* The snapshot, taken on d->ledger_worker. */
struct ranges_job {
	struct worker_job wj;		/* first: the worker hands it back */
	const struct arenad_pins *pins;
	struct ranges_stream *rs;
	struct rpc_call *call;
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

	if (!error)
		error = job->error;
	if (error) {
		ranges_free(job->rs);
		methods_job_error(job->call, error, "read the ledger");
		return;
	}
	ranges_start(job->call, job->rs);
}

const struct rpc_param m_ranges_params[] = {
	{ .name = "owner", .type = RPC_PARAM_NAME,
	  .offset = offsetof(struct ranges_args, owner), .max = METHODS_STR_MAX },
	{}
};

int m_ranges(struct rpc_call *call, void *userdata)
{
	const struct ranges_args *a = rpc_call_args(call);
	struct arenad *d = userdata;
	const struct arenad_pins *p = d->arena->pins;
	_cleanup_(ranges_freep) struct ranges_stream *rs = NULL;
	_cleanup_free_ struct ranges_job *job = NULL;
	struct arenad_state st;

	rs = calloc(1, sizeof(*rs));
	if (!rs || owner_strings_new(p, OWNER_CACHE, &rs->owners) < 0 ||
	    owner_strings_new(p, 0, &rs->names) < 0)
		return rpc_call_oom(call);
	rs->d = d;
	if (a->owner) {
		rs->filter = true;
		/* An owner never seen has nothing: an empty stream. */
		if (arenad_pins__find_str(p, a->owner, &rs->owner_id) < 0)
			return ranges_start(call, TAKE_PTR(rs));
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return rpc_call_oom(call);
	job->call = rpc_call_defer(call);
	if (!job->call)
		return 0;
	if (counters_read(d->counters, &st) >= 0)
		rpc_call_hold(job->call, sizeof(*rs) + st.live_allocations * sizeof(*rs->recs));
	job->wj = (struct worker_job) { .run = ranges_read, .done = ranges_read_done };
	job->pins = p;
	job->rs = TAKE_PTR(rs);
	worker_submit(d->ledger_worker, &TAKE_PTR(job)->wj);
	return 0;
}

const struct rpc_param m_lookup_params[] = {
	{ .name = "name", .type = RPC_PARAM_NAME, .required = true,
	  .offset = offsetof(struct lookup_args, name), .max = METHODS_STR_MAX },
	{}
};

int m_lookup(struct rpc_call *call, void *userdata)
{
	const struct lookup_args *a = rpc_call_args(call);
	struct arenad *d = userdata;
	_cleanup_(owner_strings_freep) struct owner_strings *owners = NULL, *names = NULL;
	struct arenad_range rec;
	int r;

	r = arenad_pins__find_name(d->arena->pins, a->name, &rec);
	if (r == -ENOENT)
		return rpc_call_error(call, ARENAD_ERR_NOT_FOUND, "no allocation named '%s'", a->name);
	if (r < 0)
		return methods_internal_error(call, r, "look up name");
	if (owner_strings_new(d->arena->pins, 0, &owners) < 0 ||
	    owner_strings_new(d->arena->pins, 0, &names) < 0)
		return rpc_call_oom(call);
	if (range_write(d, owners, names, &rec, rpc_call_result(call)) == -ENOENT)
		return rpc_call_error(call, ARENAD_ERR_NOT_FOUND, "no allocation named '%s'", a->name);
	return rpc_call_reply(call);
}
