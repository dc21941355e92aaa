/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What mogu, aloe and macchiato share: one counter in an arena page. */
#pragma once
#include <linux/types.h>

typedef struct {
	__u64 counter;
} entry_t;
