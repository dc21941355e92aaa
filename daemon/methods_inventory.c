// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The socket methods about every arena on the host: `arenas`, `who` and
 * `scan` with a map_id. Their work runs on the inventory's worker thread;
 * each handler defers its reply (server_defer()) and answers when the job
 * is done, so other clients are served meanwhile.
 *
 * Per-request code: no error logging (see log.h).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "census.h"
#include "daemon.h"
#include "inventory.h"
#include "server.h"
#include "startup.h"

static void job_done(json_object *result, const struct rpc_error *err, void *userdata)
{
	server_finish(userdata, result, err);
}

/* Run an inventory job for this request and answer when it is done. */
static int defer_job(struct arenad *d, const struct rpc_peer *peer, enum inv_job_kind kind,
		     __u32 map_id, int method, struct rpc_error *err)
{
	struct server_call *call;
	int r;

	if (startup_running(d->startup))	/* the inventory is still loading */
		return RPC_NOT_YET;
	if (!d->inventory)
		return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
				     "the arena inventory is unavailable on this kernel (see the log)");
	call = server_defer(peer);
	if (!call)
		return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "cannot defer the reply");
	r = inventory_submit_scan(d->inventory, kind, map_id, method, job_done, call);
	if (r < 0) {
		struct rpc_error e;

		rpc_set_error(&e, ARENAD_RPC_INTERNAL_ERROR, "queue the request: %s", strerror(-r));
		server_finish(call, NULL, &e);
	}
	return RPC_DEFERRED;
}

int methods_map_id(json_object *params, bool required, __u32 *map_id, struct rpc_error *err)
{
	/* Map ids come from the kernel's idr: 1..INT_MAX. */
	return rpc_param_u32(params, "map_id", required, 1, INT_MAX, map_id, err);
}

int m_arenas(void *ctx, const struct rpc_peer *peer, json_object *params,
	     json_object **result, struct rpc_error *err)
{
	static const char *const keys[] = { NULL };

	if (rpc_params_only(params, keys, err))
		return -1;
	return defer_job(ctx, peer, INV_JOB_ARENAS, 0, 0, err);
}

int m_who(void *ctx, const struct rpc_peer *peer, json_object *params,
	  json_object **result, struct rpc_error *err)
{
	static const char *const keys[] = { "map_id", NULL };
	__u32 map_id;

	if (rpc_params_only(params, keys, err) || methods_map_id(params, true, &map_id, err))
		return -1;
	return defer_job(ctx, peer, INV_JOB_WHO, map_id, 0, err);
}

int methods_scan_foreign(struct arenad *d, const struct rpc_peer *peer, __u32 map_id,
			 const char *method, struct rpc_error *err)
{
	const char *why = "";
	int m = 0;

	if (method && d->census) {
		m = census_verdict_method(census_verdict(d->census, CENSUS_FOREIGN), method, &why);
		if (m == -EINVAL)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "unknown census method '%s' (rt, full)", method);
		if (m < 0)
			return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
					     "census method '%s' is unavailable for other programs' arenas: %s",
					     method, why);
	}
	return defer_job(d, peer, INV_JOB_SCAN, map_id, m, err);
}
