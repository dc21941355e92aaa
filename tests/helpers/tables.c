// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tables: arenad's string and owner tables driven through the pins, the
 * way another process (not the daemon) uses them.
 *
 *   tables PIN_DIR pairs N PREFIX      N alloc+free pairs, each with a new
 *                                      owner and name (PREFIX-o-I, PREFIX-n-I);
 *                                      prints "pairs DONE err ERRNO"
 *   tables PIN_DIR hold N PREFIX       hold N strings PREFIX-I (arenad_pins__intern)
 *                                      until one fails; prints "held K err ERRNO"
 *   tables PIN_DIR release PREFIX      release one hold on every live string
 *                                      PREFIX-*; prints "released K err ERRNO"
 *   tables PIN_DIR stale               an id whose string was released: its
 *                                      string, an allocation with it, a new id
 *   tables PIN_DIR race THREADS SECS   threads allocate and free with a few
 *                                      shared owners and names and hold and
 *                                      release them; prints "ops N misnamed M errors E"
 *   tables PIN_DIR check               the whole string table as JSON:
 *                                      {"live": N, "dups": [...], "refs": {STRING: REFS},
 *                                       "kept": [STRING...]} (refs: those with any)
 *   tables PIN_DIR writer SECONDS      allocate (owner "pin-writer"), fill each
 *                                      allocation with a pattern of its address,
 *                                      check it before freeing; survives the
 *                                      daemon's death (the pins stay); prints
 *                                      "ops N bad B errors E" at SIGTERM or the
 *                                      end, holding nothing then
 *   tables PIN_DIR raw OP UID ADDR PAGES OWNER_ID
 *                                      one allocator run with these fields (and
 *                                      owner_str "raw" for ALLOC when OWNER_ID
 *                                      is 0); prints "ret R addr A uid U owner O"
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arenad.h"

static struct arenad_pins *pins;
static const char *pin_dir_arg;

static int pins_alloc(__u32 pages, const char *owner, const char *name, __u64 *addr)
{
	ARENAD_OPTS(arenad_alloc_opts, o, .owner = owner, .name = name);

	return arenad_pins__alloc(pins, pages, &o, addr);
}

static int pairs(long n, const char *prefix)
{
	char owner[ARENAD_STR_LEN], name[ARENAD_STR_LEN];
	__u64 addr;
	long i;
	int r = 0;

	for (i = 0; i < n; i++) {
		snprintf(owner, sizeof(owner), "%s-o-%ld", prefix, i);
		snprintf(name, sizeof(name), "%s-n-%ld", prefix, i);
		r = pins_alloc(1, owner, name, &addr);
		if (!r)
			r = arenad_pins__free(pins, addr, NULL);
		if (r)
			break;
	}
	printf("pairs %ld err %d\n", i, r);
	return 0;
}

static int hold(long n, const char *prefix)
{
	char s[ARENAD_STR_LEN];
	__u32 id;
	long i;
	int r = 0;

	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%s-%ld", prefix, i);
		r = arenad_pins__intern(pins, s, &id);
		if (r)
			break;
	}
	printf("held %ld err %d\n", i, r);
	return 0;
}

static int release(const char *prefix)
{
	struct arenad_str v;
	size_t len = strlen(prefix);
	__u32 slot;
	long n = 0;
	int r = 0;

	for (slot = 0; slot < ARENAD_MAX_STRINGS && !r; slot++) {
		if (bpf_map_lookup_elem(arenad_pins__strings_fd(pins), &slot, &v))
			return 1;
		if (!(v.ref & ARENAD_STR_LIVE) || strncmp(v.str, prefix, len) || v.str[len] != '-')
			continue;
		r = arenad_pins__release(pins, ARENAD_STR_ID(slot, v.ref));
		n += !r;
	}
	printf("released %ld err %d\n", n, r);
	return 0;
}

