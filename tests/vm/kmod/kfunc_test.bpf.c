// SPDX-License-Identifier: GPL-2.0
/*
 * The kfunc test's programs (run by kfunc_test.c inside the VM):
 *   op           syscall: arena page allocation and every module kfunc,
 *                on the arena or on a map that is not one
 *   xdp_bind     XDP bound to the arena by arenad_kf_bind() alone,
 *                reading and writing arena memory
 *   xdp_present  XDP asking arenad_kf_page_present()
 *   tc_present   tc asking arenad_kf_page_present()
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
/* The module is what is under test: refuse to load without it. */
#define ARENAD_KFUNCS_REQUIRED
#include "arenad.bpf.h"
#include "kfunc_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, TEST_ARENA_PAGES);
	__ulong(map_extra, TEST_ARENA_BASE);
} arena SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} not_arena SEC(".maps");

#define page_addr(pgoff) ((void __arena *)(unsigned long)(TEST_ARENA_BASE + \
	(__u64)(pgoff) * TEST_PAGE_SIZE))

static __s64 kfunc(void *map, struct test_req *r)
{
	switch (r->op) {
	case OP_BIND:
		return arenad_kf_bind(map);
	case OP_PAGE_PRESENT:
		return arenad_kf_page_present(map, r->pgoff);
	case OP_COUNT_PRESENT:
		return arenad_kf_count_present(map, r->pgoff, r->count);
	case OP_NEXT_PRESENT:
		return arenad_kf_next_present(map, r->pgoff, r->count);
	case OP_NEXT_ABSENT:
		return arenad_kf_next_absent(map, r->pgoff, r->count);
	}
	return -95;	/* EOPNOTSUPP */
}

SEC("syscall")
int op(struct test_req *r)
{
	void __arena *p;

	switch (r->op) {
	case OP_ALLOC:
		p = bpf_arena_alloc_pages(&arena, page_addr(r->pgoff), r->count, NUMA_NO_NODE, 0);
		r->ret = (__s64)(unsigned long)p;
		return 0;
	case OP_FREE:
		bpf_arena_free_pages(&arena, page_addr(r->pgoff), r->count);
		r->ret = 0;
		return 0;
	}
	r->ret = kfunc(r->other_map ? (void *)&not_arena : (void *)&arena, r);
	return 0;
}

static struct xdp_slots __arena *slots(void)
{
	return (struct xdp_slots __arena *)page_addr(XDP_PGOFF);
}

SEC("xdp")
int xdp_bind(struct xdp_md *ctx)
{
	/* The only reference to the arena in this program: without it the
	 * verifier refuses the arena access below. */
	if (arenad_kf_bind(&arena))
		return XDP_ABORTED;
	slots()->xdp_runs += 1;
	return XDP_PASS;
}

SEC("xdp")
int xdp_present(struct xdp_md *ctx)
{
	slots()->xdp_present = arenad_kf_page_present(&arena, TC_PROBE_PGOFF);
	return XDP_PASS;
}

SEC("tc")
int tc_present(struct __sk_buff *skb)
{
	slots()->tc_present = arenad_kf_page_present(&arena, TC_PROBE_PGOFF);
	return 0;	/* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "GPL";
