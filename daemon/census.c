// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The census relies on kernel internals (struct bpf_arena's kern_vm and
 * range tree). Before trusting them, census_new() builds a private 64-page
 * arena with a known layout — allocated, reserved, user-faulted and freed
 * pages — and checks that each method reports exactly the present ones.
 * The faster method that passes is used; if none does, the census is
 * reported unavailable with the reason, never with wrong numbers.
 *
 * Logging: census_new() runs at start-up and logs what it decided (which
 * method, or why none); census_run() runs per request and does not log
 * failures, it returns them (log.h).
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
#include "cleanup.h"
#include "iter.h"
#include "light_load.h"
#include "log.h"
#include "util.h"

#define SELFTEST_PAGES 64	/* a power of two: mmap_reserve_aligned() */
_Static_assert((SELFTEST_PAGES & (SELFTEST_PAGES - 1)) == 0, "SELFTEST_PAGES is a power of two");
#define CENSUS_RT_TRIES 3

DEFINE_TRIVIAL_CLEANUP_FUNC(struct arenad_census_bpf *, arenad_census_bpf__destroy);

/* A mapping of this process, unmapped on cleanup: a census program's
 * result bitmap, or the address range reserved for the self-test arena. */
struct mapping {
	union {
		void *p;
		__u64 *bits;
	};
	size_t len;
};

static void mapping_unmap(struct mapping *m)
{
	if (m->p)
		munmap(m->p, m->len);
	*m = (struct mapping) {};
}

struct census {
	struct arenad_census_bpf *skel;	/* may be iter (load_iter()) */
	struct mapping map;	/* census_bits */
	__u32 npages;
	enum arenad_census_method method;	/* default; 0: unavailable */
	bool passed[ARENAD_CENSUS_KMOD + 1];	/* self-test result per method */
	char why[ARENAD_CENSUS_KMOD + 1][160];	/* and why one failed */
	char reason[560];
	/* The same for other programs' arenas, seen through the map
	 * iterator (no kmod method there: it needs the arena as a map). */
	enum arenad_census_method foreign;
	struct arenad_census_bpf *iter;	/* the map iterator's instance */
	struct bpf_link *iter_link;
	struct mapping iter_map;	/* its census_bits */
	__u32 selftest_id;		/* the self-test arena's map id */
	bool fpassed[ARENAD_CENSUS_KMOD + 1];
	char fwhy[ARENAD_CENSUS_KMOD + 1][160];
	char freason[400];
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

static int run_prog(int prog_fd, struct arenad_census_req *req)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = req, .ctx_size_in = sizeof(*req));

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return req->ret;
}

/* Map census_bits, whose fd is fd. */
static int map_bits(int fd, struct mapping *m)
{
	size_t len = (size_t)ARENAD_CENSUS_WORDS * sizeof(__u64);
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*m = (struct mapping) { .bits = p, .len = len };
	return 0;
}

/* Run the census program, whose fd is prog_fd. */
static int run_census(int prog_fd, __u64 *bits, __u32 npages,
		      enum arenad_census_method m, struct arenad_census_req *req)
{
	memset(bits, 0, ((npages + 63) / 64) * sizeof(__u64));
	*req = (struct arenad_census_req) { .method = m, .npages = npages };
	return run_prog(prog_fd, req);
}

/* Shape the test arena with the self-test program prog_fd: op 1 alloc,
 * 2 reserve, 3 free. */
static int shape(int prog_fd, __u64 base, int op, __u32 pgoff, __u32 n)
{
	struct arenad_census_req req = {
		.method = op,
		.npages = n,
		.addr = base + ((__u64)pgoff << ARENAD_PAGE_SHIFT),
	};

	return run_prog(prog_fd, &req);
}

/*
 * Returns 0 when method m reports exactly the expected pages, or a
 * negative errno with c->reason set.
 */
static int check_method(struct census *c, int prog_fd, __u64 *bits,
			enum arenad_census_method m, const __u64 *want)
{
	struct arenad_census_req req;
	int r;

