// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An object whose map called "arena" is not an arena: arenad_reuse() must
 * say so instead of reusing nothing. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arena SEC(".maps");

SEC("syscall")
int peek(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&arena, &k) ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
