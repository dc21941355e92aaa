// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arena_create: the floor for a daemon start — a process that starts,
 * creates one arena map of PAGES pages at a fixed user address, and exits
 * (the arena goes with it).
 *
 *   arena_create PAGES
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "arenad_abi.h"

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_create_opts, o,
		    .map_flags = BPF_F_MMAPABLE,
		    .map_extra = 0x300000000000ULL);
	long pages = argc == 2 ? atol(argv[1]) : 0;
	int fd;

	if (pages < 1) {
		fprintf(stderr, "usage: arena_create PAGES\n");
		return 2;
	}
	fd = bpf_map_create(ARENAD_MAP_TYPE_ARENA, "floor", 0, 0, pages, &o);
	if (fd < 0) {
		fprintf(stderr, "arena_create: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
