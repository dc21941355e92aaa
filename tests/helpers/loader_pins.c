// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * loader_pins: libarenad's direct path (the pinned allocator program run
 * with BPF_PROG_TEST_RUN, no socket) and its typed owners call.
 *
 *   loader_pins PIN_DIR alloc PAGES OWNER [NAME]   -> "ok ADDR" | "error -ERRNO"
 *   loader_pins PIN_DIR lease PAGES OWNER          -> "ok ADDR" | "error -ERRNO", then
 *                                                     holds the process lease until
 *                                                     stdin ends or it is killed
 *   loader_pins PIN_DIR free ADDR                  -> "ok PAGES" | "error -ERRNO"
 *   loader_pins PIN_DIR find NAME                  -> "ok ADDR PAGES OWNER" | "error -ERRNO"
 *   loader_pins PIN_DIR fill ADDR LEN BYTE         -> writes through arenad_map_pinned_arena()
 *   loader_pins SOCKET owners                      -> "OWNER PAGES ALLOCATIONS" lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"

static int owners(const char *sock)
{
	ARENAD_OPTS(arenad_client_opts, o, .socket_path = sock);
	struct arenad_owner_usage *u;
	struct arenad_client *c;
	size_t n, i;
	int r;

	c = arenad_client__open(&o);
	r = c ? arenad_client__owners(c, NULL, &u, sizeof(*u), &n) : -errno;
	if (r) {
		printf("error %d\n", r);
		arenad_client__close(c);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%s %llu %llu\n", u[i].owner, (unsigned long long)u[i].pages,
		       (unsigned long long)u[i].allocations);
	free(u);
	arenad_client__close(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct arenad_pins *pins;
	struct arenad_range rg;
	struct arenad_state st;
	char owner[ARENAD_STR_LEN];
	__u64 addr;
	__u32 pages;
	int r;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[2], "owners"))
		return owners(argv[1]);
	if (!strcmp(argv[2], "fill") && argc == 6) {
		char *base = arenad_map_pinned_arena(argv[1], NULL);

		if (!base) {
			printf("error %s\n", arenad_errmsg());
			return 1;
		}
		memset((void *)(unsigned long)strtoull(argv[3], NULL, 0),
		       (int)strtol(argv[5], NULL, 0), strtoull(argv[4], NULL, 0));
		printf("ok\n");
		return 0;
	}

	pins = arenad_pins__open(argv[1]);
	if (!pins) {
		printf("error %d\n", -errno);
		return 1;
	}
	if (!strcmp(argv[2], "alloc") && (argc == 5 || argc == 6)) {
		ARENAD_OPTS(arenad_alloc_opts, o, .owner = argv[4],
			    .name = argc == 6 ? argv[5] : NULL);

		r = arenad_pins__alloc(pins, strtoul(argv[3], NULL, 0), &o, &addr);
		if (!r)
			printf("ok 0x%llx\n", (unsigned long long)addr);
	} else if (!strcmp(argv[2], "lease") && argc == 5) {
		ARENAD_OPTS(arenad_alloc_opts, o, .owner = argv[4], .lease = ARENAD_LEASE_PROCESS);
		char line[64];

		r = arenad_pins__alloc(pins, strtoul(argv[3], NULL, 0), &o, &addr);
		if (!r) {
			printf("ok 0x%llx\n", (unsigned long long)addr);
			fflush(stdout);
			while (fgets(line, sizeof(line), stdin))
				;
		}
	} else if (!strcmp(argv[2], "free") && argc == 4) {
		r = arenad_pins__free(pins, strtoull(argv[3], NULL, 0), &pages);
		if (!r)
			printf("ok %u\n", pages);
	} else if (!strcmp(argv[2], "find") && argc == 4) {
		r = arenad_pins__find_name(pins, argv[3], &rg);
		if (!r)
			r = arenad_pins__state(pins, &st);
		if (!r)
			r = arenad_pins__str(pins, rg.owner, owner, sizeof(owner));
		if (!r)
			printf("ok 0x%llx %u %s\n",
			       (unsigned long long)(st.user_vm_start +
						    ((__u64)rg.pgoff << ARENAD_PAGE_SHIFT)),
			       rg.pages, owner);
	} else {
		r = -EINVAL;
	}
	if (r)
		printf("error %d\n", r);
	arenad_pins__close(pins);
	return r ? 1 : 0;
}
