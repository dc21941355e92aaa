/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event stream (the `subscribe` method): the allocator's records from
 * the kernel (the pinned ring buffer, arenad_abi.h), consumed on the
 * event loop through libbpf's ring_buffer, and the daemon's own events
 * (a census that changed the unaccounted pages, shutting down), turned
 * into JSON-RPC notifications and offered to every subscriber by the
 * server (server_notify()), which bounds what each one holds.
 *
 * Logging: events_new() logs its failures (start-up); nothing else logs.
 */
#ifndef __ARENAD_EVENTS_H
#define __ARENAD_EVENTS_H

#include <stdbool.h>
#include <linux/types.h>
#include <systemd/sd-event.h>

#include "arenad_abi.h"
#include "cleanup.h"

struct arena;
struct counters;
struct owners;
struct server;
struct events;

enum event_kind {
	EVENT_ALLOC,
	EVENT_FREE,
	EVENT_CENSUS,
	EVENT_SHUTDOWN,
	EVENT_FILL,
	EVENT_ARENA,
	EVENT_QUOTA,
	_EVENT_KIND_MAX,
};

const char *event_kind_to_string(enum event_kind k);
/* -1 when s names no kind. */
int event_kind_from_string(const char *s);

/* What a subscriber asked for (the subscribe method's parameters). */
struct event_filter {
	struct events *events;
	char owner[ARENAD_STR_LEN];	/* "": any */
	unsigned int kinds;		/* 1 << enum event_kind; 0: all */
	__u32 fill_threshold;		/* 0: none */
	__u32 quota_pct;		/* 0: no quota events */
};

/* A new filter of ev (to fill in, then hand to rpc_call_subscribe() with
 * event_filter_free()); NULL when out of memory. */
struct event_filter *event_filter_new(struct events *ev);
void event_filter_free(void *filter);
/* Notify when pages_allocated crosses pages (either way). */
void event_filter_set_fill(struct event_filter *f, __u32 pages);

/* Quota events when an owner's or a uid's pages cross pct percent of its
 * limit (quota_watch.h), and its refusals; 0: none. */
void event_filter_set_quota(struct event_filter *f, __u32 pct);

/* Consume the ring buffer of a on e, publishing to srv; c and o are the
 * mapped state and owner tables (o's strings resolve the ids). Reads the
 * uids map once (bpf() calls: start-up). Logs. */
int events_new(sd_event *e, struct arena *a, struct counters *c, struct owners *o,
	       struct server *srv, struct events **ret);
/* Tells subscribers the daemon stops, then stops reading. NULL. */
struct events *events_free(struct events *ev);

/* A census of the managed arena whose figures differ from the last one's. */
void events_census(struct events *ev, __u32 unaccounted, __u32 missing, __u32 unaccounted_before);

/* An arena appeared on the host or left it (the periodic inventory). */
void events_arena(struct events *ev, __u32 map_id, const char *name, __u32 pages_total,
		  bool appeared);

/*
 * Hear of every record as it is drained, before any subscriber does
 * (leases.h learns of lease holders so): r, or NULL when the kernel
 * dropped records, which then were never seen.
 */
void events_set_record_hook(struct events *ev,
			    void (*fn)(const struct arenad_event *r, void *userdata),
			    void *userdata);

struct events_stats {
	__u64 received;		/* records read from the ring buffer */
	__u64 ring_dropped;	/* records the full ring buffer refused */
};
void events_stats(const struct events *ev, struct events_stats *st);

#endif /* __ARENAD_EVENTS_H */
