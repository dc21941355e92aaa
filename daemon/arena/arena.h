/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Create or adopt the arena, its bookkeeping maps and allocator, and pin them. */
#ifndef __ARENAD_ARENA_H
#define __ARENAD_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "arenad.h"
#include "cleanup.h"

struct arena_opts {
	size_t sz;		/* sizeof(struct arena_opts), for extension */
	__u32 pages;
	__u64 user_addr;
	int numa_node;
	bool segv_on_fault;
	const char *pin_dir;
};

struct arena {
	struct arenad_alloc_bpf *skel;	/* NULL when the pinned allocator was
					 * adopted (until it is replaced) */
	struct arenad_pins *pins;	/* opened from the pin dir once pinned */
	struct arenad_state ident;	/* identity block of the state map */
	struct arena_opts opts;		/* as set up; pin_dir is the caller's */
	__u32 map_id;
	int lock_fd;			/* flock on the pin dir: one owner */
	bool adopted;			/* pins existed before this start */
	bool pins_added;		/* ... but lacked some, which it added */
	/* Pins this start created: removed again by arena_free() unless
	 * arena_keep_pins() said the start succeeded. Adopted pins are
	 * never in this list. */
	const char *pin_dir;
	const char *created[16];
	unsigned int n_created;
	bool keep_pins;
	/* The allocator's events (arenad_abi.h): the pinned ring buffer
	 * (a->pins' fd) and the count of records it refused, mapped. */
	int events_fd;
	const __u64 *event_drops;
	/* The "obj_owners" map, mapped read-only (arena_obj_owners()). */
	const struct arenad_obj_owner *obj_owners;
	size_t obj_owners_len;
};

/* Create the arena and pin it, or adopt the pins in opts->pin_dir. */
int arena_setup(const struct arena_opts *opts, struct arena **out);
/*
 * Adopted pins whose allocator is another build's: it serves (the maps
 * have this build's ABI, or adoption fails) until
 * arena_replace_allocator() loads this build's, which takes long enough
 * (parsing the kernel's BTF, verifying) to be done after READY.
 */
bool arena_allocator_stale(const struct arena *a);
/*
 * Load this build's allocator against the pinned maps and swap it in
 * atomically: for loaders opening the pin, and under the fd number of
 * a->pins for the daemon's own calls, so it may run on another thread
 * while the loop uses a->pins. *build is the build pinned afterwards (the
 * old one on failure); a->ident is left to the caller. Logs.
 */
int arena_replace_allocator(struct arena *a, __u32 *build);
/* The "obj_owners" map's ARENAD_MAX_OWNERS entries, mapped read-only,
 * indexed like the owners map. Copy an entry before reading it: BPF
 * updates it. */
const struct arenad_obj_owner *arena_obj_owners(const struct arena *a);
/* Records the ring buffer had no room for, since the pins were made. */
__u64 arena_event_drops(const struct arena *a);
/* The start succeeded: the pins it created stay when the arena is freed. */
void arena_keep_pins(struct arena *a);
/* Returns NULL, for "a->x = arena_free(a->x)". Before arena_keep_pins(),
 * it removes the pins this start created (a failed start leaves the pin
 * dir as it found it). */
struct arena *arena_free(struct arena *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct arena *, arena_free);

#endif /* __ARENAD_ARENA_H */
