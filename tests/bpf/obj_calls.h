/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The context of obj_calls.bpf.c's program, shared with user space. */
#ifndef __OBJ_CALLS_H
#define __OBJ_CALLS_H

enum obj_call_op {
	OBJ_MALLOC = 1,		/* addr = bpf_alloc(size) */
	OBJ_FREE = 2,		/* bpf_free(addr) */
	OBJ_PAIRS = 3,		/* n times: bpf_alloc(size), then bpf_free() of it */
	OBJ_MIX = 4,		/* n objects of 8..512 bytes (xorshift from seed),
				 * then all freed in a shuffled order */
	OBJ_WRITE = 5,		/* fill size bytes at addr with the byte seed */
};

struct obj_call {
	__u32 op;
	__u32 size;
	__u64 addr;
	__u32 n;
	__s32 ret;		/* 0, or -ENOMEM when an allocation failed */
	__u64 seed;
	/* OBJ_MIX, out: bytes asked for; the allocator's own figures where it
	 * has them (arenad's: the owner's object counters at the peak and
	 * after the last free) */
	__u64 bytes;
	__u64 peak_bytes;
	__u64 peak_objects;
	__u64 peak_pages;
	__u64 after_bytes;
	__u64 after_objects;
	__u64 after_pages;
	__u64 failed;		/* allocations that returned NULL */
	__u64 corrupt;		/* objects whose tag was overwritten: two
				 * objects handed out over each other */
};

#endif /* __OBJ_CALLS_H */
