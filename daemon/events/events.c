// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The event stream (events.h). The kernel's side is one ring buffer that
 * every allocator path writes (arenad_ledger.bpf.h) without waking
 * anyone: a wake-up per record would cost the allocating CPU an irq_work
 * and the daemon a turn of its loop per allocation (in a one-CPU guest
 * the pinned alloc+free pair took 3 to 5 times as long with the daemon
 * running). The loop drains it with libbpf's ring_buffer on a timer
 * instead: every DRAIN_USEC while anyone subscribes, and every
 * DRAIN_IDLE_USEC otherwise, only so that the buffer does not fill and
 * count drops nobody asked about. Each record becomes one
 * notification line, built once and offered to every subscriber; the
 * server queues or drops it per subscriber (conn.h), so a slow reader
 * never holds the loop, and the allocator never waits for the loop: a
 * full ring buffer drops the record and counts it (arena_event_drops()).
 * Quota events come from the same records (quota_events.h). Records of
 * leases wake the daemon (arenad__event()): their holder may exit at
 * once, and its watch must start now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>

#include "arena.h"
#include "events.h"
#include "json_out.h"
#include "log.h"
#include "owners.h"
#include "quota_events.h"
#include "quota_watch.h"
#include "server.h"
#include "util.h"

/* How long a record may wait in the ring buffer: well under the 100 ms a
 * script watching `arenactl-client events` expects. */
#define DRAIN_USEC		(20 * 1000ULL)
#define DRAIN_IDLE_USEC		(1000 * 1000ULL)

struct events {
	struct arena *arena;
	struct owner_strings *strs;
	struct server *srv;
	struct ring_buffer *rb;
	sd_event_source *src;		/* the drain timer */
	sd_event_source *io;		/* records that wake the daemon */
	void (*hook)(const struct arenad_event *r, void *userdata);
	void *hook_userdata;
	unsigned int subscribers;	/* filters, one per subscriber */
	unsigned int fill_subscribers;	/* filters with a fill threshold */
	__u64 received;
	__u64 ring_dropped_seen;	/* the kernel's count, last told */
	struct quota_events *quota;
};

static const char *const kind_names[_EVENT_KIND_MAX] = {
	[EVENT_ALLOC] = "alloc",
	[EVENT_FREE] = "free",
	[EVENT_CENSUS] = "census",
	[EVENT_SHUTDOWN] = "shutdown",
	[EVENT_FILL] = "fill",
	[EVENT_ARENA] = "arena",
	[EVENT_QUOTA] = "quota",
};

const char *event_kind_to_string(enum event_kind k)
{
	return k < _EVENT_KIND_MAX ? kind_names[k] : NULL;
}

int event_kind_from_string(const char *s)
{
	int k;

	for (k = 0; k < _EVENT_KIND_MAX; k++)
		if (!strcmp(kind_names[k], s))
			return k;
	return -1;
}

static __u64 drain_period(const struct events *ev)
{
	return ev->subscribers ? DRAIN_USEC : DRAIN_IDLE_USEC;
}

/* The first subscriber makes the drain frequent, the last one slow. */
static void subscribers_changed(struct events *ev)
{
	if (ev->src)
		(void)sd_event_source_set_time_relative(ev->src, drain_period(ev));
}

struct event_filter *event_filter_new(struct events *ev)
{
	struct event_filter *f = calloc(1, sizeof(*f));

	if (f && ev) {
		f->events = ev;
		if (ev->subscribers++ == 0)
			subscribers_changed(ev);
	}
	return f;
}

void event_filter_free(void *filter)
{
	struct event_filter *f = filter;

	if (f && f->events) {
		if (f->fill_threshold)
			f->events->fill_subscribers--;
		quota_events_want(f->events->quota, f->quota_pct, 0);
		if (--f->events->subscribers == 0)
			subscribers_changed(f->events);
	}
	free(f);
}

void event_filter_set_fill(struct event_filter *f, __u32 pages)
{
	if (!f->fill_threshold && pages)
		f->events->fill_subscribers++;
	else if (f->fill_threshold && !pages)
		f->events->fill_subscribers--;
	f->fill_threshold = pages;
}

void event_filter_set_quota(struct event_filter *f, __u32 pct)
{
	quota_events_want(f->events->quota, f->quota_pct, pct);
	f->quota_pct = pct;
}

/* What server_notify() asks each subscriber's filter about. */
struct event_note {
	enum event_kind kind;
	const char *owner;		/* ALLOC, FREE, QUOTA */
	__u64 before, after;		/* FILL: pages_allocated around it */
	const struct quota_note *quota;	/* QUOTA */
};

static bool event_accept(void *filter, const void *p)
{
	const struct event_filter *f = filter;
	const struct event_note *n = p;

	if (f->kinds && !(f->kinds & (1u << n->kind)))
		return false;
	if (n->kind == EVENT_FILL)	/* crossed this subscriber's threshold? */
		return f->fill_threshold &&
		       (n->before < f->fill_threshold) != (n->after < f->fill_threshold);
	if (n->kind == EVENT_QUOTA &&
	    (!f->quota_pct ||
	     (!n->quota->refused &&
	      !quota_crossing(n->quota->before, n->quota->after, n->quota->limit, f->quota_pct))))
		return false;
	if (f->owner[0] && (n->kind == EVENT_ALLOC || n->kind == EVENT_FREE || n->kind == EVENT_QUOTA))
		return n->owner && !strcmp(f->owner, n->owner);
	return true;
}

