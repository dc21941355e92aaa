// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ARENAD_BIND() for non-sleepable programs: tc_bound and xdp_bound read a
 * verdict from, and count into, a structure in the shared arena. The
 * "?"-sections are the same code without the bind; they do not load by
 * default, and the test loads them on purpose to show that the verifier
 * rejects them, i.e. that the bind is what makes the others work.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"
#include "loader_bind.h"

ARENAD_ARENA_MAP(arena);

/* Set by the loader: the shared structure's address (from arenad). */
const volatile __u64 shared_addr;

static __always_inline int count(__u32 len, int xdp)
{
	struct bind_shared __arena *s = arenad_ptr(struct bind_shared, shared_addr);

	s->packets++;
	s->bytes += len;
	return xdp ? s->xdp_verdict : s->tc_verdict;
}

SEC("tc")
int tc_bound(struct __sk_buff *skb)
{
	ARENAD_BIND(arena);
	return count(skb->len, 0);
}

SEC("xdp")
int xdp_bound(struct xdp_md *ctx)
{
	ARENAD_BIND(arena);
	return count(ctx->data_end - ctx->data, 1);
}

SEC("?tc")
int tc_unbound(struct __sk_buff *skb)
{
	return count(skb->len, 0);
}

SEC("?xdp")
int xdp_unbound(struct xdp_md *ctx)
{
	return count(ctx->data_end - ctx->data, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
