// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The census: which pages of an arena are present, by the methods that
 * passed their self-test (census_selftest.c), for the managed arena
 * through its census program and for every other program's arena through
 * the map iterator, both under one retry policy (census_next()).
 *
 * Logging: census_new() runs at start-up and logs what it decided (which
 * method, or why none); census_run() and census_run_foreign() run per
 * request and do not log failures, they return them (log.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad_census.h"
#include "arenad_census.skel.h"
#include "census.h"
#include "census_prog.h"
#include "cleanup.h"
#include "iter.h"
#include "log.h"
#include "util.h"

/* Runs of a method that met a changing free-range tree, before the full
 * probe takes over (census_next()). */
#define CENSUS_TRIES 3

DEFINE_TRIVIAL_CLEANUP_FUNC(struct arenad_census_bpf *, arenad_census_bpf__destroy);

void census_mapping_unmap(struct census_mapping *m)
{
	if (m->p)
		munmap(m->p, m->len);
	*m = (struct census_mapping) {};
}

struct census {
	struct arenad_census_bpf *skel;	/* may be iter (load_iter()) */
	struct census_mapping map;	/* census_bits */
	__u32 npages;
	struct census_verdict verdict[_CENSUS_ARENAS_MAX];
	struct arenad_census_bpf *iter;	/* the map iterator's instance */
	struct bpf_link *iter_link;
	struct census_mapping iter_map;	/* its census_bits */
	__u32 selftest_id;		/* the self-test arena's map id */
};

const char *census_method_name(int m)
{
	switch (m) {
	case ARENAD_CENSUS_FULL:
		return "full";
	case ARENAD_CENSUS_RT:
		return "rt";
	case ARENAD_CENSUS_KMOD:
		return "kmod";
	}
	return NULL;
}

int census_prog_run(int prog_fd, struct arenad_census_req *req)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = req, .ctx_size_in = sizeof(*req));

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return req->ret;
}

int census_map_bits(int fd, struct census_mapping *m)
{
	size_t len = (size_t)ARENAD_CENSUS_WORDS * sizeof(__u64);
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*m = (struct census_mapping) { .bits = p, .len = len };
	return 0;
}

int census_prog_census(int prog_fd, __u64 *bits, __u32 npages, enum arenad_census_method m,
		       struct arenad_census_req *req)
{
	memset(bits, 0, ((npages + 63) / 64) * sizeof(__u64));
	*req = (struct arenad_census_req) { .method = m, .npages = npages };
	return census_prog_run(prog_fd, req);
}

/* The one place the object is opened: the skeleton embeds the whole BPF
 * object, once per file that opens it. */
struct arenad_census_bpf *census_prog_open(void)
{
	return arenad_census_bpf__open();
}

/*
 * The census object with the programs named in progs (NULL-terminated),
 * loaded against the arena behind arena_fd (reused: loading creates no
 * arena). NULL with errno set.
 */
static struct arenad_census_bpf *load_on_arena(int arena_fd, const char *const *progs)
{
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	struct bpf_program *p;
	int r;

	skel = census_prog_open();
	if (!skel)
		return NULL;
	bpf_object__for_each_program(p, skel->obj) {
		bool load = false;

		for (const char *const *n = progs; *n; n++)
			load |= !strcmp(bpf_program__name(p), *n);
		bpf_program__set_autoload(p, load);
	}
	r = bpf_map__reuse_fd(skel->maps.arena, arena_fd);
	if (r >= 0)
		r = arenad_census_bpf__load(skel);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return TAKE_PTR(skel);
}

/*
 * The map iterator, with the census program of the daemon's own arena in
 * the same instance: each load parses the kernel's BTF (libbpf has no way
 * to share it between objects), and that is most of a load's time. They
 * share census_bits and census_runs, which is safe because only the census
 * worker runs them, one job at a time, and a job has read what it needs
 * before the next one runs. Should the census program not load, the
 * iterator is loaded alone and the census program gets an instance of its
 * own after the self-test (load_for_arena()).
 */
