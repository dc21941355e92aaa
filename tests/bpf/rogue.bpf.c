// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A "rogue" external program for the census tests: it reuses the pinned
 * arena and allocates or frees pages with the kfuncs directly, behind
 * arenad's back, so the ledger does not know.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

struct rogue_req {
	__u64 addr;	/* in: address (0: anywhere for alloc); out: allocated address */
	__u32 pages;
	__u32 op;	/* 1 alloc, 2 free, 3 reserve */
	__s32 ret;
};

SEC("syscall")
int rogue(struct rogue_req *req)
{
	void __arena *p = (void __arena *)req->addr;

	if (req->op == 1) {
		p = bpf_arena_alloc_pages(&arena, p, req->pages, NUMA_NO_NODE, 0);
		req->addr = (__u64)p;
		req->ret = p ? 0 : -ENOMEM;
	} else if (req->op == 2) {
		bpf_arena_free_pages(&arena, p, req->pages);
		req->ret = 0;
	} else if (req->op == 3 && bpf_ksym_exists(bpf_arena_reserve_pages)) {
		/* Not free, yet not present: the census must still say absent. */
		req->ret = bpf_arena_reserve_pages(&arena, p, req->pages);
	} else {
		req->ret = -EOPNOTSUPP;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
