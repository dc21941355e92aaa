// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One half of ledger_loader.bpf.o (tests/helpers/ledger_loader.c):
 * allocation and free from BPF through the ledger. ledger_counter.bpf.c is
 * the other half. Both declare the arena and include arenad_ledger.bpf.h,
 * and `bpftool gen object` links them into one object with one arena and
 * one set of ledger maps, which is what __weak on those maps is for.
 *
 * Every kfunc is called from one half only: the libbpf linker in the
 * bpftool these machines have (7.5.0, libbpf 1.5) refuses two objects
 * that both call one kfunc ("failed to resolve size of underlying type"),
 * fixed upstream by "libbpf: do not resolve size on duplicate FUNCs".
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"
#include "ledger_loader.h"

ARENAD_ARENA_MAP(arena);

#include "arenad_ledger.bpf.h"

SEC("syscall")
int grab(struct grab_ctx *ctx)
{
	void __arena *p;
	int err;

	/* The reason too: -EDQUOT over a limit, -ENOMEM out of room, ... */
	p = arenad_alloc_pages_err(ctx->owner, 0, ctx->pages, &err);
	ctx->addr = (__u64)p;
	ctx->ret = err;
	return 0;
}

SEC("syscall")
int drop(struct grab_ctx *ctx)
{
	ctx->ret = arenad_free_pages(arenad_ptr(void, ctx->addr));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
