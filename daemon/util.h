/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers in the systemd style: cleanup attributes and errno plumbing. */
#ifndef __ARENAD_UTIL_H
#define __ARENAD_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Hand an fd over to the caller and disarm its cleanup. */
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

static inline __u64 now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif /* __ARENAD_UTIL_H */
