// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The census: which arena pages are present, from the kernel's point of
 * view, with no side effect. No kernel interface reports arena usage, so
 * this reads kernel internals, read-only, with bpf_probe_read_kernel:
 *
 *  - a page is present iff its kernel mapping (kern_vm_start + pgoff * 4K)
 *    is readable: probe_read returns 0 for a mapped page and -EFAULT for a
 *    hole, and never faults anything in;
 *  - the arena's range tree (struct bpf_arena.rt) holds the FREE page
 *    ranges. Pages outside it were taken by bpf_arena_alloc_pages, by
 *    bpf_arena_reserve_pages or by a user-space fault, so only those need
 *    probing ("rt" method); reserved pages are non-free but absent, which
 *    is why they are still probed. The "full" method probes every page.
 *
 * Both are kernel internals (6.9..6.18 layout, found through CO-RE): the
 * daemon self-tests them on a private arena before trusting either.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "arenad.bpf.h"
#include "arenad_census.h"

ARENAD_ARENA_MAP(arena);

/* Present-page bitmap, one bit per page; user space mmaps it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENAD_CENSUS_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} census_bits SEC(".maps");

/* Non-free runs found in the range tree, [start, end) page offsets. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ARENAD_CENSUS_MAX_RUNS);
	__type(key, __u32);
	__type(value, struct arenad_census_run);
} census_runs SEC(".maps");

#ifndef EAGAIN
#define EAGAIN	11	/* the tree changed during the walk */
#endif

/*
 * The verifier forbids arithmetic on a map pointer, and struct bpf_arena
 * embeds the map, so &arena is turned into a plain scalar first. An empty
 * asm does not do it: it emits no instruction, the register keeps its
 * map_ptr type, and 6.18 rejects the load with "R3 pointer arithmetic on
 * map_ptr prohibited". A copy through bpf_probe_read_kernel does: what a
 * helper writes to the stack is just bytes. Needs CAP_PERFMON, which the
 * census needs anyway.
 */
static __always_inline __u64 arena_kaddr(void)
{
	void *m = &arena;
	__u64 p = 0;

	bpf_probe_read_kernel(&p, sizeof(p), &m);
	return p;
}

static __always_inline long read_ptr(__u64 *dst, __u64 src)
{
	return bpf_probe_read_kernel(dst, sizeof(*dst), (void *)src);
}

struct probe_ctx {
	__u64 kstart;
	__u32 ubase;		/* low 32 bits of user_vm_start */
	__u32 from;
	__u32 present;
	bool mark;		/* record each present page in census_bits */
};

/* Set the page's bit; false when the bitmap cannot hold it. */
static bool mark_present(__u32 pgoff)
{
	__u32 idx = pgoff / 64;
	__u64 *word = bpf_map_lookup_elem(&census_bits, &idx);

	if (!word)
		return false;
	/* Each page is looked at once per census: a plain OR is enough. */
	*word |= 1ULL << (pgoff % 64);
	return true;
}

static long probe_page(__u64 i, struct probe_ctx *c)
{
	__u32 pgoff = c->from + (__u32)i;
	__u64 v;

	/* The kernel maps a page at kern_vm_start + the low 32 bits of its
	 * user address, wrapping inside the 4 GiB window. */
	if (bpf_probe_read_kernel(&v, sizeof(v),
				  (void *)(c->kstart + (__u32)(c->ubase + (pgoff << ARENAD_PAGE_SHIFT)))))
		return 0;
	if (c->mark && !mark_present(pgoff))
		return 1;
	c->present++;
	return 0;
}

static __u32 probe_range(__u64 kstart, __u32 ubase, __u32 from, __u32 to, bool mark)
{
	struct probe_ctx c = { .kstart = kstart, .ubase = ubase, .from = from, .mark = mark };

	if (to > from)
		bpf_loop(to - from, probe_page, &c, 0);
	return c.present;
}

/*
 * In-order walk of the range tree, recording the gaps between free ranges.
 * The walk takes no lock (a BPF program cannot take arena->spinlock), so it
 * runs twice: the second pass ("verify") compares each gap with the first
 * pass's instead of recording it. A tree that changes during the walk, or a
 * node that is freed and reused while we read it, shows up as a mismatch.
 */
struct walk_ctx {
	__u64 node;		/* current rb_node (== struct range_node *) */
	__u32 cursor;		/* first page not yet covered */
	__u32 npages;
	__u32 nruns;
	__s32 err;
	bool verify;
};

