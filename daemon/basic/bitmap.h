/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page bitmaps (one bit per page, 64 per word) and the runs in them. */
#ifndef __ARENAD_BITMAP_H
#define __ARENAD_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct page_run {
	__u32 start;	/* first page */
	__u32 pages;
};

static inline bool bitmap_test(const __u64 *b, __u32 i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* Set bits in [start, end). */
__u32 bitmap_count(const __u64 *b, __u32 start, __u32 end);
void bitmap_clear(__u64 *b, __u32 start, __u32 end);
/* Maximal runs of set bits in [0, npages): *out is malloc'ed. */
int bitmap_runs(const __u64 *b, __u32 npages, struct page_run **out, size_t *n);

#endif /* __ARENAD_BITMAP_H */
