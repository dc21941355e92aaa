// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_alloc()/bpf_free() from a program that is not sleepable (XDP):
 * whether it loads depends on the kernel (the arena kfuncs are
 * sleepable-only before 7.0). 43-objects.t asks the kernel first with
 * bare_xdp, which calls the kfuncs themselves, and checks that obj_xdp
 * fares the same: arenad's header adds no limit of its own. Both load
 * only when named.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1024);
	__ulong(map_extra, 2ull << 44);
} arena SEC(".maps");

#include "bpf_arena_alloc.h"

/* what the last run kept: an object of 24 bytes holding the packet's
 * first byte, freed by the next run */
__u64 kept;

SEC("?xdp")
int bare_xdp(struct xdp_md *ctx)
{
	void __arena *p = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);

	if (!p)
		return XDP_DROP;
	bpf_arena_free_pages(&arena, p, 1);
	return XDP_PASS;
}

SEC("?xdp")
int obj_xdp(struct xdp_md *ctx)
{
	__u8 __arena *p = bpf_alloc(24);

	if (kept)
		bpf_free((void __arena *)kept);
	kept = (__u64)p;
	if (!p)
		return XDP_DROP;
	p[0] = 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
