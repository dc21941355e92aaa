// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for one page allocation: bpf_arena_alloc_pages() and
 * bpf_arena_free_pages() on a private arena, each in its own sleepable
 * syscall program run with BPF_PROG_TEST_RUN, with no bookkeeping at all.
 * arenad's pinned allocator does the same two kfunc calls plus its ledger.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16);
	/* Away from arenad's default address: the bench runs beside a daemon. */
	__ulong(map_extra, 0x200000000000ULL);
} floor_arena SEC(".maps");

/* The page between the two runs; .bss, not the arena. */
void __arena *floor_page;

SEC("syscall")
int floor_alloc(void *ctx)
{
	floor_page = bpf_arena_alloc_pages(&floor_arena, NULL, 1, NUMA_NO_NODE, 0);
	return floor_page ? 0 : 1;
}

SEC("syscall")
int floor_free(void *ctx)
{
	bpf_arena_free_pages(&floor_arena, floor_page, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
