// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * foreign_arena: an arena user that knows nothing of arenad (its own BPF
 * object, its own arena at its own address, linked with libbpf only), for
 * the inventory tests.
 *
 *   foreign_arena [--pages P] [--addr ADDR] [--alloc N] [--ranges R]
 *                 [--touch M] [--reserve K] [--segv] [--hold]
 *
 * It creates a P-page arena at ADDR (BPF_F_SEGV_ON_FAULT with --segv),
 * allocates N pages with bpf_arena_alloc_pages() in R ranges spread over
 * the arena, reserves K pages (bpf_arena_reserve_pages(), where the kernel
 * has it), touches M more pages from user space (which allocates them),
 * fills every page it owns with a pattern, and prints one JSON line:
 *
 *   {"pid":…, "map_id":…, "prog_id":…, "addr":"0x…", "present":[[pgoff,pages],…],
 *    "reserved":K}
 *
 * With --hold it then waits for a signal (a service has no stdin).
 * Otherwise it reads commands on stdin, one per line:
 *   check   "ok" when every owned byte still holds its pattern (and, with
 *           --segv, it is still alive), else "bad PGOFF"
 *   exit    (or end of input) exits
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "foreign_arena.skel.h"

#define PAGE 4096UL
#define SEGV_ON_FAULT (1U << 17)

struct fa_req {
	__u64 addr;
	__u32 pages;
	__u32 op;
	__s32 ret;
};

struct run {
	unsigned long pgoff, pages;
};

static struct run runs[4096];
static unsigned int nruns;
static unsigned char *base;

static int pages_op(struct foreign_arena_bpf *skel, int op, unsigned long pgoff, unsigned long n)
{
	struct fa_req req = { .addr = (__u64)(unsigned long)(base + pgoff * PAGE), .pages = n, .op = op };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &req, .ctx_size_in = sizeof(req));

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.fa_pages), &opts))
		return -errno;
	return req.ret;
}

static unsigned char pattern(unsigned long pgoff, unsigned long i)
{
	return (unsigned char)(pgoff * 131 + i * 7 + 1);
}

static void fill(unsigned long pgoff)
{
	for (unsigned long i = 0; i < PAGE; i++)
		base[pgoff * PAGE + i] = pattern(pgoff, i);
}

static long check(void)
{
	for (unsigned int r = 0; r < nruns; r++)
		for (unsigned long p = runs[r].pgoff; p < runs[r].pgoff + runs[r].pages; p++)
			for (unsigned long i = 0; i < PAGE; i++)
				if (base[p * PAGE + i] != pattern(p, i))
					return (long)p;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "alloc", required_argument, NULL, 'n' },
		{ "ranges", required_argument, NULL, 'r' },
		{ "touch", required_argument, NULL, 'm' },
		{ "reserve", required_argument, NULL, 'k' },
		{ "segv", no_argument, NULL, 's' },
		{ "hold", no_argument, NULL, 'H' },
		{}
	};
	unsigned long pages = 256, addr = 0x300000000000UL, n = 0, ranges = 1, m = 0, k = 0;
	unsigned long per, gap, pg, reserved = 0;
	bool segv = false, hold = false;
	struct foreign_arena_bpf *skel;
	struct bpf_map_info minfo = {};
	struct bpf_prog_info pinfo = {};
	__u32 len;
	char line[64];
	size_t sz = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pages = strtoul(optarg, NULL, 0); break;
		case 'a': addr = strtoul(optarg, NULL, 0); break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'r': ranges = strtoul(optarg, NULL, 0); break;
		case 'm': m = strtoul(optarg, NULL, 0); break;
		case 'k': k = strtoul(optarg, NULL, 0); break;
		case 's': segv = true; break;
		case 'H': hold = true; break;
		default: return 2;
		}
	}
	if (!ranges || (n && n < ranges) || ranges > 1024 || n + m + k + 2 * ranges + 4 > pages) {
		fprintf(stderr, "foreign_arena: bad sizes\n");
		return 2;
	}
	skel = foreign_arena_bpf__open();
	if (!skel)
		return 1;
	bpf_map__set_max_entries(skel->maps.foreign_arena, pages);
	bpf_map__set_map_extra(skel->maps.foreign_arena, addr);
	if (segv)
		bpf_map__set_map_flags(skel->maps.foreign_arena,
				       bpf_map__map_flags(skel->maps.foreign_arena) | SEGV_ON_FAULT);
	r = foreign_arena_bpf__load(skel);
	if (r) {
		fprintf(stderr, "foreign_arena: load: %s\n", strerror(-r));
		return 1;
	}
	/* libbpf mapped the arena at map_extra when it created it. */
	base = bpf_map__initial_value(skel->maps.foreign_arena, &sz);
	if (!base || (unsigned long)base != addr) {
		fprintf(stderr, "foreign_arena: arena not mapped at 0x%lx\n", addr);
		return 1;
	}

	/* N pages in R ranges, spread evenly; the first range at page 0. */
	per = n / ranges;
	gap = (pages - m - k - 2) / ranges;
	for (unsigned long i = 0; n && i < ranges; i++) {
		unsigned long cnt = i == ranges - 1 ? n - per * (ranges - 1) : per;

		pg = i * gap;
		r = pages_op(skel, 1, pg, cnt);
		if (r) {
			fprintf(stderr, "foreign_arena: alloc %lu pages at page %lu: %s\n", cnt, pg,
				strerror(-r));
			return 1;
		}
		runs[nruns++] = (struct run) { pg, cnt };
	}
	/* Reserved, then touched pages, at the end of the arena. */
	if (k) {
		r = pages_op(skel, 2, pages - m - k - 1, k);
		if (r && r != -95) {
			fprintf(stderr, "foreign_arena: reserve: %s\n", strerror(-r));
			return 1;
		}
		reserved = r ? 0 : k;
	}
	if (m && !segv)
		runs[nruns++] = (struct run) { pages - m, m };
	for (unsigned int i = 0; i < nruns; i++)
		for (pg = runs[i].pgoff; pg < runs[i].pgoff + runs[i].pages; pg++)
			fill(pg);

	len = sizeof(minfo);
	bpf_map_get_info_by_fd(bpf_map__fd(skel->maps.foreign_arena), &minfo, &len);
	len = sizeof(pinfo);
	bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.fa_pages), &pinfo, &len);
	printf("{\"pid\":%d,\"map_id\":%u,\"prog_id\":%u,\"addr\":\"0x%lx\",\"reserved\":%lu,\"present\":[",
	       getpid(), minfo.id, pinfo.id, addr, reserved);
	for (unsigned int i = 0; i < nruns; i++)
		printf("%s[%lu,%lu]", i ? "," : "", runs[i].pgoff, runs[i].pages);
	printf("]}\n");
	fflush(stdout);

	while (hold)
		pause();
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "check", 5)) {
			long bad = check();

			if (bad < 0)
				printf("ok\n");
			else
				printf("bad %ld\n", bad);
			fflush(stdout);
		} else if (!strncmp(line, "exit", 4)) {
			break;
		}
	}
	foreign_arena_bpf__destroy(skel);
	return 0;
}
