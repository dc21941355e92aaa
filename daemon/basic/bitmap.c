// SPDX-License-Identifier: LGPL-2.1-or-later
/* Page bitmaps of the census. Pure logic: never logs (log.h). */
#include <errno.h>
#include <stdlib.h>

#include "bitmap.h"
#include "cleanup.h"

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static __u64 word_mask(unsigned int lo, unsigned int hi)
{
	__u64 m = hi == 64 ? ~0ULL : (1ULL << hi) - 1;

	return m & ~((1ULL << lo) - 1);
}

__u32 bitmap_count(const __u64 *b, __u32 start, __u32 end)
{
	__u32 n = 0, w, lo, hi;

	while (start < end) {
		w = start / 64;
		lo = start % 64;
		hi = end - w * 64 < 64 ? end - w * 64 : 64;
		n += __builtin_popcountll(b[w] & word_mask(lo, hi));
		start = w * 64 + hi;
	}
	return n;
}

void bitmap_clear(__u64 *b, __u32 start, __u32 end)
{
	__u32 w, lo, hi;

	while (start < end) {
		w = start / 64;
		lo = start % 64;
		hi = end - w * 64 < 64 ? end - w * 64 : 64;
		b[w] &= ~word_mask(lo, hi);
		start = w * 64 + hi;
	}
}

int bitmap_runs(const __u64 *b, __u32 npages, struct page_run **out, size_t *n)
{
	_cleanup_free_ struct page_run *runs = NULL;
	struct page_run *tmp;
	size_t cap = 0, len = 0;
	__u32 i = 0, start;

	while (i < npages) {
		/* Skip whole empty words: sparse arenas are the common case. */
		if (i % 64 == 0 && !b[i / 64]) {
			i += 64;
			continue;
		}
		if (!bitmap_test(b, i)) {
			i++;
			continue;
		}
		start = i;
		while (i < npages && bitmap_test(b, i))
			i++;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(runs, cap * sizeof(*runs));
			if (!tmp)
				return -ENOMEM;
			runs = tmp;
		}
		runs[len++] = (struct page_run) { start, i - start };
	}
	*out = TAKE_PTR(runs);
	*n = len;
	return 0;
}
