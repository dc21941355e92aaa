/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The kfuncs of kmod/arenad_kfuncs.ko, declared once for both sides (the
 * pattern of the kernel's selftests/bpf/bpf_testmod/bpf_testmod_kfunc.h):
 *
 *  - BPF programs include it (arenad.bpf.h does, after vmlinux.h) and get
 *    __ksym declarations, __weak so that one object loads with and without
 *    the module: test bpf_ksym_exists() before a call. A program that must
 *    not load without the module defines ARENAD_KFUNCS_REQUIRED first.
 *  - The module includes it (built by Kbuild) and gets plain prototypes,
 *    so the compiler checks every definition against the declaration BPF
 *    programs are built with.
 *  - User space gets only the constants.
 *
 * kmod/README.md documents each kfunc. "map" is the arena map (&arena in
 * BPF C); page offsets count pages from the arena's start.
 */
#ifndef __ARENAD_KFUNCS_H
#define __ARENAD_KFUNCS_H

/*
 * Which side this is. BPF programs are compiled either for the BPF target
 * (__bpf__) or, as the tutorial and the kernel's older samples do, for the
 * host target with -emit-llvm and then llc -march=bpf. That first pass
 * knows it builds BPF when it comes through arenad.bpf.h (which only BPF
 * programs include) or from its -D__BPF__ and/or -D__KERNEL__, so
 * __KERNEL__ alone does not mean the kernel. Kbuild compiles every object
 * of a module with MODULE and KBUILD_MODNAME, which no BPF pipeline
 * defines (samples/bpf programs define KBUILD_MODNAME themselves, never
 * MODULE).
 */
#if defined(__bpf__) || defined(__ARENAD_BPF_H)
#define __ARENAD_KFUNCS_BPF
#elif defined(__KERNEL__) && defined(MODULE) && defined(KBUILD_MODNAME)
#define __arenad_kfunc
#elif defined(__BPF__) || defined(__KERNEL__)
#define __ARENAD_KFUNCS_BPF
#endif

#if defined(__ARENAD_KFUNCS_BPF) && defined(ARENAD_KFUNCS_REQUIRED)
#define __arenad_kfunc __ksym
#elif defined(__ARENAD_KFUNCS_BPF)
#define __arenad_kfunc __ksym __weak
#endif

/*
 * The arena's kernel VM area starts with half of its guard: page pgoff of
 * an arena at user address U is at kern_vm->addr + ARENAD_KERN_VM_GUARD +
 * (u32)(U + pgoff * page size) (kernel/bpf/arena.c, 6.9..6.18: a 64 KiB
 * guard, GUARD_SZ). The module's presence kfuncs and the BPF census's
 * probes both rely on it.
 */
#define ARENAD_KERN_VM_GUARD	(32 * 1024)

#ifdef __arenad_kfunc
/* 0 if map is an arena, else -EINVAL; taking map binds the calling
 * program to the arena in the verifier. Any program type. */
extern int arenad_kf_bind(void *p__map) __arenad_kfunc;

/* 1 present, 0 absent. Any program type. */
extern int arenad_kf_page_present(void *p__map, __u32 pgoff) __arenad_kfunc;

/* The number of present pages in [pgoff, pgoff + count). Sleepable. */
extern int arenad_kf_count_present(void *p__map, __u32 pgoff, __u32 count) __arenad_kfunc;

/* The first page in [pgoff, pgoff + count) that is present (absent), or
 * -ENOENT. Sleepable. */
extern int arenad_kf_next_present(void *p__map, __u32 pgoff, __u32 count) __arenad_kfunc;
extern int arenad_kf_next_absent(void *p__map, __u32 pgoff, __u32 count) __arenad_kfunc;

#endif

#endif /* __ARENAD_KFUNCS_H */
