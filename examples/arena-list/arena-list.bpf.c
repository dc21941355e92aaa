// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User-space managed data structure (a use case of "eBPF Arena: A
 * Tutorial", https://github.com/bpf-endeavor/ebpf-arena-tutorial): user space
 * builds a linked list with real arena pointers in pages it got from
 * arenad; this program walks it and returns a checksum.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"
#include "list.h"

ARENAD_ARENA_MAP(arena);

SEC("syscall")
int walk(struct walk_ctx *ctx)
{
	struct list_node __arena *n = arenad_ptr(struct list_node, ctx->head);
	__u64 sum = 0;
	__u32 i;

	ARENAD_BIND(arena);
	/* Bounded for the verifier; a cycle or a huge list stops here. */
	for (i = 0; i < LIST_MAX_NODES && n; i++) {
		sum = list_mix(sum, n->value);
		n = n->next;
	}
	ctx->sum = sum;
	ctx->count = i;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
