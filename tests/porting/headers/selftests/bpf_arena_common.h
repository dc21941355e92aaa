/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test stand-in for the kernel selftests' bpf_arena_common.h, which the
 * tutorial and many arena programs carry a copy of: only the definitions
 * that arenad.bpf.h also makes, in the same form as there (unguarded
 * __arena, __arena_global and casts, a guarded NUMA_NO_NODE, the arena
 * kfuncs declared with address_space(1)). 76-bpf-header-styles.t compiles
 * against the real file instead when ARENAD_TEST_ARENA_HEADERS names a
 * directory holding it.
 */
#pragma once

#ifndef NUMA_NO_NODE
#define	NUMA_NO_NODE	(-1)
#endif

#ifdef __BPF__
#if defined(__BPF_FEATURE_ADDR_SPACE_CAST) && !defined(BPF_ARENA_FORCE_ASM)
#define __arena __attribute__((address_space(1)))
#define __arena_global __attribute__((address_space(1)))
#define cast_kern(ptr) /* nop for bpf prog. emitted by LLVM */
#define cast_user(ptr) /* nop for bpf prog. emitted by LLVM */
#endif

void __arena* bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
#endif
