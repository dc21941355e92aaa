// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tutorial's first use case, in its style and ported to arenad
 * (docs/porting.md): a sleepable program that gets an arena page on its
 * first run and bumps a counter in it on every run. The page is arenad's
 * named allocation, so the counter outlives this program, its loader and
 * the daemon's restarts, and the page is accounted to this object.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf_arena_common.h"
#include "arenad.bpf.h"

#include "shared_struct.h"

ARENAD_ARENA_MAP(arena);
#include "arenad_ledger.bpf.h"

/* keep a flag of whether we have the memory page */
static bool flag_initialized = false;

/* the page with the counter; shared with user space and aloe/macchiato */
__arena void *mem = NULL;

static __always_inline int __initialize(void)
{
	/* the allocation named by the loader (arenad_reuse_opts.name): made
	 * on the first run ever, found again on every later one */
	mem = arenad_named_pages(1);
	if (mem == NULL) {
		bpf_printk("Failed to allocate memory");
		return -1;
	}
	flag_initialized = true;
	return 0;
}

SEC("syscall")
int mogu_main(void *_)
{
	if (!flag_initialized) {
		if (__initialize() != 0)
			return 1;
	}
	if (mem == NULL)
		return 1;
	__arena entry_t *e = mem;
	e->counter += 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
