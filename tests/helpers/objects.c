// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * objects: a loader of the selftests-shaped programs (obj_calls.bpf.c,
 * obj_htab.bpf.c) on arenad's arena, or with --pagefrag, built against the
 * page-frag floor on an arena of their own. Reads commands, one per line,
 * from standard input and answers each with one line:
 *
 *   malloc SIZE          -> ADDR (0x...) or "fail"
 *   free ADDR            -> ok
 *   write ADDR SIZE BYTE -> ok      (from BPF)
 *   check ADDR SIZE BYTE -> ok | bad (from user space, through the mapping)
 *   pairs SIZE N         -> NS_PER_PAIR (N runs of one pair each)
 *   warm SIZE N          -> NS_PER_PAIR (the same, each pair on a page a
 *                           resident object of SIZE keeps: the resident is
 *                           taken anew, untimed, before its page could fill)
 *   loop SIZE N          -> NS_PER_PAIR (N pairs in one run)
 *   mix N SEED           -> the figures of struct obj_call, as key=value
 *   race T N             -> T threads each running a mix of N objects at
 *                           once: failed=F corrupt=C (sums over threads)
 *   htab-update FIRST COUNT LEN | htab-delete FIRST COUNT | htab-destroy
 *                        -> ok | err=ERRNO
 *   htab-read            -> elems=N sum=S nodes=K payload=ok|bad
 *                           (user space follows the table's pointers)
 *
 *   objects PIN_DIR OWNER        on arenad's arena, under OWNER
 *   objects --pagefrag BUILD_DIR the floor's objects, their own arena
 *
 * Exit 0 at end of input, 1 with the reason on stderr when a step fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "obj_calls.h"
#include "obj_htab.h"

struct htab_args {
	int32_t first, count, len, ret;
};

static struct bpf_object *load(const char *path, const char *pin_dir, const char *owner)
{
	struct arenad_reuse_opts ro = { .sz = sizeof(ro), .pin_dir = pin_dir, .owner = owner };
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	int r;

	if (!obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (pin_dir && arenad_reuse(obj, &ro)) {
		fprintf(stderr, "arenad_reuse %s: %s\n", path, arenad_errmsg());
		exit(1);
	}
	r = bpf_object__load(obj);
	if (r) {
		fprintf(stderr, "load %s: %s\n", path, strerror(-r));
		exit(1);
	}
	if (pin_dir && !arenad_map_arena(obj, NULL)) {
		fprintf(stderr, "arenad_map_arena: %s\n", arenad_errmsg());
		exit(1);
	}
	return obj;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p) {
		fprintf(stderr, "no program %s\n", name);
		exit(1);
	}
	return bpf_program__fd(p);
}

static void run(int fd, void *ctx, size_t len)
{
	/* a syscall program's context is copied back into ctx_in */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = ctx, .ctx_size_in = len);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "test run: %s\n", strerror(errno));
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct racer {
	pthread_t t;
	int fd;
	struct obj_call c;
};

static void *race_one(void *arg)
{
	struct racer *r = arg;

	run(r->fd, &r->c, sizeof(r->c));
	return NULL;
}

/* T threads, one mix each, started together: on one CPU they interleave
 * when the kernel preempts a run, on more they also run side by side. */
static void race(int fd, int threads, unsigned int n)
{
	struct racer r[64] = {};
	unsigned long long failed = 0, corrupt = 0;
	int i;

	if (threads < 1 || threads > 64) {
		fprintf(stderr, "race: 1..64 threads\n");
		exit(1);
	}
	for (i = 0; i < threads; i++) {
		r[i].fd = fd;
		r[i].c.op = OBJ_MIX;
		r[i].c.n = n;
		r[i].c.seed = 1000 + i;
		if (pthread_create(&r[i].t, NULL, race_one, &r[i])) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(r[i].t, NULL);
		if (r[i].c.ret) {
			printf("ret=%d\n", r[i].c.ret);
			return;
		}
		failed += r[i].c.failed;
		corrupt += r[i].c.corrupt;
	}
	printf("failed=%llu corrupt=%llu\n", failed, corrupt);
}

