// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The arenad allocator: a sleepable syscall program that allocates and
 * frees arena pages and records every allocation in a ledger kept in
 * ordinary hash maps, outside the arena, so that arena users cannot corrupt
 * it. The daemon runs it with BPF_PROG_TEST_RUN; so may any process with
 * the pinned program's fd. Because all bookkeeping happens in BPF
 * (arenad_ledger.bpf.h), the ledger and the counters stay consistent
 * whoever calls.
 */
#define BPF_NO_KFUNC_PROTOTYPES
/* The daemon loads this object through libbpf's loader program, which
 * needs the kfuncs' plain names (arenad_ledger.bpf.h). */
#define ARENAD_PLAIN_KFUNCS
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

#include "arenad_objects.bpf.h"

/*
 * The request's owner and name as ids with a reference held: interned from
 * the strings when given (so a caller never holds an id between interning
 * and allocating, which a concurrent release could invalidate), else taken
 * on the ids. On failure nothing is held.
 */
static int take_strings(struct arenad_req *req, struct arenad__intern *in)
{
	int r;

	in->keep = 0;
	r = arenad__str_load(in, req->owner_str);
	if (r > 0)
		r = arenad__str_intern(in);
	else if (!r)
		in->id = req->owner, r = arenad__str_get(req->owner);
	if (r)
		return r;
	req->owner = in->id;

	r = arenad__str_load(in, req->name_str);
	if (r > 0)
		r = arenad__str_intern(in);
	else if (!r)
		in->id = req->name, r = arenad__str_get(req->name);
	if (r) {
		arenad__str_put(req->owner);
		return r;
	}
	req->name = in->id;
	return 0;
}

static __noinline int do_alloc(struct arenad_state *st, struct arenad_req *req, __u32 uid)
{
	struct arenad__intern in;
	struct arenad__op op;
	int ret;

	ret = take_strings(req, &in);
	if (ret)
		return ret;
	arenad__op_from_req(&op, req);
	if (uid || !op.pid)
		arenad__creator_current(&op);
	ret = arenad__alloc(st, &op, 0, 0);
	arenad__op_to_req(req, &op);
	if (ret) {
		arenad__str_put(req->name);
		arenad__str_put(req->owner);
	}
	return ret;
}

static __noinline int do_free(struct arenad_state *st, struct arenad_req *req)
{
	struct arenad__op op;
	int ret;

	/* ARENAD_FREE_OBJECTS is the object allocator's own. */
	if (req->flags)
		return -EINVAL;
	arenad__op_from_req(&op, req);
	ret = arenad__free(st, &op);
	arenad__op_to_req(req, &op);
	return ret;
}

static __noinline int do_intern(struct arenad_req *req)
{
	struct arenad__intern in;
	int ret;

	if (req->flags & ~ARENAD_INTERN_KEEP)
		return -EINVAL;
	ret = arenad__str_load(&in, req->owner_str);
	if (ret <= 0)
		return -EINVAL;
	in.keep = req->flags & ARENAD_INTERN_KEEP;
	ret = arenad__str_intern(&in);
	if (!ret)
		req->owner = in.id;
	return ret;
}

/*
 * Set or clear a page limit. An owner's limit lives in its owners slot,
 * so its string is kept for good when a limit is set: the slot then stays
 * the owner's while no allocation holds the string. Clearing interns it
 * for the length of the run only (a string that is not live has no limit
 * to clear). Each limit is one 64-bit word, written with one exchange:
 * the allocator reads it once per allocation (arenad__alloc()).
 */
