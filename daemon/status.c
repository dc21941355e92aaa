// SPDX-License-Identifier: LGPL-2.1-or-later
/* STATUS= updates, rate-limited (status.h). Logging: none (log.h). */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "arenad_abi.h"
#include "counters.h"
#include "status.h"

#define STATUS_USEC (100 * 1000ULL)

struct status {
	sd_event *event;
	const struct counters *counters;
	bool notify;
	/* Armed while updates are held back: a change then only marks the
	 * status dirty, and the timer sends it. NULL until the first one. */
	sd_event_source *timer;
	bool dirty;
};

int status_new(sd_event *event, const struct counters *counters, bool notify,
	       struct status **ret)
{
	struct status *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->event = sd_event_ref(event);
	s->counters = counters;
	s->notify = notify;
	*ret = s;
	return 0;
}

struct status *status_free(struct status *s)
{
	if (!s)
		return NULL;
	sd_event_source_disable_unref(s->timer);
	sd_event_unref(s->event);
	free(s);
	return NULL;
}

void status_notify(struct status *s)
{
	struct arenad_state st;

	/* Called on every alloc and free: no map read when nobody listens. */
	if (!s || !s->notify || counters_read(s->counters, &st) < 0)
		return;
	sd_notifyf(0, "STATUS=%llu/%u pages in use (%.1f%%), %llu allocations, high water %llu",
		   (unsigned long long)st.pages_allocated, st.pages_total,
		   st.pages_total ? 100.0 * st.pages_allocated / st.pages_total : 0.0,
		   (unsigned long long)st.live_allocations,
		   (unsigned long long)st.high_water_pages);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
	struct status *s = userdata;

	if (!s->dirty)
		return 0;
	s->dirty = false;
	status_notify(s);
	sd_event_source_set_time(source, usec + STATUS_USEC);
	sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
	return 0;
}

void status_changed(struct status *s)
{
	int enabled = SD_EVENT_OFF;
	uint64_t now;

	if (!s || !s->notify)
		return;
	if (s->timer)
		sd_event_source_get_enabled(s->timer, &enabled);
	if (enabled != SD_EVENT_OFF) {
		s->dirty = true;
		return;
	}
	status_notify(s);
	if (!s->event || sd_event_now(s->event, CLOCK_MONOTONIC, &now) < 0)
		return;
	if (!s->timer) {
		/* On failure every change is sent at once. */
		sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, now + STATUS_USEC, 0,
				  on_timer, s);
		return;
	}
	sd_event_source_set_time(s->timer, now + STATUS_USEC);
	sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}
