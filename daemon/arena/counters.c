// SPDX-License-Identifier: LGPL-2.1-or-later
/* The state map's counters read without a syscall (counters.h). Never logs:
 * returns -errno (log.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counters.h"

struct counters {
	volatile const struct arenad_state *map;
	size_t map_len;
};

int counters_open(int state_fd, struct counters **out)
{
	_cleanup_free_ struct counters *c = calloc(1, sizeof(*c));
	void *p;

	if (!c)
		return -ENOMEM;
	/* Every state map of this ABI is mmapable (pins of older ABIs are
	 * refused before this). */
	c->map_len = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, c->map_len, PROT_READ, MAP_SHARED, state_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	*out = TAKE_PTR(c);
	return 0;
}

struct counters *counters_free(struct counters *c)
{
	if (!c)
		return NULL;
	munmap((void *)c->map, c->map_len);
	free(c);
	return NULL;
}

int counters_read(const struct counters *c, struct arenad_state *st)
{
	/* Field by field is enough: each counter is updated atomically on
	 * its own, and a map lookup copies without a lock as well. */
	memcpy(st, (const void *)c->map, sizeof(*st));
	return 0;
}
