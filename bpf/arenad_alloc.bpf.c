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
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

#include "arenad_ledger.bpf.h"

SEC("syscall")
int arenad_alloc(struct arenad_req *req)
{
	struct arenad_state *st = arenad__state();
	int ret;

	if (!st) {
		req->ret = -ENODEV;
		return 0;
	}

	switch (req->op) {
	case ARENAD_OP_ALLOC:
		ret = arenad__alloc(st, req);
		if (ret)
			__sync_fetch_and_add(&st->alloc_failures, 1);
		break;
	case ARENAD_OP_FREE:
		ret = arenad__free(st, req);
		break;
	default:
		ret = -EINVAL;
	}
	req->ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
