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

#include "arenad_ledger.bpf.h"

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

static int do_alloc(struct arenad_state *st, struct arenad_req *req, __u32 uid)
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

static int do_free(struct arenad_state *st, struct arenad_req *req)
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

static int do_intern(struct arenad_req *req)
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
static int do_quota(struct arenad_state *st, struct arenad_req *req)
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
	default:
		ret = -EINVAL;
	}
	req->ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