/* The table the program left in its .bss, read through the mapping. */
static void htab_read(struct bpf_object *obj)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	unsigned long long sum = 0;
	int zero = 0, elems = 0, nodes = 0, i, k;
	bool payload_ok = true;
	htab_t *htab;
	void *v;

	if (!bss || !(v = calloc(1, bpf_map__value_size(bss))) ||
	    bpf_map_lookup_elem(bpf_map__fd(bss), &zero, v)) {
		fprintf(stderr, "read .bss: %s\n", strerror(errno));
		exit(1);
	}
	htab = *(htab_t **)v;	/* htab_for_user, the only global */
	free(v);
	if (!htab) {
		printf("elems=0 sum=0 nodes=0 payload=ok\n");
		return;
	}
	elems = htab->n_elems;
	for (i = 0; i < htab->n_buckets; i++)
		for (htab_node_t *n = htab->buckets[i].head; n; n = n->next) {
			nodes++;
			sum += (unsigned long long)n->key + (unsigned long long)n->value;
			for (k = 0; k < n->len; k++)
				if (n->payload[k] != (char)(n->key + k))
					payload_ok = false;
		}
	printf("elems=%d sum=%llu nodes=%d payload=%s\n", elems, sum, nodes,
	       payload_ok ? "ok" : "bad");
}

