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

static int do_alloc(struct arenad_state *st, struct arenad_req *req)
{
	struct arenad__intern in;
	int ret;

	ret = take_strings(req, &in);
	if (ret)
		return ret;
	ret = arenad__alloc(st, req);
	if (ret) {
		arenad__str_put(req->name);
		arenad__str_put(req->owner);
	}
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
	 * daemon, answering for its peer) may say whose allocation it is. */
	if (uid)
		req->uid = uid;

	switch (req->op) {
	case ARENAD_OP_ALLOC:
		ret = do_alloc(st, req);
		if (ret)
			__sync_fetch_and_add(&st->alloc_failures, 1);
		break;
	case ARENAD_OP_FREE:
		ret = arenad__free(st, req);
		break;
	case ARENAD_OP_INTERN:
		ret = do_intern(req);
		break;
	case ARENAD_OP_RELEASE:
		ret = arenad__str_put(req->owner);
		break;
	default:
		ret = -EINVAL;
	}
	req->ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