	r = run_census(prog_fd, bits, SELFTEST_PAGES, m, &req);
	log_debug("census self-test (%s): ret %d, kernel address 0x%llx, %u present of %u probed",
		  census_method_name(m), r, (unsigned long long)req.kern_vm_start, req.present, req.probed);
	if (r == -EOPNOTSUPP && m == ARENAD_CENSUS_KMOD)
		snprintf(c->why[m], sizeof(c->why[m]), "kernel module arenad_kfuncs is not loaded");
	else if (r == -EOPNOTSUPP && m == ARENAD_CENSUS_RT)
		snprintf(c->why[m], sizeof(c->why[m]), "this kernel's arena has no free-range tree");
	else if (r < 0)
		snprintf(c->why[m], sizeof(c->why[m]), "self-test failed: %s", strerror(-r));
	else if (bits[0] != want[0])
		snprintf(c->why[m], sizeof(c->why[m]),
			 "self-test found pages 0x%llx, want 0x%llx",
			 (unsigned long long)bits[0], (unsigned long long)want[0]);
	else
		return 0;
	snprintf(c->reason, sizeof(c->reason), "%s census: %s", census_method_name(m), c->why[m]);
	return r < 0 ? r : -EPROTO;
}

/*
 * Method m through the map iterator, on the self-test arena (map id
 * map_id): the path every other program's arena takes.
 */
static int check_foreign_method(struct census *c, __u32 map_id, enum arenad_census_method m,
				__u64 want)
{
	_cleanup_free_ struct arenad_arena_rec *rec = NULL;
	size_t n;
	int r;

	r = census_iter_read(c, map_id, m, true, &rec, &n);
	if (r < 0)
		snprintf(c->fwhy[m], sizeof(c->fwhy[m]), "map iterator: %s", strerror(-r));
	else if (n != 1 || rec->map_id != map_id)
		snprintf(c->fwhy[m], sizeof(c->fwhy[m]),
			 "the map iterator did not find the self-test arena");
	else if (rec->ret == -EOPNOTSUPP && m == ARENAD_CENSUS_RT)
		snprintf(c->fwhy[m], sizeof(c->fwhy[m]), "this kernel's arena has no free-range tree");
	else if (rec->ret)
		snprintf(c->fwhy[m], sizeof(c->fwhy[m]), "self-test failed: %s",
			 strerror(rec->ret < 0 ? -rec->ret : EPROTO));
	else if (c->iter_map.bits[0] != want || rec->present != (__u32)__builtin_popcountll(want))
		snprintf(c->fwhy[m], sizeof(c->fwhy[m]),
			 "self-test found pages 0x%llx (%u), want 0x%llx",
			 (unsigned long long)c->iter_map.bits[0], rec->present,
			 (unsigned long long)want);
	else
		r = 1;
	log_debug("census self-test (%s, other programs' arenas): %s", census_method_name(m),
		  r == 1 ? "passed" : c->fwhy[m]);
	return r == 1 ? 0 : -EPROTO;
}

/* The id of the map behind fd, 0 when unknown. */
static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_map_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/*
 * The same layout, seen through the map iterator as every other
 * program's arena is. Without the iterator, no arena but the daemon's
 * own can be counted.
 */
static void selftest_foreign(struct census *c, int arena_fd, __u64 want)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	int r;

	if (!c->iter)
		return;		/* c->freason says why */
	r = bpf_map_get_info_by_fd(arena_fd, &info, &info_len);
	if (r < 0) {
		snprintf(c->freason, sizeof(c->freason), "self-test arena: %s", strerror(errno));
		return;
	}
	c->fpassed[ARENAD_CENSUS_FULL] = !check_foreign_method(c, info.id, ARENAD_CENSUS_FULL, want);
	c->fpassed[ARENAD_CENSUS_RT] = !check_foreign_method(c, info.id, ARENAD_CENSUS_RT, want);
	snprintf(c->fwhy[ARENAD_CENSUS_KMOD], sizeof(c->fwhy[ARENAD_CENSUS_KMOD]),
		 "the module's kfuncs take the arena as a map argument; other programs' arenas have none");
	if (c->fpassed[ARENAD_CENSUS_RT])
		c->foreign = ARENAD_CENSUS_RT;
	else if (c->fpassed[ARENAD_CENSUS_FULL])
		c->foreign = ARENAD_CENSUS_FULL;
	else
		snprintf(c->freason, sizeof(c->freason), "no method passed: full: %s; rt: %s",
			 c->fwhy[ARENAD_CENSUS_FULL], c->fwhy[ARENAD_CENSUS_RT]);
	for (enum arenad_census_method k = ARENAD_CENSUS_FULL; k <= ARENAD_CENSUS_RT; k++)
		if (!c->fpassed[k])
			log_info("census of other programs' arenas: %s method not used: %s",
				 census_method_name(k), c->fwhy[k]);
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

	skel = arenad_census_bpf__open();
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
	r = map_bits(bpf_map__fd(skel->maps.census_bits), &c->iter_map);
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

