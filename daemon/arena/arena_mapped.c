// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pinned maps the daemon reads besides those arenad_pins opens: the
 * events' ring buffer and drop count, and the object allocator's per-owner
 * counters. Counters are mapped read-only, so that stats makes no
 * syscall. Logging: these run at start-up and log their own failures.
 */
#include <errno.h>
#include <limits.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "arena.h"
#include "arena_mapped.h"
#include "pindir.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

/* An fd on <pin_dir>/<file>, its path in path; logs a failure. */
static int open_pin(const char *pin_dir, const char *file, char path[static PATH_MAX])
{
	int r, fd;

	r = pin_dir_join(path, PATH_MAX, pin_dir, file);
	if (r < 0)
		return r;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return log_error_errno(-errno, "open %s", path);
	return fd;
}

/* The events' maps, by their pins (arenad_pins has no getter for them). */
int arena_open_event_pins(struct arena *a, const char *pin_dir)
{
	char path[PATH_MAX];

	a->events_fd = open_pin(pin_dir, ARENAD_PIN_EVENTS, path);
	if (a->events_fd < 0)
		return a->events_fd;
	a->event_drops_fd = open_pin(pin_dir, ARENAD_PIN_EVENT_DROPS, path);
	if (a->event_drops_fd < 0)
		return a->event_drops_fd;
	/* Read from memory, as the counters are: stats makes no syscall. */
	a->event_drops = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, a->event_drops_fd, 0);
	if (a->event_drops == MAP_FAILED) {
		a->event_drops = NULL;
		return log_error_errno(-errno, "map %s", path);
	}
	return 0;
}

/*
 * The per-owner object counters (arenad_abi.h: struct arenad_obj_owner),
 * mapped read-only like the owners map: stats reads them from memory.
 * Always there by now: a set from before the objects got it from
 * add_missing_pins().
 */
int arena_open_object_pins(struct arena *a, const char *pin_dir)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];
	size_t len;
	void *p;

	fd = open_pin(pin_dir, ARENAD_PIN_OBJ_OWNERS, path);
	if (fd < 0)
		return fd;
	len = (ARENAD_MAX_OWNERS * sizeof(struct arenad_obj_owner) + page_size() - 1) /
	      page_size() * page_size();
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return log_error_errno(-errno, "map %s", path);
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