static int load_iter(struct census *c, int arena_fd)
{
	static const char *const both[] = { "arenad_arenas", "arenad_census", NULL };
	static const char *const iter[] = { "arenad_arenas", NULL };
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	int r;

	skel = load_on_arena(arena_fd, both);
	if (!skel) {
		log_debug_errno(-errno, "census: the iterator and the census program in one load");
		skel = load_on_arena(arena_fd, iter);
	}
	if (!skel)
		return -errno;
	r = census_map_bits(bpf_map__fd(skel->maps.census_bits), &c->iter_map);
	if (r < 0)
		return r;
	c->iter_link = bpf_program__attach_iter(skel->progs.arenad_arenas, NULL);
	if (!c->iter_link)
		return -errno;
	c->iter = TAKE_PTR(skel);
	return 0;
}

int census_iter_read(struct census *c, __u32 target, int method, bool mark,
		     struct arenad_arena_rec **recs, size_t *n)
{
	void *buf;
	size_t len;
	int r;

	if (!c || !c->iter)
		return -EOPNOTSUPP;
	c->iter->bss->inv_target = target;
	c->iter->bss->inv_method = method;
	c->iter->bss->inv_mark = mark;
	if (mark)
		memset(c->iter_map.bits, 0, c->iter_map.len);
	r = iter_read(bpf_link__fd(c->iter_link), sizeof(**recs), &buf, &len);
	if (r < 0)
		return r;
	*recs = buf;
	*n = len / sizeof(**recs);
	return 0;
}

const __u64 *census_iter_bits(const struct census *c)
{
	return c && c->iter ? c->iter_map.bits : NULL;
}

__u32 census_selftest_id(const struct census *c)
{
	return c ? c->selftest_id : 0;
}

/* Load the census programs against the real arena; the managed verdict's
 * reason on failure. */
static int load_for_arena(struct census *c, int arena_fd)
{
	static const char *const census[] = { "arenad_census", NULL };
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	_cleanup_(census_mapping_unmap) struct census_mapping m = {};
	int r;

	if (c->iter && bpf_program__fd(c->iter->progs.arenad_census) >= 0) {
		c->skel = c->iter;	/* loaded with the iterator */
		c->map = c->iter_map;
		return 0;
	}
	skel = load_on_arena(arena_fd, census);
	r = skel ? census_map_bits(bpf_map__fd(skel->maps.census_bits), &m) : -errno;
	if (r < 0) {
		snprintf(c->verdict[CENSUS_MANAGED].reason, sizeof(c->verdict[CENSUS_MANAGED].reason),
			 "load census for the arena: %s", strerror(-r));
		return r;
	}
	c->skel = TAKE_PTR(skel);
	c->map = m;
	m = (struct census_mapping) {};
	return 0;
}

int census_new(int arena_fd, __u32 npages, struct census **out)
{
	struct census *c;
	struct census_verdict *own, *foreign;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return log_oom();
	own = &c->verdict[CENSUS_MANAGED];
	foreign = &c->verdict[CENSUS_FOREIGN];
	c->npages = npages;
	r = load_iter(c, arena_fd);
	if (r < 0) {
		snprintf(foreign->reason, sizeof(foreign->reason), "load the map iterator: %s",
			 strerror(-r));
		log_warning("census of other programs' arenas unavailable: %s", foreign->reason);
		census_mapping_unmap(&c->iter_map);
	}
	census_selftest(c, own, foreign, &c->selftest_id);
	/* A self-test that stopped before the iterator's part says why for
	 * both kinds of arenas. */
	if (!foreign->method && !foreign->reason[0])
		memcpy(foreign->reason, own->reason, sizeof(foreign->reason));
	if (own->method && load_for_arena(c, arena_fd) < 0)
		own->method = 0;
	if (own->method)
		log_info("census: %s method passed its self-test", census_method_name(own->method));
	else
		log_warning("census unavailable: %s", own->reason);
	*out = c;
	return 0;
}

struct census *census_free(struct census *c)
{
	if (!c)
		return NULL;
	if (c->skel != c->iter) {
		census_mapping_unmap(&c->map);
		arenad_census_bpf__destroy(c->skel);
	}
	census_mapping_unmap(&c->iter_map);
	bpf_link__destroy(c->iter_link);
	arenad_census_bpf__destroy(c->iter);
	free(c);
	return NULL;
}

