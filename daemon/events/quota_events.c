// SPDX-License-Identifier: LGPL-2.1-or-later
/* Quota events from the allocator's records (quota_events.h). */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>

#include "counters.h"
#include "owners.h"
#include "quota_events.h"
#include "quota_watch.h"

struct quota_events {
	struct counters *counters;
	struct owners *owners;
	int uids_fd;
	void (*publish)(void *ctx, const struct quota_note *n);
	void *ctx;
	struct quota_pcts pcts;		/* subscribers' thresholds */
	__u64 *owner_pages;		/* by owner slot, from the records */
	__u64 *owner_refusals;		/* by owner slot, as last compared */
	__u64 refusals_seen;		/* the state's quota_refusals, likewise */
	struct uid_table uids;		/* each uid's pages, from the records */
	bool stale;			/* records were dropped since the counts were read */
};

static __u64 load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int quota_events_new(struct counters *c, struct owners *o, int uids_fd,
		     void (*publish)(void *ctx, const struct quota_note *n), void *ctx,
		     struct quota_events **ret)
{
	struct quota_events *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	*q = (struct quota_events) {
		.counters = c, .owners = o, .uids_fd = uids_fd, .publish = publish, .ctx = ctx,
		.owner_pages = calloc(ARENAD_MAX_OWNERS, sizeof(__u64)),
		.owner_refusals = calloc(ARENAD_MAX_OWNERS, sizeof(__u64)),
	};
	if (!q->owner_pages || !q->owner_refusals) {
		quota_events_free(q);
		return -ENOMEM;
	}
	*ret = q;
	return 0;
}

struct quota_events *quota_events_free(struct quota_events *q)
{
	if (q) {
		uid_table_done(&q->uids);
		free(q->owner_pages);
		free(q->owner_refusals);
		free(q);
	}
	return NULL;
}

void quota_events_read_counts(struct quota_events *q)
{
	const struct arenad_owner *mem = owners_entries(q->owners);
	struct arenad_state st;
	struct arenad_uid v;
	struct uid_usage *u;
	__u32 key, *prev = NULL, i;

	for (i = 0; mem && i < ARENAD_MAX_OWNERS; i++)
		q->owner_pages[i] = load(&mem[i].pages);
	uid_table_reset(&q->uids);
	q->stale = false;
	if (counters_read(q->counters, &st) < 0)
		return;
	for (; !bpf_map_get_next_key(q->uids_fd, prev, &key); prev = &key) {
		if (bpf_map_lookup_elem(q->uids_fd, &key, &v) || !(u = uid_table_get(&q->uids, key)))
			continue;
		u->pages = v.pages;
		u->limit = v.limit;
		u->limit_known = true;
		u->limit_gen = st.quota_changes;
	}
}

/* Refusals from now on are news; the ones before are not. */
static void refusals_read(struct quota_events *q)
{
	const struct arenad_owner *mem = owners_entries(q->owners);
	struct arenad_state st;
	__u32 i;

	if (!mem || counters_read(q->counters, &st) < 0)
		return;
	q->refusals_seen = st.quota_refusals;
	for (i = 0; i < ARENAD_MAX_OWNERS; i++)
		q->owner_refusals[i] = load(&mem[i].quota_refusals);
}

void quota_events_want(struct quota_events *q, __u32 old_pct, __u32 pct)
{
	quota_pcts_remove(&q->pcts, old_pct);
	if (!pct)
		return;
	quota_pcts_add(&q->pcts, pct);
	if (q->pcts.total > 1)
		return;
	refusals_read(q);
	if (q->stale)
		quota_events_read_counts(q);
}

unsigned int quota_events_wanted(const struct quota_events *q)
{
	return q->pcts.total;
}