static __noinline int do_quota(struct arenad_state *st, struct arenad_req *req)
{
	__u32 target = req->flags & (ARENAD_QUOTA_OWNER | ARENAD_QUOTA_UID | ARENAD_QUOTA_DEFAULT);
	bool clear = req->flags & ARENAD_QUOTA_CLEAR;
	__u64 q = clear ? 0 : ARENAD_QUOTA_SET | req->pages;
	struct arenad__intern in;
	struct arenad_owner *o;
	struct arenad_uid *u;
	int ret;

	if (req->flags & ~(target | ARENAD_QUOTA_CLEAR) ||
	    (target != ARENAD_QUOTA_OWNER && target != ARENAD_QUOTA_UID &&
	     target != ARENAD_QUOTA_DEFAULT) ||
	    (!clear && req->pages > st->pages_total))
		return -EINVAL;

	switch (target) {
	case ARENAD_QUOTA_DEFAULT:
		__sync_lock_test_and_set(&st->quota_default, q);
		break;
	case ARENAD_QUOTA_UID:
		u = arenad__uid(req->uid);
		if (!u)
			return -E2BIG;
		__sync_lock_test_and_set(&u->limit, q);
		break;
	default:
		ret = arenad__str_load(&in, req->owner_str);
		if (ret <= 0)
			return -EINVAL;
		in.keep = !clear;
		ret = arenad__str_intern(&in);
		if (ret)
			return ret;
		req->owner = in.id;
		o = arenad__owner(in.id);
		if (o) {
			o->owner = in.id;
			__sync_lock_test_and_set(&o->limit, q);
		}
		if (clear)
			arenad__str_put(in.id);
		if (!o)
			return -EINVAL;	/* cannot happen: the slot < max_entries */
	}
	__sync_fetch_and_add(&st->quota_changes, 1);
	return 0;
}

/*
 * Drop the live object at byte offset key of the arena, as its program's
 * arenad_free() would: its record deleted (the commit point: a racing
 * free by the program finds nothing), its owner's counters, and its page
 * given back with the last. Was there one?
 */
static __always_inline bool drop_one(struct arenad_state *st, __u32 key)
{
	struct arenad_obj_owner *ob;
	struct arenad_obj rec, *r;

	r = bpf_map_lookup_elem(&arenad_objs, &key);
	if (!r)
		return false;
	rec = *r;
	if (bpf_map_delete_elem(&arenad_objs, &key))
		return false;		/* its program freed it meanwhile */
	ob = arenad__obj_owner(rec.owner);
	if (!ob)
		return false;		/* cannot happen: the slot < max_entries */
	__sync_fetch_and_add(&ob->bytes, -(__s64)rec.size);
	__sync_fetch_and_add(&ob->objects, -1);
	__sync_fetch_and_add(&ob->dropped, 1);
	arenad__obj_put(st, key, &rec, ob);
	return true;
}

struct drop_ctx {
	__u32 base;		/* the page's byte offset in the arena */
	__u32 first;		/* its first carved 8-byte slot */
	__u32 gen;		/* its generation when the drop began */
	__u32 dropped;
};

/*
 * One 8-byte slot of a carved page (a bpf_loop() callback: 512 slots in
 * a loop would be 512 copies of the drop for the verifier). Stops once
 * the page was given back: an object found there later is on the page
 * taken anew, another program's.
 */
static long drop_cb(__u64 k, void *data)
{
	struct arenad_state *st = arenad__state();
	struct drop_ctx *c = data;
	__u32 pgoff = c->base >> ARENAD_PAGE_SHIFT;
	struct arenad_obj_page *pg = bpf_map_lookup_elem(&arenad_obj_pages, &pgoff);
	__u64 w;

	if (!st || !pg)
		return 1;
	w = arenad__once(pg->word);
	if (ARENAD_OBJ_GEN(w) != c->gen || !ARENAD_OBJ_COUNT(w))
		return 1;
	c->dropped += drop_one(st, c->base + (c->first + (__u32)k) * ARENAD_OBJ_ALIGN);
	return 0;
}

/*
 * Drop every object on the object page (or whole-page object) at
 * req->addr, whose loader is gone: the daemon's `free --orphans
 * --objects`. Conditional on the ledger entry's time_ns when given. The
 * page is first closed to carving, so that a program still running takes
 * a new page rather than join this one.
 */
