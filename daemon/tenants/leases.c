// SPDX-License-Identifier: LGPL-2.1-or-later
/* Leases: allocations that end with their holder (leases.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <bpf/bpf.h>

#include "holder.h"
#include "leases.h"
#include "log.h"
#include "owners.h"
#include "util.h"

/* How often holders without a pidfd are checked by pid and start time. */
#define POLL_USEC	(1000 * 1000ULL)

struct watched {
	pid_t pid;
	__u64 start_ns;
	int pidfd;			/* -1: polled */
	sd_event_source *src;
	bool gone;			/* exited: its leases end in the next sweep */
};

struct conn_lease {
	__u64 conn_id;
	__u32 pgoff;
	__u64 time_ns;
};

struct leases {
	sd_event *e;
	const struct arenad_pins *pins;
	__u64 user_vm_start;
	struct owner_strings *strs;
	struct watched *w;		/* the holders of process leases */
	size_t n_w, cap_w;
	unsigned int n_pidfds;
	struct conn_lease *c;		/* connection leases */
	size_t n_c, cap_c;
	sd_event_source *sweep;		/* deferred: reads the ledger once */
	sd_event_source *poll;		/* the polled holders' timer */
	bool resync;			/* the sweep also looks for new holders */
	struct leases_stats st;
};

static void sweep_soon(struct leases *l)
{
	(void)sd_event_source_set_enabled(l->sweep, SD_EVENT_ONESHOT);
}

/* Why a lease ended, for the log and the counters. */
enum lease_end {
	END_PROCESS,
	END_CONNECTION,
	END_RESTART,
};

/*
 * Free r, whose lease ended. Only the allocation made at r->time_ns: one
 * freed meanwhile and made again at that address is another one's.
 */
static void end_lease(struct leases *l, const struct arenad_range *r, enum lease_end why)
{
	struct arenad_req req = {
		.op = ARENAD_OP_FREE,
		.addr = l->user_vm_start + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT),
		.time_ns = r->time_ns,
	};
	char owner[ARENAD_STR_LEN + 16], name[ARENAD_STR_LEN + 16] = "", because[96];
	const char *s;
	int err;

	/* Before the free, which drops the strings; copied, as the next
	 * lookup reuses the buffer. */
	(void)owner_strings_get(l->strs, r->owner, &s);
	snprintf(owner, sizeof(owner), "%s", s);
	if (r->name) {
		(void)owner_strings_get(l->strs, r->name, &s);
		snprintf(name, sizeof(name), "%s", s);
	}

	err = arenad_pins__run(l->pins, &req);
	if (err == -ENOENT || err == -ESTALE)
		return;		/* freed by someone else meanwhile */
	switch (why) {
	case END_PROCESS:
		snprintf(because, sizeof(because), "its holder, pid %d (%.*s), exited",
			 (int)r->pid, (int)sizeof(r->comm), r->comm);
		break;
	case END_CONNECTION:
		snprintf(because, sizeof(because), "the connection it was made on closed");
		break;
	case END_RESTART:
		snprintf(because, sizeof(because),
			 "the connection it was made on closed when arenad stopped");
		break;
	}
	if (err < 0) {
		log_warning_errno(err, "lease of owner '%s' (%u pages at 0x%llx) ended, as %s, "
				  "but freeing it failed", owner, r->pages,
				  (unsigned long long)req.addr, because);
		return;
	}
	log_info("lease ended: freed %u pages at 0x%llx of owner '%s'%s%s%s: %s",
		 r->pages, (unsigned long long)req.addr, owner, r->name ? ", name '" : "",
		 r->name ? name : "", r->name ? "'" : "", because);
	l->st.pages_freed += r->pages;
	if (why == END_PROCESS)
		l->st.ended_process++;
	else if (why == END_CONNECTION)
		l->st.ended_connection++;
	else
		l->st.ended_restart++;
}

static struct watched *find_watched(struct leases *l, pid_t pid, __u64 start_ns)
{
	size_t i;

	for (i = 0; i < l->n_w; i++)
		if (holder_same(l->w[i].pid, l->w[i].start_ns, pid, start_ns))
			return &l->w[i];
	return NULL;
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct leases *l = userdata;
	size_t i;

