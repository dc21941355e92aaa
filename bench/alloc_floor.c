// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * alloc_floor: time N alloc+free pairs of one page, two ways, in one
 * process:
 *   raw   two BPF_PROG_TEST_RUN calls of kfunc_floor.bpf.c (the floor);
 *   pins  arenad's pinned allocator through libarenad, PIN_DIR given.
 * Prints "raw NS_PER_PAIR" and/or "pins NS_PER_PAIR".
 *
 *   alloc_floor raw N
 *   alloc_floor pins N PIN_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "kfunc_floor.skel.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int run(int fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int r = bpf_prog_test_run_opts(fd, &o);

	return r < 0 ? r : (o.retval ? -ENOMEM : 0);
}

static int bench_raw(long n)
{
	struct kfunc_floor_bpf *skel = kfunc_floor_bpf__open_and_load();
	int a, f, r = 0;
	double t0;

	if (!skel) {
		fprintf(stderr, "alloc_floor: loading the floor programs: %s\n", strerror(errno));
		return 1;
	}
	a = bpf_program__fd(skel->progs.floor_alloc);
	f = bpf_program__fd(skel->progs.floor_free);
	t0 = now_ns();
	for (long i = 0; i < n && !r; i++) {
		r = run(a);
		if (!r)
			r = run(f);
	}
	if (!r)
		printf("raw %.0f\n", (now_ns() - t0) / n);
	else
		fprintf(stderr, "alloc_floor: raw kfunc pair: %s\n", strerror(-r));
	kfunc_floor_bpf__destroy(skel);
	return r ? 1 : 0;
}

static int bench_pins(long n, const char *pin_dir)
{
	ARENAD_OPTS(arenad_alloc_opts, opts, .owner = "bench");
	struct arenad_pins *pins;
	double t0;
	int r = 0;

	pins = arenad_pins__open(pin_dir);
	if (!pins) {
		fprintf(stderr, "alloc_floor: %s\n", arenad_errmsg());
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < n && !r; i++) {
		__u64 addr;
		__u32 pages;

		r = arenad_pins__alloc(pins, 1, &opts, &addr);
		if (!r)
			r = arenad_pins__free(pins, addr, &pages);
	}
	if (!r)
		printf("pins %.0f\n", (now_ns() - t0) / n);
	else
		fprintf(stderr, "alloc_floor: pinned allocator: %s\n", arenad_errmsg());
	arenad_pins__close(pins);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;

	if (n > 0 && !strcmp(argv[1], "raw") && argc == 3)
		return bench_raw(n);
	if (n > 0 && !strcmp(argv[1], "pins") && argc == 4)
		return bench_pins(n, argv[3]);
	fprintf(stderr, "usage: alloc_floor raw N | alloc_floor pins N PIN_DIR\n");
	return 2;
}
