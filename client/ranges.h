/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The allocation table of `ranges` and `lookup`, daemon or offline. */
#ifndef __ARENACTL_RANGES_H
#define __ARENACTL_RANGES_H

#include "arenad.h"

void ranges_header(void);
void ranges_row(const struct arenad_alloc *a);

#endif /* __ARENACTL_RANGES_H */
