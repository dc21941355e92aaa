/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test stand-in for sched_ext's bpf_arena_common.bpf.h (included after
 * vmlinux.h with BPF_NO_KFUNC_PROTOTYPES, as sched_ext's common.bpf.h
 * does): only the definitions that arenad.bpf.h also makes, in the same
 * form as there (a guarded __arena, unguarded __arena_global and casts,
 * three kfuncs). 76-bpf-header-styles.t compiles against the real file
 * instead when ARENAD_TEST_ARENA_HEADERS names a directory holding it.
 */
#pragma once

#ifndef PAGE_SIZE
#define PAGE_SIZE __PAGE_SIZE
#endif

#ifndef __arena
#define __arena __attribute__((address_space(1)))
#endif
#define __arena_global __attribute__((address_space(1)))
#define cast_kern(ptr) /* nop for bpf prog. emitted by LLVM */
#define cast_user(ptr) /* nop for bpf prog. emitted by LLVM */

void __arena* bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
