/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the daemon's files; cleanup.h has the _cleanup_ ones. */
#ifndef __ARENAD_UTIL_H
#define __ARENAD_UTIL_H

#include <stddef.h>
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

#endif /* __ARENAD_UTIL_H */
