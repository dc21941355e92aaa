// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A program of the kernel selftests' arena_htab shape: it declares its own
 * arena, includes a hash table that allocates with bpf_alloc()/bpf_free()
 * (obj_htab.h, which includes "bpf_arena_alloc.h"), and leaves the table's
 * address in a global for user space. Built twice from this one source:
 * against arenad's bpf_arena_alloc.h (loaded on arenad's arena with
 * arenad_reuse()), and against the page-frag floor's (its own arena):
 * only the include path differs.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_arena_common.h"

#ifndef E2BIG
#define E2BIG	7
#define ENOENT	2
#define ENOMEM	12
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1024);
	__ulong(map_extra, 3ull << 44);
} arena SEC(".maps");

#include "obj_htab.h"

/* The table, for user space: an arena pointer in an ordinary global. */
void __arena *htab_for_user;

/* The run's arguments and result (BPF_PROG_TEST_RUN's context). */
struct htab_args {
	__s32 first;	/* keys first .. first + count - 1 */
	__s32 count;
	__s32 len;	/* payload bytes: key % len + 1 when len > 0 */
	__s32 ret;	/* out: 0, or the first error */
};

SEC("syscall")
int htab_update(struct htab_args *a)
{
	htab_t *htab = htab_for_user;
	int i, r = 0;

	if (!htab) {
		htab = htab_create();
		if (!htab) {
			a->ret = -ENOMEM;
			return 0;
		}
		htab_for_user = htab;
	}
	bpf_for(i, 0, a->count) {
		int key = a->first + i;

		r = htab_update_elem(htab, key, key * 3, a->len > 0 ? (__u32)key % (__u32)a->len + 1 : 0);
		if (r)
			break;
	}
	a->ret = r;
	return 0;
}

SEC("syscall")
int htab_delete(struct htab_args *a)
{
	htab_t *htab = htab_for_user;
	int i, r = 0;

	if (!htab) {
		a->ret = -ENOENT;
		return 0;
	}
	bpf_for(i, 0, a->count) {
		r = htab_delete_elem(htab, a->first + i);
		if (r)
			break;
	}
	a->ret = r;
	return 0;
}

/* Free the (empty) table itself. */
SEC("syscall")
int htab_destroy(struct htab_args *a)
{
	htab_t *htab = htab_for_user;

	if (!htab || htab->n_elems) {
		a->ret = htab ? -E2BIG : -ENOENT;
		return 0;
	}
	bpf_free(htab->buckets);
	bpf_free(htab);
	htab_for_user = NULL;
	a->ret = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