static long emit_run(struct walk_ctx *w, __u32 start, __u32 end)
{
	struct arenad_census_run *r;
	__u32 idx = w->nruns;

	if (start >= end)
		return 0;
	r = bpf_map_lookup_elem(&census_runs, &idx);
	if (!r) {
		w->err = -E2BIG;
		return 1;
	}
	if (w->verify) {
		if (r->start != start || r->end != end) {
			w->err = -EAGAIN;
			return 1;
		}
	} else {
		r->start = start;
		r->end = end;
	}
	w->nruns++;
	return 0;
}

static __u64 rb_parent(__u64 node)
{
	__u64 pc = 0;

	read_ptr(&pc, node + bpf_core_field_offset(struct rb_node, __rb_parent_color));
	return pc & ~3ULL;
}

static long walk_step(__u64 i, struct walk_ctx *w)
{
	__u32 off_start = bpf_core_field_offset(struct range_node, rn_start);
	__u32 off_last = bpf_core_field_offset(struct range_node, rn_last);
	__u32 start = 0, last = 0;
	__u64 n = w->node, next = 0, p, pair = 0;
	long e;

	if (!n)
		return 1;
	/* rn_start and rn_last sit side by side on 6.12..6.18: one 8-byte
	 * read with source and destination aligned is a single load in
	 * copy_from_kernel_nofault(), so the two cannot tear apart. */
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
	    off_last == off_start + 4 && !(off_start & 7)) {
		e = bpf_probe_read_kernel(&pair, sizeof(pair), (void *)(n + off_start));
		start = (__u32)pair;		/* little-endian: rn_start first */
		last = pair >> 32;
	} else {
		e = bpf_probe_read_kernel(&start, sizeof(start), (void *)(n + off_start)) ?:
		    bpf_probe_read_kernel(&last, sizeof(last), (void *)(n + off_last));
	}
	if (e) {
		w->err = -EFAULT;
		return 1;
	}
	/* Free ranges come in increasing, disjoint order inside the arena;
	 * anything else means the tree changed under us or the layout is
	 * not what we think: give up rather than skip pages wrongly. */
	if (start < w->cursor || last < start || last >= w->npages) {
		w->err = -EINVAL;
		return 1;
	}
	if (emit_run(w, w->cursor, start))
		return 1;
	w->cursor = last + 1;

	/* rb_next(): leftmost of the right subtree, or the first ancestor
	 * that we reach from its left. */
	read_ptr(&next, n + bpf_core_field_offset(struct rb_node, rb_right));
	if (next) {
		__u64 left = 0;
		int k;

		for (k = 0; k < 64; k++) {	/* tree depth is at most 2*log2(2^20) */
			left = 0;
			read_ptr(&left, next + bpf_core_field_offset(struct rb_node, rb_left));
			if (!left)
				break;
			next = left;
		}
		w->node = next;
		return 0;
	}
	for (int k = 0; k < 64; k++) {
		__u64 right = 0;

		p = rb_parent(n);
		if (!p) {
			w->node = 0;
			return 0;
		}
		read_ptr(&right, p + bpf_core_field_offset(struct rb_node, rb_right));
		if (right != n) {
			w->node = p;
			return 0;
		}
		n = p;
	}
	w->err = -ELOOP;
	return 1;
}

/*
 * One pass over the tree; in the verify pass, *nruns is the first pass's
 * count and must come out the same.
 */
static __always_inline int walk_tree(__u64 root, __u32 npages, bool verify, __u32 *nruns)
{
	struct walk_ctx w = { .npages = npages, .verify = verify };

	/* it_root is an rb_root_cached: rb_leftmost is the first free range. */
	if (read_ptr(&w.node, root + bpf_core_field_offset(struct rb_root_cached, rb_leftmost)))
		return -EFAULT;
	bpf_loop(ARENAD_CENSUS_MAX_RUNS, walk_step, &w, 0);
	if (!w.err && w.node)
		w.err = -E2BIG;		/* more free ranges than we can hold */
	if (!w.err)
		emit_run(&w, w.cursor, npages);
	if (!w.err && verify && w.nruns != *nruns)
		w.err = -EAGAIN;
	*nruns = w.nruns;
	return w.err;
}

/*
 * The kmod method: arenad_kfuncs.ko (kmod/) answers presence with
 * vmalloc_to_page(), one run of present pages at a time: next_present()
 * says where a run starts and next_absent() where it ends, two kfunc calls
 * per run instead of one per page. Its kfuncs are declared weak
 * (arenad.bpf.h), so that this object loads without the module;
 * bpf_ksym_exists() then lets the verifier drop the calls.
 */
