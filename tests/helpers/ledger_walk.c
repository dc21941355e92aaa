// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ledger_walk: arenad_pins__ranges() on the pinned ledger, and ledger churn
 * through the pinned allocator from a process other than the daemon.
 *
 *   ledger_walk PIN_DIR list            "N" then "PGOFF PAGES OWNER" lines
 *   ledger_walk PIN_DIR churn SECONDS   allocate and free one page in a
 *                                       loop (owner "churn"); prints the
 *                                       number of cycles
 *   ledger_walk PIN_DIR walk-churn SECONDS
 *                                       list the ledger in a loop while
 *                                       churn runs elsewhere; prints
 *                                       "walks N dups D unsorted U"
 *   ledger_walk PIN_DIR bench ROUNDS    median time of a whole-ledger read,
 *                                       entry by entry (get_next_key +
 *                                       lookup, the baseline) and with
 *                                       arenad_pins__ranges(); for make bench
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "arenad.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int list(const struct arenad_pins *pins)
{
	struct arenad_range *r;
	char owner[ARENAD_STR_LEN];
	size_t i, n;
	int ret;

	ret = arenad_pins__ranges(pins, &r, &n);
	if (ret) {
		fprintf(stderr, "ledger_walk: arenad_pins__ranges: %s\n", strerror(-ret));
		return 1;
	}
	printf("%zu\n", n);
	for (i = 0; i < n; i++) {
		if (arenad_pins__str(pins, r[i].owner, owner, sizeof(owner)))
			snprintf(owner, sizeof(owner), "-");
		printf("%u %u %s\n", r[i].pgoff, r[i].pages, owner);
	}
	free(r);
	return 0;
}

static int churn(const struct arenad_pins *pins, double secs)
{
	ARENAD_OPTS(arenad_alloc_opts, opts, .owner = "churn");
	double end = now() + secs;
	unsigned long cycles = 0;
	__u64 addr;
	int ret;

	while (now() < end) {
		ret = arenad_pins__alloc(pins, 1, &opts, &addr);
		if (!ret)
			ret = arenad_pins__free(pins, addr, NULL);
		if (ret) {
			fprintf(stderr, "ledger_walk: churn: %s\n", strerror(-ret));
			return 1;
		}
		cycles++;
	}
	printf("%lu\n", cycles);
	return 0;
}

/* Walk while others churn: every entry must come once, in order. */
static int walk_churn(const struct arenad_pins *pins, double secs)
{
	double end = now() + secs;
	unsigned long walks = 0, dups = 0, unsorted = 0;
	struct arenad_range *r;
	size_t i, n;
	int ret;

	while (now() < end) {
		ret = arenad_pins__ranges(pins, &r, &n);
		if (ret) {
			fprintf(stderr, "ledger_walk: arenad_pins__ranges: %s\n", strerror(-ret));
			return 1;
		}
		for (i = 1; i < n; i++) {
			dups += r[i].pgoff == r[i - 1].pgoff;
			unsorted += r[i].pgoff < r[i - 1].pgoff;
		}
		free(r);
		walks++;
	}
	printf("walks %lu dups %lu unsorted %lu\n", walks, dups, unsorted);
	return 0;
}

/* The baseline: two syscalls per entry. Returns the entries seen. */
static size_t walk_nextkey(const struct arenad_pins *pins)
{
	struct arenad_range rec;
	__u32 key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(arenad_pins__ledger_fd(pins), prev, &next)) {
		key = next;
		prev = &key;
		n += !bpf_map_lookup_elem(arenad_pins__ledger_fd(pins), &key, &rec);
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench(const struct arenad_pins *pins, int rounds)
{
	double *t_next = calloc(rounds, sizeof(double)), *t_batch = calloc(rounds, sizeof(double));
	size_t n_next = 0, n_batch = 0;
	struct arenad_range *r;
	double t0;
	int i, ret = 0;

	if (!t_next || !t_batch || rounds < 1) {
		ret = 1;
		goto out;
	}
	for (i = 0; i < rounds; i++) {
		t0 = now();
		n_next = walk_nextkey(pins);
		t_next[i] = now() - t0;
		t0 = now();
		if (arenad_pins__ranges(pins, &r, &n_batch)) {
			ret = 1;
			goto out;
		}
		free(r);
		t_batch[i] = now() - t0;
	}
	qsort(t_next, rounds, sizeof(double), cmp_double);
	qsort(t_batch, rounds, sizeof(double), cmp_double);
	printf("entries %zu %zu nextkey_us %.0f batch_us %.0f\n", n_next, n_batch,
	       t_next[rounds / 2] * 1e6, t_batch[rounds / 2] * 1e6);
out:
	free(t_next);
	free(t_batch);
	return ret;
}

int main(int argc, char **argv)
{
	struct arenad_pins *pins;
	int ret;

	if (argc < 3 || (strcmp(argv[2], "list") && argc < 4)) {
		fprintf(stderr, "usage: ledger_walk PIN_DIR list|churn SECS|walk-churn SECS|bench ROUNDS\n");
		return 2;
	}
	pins = arenad_pins__open(argv[1]);
	if (!pins) {
		fprintf(stderr, "ledger_walk: %s\n", arenad_errmsg());
		return 1;
	}
	if (!strcmp(argv[2], "list"))
		ret = list(pins);
	else if (!strcmp(argv[2], "churn"))
		ret = churn(pins, atof(argv[3]));
	else if (!strcmp(argv[2], "walk-churn"))
		ret = walk_churn(pins, atof(argv[3]));
	else if (!strcmp(argv[2], "bench"))
		ret = bench(pins, atoi(argv[3]));
	else
		ret = 2;
	arenad_pins__close(pins);
	return ret;
}
