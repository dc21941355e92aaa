/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The census program's context and buffers, shared with the daemon. */
#ifndef __ARENAD_CENSUS_H
#define __ARENAD_CENSUS_H

#include "arenad_abi.h"

#define ARENAD_CENSUS_WORDS	(ARENAD_MAX_PAGES / 64)
/* Non-free runs the tree walk can record; more falls back to "full". */
#define ARENAD_CENSUS_MAX_RUNS	(64 * 1024)

enum arenad_census_method {
	ARENAD_CENSUS_FULL = 1,	/* probe every page */
	ARENAD_CENSUS_RT = 2,	/* probe only pages outside the free-range tree */
	ARENAD_CENSUS_KMOD = 3,	/* ask arenad_kfuncs.ko, where it is loaded */
};

struct arenad_census_req {
	__u32 method;		/* in */
	__u32 npages;		/* in: pages in the arena */
	__s32 ret;		/* out: 0 or -errno */
	__u32 present;		/* out: pages present */
	__u32 probed;		/* out: pages probed */
	__u32 runs;		/* out: non-free runs (rt method) */
	__u64 kern_vm_start;	/* out: kernel address of page 0 */
	__u64 addr;		/* selftest in: user address of the pages;
				 * census out: the arena's user_vm_start */
};

struct arenad_census_run {
	__u32 start;
	__u32 end;
};

/*
 * One map seen by the inventory iterator (arenad_arenas): every arena, or
 * the one map asked for, whatever its type. ret is 1 when no census ran.
 */
struct arenad_arena_rec {
	__u32 map_id;
	__u32 map_type;
	__u32 max_entries;
	__u32 map_flags;
	__u64 map_extra;
	__u64 user_vm_start;	/* 0: not set yet (no map_extra, never mmapped) */
	__u64 kern_vm_start;
	char name[16];		/* BPF_OBJ_NAME_LEN */
	__s32 ret;
	__u32 method;
	__u32 present;
	__u32 probed;
	__u32 runs;
	__u32 reserved;
};

#endif /* __ARENAD_CENSUS_H */
