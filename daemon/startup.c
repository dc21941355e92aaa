// SPDX-License-Identifier: LGPL-2.1-or-later
/* Start-up after READY=1, as the census worker's first job (startup.h).
 * Start-up: logs its own failures and what it finished (log.h). */
#include <errno.h>
#include <stdlib.h>

#include "arena.h"
#include "census.h"
#include "daemon.h"
#include "inventory.h"
#include "log.h"
#include "scan.h"
#include "server.h"
#include "startup.h"
#include "util.h"
#include "worker.h"

struct startup {
	struct worker_job wj;		/* first: the worker hands it back */
	struct arenad *d;
	startup_done_t done;
	__u64 begun_usec;
	bool running;			/* until finish() */

	/* The job's input, copied so that it touches nothing of d but the
	 * arena, when its allocator is to be replaced (arena.h says how
	 * that is safe beside the loop). */
	int arena_fd;
	__u32 pages;
	struct arena *stale;
	/* Its result, taken by the loop when the job comes back. */
	struct census *census;
	__u32 build;
};

static void load(struct worker_job *wj)
{
	struct startup *s = (struct startup *)wj;

	/* On failure (logged) the other build's allocator goes on serving,
	 * and the next start tries again. */
	if (s->stale)
		(void) arena_replace_allocator(s->stale, &s->build);

	/* A failure is logged; the daemon then runs without a census, as it
	 * would on a kernel that lacks what the census needs. */
	if (census_new(s->arena_fd, s->pages, &s->census) < 0)
		s->census = NULL;
}

static void finish(struct startup *s)
{
	struct arenad *d = s->d;

	s->running = false;
	log_info("start-up done in %llu ms after READY",
		 (unsigned long long)(now_usec(CLOCK_MONOTONIC) - s->begun_usec) / 1000);
	s->done(d);
	server_resume(d->server);
}

static void on_first_inventory(json_object *result, const struct rpc_error *err, void *userdata)
{
	json_object_put(result);
	finish(userdata);
}

static void loaded(struct worker_job *wj, int error)
{
	struct startup *s = (struct startup *)wj;
	struct arenad *d = s->d;

	if (error)		/* shutting down before it ran */
		return;
	/* From here on the census is used on its worker only. */
	d->census = TAKE_PTR(s->census);
	scanner_set_census(d->scanner, d->census);
	if (s->stale)
		d->arena->ident.alloc_build = s->build;
	/* The inventory's first job loads its own programs, the next takes
	 * the first inventory: start-up is done when that comes back. */
	if (inventory_new(d->census, d->census_worker, arenad_pins__arena_fd(d->arena->pins),
			  d->arena->map_id, &d->inventory) < 0)
		d->inventory = inventory_free(d->inventory);
	if (!d->inventory ||
	    inventory_submit(d->inventory, INV_JOB_ARENAS, 0, on_first_inventory, s) < 0)
		finish(s);
}

int startup_begin(struct arenad *d, startup_done_t done, struct startup **out)
{
	struct startup *s;
	int r;

	r = worker_new(d->event, "arenad-census", &d->census_worker);
	if (r < 0)
		return r;
	r = scanner_new(d->census_worker, d->arena->pins, d->arena->ident.user_vm_start,
			d->arena->map_id, &d->scanner);
	if (r < 0)
		return log_oom();
	s = calloc(1, sizeof(*s));
	if (!s)
		return log_oom();
	*s = (struct startup) {
		.wj = { .run = load, .done = loaded },
		.d = d,
		.done = done,
		.begun_usec = now_usec(CLOCK_MONOTONIC),
		.arena_fd = arenad_pins__arena_fd(d->arena->pins),
		.pages = d->arena->ident.pages_total,
		.stale = arena_allocator_stale(d->arena) ? d->arena : NULL,
	};
	s->running = true;
	worker_submit(d->census_worker, &s->wj);
	*out = s;
	return 0;
}

bool startup_running(const struct startup *s)
{
	return s && s->running;
}

struct startup *startup_free(struct startup *s)
{
	if (!s)
		return NULL;
	census_free(s->census);
	free(s);
	return NULL;
}
