// SPDX-License-Identifier: GPL-2.0
/*
 * Programs the verifier must refuse (kfunc_test.c loads them one by one
 * and checks the reason): the module's walks are sleepable, and an arena
 * access needs a binding.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
/* The module is what is under test: refuse to load without it. */
#define ARENAD_KFUNCS_REQUIRED
#include "arenad.bpf.h"
#include "kfunc_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
} arena SEC(".maps");

const volatile __u64 addr;

/* "program must be sleepable to call sleepable kfunc" */
SEC("xdp")
int xdp_sleepable(struct xdp_md *ctx)
{
	return arenad_kf_count_present(&arena, 0, 1) < 0 ? XDP_ABORTED : XDP_PASS;
}

/* "addr_space_cast insn can only be used in a program that has an
 * associated arena": the same access as xdp_bind, without the bind. */
SEC("xdp")
int xdp_unbound(struct xdp_md *ctx)
{
	*(__u64 __arena *)(unsigned long)addr += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
