// SPDX-License-Identifier: LGPL-2.1-or-later
/* The arithmetic of quota events (quota_watch.h). */
#include <stdlib.h>

#include "quota_watch.h"

__u64 quota_threshold(__u64 limit, __u32 pct)
{
	return (limit * pct + 99) / 100;
}

int quota_crossing(__u64 before, __u64 after, __u64 limit, __u32 pct)
{
	__u64 th = quota_threshold(limit, pct);

	if (!th)
		return 0;
	if (before < th && after >= th)
		return 1;
	if (after < th && before >= th)
		return -1;
	return 0;
}

void quota_pcts_add(struct quota_pcts *p, __u32 pct)
{
	if (pct && pct <= QUOTA_PCT_MAX) {
		p->n[pct]++;
		p->total++;
	}
}

void quota_pcts_remove(struct quota_pcts *p, __u32 pct)
{
	if (pct <= QUOTA_PCT_MAX && p->n[pct]) {
		p->n[pct]--;
		p->total--;
	}
}

bool quota_pcts_crossed(const struct quota_pcts *p, __u64 before, __u64 after, __u64 limit)
{
	__u32 pct;

	if (!p->total || before == after)
		return false;
	for (pct = 1; pct <= QUOTA_PCT_MAX; pct++)
		if (p->n[pct] && quota_crossing(before, after, limit, pct))
			return true;
	return false;
}

__u64 quota_tally(__u64 pages, bool alloc, __u32 n)
{
	if (alloc)
		return pages + n;
	return pages > n ? pages - n : 0;
}

static __u32 uid_hash(__u32 uid)
{
	return uid * 2654435761u;
}

static struct uid_usage *uid_slot(struct uid_usage *slots, __u32 cap, __u32 uid)
{
	__u32 i = uid_hash(uid) & (cap - 1);

	while (slots[i].used && slots[i].uid != uid)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Twice the room; entries keep their contents. */
static int uid_table_grow(struct uid_table *t)
{
	__u32 cap = t->cap ? 2 * t->cap : 64, i;
	struct uid_usage *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			*uid_slot(slots, cap, t->slots[i].uid) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

struct uid_usage *uid_table_get(struct uid_table *t, __u32 uid)
{
	struct uid_usage *u = t->cap ? uid_slot(t->slots, t->cap, uid) : NULL;

	if (u && u->used)
		return u;
	/* At most half full: probes stay short. */
	if (2 * (t->n + 1) > t->cap) {
		if (uid_table_grow(t) < 0)
			return NULL;
		u = uid_slot(t->slots, t->cap, uid);
	}
	if (!u->used) {
		*u = (struct uid_usage) { .uid = uid, .used = true };
		t->n++;
	}
	return u;
}

void uid_table_reset(struct uid_table *t)
{
	__u32 i;

	for (i = 0; i < t->cap; i++) {
		t->slots[i].pages = 0;
		t->slots[i].limit_known = false;
	}
}

void uid_table_done(struct uid_table *t)
{
	free(t->slots);
	*t = (struct uid_table) {};
}
