// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An object whose arena is declared BPF_F_SEGV_ON_FAULT: reusing a pinned
 * arena without that flag must be refused, one with it accepted. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP_FLAGS(arena, BPF_F_SEGV_ON_FAULT);

SEC("syscall")
int nothing(void *ctx)
{
	ARENAD_BIND(arena);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
