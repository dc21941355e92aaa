/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's top-level context, handed to every part explicitly. */
#ifndef __ARENAD_DAEMON_H
#define __ARENAD_DAEMON_H

#include <systemd/sd-event.h>
#include <linux/types.h>

#include "arena.h"
#include "config.h"
#include "rpc.h"

struct server;

struct arenad {
	const struct arenad_config *cfg;
	struct arena *arena;
	struct server *server;
	sd_event *event;
	__u64 start_usec;	/* CLOCK_MONOTONIC */
};

/* The method table (methods.c). */
extern const struct rpc_method arenad_methods[];
extern const size_t arenad_n_methods;

/* Tell the service manager the one-line usage summary (STATUS=). */
void arenad_notify_status(struct arenad *d);

#endif /* __ARENAD_DAEMON_H */
