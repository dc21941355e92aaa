// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scan: a census of the managed arena (scan.c, compared with the ledger)
 * or, with a map_id, of another program's arena (the inventory). A census
 * runs on a worker: the call is kept and answered when it is done.
 */
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "census.h"
#include "daemon.h"
#include "inventory.h"
#include "methods.h"
#include "scan.h"
#include "startup.h"
#include "util.h"

/* Another program's arena: through the map iterator, with the methods
 * that passed their self-test there (never kmod). */
static int scan_foreign(struct rpc_call *call, struct arenad *d, __u32 map_id, const char *method)
{
	const char *why = "";
	int m = 0;

	if (method && d->census) {
		m = census_verdict_method(census_verdict(d->census, CENSUS_FOREIGN), method, &why);
		if (m == -EINVAL)
			return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
					      "unknown census method '%s' (rt, full)", method);
		if (m < 0)
			return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
					      "census method '%s' is unavailable for other programs' arenas: %s",
					      method, why);
	}
	return methods_inventory_job(call, d, INV_JOB_SCAN, map_id, m);
}

/* The managed arena's scan came back from the census worker (scan.c). */
static void scan_replied(struct scanner *s, int error, json_object *detail, void *userdata)
{
	struct rpc_call *call = userdata;

	if (error == -EAGAIN)
		rpc_call_error(call, ARENAD_ERR_UNAVAILABLE, "census unavailable: %s",
			       scanner_unavailable(s));
	else if (error < 0)
		methods_job_error(call, error, "census");
	else
		rpc_call_reply_json(call, TAKE_PTR(detail));
	json_object_put(detail);
}

const struct rpc_param m_scan_params[] = {
	{ .name = "method", .type = RPC_PARAM_NAME,
	  .offset = offsetof(struct scan_args, method), .max = 8 },
	METHODS_MAP_ID(struct scan_args, false),
	{}
};

int m_scan(struct rpc_call *call, void *userdata)
{
	const struct scan_args *a = rpc_call_args(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	struct arenad *d = userdata;
	struct rpc_call *kept;
	const char *why;
	unsigned int wait_ms;
	int r, method = 0;

	if (startup_running(d->startup))	/* the census is still loading */
		return rpc_call_retry(call);
	/* Choosing the census method is for writers, and other peers
	 * together get one census a second (methods_reader_census_wait()). */
	if (a->method && !peer->may_write)
		return rpc_call_error(call, ARENAD_ERR_PERMISSION,
				      "permission denied: uid %u may not choose the census method",
				      peer->uid);
	if (!peer->may_write && (wait_ms = methods_reader_census_wait(d->methods)))
		return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
				      "busy: peers that may not write get one census per second; "
				      "try again in %u ms", wait_ms);
	if (a->map_id && a->map_id != d->arena->map_id)
		return scan_foreign(call, d, a->map_id, a->method);
	if (!d->census)
		return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
				      "census unavailable: it did not load (see the log)");
	if (a->method) {
		method = census_verdict_method(census_verdict(d->census, CENSUS_MANAGED), a->method,
					       &why);
		if (method == -EINVAL)
			return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
					      "unknown census method '%s' (kmod, rt, full)", a->method);
		if (method == -EAGAIN)
			return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
					      "census method '%s' is unavailable: %s", a->method, why);
	}
	kept = rpc_call_defer(call);
	if (!kept)
		return 0;
	/* Asked for by map_id, the managed arena's result is also that of
	 * any other arena's: its present pages as runs. */
	r = d->scanner ? scanner_submit(d->scanner, method, SCAN_DETAIL | (a->map_id ? SCAN_PRESENT : 0),
					 scan_replied, kept) : -EAGAIN;
	if (r < 0)
		scan_replied(d->scanner, r, NULL, kept);
	return 0;
}