/*
 * The self-test's own instance on a private arena of SELFTEST_PAGES,
 * through libbpf's loader program (light, with its fds in *fds) or the
 * usual way. The verifier wants an arena's user address before any
 * program (there is no mmap between the loader's steps), so it is fixed:
 * *range, reserved here, away from the real arena. libbpf 1.4 maps a
 * placeholder (light) or the arena over it (MAP_FIXED) and unmaps that
 * when the object is closed: the range is then libbpf's, and *range is
 * emptied. *why (static) says which step failed.
 */
static int load_selftest(bool light, struct mapping *range, struct light_fds *fds,
			 struct arenad_census_bpf **out, const char **why)
{
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	size_t len = SELFTEST_PAGES * page_size(), sz;
	void *p;
	int r;

	*why = "reserve the self-test arena's address";
	p = mmap_reserve_aligned(len);
	if (!p)
		return -errno;
	*range = (struct mapping) { .p = p, .len = len };
	*why = "open the census object";
	skel = arenad_census_bpf__open();
	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.arenad_arenas, false);
	bpf_map__set_max_entries(skel->maps.arena, SELFTEST_PAGES);
	bpf_map__set_map_extra(skel->maps.arena, (__u64)(unsigned long)p);
	if (light) {
		r = light_load(skel->obj, fds, why);
	} else {
		*why = "load census programs";
		r = arenad_census_bpf__load(skel);
	}
	if (bpf_map__initial_value(skel->maps.arena, &sz))
		range->p = NULL;
	if (r < 0)
		return r;
	*out = TAKE_PTR(skel);
	return 0;
}

/*
 * Test every method on a private arena: c->passed[] and c->why[] say how
 * each did. Returns the method to use, or 0 with c->reason set.
 */
static enum arenad_census_method selftest(struct census *c)
{
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	_cleanup_(light_fds_done) struct light_fds fds = {};
	_cleanup_(mapping_unmap) struct mapping m = {};
	_cleanup_(mapping_unmap) struct mapping range = {};
	int census_fd, shape_fd, arena_fd;
	__u64 want = 0, base;
	volatile char *page;
	const char *why;
	size_t len;
	void *p;
	int r;

