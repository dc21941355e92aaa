// SPDX-License-Identifier: LGPL-2.1-or-later
/* The state map's counters read without a syscall (counters.h). Never logs:
 * returns -errno (log.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "counters.h"

struct counters {
	int state_fd;			/* not owned */
	volatile const struct arenad_state *map;	/* NULL: not mmapable */
	size_t map_len;
};

int counters_open(int state_fd, struct counters **out)
{
	_cleanup_free_ struct counters *c = calloc(1, sizeof(*c));
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	if (!c)
		return -ENOMEM;
	c->state_fd = state_fd;
	if (bpf_map_get_info_by_fd(state_fd, &info, &len))
		return -errno;
	if (info.map_flags & BPF_F_MMAPABLE) {
		c->map_len = sysconf(_SC_PAGESIZE);
		p = mmap(NULL, c->map_len, PROT_READ, MAP_SHARED, state_fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		c->map = p;
	}
	*out = TAKE_PTR(c);
	return 0;
}

struct counters *counters_free(struct counters *c)
{
	if (!c)
		return NULL;
	if (c->map)
		munmap((void *)c->map, c->map_len);
	free(c);
	return NULL;
}

bool counters_mapped(const struct counters *c)
{
	return c->map;
}

int counters_read(const struct counters *c, struct arenad_state *st)
{
	__u32 zero = 0;

	if (c->map) {
		/* Field by field is enough: each counter is updated atomically
		 * on its own, and a lookup copies without a lock as well. */
		memcpy(st, (const void *)c->map, sizeof(*st));
		return 0;
	}
	return bpf_map_lookup_elem(c->state_fd, &zero, st) ? -errno : 0;
}
