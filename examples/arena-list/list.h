/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A linked list that lives in the arena, built by user space and walked
 * by BPF. The same layout on both sides: in BPF the next pointer is an
 * __arena pointer, in user space a plain one, and both hold the same
 * address because the arena is mapped at the same place everywhere.
 */
#ifndef __ARENA_LIST_H
#define __ARENA_LIST_H

#ifdef __BPF__
#define __list_ptr __arena
#else
#define __list_ptr
#endif

struct list_node {
	struct list_node __list_ptr *next;
	__u64 value;
};

#define LIST_MAX_NODES 4096

struct walk_ctx {
	__u64 head;	/* in: first node */
	__u64 sum;	/* out: checksum */
	__u32 count;	/* out: nodes visited */
	__u32 pad;
};

/* The checksum both sides compute: order matters, so a list walked
 * wrongly (skipped, repeated or reordered nodes) gives another value. */
static inline __u64 list_mix(__u64 sum, __u64 value)
{
	return sum * 1000003u ^ value;
}

#endif