static __noinline int do_drop_objects(struct arenad_state *st, struct arenad_req *req)
{
	__u64 size = (__u64)st->pages_total << ARENAD_PAGE_SHIFT;
	__u64 off = req->addr - st->user_vm_start;
	struct drop_ctx c = {};
	struct arenad_obj_page *pg;
	struct arenad_range *r;
	__u32 pgoff;
	__u64 w;

	if (req->addr < st->user_vm_start || off >= size || (off & (ARENAD_PAGE_SIZE - 1)))
		return -EINVAL;
	pgoff = off >> ARENAD_PAGE_SHIFT;
	r = bpf_map_lookup_elem(&arenad_ledger, &pgoff);
	if (!r)
		return -ENOENT;
	if (!(r->flags & ARENAD_RANGE_OBJECTS))
		return -EINVAL;		/* not the object allocator's */
	if (req->time_ns && r->time_ns != req->time_ns)
		return -ESTALE;
	c.base = off;
	if (r->pages > 1) {
		/* a whole-page object: one, at the start */
		c.dropped = drop_one(st, c.base);
	} else {
		pg = bpf_map_lookup_elem(&arenad_obj_pages, &pgoff);
		if (!pg)
			return -EINVAL;	/* cannot happen: obj_pages is as long as the arena */
		w = __sync_fetch_and_and(&pg->word, ~ARENAD_OBJ_LIVE);
		c.gen = ARENAD_OBJ_GEN(w);
		c.first = ARENAD_OBJ_TOP(w) / ARENAD_OBJ_ALIGN;
		if (ARENAD_OBJ_COUNT(w) && c.first < ARENAD_PAGE_SIZE / ARENAD_OBJ_ALIGN)
			bpf_loop(ARENAD_PAGE_SIZE / ARENAD_OBJ_ALIGN - c.first, drop_cb, &c, 0);
	}
	req->pages = c.dropped;
	return 0;
}

/*
 * Each operation is a subprogram of its own (__noinline): the verifier
 * counts the stack of a chain of calls, and inlined into the program the
 * operations' locals would all sit under every chain, the drop's
 * bpf_loop() callback and its page release too (over the 512 bytes).
 */
SEC("syscall")
int arenad_alloc(struct arenad_req *req)
{
	struct arenad_state *st = arenad__state();
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	int ret;

	if (!st) {
		req->ret = -ENODEV;
		return 0;
	}
	/* Anyone with the pinned program's fd may run it: only root (the
	 * daemon, answering for its peer) may say whose allocation it is,
	 * and for which process. */
	if (uid)
		req->uid = uid;

	switch (req->op) {
	case ARENAD_OP_ALLOC:
		/* A connection's lease is the daemon's to keep: it alone
		 * sees the connection close. */
		if (uid && (req->flags & ARENAD_LEASE_CONNECTION)) {
			ret = -EPERM;
			break;
		}
		ret = do_alloc(st, req, uid);
		/* Quota refusals are counted apart (arenad__over()). */
		if (ret && ret != -EDQUOT)
			__sync_fetch_and_add(&st->alloc_failures, 1);
		break;
	case ARENAD_OP_FREE:
		ret = do_free(st, req);
		break;
	case ARENAD_OP_INTERN:
		ret = do_intern(req);
		break;
	case ARENAD_OP_RELEASE:
		ret = arenad__str_put(req->owner);
		break;
	case ARENAD_OP_QUOTA:
		/* Only root (the daemon, for a peer it allows to write) sets
		 * limits: another holder of the pinned program's fd must not
		 * raise its own. */
		ret = uid ? -EPERM : do_quota(st, req);
		break;
	case ARENAD_OP_DROP_OBJECTS:
		/* Objects are their programs' to free: root alone drops
		 * those of a loader that is gone. */
		ret = uid ? -EPERM : do_drop_objects(st, req);
		break;
	default:
		ret = -EINVAL;
	}
	req->ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
