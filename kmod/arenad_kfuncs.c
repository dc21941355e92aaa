// SPDX-License-Identifier: GPL-2.0
/*
 * arenad_kfuncs: kfuncs for BPF arenas, for kernels that take modules.
 * Their declarations are in include/arenad/arenad_kfuncs.h, which BPF
 * programs include too: including it here makes the compiler check that
 * every definition matches. kmod/README.md documents every kfunc; in short
 * ("map" is the arena map, &arena in BPF C; page offsets count pages from
 * the arena's start):
 *
 *   int arenad_kf_bind(map)                            syscall, XDP, tc, ...
 *	0. Does nothing but take the map, which associates the calling
 *	program with the arena in the verifier. -EINVAL: not an arena.
 *   int arenad_kf_page_present(map, pgoff)             syscall, XDP, tc, ...
 *	1 present, 0 absent.
 *   int arenad_kf_count_present(map, pgoff, count)     sleepable only
 *	The number of present pages in [pgoff, pgoff + count).
 *   int arenad_kf_next_present(map, pgoff, count)      sleepable only
 *   int arenad_kf_next_absent(map, pgoff, count)       sleepable only
 *	The first page offset in [pgoff, pgoff + count) that is present
 *	(absent), or -ENOENT.
 *
 * Errors: -EINVAL the map is not an arena; -ERANGE pgoff is not a page of
 * the arena or the range runs past its end; -EOPNOTSUPP the arena's
 * layout could not be verified (below) or it has no user address yet.
 *
 * Presence is vmalloc_to_page() on the page's kernel address: NULL when
 * no page is mapped there, which is the arena's own notion of an allocated
 * page, and reading page tables has no side effect. The kernel address is
 * kern_vm_start + (u32)user_address, where kern_vm_start is the arena's
 * kernel VM area plus half its guard. That area is in struct bpf_arena,
 * which is private to kernel/bpf/arena.c, and bpf_arena_get_kern_vm_start()
 * is not exported to modules, so the module mirrors the struct's leading
 * fields (unchanged from 6.9 through 6.18) and checks what it reads against
 * the map before trusting it.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "arenad_kfuncs.h"

/* The leading fields of struct bpf_arena (kernel/bpf/arena.c), 6.9..6.18. */
struct arena_head {
	struct bpf_map map;
	u64 user_vm_start;
	u64 user_vm_end;
	struct vm_struct *kern_vm;
};

/* kernel/bpf/arena.c: a 4 GiB kernel area plus its guard, half of the
 * guard before kern_vm_start (arenad_kfuncs.h). */
#define ARENA_KERN_VM_SZ	(SZ_4G + 2 * ARENAD_KERN_VM_GUARD)

/* Where to look for the pages of one arena. */
struct arena_view {
	unsigned long kern_vm_start;
	u64 user_vm_start;
};

/*
 * Check the map and the range [pgoff, pgoff + count) and fill in v.
 * Nothing past struct bpf_map is read before the map type says arena.
 */
static int arena_view(struct bpf_map *map, u32 pgoff, u32 count, struct arena_view *v)
{
	struct arena_head *a;
	struct vm_struct *vm;
	u64 ustart, uend;

	if (map->map_type != BPF_MAP_TYPE_ARENA)
		return -EINVAL;
	if (pgoff >= map->max_entries || count > map->max_entries - pgoff)
		return -ERANGE;

	a = container_of(map, struct arena_head, map);
	/* user_vm_start is set once, when the arena gets its user address
	 * (map_extra at creation, or the first mmap). */
	ustart = READ_ONCE(a->user_vm_start);
	uend = READ_ONCE(a->user_vm_end);
	vm = a->kern_vm;
	if (!ustart || !PAGE_ALIGNED(ustart) ||
	    uend - ustart != (u64)map->max_entries << PAGE_SHIFT ||
	    !vm || !is_vmalloc_addr(vm->addr) || vm->size < ARENA_KERN_VM_SZ)
		return -EOPNOTSUPP;

	v->kern_vm_start = (unsigned long)vm->addr + ARENAD_KERN_VM_GUARD;
	v->user_vm_start = ustart;
	return 0;
}

static bool page_present(const struct arena_view *v, u32 pgoff)
{
	/* kernel/bpf/arena.c maps a page at kern_vm_start + the low 32 bits
	 * of its user address: the arena may straddle a 4 GiB boundary of
	 * the user address space and then wraps around in the kernel area. */
	u32 off = (u32)(v->user_vm_start + ((u64)pgoff << PAGE_SHIFT));

	return vmalloc_to_page((void *)(v->kern_vm_start + off)) != NULL;
}

