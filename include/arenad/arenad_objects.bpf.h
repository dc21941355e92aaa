/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Objects on arenad's arena, for BPF programs: arenad_malloc(size) and
 * arenad_free(ptr). Objects of up to a page are carved out of pages taken
 * through arenad's ledger under the object's owner (arenad_owner_id, which
 * arenad_reuse() sets); a larger object is an allocation of whole pages of
 * its own. Every object is counted under that owner to the byte, and a
 * page goes back to the arena when its last object is freed.
 *
 * Include after arenad.bpf.h and the arena map's definition, as for
 * arenad_ledger.bpf.h (which this includes). bpf_arena_alloc.h in this
 * directory gives the same allocator the names and signatures of the
 * kernel selftests' bpf_alloc()/bpf_free().
 *
 * All of the allocator's state is outside the arena (arenad_abi.h:
 * struct arenad_obj_page, struct arenad_obj, struct arenad_obj_owner, in
 * maps the ledger header declares, and this CPU's current page below), so
 * a stray write into arena memory can corrupt objects, never the
 * accounting: arenad_free() of anything but a live object's address is
 * counted (bad_frees) and changes nothing. Safe with any number of
 * programs on any number of CPUs, and in programs preempted half-way (a
 * sleepable program can be): every shared word changes by one atomic
 * operation.
 *
 * The program types that may call it are those that may call the arena
 * kfuncs on the running kernel: sleepable ones (syscall, fentry.s, ...)
 * everywhere, more on kernels that allow the kfuncs elsewhere. The
 * verifier says which when it loads the program.
 */
#ifndef __ARENAD_OBJECTS_BPF_H
#define __ARENAD_OBJECTS_BPF_H

#include "arenad_ledger.bpf.h"

/*
 * The page this CPU carves, as (generation << 32 | page offset), 0 for
 * none. A hint only: the page's own word (struct arenad_obj_page) decides,
 * so a hint gone stale (the page released, or taken anew under another
 * generation) costs a new page, never a wrong object. Per object, not
 * pinned: each loader's programs carve their own pages, under their own
 * owner. __weak, so that objects linked together share it, as they share
 * arenad_owner_id.
 */
struct arenad_obj_cpu {
	__u64 hint;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct arenad_obj_cpu);
} arenad_obj_cpu __weak SEC(".maps");

/* Tries at carving the current page before taking a new one: a lost race
 * means another program on this CPU carves it too. */
#define ARENAD_OBJ_TRIES	4

static __always_inline struct arenad_obj_owner *arenad__obj_owner(__u32 owner)
{
	__u32 key = owner ? ARENAD_STR_SLOT(owner) : ARENAD_OWNERS_NONE;

	return bpf_map_lookup_elem(&arenad_obj_owners, &key);
}

/*
 * Carve rsize bytes from the page hint names: the object's byte offset in
 * the arena, or -1 when that page is not this generation's, is full, or
 * is dying (no objects left: its last free is giving it back, and nothing
 * may join it).
 */
static __always_inline __s64 arenad__obj_carve(__u64 hint, __u32 rsize)
{
	__u32 pgoff = (__u32)hint;
	struct arenad_obj_page *pg;
	__u64 w;
	int i;

	if (!hint)
		return -1;
	pg = bpf_map_lookup_elem(&arenad_obj_pages, &pgoff);
	if (!pg)
		return -1;
	for (i = 0; i < ARENAD_OBJ_TRIES; i++) {
		w = arenad__once(pg->word);
		if (!(w & ARENAD_OBJ_LIVE) || ARENAD_OBJ_GEN(w) != (__u32)(hint >> 32) ||
		    !ARENAD_OBJ_COUNT(w) || ARENAD_OBJ_TOP(w) < rsize)
			return -1;
		/* one more object, the top lowered by its size */
		if (__sync_val_compare_and_swap(&pg->word, w, w + 1 - ((__u64)rsize << 16)) == w)
			return ((__s64)pgoff << ARENAD_PAGE_SHIFT) + ARENAD_OBJ_TOP(w) - rsize;
	}
	return -1;
}