	for (i = 0; i < l->n_w; i++)
		if (l->w[i].src == s)
			l->w[i].gone = true;
	(void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
	sweep_soon(l);
	return 0;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct leases *l = userdata;
	bool any = false;
	size_t i;

	for (i = 0; i < l->n_w; i++) {
		if (l->w[i].pidfd >= 0 || l->w[i].gone)
			continue;
		if (holder_alive(l->w[i].pid, l->w[i].start_ns) == 0)
			l->w[i].gone = true;
		else
			any = true;
	}
	sweep_soon(l);
	if (any) {
		(void)sd_event_source_set_time_relative(s, POLL_USEC);
		(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	}
	return 0;
}

/*
 * Watch pid: a pidfd, opened before the start time is checked, so that
 * the process checked is the one the pidfd refers to (its pid cannot be
 * taken by another until it is reaped, and then the pidfd is readable).
 */
static void watch(struct leases *l, struct watched *w)
{
	int fd, r;

	w->pidfd = -1;
	w->src = NULL;
	w->gone = false;
	fd = -1;
	r = -1;			/* not known yet */
	if (l->n_pidfds < LEASES_MAX_WATCHED) {
		fd = pidfd_open(w->pid, 0);
		if (fd < 0 && errno == ESRCH)
			r = 0;
	}
	if (r)
		r = holder_alive(w->pid, w->start_ns);
	if (r == 0) {
		w->gone = true;
		safe_close(fd);
		return;
	}
	if (fd >= 0 && sd_event_add_io(l->e, &w->src, fd, EPOLLIN, on_pidfd, l) >= 0) {
		(void)sd_event_source_set_io_fd_own(w->src, true);
		w->pidfd = fd;
		l->n_pidfds++;
		return;
	}
	safe_close(fd);
	/* No pidfd (too many holders, or out of descriptors): by pid and
	 * start time, which no reused pid passes either. */
	(void)sd_event_source_set_time_relative(l->poll, POLL_USEC);
	(void)sd_event_source_set_enabled(l->poll, SD_EVENT_ONESHOT);
}

void leases_watch(struct leases *l, pid_t pid, __u64 start_ns)
{
	struct watched *w;

	if (!l || pid <= 0 || find_watched(l, pid, start_ns))
		return;
	if (l->n_w == l->cap_w) {
		size_t cap = l->cap_w ? l->cap_w * 2 : 16;

		w = reallocarray(l->w, cap, sizeof(*w));
		if (!w) {
			/* The next sweep of the whole ledger finds it again. */
			l->resync = true;
			sweep_soon(l);
			return;
		}
		l->w = w;
		l->cap_w = cap;
	}
	w = &l->w[l->n_w++];
	*w = (struct watched) { .pid = pid, .start_ns = start_ns };
	watch(l, w);
	if (w->gone)
		sweep_soon(l);
}

static void unwatch(struct leases *l, size_t i)
{
	if (l->w[i].src) {
		sd_event_source_disable_unref(l->w[i].src);	/* closes the pidfd */
		l->n_pidfds--;
	}
	l->w[i] = l->w[--l->n_w];
}

/* Is the allocation r one of connection conn_id's leases? */
static bool held_by_connection(const struct leases *l, const struct arenad_range *r)
{
	size_t i;

	for (i = 0; i < l->n_c; i++)
		if (l->c[i].pgoff == r->pgoff && l->c[i].time_ns == r->time_ns)
			return true;
	return false;
}

/*
 * One read of the ledger: end the process leases of holders gone, and
 * with adopt the connection leases no connection of this daemon holds;
 * with resync (or adopt) watch holders not heard of yet.
 */
static void sweep(struct leases *l, bool adopt)
{
	_cleanup_free_ struct arenad_range *recs = NULL;
	bool resync = l->resync || adopt;
	struct watched *w;
	size_t i, n;
	int r;

	l->resync = false;
	r = arenad_pins__ranges(l->pins, &recs, &n);
	if (r < 0) {
		log_warning_errno(r, "read the ledger for leases; trying again in a second");
		l->resync = resync;
		(void)sd_event_source_set_time_relative(l->poll, POLL_USEC);
		(void)sd_event_source_set_enabled(l->poll, SD_EVENT_ONESHOT);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct arenad_range *rec = &recs[i];

		if (rec->flags & ARENAD_LEASE_CONNECTION) {
			if (adopt && !held_by_connection(l, rec))
				end_lease(l, rec, END_RESTART);
			continue;
		}
		if (!(rec->flags & ARENAD_LEASE_PROCESS))
			continue;
		w = find_watched(l, rec->pid, rec->start_ns);
		if (!w && resync) {
			leases_watch(l, rec->pid, rec->start_ns);
			w = find_watched(l, rec->pid, rec->start_ns);
		}
		if (w && w->gone)
			end_lease(l, rec, END_PROCESS);
	}
	/* Their leases ended above (or were freed before). */
	for (i = l->n_w; i-- > 0;)
		if (l->w[i].gone)
			unwatch(l, i);
}

static int on_sweep(sd_event_source *s, void *userdata)
{
	sweep(userdata, false);
	return 0;
}

void leases_adopt(struct leases *l)
{
	sweep(l, true);
}

void leases_resync(struct leases *l)
{
	if (!l)
		return;
	l->resync = true;
	sweep_soon(l);
}

bool leases_connection_room(const struct leases *l, __u64 conn_id)
{
	size_t i, k = 0;

	if (!l)
		return false;
	for (i = 0; i < l->n_c; i++)
		k += l->c[i].conn_id == conn_id;
	return k < LEASES_MAX_PER_CONNECTION;
}

int leases_connection_add(struct leases *l, __u64 conn_id, __u32 pgoff, __u64 time_ns)
{
	struct conn_lease *c;

	if (!l)
		return -EOPNOTSUPP;
	if (!leases_connection_room(l, conn_id))
		return -ENOSPC;
	if (l->n_c == l->cap_c) {
		size_t cap = l->cap_c ? l->cap_c * 2 : 16;

		c = reallocarray(l->c, cap, sizeof(*c));
		if (!c)
			return -ENOMEM;
		l->c = c;
		l->cap_c = cap;
	}
	l->c[l->n_c++] = (struct conn_lease) { .conn_id = conn_id, .pgoff = pgoff, .time_ns = time_ns };
	return 0;
}

void leases_forget(struct leases *l, __u32 pgoff)
{
	size_t i;

	if (!l)
		return;
	for (i = l->n_c; i-- > 0;)
		if (l->c[i].pgoff == pgoff)
			l->c[i] = l->c[--l->n_c];
}

void leases_connection_closed(__u64 conn_id, void *userdata)
{
	struct leases *l = userdata;
	struct arenad_range rec;
	size_t i;
	int r;

	for (i = l->n_c; i-- > 0;) {
		if (l->c[i].conn_id != conn_id)
			continue;
		/* The entry as the ledger has it now, for the log; gone or
		 * another allocation at that address: nothing to end. */
		r = bpf_map_lookup_elem(arenad_pins__ledger_fd(l->pins), &l->c[i].pgoff, &rec);
		if (r == 0 && rec.time_ns == l->c[i].time_ns)
			end_lease(l, &rec, END_CONNECTION);
		l->c[i] = l->c[--l->n_c];
	}
}

void leases_stats(const struct leases *l, struct leases_stats *st)
{
	size_t i;

	*st = l->st;
	st->holders = l->n_w;
	st->polled = 0;
	for (i = 0; i < l->n_w; i++)
		st->polled += l->w[i].pidfd < 0;
	st->connection_leases = l->n_c;
}

int leases_new(sd_event *e, const struct arenad_pins *pins, __u64 user_vm_start,
	       struct owner_strings *strs, struct leases **ret)
{
	_cleanup_(leases_freep) struct leases *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return log_oom();
	l->e = e;
	l->pins = pins;
	l->user_vm_start = user_vm_start;
	l->strs = strs;
	r = sd_event_add_defer(e, &l->sweep, on_sweep, l);
	if (r >= 0)
		r = sd_event_source_set_enabled(l->sweep, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time_relative(e, &l->poll, CLOCK_MONOTONIC, POLL_USEC, 0, on_poll, l);
	if (r >= 0)
		r = sd_event_source_set_enabled(l->poll, SD_EVENT_OFF);
	if (r < 0)
		return log_error_errno(r, "watch lease holders");
	*ret = TAKE_PTR(l);
	return 0;
}

struct leases *leases_free(struct leases *l)
{
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < l->n_w; i++)
		sd_event_source_disable_unref(l->w[i].src);
	free(l->w);
	free(l->c);
	sd_event_source_disable_unref(l->sweep);
	sd_event_source_disable_unref(l->poll);
	free(l);
	return NULL;
}
