// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rogue: allocate or free arena pages with the kfuncs directly, through a
 * program that reuses the pinned arena — what a careless external loader
 * does behind arenad's back.
 *
 *   rogue PIN_DIR alloc PAGES [ADDR]    prints the address
 *   rogue PIN_DIR free ADDR PAGES
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad_abi.h"
#include "rogue.skel.h"

struct rogue_req {
	__u64 addr;
	__u32 pages;
	__u32 op;
	__s32 ret;
};

int main(int argc, char **argv)
{
	struct rogue_req req = { 0 };
	struct rogue_bpf *skel;
	char path[4096];
	int fd, r;

	if (argc < 4 || (strcmp(argv[2], "alloc") && strcmp(argv[2], "free"))) {
		fprintf(stderr, "usage: rogue PIN_DIR alloc PAGES [ADDR] | free ADDR PAGES\n");
		return 2;
	}
	if (!strcmp(argv[2], "alloc")) {
		req.op = 1;
		req.pages = strtoul(argv[3], NULL, 0);
		req.addr = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	} else {
		req.op = 2;
		req.addr = strtoull(argv[3], NULL, 0);
		req.pages = argc > 4 ? strtoul(argv[4], NULL, 0) : 1;
	}
	snprintf(path, sizeof(path), "%s/%s", argv[1], ARENAD_PIN_ARENA);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "rogue: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	skel = rogue_bpf__open();
	if (!skel || bpf_map__reuse_fd(skel->maps.arena, fd) || rogue_bpf__load(skel)) {
		fprintf(stderr, "rogue: load: %s\n", strerror(errno));
		return 1;
	}
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &req, .ctx_size_in = sizeof(req));
	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.rogue), &opts);
	if (r || req.ret) {
		fprintf(stderr, "rogue: %s failed: %s\n", argv[2], strerror(r ? errno : -req.ret));
		return 1;
	}
	if (req.op == 1)
		printf("0x%llx\n", (unsigned long long)req.addr);
	rogue_bpf__destroy(skel);
	return 0;
}
