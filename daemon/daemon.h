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
struct census;
struct census_tick;
struct events;
struct scanner;
struct methods_state;
struct http;
struct owners;
struct inventory;
struct counters;
struct status;
struct startup;
struct worker;
struct leases;
struct orphans;

struct arenad {
	const struct config *cfg;
	struct arena *arena;
	struct server *server;
	struct census *census;
	struct http *http;		/* the metrics listener, or NULL */
	struct inventory *inventory;	/* every arena on the host; may be NULL */
	/* The one thread that uses the census: it loads it after READY
	 * (startup.c), then runs every census (scan.c, inventory.c). */
	struct worker *census_worker;
	/* Reads and sorts the whole ledger for `ranges` (methods.c). */
	struct worker *ledger_worker;
	struct counters *counters;	/* the state map's counters */
	struct status *status;		/* STATUS= updates (status.h) */
	/* Loading census and inventory after READY (startup.h); while it
	 * runs, both are NULL and census methods wait. */
	struct startup *startup;
	struct owners *owners;		/* the owner table and strings (owners.h) */
	/* Censuses of the managed arena against the ledger, and the latest
	 * one's figures (scan.h); NULL until start-up loaded the census. */
	struct scanner *scanner;
	struct census_tick *census_tick;	/* the periodic census */
	struct events *events;		/* the event stream (events.h) */
	sd_event *event;
	__u64 start_usec;	/* CLOCK_MONOTONIC */
	struct methods_state *methods;	/* what the handlers keep between calls */
	struct leases *leases;		/* allocations that end with their holder */
	struct orphans *orphans;	/* ... and those nobody will free */
};

/* The method table (methods.c): every method, its parameters and its
 * handler. */
extern const struct rpc_method daemon_methods[];
extern const size_t daemon_n_methods;

#endif /* __ARENAD_DAEMON_H */