int main(int argc, char **argv)
{
	const char *pin_dir = NULL, *owner = NULL;
	char calls_path[4096], htab_path[4096], line[256], cmd[32];
	struct bpf_object *calls, *htab;
	int calls_fd, upd, del, destroy;

	if (argc == 3 && !strcmp(argv[1], "--pagefrag")) {
		snprintf(calls_path, sizeof(calls_path), "%s/bpf/obj_calls_pagefrag.bpf.o", argv[2]);
		snprintf(htab_path, sizeof(htab_path), "%s/bpf/obj_htab_pagefrag.bpf.o", argv[2]);
	} else if (argc == 4) {
		pin_dir = argv[1];
		owner = argv[2];
		snprintf(calls_path, sizeof(calls_path), "%s/bpf/obj_calls.bpf.o", argv[3]);
		snprintf(htab_path, sizeof(htab_path), "%s/bpf/obj_htab.bpf.o", argv[3]);
	} else {
		fprintf(stderr, "usage: objects PIN_DIR OWNER BUILD_DIR | --pagefrag BUILD_DIR\n");
		return 2;
	}
	calls = load(calls_path, pin_dir, owner);
	htab = load(htab_path, pin_dir, owner);
	calls_fd = prog_fd(calls, "obj_call");
	upd = prog_fd(htab, "htab_update");
	del = prog_fd(htab, "htab_delete");
	destroy = prog_fd(htab, "htab_destroy");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	while (fgets(line, sizeof(line), stdin)) {
		struct obj_call c = {};
		struct htab_args a = {};
		unsigned long long x = 0, y = 0, z = 0;
		int n = sscanf(line, "%31s %lli %lli %lli", cmd, &x, &y, &z);

		if (n < 1)
			continue;
		if (!strcmp(cmd, "malloc")) {
			c.op = OBJ_MALLOC;
			c.size = x;
			run(calls_fd, &c, sizeof(c));
			if (c.addr)
				printf("0x%llx\n", (unsigned long long)c.addr);
			else
				printf("fail\n");
		} else if (!strcmp(cmd, "free")) {
			c.op = OBJ_FREE;
			c.addr = x;
			run(calls_fd, &c, sizeof(c));
			printf("ok\n");
		} else if (!strcmp(cmd, "write")) {
			c.op = OBJ_WRITE;
			c.addr = x;
			c.size = y;
			c.seed = z;
			run(calls_fd, &c, sizeof(c));
			printf("ok\n");
		} else if (!strcmp(cmd, "check")) {
			const unsigned char *p = (const unsigned char *)(uintptr_t)x;
			bool ok = true;

			for (unsigned long long k = 0; k < y; k++)
				ok &= p[k] == (unsigned char)z;
			printf("%s\n", ok ? "ok" : "bad");
		} else if (!strcmp(cmd, "pairs") || !strcmp(cmd, "loop")) {
			bool each = !strcmp(cmd, "pairs");
			double t0 = now_ns();

			c.op = OBJ_PAIRS;
			c.size = x;
			c.n = each ? 1 : y;
			for (unsigned long long k = 0; k < (each ? y : 1); k++) {
				run(calls_fd, &c, sizeof(c));
				if (c.ret) {
					printf("fail\n");
					break;
				}
			}
			if (!c.ret)
				printf("%.1f\n", (now_ns() - t0) / (double)(y ?: 1));
		} else if (!strcmp(cmd, "warm")) {
			/*
			 * Both allocators carve a page downwards and never
			 * reuse a freed object's space, so a page fills after
			 * about 4 KiB of pairs; fewer pairs than fit beside the
			 * resident (sizes rounded up to 16 to cover both
			 * allocators' rounding and the floor's 8-byte count) run
			 * on one resident, which is then freed (its page goes
			 * back) and taken anew. Only the pairs are timed.
			 */
			unsigned long long rsize = (x + 15) & ~15ULL, per, done = 0;
			double t = 0;
			struct obj_call r = {};

			per = rsize && rsize < 2048 ? 4080 / rsize - 2 : 0;
			if (!per) {
				printf("fail\n");
				continue;
			}
			while (done < y && !c.ret) {
				r = (struct obj_call){ .op = OBJ_MALLOC, .size = x };
				run(calls_fd, &r, sizeof(r));
				if (!r.addr) {
					c.ret = -12;
					break;
				}
				c = (struct obj_call){ .op = OBJ_PAIRS, .size = x, .n = 1 };
				double t0 = now_ns();
				for (unsigned long long k = 0; k < per && done < y; k++, done++) {
					run(calls_fd, &c, sizeof(c));
					if (c.ret)
						break;
				}
				t += now_ns() - t0;
				r.op = OBJ_FREE;
				run(calls_fd, &r, sizeof(r));
			}
			if (c.ret)
				printf("fail\n");
			else
				printf("%.1f\n", t / (double)(y ?: 1));
		} else if (!strcmp(cmd, "mix")) {
			double t0 = now_ns();

			c.op = OBJ_MIX;
			c.n = x;
			c.seed = y;
			run(calls_fd, &c, sizeof(c));
			printf("ret=%d ns=%.0f bytes=%llu failed=%llu corrupt=%llu peak_bytes=%llu "
			       "peak_objects=%llu peak_pages=%llu after_bytes=%llu after_objects=%llu "
			       "after_pages=%llu\n",
			       c.ret, now_ns() - t0, (unsigned long long)c.bytes,
			       (unsigned long long)c.failed, (unsigned long long)c.corrupt,
			       (unsigned long long)c.peak_bytes,
			       (unsigned long long)c.peak_objects, (unsigned long long)c.peak_pages,
			       (unsigned long long)c.after_bytes, (unsigned long long)c.after_objects,
			       (unsigned long long)c.after_pages);
		} else if (!strcmp(cmd, "race")) {
			race(calls_fd, x, y);
		} else if (!strncmp(cmd, "htab-", 5) && strcmp(cmd, "htab-read")) {
			a.first = x;
			a.count = y;
			a.len = z;
			run(!strcmp(cmd, "htab-update") ? upd : !strcmp(cmd, "htab-delete") ? del : destroy,
			    &a, sizeof(a));
			if (a.ret)
				printf("err=%d\n", -a.ret);
			else
				printf("ok\n");
		} else if (!strcmp(cmd, "htab-read")) {
			htab_read(htab);
		} else {
			fprintf(stderr, "unknown command %s\n", cmd);
			return 1;
		}
	}
	bpf_object__close(htab);
	bpf_object__close(calls);
	return 0;
}