/* {"jsonrpc":"2.0","method":"event","params":{"kind":K, ...}} with the
 * params' members written by the caller between start and publish. */
static void note_start(struct json_writer *w, enum event_kind k)
{
	json_w_object(w);
	json_w_member(w, "jsonrpc", str, "2.0");
	json_w_member(w, "method", str, "event");
	json_w_key(w, "params");
	json_w_object(w);
	json_w_member(w, "kind", str, event_kind_to_string(k));
}

static void note_publish(struct events *ev, struct json_writer *w, const struct event_note *n)
{
	json_w_object_end(w);
	json_w_object_end(w);
	/* Out of memory: this one is lost, as a full queue would lose it. */
	if (!w->error && !w->depth)
		server_notify(ev->srv, w->buf.data, w->buf.len, event_accept, n);
	json_writer_done(w);
}

/* The string of id, copied (the lookup's is borrowed until the next). */
static bool resolve(struct events *ev, __u32 id, char *buf, size_t len)
{
	const char *s;

	if (!id)
		return false;
	(void)owner_strings_get(ev->strs, id, &s);	/* "#ID" when gone */
	snprintf(buf, len, "%s", s);
	return true;
}

/* An alloc or free record to the subscribers, with the fill crossing it
 * makes. */
static void publish_record(struct events *ev, const struct arenad_event *r)
{
	char owner[ARENAD_STR_LEN + 16], name[ARENAD_STR_LEN + 16];
	struct event_note n = {};
	struct json_writer w = {};
	bool has_owner, has_name;
	__u64 before;

	n.kind = r->kind == ARENAD_EVENT_ALLOC ? EVENT_ALLOC : EVENT_FREE;
	has_owner = resolve(ev, r->owner, owner, sizeof(owner));
	has_name = resolve(ev, r->name, name, sizeof(name));
	n.owner = has_owner ? owner : NULL;

	note_start(&w, n.kind);
	json_w_member(&w, "owner", str, n.owner);
	json_w_member(&w, "name", str, has_name ? name : NULL);
	json_w_member(&w, "pages", u64, r->pages);
	json_w_member(&w, "addr", hex, ev->arena->ident.user_vm_start +
					((__u64)r->pgoff << ARENAD_PAGE_SHIFT));
	json_w_member(&w, "uid", u64, r->uid);
	json_w_member(&w, "pages_allocated", u64, r->pages_allocated);
	json_w_member(&w, "time_ns", u64, r->time_ns);
	/* a page taken or given back by the objects' allocator */
	if (r->flags & ARENAD_RANGE_OBJECTS)
		json_w_member(&w, "objects", bool, true);
	note_publish(ev, &w, &n);

	if (!ev->fill_subscribers)
		return;
	before = n.kind == EVENT_ALLOC ? r->pages_allocated - r->pages
				       : r->pages_allocated + r->pages;
	n = (struct event_note) { .kind = EVENT_FILL, .before = before, .after = r->pages_allocated };
	note_start(&w, EVENT_FILL);
	json_w_member(&w, "pages_allocated", u64, r->pages_allocated);
	json_w_member(&w, "pages_total", u64, ev->arena->ident.pages_total);
	json_w_member(&w, "rising", bool, r->pages_allocated > before);
	note_publish(ev, &w, &n);
}

static void publish_quota(void *ctx, const struct quota_note *q)
{
	struct events *ev = ctx;
	char owner[ARENAD_STR_LEN + 16];
	struct event_note n = { .kind = EVENT_QUOTA, .quota = q };
	struct json_writer w = {};

	n.owner = resolve(ev, q->owner_id, owner, sizeof(owner)) ? owner : NULL;
	note_start(&w, EVENT_QUOTA);
	json_w_member(&w, "owner", str, n.owner);
	if (q->uid)
		json_w_member(&w, "uid", u64, *q->uid);
	json_w_member(&w, "limit_kind", str, q->limit_kind);
	json_w_member(&w, "pages", u64, q->after);
	if (q->limit_kind)
		json_w_member(&w, "limit", u64, q->limit);
	if (q->refused)
		json_w_member(&w, "refused", u64, q->refused);
	else
		json_w_member(&w, "rising", bool, q->after > q->before);
	if (q->time_ns)
		json_w_member(&w, "time_ns", u64, *q->time_ns);
	note_publish(ev, &w, &n);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct arenad_event *r = data;

	if (size < sizeof(*r) || (r->kind != ARENAD_EVENT_ALLOC && r->kind != ARENAD_EVENT_FREE))
		return 0;	/* not ours to read: skip it */
	ev->received++;
	if (ev->hook)
		ev->hook(r, ev->hook_userdata);
	/* Nobody to tell: no string lookup (a bpf() call each) for it. */
	if (ev->subscribers)
		publish_record(ev, r);
	quota_events_record(ev->quota, r);
	return 0;
}

