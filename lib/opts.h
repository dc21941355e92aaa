/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad-internal: extensible opts structs in the libbpf style. A caller
 * built against an older header passes a smaller .sz (fields it does not
 * know read as their defaults); one built against a newer header may pass a
 * larger .sz, which is accepted only if the bytes this library does not
 * know are zero, so that a newer option is never silently ignored.
 */
#ifndef __ARENAD_OPTS_H
#define __ARENAD_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#define OPTS_HAS(o, f) ((o) && (o)->sz >= offsetof(__typeof__(*(o)), f) + sizeof((o)->f))
#define OPTS_GET(o, f, d) (OPTS_HAS(o, f) ? (o)->f : (d))

static inline bool opts_tail_zero(const void *o, size_t known, size_t sz)
{
	const char *p = o;

	for (; known < sz; known++)
		if (p[known])
			return false;
	return true;
}

#define OPTS_END(type, f) (offsetof(struct type, f) + sizeof(((struct type *)0)->f))

/*
 * NULL is valid (all defaults); otherwise .sz must cover .sz itself, and
 * anything past the last field this library knows (type##__last_field in
 * arenad.h) must be zero.
 */
#define OPTS_VALID(o, type)						\
	(!(o) || ((o)->sz >= sizeof(size_t) &&				\
		  opts_tail_zero((o), OPTS_END(type, type##__last_field), (o)->sz)))

#endif /* __ARENAD_OPTS_H */
