// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The inventory of every arena on the host (see inventory.h).
 *
 * Its jobs run on the census worker (worker.h), the one
 * thread that uses the census and users BPF objects after start-up: a full
 * inventory, the census of one arena with its runs, or the holders of one
 * arena (programs and processes from BPF iterators, pins from a walk of the
 * BPF file systems, arena_pins.h). Jobs come from the event loop and go back to it, so that replies,
 * the latest inventory and every json-c object a client sees are handled
 * on the loop. A census of several hundred milliseconds (probing every
 * page of a 4 GiB arena where the kernel has no range tree) thus never
 * holds up other clients.
 *
 * Logging: start-up (inventory_new) logs its own failures; jobs do not,
 * they answer errors to the client.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena_pins.h"
#include "arenad_census.h"
#include "arenad_users.h"
#include "bitmap.h"
#include "census.h"
#include "cleanup.h"
#include "inventory.h"
#include "inventory_holders.h"
#include "inventory_json.h"
#include "log.h"
#include "users.h"
#include "util.h"
#include "worker.h"

struct inv_job {
	struct worker_job wj;		/* first: the worker hands it back */
	struct inventory *inv;
	enum inv_job_kind kind;
	__u32 map_id;
	int method;			/* SCAN: asked for; 0: the default */
	inv_done_t done;
	void *userdata;
	struct inv_list *list;		/* ARENAS: the new inventory */
	json_object *result;		/* SCAN, WHO */
	struct rpc_error err;		/* when neither */
};

struct inventory {
	int managed_fd;			/* the managed arena, which the users iterators take */
	__u32 managed_id;
	struct census *census;		/* its map iterator */
	const struct census_verdict *verdict;	/* the census's for these arenas */

	struct users *users;
	char users_unavailable[256];	/* why programs/processes are missing */

	struct worker *worker;		/* the census worker */
	struct worker_job load;		/* loads users on the worker */
	__u64 refresh_usec;		/* when inventory_refresh() last asked */
	pthread_mutex_t lock;
	struct inv_list *latest;	/* under lock */
};

/* ---- lists ------------------------------------------------------------- */

static void arena_clear(struct inv_arena *a)
{
	for (size_t i = 0; i < a->n_procs; i++)
		free(a->procs[i].unit);
	for (size_t i = 0; i < a->n_pins; i++)
		free(a->pins[i]);
	free(a->procs);
	free(a->progs);
	free(a->pins);
}

