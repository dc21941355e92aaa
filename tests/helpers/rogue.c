// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rogue: allocate, free or reserve arena pages with the kfuncs directly,
 * through a program that reuses the pinned arena — what a careless
 * external loader does behind arenad's back.
 *
 *   rogue PIN_DIR alloc PAGES [ADDR]    prints the address
 *   rogue PIN_DIR free ADDR PAGES
 *   rogue PIN_DIR batch OP:ADDR:PAGES…  OP is alloc, free or reserve; one
 *                                       program load for many operations
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

static const char *const ops[] = { NULL, "alloc", "free", "reserve" };

static int run(struct rogue_bpf *skel, struct rogue_req *req)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = req, .ctx_size_in = sizeof(*req));
	const char *op = ops[req->op];
	__u64 want = req->addr;

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.rogue), &opts)) {
		fprintf(stderr, "rogue: %s: %s\n", op, strerror(errno));
		return -errno;
	}
	if (req->ret) {
		fprintf(stderr, "rogue: %s 0x%llx+%u failed: %s\n", op,
			(unsigned long long)want, req->pages, strerror(-req->ret));
		return req->ret;
	}
	return 0;
}

/* "OP:ADDR:PAGES" */
static int parse_op(const char *s, struct rogue_req *req)
{
	char op[16];
	unsigned long long addr;
	unsigned int pages, i;

	if (sscanf(s, "%15[a-z]:%lli:%u", op, &addr, &pages) != 3)
		return -EINVAL;
	for (i = 1; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i])) {
			*req = (struct rogue_req) { .addr = addr, .pages = pages, .op = i };
			return 0;
		}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct rogue_req req = { 0 };
	struct rogue_bpf *skel;
	char path[4096];
	int fd, i;

	if (argc < 4 || (strcmp(argv[2], "alloc") && strcmp(argv[2], "free") &&
			 strcmp(argv[2], "batch"))) {
		fprintf(stderr, "usage: rogue PIN_DIR alloc PAGES [ADDR] | free ADDR PAGES | "
			"batch OP:ADDR:PAGES...\n");
		return 2;
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
	if (!strcmp(argv[2], "batch")) {
		for (i = 3; i < argc; i++) {
			if (parse_op(argv[i], &req)) {
				fprintf(stderr, "rogue: bad operation '%s'\n", argv[i]);
				return 2;
			}
			if (run(skel, &req))
				return 1;
		}
		rogue_bpf__destroy(skel);
		return 0;
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
	if (run(skel, &req))
		return 1;
	if (req.op == 1)
		printf("0x%llx\n", (unsigned long long)req.addr);
	rogue_bpf__destroy(skel);
	return 0;
}
