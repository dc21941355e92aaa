// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shared counter (a use case of "eBPF Arena: A Tutorial",
 * https://github.com/bpf-endeavor/ebpf-arena-tutorial): a sleepable syscall program
 * increments a counter that lives in arena memory arenad handed out under a
 * name. The loader finds the counter by name, tells the program where it is,
 * and reads the same counter through its own mmap of the arena.
 *
 * grab() shows the BPF-side accounting API: pages allocated from BPF that
 * appear in arenad's stats under their owner.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"
#include "counter.h"

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
int grab(struct grab_ctx *ctx)
{
	void __arena *p;

	if (!ctx->pages) {
		ctx->ret = arenad_free_pages(arenad_ptr(void, ctx->addr));
		return 0;
	}
	p = arenad_alloc_pages_as(ctx->owner, 0, ctx->pages);
	ctx->addr = (__u64)p;
	ctx->ret = p ? 0 : -ENOMEM;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
