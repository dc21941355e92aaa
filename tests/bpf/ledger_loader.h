/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by ledger_loader's BPF halves (tests/bpf/link/) and its driver. */
#ifndef __LEDGER_LOADER_H
#define __LEDGER_LOADER_H

struct bump_ctx {
	__u64 delta;	/* in */
	__u64 value;	/* out: the counter after the bump */
};

struct grab_ctx {
	__u32 owner;	/* in: owner string id */
	__u32 pages;	/* in */
	__u64 addr;	/* in: the address to drop; out: the allocation */
	__s32 ret;	/* out */
	__u32 pad;
};

#endif