	/* Nothing is reused, so the object loads through libbpf's loader
	 * program, and the kernel resolves kfuncs and CO-RE relocations
	 * against its own BTF instead of this process parsing it
	 * (light_load.h); the usual load, whose failure explains itself (the
	 * verifier's log), if that fails. The range stays this function's
	 * until both cleanups ran. */
	r = load_selftest(true, &range, &fds, &skel, &why);
	if (r < 0) {
		log_debug_errno(r, "census self-test through libbpf's loader program: %s; "
				"loading it the usual way", why);
		mapping_unmap(&range);
		r = load_selftest(false, &range, &fds, &skel, &why);
	}
	if (r < 0) {
		snprintf(c->reason, sizeof(c->reason), "%s: %s", why, strerror(-r));
		return 0;
	}
	p = (void *)(unsigned long)bpf_map__map_extra(skel->maps.arena);
	len = SELFTEST_PAGES * page_size();
	census_fd = light_prog_fd(&fds, skel->obj, "arenad_census");
	shape_fd = light_prog_fd(&fds, skel->obj, "arenad_census_selftest");
	arena_fd = light_map_fd(&fds, skel->obj, "arena");
	c->selftest_id = map_id(arena_fd);
	r = light_map_fd(&fds, skel->obj, "census_bits");
	r = census_fd < 0 || shape_fd < 0 || arena_fd < 0 || r < 0 ? -ENOENT : map_bits(r, &m);
	if (r >= 0 && mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, arena_fd, 0) != p)
		r = -errno;
	if (r < 0) {
		snprintf(c->reason, sizeof(c->reason), "map the self-test arena: %s", strerror(-r));
		return 0;
	}
	page = p;
	base = (__u64)(unsigned long)page;

	/* present: 1, 5-7 (kfunc), 20 (user fault), 63 (last page);
	 * absent: 10-11 (reserved), 30 (allocated then freed), the rest. */
	r = shape(shape_fd, base, 2, 10, 2);
	if (r == -EOPNOTSUPP)	/* no bpf_arena_reserve_pages() on this kernel */
		r = 0;
	if (r < 0 || (r = shape(shape_fd, base, 1, 1, 1)) < 0 || (r = shape(shape_fd, base, 1, 5, 3)) < 0 ||
	    (r = shape(shape_fd, base, 1, 30, 1)) < 0 || (r = shape(shape_fd, base, 3, 30, 1)) < 0 ||
	    (r = shape(shape_fd, base, 1, 63, 1)) < 0) {
		snprintf(c->reason, sizeof(c->reason), "shape the self-test arena: %s", strerror(-r));
		return 0;
	}
	page[20 * page_size()] = 1;	/* a user-space fault allocates */
	want = 1ULL << 1 | 7ULL << 5 | 1ULL << 20 | 1ULL << 63;

	/* Test every method: the others stay available as cross-checks and
	 * fallbacks. The module's answer is preferred when it is loaded (it
	 * rests on vmalloc_to_page() rather than on a tree walk), then the
	 * tree walk, then the full probe. */
	c->passed[ARENAD_CENSUS_FULL] = check_method(c, census_fd, m.bits, ARENAD_CENSUS_FULL, &want) >= 0;
	c->passed[ARENAD_CENSUS_RT] = check_method(c, census_fd, m.bits, ARENAD_CENSUS_RT, &want) >= 0;
	c->passed[ARENAD_CENSUS_KMOD] = check_method(c, census_fd, m.bits, ARENAD_CENSUS_KMOD, &want) >= 0;
	selftest_foreign(c, arena_fd, want);
	for (enum arenad_census_method k = ARENAD_CENSUS_FULL; k <= ARENAD_CENSUS_KMOD; k++)
		if (!c->passed[k])
			log_info("census: %s method not used: %s", census_method_name(k), c->why[k]);
	if (c->passed[ARENAD_CENSUS_KMOD])
		return ARENAD_CENSUS_KMOD;
	if (c->passed[ARENAD_CENSUS_RT])
		return ARENAD_CENSUS_RT;
	if (c->passed[ARENAD_CENSUS_FULL])
		return ARENAD_CENSUS_FULL;
	/* every method's reason, not just the last one tried */
	snprintf(c->reason, sizeof(c->reason),
		 "no method passed: full: %s; rt: %s; kmod: %s",
		 c->why[ARENAD_CENSUS_FULL], c->why[ARENAD_CENSUS_RT],
		 c->why[ARENAD_CENSUS_KMOD]);
	return 0;
}

/* Load the census programs against the real arena; c->reason on failure. */
static int load_for_arena(struct census *c, int arena_fd)
{
	static const char *const census[] = { "arenad_census", NULL };
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	_cleanup_(mapping_unmap) struct mapping m = {};
	int r;

	if (c->iter && bpf_program__fd(c->iter->progs.arenad_census) >= 0) {
		c->skel = c->iter;	/* loaded with the iterator */
		c->map = c->iter_map;
		return 0;
	}
	skel = load_on_arena(arena_fd, census);
	r = skel ? map_bits(bpf_map__fd(skel->maps.census_bits), &m) : -errno;
	if (r < 0) {
		snprintf(c->reason, sizeof(c->reason), "load census for the arena: %s", strerror(-r));
		return r;
	}
	c->skel = TAKE_PTR(skel);
	c->map = m;
	m = (struct mapping) {};
	return 0;
}

