/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `orphans` and `free --orphans`: allocations nobody will free. */
#ifndef __ARENACTL_ORPHANS_H
#define __ARENACTL_ORPHANS_H

#include <stdbool.h>
#include <linux/types.h>

#include "cli.h"

/* 90, 90s, 15m, 2h, 7d: seconds. 0 or -EINVAL. */
int orphans_parse_duration(const char *s, __u32 *seconds);

/* List the orphans made at least older_than seconds ago, or free them. */
int orphans_run(struct cli *cli, __u32 older_than, bool free_them, bool objects);

#endif /* __ARENACTL_ORPHANS_H */
