// SPDX-License-Identifier: GPL-2.0
/*
 * arenad_kfuncs: kernel-side help for arenad's BPF arena, where modules
 * can be loaded.
 *
 *   int arenad_kf_bind(void *map)                         any program type
 *	Does nothing but take the arena map, so that a program calling it
 *	is associated with that arena by the verifier (the seed's module
 *	approach; arenad.bpf.h's ARENAD_BIND() does the same without one).
 *	0, or -EINVAL when map is not an arena.
 *
 *   int arenad_kf_page_present(void *map, u32 pgoff)      any program type
 *	1 when page pgoff of the arena is backed by a page, 0 when not;
 *	-EINVAL for a map that is not an arena, -ERANGE for pgoff outside
 *	it, -EOPNOTSUPP when the arena's layout could not be verified.
 *
 *   int arenad_kf_count_present(void *map, u32 pgoff, u32 count)  sleepable
 *	The number of present pages in [pgoff, pgoff + count); errors as
 *	above. Reschedules while it walks, hence sleepable only.
 *
 * Presence is answered by vmalloc_to_page() on the page's kernel address,
 * the same test the arena's own fault handler uses. The kernel address
 * needs the arena's kernel VM area, which struct bpf_arena (private to
 * kernel/bpf/arena.c) keeps right after the user range; no exported API
 * returns it, so every call checks that the fields read are consistent
 * with the map (map type, size, user range) and with a vmalloc area of
 * the arena's size before using them.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

/* The leading fields of struct bpf_arena, 6.9 through 6.18. */
struct arena_head {
	struct bpf_map map;
	u64 user_vm_start;
	u64 user_vm_end;
	struct vm_struct *kern_vm;
};

#define ARENA_KERN_VM_SZ	(SZ_4G + SZ_64K)	/* 4 GiB + the 64 KiB guard */
#define ARENA_GUARD_HALF	(SZ_64K / 2)

/* The arena's kernel address of page 0's slot, or an error. */
static long arena_kbase(struct bpf_map *map, u64 *kbase, u64 *ubase)
{
	struct arena_head *a = container_of(map, struct arena_head, map);
	struct vm_struct *vm;

	if (map->map_type != BPF_MAP_TYPE_ARENA)
		return -EINVAL;
	vm = READ_ONCE(a->kern_vm);
	if (!a->user_vm_start || !PAGE_ALIGNED(a->user_vm_start) ||
	    a->user_vm_end - a->user_vm_start != (u64)map->max_entries << PAGE_SHIFT ||
	    !vm || !is_vmalloc_addr(vm->addr) || vm->size < ARENA_KERN_VM_SZ)
		return -EOPNOTSUPP;
	*kbase = (u64)(unsigned long)vm->addr + ARENA_GUARD_HALF;
	*ubase = a->user_vm_start;
	return 0;
}

static bool present(u64 kbase, u64 ubase, u32 pgoff)
{
	/* The kernel maps a page at kern_vm_start + the low 32 bits of its
	 * user address (kernel/bpf/arena.c). */
	u32 off = (u32)(ubase + ((u64)pgoff << PAGE_SHIFT));

	return vmalloc_to_page((void *)(unsigned long)(kbase + off)) != NULL;
}

static long check_range(struct bpf_map *map, u32 pgoff, u32 count)
{
	if (pgoff >= map->max_entries || count > map->max_entries - pgoff)
		return -ERANGE;
	return 0;
}

__bpf_kfunc_start_defs();

__bpf_kfunc int arenad_kf_bind(void *p__map)
{
	struct bpf_map *map = p__map;

	return map->map_type == BPF_MAP_TYPE_ARENA ? 0 : -EINVAL;
}

__bpf_kfunc int arenad_kf_page_present(void *p__map, u32 pgoff)
{
	struct bpf_map *map = p__map;
	u64 kbase, ubase;
	long r;

	r = arena_kbase(map, &kbase, &ubase);
	if (!r)
		r = check_range(map, pgoff, 1);
	return r ? r : present(kbase, ubase, pgoff);
}

__bpf_kfunc int arenad_kf_count_present(void *p__map, u32 pgoff, u32 count)
{
	struct bpf_map *map = p__map;
	u64 kbase, ubase;
	u32 i, n = 0;
	long r;

	r = arena_kbase(map, &kbase, &ubase);
	if (!r)
		r = check_range(map, pgoff, count);
	if (r)
		return r;
	for (i = 0; i < count; i++) {
		n += present(kbase, ubase, pgoff + i);
		if ((i & 1023) == 1023)
			cond_resched();
	}
	return n;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(arenad_kfunc_ids)
BTF_ID_FLAGS(func, arenad_kf_bind)
BTF_ID_FLAGS(func, arenad_kf_page_present)
BTF_ID_FLAGS(func, arenad_kf_count_present, KF_SLEEPABLE)
BTF_KFUNCS_END(arenad_kfunc_ids)

static const struct btf_kfunc_id_set arenad_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &arenad_kfunc_ids,
};

static int __init arenad_kfuncs_init(void)
{
	static const enum bpf_prog_type types[] = {
		BPF_PROG_TYPE_SYSCALL, BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_TRACING,
		BPF_PROG_TYPE_STRUCT_OPS,
	};
	int i, r;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		r = register_btf_kfunc_id_set(types[i], &arenad_kfunc_set);
		if (r) {
			pr_err("arenad_kfuncs: register for program type %d: %d\n", types[i], r);
			return r;
		}
	}
	return 0;
}

static void __exit arenad_kfuncs_exit(void)
{
	/* kfunc sets are dropped with the module's BTF; programs using the
	 * kfuncs hold a reference on the module, so this runs only when none
	 * is loaded. */
}

module_init(arenad_kfuncs_init);
module_exit(arenad_kfuncs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfuncs for BPF arenas owned by arenad: bind and page presence");
MODULE_AUTHOR("arenad developers");
