// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A scan: the census's present pages held against the ledger. Pages that
 * are present but in no ledger range are "unaccounted" (allocated behind
 * arenad's back, or faulted in from user space); ledger ranges with pages
 * that are not present are "missing" (freed behind arenad's back).
 *
 * It runs on the census worker (worker.h), the one thread that uses the
 * census after start-up: probing every page of a large arena takes long,
 * and a ledger of many ranges takes a while to read and compare. The
 * scanner keeps the latest summary, updated on the loop when a job comes
 * back (scan.h).
 *
 * Logging: scans run per request and per census timer tick; they return
 * failures to their caller, which logs or replies (log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bitmap.h"
#include "census.h"
#include "cleanup.h"
#include "inventory_json.h"
#include "log.h"
#include "owners.h"
#include "rpc.h"
#include "scan.h"
#include "worker.h"

struct scanner {
	struct worker *worker;
	struct census *census;		/* NULL until start-up loaded one */
	const struct arenad_pins *pins;
	__u64 base;
	__u32 map_id;
	struct scan_summary last;
};

/* Owner strings a scan keeps: a few owners hold most missing ranges. */
#define SCAN_OWNERS 16

json_object *scan_run_json(__u64 base, __u32 start, __u32 pages)
{
	json_object *o = json_object_new_object();

	rpc_put(o, "addr", proto_addr_new(base + ((__u64)start << ARENAD_PAGE_SHIFT)));
	rpc_put(o, "offset", json_object_new_uint64((__u64)start << ARENAD_PAGE_SHIFT));
	rpc_put(o, "pages", json_object_new_uint64(pages));
	return o;
}

/* A string the missing range has: none for id 0 or a failed lookup. */
static void add_string(json_object *o, const char *key, struct owner_strings *strs, __u32 id)
{
	const char *s;

	if (id && owner_strings_get(strs, id, &s) >= 0)
		rpc_put(o, key, json_object_new_string(s));
}

struct scan_job {
	struct worker_job wj;		/* first: the worker hands it back */
	struct scanner *s;
	/* What the worker reads: immutable while the daemon runs, or the
	 * worker's own (the census). */
	struct census *census;
	const struct arenad_pins *pins;
	__u64 base;
	__u32 map_id;
	int method;
	unsigned flags;			/* SCAN_* */
	/* What it returns. */
	int error;
	struct scan_summary sum;
	const char *method_used;	/* static */
	json_object *detail;
	scan_done_t done;
	void *userdata;
};

/*
 * What `scan {map_id}` answers for any arena, added to the ledger scan:
 * the map, and every present page as runs.
 */
static int add_present(const struct scan_job *job, const struct census_result *res, json_object *o)
{
	_cleanup_free_ struct page_run *runs = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	json_object *present;
	size_t nruns = 0;
	int r;

	r = bitmap_runs(res->bits, res->npages, &runs, &nruns);
	if (r < 0)
		return r;
	present = json_object_new_array();
	for (size_t i = 0; i < nruns; i++)
		rpc_append(present, scan_run_json(job->base, runs[i].start, runs[i].pages));
	rpc_put(o, "present", present);
	inv_arena_head_put(o, job->map_id, bpf_map_get_info_by_fd(arenad_pins__arena_fd(job->pins),
								 &info, &len) ? NULL : info.name, true);
	inv_arena_addr_put(o, job->base);
	return 0;
}

static int compare(struct scan_job *job, json_object **detail)
{
	const struct arenad_pins *p = job->pins;
	__u64 base = job->base;
	struct scan_summary sum = { .valid = true };
	struct census_result res;
	_cleanup_free_ struct arenad_range *recs = NULL;
	_cleanup_free_ struct page_run *runs = NULL;
	_cleanup_free_ __u64 *rest = NULL;
	_cleanup_(json_object_putp) json_object *missing = NULL, *unacc = NULL;
	/* This thread's: the loop's are not to be shared (owners.h). */
	_cleanup_(owner_strings_freep) struct owner_strings *owners = NULL, *names = NULL;
	size_t i, n, nruns = 0, words;
	__u32 present;
	int r;

	r = census_run(job->census, job->method, &res);
	if (r < 0)
		return r;
	/* The ledger after the census: a range allocated in between is in
	 * the ledger but may not be in the bitmap, and shows as missing. */
	r = arenad_pins__ranges(p, &recs, &n);
	if (r < 0)
		return r;
	words = (res.npages + 63) / 64;
	rest = malloc(words * sizeof(*rest));
	if (!rest)
		return -ENOMEM;
	memcpy(rest, res.bits, words * sizeof(*rest));

	if (detail) {
		missing = json_object_new_array();
		if (owner_strings_new(p, SCAN_OWNERS, &owners) < 0 ||
		    owner_strings_new(p, 0, &names) < 0)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct arenad_range *rec = &recs[i];

		if (rec->pgoff >= res.npages || rec->pages > res.npages - rec->pgoff)
			continue;
		sum.pages_ledger += rec->pages;
		present = bitmap_count(res.bits, rec->pgoff, rec->pgoff + rec->pages);
		if (present < rec->pages) {
			sum.pages_missing += rec->pages - present;
			if (missing) {
				json_object *o = scan_run_json(base, rec->pgoff, rec->pages);

				rpc_put(o, "pages_missing",
						       json_object_new_uint64(rec->pages - present));
				add_string(o, "owner", owners, rec->owner);
				add_string(o, "name", names, rec->name);
				rpc_append(missing, o);
			}
		}
		bitmap_clear(rest, rec->pgoff, rec->pgoff + rec->pages);
	}

	r = bitmap_runs(rest, res.npages, &runs, &nruns);
	if (r < 0)
		return r;
	if (detail)
		unacc = json_object_new_array();
	for (i = 0; i < nruns; i++) {
		sum.pages_unaccounted += runs[i].pages;
		if (unacc)
			rpc_append(unacc, scan_run_json(base, runs[i].start, runs[i].pages));
	}

	sum.pages_present = res.present;
	sum.when_usec = res.when_usec;
	sum.duration_us = res.duration_us;
	job->sum = sum;
	job->method_used = res.method;

	if (detail) {
		json_object *o = json_object_new_object();

		rpc_put(o, "pages_total", json_object_new_uint64(res.npages));
		rpc_put(o, "pages_present", json_object_new_uint64(sum.pages_present));
		rpc_put(o, "pages_ledger", json_object_new_uint64(sum.pages_ledger));
		rpc_put(o, "pages_unaccounted", json_object_new_uint64(sum.pages_unaccounted));
		rpc_put(o, "pages_missing", json_object_new_uint64(sum.pages_missing));
		rpc_put(o, "unaccounted", TAKE_PTR(unacc));
		rpc_put(o, "missing", TAKE_PTR(missing));
		rpc_put(o, "pages_probed", json_object_new_uint64(res.probed));
		rpc_put(o, "duration_us", json_object_new_uint64(sum.duration_us));
		rpc_put(o, "method", json_object_new_string(res.method));
		*detail = o;
		if (job->flags & SCAN_PRESENT)
			return add_present(job, &res, o);
	}
	return 0;
}

static void run_scan(struct worker_job *wj)
{
	struct scan_job *job = (struct scan_job *)wj;

	rpc_alloc_failed();
	job->error = compare(job, job->flags & SCAN_DETAIL ? &job->detail : NULL);
	if (rpc_alloc_failed() && !job->error)
		job->error = -ENOMEM;
	if (job->error) {
		json_object_put(job->detail);
		job->detail = NULL;
	}
}

static void scan_done(struct worker_job *wj, int error)
{
	_cleanup_free_ struct scan_job *job = (struct scan_job *)wj;
	const struct scan_summary *sum = &job->sum;

	if (error)
		job->error = error;
	if (!job->error) {
		/* Scans finish in the order they were asked for. */
		job->s->last = *sum;
		log_debug("census (%s): %u present, %u in the ledger, %u unaccounted, %u missing, %llu us",
			  job->method_used, sum->pages_present, sum->pages_ledger, sum->pages_unaccounted,
			  sum->pages_missing, (unsigned long long)sum->duration_us);
	}
	job->done(job->s, job->error, TAKE_PTR(job->detail), job->userdata);
}

int scanner_submit(struct scanner *s, int method, unsigned flags, scan_done_t done, void *userdata)
{
	struct scan_job *job;

	if (!s->census)
		return -EAGAIN;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	*job = (struct scan_job) {
		.wj = { .run = run_scan, .done = scan_done },
		.s = s,
		.census = s->census,
		.pins = s->pins,
		.base = s->base,
		.map_id = s->map_id,
		.method = method,
		.flags = flags,
		.done = done,
		.userdata = userdata,
	};
	worker_submit(s->worker, &job->wj);
	return 0;
}

int scanner_new(struct worker *worker, const struct arenad_pins *pins, __u64 base, __u32 map_id,
		struct scanner **out)
{
	struct scanner *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*s = (struct scanner) {
		.worker = worker,
		.pins = pins,
		.base = base,
		.map_id = map_id,
	};
	*out = s;
	return 0;
}

struct scanner *scanner_free(struct scanner *s)
{
	free(s);
	return NULL;
}

void scanner_set_census(struct scanner *s, struct census *census)
{
	s->census = census;
}

const struct scan_summary *scanner_last(const struct scanner *s)
{
	static const struct scan_summary none;

	return s ? &s->last : &none;
}

const char *scanner_unavailable(const struct scanner *s)
{
	if (!s || !s->census)
		return "the census could not be loaded (see the log)";
	return census_verdict_unavailable(census_verdict(s->census, CENSUS_MANAGED));
}
