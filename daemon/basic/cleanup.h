/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound cleanup in the systemd style (its docs/CODING_STYLE.md,
 * https://github.com/systemd/systemd/blob/main/docs/CODING_STYLE.md):
 * a variable declared _cleanup_(foop) is released by foop(&var) when it
 * goes out of scope, so an error return in the middle of a setup releases
 * exactly what was acquired so far, with no goto chain. TAKE_PTR() and
 * TAKE_FD() hand ownership on and disarm the cleanup.
 *
 * sd_event_unrefp and sd_event_source_disable_unrefp come with
 * <systemd/sd-event.h>; json_object_putp and fclosep are below. A header that declares
 * a type with a destructor defines its cleanup next to it with
 * DEFINE_TRIVIAL_CLEANUP_FUNC (arena.h, census.h, server.h).
 */
#ifndef __ARENAD_CLEANUP_H
#define __ARENAD_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <json-c/json.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* void NAMEp(type *p): call NAME(*p) unless *p is NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)			\
	static inline void func##p(type *p)			\
	{							\
		if (*p)						\
			func(*p);				\
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Close an fd if it is one and return -1, for "fd = safe_close(fd)".
 * errno is kept: a cleanup runs after the error was taken. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose);
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand a pointer or an fd over to the caller and disarm its cleanup. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#endif /* __ARENAD_CLEANUP_H */
