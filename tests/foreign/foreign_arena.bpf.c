// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Another program's arena, for arenad's inventory tests: written like an
 * ordinary arena user (a scheduler, an XDP app), with nothing from arenad.
 * Its size, address and flags are set by the loader before it loads.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define __arena __attribute__((address_space(1)))

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
} foreign_arena SEC(".maps");

void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *addr, __u32 page_cnt) __ksym __weak;

struct fa_req {
	__u64 addr;
	__u32 pages;
	__u32 op;		/* 1 alloc, 2 reserve */
	__s32 ret;
};

SEC("syscall")
int fa_pages(struct fa_req *req)
{
	void __arena *p = (void __arena *)req->addr;

	if (req->op == 1) {
		req->ret = bpf_arena_alloc_pages(&foreign_arena, p, req->pages, -1, 0) == p ? 0 : -12;
	} else if (req->op == 2 && bpf_ksym_exists(bpf_arena_reserve_pages)) {
		req->ret = bpf_arena_reserve_pages(&foreign_arena, p, req->pages);
	} else {
		req->ret = -95;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
