// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests: page bitmap arithmetic used by the census. */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "tap.h"

static void set(__u64 *b, __u32 start, __u32 end)
{
	for (; start < end; start++)
		b[start / 64] |= 1ULL << (start % 64);
}

int main(void)
{
	__u64 b[4] = { 0 };	/* 256 pages */
	struct page_run *runs;
	size_t n;

	is_int(bitmap_count(b, 0, 256), 0, "empty bitmap counts 0");
	is_int(bitmap_runs(b, 256, &runs, &n), 0, "runs of an empty bitmap");
	is_int(n, 0, "no runs");
	free(runs);

	set(b, 1, 2);
	set(b, 60, 70);		/* crosses a word boundary */
	set(b, 128, 192);	/* one whole word */
	set(b, 255, 256);	/* the last page */
	is_int(bitmap_count(b, 0, 256), 1 + 10 + 64 + 1, "count over everything");
	is_int(bitmap_count(b, 61, 69), 8, "count inside a run across words");
	is_int(bitmap_count(b, 64, 64), 0, "empty interval");
	is_int(bitmap_count(b, 0, 1), 0, "page 0 clear");
	is_int(bitmap_count(b, 128, 192), 64, "a whole word");

	is_int(bitmap_runs(b, 256, &runs, &n), 0, "runs");
	is_int(n, 4, "four runs");
	ok(n == 4 && runs[0].start == 1 && runs[0].pages == 1, "run 1: page 1");
	ok(n == 4 && runs[1].start == 60 && runs[1].pages == 10, "run 2: 60..69 across words");
	ok(n == 4 && runs[2].start == 128 && runs[2].pages == 64, "run 3: a whole word");
	ok(n == 4 && runs[3].start == 255 && runs[3].pages == 1, "run 4: the last page");
	free(runs);

	/* npages that ends mid-word ignores bits past the end */
	is_int(bitmap_runs(b, 200, &runs, &n), 0, "runs of a prefix");
	is_int(n, 3, "the last page is beyond a 200-page arena");
	free(runs);

	bitmap_clear(b, 62, 130);
	is_int(bitmap_count(b, 0, 256), 1 + 2 + 62 + 1, "clear across words");
	ok(bitmap_test(b, 61) && !bitmap_test(b, 62) && !bitmap_test(b, 129) && bitmap_test(b, 130),
	   "clear keeps its bounds");
	bitmap_clear(b, 0, 256);
	is_int(bitmap_count(b, 0, 256), 0, "clear everything");

	return tap_done();
}
