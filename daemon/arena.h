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
	struct arenad_alloc_bpf *skel;
	struct arenad_pins pins;	/* fds owned by skel */
	struct arenad_state ident;	/* identity block of the state map */
	__u32 map_id;
	int lock_fd;			/* flock on the pin dir: one owner */
	bool adopted;			/* pins existed before this start */
};

/* Create the arena and pin it, or adopt the pins in opts->pin_dir. */
int arena_setup(const struct arena_opts *opts, struct arena **out);
/* Returns NULL, for "a->x = arena_free(a->x)". */
struct arena *arena_free(struct arena *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct arena *, arena_free);

/* Take the pin dir's owner lock: the locked fd, or -EBUSY when another
 * arenad holds it. */
int arena_lock(const char *pin_dir);

/* Remove arenad's pins (and the directory, when then empty). */
int arena_unpin(const char *pin_dir);

/* Make sure pin_dir exists on a bpffs, mounting /sys/fs/bpf if needed. */
int bpffs_prepare(const char *pin_dir);

#endif /* __ARENAD_ARENA_H */
