/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The event stream's connection, for `events` and `top` (events.c). */
#ifndef __ARENACTL_EVENTS_H
#define __ARENACTL_EVENTS_H

#include "cli.h"

/*
 * Connect to the daemon and send a subscribe request (owner, kinds as
 * "a,b", fill, quota percent: each may be NULL/0): the connected fd, whose
 * first line is the reply and the rest notifications, or a negative errno.
 */
int events_connect(struct cli *cli, const char *owner, const char *kinds, long fill, long quota);

#endif
