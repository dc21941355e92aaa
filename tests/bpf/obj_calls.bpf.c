// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_alloc()/bpf_free() driven from user space, one operation per run
 * (struct obj_call): single objects for the accounting tests, and the two
 * workloads make bench measures (pairs, and a mix of objects freed in a
 * random order). Built twice from this source, like obj_htab.bpf.c:
 * against arenad's bpf_arena_alloc.h and against the page-frag floor.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1U << 18);
	__ulong(map_extra, 2ull << 44);
} arena SEC(".maps");

#include "bpf_arena_alloc.h"
#include "obj_calls.h"

#ifdef __ARENAD_OBJECTS_BPF_H
#define ARENAD_FIGURES 1
#endif

#define MIX_MAX		(1U << 21)
#define PTRS_PAGES(n)	(((n) * 8 + 4095) / 4096)

/* A mix's state, for its bpf_loop callbacks. */
struct mix {
	__u64 ptrs;		/* arena address of n pointers */
	__u64 x;		/* xorshift64 state */
	__u64 bytes;
	__u64 failed;
	__u64 corrupt;
	__u32 n;
};

/* What each object of a mix holds in its first 8 bytes until its free:
 * a function of its address, so an overlapping object spoils it. */
#define MIX_TAG(p)	((__u64)(p) ^ 0x5bd1e9955bd1e995ULL)

static __always_inline __u64 xorshift(struct mix *m)
{
	__u64 x = m->x;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->x = x;
	return x;
}

static long mix_alloc_cb(__u64 i, void *data)
{
	struct mix *m = data;
	__u64 __arena *ptrs = (__u64 __arena *)m->ptrs;
	__u32 size = 8 + xorshift(m) % 505;
	void __arena *p = bpf_alloc(size);

	if (!p) {
		m->failed++;
	} else {
		m->bytes += size;
		*(volatile __u64 __arena *)p = MIX_TAG(p);
	}
	ptrs[i & (MIX_MAX - 1)] = (__u64)p;
	return 0;
}

static long mix_shuffle_cb(__u64 i, void *data)
{
	struct mix *m = data;
	__u64 __arena *ptrs = (__u64 __arena *)m->ptrs;
	__u32 j = i + xorshift(m) % (m->n - i);
	__u64 t;

	t = ptrs[i & (MIX_MAX - 1)];
	ptrs[i & (MIX_MAX - 1)] = ptrs[j & (MIX_MAX - 1)];
	ptrs[j & (MIX_MAX - 1)] = t;
	return 0;
}

static long mix_free_cb(__u64 i, void *data)
{
	struct mix *m = data;
	__u64 __arena *ptrs = (__u64 __arena *)m->ptrs;
	__u64 p = ptrs[i & (MIX_MAX - 1)];

	if (!p)
		return 0;
	if (*(volatile __u64 __arena *)p != MIX_TAG(p))
		m->corrupt++;
	bpf_free((void __arena *)p);
	return 0;
}

/* A run's arguments, on the stack: bpf_loop() hands its callbacks
 * stack memory only. */
struct args {
	__u64 addr;
	__u32 size;
	__s32 ret;
	__u8 byte;
};

static long pairs_cb(__u64 i, void *data)
{
	struct args *a = data;
	void __arena *p = bpf_alloc(a->size);

	if (!p) {
		a->ret = -12;
		return 1;
	}
	bpf_free(p);
	return 0;
}

#ifdef ARENAD_FIGURES
static __always_inline void figures(__u64 *bytes, __u64 *objects, __u64 *pages)
{
	struct arenad_obj_owner *ob = arenad__obj_owner(arenad_owner_id);

	if (ob) {
		*bytes = ob->bytes;
		*objects = ob->objects;
		*pages = ob->pages;
	}
}
#endif

/* The pointers live in whole pages of the arena, taken beside the
 * allocator under test: arenad's accounted pages, or the kernel's. A
 * subprogram: its request stays off obj_call()'s stack frame, which the
 * allocations' call chain adds to. */
static __attribute__((noinline)) __u64 pages_get(__u32 n)
{
#ifdef ARENAD_FIGURES
	return (__u64)arenad_alloc_pages(n);
#else
	return (__u64)bpf_arena_alloc_pages(&arena, NULL, n, NUMA_NO_NODE, 0);
#endif
}

static __attribute__((noinline)) void pages_put(void __arena *p, __u32 n)
{
#ifdef ARENAD_FIGURES
	arenad_free_pages(p);
#else
	bpf_arena_free_pages(&arena, p, n);
#endif
}

static __always_inline int mix(struct obj_call *c)
{
	struct mix m = { .x = c->seed ?: 88172645463325252ULL, .n = c->n };
	void __arena *ptrs;

	if (!c->n || c->n > MIX_MAX)
		return -22;
	m.ptrs = pages_get(PTRS_PAGES(c->n));
	if (!m.ptrs)
		return -12;
	ptrs = (void __arena *)m.ptrs;
	bpf_loop(c->n, mix_alloc_cb, &m, 0);
#ifdef ARENAD_FIGURES
	figures(&c->peak_bytes, &c->peak_objects, &c->peak_pages);
#endif
	bpf_loop(c->n, mix_shuffle_cb, &m, 0);
	bpf_loop(c->n, mix_free_cb, &m, 0);
#ifdef ARENAD_FIGURES
	figures(&c->after_bytes, &c->after_objects, &c->after_pages);
#endif
	pages_put(ptrs, PTRS_PAGES(c->n));
	c->bytes = m.bytes;
	c->failed = m.failed;
	c->corrupt = m.corrupt;
	return 0;
}

static long write_cb(__u64 i, void *data)
{
	struct args *a = data;

	*(volatile char __arena *)(a->addr + i) = (char)a->byte;
	return 0;
}

SEC("syscall")
int obj_call(struct obj_call *c)
{
	struct args a = { .addr = c->addr, .size = c->size, .byte = c->seed };
	void __arena *p;

	switch (c->op) {
	case OBJ_MALLOC:
		p = bpf_alloc(a.size);
		c->addr = (__u64)p;
		a.ret = p ? 0 : -12;
		break;
	case OBJ_FREE:
		bpf_free((void __arena *)a.addr);
		break;
	case OBJ_PAIRS:
		bpf_loop(c->n, pairs_cb, &a, 0);
		break;
	case OBJ_MIX:
		a.ret = mix(c);
		break;
	case OBJ_WRITE:
		bpf_loop(a.size, write_cb, &a, 0);
		break;
	default:
		a.ret = -22;
	}
	c->ret = a.ret;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
