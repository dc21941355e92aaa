// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The arenad allocator: a sleepable syscall program that allocates and
 * frees arena pages and records every allocation in a ledger kept in
 * ordinary hash maps, outside the arena, so that arena users cannot corrupt
 * it. The daemon runs it with BPF_PROG_TEST_RUN; so may any process with
 * the pinned program's fd. Because all bookkeeping happens here, the ledger
 * and the counters stay consistent whoever calls.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct arenad_state);
} state SEC(".maps");

/* page offset -> allocation; max_entries is set to the arena's page count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_PAGES);
	__type(key, __u32);
	__type(value, struct arenad_range);
} ledger SEC(".maps");

/* owner string id -> usage */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ARENAD_MAX_OWNERS);
	__type(key, __u32);
	__type(value, struct arenad_owner);
} owners SEC(".maps");

/* string id -> string; written by user space only */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_STRINGS);
	__type(key, __u32);
	__type(value, struct arenad_str);
} strings SEC(".maps");

/* name string id -> first page offset of the named allocation */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_NAMED);
	__type(key, __u32);
	__type(value, __u32);
} names SEC(".maps");

static __u32 pgoff_of(const struct arenad_state *st, __u64 addr)
{
	/* The kernel's own rule: offsets are taken on the low 32 bits. */
	return ((__u32)addr - (__u32)st->user_vm_start) >> ARENAD_PAGE_SHIFT;
}

static void raise_high_water(struct arenad_state *st, __u64 now)
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

static void account_owner(__u32 owner, __s64 pages, __s64 allocations)
{
	struct arenad_owner zero = {}, *o;

	o = bpf_map_lookup_elem(&owners, &owner);
	if (!o) {
		/* NOEXIST: a racing first allocation may have inserted it. */
		bpf_map_update_elem(&owners, &owner, &zero, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&owners, &owner);
		if (!o)
			return;
	}
	__sync_fetch_and_add(&o->pages, pages);
	__sync_fetch_and_add(&o->allocations, allocations);
}

static int do_alloc(struct arenad_state *st, struct arenad_req *req)
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
		if (bpf_map_update_elem(&names, &name, &pgoff, BPF_NOEXIST))
			return -EEXIST;
	}

	p = bpf_arena_alloc_pages(&arena, hint, pages, req->numa_node, 0);
	if (!p) {
		if (name)
			bpf_map_delete_elem(&names, &name);
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
	if (bpf_map_update_elem(&ledger, &pgoff, &rec, BPF_NOEXIST)) {
		bpf_arena_free_pages(&arena, p, pages);
		if (name)
			bpf_map_delete_elem(&names, &name);
		return -ENOSPC;
	}
	if (name)
		bpf_map_update_elem(&names, &name, &pgoff, BPF_EXIST);

	account_owner(req->owner, pages, 1);
	total = __sync_fetch_and_add(&st->pages_allocated, pages) + pages;
	__sync_fetch_and_add(&st->allocations, 1);
	__sync_fetch_and_add(&st->live_allocations, 1);
	raise_high_water(st, total);

	req->addr = (__u64)p;
	return 0;
}

static int do_free(struct arenad_state *st, struct arenad_req *req)
{
	struct arenad_range rec, *r;
	__u32 pgoff;

	if (req->addr & (ARENAD_PAGE_SIZE - 1) ||
	    req->addr < st->user_vm_start ||
	    req->addr - st->user_vm_start >=
		    (__u64)st->pages_total << ARENAD_PAGE_SHIFT)
		return -EINVAL;

	pgoff = pgoff_of(st, req->addr);
	r = bpf_map_lookup_elem(&ledger, &pgoff);
	if (!r)
		return -ENOENT;
	if (req->uid && r->uid != req->uid)
		return -EPERM;
	rec = *r;
	/* Deleting is the commit point: of two racing frees only the one
	 * whose delete succeeds goes on to free the pages. */
	if (bpf_map_delete_elem(&ledger, &pgoff))
		return -ENOENT;

	bpf_arena_free_pages(&arena, (void __arena *)req->addr, rec.pages);
	if (rec.name)
		bpf_map_delete_elem(&names, &rec.name);
	account_owner(rec.owner, -(__s64)rec.pages, -1);
	__sync_fetch_and_add(&st->pages_allocated, -(__s64)rec.pages);
	__sync_fetch_and_add(&st->frees, 1);
	__sync_fetch_and_add(&st->live_allocations, -1);

	req->pages = rec.pages;
	req->owner = rec.owner;
	req->name = rec.name;
	return 0;
}

SEC("syscall")
int arenad_alloc(struct arenad_req *req)
{
	struct arenad_state *st;
	__u32 zero = 0;
	int ret;

	st = bpf_map_lookup_elem(&state, &zero);
	if (!st || st->magic != ARENAD_STATE_MAGIC) {
		req->ret = -ENODEV;
		return 0;
	}

	switch (req->op) {
	case ARENAD_OP_ALLOC:
		ret = do_alloc(st, req);
		if (ret)
			__sync_fetch_and_add(&st->alloc_failures, 1);
		break;
	case ARENAD_OP_FREE:
		ret = do_free(st, req);
		break;
	default:
		ret = -EINVAL;
	}
	req->ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
