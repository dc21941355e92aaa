// SPDX-License-Identifier: LGPL-2.1-or-later
/* The periodic census (census_tick.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "census.h"
#include "census_tick.h"
#include "events.h"
#include "daemon.h"
#include "inventory.h"
#include "log.h"
#include "orphans.h"
#include "scan.h"
#include "status.h"

/* An arena of the last inventory, to tell which appeared or left. */
struct seen_arena {
	__u32 map_id;
	__u32 pages_total;
	char name[16];
};

struct census_tick {
	struct arenad *d;
	struct seen_arena *arenas;	/* of the last inventory, by map id */
	size_t n_arenas;
	bool arenas_known;		/* the first inventory is the baseline */
	unsigned int interval_s;
	sd_event_source *timer;		/* NULL until started */
	bool pending;			/* a census is queued */
	/* What was logged last. */
	bool seen;			/* anything */
	int err;			/* the failure logged, 0: none */
	__u32 unaccounted;
	__u32 missing;
};

int census_tick_new(struct arenad *d, unsigned int interval_s, struct census_tick **ret)
{
	struct census_tick *t = calloc(1, sizeof(*t));

	if (!t)
		return log_oom();
	t->d = d;
	t->interval_s = interval_s;
	*ret = t;
	return 0;
}

struct census_tick *census_tick_free(struct census_tick *t)
{
	if (!t)
		return NULL;
	sd_event_source_disable_unref(t->timer);
	free(t->arenas);
	free(t);
	return NULL;
}

static void log_change(struct census_tick *t, int r)
{
	const struct scan_summary *s = scanner_last(t->d->scanner);

	if (r < 0) {
		if (!t->seen || t->err != r)
			log_warning_errno(r, "periodic census failed (logged again when this changes)");
		t->err = r;
		t->seen = true;
		return;
	}
	if (t->seen && t->err)
		log_info("periodic census works again");
	if (t->seen && !t->err && t->unaccounted == s->pages_unaccounted &&
	    t->missing == s->pages_missing)
		return;
	/* Subscribers hear of a change, and of a first census that finds
	 * pages outside the ledger. */
	if (t->seen && !t->err ? t->unaccounted != s->pages_unaccounted :
				 s->pages_unaccounted != 0)
		events_census(t->d->events, s->pages_unaccounted, s->pages_missing,
			      t->seen && !t->err ? t->unaccounted : 0);
	if (s->pages_unaccounted || s->pages_missing)
		log_notice("census: %u pages present but not in the ledger (allocated outside arenad), "
			   "%u ledger pages missing%s",
			   s->pages_unaccounted, s->pages_missing,
			   t->seen && !t->err ? " (changed)" : "");
	else if (t->seen && !t->err)
		log_info("census: the ledger and the present pages agree again");
	t->err = 0;
	t->unaccounted = s->pages_unaccounted;
	t->missing = s->pages_missing;
	t->seen = true;
}

static void census_done(struct scanner *s, int error, json_object *detail, void *userdata)
{
	struct census_tick *t = userdata;

	t->pending = false;
	if (error == -ECANCELED)
		return;
	log_change(t, error);
	/* Allocations made outside the socket show up here too. */
	status_notify(t->d->status);
}

static const struct seen_arena *seen_find(const struct seen_arena *a, size_t n, __u32 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].map_id == id)
			return &a[i];
	return NULL;
}

/* Tell subscribers which arenas the new inventory found or lost. A few
 * arenas per host: the quadratic search costs nothing. */
static void arenas_diff(struct census_tick *t, const struct inv_list *l)
{
	struct seen_arena *now;
	size_t i;

	now = calloc(l->n ?: 1, sizeof(*now));
	if (!now)
		return;		/* the next inventory tells */
	for (i = 0; i < l->n; i++) {
		now[i].map_id = l->arenas[i].map_id;
		now[i].pages_total = l->arenas[i].pages_total;
		memcpy(now[i].name, l->arenas[i].name, sizeof(now[i].name));
		now[i].name[sizeof(now[i].name) - 1] = 0;
		if (t->arenas_known && !seen_find(t->arenas, t->n_arenas, now[i].map_id))
			events_arena(t->d->events, now[i].map_id, now[i].name,
				     now[i].pages_total, true);
	}
	for (i = 0; t->arenas_known && i < t->n_arenas; i++)
		if (!seen_find(now, l->n, t->arenas[i].map_id))
			events_arena(t->d->events, t->arenas[i].map_id, t->arenas[i].name,
				     t->arenas[i].pages_total, false);
	free(t->arenas);
	t->arenas = now;
	t->n_arenas = l->n;
	t->arenas_known = true;
}

static void inventory_done(json_object *result, const struct rpc_error *err, void *userdata)
{
	struct census_tick *t = userdata;
	struct inv_list *l;

	json_object_put(result);
	if (err && err->code)
		return;
	l = inventory_latest(t->d->inventory);
	if (l) {
		arenas_diff(t, l);
		inv_list_unref(l);
	}
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct census_tick *t = userdata;
	int r;

	/* A census slower than the interval is not queued twice. */
	if (!t->pending) {
		r = t->d->scanner ? scanner_submit(t->d->scanner, 0, 0, census_done, t) : -EAGAIN;
		if (r < 0)
			log_change(t, r);
		else
			t->pending = true;
	}
	/* The orphans' figures go with the census's (orphans.h). */
	orphans_refresh(t->d->orphans);
	/* And every arena on the host, for readers of the latest inventory. */
	inventory_submit(t->d->inventory, INV_JOB_ARENAS, 0, inventory_done, t);
	sd_event_source_set_time(s, usec + (uint64_t)t->interval_s * 1000000);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

void census_tick_start(struct census_tick *t)
{
	struct arenad *d = t->d;
	uint64_t now;
	int r;

	if (!t->interval_s || t->timer || !d->census ||
	    !census_verdict(d->census, CENSUS_MANAGED)->method)
		return;
	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(d->event, &t->timer, CLOCK_MONOTONIC, now, 0, on_timer, t);
	if (r < 0)
		log_error_errno(r, "census timer; the census runs on request only");
}
