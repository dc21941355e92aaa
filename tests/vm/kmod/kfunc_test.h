/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the kfunc test's BPF programs and their loader: the arena's
 * place and size, and the syscall programs' argument.
 */
#ifndef KFUNC_TEST_H
#define KFUNC_TEST_H

/* A fixed, page-aligned user address, so loader and programs agree on it
 * without a round trip; it does not cross a 4 GiB boundary. */
#define TEST_ARENA_BASE		0x100000000000ULL
#define TEST_ARENA_PAGES	64
#define TEST_PAGE_SIZE		4096

enum test_op {
	OP_ALLOC,		/* bpf_arena_alloc_pages at pgoff, count pages */
	OP_FREE,		/* bpf_arena_free_pages */
	OP_BIND,		/* the module's kfuncs ... */
	OP_PAGE_PRESENT,
	OP_COUNT_PRESENT,
	OP_NEXT_PRESENT,
	OP_NEXT_ABSENT,
};

/* The ctx of the syscall program "op". */
struct test_req {
	__u32 op;
	__u32 pgoff;
	__u32 count;
	__u32 other_map;	/* ask about a map that is not an arena */
	__s64 ret;		/* out */
};

/* Arena slots the XDP and tc programs write, in page XDP_PGOFF. */
#define XDP_PGOFF		5
struct xdp_slots {
	__u64 xdp_runs;		/* bumped by the XDP program */
	__s64 tc_present;	/* arenad_kf_page_present(TC_PROBE_PGOFF) from tc */
	__s64 xdp_present;	/* the same from XDP */
};
#define TC_PROBE_PGOFF		20

#endif