/* The first page in [pgoff, pgoff + count) whose presence is want, or -ENOENT. */
static int find_page(struct bpf_map *map, u32 pgoff, u32 count, bool want)
{
	struct arena_view v;
	u32 i;
	int r;

	r = arena_view(map, pgoff, count, &v);
	if (r)
		return r;
	for (i = 0; i < count; i++) {
		if (page_present(&v, pgoff + i) == want)
			return pgoff + i;	/* < 2^20: a 4 GiB arena at most */
		if ((i & 1023) == 1023)
			cond_resched();
	}
	return -ENOENT;
}

__bpf_kfunc_start_defs();

/*
 * The __map suffix makes the verifier accept a map pointer (&arena) for
 * these arguments, as for bpf_arena_alloc_pages(); the load of that
 * pointer is what associates the program with the arena.
 */
__bpf_kfunc int arenad_kf_bind(void *p__map)
{
	struct bpf_map *map = p__map;

	return map->map_type == BPF_MAP_TYPE_ARENA ? 0 : -EINVAL;
}

__bpf_kfunc int arenad_kf_page_present(void *p__map, u32 pgoff)
{
	struct arena_view v;
	int r;

	r = arena_view(p__map, pgoff, 1, &v);
	return r ? r : page_present(&v, pgoff);
}

__bpf_kfunc int arenad_kf_count_present(void *p__map, u32 pgoff, u32 count)
{
	struct arena_view v;
	u32 i, n = 0;
	int r;

	r = arena_view(p__map, pgoff, count, &v);
	if (r)
		return r;
	for (i = 0; i < count; i++) {
		n += page_present(&v, pgoff + i);
		/* A whole arena is a million pages: let others run. */
		if ((i & 1023) == 1023)
			cond_resched();
	}
	return n;
}

__bpf_kfunc int arenad_kf_next_present(void *p__map, u32 pgoff, u32 count)
{
	return find_page(p__map, pgoff, count, true);
}

__bpf_kfunc int arenad_kf_next_absent(void *p__map, u32 pgoff, u32 count)
{
	return find_page(p__map, pgoff, count, false);
}

__bpf_kfunc_end_defs();

/* The walks call cond_resched(): KF_SLEEPABLE keeps them out of programs
 * that run in atomic context (XDP, tc). */
BTF_KFUNCS_START(arenad_kfunc_ids)
BTF_ID_FLAGS(func, arenad_kf_bind)
BTF_ID_FLAGS(func, arenad_kf_page_present)
BTF_ID_FLAGS(func, arenad_kf_count_present, KF_SLEEPABLE)
BTF_ID_FLAGS(func, arenad_kf_next_present, KF_SLEEPABLE)
BTF_ID_FLAGS(func, arenad_kf_next_absent, KF_SLEEPABLE)
BTF_KFUNCS_END(arenad_kfunc_ids)

static const struct btf_kfunc_id_set arenad_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &arenad_kfunc_ids,
};

static const enum bpf_prog_type arenad_prog_types[] = {
	BPF_PROG_TYPE_SYSCALL,		/* arenad's own programs, the census */
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_SCHED_CLS,	/* tc */
	BPF_PROG_TYPE_SCHED_ACT,
	BPF_PROG_TYPE_TRACING,		/* fentry/fexit, tp_btf, iterators */
	BPF_PROG_TYPE_STRUCT_OPS,	/* sched_ext and friends use arenas */
};

static int __init arenad_kfuncs_init(void)
{
	int i, r;

	for (i = 0; i < ARRAY_SIZE(arenad_prog_types); i++) {
		r = register_btf_kfunc_id_set(arenad_prog_types[i], &arenad_kfunc_set);
		if (r) {
			/* Nothing to undo: the sets go with the module's BTF. */
			pr_err("arenad_kfuncs: registering for program type %d: %d\n",
			       arenad_prog_types[i], r);
			return r;
		}
	}
	return 0;
}

static void __exit arenad_kfuncs_exit(void)
{
	/* Loaded programs that call a kfunc hold a reference on the module,
	 * so this runs only once none is left. */
}

module_init(arenad_kfuncs_init);
module_exit(arenad_kfuncs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfuncs for BPF arenas: bind a program to an arena, report present pages");
MODULE_AUTHOR("arenad developers");
