/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by shared-counter.bpf.c and its loader. */
#ifndef __SHARED_COUNTER_H
#define __SHARED_COUNTER_H

struct bump_ctx {
	__u64 delta;	/* in */
	__u64 value;	/* out: the counter after the bump */
};

struct grab_ctx {
	__u32 owner;	/* in: owner string id */
	__u32 pages;	/* in */
	__u64 addr;	/* in: free this address when pages == 0; out: allocation */
	__s32 ret;	/* out */
	__u32 pad;
};

#endif
