/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pinned maps the daemon reads that the pins API has no getter for
 * (the events' and the object counters), on a->pins' fds, at start-up.
 */
#ifndef __ARENAD_ARENA_MAPPED_H
#define __ARENAD_ARENA_MAPPED_H

struct arena;

/* The events' ring buffer (a->events_fd) and drop count (a->event_drops),
 * and the per-owner object counters (a->obj_owners), mapped read-only. */
int arena_map_counters(struct arena *a);

#endif /* __ARENAD_ARENA_MAPPED_H */
