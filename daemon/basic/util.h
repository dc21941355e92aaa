/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the daemon's files; cleanup.h has the _cleanup_ ones. */
#ifndef __ARENAD_UTIL_H
#define __ARENAD_UTIL_H

#include <stddef.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel's page size: what arena maps are made of, and what an mmap
 * of one spans per entry. */
static inline size_t page_size(void)
{
	static size_t sz;

	if (!sz)
		sz = (size_t)sysconf(_SC_PAGESIZE);
	return sz;
}

static inline __u64 now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Reserve len bytes (a power of two), inaccessible, at an address aligned
 * to len. An arena's user range must not cross a 4 GiB line (the kernel
 * refuses such a map with -ERANGE); an aligned power of two below 4 GiB
 * never does, where a range put anywhere by mmap() now and then would.
 * So twice the length is reserved and its aligned half kept, as the
 * kernel does for an arena without an address. NULL with errno set.
 */
static inline void *mmap_reserve_aligned(size_t len)
{
	char *p, *start;

	p = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((unsigned long)p + len - 1) & ~(unsigned long)(len - 1));
	if (start > p)
		munmap(p, start - p);
	if (start + len < p + 2 * len)
		munmap(start + len, p + 2 * len - (start + len));
	return start;
}

#endif /* __ARENAD_UTIL_H */