struct mark_ctx {
	__u32 start;		/* pages [start, end) are present */
	__u32 end;
};

/* Set the bits of one 64-page word of the run. */
static long mark_word(__u64 i, struct mark_ctx *m)
{
	__u32 idx = m->start / 64 + (__u32)i;
	__u32 base = idx * 64;
	__u32 from = m->start > base ? m->start - base : 0;
	__u32 to = m->end - base >= 64 ? 64 : m->end - base;
	__u64 *word = bpf_map_lookup_elem(&census_bits, &idx);

	if (!word || from >= to)
		return 1;
	*word |= to - from == 64 ? ~0ULL : ((1ULL << (to - from)) - 1) << from;
	return 0;
}

struct kmod_ctx {
	__u32 npages;
	__u32 pos;		/* first page not yet looked at */
	__u32 present;
	__u32 runs;
	__s32 err;
};

static long kmod_run(__u64 i, struct kmod_ctx *c)
{
	struct mark_ctx m;
	int start, end;

	if (c->pos >= c->npages)
		return 1;
	start = arenad_kf_next_present(&arena, c->pos, c->npages - c->pos);
	if (start == -ENOENT)
		return 1;
	if (start < 0 || start < c->pos || start >= c->npages) {
		c->err = start < 0 ? start : -EFAULT;
		return 1;
	}
	end = arenad_kf_next_absent(&arena, start, c->npages - start);
	if (end == -ENOENT)
		end = c->npages;
	if (end <= start || end > c->npages) {
		c->err = end < 0 ? end : -EFAULT;
		return 1;
	}
	m.start = start;
	m.end = end;
	if (bpf_loop((end - 1) / 64 - start / 64 + 1, mark_word, &m, 0) !=
	    (end - 1) / 64 - start / 64 + 1) {
		c->err = -E2BIG;	/* the bitmap cannot hold the page */
		return 1;
	}
	c->present += end - start;
	c->runs++;
	c->pos = end;
	return 0;
}

struct runs_ctx {
	__u64 kstart;
	__u32 ubase;
	__u32 nruns;
	__u32 present;
	__u32 probed;
	bool mark;
};

static long probe_run(__u64 i, struct runs_ctx *c)
{
	struct arenad_census_run *r;
	__u32 idx = i;

	if (idx >= c->nruns)
		return 1;
	r = bpf_map_lookup_elem(&census_runs, &idx);
	if (!r)
		return 1;
	c->present += probe_range(c->kstart, c->ubase, r->start, r->end, c->mark);
	c->probed += r->end - r->start;
	return 0;
}

/*
 * The census of the arena whose struct bpf_arena is at kernel address ar,
 * as a plain scalar (see arena_kaddr()). The kmod method needs the arena
 * as a map argument, so only the daemon's own arena has it (kmod true);
 * mark says whether present pages go into census_bits. An arena without
 * a user address yet has no pages and is counted like any other: every
 * probe misses.
 */
static __always_inline void census_at(__u64 ar, struct arenad_census_req *req,
				      bool kmod, bool mark, bool need_uvs)
{
	__u64 kern_vm = 0, vm_addr = 0, uvs = 0, kstart;
	__u32 npages = req->npages;

	req->ret = 0;
	req->present = 0;
	req->probed = 0;
	req->runs = 0;
	if (!npages || npages > ARENAD_CENSUS_WORDS * 64) {
		req->ret = -EINVAL;
		return;
	}
	if (read_ptr(&kern_vm, ar + bpf_core_field_offset(struct bpf_arena, kern_vm)) || !kern_vm ||
	    read_ptr(&vm_addr, kern_vm + bpf_core_field_offset(struct vm_struct, addr)) || !vm_addr ||
	    read_ptr(&uvs, ar + bpf_core_field_offset(struct bpf_arena, user_vm_start)) ||
	    (need_uvs && !uvs)) {
		req->ret = -EFAULT;
		return;
	}
	kstart = vm_addr + ARENAD_KERN_VM_GUARD;
	req->kern_vm_start = kstart;
	req->addr = uvs;

	if (req->method == ARENAD_CENSUS_FULL) {
		req->present = probe_range(kstart, uvs, 0, npages, mark);
		req->probed = npages;
		return;
	}

	if (req->method == ARENAD_CENSUS_KMOD) {
		struct kmod_ctx kc = { .npages = npages };

		if (!kmod || !bpf_ksym_exists(arenad_kf_next_present) ||
		    !bpf_ksym_exists(arenad_kf_next_absent)) {
			req->ret = -EOPNOTSUPP;
			return;
		}
		/* Each run takes one iteration and covers at least a page. */
		bpf_loop(npages, kmod_run, &kc, 0);
		req->present = kc.present;
		req->probed = npages;	/* the module looks at every page */
		req->runs = kc.runs;
		req->ret = kc.err;
		return;
	}

	/* ARENAD_CENSUS_RT: gaps between free ranges, then probe only those.
	 * The range tree is newer than arenas (6.12): without it, no rt. */
	if (!bpf_core_field_exists(struct bpf_arena, rt)) {
		req->ret = -EOPNOTSUPP;
		return;
	}
	__u64 root = ar + bpf_core_field_offset(struct bpf_arena, rt) +
		     bpf_core_field_offset(struct range_tree, it_root);
	__u32 nruns = 0;
	int err;

	err = walk_tree(root, npages, false, &nruns);
	if (!err)
		err = walk_tree(root, npages, true, &nruns);
	if (err) {
		req->ret = err;
		return;
	}

	struct runs_ctx rc = { .kstart = kstart, .ubase = uvs, .nruns = nruns, .mark = mark };

	bpf_loop(nruns, probe_run, &rc, 0);
	req->present = rc.present;
	req->probed = rc.probed;
	req->runs = nruns;
}

