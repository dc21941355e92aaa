// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For the kmod VM test: an XDP program bound to the arena through the
 * module's kfunc that reads and updates arena memory, and a syscall
 * program that asks the presence kfuncs, including with bad input.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

/* Not an arena: the kfuncs must refuse it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} not_arena SEC(".maps");

const volatile __u64 target;	/* an arena address, set by the loader */

SEC("xdp")
int xdp_touch(struct xdp_md *ctx)
{
	__u64 __arena *v = arenad_ptr(__u64, target);

	/* Bound by the kfunc call alone: no ARENAD_BIND() asm here. */
	if (!bpf_ksym_exists(arenad_kf_bind) || arenad_kf_bind(&arena))
		return XDP_ABORTED;
	*v += 1;
	return XDP_PASS;
}

struct probe_ctx {
	__u32 pgoff;
	__u32 count;
	__u32 use_other_map;
	__s32 present;		/* out: arenad_kf_page_present() */
	__s32 counted;		/* out: arenad_kf_count_present() */
};

SEC("syscall")
int probe(struct probe_ctx *c)
{
	if (!bpf_ksym_exists(arenad_kf_page_present) || !bpf_ksym_exists(arenad_kf_count_present))
		return -1;
	if (c->use_other_map) {
		c->present = arenad_kf_page_present(&not_arena, c->pgoff);
		c->counted = arenad_kf_count_present(&not_arena, c->pgoff, c->count);
	} else {
		c->present = arenad_kf_page_present(&arena, c->pgoff);
		c->counted = arenad_kf_count_present(&arena, c->pgoff, c->count);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
