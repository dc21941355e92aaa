// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The other half of ledger_loader.bpf.o (see ledger_alloc.bpf.c): a
 * counter in arena memory arenad handed out by name, and a read of the
 * ledger's state map, which after the link is the same map the other
 * half's allocations count in. The license is the other half's: a linked
 * object has one.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"
#include "ledger_loader.h"

ARENAD_ARENA_MAP(arena);

#include "arenad_ledger.bpf.h"

/* Set by the loader before load: where arenad put the counter. */
const volatile __u64 counter_addr;

SEC("syscall")
int bump(struct bump_ctx *ctx)
{
	__u64 __arena *counter = arenad_ptr(__u64, counter_addr);

	ARENAD_BIND(arena);
	*counter += ctx->delta;
	ctx->value = *counter;
	return 0;
}

SEC("syscall")
int usage(struct bump_ctx *ctx)
{
	__u32 zero = 0;
	struct arenad_state *st = bpf_map_lookup_elem(&arenad_state, &zero);

	ctx->value = st ? st->pages_allocated : 0;
	return 0;
}
