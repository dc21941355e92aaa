// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An object whose arena is declared BPF_F_SEGV_ON_FAULT: reusing a pinned
 * arena without that flag must be refused. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_SEGV_ON_FAULT);
	__uint(max_entries, 1);
	__ulong(map_extra, ARENAD_DEFAULT_USER_ADDR);
} arena SEC(".maps");

SEC("syscall")
int nothing(void *ctx)
{
	ARENAD_BIND(arena);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
