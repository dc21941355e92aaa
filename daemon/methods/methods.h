/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The socket methods' handlers, by job: the table in methods.c names each
 * with its declared parameters (rpc.h). A handler gets its checked
 * arguments from rpc_call_args() and answers through the call
 * (rpc_call.h).
 *
 * Logging: a handler reports a client's mistake only in its error reply;
 * an unexpected failure goes through methods_internal_error(), which logs
 * it once and replies (log.h).
 */
#ifndef __ARENAD_METHODS_H
#define __ARENAD_METHODS_H

#include <stddef.h>

#include "rpc.h"

struct arenad;

/* The longest owner or name string. */
#define METHODS_STR_MAX (ARENAD_STR_LEN - 1)

/* Log r and answer -32603 "what: strerror". */
/* What the handlers keep between calls (methods.c): 0 or -ENOMEM. */
int methods_state_new(struct methods_state **out);
struct methods_state *methods_state_free(struct methods_state *m);
/* May a peer that may not write run a census now (one per second among
 * all such peers)? 0, or the milliseconds until it may. */
unsigned int methods_reader_census_wait(struct methods_state *m);

int methods_internal_error(struct rpc_call *call, int r, const char *what);
/* Answer for a job that came back from a worker with r < 0 (-ECANCELED:
 * the daemon stopped before it ran). */
int methods_job_error(struct rpc_call *call, int r, const char *what);

/* methods_alloc.c */
struct alloc_args {
	__u32 pages;
	const char *owner, *name;
	__u64 addr;
	__u32 lease;		/* enum alloc_lease */
};

/* alloc's "lease": the words of m_alloc_params, in this order. */
enum alloc_lease {
	ALLOC_PERSISTENT,
	ALLOC_LEASE_CONNECTION,
	ALLOC_LEASE_PROCESS,
};
extern const struct rpc_param m_alloc_params[];
int m_alloc(struct rpc_call *call, void *userdata);
/* The word of alloc's "lease" for a ledger entry's ARENAD_LEASE_* flags;
 * NULL: persistent. */
const char *methods_lease_word(__u32 flags);

struct free_args {
	__u64 addr;
};
extern const struct rpc_param m_free_params[];
int m_free(struct rpc_call *call, void *userdata);

/* methods_quota.c: page limits per owner, per uid, and the default */
struct quota_args {
	__u32 op;		/* set, get, list */
	const char *owner;
	__u32 uid;
	bool dflt;		/* "default": true */
	__u32 pages;
};
extern const struct rpc_param m_quota_params[];
int m_quota(struct rpc_call *call, void *userdata);
/* Owner limits at once: each keeps its owner's string for good. */
#define METHODS_MAX_OWNER_LIMITS 4096

/* methods_ledger.c */
/* The members of an allocation's record in ranges, lookup and orphans:
 * r with its strings (origin: the program's object, for ARENAD_RANGE_PROG). */
void methods_range_fields(struct arenad *d, const struct arenad_range *r, const char *owner,
			  const char *name, const char *origin, struct json_writer *w);
struct ranges_args {
	const char *owner;
};
extern const struct rpc_param m_ranges_params[];
int m_ranges(struct rpc_call *call, void *userdata);

struct lookup_args {
	const char *name;
};
extern const struct rpc_param m_lookup_params[];
int m_lookup(struct rpc_call *call, void *userdata);

/* methods_orphans.c: allocations nobody will free (orphans.h) */
struct orphans_args {
	__u32 older_than_s;
	bool free;		/* root only */
	bool objects;		/* with free: drop the objects of orphaned object pages */
};
extern const struct rpc_param m_orphans_params[];
int m_orphans(struct rpc_call *call, void *userdata);

/* methods_scan.c: the census of the managed arena or another */
struct scan_args {
	const char *method;
	__u32 map_id;
};
extern const struct rpc_param m_scan_params[];
int m_scan(struct rpc_call *call, void *userdata);

/* methods_inventory.c: every arena on the host */
int m_arenas(struct rpc_call *call, void *userdata);
struct who_args {
	__u32 map_id;
};
extern const struct rpc_param m_who_params[];
int m_who(struct rpc_call *call, void *userdata);
/* Run an inventory job (enum inv_job_kind) for call and answer when it
 * is done. */
int methods_inventory_job(struct rpc_call *call, struct arenad *d, int kind, __u32 map_id,
			  int method);

/* methods_events.c */
struct subscribe_args {
	const char *owner;
	json_object *kinds;
	__u32 fill_threshold;
	__u32 quota_threshold;
	__u32 queue_bytes;
};
extern const struct rpc_param m_subscribe_params[];
int m_subscribe(struct rpc_call *call, void *userdata);

/* Map ids come from the kernel's idr: 1..INT_MAX. */
#define METHODS_MAP_ID(args, req) \
	{ .name = "map_id", .type = RPC_PARAM_U32, .required = (req), \
	  .offset = offsetof(args, map_id), .min = 1, .max = INT_MAX }

#endif /* __ARENAD_METHODS_H */
