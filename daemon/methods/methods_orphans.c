// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * orphans: the allocations nobody will free (orphans.h), listed, and with
 * "free" freed (root only). The ledger and /proc are read, and the orphans
 * freed, on the ledger worker; the reply is written on the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cleanup.h"
#include "daemon.h"
#include "log.h"
#include "methods.h"
#include "orphans.h"
#include "owners.h"
#include "status.h"
#include "util.h"
#include "worker.h"

/* A reply lists (and the log names) at most this many; the totals count
 * them all, and "free" frees them all. */
#define ORPHANS_LISTED 4096

/* An orphan with its strings, looked up before a free drops them. */
struct orphan_row {
	struct arenad_range r;
	char owner[ARENAD_STR_LEN + 16];
	char origin[ARENAD_STR_LEN + 16];
};

struct orphans_job {
	struct worker_job wj;		/* first: the worker hands it back */
	struct arenad *d;
	struct rpc_call *call;
	struct owner_strings *strs;	/* the worker's while it runs */
	__u64 min_age_ns;
	bool free, objects;
	struct orphan_row *rows;	/* the first ORPHANS_LISTED */
	size_t n;
	__u64 all, pages;		/* every orphan (freed) */
	__u64 failed;			/* frees that failed otherwise */
	/* With free: orphans holding objects, not freed (nor in all) */
	__u64 kept_objects, kept_object_pages;
	/* With free and objects: objects dropped from orphaned object pages */
	__u64 dropped_objects;
	int error;
};

static void orphans_job_free(struct orphans_job *job)
{
	if (!job)
		return;
	owner_strings_free(job->strs);
	free(job->rows);
	free(job);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct orphans_job *, orphans_job_free);

static void copy_string(struct owner_strings *strs, __u32 id, char *buf, size_t len)
{
	const char *s = "";

	if (id)
		(void)owner_strings_get(strs, id, &s);	/* "#ID" when gone */
	snprintf(buf, len, "%s", s);
}

/* Free row's allocation, only the one the list found: false when it was
 * freed meanwhile, by its owner or another call. */
static bool free_orphan(struct orphans_job *job, const struct arenad_range *r)
{
	struct arenad_req req = {
		.op = ARENAD_OP_FREE,
		.addr = job->d->arena->ident.user_vm_start + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT),
		.time_ns = r->time_ns,
	};
	int err = arenad_pins__run(job->d->arena->pins, &req);

	if (err < 0 && err != -ENOENT && err != -ESTALE)
		job->failed++;
	return err == 0;
}

/*
 * Drop the objects on an orphaned object page (or of a whole-page
 * object), only the one the list found: the allocator gives the page back
 * with the last. Was it given back? Not when its program freed it
 * meanwhile, or still holds objects there (carved while this ran).
 */
static bool drop_orphan_objects(struct orphans_job *job, const struct arenad_range *r)
{
	const struct arenad_pins *pins = job->d->arena->pins;
	struct arenad_req req = {
		.op = ARENAD_OP_DROP_OBJECTS,
		.addr = job->d->arena->ident.user_vm_start + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT),
		.time_ns = r->time_ns,
	};
	struct arenad_range now;
	__u32 pgoff = r->pgoff;
	int err = arenad_pins__run(pins, &req);

	if (err < 0) {
		if (err != -ENOENT && err != -ESTALE)
			job->failed++;
		return false;
	}
	job->dropped_objects += req.pages;
	return bpf_map_lookup_elem(arenad_pins__ledger_fd(pins), &pgoff, &now) ||
	       now.time_ns != r->time_ns;
}

static void orphans_run(struct worker_job *wj)
{
	struct orphans_job *job = (struct orphans_job *)wj;
	_cleanup_free_ struct arenad_range *recs = NULL;
	size_t i, n;

	job->error = orphans_read(job->d->arena->pins, job->min_age_ns, &recs, &n);
	if (job->error)
		return;
	job->rows = calloc(n < ORPHANS_LISTED ? n ?: 1 : ORPHANS_LISTED, sizeof(*job->rows));
	if (!job->rows) {
		job->error = -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++) {
		struct orphan_row *row = &job->rows[job->n];

		if (job->n < ORPHANS_LISTED) {
			row->r = recs[i];
			copy_string(job->strs, recs[i].owner, row->owner, sizeof(row->owner));
			copy_string(job->strs, recs[i].origin, row->origin, sizeof(row->origin));
		}
		/* Pages of a gone loader's objects go with their last
		 * arenad_free(), which its programs (still loaded, or
		 * pinned) may yet call; the allocator refuses a free of
		 * them (-EBUSY). Kept, unless asked to drop the objects. */
		if (job->free && (recs[i].flags & ARENAD_RANGE_OBJECTS)) {
			if (!job->objects || !drop_orphan_objects(job, &recs[i])) {
				job->kept_objects++;
				job->kept_object_pages += recs[i].pages;
				continue;
			}
		} else if (job->free && !free_orphan(job, &recs[i])) {
			continue;
		}
		job->all++;
		job->pages += recs[i].pages;
		if (job->n < ORPHANS_LISTED)
			job->n++;
	}
}

