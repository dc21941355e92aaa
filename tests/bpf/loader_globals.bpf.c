// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An object with an __arena global: libbpf 1.4 would put it in the arena's
 * first page, so arenad_reuse() must refuse it. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

__u64 __arena_global hits;

SEC("syscall")
int touch(void *ctx)
{
	hits++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
