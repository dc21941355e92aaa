/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pinned maps the daemon reads besides those arenad_pins opens (the
 * events' and the object counters), opened by their pins at start-up.
 */
#ifndef __ARENAD_ARENA_MAPPED_H
#define __ARENAD_ARENA_MAPPED_H

struct arena;

/* The events' ring buffer and drop count (a->events_fd, a->event_drops). */
int arena_open_event_pins(struct arena *a, const char *pin_dir);

/* The per-owner object counters, mapped read-only (a->obj_owners). */
int arena_open_object_pins(struct arena *a, const char *pin_dir);

#endif /* __ARENAD_ARENA_MAPPED_H */
