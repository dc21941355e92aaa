/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A worker thread for work that must not hold up the event loop (a census,
 * a snapshot of the whole ledger): jobs run there one at a time, in the
 * order submitted, and come back to the loop through an eventfd, so that
 * replies and the daemon's state are only touched on the loop.
 */
#ifndef __ARENAD_WORKER_H
#define __ARENAD_WORKER_H

#include <systemd/sd-event.h>

#include "cleanup.h"

struct worker_job {
	/* On the worker thread. It may only touch what the job owns and
	 * what is immutable or thread-safe while the daemon runs. */
	void (*run)(struct worker_job *job);
	/* On the event loop, once run returned (error 0), or when the
	 * worker stops before running it (error -ECANCELED). It owns the
	 * job from then on. */
	void (*done)(struct worker_job *job, int error);
	struct worker_job *next;	/* the worker's */
};

struct worker;

/* Start a thread named name (at most 15 characters) whose jobs come back
 * on e. Logs its failures (start-up). */
int worker_new(sd_event *e, const char *name, struct worker **out);
/* Queue job; it runs after every job submitted before it. */
void worker_submit(struct worker *w, struct worker_job *job);
/* Stop the thread after the job it is running; every job not delivered
 * yet gets done() here, the ones not run with -ECANCELED. Returns NULL. */
struct worker *worker_free(struct worker *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct worker *, worker_free);

#endif /* __ARENAD_WORKER_H */