/*
 * Pages from the ledger for objects, under owner: their address, or 0.
 * A subprogram, not inlined: its request (struct arenad__op) then sits on
 * one stack frame of its own instead of in every caller's, which keeps
 * programs that call arenad_malloc() from a bpf_loop() callback within
 * the verifier's 512 bytes of combined stack.
 */
static __attribute__((noinline)) __u64 arenad__obj_take(struct arenad_state *st, __u32 owner, __u32 pages,
							 __u64 *time_ns)
{
	int err;

	return (__u64)arenad__prog_alloc(st, owner, 0, pages, ARENAD_RANGE_OBJECTS, &err, time_ns);
}

/*
 * A new object page from the ledger, with its first object (rsize bytes
 * at its top) carved: that object's byte offset, or -1. The page becomes
 * this CPU's current one.
 */
static __always_inline __s64 arenad__obj_page_new(struct arenad_state *st, __u32 owner,
						   __u32 rsize, struct arenad_obj_owner *ob,
						   struct arenad_obj_cpu *c)
{
	struct arenad_obj_page *pg;
	__u64 time_ns = 0, gen, p;
	__u32 pgoff;

	p = arenad__obj_take(st, owner, 1, &time_ns);
	if (!p)
		return -1;
	pgoff = pgoff_of(st, p);
	pg = bpf_map_lookup_elem(&arenad_obj_pages, &pgoff);
	if (!pg)
		return -1;	/* cannot happen: obj_pages is as long as the arena */
	/*
	 * The page is this program's alone until the word below is written:
	 * its last release turned it off before the ledger gave it back, and
	 * a stale hint's carve finds the old generation. time_ns first, for
	 * the release that reads it.
	 */
	gen = (ARENAD_OBJ_GEN(arenad__once(pg->word)) + 1) & 0x7fffffffU;
	pg->time_ns = time_ns;
	__sync_lock_test_and_set(&pg->word, gen << ARENAD_OBJ_GEN_SHIFT | ARENAD_OBJ_LIVE |
				 (__u64)(ARENAD_PAGE_SIZE - rsize) << 16 | 1);
	c->hint = gen << 32 | pgoff;
	__sync_fetch_and_add(&ob->pages, 1);
	return ((__s64)pgoff << ARENAD_PAGE_SHIFT) + ARENAD_PAGE_SIZE - rsize;
}

/*
 * Give pages that held objects back to the ledger (conditionally on
 * time_ns, when not 0): 0 or -errno. A subprogram for the same reason as
 * arenad__obj_take().
 */
static __attribute__((noinline)) int arenad__obj_give(struct arenad_state *st, __u64 addr, __u64 time_ns)
{
	struct arenad__op req = {
		.addr = addr,
		.time_ns = time_ns,
		.flags = ARENAD_FREE_OBJECTS,
	};

	return arenad__free(st, &req);
}

/*
 * Give back an object's space (its record already gone): the whole pages
 * of a large one; else one object off its page, and the page itself when
 * that was its last. The count drops with one atomic add: whoever brings
 * it to zero owns the release, and a count of zero stops every carve
 * (arenad__obj_carve()), so the page cannot gain an object meanwhile.
 */
static __always_inline void arenad__obj_put(struct arenad_state *st, __u32 off,
					    const struct arenad_obj *rec,
					    struct arenad_obj_owner *ob)
{
	__u32 pgoff = off >> ARENAD_PAGE_SHIFT;
	struct arenad_obj_page *pg;
	__u64 w, time_ns;

	if (rec->pages) {
		if (!arenad__obj_give(st, st->user_vm_start + off, 0))
			__sync_fetch_and_add(&ob->pages, -(__s64)rec->pages);
		return;
	}
	pg = bpf_map_lookup_elem(&arenad_obj_pages, &pgoff);
	if (!pg)
		return;
	w = __sync_fetch_and_add(&pg->word, -1);
	if (ARENAD_OBJ_COUNT(w) != 1)
		return;
	/* Off before the ledger frees it: only then may it be taken again. */
	time_ns = pg->time_ns;
	__sync_lock_test_and_set(&pg->word, w & ~((1ULL << ARENAD_OBJ_GEN_SHIFT) - 1));
	if (!arenad__obj_give(st, st->user_vm_start + ((__u64)pgoff << ARENAD_PAGE_SHIFT), time_ns))
		__sync_fetch_and_add(&ob->pages, -1);
}