SEC("syscall")
int arenad_census(struct arenad_census_req *ctx)
{
	/* On a copy: census_at() takes field addresses, and the verifier
	 * refuses a ctx pointer with an offset added. */
	struct arenad_census_req req = *ctx;

	census_at(arena_kaddr(), &req, true, true, true);
	*ctx = req;
	return 0;
}

/*
 * The inventory: every arena on the host, including those of other
 * programs, which this object holds no reference to. The map iterator
 * hands us each struct bpf_map * and holds a reference on it while this
 * runs, so the census below cannot race with the arena's destruction.
 * What to do is set in .bss before each run (one run at a time).
 */
__u32 inv_target;	/* 0: every arena; else only this map id, of any type */
__u32 inv_method;	/* enum arenad_census_method; 0: list, no census */
bool inv_mark;		/* fill census_bits (with inv_target set) */

SEC("iter/bpf_map")
int arenad_arenas(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	struct arenad_arena_rec rec = {};
	struct arenad_census_req req = {};
	void *m = map;
	__u64 ar = 0;

	if (!map)
		return 0;
	rec.map_id = map->id;
	rec.map_type = map->map_type;
	if (inv_target ? rec.map_id != inv_target : rec.map_type != BPF_MAP_TYPE_ARENA)
		return 0;
	rec.max_entries = map->max_entries;
	rec.map_flags = map->map_flags;
	rec.map_extra = map->map_extra;
	bpf_probe_read_kernel_str(rec.name, sizeof(rec.name), map->name);
	rec.ret = 1;		/* no census run */
	if (rec.map_type == BPF_MAP_TYPE_ARENA) {
		/* A scalar copy of the pointer, for arena_kaddr()'s reason. */
		bpf_probe_read_kernel(&ar, sizeof(ar), &m);
		read_ptr(&rec.user_vm_start, ar + bpf_core_field_offset(struct bpf_arena, user_vm_start));
		if (inv_method) {
			req.method = inv_method;
			req.npages = rec.max_entries;
			census_at(ar, &req, false, inv_mark && inv_target, false);
			rec.ret = req.ret;
			rec.method = inv_method;
			rec.present = req.present;
			rec.probed = req.probed;
			rec.runs = req.runs;
			rec.kern_vm_start = req.kern_vm_start;
		}
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/*
 * Self-test helper, loaded only on the daemon's private test arena: make a
 * page present (alloc), non-free but absent (reserve), or absent (free).
 */
SEC("syscall")
int arenad_census_selftest(struct arenad_census_req *req)
{
	void __arena *p = (void __arena *)req->addr;

	switch (req->method) {
	case 1:
		req->ret = bpf_arena_alloc_pages(&arena, p, req->npages, NUMA_NO_NODE, 0) ? 0 : -ENOMEM;
		break;
	case 2:
		/* bpf_arena_reserve_pages() is newer than some kernels we run
		 * on (6.12 lacks it); without it the test skips reservations. */
		if (bpf_ksym_exists(bpf_arena_reserve_pages))
			req->ret = bpf_arena_reserve_pages(&arena, p, req->npages);
		else
			req->ret = -EOPNOTSUPP;
		break;
	case 3:
		bpf_arena_free_pages(&arena, p, req->npages);
		req->ret = 0;
		break;
	default:
		req->ret = -EINVAL;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