static int stale(void)
{
	struct arenad_req req = { .op = ARENAD_OP_ALLOC, .pages = 1, .numa_node = -1 };
	char buf[ARENAD_STR_LEN];
	__u32 id, id2;
	int r;

	r = arenad_pins__intern(pins, "stale-owner", &id);
	printf("intern %d\n", r);
	r = arenad_pins__str(pins, id, buf, sizeof(buf));
	printf("get %d %s\n", r, buf);
	r = arenad_pins__release(pins, id);
	printf("release %d\n", r);
	r = arenad_pins__str(pins, id, buf, sizeof(buf));
	printf("get-after %d\n", r);
	r = arenad_pins__release(pins, id);
	printf("release-again %d\n", r);
	req.owner = id;
	r = arenad_pins__run(pins, &req);
	printf("alloc-stale %d\n", r);
	/* Whatever takes the slot next has another id. */
	r = arenad_pins__intern(pins, "stale-owner", &id2);
	printf("reintern %d %s\n", r, id2 != id ? "new-id" : "same-id");
	r = arenad_pins__str(pins, id, buf, sizeof(buf));
	printf("old-id %d\n", r);
	r = arenad_pins__release(pins, id2);
	printf("release-new %d\n", r);
	return 0;
}

struct race {
	pthread_t th;
	unsigned int seed;
	double end;
	long ops, misnamed, errors;
	int last_err;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *race_thread(void *arg)
{
	struct race *t = arg;
	char owner[ARENAD_STR_LEN], name[ARENAD_STR_LEN];
	struct arenad_range rec;
	__u64 addr;
	__u32 id;
	int r;

	while (now() < t->end) {
		int k = rand_r(&t->seed);

		snprintf(owner, sizeof(owner), "race-o-%d", k % 3);
		snprintf(name, sizeof(name), "race-n-%d", (k >> 4) % 4);
		if ((k >> 8) % 4 == 0) {
			/* a hold, dropped at once */
			r = arenad_pins__intern(pins, name, &id);
			if (!r)
				r = arenad_pins__release(pins, id);
		} else {
			r = pins_alloc(1, owner, (k >> 10) % 2 ? name : NULL, &addr);
			if (r == -EEXIST) {
				r = 0;	/* the name is another thread's now */
			} else if (!r) {
				/* A name held by two slots would let two allocations
				 * have it: the name must lead to this allocation. */
				if ((k >> 10) % 2 &&
				    (arenad_pins__find_name(pins, name, &rec) ||
				     (0x100000000000ULL + ((__u64)rec.pgoff << 12)) != addr))
					t->misnamed++;
				r = arenad_pins__free(pins, addr, NULL);
			}
		}
		if (r) {
			t->errors++;
			t->last_err = r;
		}
		t->ops++;
	}
	return NULL;
}

static int race(int threads, double secs)
{
	struct race *t = calloc(threads, sizeof(*t));
	long ops = 0, misnamed = 0, errors = 0;
	int i, last = 0;

	if (!t)
		return 1;
	for (i = 0; i < threads; i++) {
		t[i].seed = i * 7919 + 1;
		t[i].end = now() + secs;
		pthread_create(&t[i].th, NULL, race_thread, &t[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i].th, NULL);
		ops += t[i].ops;
		misnamed += t[i].misnamed;
		errors += t[i].errors;
		last = t[i].last_err ?: last;
	}
	printf("ops %ld misnamed %ld errors %ld last %d\n", ops, misnamed, errors, last);
	free(t);
	return 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(((const struct arenad_str *)a)->str, ((const struct arenad_str *)b)->str);
}

static int check(void)
{
	struct arenad_str *all = calloc(ARENAD_MAX_STRINGS, sizeof(*all));
	__u32 slot, n = 0, i;
	bool first = true;

	if (!all)
		return 1;
	for (slot = 0; slot < ARENAD_MAX_STRINGS; slot++) {
		if (bpf_map_lookup_elem(arenad_pins__strings_fd(pins), &slot, &all[n]))
			return 1;
		if (all[n].ref & ARENAD_STR_LIVE)
			n++;
	}
	qsort(all, n, sizeof(*all), by_str);
	printf("{\"live\": %u, \"dups\": [", n);
	for (i = 1; i < n; i++)
		if (!strcmp(all[i].str, all[i - 1].str)) {
			printf("%s\"%s\"", first ? "" : ", ", all[i].str);
			first = false;
		}
	printf("], \"refs\": {");
	for (i = 0, first = true; i < n; i++) {
		if (!(all[i].ref & ARENAD_STR_REFS))
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ", all[i].str,
		       (unsigned long long)(all[i].ref & ARENAD_STR_REFS));
		first = false;
	}
	printf("}, \"kept\": [");
	for (i = 0, first = true; i < n; i++) {
		if (!(all[i].ref & ARENAD_STR_KEPT))
			continue;
		printf("%s\"%s\"", first ? "" : ", ", all[i].str);
		first = false;
	}
	printf("]}\n");
	free(all);
	return 0;
}

