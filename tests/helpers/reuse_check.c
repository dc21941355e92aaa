// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * reuse_check: the ways arenad_reuse()/arenad_map_*() must refuse.
 *
 *   reuse_check PIN_DIR globals     object with __arena globals
 *   reuse_check PIN_DIR segv        object declaring SEGV_ON_FAULT vs. a plain arena
 *   reuse_check PIN_DIR occupied    the arena's address range already mapped here
 *
 * Prints "refused: <arenad_errmsg()>" and exits 0 when refused, or
 * "accepted" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "loader_globals.skel.h"
#include "loader_segv.skel.h"

static int report(int refused)
{
	if (refused) {
		printf("refused: %s\n", arenad_errmsg());
		return 0;
	}
	printf("accepted\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct arenad_reuse_opts o = { .sz = sizeof(o) };

	if (argc != 3)
		return 2;
	o.pin_dir = argv[1];
	if (!strcmp(argv[2], "globals")) {
		struct loader_globals_bpf *s = loader_globals_bpf__open();

		return report(s && arenad_reuse(s->obj, &o) == -EINVAL);
	}
	if (!strcmp(argv[2], "segv")) {
		struct loader_segv_bpf *s = loader_segv_bpf__open();

		return report(s && arenad_reuse(s->obj, &o) == -EINVAL);
	}
	if (!strcmp(argv[2], "occupied")) {
		/* Something of ours already sits where the arena must go. */
		void *p = mmap((void *)ARENAD_DEFAULT_USER_ADDR, sysconf(_SC_PAGESIZE), PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED)
			return 2;
		return report(!arenad_map_pinned_arena(o.pin_dir, NULL) && errno == EEXIST);
	}
	return 2;
}