void inv_list_unref(struct inv_list *l)
{
	if (!l || __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (size_t i = 0; i < l->n; i++)
		arena_clear(&l->arenas[i]);
	free(l->arenas);
	free(l);
}

struct inv_list *inventory_latest(struct inventory *inv)
{
	struct inv_list *l;

	if (!inv)
		return NULL;
	pthread_mutex_lock(&inv->lock);
	l = inv->latest;
	if (l)
		__atomic_add_fetch(&l->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&inv->lock);
	return l;
}

/* ---- the worker's BPF runs -------------------------------------------------- */

/*
 * One pass of the map iterator: every arena (target 0), or the map with
 * id target whatever its type; method 0 lists without a census.
 */
static int read_arenas(struct inventory *inv, __u32 target, int method, bool mark,
		       struct arenad_arena_rec **recs, size_t *n)
{
	return census_iter_read(inv->census, target, method, mark, recs, n);
}

static int read_users(struct inventory *inv, struct arenad_user_rec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return inv->users ? users_read(inv->users, out, n) : 0;
}

/*
 * The self-test's arena, closed at start-up but not freed by the kernel
 * yet (census_selftest_id()), is arenad's own and on its way out: not an
 * arena of the host. Should anything hold it, it is listed with that.
 */
static bool selftest_leftover(const struct inventory *inv, const struct inv_arena *a)
{
	return a->map_id == census_selftest_id(inv->census) && !a->n_progs && !a->n_procs &&
	       !a->n_pins;
}

static int cmp_arena(const void *x, const void *y)
{
	const struct inv_arena *a = x, *b = y;

	return a->map_id < b->map_id ? -1 : a->map_id > b->map_id;
}

static void fill_arena(struct inventory *inv, const struct arenad_arena_rec *rec,
		       __u64 duration_us, struct inv_arena *a)
{
	*a = (struct inv_arena) {
		.map_id = rec->map_id,
		.pages_total = rec->max_entries,
		.page_size = page_size(),	/* every arena's, not only ours */
		.map_flags = rec->map_flags,
		.user_vm_start = rec->user_vm_start,
		.managed = rec->map_id == inv->managed_id,
		.census_duration_us = duration_us,
	};
	memcpy(a->name, rec->name, sizeof(a->name));
	a->name[sizeof(a->name) - 1] = 0;
	if (!inv->verdict->method) {
		snprintf(a->census_unavailable, sizeof(a->census_unavailable), "%.*s",
			 (int)sizeof(a->census_unavailable) - 1, inv->verdict->reason);
	} else if (rec->ret) {
		a->census_method = census_method_name(rec->method);
		snprintf(a->census_unavailable, sizeof(a->census_unavailable), "%s census failed: %s",
			 census_method_name(rec->method), strerror(rec->ret < 0 ? -rec->ret : EPROTO));
	} else {
		a->census_ok = true;
		a->census_method = census_method_name(rec->method);
		a->pages_present = rec->present;
		a->pages_probed = rec->probed;
	}
}

static void pins_freep(struct arena_pin **p, size_t *n)
{
	arena_pins_free(*p, *n);
	*p = NULL;
	*n = 0;
}

static int build_list(struct inventory *inv, struct inv_list **out)
{
	_cleanup_free_ struct arenad_arena_rec *recs = NULL;
	_cleanup_free_ struct arenad_user_rec *users = NULL;
	struct arena_pin *pins = NULL;
	__u64 t0 = now_usec(CLOCK_MONOTONIC);
	struct inv_list *l;
	size_t n, nu, np = 0;
	int r;

	r = read_arenas(inv, 0, inv->verdict->method, false, &recs, &n);
	if (r < 0)
		return r;
	/* A census that failed in the pass over all gets a run of its own
	 * (census.h: the retry policy). */
	for (size_t i = 0; i < n; i++)
		if (census_foreign_again(inv->census, &recs[i])) {
			struct arenad_arena_rec again;

			if (census_run_foreign(inv->census, recs[i].map_id, 0, false, &again) == 0)
				recs[i] = again;
		}
	r = read_users(inv, &users, &nu);
	if (r < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->refs = 1;
	/* Without the pins (mountinfo unreadable) the rest still stands. */
	l->pins_known = arena_pins_find(&pins, &np) == 0;
	l->arenas = calloc(n ?: 1, sizeof(*l->arenas));
	if (!l->arenas) {
		pins_freep(&pins, &np);
		free(l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct inv_arena *a = &l->arenas[l->n];

		fill_arena(inv, &recs[i], 0, a);
		r = inv_holders_of(recs[i].map_id, users, nu, pins, np, a);
		if (r < 0) {
			arena_clear(a);
			pins_freep(&pins, &np);
			inv_list_unref(l);
			return r;
		}
		if (selftest_leftover(inv, a))
			arena_clear(a);
		else
			l->n++;
	}
	pins_freep(&pins, &np);
	qsort(l->arenas, l->n, sizeof(*l->arenas), cmp_arena);
	l->when_usec = now_usec(CLOCK_MONOTONIC);
	l->duration_us = l->when_usec - t0;
	*out = l;
	return 0;
}

/*
 * A map id that names no map is "not found", as an unknown name or
 * address is; a map of another type is the caller's mistake.
 */
static int check_target(struct inventory *inv, __u32 map_id, struct arenad_arena_rec *rec,
			struct rpc_error *err)
{
	_cleanup_free_ struct arenad_arena_rec *recs = NULL;
	size_t n;
	int r;

	r = read_arenas(inv, map_id, 0, false, &recs, &n);
	if (r < 0)
		return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "map iterator: %s", strerror(-r));
	if (!n)
		return rpc_set_error(err, ARENAD_ERR_NOT_FOUND, "no BPF map with id %u", map_id);
	if (recs[0].map_type != ARENAD_MAP_TYPE_ARENA) {
		const char *t = libbpf_bpf_map_type_str(recs[0].map_type);

		/* The type as libbpf names it ("array", "lru_hash"), where an
		 * article in front would often be wrong. */
		if (t)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "map %u ('%.16s') is not an arena: its type is %s", map_id,
					     recs[0].name, t);
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "map %u ('%.16s') is not an arena: its type is %u", map_id,
				     recs[0].name, recs[0].map_type);
	}
	*rec = recs[0];
	return 0;
}

