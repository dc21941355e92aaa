// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A worker thread with a job queue (worker.h). Start-up (worker_new) logs
 * its failures; jobs report theirs to their done().
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "worker.h"

struct worker {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;			/* under lock */
	struct worker_job *todo, *todo_tail;	/* under lock, oldest first */
	struct worker_job *finished;	/* under lock, newest first */
	int efd;
	sd_event_source *src;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	__u64 one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct worker_job *job;

		while (!w->stop && !w->todo)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		job = w->todo;
		w->todo = job->next;
		if (!w->todo)
			w->todo_tail = NULL;
		pthread_mutex_unlock(&w->lock);

		job->run(job);

		pthread_mutex_lock(&w->lock);
		job->next = w->finished;
		w->finished = job;
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow here: the loop reads it. */
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Deliver the finished jobs, oldest first (a later inventory must end up
 * the latest). */
static void deliver(struct worker *w)
{
	struct worker_job *jobs, *rev = NULL, *next;

	pthread_mutex_lock(&w->lock);
	jobs = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->lock);
	for (; jobs; jobs = next) {
		next = jobs->next;
		jobs->next = rev;
		rev = jobs;
	}
	for (; rev; rev = next) {
		next = rev->next;
		rev->done(rev, 0);
	}
}

static int on_finished(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	__u64 n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return 0;
	deliver(userdata);
	return 0;
}

void worker_submit(struct worker *w, struct worker_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail)
		w->todo_tail->next = job;
	else
		w->todo = job;
	w->todo_tail = job;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int worker_new(sd_event *e, const char *name, struct worker **out)
{
	_cleanup_(worker_freep) struct worker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return log_oom();
	w->efd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return log_error_errno(-errno, "%s: eventfd", name);
	r = sd_event_add_io(e, &w->src, w->efd, EPOLLIN, on_finished, w);
	if (r < 0)
		return log_error_errno(r, "%s: watch eventfd", name);
	r = -pthread_create(&w->thread, NULL, work, w);
	if (r < 0)
		return log_error_errno(r, "%s: start thread", name);
	w->started = true;
	/* For top -H and /proc/PID/task/TID/comm; failing is harmless. */
	pthread_setname_np(w->thread, name);
	*out = TAKE_PTR(w);
	return 0;
}

struct worker *worker_free(struct worker *w)
{
	struct worker_job *j, *next;

	if (!w)
		return NULL;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	deliver(w);
	for (j = w->todo; j; j = next) {
		next = j->next;
		j->done(j, -ECANCELED);
	}
	sd_event_source_disable_unref(w->src);
	safe_close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
	return NULL;
}
