/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers in the systemd style: cleanup attributes and errno plumbing. */
#ifndef __ARENAD_UTIL_H
#define __ARENAD_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Hand a resource over to the caller and disarm the cleanup. */
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* Turn a -1/errno style return into a negative errno. */
static inline int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* __ARENAD_UTIL_H */
