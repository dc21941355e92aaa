/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The floor for arenad's object allocator: a page-frag allocator of the
 * kernel selftests' bpf_arena_alloc.h shape, written for the benchmark
 * (make bench) and the tests that build one program against both. Its
 * state is in the arena itself: each CPU's current page and free offset
 * in __arena globals, each page's object count in its last 8 bytes; no
 * accounting, no locking, no concurrency safety beyond one program per
 * CPU at a time. bpf_alloc() carves downwards from the offset; bpf_free()
 * drops the page's count and gives the page back at zero.
 *
 * One change from that shape: a page given back is also dropped as this
 * CPU's current page, so that the next bpf_alloc() takes a new one instead
 * of carving a page that is gone. Without it an alloc+free pair, the very
 * workload measured, would allocate into a freed page.
 *
 * It runs on its own arena only: arenad refuses __arena globals.
 */
#ifndef __PAGEFRAG_BPF_ARENA_ALLOC_H
#define __PAGEFRAG_BPF_ARENA_ALLOC_H

#include "arenad.bpf.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif
#define __round_mask(x, y) ((__typeof__(x))((y)-1))
#define round_up(x, y) ((((x)-1) | __round_mask(x, y))+1)

#define NR_CPUS (sizeof(struct cpumask) * 8)

static void __arena * __arena page_frag_cur_page[NR_CPUS];
static int __arena page_frag_cur_offset[NR_CPUS];

/* A new current page for this CPU, its count 0; NULL when none. */
static inline void __arena *page_frag_refill(__u32 cpu)
{
	void __arena *page = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	__u64 __arena *obj_cnt;

	if (!page)
		return NULL;
	page_frag_cur_page[cpu] = page;
	page_frag_cur_offset[cpu] = PAGE_SIZE - 8;
	obj_cnt = page + PAGE_SIZE - 8;
	*obj_cnt = 0;
	return page;
}

static inline void __arena *bpf_alloc(unsigned int size)
{
	__u64 __arena *obj_cnt;
	__u32 cpu = bpf_get_smp_processor_id() & (NR_CPUS - 1);
	void __arena *page = page_frag_cur_page[cpu];
	int offset;

	size = round_up(size, 8);
	if (size >= PAGE_SIZE - 8)
		return NULL;
	if (!page && !(page = page_frag_refill(cpu)))
		return NULL;
	offset = page_frag_cur_offset[cpu] - size;
	/* The shape's "goto refill" once more, written out: a fresh page
	 * always has room, which the verifier cannot see through a loop. */
	if (offset < 0) {
		page = page_frag_refill(cpu);
		if (!page)
			return NULL;
		offset = PAGE_SIZE - 8 - size;
	}
	obj_cnt = page + PAGE_SIZE - 8;
	(*obj_cnt)++;
	page_frag_cur_offset[cpu] = offset;
	return page + offset;
}

static inline void bpf_free(void __arena *addr)
{
	__u64 __arena *obj_cnt;
	__u32 cpu = bpf_get_smp_processor_id() & (NR_CPUS - 1);

	addr = (void __arena *)(((long)addr) & ~(PAGE_SIZE - 1));
	obj_cnt = addr + PAGE_SIZE - 8;
	if (--(*obj_cnt) == 0) {
		if (page_frag_cur_page[cpu] == addr)
			page_frag_cur_page[cpu] = NULL;
		bpf_arena_free_pages(&arena, addr, 1);
	}
}

#endif /* __PAGEFRAG_BPF_ARENA_ALLOC_H */
