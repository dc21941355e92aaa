// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tutorial's allocation pattern left as it is: a page from the plain
 * kfunc, its pointer kept only in .bss. On arenad's arena every new load
 * takes one more page that no ledger knows: census reports it as
 * unaccounted (77-porting-tutorial.t).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf_arena_common.h"
#include "arenad.bpf.h"

#include "shared_struct.h"

ARENAD_ARENA_MAP(arena);

__arena void *mem = NULL;

SEC("syscall")
int leaky_main(void *_)
{
	if (mem == NULL)
		mem = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	if (mem == NULL)
		return 1;
	__arena entry_t *e = mem;
	e->counter += 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
