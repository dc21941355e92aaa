// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A sleepable program that reads one user address: with that page held
 * back by userfaultfd it sleeps in the fault, inside the RCU tasks trace
 * read-side section BPF_PROG_TEST_RUN holds around a syscall program
 * (tests/helpers/rcu_stall.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct stall_ctx {
	__u64 addr;
	__s64 ret;
};

SEC("syscall")
int stall(struct stall_ctx *ctx)
{
	char buf[8];

	ctx->ret = bpf_copy_from_user(buf, sizeof(buf), (void *)ctx->addr);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