/* Publish n when before -> after crossed some subscriber's threshold. */
static void crossed(struct quota_events *q, struct quota_note *n, const char *kind, __u64 limit,
		    __u64 before, __u64 after)
{
	if (!ARENAD_QUOTA_IS_SET(limit) ||
	    !quota_pcts_crossed(&q->pcts, before, after, ARENAD_QUOTA_PAGES(limit)))
		return;
	n->limit_kind = kind;
	n->limit = ARENAD_QUOTA_PAGES(limit);
	n->before = before;
	n->after = after;
	q->publish(q->ctx, n);
}

void quota_events_record(struct quota_events *q, const struct arenad_event *r)
{
	const struct arenad_owner *mem = owners_entries(q->owners);
	struct quota_note n = { .owner_id = r->owner, .uid = &r->uid, .time_ns = &r->time_ns };
	__u32 slot = r->owner ? ARENAD_STR_SLOT(r->owner) : ARENAD_OWNERS_NONE;
	bool alloc = r->kind == ARENAD_EVENT_ALLOC, dflt;
	__u64 obefore = q->owner_pages[slot], ubefore, limit;
	struct uid_usage *u = uid_table_get(&q->uids, r->uid);
	struct arenad_state st;
	struct arenad_owner e;
	struct arenad_uid v;

	q->owner_pages[slot] = quota_tally(obefore, alloc, r->pages);
	ubefore = u ? u->pages : 0;
	if (u)
		u->pages = quota_tally(ubefore, alloc, r->pages);
	if (!q->pcts.total || counters_read(q->counters, &st) < 0)
		return;

	/* The limits as they are now, when the record is read. */
	if (mem) {
		e = mem[slot];		/* a copy: BPF updates it */
		limit = owners_limit(&e, &st, &dflt);
		crossed(q, &n, dflt ? "default" : "owner", limit, obefore, q->owner_pages[slot]);
	}
	if (!u)
		return;
	if (!u->limit_known || u->limit_gen != st.quota_changes) {
		/* A limit was set or cleared since this uid's was read. */
		if (bpf_map_lookup_elem(q->uids_fd, &r->uid, &v))
			return;
		u->limit = v.limit;
		u->limit_known = true;
		u->limit_gen = st.quota_changes;
	}
	crossed(q, &n, "uid", u->limit, ubefore, u->pages);
}

/* Owners refused since the last drain, one event each: a refusal leaves
 * no record, but bumps its owner's counter (over any limit, its uid's
 * too) and then the state's total. A scan of the mapped table, only when
 * the total moved. */
static void refusals(struct quota_events *q)
{
	const struct arenad_owner *mem = owners_entries(q->owners);
	struct arenad_state st;
	struct arenad_owner e;
	__u64 limit, seen;
	bool dflt;
	__u32 i;

	if (!mem || counters_read(q->counters, &st) < 0 || st.quota_refusals == q->refusals_seen)
		return;
	q->refusals_seen = st.quota_refusals;
	for (i = 0; i < ARENAD_MAX_OWNERS; i++) {
		struct quota_note n = {};

		if (load(&mem[i].quota_refusals) == q->owner_refusals[i])
			continue;
		e = mem[i];
		seen = q->owner_refusals[i];
		q->owner_refusals[i] = e.quota_refusals;
		/* Lower: the slot went to a new owner, counting from 0. */
		n.refused = e.quota_refusals - (e.quota_refusals > seen ? seen : 0);
		if (!n.refused)
			continue;
		limit = owners_limit(&e, &st, &dflt);
		n.owner_id = e.owner;
		n.limit_kind = !ARENAD_QUOTA_IS_SET(limit) ? NULL : dflt ? "default" : "owner";
		n.limit = ARENAD_QUOTA_PAGES(limit);
		n.after = e.pages;
		q->publish(q->ctx, &n);
	}
}

void quota_events_drained(struct quota_events *q, bool dropped)
{
	q->stale |= dropped;
	if (!q->pcts.total)
		return;
	if (q->stale)
		quota_events_read_counts(q);
	refusals(q);
}
