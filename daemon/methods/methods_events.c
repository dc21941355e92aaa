// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * subscribe: the connection streams event notifications from its reply
 * on (events.h, docs/protocol.md), filtered by the declared parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "events.h"
#include "methods.h"
#include "quota_watch.h"

/* A subscriber's queue in the daemon, beyond its socket buffer: the
 * default holds a few hundred notifications. */
#define QUEUE_DEFAULT	(64 * 1024)
#define QUEUE_MIN	4096
#define QUEUE_MAX	(4 * 1024 * 1024)

const struct rpc_param m_subscribe_params[] = {
	{ .name = "owner", .type = RPC_PARAM_NAME, .offset = offsetof(struct subscribe_args, owner),
	  .max = METHODS_STR_MAX },
	{ .name = "kinds", .type = RPC_PARAM_NAMES, .offset = offsetof(struct subscribe_args, kinds),
	  .max = 16 },
	{ .name = "fill_threshold", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct subscribe_args, fill_threshold), .min = 1, .max = ARENAD_MAX_PAGES },
	{ .name = "quota_threshold", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct subscribe_args, quota_threshold), .min = 1, .max = QUOTA_PCT_MAX },
	{ .name = "queue_bytes", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct subscribe_args, queue_bytes), .min = QUEUE_MIN, .max = QUEUE_MAX },
	{}
};

int m_subscribe(struct rpc_call *call, void *userdata)
{
	const struct subscribe_args *args = rpc_call_args(call);
	struct arenad *d = userdata;
	struct event_filter *f;
	struct json_writer *w;
	size_t i, n;

	if (!d->events)
		return rpc_call_error(call, ARENAD_ERR_UNAVAILABLE, "events are not available");
	f = event_filter_new(d->events);
	if (!f)
		return rpc_call_oom(call);
	n = args->kinds ? json_object_array_length(args->kinds) : 0;
	for (i = 0; i < n; i++) {
		const char *k = json_object_get_string(json_object_array_get_idx(args->kinds, i));
		int kind = event_kind_from_string(k);

		if (kind < 0) {
			event_filter_free(f);
			return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
					      "unknown event kind '%s' (alloc, free, census, arena, "
					      "shutdown, fill, quota)", k);
		}
		f->kinds |= 1u << kind;
	}
	/* A threshold asks for its kind even when kinds names others. */
	if (args->fill_threshold && f->kinds)
		f->kinds |= 1u << EVENT_FILL;
	if (args->quota_threshold && f->kinds)
		f->kinds |= 1u << EVENT_QUOTA;
	if (args->owner)
		snprintf(f->owner, sizeof(f->owner), "%s", args->owner);
	event_filter_set_fill(f, args->fill_threshold);
	/* Unlike fill (no arena size fits every use), quota events have a
	 * default threshold: a limit is a size of its own to warn before. */
	if (!f->kinds || f->kinds & (1u << EVENT_QUOTA))
		event_filter_set_quota(f, args->quota_threshold ?: QUOTA_PCT_DEFAULT);

	w = rpc_call_result(call);
	json_w_object(w);
	json_w_member(w, "subscribed", bool, true);
	json_w_member(w, "queue_bytes", u64, args->queue_bytes ?: QUEUE_DEFAULT);
	json_w_object_end(w);
	return rpc_call_subscribe(call, f, event_filter_free, args->queue_bytes ?: QUEUE_DEFAULT);
}
