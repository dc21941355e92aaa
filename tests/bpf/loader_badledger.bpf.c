// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An object that declares a ledger map by arenad's name but with another
 * value (as an object built against an older arenad might): the verifier
 * would check it against the pin's larger value and load it, then it would
 * misread the ledger, so arenad_reuse() must refuse it. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arenad.bpf.h"

ARENAD_ARENA_MAP(arena);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ARENAD_MAX_OWNERS);
	__type(key, __u32);
	__type(value, __u64);		/* arenad's is struct arenad_owner */
} arenad_owners SEC(".maps");

SEC("syscall")
int peek(void *ctx)
{
	__u32 owner = 1;

	return bpf_map_lookup_elem(&arenad_owners, &owner) ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
