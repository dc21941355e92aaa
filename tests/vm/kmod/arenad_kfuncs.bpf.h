/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF-side declarations of arenad_kfuncs.ko's kfuncs (kmod/README.md).
 * Include after vmlinux.h, which must be generated for the target kernel
 * and included with BPF_NO_KFUNC_PROTOTYPES defined: its own arena kfunc
 * prototypes carry btf_type_tag attributes that conflict with the
 * address_space(1) ones below.
 */
#ifndef ARENAD_KFUNCS_BPF_H
#define ARENAD_KFUNCS_BPF_H

#ifndef __BPF_FEATURE_ADDR_SPACE_CAST
#error "arenas need clang >= 18 with address_space(1) casts (use clang-19)"
#endif
#define __arena __attribute__((address_space(1)))

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

/* The kernel's arena kfuncs (sleepable programs only on 6.12). */
extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
					    int node_id, __u64 flags) __ksym __weak;
extern void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

/* The module's: map is the arena map (&arena). Not weak: the test's
 * programs must fail to load when the module is missing. */
extern int arenad_kf_bind(void *map) __ksym;
extern int arenad_kf_page_present(void *map, __u32 pgoff) __ksym;
extern int arenad_kf_count_present(void *map, __u32 pgoff, __u32 count) __ksym;
extern int arenad_kf_next_present(void *map, __u32 pgoff, __u32 count) __ksym;
extern int arenad_kf_next_absent(void *map, __u32 pgoff, __u32 count) __ksym;

#endif