/*
 * Allocate size bytes (8-byte aligned, not zeroed once reused: a page is
 * zeroed only when the kernel hands it out) under the object's owner.
 * Up to 4 GiB - 1 bytes: NULL for 0 bytes, more than the arena, no room, a quota, or a full
 * object table (ARENAD_MAX_OBJECTS); each counted in the owner's failures.
 */
static __always_inline void __arena *arenad_malloc(__u32 size)
{
	struct arenad_state *st = arenad__state();
	__u32 owner = arenad_owner_id, zero = 0, pages = 0, rsize, key;
	struct arenad_obj_owner *ob = arenad__obj_owner(owner);
	struct arenad_obj rec = {};
	struct arenad_obj_cpu *c;
	__u64 p, time_ns;
	__s64 off;

	if (!ob)
		return NULL;	/* cannot happen: the slot < max_entries */
	if (!st || !size || size > ((__u64)st->pages_total << ARENAD_PAGE_SHIFT))
		goto fail;
	if (size > ARENAD_PAGE_SIZE) {
		pages = ((__u64)size + ARENAD_PAGE_SIZE - 1) >> ARENAD_PAGE_SHIFT;
		p = arenad__obj_take(st, owner, pages, &time_ns);
		if (!p)
			goto fail;
		__sync_fetch_and_add(&ob->pages, pages);
		off = (__u32)p - (__u32)st->user_vm_start;
	} else {
		c = bpf_map_lookup_elem(&arenad_obj_cpu, &zero);
		if (!c)
			goto fail;
		rsize = (size + ARENAD_OBJ_ALIGN - 1) & ~(ARENAD_OBJ_ALIGN - 1);
		off = arenad__obj_carve(arenad__once(c->hint), rsize);
		if (off < 0)
			off = arenad__obj_page_new(st, owner, rsize, ob, c);
		if (off < 0)
			goto fail;
	}
	key = off;
	rec.size = size;
	rec.owner = owner;
	rec.pages = pages;
	if (bpf_map_update_elem(&arenad_objs, &key, &rec, BPF_NOEXIST)) {
		arenad__obj_put(st, key, &rec, ob);
		goto fail;
	}
	__sync_fetch_and_add(&ob->bytes, size);
	__sync_fetch_and_add(&ob->objects, 1);
	__sync_fetch_and_add(&ob->allocs, 1);
	return (void __arena *)(st->user_vm_start + key);
fail:
	if (ob)
		__sync_fetch_and_add(&ob->failures, 1);
	return NULL;
}

/*
 * Free an object arenad_malloc() returned (NULL: nothing). Anything else
 * (freed already, a pointer into an object, not an object at all) is
 * counted in the calling object's owner's bad_frees and changes nothing:
 * the record's delete is the commit point, so of two racing frees of one
 * object exactly one frees it.
 */
static __always_inline void arenad_free(void __arena *ptr)
{
	struct arenad_state *st = arenad__state();
	struct arenad_obj_owner *ob;
	struct arenad_obj rec, *r;
	__u32 key;

	if (!ptr || !st)
		return;
	key = (__u32)(__u64)ptr - (__u32)st->user_vm_start;
	r = bpf_map_lookup_elem(&arenad_objs, &key);
	if (!r)
		goto bad;
	rec = *r;
	if (bpf_map_delete_elem(&arenad_objs, &key))
		goto bad;
	ob = arenad__obj_owner(rec.owner);
	if (!ob)
		return;		/* cannot happen: the slot < max_entries */
	__sync_fetch_and_add(&ob->bytes, -(__s64)rec.size);
	__sync_fetch_and_add(&ob->objects, -1);
	__sync_fetch_and_add(&ob->frees, 1);
	arenad__obj_put(st, key, &rec, ob);
	return;
bad:
	ob = arenad__obj_owner(arenad_owner_id);
	if (ob)
		__sync_fetch_and_add(&ob->bad_frees, 1);
}

#endif /* __ARENAD_OBJECTS_BPF_H */
