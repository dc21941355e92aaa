/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ledger, for BPF: the definitions of arenad's bookkeeping maps and the
 * allocate/free logic that keeps them consistent. The daemon's allocator
 * (bpf/arenad_alloc.bpf.c) and external sleepable programs that account
 * their pages (arenad_alloc_pages()/arenad_free_pages() below) compile
 * this one file, so there is one definition of every map and one
 * implementation of the bookkeeping. An external loader reuses the pinned
 * maps (libarenad's arenad_reuse() does it by these map names).
 *
 * Include after arenad.bpf.h and after declaring the arena map; define
 * ARENAD_ARENA to its name first if it is not "arena".
 *
 * The maps are defined here, in a header, so every object that includes it
 * has its own definition: they are __weak (as sched_ext's arena_map.h does
 * for its arena), so that two such objects link into one with `bpftool gen
 * object` and share one set of maps. The functions are static, one copy
 * per object, and marked unused: a program may need only one of them.
 */
#ifndef __ARENAD_LEDGER_BPF_H
#define __ARENAD_LEDGER_BPF_H

#include "arenad.bpf.h"

#ifndef ARENAD_ARENA
#define ARENAD_ARENA arena
#endif

#define __arenad_ledger_fn static __attribute__((unused))

/* mmapable: the daemon reads the counters from memory, without a syscall */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct arenad_state);
} arenad_state __weak SEC(".maps");

/* page offset -> allocation; max_entries is set to the arena's page count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_PAGES);
	__type(key, __u32);
	__type(value, struct arenad_range);
} arenad_ledger __weak SEC(".maps");

/* owner string id -> usage */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ARENAD_MAX_OWNERS);
	__type(key, __u32);
	__type(value, struct arenad_owner);
} arenad_owners __weak SEC(".maps");

/* string id -> string; written by user space only */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_STRINGS);
	__type(key, __u32);
	__type(value, struct arenad_str);
} arenad_strings __weak SEC(".maps");

/* name string id -> first page offset of the named allocation */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_NAMED);
	__type(key, __u32);
	__type(value, __u32);
} arenad_names __weak SEC(".maps");

__arenad_ledger_fn __u32 pgoff_of(const struct arenad_state *st, __u64 addr)
{
	/* The kernel's own rule: offsets are taken on the low 32 bits. */
	return ((__u32)addr - (__u32)st->user_vm_start) >> ARENAD_PAGE_SHIFT;
}

__arenad_ledger_fn void raise_high_water(struct arenad_state *st, __u64 now)
{
	__u64 hw;
	int i;

	/* Bounded CAS loop: the verifier needs a bound, and losing the race
	 * a few times in a row means others are raising it for us. */
	for (i = 0; i < 8; i++) {
		hw = st->high_water_pages;
		if (now <= hw)
			return;
		if (__sync_val_compare_and_swap(&st->high_water_pages, hw, now) == hw)
			return;
	}
}

__arenad_ledger_fn void account_owner(__u32 owner, __s64 pages, __s64 allocations)
{
	struct arenad_owner zero = {}, *o;

	o = bpf_map_lookup_elem(&arenad_owners, &owner);
	if (!o) {
		/* NOEXIST: a racing first allocation may have inserted it. */
		bpf_map_update_elem(&arenad_owners, &owner, &zero, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&arenad_owners, &owner);
		if (!o)
			return;
	}
	__sync_fetch_and_add(&o->pages, pages);
	__sync_fetch_and_add(&o->allocations, allocations);
}

__arenad_ledger_fn int arenad__alloc(struct arenad_state *st, struct arenad_req *req)
{
	struct arenad_range rec = {};
	void __arena *hint = NULL, *p;
	__u32 pages = req->pages, name = req->name, pgoff;
	__u64 total;

	if (!pages || pages > st->pages_total || req->flags)
		return -EINVAL;
	if (req->addr) {
		if (req->addr & (ARENAD_PAGE_SIZE - 1) ||
		    req->addr < st->user_vm_start ||
		    req->addr - st->user_vm_start >=
			    (__u64)st->pages_total << ARENAD_PAGE_SHIFT)
			return -EINVAL;
		hint = (void __arena *)req->addr;
	}

	/* Claim the name first, so that two allocations racing for one name
	 * cannot both succeed; the value is fixed up below. */
	if (name) {
		pgoff = 0;
		if (bpf_map_update_elem(&arenad_names, &name, &pgoff, BPF_NOEXIST))
			return -EEXIST;
	}

	/* The arena's NUMA node is the default for every path in (socket,
	 * pinned program, BPF-side accounting), not only the daemon's. */
	p = bpf_arena_alloc_pages___arenad(&ARENAD_ARENA, hint, pages,
				  req->numa_node == NUMA_NO_NODE ? st->numa_node : req->numa_node, 0);
	if (!p) {
		if (name)
			bpf_map_delete_elem(&arenad_names, &name);
		/* The kfunc returns NULL without a reason: a fixed address that
		 * fails is taken (or reserved), anything else is lack of space. */
		return hint ? -EBUSY : -ENOMEM;
	}

	pgoff = pgoff_of(st, (__u64)p);
	rec.pgoff = pgoff;
	rec.pages = pages;
	rec.owner = req->owner;
	rec.name = name;
	rec.uid = req->uid;
	rec.time_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&arenad_ledger, &pgoff, &rec, BPF_NOEXIST)) {
		bpf_arena_free_pages___arenad(&ARENAD_ARENA, p, pages);
		if (name)
			bpf_map_delete_elem(&arenad_names, &name);
		return -ENOSPC;
	}
	if (name)
		bpf_map_update_elem(&arenad_names, &name, &pgoff, BPF_EXIST);

	account_owner(req->owner, pages, 1);
	total = __sync_fetch_and_add(&st->pages_allocated, pages) + pages;
	__sync_fetch_and_add(&st->allocations, 1);
	__sync_fetch_and_add(&st->live_allocations, 1);
	raise_high_water(st, total);

	req->addr = (__u64)p;
	return 0;
}