int census_new(int arena_fd, __u32 npages, struct census **out)
{
	struct census *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return log_oom();
	c->npages = npages;
	r = load_iter(c, arena_fd);
	if (r < 0) {
		snprintf(c->freason, sizeof(c->freason), "load the map iterator: %s", strerror(-r));
		log_warning("census of other programs' arenas unavailable: %s", c->freason);
		mapping_unmap(&c->iter_map);
	}
	c->method = selftest(c);
	if (c->method && load_for_arena(c, arena_fd) < 0)
		c->method = 0;
	if (c->method)
		log_info("census: %s method passed its self-test", census_method_name(c->method));
	else
		log_warning("census unavailable: %s", c->reason);
	*out = c;
	return 0;
}

struct census *census_free(struct census *c)
{
	if (!c)
		return NULL;
	if (c->skel != c->iter) {
		mapping_unmap(&c->map);
		arenad_census_bpf__destroy(c->skel);
	}
	mapping_unmap(&c->iter_map);
	bpf_link__destroy(c->iter_link);
	arenad_census_bpf__destroy(c->iter);
	free(c);
	return NULL;
}

int census_foreign_method(const struct census *c, const char **name)
{
	*name = census_method_name(c->foreign);
	return c->foreign;
}

bool census_foreign_has(const struct census *c, int method)
{
	return method > 0 && method <= ARENAD_CENSUS_KMOD && c->fpassed[method];
}

const char *census_foreign_unavailable(const struct census *c)
{
	if (c->foreign)
		return NULL;
	return c->freason[0] ? c->freason : c->reason;
}

const char *census_method(const struct census *c)
{
	return census_method_name(c->method);
}

const char *census_unavailable(const struct census *c)
{
	return c->method ? NULL : c->reason;
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

int census_method_by_name(const struct census *c, const char *name)
{
	enum arenad_census_method m = method_by_name(name);

	if (!m)
		return -EINVAL;
	return c->method && c->passed[m] ? (int)m : -EAGAIN;
}

int census_foreign_method_by_name(const struct census *c, const char *name, const char **why)
{
	enum arenad_census_method m = method_by_name(name);

	if (!m)
		return -EINVAL;
	*why = c->fwhy[m][0] ? c->fwhy[m] : census_foreign_unavailable(c);
	return c->fpassed[m] ? (int)m : -EAGAIN;
}

const char *census_why(const struct census *c, const char *name)
{
	enum arenad_census_method m = method_by_name(name);

	if (!m)
		return "unknown method";
	return c->method ? c->why[m] : c->reason;
}

int census_run(struct census *c, int method, struct census_result *res)
{
	struct arenad_census_req req;
	__u64 t0 = now_usec(CLOCK_MONOTONIC);
	int r;

	if (!c->method)
		return -EAGAIN;
	if (!method)
		method = c->method;
	/* -EAGAIN (the two walks differ) and -EINVAL (ranges out of order)
	 * mean that the free-range tree changed during the walk: try again a
	 * few times before paying for the full probe. */
	for (int tries = 0; tries < CENSUS_RT_TRIES; tries++) {
		r = run_census(bpf_program__fd(c->skel->progs.arenad_census), c->map.bits,
			       c->npages, method, &req);
		if (r != -EAGAIN && r != -EINVAL)
			break;
	}
	if (r < 0 && method != ARENAD_CENSUS_FULL && c->passed[ARENAD_CENSUS_FULL]) {
		/* The tree changed under the walk, has more free ranges than
		 * we hold, or the module went away: the full probe is exact. */
		log_debug_errno(r, "%s census failed, probing every page", census_method_name(method));
		r = run_census(bpf_program__fd(c->skel->progs.arenad_census), c->map.bits,
			       c->npages, ARENAD_CENSUS_FULL, &req);
		req.method = ARENAD_CENSUS_FULL;
	}
	if (r < 0)
		return r;
	res->bits = c->map.bits;
	res->npages = c->npages;
	res->present = req.present;
	res->probed = req.probed;
	res->when_usec = now_usec(CLOCK_MONOTONIC);
	res->duration_us = res->when_usec - t0;
	res->method = census_method_name(req.method);
	return 0;
}
