// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One arena program in every header style arenad.bpf.h must live with;
 * 76-bpf-header-styles.t compiles it once per style and build pipeline
 * (clang -target bpf; clang -emit-llvm for the host, then llc -march=bpf)
 * with -Werror:
 *   STYLE_UAPI            linux/bpf.h + bpf_helpers.h (the tutorial's)
 *   STYLE_VMLINUX         vmlinux.h with BPF_NO_KFUNC_PROTOTYPES
 *   STYLE_VMLINUX_PROTOS  vmlinux.h with its own kfunc prototypes
 * and optionally an arena header of another project, before or after
 * arenad's: SELFTESTS_{BEFORE,AFTER} (bpf_arena_common.h),
 * SCX_{BEFORE,AFTER} (sched_ext's bpf_arena_common.bpf.h), or
 * SELFTESTS_LAST: bpf_arena_common.h after arenad's bpf_arena_alloc.h,
 * the drop-in for the selftests' bpf_alloc()/bpf_free().
 */
#if defined(STYLE_UAPI)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#elif defined(STYLE_VMLINUX)
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#elif defined(STYLE_VMLINUX_PROTOS)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#else
#error "define one STYLE_*"
#endif

#if defined(SELFTESTS_BEFORE)
#include "bpf_arena_common.h"
#elif defined(SCX_BEFORE)
#include "bpf_arena_common.bpf.h"
#endif

#include "arenad.bpf.h"

#if defined(SELFTESTS_AFTER)
#include "bpf_arena_common.h"
#elif defined(SCX_AFTER)
#include "bpf_arena_common.bpf.h"
#endif

ARENAD_ARENA_MAP(arena);

#include "arenad_ledger.bpf.h"
#include "bpf_arena_alloc.h"

#if defined(SELFTESTS_LAST)
#include "bpf_arena_common.h"
#endif

struct slot {
	__u64 counter;
};

struct slot __arena *keep;

/* Accounted allocation through arenad's ledger. */
SEC("syscall")
int accounted(void *ctx)
{
	struct slot __arena *s = keep;

	if (!s) {
		s = arenad_alloc_pages(1);
		if (!s)
			return -ENOMEM;
		keep = s;
	}
	s->counter++;
	return 0;
}

/* The loader's named allocation of two pages, found or made. */
SEC("syscall")
int named(void *ctx)
{
	struct slot __arena *s = arenad_named_pages(2);

	if (!s)
		return -ENOENT;
	s->counter++;
	return s->counter;
}

/* Objects through the selftests' interface, on arenad's allocator: one
 * carved from a page, one of whole pages. Loaded only when named ("?"):
 * its verification is most of an object's load time under emulation. */
SEC("?syscall")
int objects(void *ctx)
{
	__u64 __arena *small = bpf_alloc(24);
	__u64 __arena *large = bpf_alloc(5000);
	int ret = small && large ? 0 : -ENOMEM;

	if (small) {
		*small = 1;
		bpf_free(small);
	}
	if (large) {
		*large = 2;
		bpf_free(large);
	}
	return ret;
}

#ifndef STYLE_VMLINUX_PROTOS
/* The plain kfunc, as the tutorial calls it (typed with address_space(1)
 * everywhere but under vmlinux.h's own prototypes). */
SEC("syscall")
int plain(void *ctx)
{
	struct slot __arena *s = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);

	if (!s)
		return -ENOMEM;
	s->counter = 1;
	bpf_arena_free_pages(&arena, s, 1);
	return 0;
}
#endif

/* A non-sleepable reader bound to the arena without calling a kfunc. */
SEC("xdp")
int reader(struct xdp_md *xdp)
{
	struct slot __arena *s = keep;

	ARENAD_BIND(arena);
	cast_kern(s);
	return s && s->counter ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
