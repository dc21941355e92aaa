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
struct http;
struct owners;
struct inventory;
struct counters;
struct status;
struct startup;
struct worker;

/* What the latest census found, for stats. */
struct scan_summary {
	bool valid;
	__u32 pages_present;
	__u32 pages_ledger;
	__u32 pages_unaccounted;
	__u32 pages_missing;	/* ledger pages that are not present */
	__u64 when_usec;	/* CLOCK_MONOTONIC */
	__u64 duration_us;
};

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
	struct scan_summary last_scan;
	struct census_tick *census_tick;	/* the periodic census */
	sd_event *event;
	__u64 start_usec;	/* CLOCK_MONOTONIC */
	__u64 reader_scan_usec;	/* last scan by a peer that may not write */
};

/* What a scan returns besides d->last_scan (scan_submit()'s flags). */
enum {
	SCAN_DETAIL	= 1 << 0,	/* the `scan` result */
	SCAN_PRESENT	= 1 << 1,	/* ... with the fields of `scan {map_id}` too:
					 * the map and its present runs */
};

/*
 * Run a census of the managed arena (method 0: the default) on
 * d->census_worker and compare it with the ledger (scan.c). Later, on the
 * loop, d->last_scan is updated and done() gets 0 and, with SCAN_DETAIL,
 * the JSON result (its own), or a negative errno: -EAGAIN when no census
 * method works, -ECANCELED when shutting down. Returns 0, or a negative
 * errno and done() is not called (-EAGAIN: no census).
 */
typedef void (*scan_done_t)(struct arenad *d, int error, json_object *detail, void *userdata);
int scan_submit(struct arenad *d, int method, unsigned flags, scan_done_t done, void *userdata);
/* A run of pages as the protocol gives it: {addr, offset, pages}. */
json_object *scan_run_json(__u64 base, __u32 start, __u32 pages);

/* The method table (methods.c): every method, its parameters and its
 * handler. */
extern const struct rpc_method daemon_methods[];
extern const size_t daemon_n_methods;

#endif /* __ARENAD_DAEMON_H */