__arenad_ledger_fn int arenad__free(struct arenad_state *st, struct arenad_req *req)
{
	struct arenad_range rec, *r;
	__u32 pgoff;

	if (req->addr & (ARENAD_PAGE_SIZE - 1) ||
	    req->addr < st->user_vm_start ||
	    req->addr - st->user_vm_start >=
		    (__u64)st->pages_total << ARENAD_PAGE_SHIFT)
		return -EINVAL;

	pgoff = pgoff_of(st, req->addr);
	r = bpf_map_lookup_elem(&arenad_ledger, &pgoff);
	if (!r)
		return -ENOENT;
	if (req->uid && r->uid != req->uid)
		return -EPERM;
	rec = *r;
	/* Deleting is the commit point: of two racing frees only the one
	 * whose delete succeeds goes on to free the pages. */
	if (bpf_map_delete_elem(&arenad_ledger, &pgoff))
		return -ENOENT;

	bpf_arena_free_pages___arenad(&ARENAD_ARENA, (void __arena *)req->addr, rec.pages);
	if (rec.name)
		bpf_map_delete_elem(&arenad_names, &rec.name);
	account_owner(rec.owner, -(__s64)rec.pages, -1);
	__sync_fetch_and_add(&st->pages_allocated, -(__s64)rec.pages);
	__sync_fetch_and_add(&st->frees, 1);
	__sync_fetch_and_add(&st->live_allocations, -1);

	req->pages = rec.pages;
	req->owner = rec.owner;
	req->name = rec.name;
	return 0;
}

static __always_inline struct arenad_state *arenad__state(void)
{
	__u32 zero = 0;
	struct arenad_state *st = bpf_map_lookup_elem(&arenad_state, &zero);

	return st && st->magic == ARENAD_STATE_MAGIC ? st : NULL;
}

/*
 * Who this object's allocations are accounted to: string ids that
 * libarenad's arenad_reuse() interns and writes here before load (from
 * arenad_reuse_opts.owner, default the object's name, and .name). Read
 * only by the calls below; const volatile so that the compiler keeps the
 * load and libbpf can set the value; __weak so that objects that include
 * this header link together.
 */
const volatile __u32 arenad_owner_id __weak = 0;
const volatile __u32 arenad_name_id __weak = 0;

/*
 * For sleepable external programs: allocate pages accounted to owner (and
 * name, 0 for none) in arenad's ledger. owner and name are string ids
 * from libarenad's arenad_str_intern(). Returns NULL on failure.
 */
static __always_inline void __arena *arenad_alloc_pages_as(__u32 owner, __u32 name, __u32 pages)
{
	struct arenad_req req = {
		.op = ARENAD_OP_ALLOC,
		.pages = pages,
		.owner = owner,
		.name = name,
		.uid = (__u32)bpf_get_current_uid_gid(),
		.numa_node = NUMA_NO_NODE,
	};
	struct arenad_state *st = arenad__state();

	if (!st)
		return NULL;
	if (arenad__alloc(st, &req)) {
		__sync_fetch_and_add(&st->alloc_failures, 1);
		return NULL;
	}
	return (void __arena *)req.addr;
}

/* The one-step form: pages accounted to the object's owner (see above). */
static __always_inline void __arena *arenad_alloc_pages(__u32 pages)
{
	return arenad_alloc_pages_as(arenad_owner_id, 0, pages);
}

/* The allocation called name (a string id), or NULL. */
static __always_inline void __arena *arenad_lookup_as(__u32 name)
{
	struct arenad_state *st = arenad__state();
	struct arenad_range *r;
	__u32 *pgoff;

	if (!st || !name)
		return NULL;
	pgoff = bpf_map_lookup_elem(&arenad_names, &name);
	if (!pgoff)
		return NULL;
	/* A name is claimed (with offset 0) before its pages are allocated:
	 * only a ledger entry carrying the name proves the offset. */
	r = bpf_map_lookup_elem(&arenad_ledger, pgoff);
	if (!r || r->name != name)
		return NULL;
	return (void __arena *)(st->user_vm_start + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT));
}

/*
 * The object's named allocation (arenad_reuse_opts.name): the one that
 * exists, or else a new one of pages pages accounted to the object's
 * owner. Data kept there outlives the program and its loader, and the
 * next run finds it again; NULL when no name was set or on failure. An
 * existing allocation is returned whatever its size: keep pages fixed.
 */
static __always_inline void __arena *arenad_named_pages(__u32 pages)
{
	__u32 name = arenad_name_id;
	void __arena *p;

	if (!name)
		return NULL;
	p = arenad_lookup_as(name);
	if (p)
		return p;
	p = arenad_alloc_pages_as(arenad_owner_id, name, pages);
	/* Lost a race to another run creating it: take that one. */
	return p ?: arenad_lookup_as(name);
}

/* Free a whole allocation made through the ledger; pages freed or -errno. */
static __always_inline int arenad_free_pages(void __arena *ptr)
{
	struct arenad_req req = {
		.op = ARENAD_OP_FREE,
		.addr = (__u64)ptr,
	};
	struct arenad_state *st = arenad__state();
	int r;

	if (!st)
		return -ENODEV;
	r = arenad__free(st, &req);
	return r ? r : (int)req.pages;
}

#endif /* __ARENAD_LEDGER_BPF_H */
