// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pinned maps the daemon reads that the pins API has no getter for:
 * the events' ring buffer and drop count, and the object allocator's
 * per-owner counters, on the fds a->pins holds. Counters are mapped
 * read-only, so that stats makes no syscall. Logging: this runs at
 * start-up and logs its own failures.
 */
#include <errno.h>
#include <sys/mman.h>

#include "arena.h"
#include "arena_mapped.h"
#include "log.h"
#include "pin_table.h"
#include "util.h"

/* The fd of a pin the set must have by now; logs its absence. */
static int pin_fd(const struct arena *a, enum libarenad_pin_id id)
{
	int fd = libarenad_pins_fd(a->pins, id);

	if (fd < 0)
		return log_error_errno(-ENOENT, "the pins lack %s", libarenad_pin_table[id].file);
	return fd;
}

/*
 * The events' ring buffer (a->events_fd) and drop count, and the
 * per-owner object counters (arenad_abi.h: struct arenad_obj_owner),
 * mapped read-only like the owners map. All there by now: a set from
 * before them got them from add_missing_pins().
 */
int arena_map_counters(struct arena *a)
{
	size_t len;
	void *p;
	int fd;

	a->events_fd = pin_fd(a, LIBARENAD_PIN_EVENTS);
	if (a->events_fd < 0)
		return a->events_fd;
	fd = pin_fd(a, LIBARENAD_PIN_EVENT_DROPS);
	if (fd < 0)
		return fd;
	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return log_error_errno(-errno, "map %s", ARENAD_PIN_EVENT_DROPS);
	a->event_drops = p;

	fd = pin_fd(a, LIBARENAD_PIN_OBJ_OWNERS);
	if (fd < 0)
		return fd;
	len = (ARENAD_MAX_OWNERS * sizeof(struct arenad_obj_owner) + page_size() - 1) /
	      page_size() * page_size();
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return log_error_errno(-errno, "map %s", ARENAD_PIN_OBJ_OWNERS);
	a->obj_owners = p;
	a->obj_owners_len = len;
	return 0;
}

const struct arenad_obj_owner *arena_obj_owners(const struct arena *a)
{
	return a->obj_owners;
}

__u64 arena_event_drops(const struct arena *a)
{
	return a->event_drops ? __atomic_load_n(a->event_drops, __ATOMIC_RELAXED) : 0;
}
