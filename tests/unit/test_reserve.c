// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests: mmap_reserve_aligned(), the address range of the census
 * self-test's arena, which the kernel refuses when it crosses a 4 GiB line.
 */
#include <errno.h>
#include <sys/mman.h>

#include "tap.h"
#include "util.h"

/* Whether [p, p + len) is mapped at all: msync() fails with ENOMEM on a
 * range that holds an unmapped page. */
static int mapped(const char *p, size_t len)
{
	return msync((void *)p, len, MS_ASYNC) == 0 ? 1 : errno == ENOMEM ? 0 : -errno;
}

int main(void)
{
	const size_t page = page_size();
	int misaligned = 0, crossing = 0, unmapped = 0, surplus = 0;

	/* From one page to 1 GiB, many times each: every placement mmap()
	 * chooses, aligned after the fact. */
	for (size_t len = page; len <= (1UL << 30); len <<= 3) {
		for (int i = 0; i < 64; i++) {
			char *p = mmap_reserve_aligned(len);

			if (!p) {
				ok(0, "reserve %zu bytes: %s", len, strerror(errno));
				return tap_done();
			}
			misaligned += (unsigned long)p % len != 0;
			crossing += ((unsigned long)p >> 32) != (((unsigned long)p + len - 1) >> 32);
			unmapped += mapped(p, len) != 1;
			/* the surplus went back; its tail always follows the range
			 * (its head, when there is one, is before it) */
			surplus += mapped(p + len, page) != 0;
			munmap(p, len);
		}
	}
	is_int(misaligned, 0, "every range starts at a multiple of its length");
	is_int(crossing, 0, "no range crosses a 4 GiB line");
	is_int(unmapped, 0, "every range is mapped whole");
	is_int(surplus, 0, "the reserve beyond a range is given back");
	return tap_done();
}
