/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The text of `query`, shared by the daemon's and the offline version. */
#ifndef __ARENACTL_QUERY_H
#define __ARENACTL_QUERY_H

#include <stdbool.h>

#include "arenad.h"

struct query_view {
	const struct arenad_stats *st;
	const struct arenad_owner_usage *owners;	/* most pages first */
	size_t n_owners;
	bool offline;			/* read from the pins: no census, no uptime */
};

void query_print(const struct query_view *v);

#endif /* __ARENACTL_QUERY_H */