static void orphans_done(struct worker_job *wj, int error)
{
	_cleanup_(orphans_job_freep) struct orphans_job *job = (struct orphans_job *)wj;
	struct rpc_call *call = job->call;
	struct arenad *d = job->d;
	__u64 now = now_usec(CLOCK_BOOTTIME) * 1000;
	struct json_writer *w;
	size_t i;

	if (!error)
		error = job->error;
	if (error) {
		methods_job_error(call, error, "read the ledger");
		return;
	}
	if (job->free) {
		for (i = 0; i < job->n; i++)
			log_info("freed orphan: %u pages at 0x%llx of owner '%s', made by pid %u (%.*s), "
				 "gone", job->rows[i].r.pages,
				 (unsigned long long)(d->arena->ident.user_vm_start +
						      ((__u64)job->rows[i].r.pgoff << ARENAD_PAGE_SHIFT)),
				 job->rows[i].owner, job->rows[i].r.pid,
				 (int)sizeof(job->rows[i].r.comm), job->rows[i].r.comm);
		if (job->all > job->n)
			log_info("freed %llu more orphans", (unsigned long long)(job->all - job->n));
		if (job->dropped_objects)
			log_info("dropped %llu objects of BPF programs whose loaders are gone",
				 (unsigned long long)job->dropped_objects);
		if (job->kept_objects)
			log_info("kept %llu orphans (%llu pages) holding objects of BPF programs: "
				 "they go with their last object%s",
				 (unsigned long long)job->kept_objects,
				 (unsigned long long)job->kept_object_pages,
				 job->objects ? "" : " (--objects drops them)");
		if (job->all)
			status_changed(d->status);
		orphans_refresh(d->orphans);
	} else if (!job->min_age_ns) {
		orphans_set(d->orphans, &(struct orphans_count) { .allocations = job->all,
								  .pages = job->pages });
	}

	w = rpc_call_result(call);
	json_w_object(w);
	json_w_member(w, "allocations", u64, job->all);
	json_w_member(w, "pages", u64, job->pages);
	json_w_member(w, "bytes", u64, job->pages << ARENAD_PAGE_SHIFT);
	json_w_member(w, "freed", bool, job->free);
	json_w_member(w, "listed", u64, job->n);
	if (job->failed)
		json_w_member(w, "failed", u64, job->failed);
	if (job->free) {
		json_w_member(w, "kept_objects", u64, job->kept_objects);
		json_w_member(w, "kept_object_pages", u64, job->kept_object_pages);
		json_w_member(w, "dropped_objects", u64, job->dropped_objects);
	}
	json_w_key(w, "orphans");
	json_w_array(w);
	for (i = 0; i < job->n; i++) {
		const struct arenad_range *r = &job->rows[i].r;

		json_w_object(w);
		methods_range_fields(d, r, job->rows[i].owner, "", job->rows[i].origin, w);
		json_w_member(w, "age_s", u64, now > r->time_ns ? (now - r->time_ns) / 1000000000ULL : 0);
		json_w_object_end(w);
	}
	json_w_array_end(w);
	json_w_object_end(w);
	rpc_call_reply(call);
}

const struct rpc_param m_orphans_params[] = {
	{ .name = "older_than", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct orphans_args, older_than_s), .max = UINT32_MAX },
	{ .name = "free", .type = RPC_PARAM_BOOL, .offset = offsetof(struct orphans_args, free) },
	{ .name = "objects", .type = RPC_PARAM_BOOL, .offset = offsetof(struct orphans_args, objects) },
	{}
};

int m_orphans(struct rpc_call *call, void *userdata)
{
	const struct orphans_args *a = rpc_call_args(call);
	struct arenad *d = userdata;
	_cleanup_(orphans_job_freep) struct orphans_job *job = NULL;

	/* Freeing other users' allocations is root's: an allowed writer
	 * frees its own by address. */
	if (a->free && rpc_call_peer(call)->uid != 0)
		return rpc_call_error(call, ARENAD_ERR_PERMISSION,
				      "freeing orphans needs root (listing them does not)");
	job = calloc(1, sizeof(*job));
	if (!job || owner_strings_new(d->arena->pins, 16, &job->strs) < 0)
		return rpc_call_oom(call);
	job->wj = (struct worker_job) { .run = orphans_run, .done = orphans_done };
	job->d = d;
	job->min_age_ns = (__u64)a->older_than_s * 1000000000ULL;
	if (a->objects && !a->free)
		return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
				      "\"objects\" drops objects of orphans that \"free\" frees: "
				      "give both");
	job->free = a->free;
	job->objects = a->objects;
	job->call = rpc_call_defer(call);
	if (!job->call)
		return 0;
	worker_submit(d->ledger_worker, &TAKE_PTR(job)->wj);
	return 0;
}