const struct census_verdict *census_verdict(const struct census *c, enum census_arenas which)
{
	return &c->verdict[which];
}

/* The method called name, or 0. */
static enum arenad_census_method method_by_name(const char *name)
{
	enum arenad_census_method m;

	for (m = ARENAD_CENSUS_FULL; m <= ARENAD_CENSUS_KMOD; m++)
		if (!strcmp(name, census_method_name(m)))
			return m;
	return 0;
}

int census_verdict_method(const struct census_verdict *v, const char *name, const char **why)
{
	enum arenad_census_method m = method_by_name(name);

	if (!m) {
		*why = "unknown method";
		return -EINVAL;
	}
	if (v->method && v->passed[m]) {
		*why = "";
		return m;
	}
	/* The method's own failure, else why the census as a whole is not
	 * there (its load failed after the self-test, or no self-test ran). */
	*why = v->why[m][0] ? v->why[m] : v->reason;
	return -EAGAIN;
}

/*
 * The one retry policy of a census, for every kind of arena: a run that
 * met a changing free-range tree (-EAGAIN: the two walks differ, -EINVAL:
 * ranges out of order) runs again, CENSUS_TRIES runs in all; a method
 * that still fails, meets more free ranges than it records (-E2BIG), or
 * whose module went away leaves it to the full probe, which is exact,
 * when that passed its self-test. Returns the method of the next run
 * after runs runs of method ended with ret, or 0: ret is the answer.
 */
static int census_next(const struct census_verdict *v, int method, int ret, int runs)
{
	if (ret >= 0)
		return 0;
	if ((ret == -EAGAIN || ret == -EINVAL) && runs < CENSUS_TRIES)
		return method;
	if (method != ARENAD_CENSUS_FULL && v->passed[ARENAD_CENSUS_FULL])
		return ARENAD_CENSUS_FULL;
	return 0;
}

int census_run(struct census *c, int method, struct census_result *res)
{
	const struct census_verdict *v = &c->verdict[CENSUS_MANAGED];
	struct arenad_census_req req;
	__u64 t0 = now_usec(CLOCK_MONOTONIC);
	int r, m = method ?: v->method;

	if (!v->method)
		return -EAGAIN;
	for (int runs = 1;; runs++) {
		int next;

		r = census_prog_census(bpf_program__fd(c->skel->progs.arenad_census), c->map.bits,
				       c->npages, m, &req);
		next = census_next(v, m, r, runs);
		if (!next)
			break;
		if (next != m)
			log_debug_errno(r, "%s census failed, probing every page", census_method_name(m));
		m = next;
	}
	if (r < 0)
		return r;
	res->bits = c->map.bits;
	res->npages = c->npages;
	res->present = req.present;
	res->probed = req.probed;
	res->when_usec = now_usec(CLOCK_MONOTONIC);
	res->duration_us = res->when_usec - t0;
	res->method = census_method_name(m);
	return 0;
}

int census_run_foreign(struct census *c, __u32 map_id, int method, bool mark,
		       struct arenad_arena_rec *rec)
{
	const struct census_verdict *v = &c->verdict[CENSUS_FOREIGN];
	int next = method ?: v->method;

	for (int runs = 1;; runs++) {
		_cleanup_free_ struct arenad_arena_rec *recs = NULL;
		size_t n;
		int r;

		r = census_iter_read(c, map_id, next, mark, &recs, &n);
		if (r < 0)
			return r;
		if (!n || recs[0].map_type != ARENAD_MAP_TYPE_ARENA)
			return -ENOENT;
		*rec = recs[0];
		next = next ? census_next(v, next, rec->ret, runs) : 0;
		if (!next)
			return 0;
	}
}

bool census_foreign_again(const struct census *c, const struct arenad_arena_rec *rec)
{
	return rec->method && census_next(&c->verdict[CENSUS_FOREIGN], rec->method, rec->ret, 1);
}
