// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * quota_race: THREADS allocators racing for one owner on the pinned path
 * (arenad_pins__alloc(), each thread with pins of its own), every one
 * allocating 1..4 pages at a time and freeing some again, ROUNDS times.
 *
 *   quota_race PIN_DIR OWNER THREADS ROUNDS
 *     -> "ok N refused N other N held N max N"
 *
 * held is what the threads still hold at the end (they keep it: the test
 * compares it with the daemon's stats), max the most they held together
 * at any moment: a shared count raised after an allocation succeeded and
 * lowered before a free, so it never counts more than the ledger holds,
 * and over the owner's limit only if the allocator let it get there.
 * other counts failures that are neither success nor -EDQUOT (the first
 * is printed on stderr).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"

#define KEEP 4		/* allocations a thread holds at most */

static const char *pin_dir, *owner;
static unsigned int rounds;
static long held, max_held, n_ok, n_refused, n_other;

static void raise_max(long now)
{
	long m = __atomic_load_n(&max_held, __ATOMIC_RELAXED);

	while (now > m && !__atomic_compare_exchange_n(&max_held, &m, now, false,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void *run(void *arg)
{
	ARENAD_OPTS(arenad_alloc_opts, o, .owner = owner);
	unsigned int seed = (unsigned int)(unsigned long)arg * 7919 + 1, i, n = 0, k;
	struct { __u64 addr; __u32 pages; } mine[KEEP];
	struct arenad_pins *pins = arenad_pins__open(pin_dir);
	__u64 addr;
	__u32 pages;
	int r;

	if (!pins) {
		fprintf(stderr, "quota_race: %s\n", arenad_errmsg());
		__atomic_add_fetch(&n_other, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (i = 0; i < rounds; i++) {
		/* Free one now and then, so that the owner's use goes up
		 * and down across the limit. */
		if (n == KEEP || (n && rand_r(&seed) % 3 == 0)) {
			k = rand_r(&seed) % n;
			__atomic_sub_fetch(&held, mine[k].pages, __ATOMIC_RELAXED);
			r = arenad_pins__free(pins, mine[k].addr, NULL);
			if (r) {
				if (!__atomic_fetch_add(&n_other, 1, __ATOMIC_RELAXED))
					fprintf(stderr, "quota_race: free: %s\n", arenad_errmsg());
			}
			mine[k] = mine[--n];
			continue;
		}
		pages = 1 + rand_r(&seed) % 4;
		r = arenad_pins__alloc(pins, pages, &o, &addr);
		if (!r) {
			raise_max(__atomic_add_fetch(&held, pages, __ATOMIC_RELAXED));
			__atomic_add_fetch(&n_ok, 1, __ATOMIC_RELAXED);
			mine[n].addr = addr;
			mine[n++].pages = pages;
		} else if (r == -EDQUOT) {
			__atomic_add_fetch(&n_refused, 1, __ATOMIC_RELAXED);
		} else if (!__atomic_fetch_add(&n_other, 1, __ATOMIC_RELAXED)) {
			fprintf(stderr, "quota_race: alloc: %d %s\n", r, arenad_errmsg());
		}
	}
	arenad_pins__close(pins);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tid[64];
	unsigned long i, n;

	if (argc != 5)
		return 2;
	pin_dir = argv[1];
	owner = argv[2];
	n = strtoul(argv[3], NULL, 0);
	rounds = strtoul(argv[4], NULL, 0);
	if (!n || n > 64)
		return 2;
	for (i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, run, (void *)i))
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	printf("ok %ld refused %ld other %ld held %ld max %ld\n", n_ok, n_refused, n_other, held,
	       max_held);
	return 0;
}
