// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The socket methods about every arena on the host: `arenas` and `who`
 * (and `scan` with a map_id, methods_scan.c). Their work runs on the
 * inventory's worker thread: each handler keeps its call and answers it
 * when the job is done, so other clients are served meanwhile.
 *
 * Per-request code: no error logging (see log.h).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "daemon.h"
#include "inventory.h"
#include "methods.h"
#include "startup.h"

static void job_done(json_object *result, const struct rpc_error *err, void *userdata)
{
	if (result)
		rpc_call_reply_json(userdata, result);
	else
		rpc_call_fail(userdata, err);
}

int methods_inventory_job(struct rpc_call *call, struct arenad *d, int kind, __u32 map_id,
			  int method)
{
	struct rpc_call *kept;
	int r;

	if (startup_running(d->startup))	/* the inventory is still loading */
		return rpc_call_retry(call);
	if (!d->inventory)
		return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
				      "the arena inventory is unavailable on this kernel (see the log)");
	kept = rpc_call_defer(call);
	if (!kept)
		return 0;
	r = inventory_submit_scan(d->inventory, kind, map_id, method, job_done, kept);
	if (r < 0)
		return rpc_call_error(kept, ARENAD_RPC_INTERNAL_ERROR, "queue the request: %s",
				      strerror(-r));
	return 0;
}

int m_arenas(struct rpc_call *call, void *userdata)
{
	return methods_inventory_job(call, userdata, INV_JOB_ARENAS, 0, 0);
}

const struct rpc_param m_who_params[] = {
	METHODS_MAP_ID(struct who_args, true),
	{}
};

int m_who(struct rpc_call *call, void *userdata)
{
	const struct who_args *a = rpc_call_args(call);

	return methods_inventory_job(call, userdata, INV_JOB_WHO, a->map_id, 0);
}