/* Records the kernel could not queue: each subscriber hears how many.
 * Were there any? */
static bool tell_ring_drops(struct events *ev)
{
	struct json_buf b = {};
	__u64 now = arena_event_drops(ev->arena);

	if (now == ev->ring_dropped_seen)
		return false;
	if (ev->hook)
		ev->hook(NULL, ev->hook_userdata);
	if (json_buf_lit(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"dropped\",\"params\":{\"count\":") >= 0 &&
	    json_buf_u64(&b, now - ev->ring_dropped_seen) >= 0 &&
	    json_buf_lit(&b, ",\"where\":\"kernel\"}}") >= 0)
		server_notify(ev->srv, b.data, b.len, NULL, NULL);
	free(b.data);
	ev->ring_dropped_seen = now;
	return true;
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct events *ev = userdata;

	(void)ring_buffer__consume(ev->rb);
	quota_events_drained(ev->quota, tell_ring_drops(ev));
	return 0;
}

void events_set_record_hook(struct events *ev,
			    void (*fn)(const struct arenad_event *r, void *userdata),
			    void *userdata)
{
	ev->hook = fn;
	ev->hook_userdata = userdata;
}

static int on_drain(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct events *ev = userdata;

	(void)ring_buffer__consume(ev->rb);
	quota_events_drained(ev->quota, tell_ring_drops(ev));
	(void)sd_event_source_set_time_relative(s, drain_period(ev));
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static struct events *events_done(struct events *ev)
{
	sd_event_source_disable_unref(ev->src);
	sd_event_source_disable_unref(ev->io);
	ring_buffer__free(ev->rb);
	quota_events_free(ev->quota);
	free(ev);
	return NULL;
}

int events_new(sd_event *e, struct arena *a, struct counters *c, struct owners *o,
	       struct server *srv, struct events **ret)
{
	struct events *ev;
	int r;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return log_oom();
	ev->arena = a;
	ev->strs = owners_strings(o);
	ev->srv = srv;
	if (quota_events_new(c, o, arenad_pins__uids_fd(a->pins), publish_quota, ev, &ev->quota) < 0) {
		free(ev);
		return log_oom();
	}
	ev->ring_dropped_seen = arena_event_drops(a);
	ev->rb = ring_buffer__new(a->events_fd, on_record, ev, NULL);
	if (!ev->rb) {
		r = -errno;
		events_done(ev);
		return log_error_errno(r, "read the allocator's events");
	}
	/* Records left from before this start are in the tables already:
	 * read past them, then count from the tables. */
	(void)ring_buffer__consume(ev->rb);
	quota_events_read_counts(ev->quota);
	r = sd_event_add_time_relative(e, &ev->src, CLOCK_MONOTONIC, DRAIN_IDLE_USEC,
				       DRAIN_USEC / 4, on_drain, ev);
	if (r >= 0)
		r = sd_event_add_io(e, &ev->io, ring_buffer__epoll_fd(ev->rb), EPOLLIN, on_wake, ev);
	if (r < 0) {
		events_done(ev);
		return log_error_errno(r, "watch the allocator's events");
	}
	*ret = ev;
	return 0;
}

struct events *events_free(struct events *ev)
{
	struct event_note n = { .kind = EVENT_SHUTDOWN };
	struct json_writer w = {};

	if (!ev)
		return NULL;
	/* Each subscriber's queue is tried once on the way: what fits in its
	 * socket gets there. */
	note_start(&w, EVENT_SHUTDOWN);
	note_publish(ev, &w, &n);
	return events_done(ev);
}

void events_census(struct events *ev, __u32 unaccounted, __u32 missing, __u32 unaccounted_before)
{
	struct event_note n = { .kind = EVENT_CENSUS };
	struct json_writer w = {};

	if (!ev)
		return;
	note_start(&w, EVENT_CENSUS);
	json_w_member(&w, "pages_unaccounted", u64, unaccounted);
	json_w_member(&w, "pages_missing", u64, missing);
	json_w_member(&w, "pages_unaccounted_before", u64, unaccounted_before);
	note_publish(ev, &w, &n);
}

void events_arena(struct events *ev, __u32 map_id, const char *name, __u32 pages_total,
		  bool appeared)
{
	struct event_note n = { .kind = EVENT_ARENA };
	struct json_writer w = {};

	if (!ev)
		return;
	note_start(&w, EVENT_ARENA);
	json_w_member(&w, "map_id", u64, map_id);
	json_w_member(&w, "name", str, name);
	json_w_member(&w, "pages_total", u64, pages_total);
	json_w_member(&w, "appeared", bool, appeared);
	note_publish(ev, &w, &n);
}

void events_stats(const struct events *ev, struct events_stats *st)
{
	*st = (struct events_stats) {
		.received = ev ? ev->received : 0,
		.ring_dropped = ev ? arena_event_drops(ev->arena) : 0,
	};
}