static void do_scan(struct inventory *inv, struct inv_job *job)
{
	_cleanup_free_ struct page_run *runs = NULL;
	struct arenad_arena_rec rec;
	__u64 t0 = now_usec(CLOCK_MONOTONIC);
	size_t nruns = 0;
	int r;

	if (check_target(inv, job->map_id, &rec, &job->err) < 0)
		return;
	if (!inv->verdict->method) {
		rpc_set_error(&job->err, ARENAD_ERR_UNAVAILABLE, "census unavailable: %s",
			      inv->verdict->reason);
		return;
	}
	r = census_run_foreign(inv->census, job->map_id, job->method, true, &rec);
	if (r == -ENOENT) {
		rpc_set_error(&job->err, ARENAD_ERR_NOT_FOUND, "arena %u went away during the census",
			      job->map_id);
		return;
	}
	if (r < 0 || rec.ret) {
		rpc_set_error(&job->err, ARENAD_ERR_UNAVAILABLE, "census of arena %u failed: %s",
			      job->map_id, strerror(r < 0 ? -r : rec.ret < 0 ? -rec.ret : EPROTO));
		return;
	}
	r = bitmap_runs(census_iter_bits(inv->census), rec.max_entries, &runs, &nruns);
	if (r < 0) {
		rpc_set_error(&job->err, ARENAD_RPC_INTERNAL_ERROR, "census runs: %s", strerror(-r));
		return;
	}
	job->result = inv_scan_json(&rec, rec.map_id == inv->managed_id, runs, nruns,
				    now_usec(CLOCK_MONOTONIC) - t0);
}

static void do_who(struct inventory *inv, struct inv_job *job)
{
	_cleanup_free_ struct arenad_user_rec *users = NULL;
	struct arena_pin *pins = NULL;
	struct arenad_arena_rec rec;
	struct inv_arena a = {};
	size_t nu, np = 0;
	int r, pins_r;

	if (check_target(inv, job->map_id, &rec, &job->err) < 0)
		return;
	pins_r = arena_pins_find(&pins, &np);
	r = read_users(inv, &users, &nu);
	if (r >= 0)
		r = inv_holders_of(job->map_id, users, nu, pins, np, &a);
	pins_freep(&pins, &np);
	if (r < 0) {
		arena_clear(&a);
		rpc_set_error(&job->err, ARENAD_RPC_INTERNAL_ERROR, "holders of the arena: %s",
			      strerror(-r));
		return;
	}
	job->result = inv_who_json(&rec, rec.map_id == inv->managed_id, &a,
				   pins_r, inv->users_unavailable);
	arena_clear(&a);
}

/* A result with a part that could not be built is no result. */
static void job_checked(struct inv_job *job)
{
	if (!rpc_alloc_failed())
		return;
	json_object_put(job->result);
	job->result = NULL;
	rpc_oom(&job->err);
}

static void run_job(struct worker_job *wj)
{
	struct inv_job *job = (struct inv_job *)wj;
	struct inventory *inv = job->inv;
	int r;

	switch (job->kind) {
	case INV_JOB_ARENAS:
		r = build_list(inv, &job->list);
		if (r < 0)
			rpc_set_error(&job->err, ARENAD_RPC_INTERNAL_ERROR, "inventory: %s", strerror(-r));
		break;
	case INV_JOB_SCAN:
		do_scan(inv, job);
		break;
	case INV_JOB_WHO:
		do_who(inv, job);
		break;
	}
	job_checked(job);
}

/* ---- the event loop's side ------------------------------------------------ */

