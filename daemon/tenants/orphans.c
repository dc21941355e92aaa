// SPDX-License-Identifier: LGPL-2.1-or-later
/* Allocations nobody will free (orphans.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "holder.h"
#include "orphans.h"
#include "util.h"
#include "worker.h"

/* Is r one that only its creator could have freed? */
static bool unnamed_unleased(const struct arenad_range *r)
{
	return !r->name && !(r->flags & ARENAD_LEASE_MASK) && r->pid;
}

size_t orphans_filter(struct arenad_range *recs, size_t n, __u64 now_ns, __u64 min_age_ns,
		      int (*alive)(pid_t pid, __u64 start_ns))
{
	/* The ledger comes sorted by address, and one creator's
	 * allocations often sit together: ask once per run of them. */
	pid_t last_pid = 0;
	__u64 last_start = 0;
	int last = 1;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct arenad_range *r = &recs[i];

		if (!unnamed_unleased(r) || r->time_ns > now_ns || now_ns - r->time_ns < min_age_ns)
			continue;
		if ((pid_t)r->pid != last_pid || r->start_ns != last_start) {
			last_pid = r->pid;
			last_start = r->start_ns;
			last = alive(r->pid, r->start_ns);
		}
		if (last == 0)
			recs[k++] = *r;
	}
	return k;
}

int orphans_read(const struct arenad_pins *pins, __u64 min_age_ns, struct arenad_range **recs,
		 size_t *n)
{
	int r = arenad_pins__ranges(pins, recs, n);

	if (r < 0)
		return r;
	*n = orphans_filter(*recs, *n, now_usec(CLOCK_BOOTTIME) * 1000, min_age_ns, holder_alive);
	return 0;
}

struct orphans {
	const struct arenad_pins *pins;
	struct worker *worker;
	struct orphans_count last;
	bool known;
	struct count_job *pending;	/* on the worker */
};

struct count_job {
	struct worker_job wj;		/* first: the worker hands it back */
	struct orphans *o;		/* NULL: o went away */
	const struct arenad_pins *pins;
	struct orphans_count c;
	int error;
};

static void count_run(struct worker_job *wj)
{
	struct count_job *job = (struct count_job *)wj;
	_cleanup_free_ struct arenad_range *recs = NULL;
	size_t i, n;

	job->error = orphans_read(job->pins, 0, &recs, &n);
	for (i = 0; !job->error && i < n; i++) {
		job->c.allocations++;
		job->c.pages += recs[i].pages;
	}
}

static void count_done(struct worker_job *wj, int error)
{
	_cleanup_free_ struct count_job *job = (struct count_job *)wj;

	if (!job->o)
		return;
	job->o->pending = NULL;
	if (!error && !job->error)
		orphans_set(job->o, &job->c);
}

int orphans_new(const struct arenad_pins *pins, struct worker *w, struct orphans **ret)
{
	struct orphans *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->pins = pins;
	o->worker = w;
	*ret = o;
	return 0;
}

struct orphans *orphans_free(struct orphans *o)
{
	if (!o)
		return NULL;
	if (o->pending)
		o->pending->o = NULL;
	free(o);
	return NULL;
}

void orphans_refresh(struct orphans *o)
{
	struct count_job *job;

	if (!o || o->pending)
		return;
	job = calloc(1, sizeof(*job));
	if (!job)
		return;		/* the next census tries again */
	job->wj = (struct worker_job) { .run = count_run, .done = count_done };
	job->o = o;
	job->pins = o->pins;
	o->pending = job;
	worker_submit(o->worker, &job->wj);
}

void orphans_set(struct orphans *o, const struct orphans_count *c)
{
	if (!o)
		return;
	o->last = *c;
	o->known = true;
}

bool orphans_latest(const struct orphans *o, struct orphans_count *c)
{
	if (!o || !o->known)
		return false;
	*c = o->last;
	return true;
}
