// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tutorial's second use case, ported: a program that uses mogu's page
 * without allocating. It calls no arena kfunc, so ARENAD_BIND ties it to
 * the arena (the tutorial loads a kernel module for that).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf_arena_common.h"
#include "arenad.bpf.h"

#include "shared_struct.h"

/* the loader makes this arenad's arena (arenad_reuse) */
ARENAD_ARENA_MAP(arena_map);

/* the loader hands over mogu's pointer */
__arena void *mem = NULL;

SEC("syscall")
int aloe_main(void *_)
{
	ARENAD_BIND(arena_map);

	if (mem == NULL)
		return 1;
	__arena entry_t *e = mem;
	e->counter += 100;
	return 0;
}

char _license[] SEC("license") = "GPL";
