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
#include <stdlib.h>
#include <string.h>

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

/*
 * Output structs and records grow the same way, in the other direction:
 * the caller's .sz (or record size) says how much room it has, which must
 * cover .sz itself. The library fills the struct whole (known bytes),
 * then copies what fits, zeroes the rest of the caller's room and writes
 * back in .sz how many bytes it filled.
 */
#define OUT_VALID(o) ((o) && (o)->sz >= sizeof(size_t))

static inline void out_copy(void *out, size_t room, const void *full, size_t known)
{
	size_t n = room < known ? room : known;

	memcpy(out, full, n);
	memset((char *)out + n, 0, room - n);
	*(size_t *)out = n;
}

/*
 * n full records of known bytes each into a new array of records of
 * rec_sz bytes: NULL (ENOMEM) on failure. A zero-length array is still
 * allocated, so that the caller always has something to free().
 */
static inline void *out_array(const void *full, size_t n, size_t known, size_t rec_sz)
{
	char *out = calloc(n ? n : 1, rec_sz);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		out_copy(out + i * rec_sz, rec_sz, (const char *)full + i * known, known);
	return out;
}

#endif /* __ARENAD_OPTS_H */