#define WRITER_LIVE 16

static volatile sig_atomic_t writer_stop;

static void on_term(int sig)
{
	writer_stop = 1;
}

static int fill_check(__u64 addr, __u32 pages, bool fill)
{
	volatile __u64 *p = (volatile __u64 *)(unsigned long)addr;
	size_t i, n = (size_t)pages * 4096 / 8;
	int bad = 0;

	for (i = 0; i < n; i += 61) {	/* a word per 488 bytes, last word too */
		if (fill)
			p[i] = addr ^ (i * 0x9e3779b97f4a7c15ULL);
		else
			bad |= p[i] != (addr ^ (i * 0x9e3779b97f4a7c15ULL));
	}
	return bad;
}

static int writer(double secs)
{
	struct { __u64 addr; __u32 pages; } live[WRITER_LIVE] = {};
	double end = now() + secs;
	unsigned int seed = getpid(), k;
	long ops = 0, bad = 0, errors = 0;
	int r;

	if (!arenad_map_pinned_arena(pin_dir_arg, NULL)) {
		fprintf(stderr, "tables: map the arena: %s\n", arenad_errmsg());
		return 1;
	}
	signal(SIGTERM, on_term);
	while (now() < end && !writer_stop) {
		k = rand_r(&seed) % WRITER_LIVE;
		if (live[k].addr) {
			bad += fill_check(live[k].addr, live[k].pages, false);
			r = arenad_pins__free(pins, live[k].addr, NULL);
			live[k].addr = 0;
		} else {
			live[k].pages = 1 + rand_r(&seed) % 3;
			r = pins_alloc(live[k].pages, "pin-writer", NULL, &live[k].addr);
			if (!r)
				fill_check(live[k].addr, live[k].pages, true);
			else
				live[k].addr = 0;
		}
		errors += r && r != -ENOMEM;
		ops++;
	}
	for (k = 0; k < WRITER_LIVE; k++)
		if (live[k].addr) {
			bad += fill_check(live[k].addr, live[k].pages, false);
			errors += !!arenad_pins__free(pins, live[k].addr, NULL);
		}
	printf("ops %ld bad %ld errors %ld\n", ops, bad, errors);
	return 0;
}

static int raw(char **argv)
{
	struct arenad_req req = {
		.op = strtoul(argv[0], NULL, 0),
		.uid = strtoul(argv[1], NULL, 0),
		.addr = strtoull(argv[2], NULL, 0),
		.pages = strtoul(argv[3], NULL, 0),
		.owner = strtoul(argv[4], NULL, 0),
		.numa_node = -1,
	};
	int r;

	if (req.op == ARENAD_OP_ALLOC && !req.owner)
		strcpy(req.owner_str, "raw");
	r = arenad_pins__run(pins, &req);
	printf("ret %d addr 0x%llx uid %u owner %u\n", r, (unsigned long long)req.addr,
	       req.uid, req.owner);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	pin_dir_arg = argv[1];
	pins = arenad_pins__open(argv[1]);
	if (!pins) {
		fprintf(stderr, "tables: %s\n", arenad_errmsg());
		return 1;
	}
	if (!strcmp(argv[2], "pairs") && argc == 5)
		return pairs(atol(argv[3]), argv[4]);
	if (!strcmp(argv[2], "hold") && argc == 5)
		return hold(atol(argv[3]), argv[4]);
	if (!strcmp(argv[2], "release") && argc == 4)
		return release(argv[3]);
	if (!strcmp(argv[2], "stale") && argc == 3)
		return stale();
	if (!strcmp(argv[2], "race") && argc == 5)
		return race(atoi(argv[3]), atof(argv[4]));
	if (!strcmp(argv[2], "check") && argc == 3)
		return check();
	if (!strcmp(argv[2], "writer") && argc == 4)
		return writer(atof(argv[3]));
	if (!strcmp(argv[2], "raw") && argc == 8)
		return raw(argv + 3);
	return 2;
}
