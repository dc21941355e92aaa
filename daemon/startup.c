// SPDX-License-Identifier: LGPL-2.1-or-later
/* Start-up after READY=1, on a thread (startup.h). Start-up: logs its own
 * failures and what it finished (log.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "census.h"
#include "daemon.h"
#include "inventory.h"
#include "log.h"
#include "server.h"
#include "startup.h"
#include "util.h"
#include "worker.h"

struct startup {
	struct arenad *d;
	startup_done_t done;
	pthread_t thread;
	bool joined;
	int efd;
	sd_event_source *src;
	__u64 begun_usec;

	/* The thread's input, copied so that it touches nothing of d. */
	int arena_fd;
	__u32 pages;
	/* Its result, read by the loop after the eventfd fired. */
	struct census *census;
};

static void *load(void *arg)
{
	struct startup *s = arg;
	__u64 one = 1;

	/* A failure is logged; the daemon then runs without a census, as it
	 * would on a kernel that lacks what the census needs. */
	if (census_new(s->arena_fd, s->pages, &s->census) < 0)
		s->census = NULL;
	if (write(s->efd, &one, sizeof(one)) < 0) {
		/* An eventfd counter this small cannot overflow. */
	}
	return NULL;
}

static void join(struct startup *s)
{
	if (!s->joined) {
		pthread_join(s->thread, NULL);
		s->joined = true;
	}
}

static void finish(struct startup *s)
{
	struct arenad *d = s->d;

	d->starting = false;
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

static int on_loaded(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct startup *s = userdata;
	struct arenad *d = s->d;

	join(s);
	s->src = sd_event_source_disable_unref(s->src);
	d->census = TAKE_PTR(s->census);
	/* From here on the census is used on its worker thread only. */
	if (d->census && worker_new(d->event, "arenad-census", &d->census_worker) < 0)
		d->census = census_free(d->census);
	/* The inventory's first job loads its own programs, the next takes
	 * the first inventory: start-up is done when that comes back. */
	if (inventory_new(d, &d->inventory) < 0)
		d->inventory = inventory_free(d->inventory);
	if (!d->inventory ||
	    inventory_submit(d->inventory, INV_JOB_ARENAS, 0, on_first_inventory, s) < 0)
		finish(s);
	return 0;
}

int startup_begin(struct arenad *d, startup_done_t done, struct startup **out)
{
	_cleanup_(startup_freep) struct startup *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return log_oom();
	*s = (struct startup) {
		.d = d,
		.done = done,
		.joined = true,
		.efd = -1,
		.begun_usec = now_usec(CLOCK_MONOTONIC),
		.arena_fd = arenad_pins__arena_fd(d->arena->pins),
		.pages = d->arena->ident.pages_total,
	};
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0)
		return log_error_errno(-errno, "start-up: eventfd");
	r = sd_event_add_io(d->event, &s->src, s->efd, EPOLLIN, on_loaded, s);
	if (r < 0)
		return log_error_errno(r, "start-up: watch eventfd");
	r = -pthread_create(&s->thread, NULL, load, s);
	if (r < 0)
		return log_error_errno(r, "start-up: start thread");
	s->joined = false;
	d->starting = true;
	*out = TAKE_PTR(s);
	return 0;
}

struct startup *startup_free(struct startup *s)
{
	if (!s)
		return NULL;
	join(s);
	sd_event_source_disable_unref(s->src);
	safe_close(s->efd);
	census_free(s->census);
	free(s);
	return NULL;
}
