/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A drop-in for the kernel selftests' bpf_arena_alloc.h: bpf_alloc(size)
 * and bpf_free(ptr), with the same names and signatures, on arenad's
 * object allocator (arenad_objects.bpf.h). A program written for that
 * header (its arena map called "arena", declared before the include)
 * builds against this one instead and runs on arenad's arena, loaded
 * through libarenad's arenad_reuse(): no __arena globals, every object
 * counted under the object's owner, pages given back with their last
 * object. The selftests' allocator returns NULL for sizes from a page less
 * 8 bytes up; this one allocates them too (whole pages above a page).
 *
 * Include-order tolerant with bpf_arena_common.h, like arenad.bpf.h. In
 * user space, where headers of this shape are included for their types
 * (a loader that reads a structure the program built), both calls are
 * stubs that do nothing, as the selftests' are.
 */
#ifndef __ARENAD_BPF_ARENA_ALLOC_H
#define __ARENAD_BPF_ARENA_ALLOC_H

#ifndef __round_mask
#define __round_mask(x, y) ((__typeof__(x))((y)-1))
#endif
#ifndef round_up
#define round_up(x, y) ((((x)-1) | __round_mask(x, y))+1)
#endif

/* A BPF program: the BPF target, the first pass of clang -emit-llvm | llc
 * (which defines __BPF_FEATURE_ADDR_SPACE_CAST by hand, and often only
 * __KERNEL__ besides), or arenad.bpf.h included already. */
#if defined(__BPF__) || defined(__bpf__) || defined(__BPF_FEATURE_ADDR_SPACE_CAST) || \
	defined(__ARENAD_BPF_H)
#include "arenad.bpf.h"
#include "arenad_objects.bpf.h"

static inline void __arena *bpf_alloc(unsigned int size)
{
	return arenad_malloc(size);
}

static inline void bpf_free(void __arena *addr)
{
	arenad_free(addr);
}
#else
#ifndef __arena
#define __arena
#endif
#ifndef cast_kern
#define cast_kern(ptr)
#endif
#ifndef cast_user
#define cast_user(ptr)
#endif

static inline void __arena *bpf_alloc(unsigned int size)
{
	(void)size;
	return (void __arena *)0;
}

static inline void bpf_free(void __arena *addr)
{
	(void)addr;
}
#endif

#endif /* __ARENAD_BPF_ARENA_ALLOC_H */