static void finish_job(struct worker_job *wj, int error)
{
	struct inv_job *job = (struct inv_job *)wj;
	struct inventory *inv = job->inv;
	json_object *result = job->result;

	if (error)
		rpc_set_error(&job->err, ARENAD_RPC_INTERNAL_ERROR, "shutting down");
	if (job->kind == INV_JOB_ARENAS && job->list) {
		struct inv_list *old;

		if (job->done) {
			rpc_alloc_failed();
			result = inv_list_json(job->list);
			if (rpc_alloc_failed()) {
				json_object_put(result);
				result = NULL;
				rpc_oom(&job->err);
			}
		}
		pthread_mutex_lock(&inv->lock);
		old = inv->latest;
		inv->latest = job->list;
		pthread_mutex_unlock(&inv->lock);
		inv_list_unref(old);
	}
	if (job->done)
		job->done(result, &job->err, job->userdata);
	else
		json_object_put(result);
	free(job);
}

int inventory_submit(struct inventory *inv, enum inv_job_kind kind, __u32 map_id,
		     inv_done_t done, void *userdata)
{
	return inventory_submit_scan(inv, kind, map_id, 0, done, userdata);
}

void inventory_refresh(struct inventory *inv, const struct inv_list *l, __u64 max_age_usec)
{
	__u64 now = now_usec(CLOCK_MONOTONIC);

	if (!inv || (l && now - l->when_usec < max_age_usec))
		return;
	if (inv->refresh_usec && now - inv->refresh_usec < max_age_usec)
		return;
	if (inventory_submit(inv, INV_JOB_ARENAS, 0, NULL, NULL) == 0)
		inv->refresh_usec = now;
}

int inventory_submit_scan(struct inventory *inv, enum inv_job_kind kind, __u32 map_id, int method,
			  inv_done_t done, void *userdata)
{
	struct inv_job *job;

	if (!inv)
		return -EOPNOTSUPP;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	*job = (struct inv_job) {
		.wj = { .run = run_job, .done = finish_job },
		.inv = inv,
		.kind = kind,
		.map_id = map_id,
		.method = method,
		.done = done,
		.userdata = userdata,
	};
	worker_submit(inv->worker, &job->wj);
	return 0;
}

/* ---- set-up ---------------------------------------------------------------- */

/* The first job: loading takes a while (the kernel verifies the
 * iterators), and neither the socket nor start-up need wait for it on the
 * loop. */
static void run_load(struct worker_job *wj)
{
	struct inventory *inv = (struct inventory *)((char *)wj - offsetof(struct inventory, load));
	const char *why;
	int r;

	r = users_load(inv->managed_fd, &inv->users, &why);
	if (r < 0) {
		snprintf(inv->users_unavailable, sizeof(inv->users_unavailable),
			 "program and process iterators: %s: %s", why, strerror(-r));
		log_warning("inventory: no programs or processes: %s", inv->users_unavailable);
	}
}

static void load_done(struct worker_job *wj, int error)
{
}

int inventory_new(struct census *census, struct worker *worker, int managed_fd, __u32 managed_id,
		  struct inventory **out)
{
	struct inventory *inv;
	const char *name;

	*out = NULL;
	if (!census || !census_iter_bits(census)) {
		log_warning("inventory: no map iterator; `arenas` is unavailable");
		return 0;
	}
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return log_oom();
	inv->managed_fd = managed_fd;
	inv->managed_id = managed_id;
	inv->census = census;
	inv->worker = worker;
	pthread_mutex_init(&inv->lock, NULL);
	inv->verdict = census_verdict(census, CENSUS_FOREIGN);
	name = census_method_name(inv->verdict->method);
	inv->load = (struct worker_job) { .run = run_load, .done = load_done };
	worker_submit(inv->worker, &inv->load);
	log_info("inventory: census of every arena with the %s method%s%s", name ?: "(none)",
		 inv->verdict->method ? "" : ": ", census_verdict_unavailable(inv->verdict) ?: "");
	*out = inv;
	return 0;
}

bool inventory_users_known(const struct inventory *inv)
{
	return inv && !inv->users_unavailable[0];
}

struct inventory *inventory_free(struct inventory *inv)
{
	if (!inv)
		return NULL;
	users_free(inv->users);
	inv_list_unref(inv->latest);
	pthread_mutex_destroy(&inv->lock);
	free(inv);
	return NULL;
}
