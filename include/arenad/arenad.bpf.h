/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Arena helpers for BPF programs that use an arenad-owned arena: the
 * address-space qualifier, the arena map definition compatible with reuse of
 * the daemon's pin, and the page kfuncs.
 *
 * Works in either header style, included after the style's own headers:
 *  - vmlinux.h (with or without BPF_NO_KFUNC_PROTOTYPES) + bpf_helpers.h;
 *  - linux/bpf.h + bpf/bpf_helpers.h, as the tutorial's programs do (the
 *    uapi headers may predate arenas: nothing here needs their arena enums).
 * Programs also include the kernel selftests' bpf_arena_common.h (before
 * or after this file) or sched_ext's arena headers: every definition below
 * that those headers also make is guarded, and theirs are token for token
 * the same, so either order compiles without redefinition warnings.
 *
 * Works in either build pipeline: clang -target bpf, or clang for the host
 * target with -emit-llvm and then llc -march=bpf (the tutorial's, usually
 * with -D__KERNEL__ -D__BPF__), whose first pass has to define
 * __BPF_FEATURE_ADDR_SPACE_CAST itself.
 */
#ifndef __ARENAD_BPF_H
#define __ARENAD_BPF_H

#if !defined(__VMLINUX_H__) && !defined(_UAPI__LINUX_BPF_H__)
#include <linux/bpf.h>
#endif
#ifndef __BPF_HELPERS__
#include <bpf/bpf_helpers.h>
#endif

#include "arenad_abi.h"

#if !defined(__BPF_FEATURE_ADDR_SPACE_CAST) && defined(__bpf__)
#error "arenas need clang >= 18 with address_space(1) casts (use clang-19)"
#elif !defined(__BPF_FEATURE_ADDR_SPACE_CAST)
/* clang defines it for the BPF target only */
#error "for llc -march=bpf, define __BPF_FEATURE_ADDR_SPACE_CAST (llc >= 18)"
#endif

/* The same tokens as bpf_arena_common.h's, so that its unguarded
 * definitions, if included after this file, are not redefinitions. */
#ifndef __arena
#define __arena __attribute__((address_space(1)))
#endif
#ifndef __arena_global
#define __arena_global __attribute__((address_space(1)))
#endif
#ifndef cast_kern
#define cast_kern(ptr) /* nop for bpf prog. emitted by LLVM */
#endif
#ifndef cast_user
#define cast_user(ptr) /* nop for bpf prog. emitted by LLVM */
#endif

/*
 * Bind a program to the arena without a kernel module. The verifier
 * associates a program with an arena when the program contains a 64-bit
 * immediate load of the arena map (otherwise it rejects __arena accesses
 * with "addr_space_cast insn can only be used in a program that has an
 * associated arena"). Calling an arena kfunc produces that load, but
 * non-sleepable programs (XDP, tc) may not call them on 6.18. An empty asm
 * that takes &map as an input produces one the compiler cannot drop.
 * Use it once at the top of the program.
 */
#define ARENAD_BIND(map)						\
	do {								\
		if (bpf_ksym_exists(arenad_kf_bind))			\
			arenad_kf_bind(&(map));				\
		else							\
			asm volatile("" : : "r"(&(map)));		\
	} while (0)

/*
 * With kmod/arenad_kfuncs.ko loaded, ARENAD_BIND() binds through the
 * module's kfunc instead; its declarations are weak (arenad_kfuncs.h), so
 * objects load on kernels without the module, where bpf_ksym_exists() is
 * false and the verifier drops the call.
 */
#include "arenad_kfuncs.h"

/* An arena pointer from an address (e.g. one arenad handed out). */
#define arenad_ptr(type, addr) ((type __arena *)(unsigned long)(addr))

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

/*
 * The arena map definition. Size and user address are placeholders: the
 * owner (arenad) sets them before it loads, and an external loader reuses
 * the pinned map with bpf_map__reuse_fd, which takes the pinned map's
 * parameters, so any value here is compatible.
 *
 * The flags are not placeholders: libarenad's arenad_reuse() refuses an
 * object whose BPF_F_SEGV_ON_FAULT setting differs from the pinned arena's,
 * because user space of that loader behaves differently on an unallocated
 * page (allocate vs. SIGSEGV). For a daemon run with --segv-on-fault use
 * ARENAD_ARENA_MAP_FLAGS(arena, BPF_F_SEGV_ON_FAULT).
 *
 * __weak, like the ledger's maps: objects that each declare the arena
 * link into one object with one arena (bpftool gen object).
 */
#define ARENAD_ARENA_MAP_FLAGS(name, flags)				\
	struct {							\
		__uint(type, ARENAD_MAP_TYPE_ARENA);			\
		__uint(map_flags, BPF_F_MMAPABLE | (flags));		\
		__uint(max_entries, 1);					\
		__ulong(map_extra, ARENAD_DEFAULT_USER_ADDR);		\
	} name __weak SEC(".maps")

#define ARENAD_ARENA_MAP(name) ARENAD_ARENA_MAP_FLAGS(name, 0)

/*
 * The arena kfuncs under the names programs call them by. vmlinux.h
 * declares them itself unless BPF_NO_KFUNC_PROTOTYPES is defined, with
 * btf_type_tag("address_space(1)") instead of address_space(1), which
 * conflicts with a declaration like this one: leave them to it then.
 * bpf_arena_common.h and sched_ext's headers declare the same types as
 * here, and C allows compatible redeclarations.
 */
#if !defined(__VMLINUX_H__) || defined(BPF_NO_KFUNC_PROTOTYPES)
void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
#endif

/*
 * The same kfuncs for arenad's own headers (arenad_ledger.bpf.h), typed
 * with address_space(1) in every header style. libbpf resolves a ksym
 * named name___flavor to the kernel's "name", so these never collide
 * with whatever declaration of the plain names the program has.
 */
void __arena *bpf_arena_alloc_pages___arenad(void *map, void __arena *addr, __u32 page_cnt,
					     int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages___arenad(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

/* vmlinux.h carries no errno macros; linux/errno.h has the same values. */
#ifndef EPERM
#define EPERM	1
#endif
#ifndef ENOENT
#define ENOENT	2
#endif
#ifndef E2BIG
#define E2BIG	7
#endif
#ifndef ENOMEM
#define ENOMEM	12
#endif
#ifndef EFAULT
#define EFAULT	14
#endif
#ifndef EBUSY
#define EBUSY	16
#endif
#ifndef EEXIST
#define EEXIST	17
#endif
#ifndef ENODEV
#define ENODEV	19
#endif
#ifndef EINVAL
#define EINVAL	22
#endif
#ifndef ENOSPC
#define ENOSPC	28
#endif
#ifndef ELOOP
#define ELOOP	40
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP	95
#endif
#ifndef EAGAIN
#define EAGAIN	11
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif
#ifndef ESTALE
#define ESTALE	116
#endif
#ifndef EDQUOT
#define EDQUOT	122	/* over an owner's or uid's page limit */
#endif

#endif /* __ARENAD_BPF_H */
