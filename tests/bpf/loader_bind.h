/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The structure loader_bind.bpf.c shares with tests/helpers/loader_bind.c. */
#ifndef __LOADER_BIND_H
#define __LOADER_BIND_H

struct bind_shared {
	__u64 packets;
	__u64 bytes;
	__u32 tc_verdict;	/* set by user space, returned by tc_bound */
	__u32 xdp_verdict;	/* set by user space, returned by xdp_bound */
};

#endif
