// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The census self-test. The census relies on kernel internals (struct
 * bpf_arena's kern_vm and range tree). Before trusting them, it builds a
 * private 64-page arena with a known layout — allocated, reserved,
 * user-faulted and freed pages — and checks that each method reports
 * exactly the present ones, for the managed arena's census program and
 * through the map iterator, the path of every other program's arena. The
 * faster method that passes is used; if none does, the census is reported
 * unavailable with the reason, never with wrong numbers.
 *
 * Logging: runs at start-up (census_new()) and logs what it decided (log.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad_census.h"
#include "arenad_census.skel.h"
#include "census.h"
#include "census_prog.h"
#include "cleanup.h"
#include "light_load.h"
#include "log.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct arenad_census_bpf *, arenad_census_bpf__destroy);

#define SELFTEST_PAGES 64	/* a power of two: mmap_reserve_aligned() */
_Static_assert((SELFTEST_PAGES & (SELFTEST_PAGES - 1)) == 0, "SELFTEST_PAGES is a power of two");

/* Shape the test arena with the self-test program prog_fd: op 1 alloc,
 * 2 reserve, 3 free. */
static int shape(int prog_fd, __u64 base, int op, __u32 pgoff, __u32 n)
{
	struct arenad_census_req req = {
		.method = op,
		.npages = n,
		.addr = base + ((__u64)pgoff << ARENAD_PAGE_SHIFT),
	};

	return census_prog_run(prog_fd, &req);
}

/*
 * Returns 0 when method m reports exactly the expected pages, or a
 * negative errno with v->reason set.
 */
static int check_method(struct census_verdict *v, int prog_fd, __u64 *bits,
			enum arenad_census_method m, const __u64 *want)
{
	struct arenad_census_req req;
	int r;

	r = census_prog_census(prog_fd, bits, SELFTEST_PAGES, m, &req);
	log_debug("census self-test (%s): ret %d, kernel address 0x%llx, %u present of %u probed",
		  census_method_name(m), r, (unsigned long long)req.kern_vm_start, req.present, req.probed);
	if (r == -EOPNOTSUPP && m == ARENAD_CENSUS_KMOD)
		snprintf(v->why[m], sizeof(v->why[m]), "kernel module arenad_kfuncs is not loaded");
	else if (r == -EOPNOTSUPP && m == ARENAD_CENSUS_RT)
		snprintf(v->why[m], sizeof(v->why[m]), "this kernel's arena has no free-range tree");
	else if (r < 0)
		snprintf(v->why[m], sizeof(v->why[m]), "self-test failed: %s", strerror(-r));
	else if (bits[0] != want[0])
		snprintf(v->why[m], sizeof(v->why[m]),
			 "self-test found pages 0x%llx, want 0x%llx",
			 (unsigned long long)bits[0], (unsigned long long)want[0]);
	else
		return 0;
	snprintf(v->reason, sizeof(v->reason), "%s census: %s", census_method_name(m), v->why[m]);
	return r < 0 ? r : -EPROTO;
}

/*
 * Method m through the map iterator, on the self-test arena (map id
 * map_id): the path every other program's arena takes.
 */
static int check_foreign_method(struct census *c, struct census_verdict *v, __u32 map_id, enum arenad_census_method m,
				__u64 want)
{
	_cleanup_free_ struct arenad_arena_rec *rec = NULL;
	size_t n;
	int r;

	r = census_iter_read(c, map_id, m, true, &rec, &n);
	if (r < 0)
		snprintf(v->why[m], sizeof(v->why[m]), "map iterator: %s", strerror(-r));
	else if (n != 1 || rec->map_id != map_id)
		snprintf(v->why[m], sizeof(v->why[m]),
			 "the map iterator did not find the self-test arena");
	else if (rec->ret == -EOPNOTSUPP && m == ARENAD_CENSUS_RT)
		snprintf(v->why[m], sizeof(v->why[m]), "this kernel's arena has no free-range tree");
	else if (rec->ret)
		snprintf(v->why[m], sizeof(v->why[m]), "self-test failed: %s",
			 strerror(rec->ret < 0 ? -rec->ret : EPROTO));
	else if (census_iter_bits(c)[0] != want || rec->present != (__u32)__builtin_popcountll(want))
		snprintf(v->why[m], sizeof(v->why[m]),
			 "self-test found pages 0x%llx (%u), want 0x%llx",
			 (unsigned long long)census_iter_bits(c)[0], rec->present,
			 (unsigned long long)want);
	else
		r = 1;
	log_debug("census self-test (%s, other programs' arenas): %s", census_method_name(m),
		  r == 1 ? "passed" : v->why[m]);
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
static void selftest_foreign(struct census *c, struct census_verdict *v, int arena_fd, __u64 want)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	int r;

	if (!census_iter_bits(c))
		return;		/* v->reason says why */
	r = bpf_map_get_info_by_fd(arena_fd, &info, &info_len);
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "self-test arena: %s", strerror(errno));
		return;
	}
	v->passed[ARENAD_CENSUS_FULL] = !check_foreign_method(c, v, info.id, ARENAD_CENSUS_FULL, want);
	v->passed[ARENAD_CENSUS_RT] = !check_foreign_method(c, v, info.id, ARENAD_CENSUS_RT, want);
	snprintf(v->why[ARENAD_CENSUS_KMOD], sizeof(v->why[ARENAD_CENSUS_KMOD]),
		 "the module's kfuncs take the arena as a map argument; other programs' arenas have none");
	if (v->passed[ARENAD_CENSUS_RT])
		v->method = ARENAD_CENSUS_RT;
	else if (v->passed[ARENAD_CENSUS_FULL])
		v->method = ARENAD_CENSUS_FULL;
	else
		snprintf(v->reason, sizeof(v->reason), "no method passed: full: %s; rt: %s",
			 v->why[ARENAD_CENSUS_FULL], v->why[ARENAD_CENSUS_RT]);
	for (enum arenad_census_method k = ARENAD_CENSUS_FULL; k <= ARENAD_CENSUS_RT; k++)
		if (!v->passed[k])
			log_info("census of other programs' arenas: %s method not used: %s",
				 census_method_name(k), v->why[k]);
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
static int load_selftest(bool light, struct census_mapping *range, struct light_fds *fds,
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
	*range = (struct census_mapping) { .p = p, .len = len };
	*why = "open the census object";
	skel = census_prog_open();
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
 * Test every method on a private arena: managed->passed[] and ->why[] say
 * how each did for the managed arena's census program, foreign's for the
 * map iterator; each ->method is the one to use, or 0 with ->reason set.
 */
void census_selftest(struct census *c, struct census_verdict *managed,
		     struct census_verdict *foreign, __u32 *selftest_id)
{
	struct census_verdict *v = managed;
	_cleanup_(arenad_census_bpf__destroyp) struct arenad_census_bpf *skel = NULL;
	_cleanup_(light_fds_done) struct light_fds fds = {};
	_cleanup_(census_mapping_unmap) struct census_mapping m = {};
	_cleanup_(census_mapping_unmap) struct census_mapping range = {};
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
		census_mapping_unmap(&range);
		r = load_selftest(false, &range, &fds, &skel, &why);
	}
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s: %s", why, strerror(-r));
		return;
	}
	p = (void *)(unsigned long)bpf_map__map_extra(skel->maps.arena);
	len = SELFTEST_PAGES * page_size();
	census_fd = light_prog_fd(&fds, skel->obj, "arenad_census");
	shape_fd = light_prog_fd(&fds, skel->obj, "arenad_census_selftest");
	arena_fd = light_map_fd(&fds, skel->obj, "arena");
	*selftest_id = map_id(arena_fd);
	r = light_map_fd(&fds, skel->obj, "census_bits");
	r = census_fd < 0 || shape_fd < 0 || arena_fd < 0 || r < 0 ? -ENOENT : census_map_bits(r, &m);
	if (r >= 0 && mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, arena_fd, 0) != p)
		r = -errno;
	if (r < 0) {
		snprintf(v->reason, sizeof(v->reason), "map the self-test arena: %s", strerror(-r));
		return;
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
		snprintf(v->reason, sizeof(v->reason), "shape the self-test arena: %s", strerror(-r));
		return;
	}
	page[20 * page_size()] = 1;	/* a user-space fault allocates */
	want = 1ULL << 1 | 7ULL << 5 | 1ULL << 20 | 1ULL << 63;

	/* Test every method: the others stay available as cross-checks and
	 * fallbacks. The module's answer is preferred when it is loaded (it
	 * rests on vmalloc_to_page() rather than on a tree walk), then the
	 * tree walk, then the full probe. */
	v->passed[ARENAD_CENSUS_FULL] = check_method(v, census_fd, m.bits, ARENAD_CENSUS_FULL, &want) >= 0;
	v->passed[ARENAD_CENSUS_RT] = check_method(v, census_fd, m.bits, ARENAD_CENSUS_RT, &want) >= 0;
	v->passed[ARENAD_CENSUS_KMOD] = check_method(v, census_fd, m.bits, ARENAD_CENSUS_KMOD, &want) >= 0;
	selftest_foreign(c, foreign, arena_fd, want);
	for (enum arenad_census_method k = ARENAD_CENSUS_FULL; k <= ARENAD_CENSUS_KMOD; k++)
		if (!v->passed[k])
			log_info("census: %s method not used: %s", census_method_name(k), v->why[k]);
	if (v->passed[ARENAD_CENSUS_KMOD])
		v->method = ARENAD_CENSUS_KMOD;
	else if (v->passed[ARENAD_CENSUS_RT])
		v->method = ARENAD_CENSUS_RT;
	else if (v->passed[ARENAD_CENSUS_FULL])
		v->method = ARENAD_CENSUS_FULL;
	else	/* every method's reason, not just the last one tried */
		snprintf(v->reason, sizeof(v->reason),
			 "no method passed: full: %s; rt: %s; kmod: %s",
			 v->why[ARENAD_CENSUS_FULL], v->why[ARENAD_CENSUS_RT],
			 v->why[ARENAD_CENSUS_KMOD]);
}
