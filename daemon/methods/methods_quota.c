// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * quota: page limits per owner, per uid, and the default for owners
 * without one of their own (methods.h). The limits live in the pinned maps
 * and the allocator program enforces them on every path in
 * (arenad_ledger.bpf.h); this method only sets them, through the same
 * program (ARENAD_OP_QUOTA), and reads them back:
 *
 *   {op: "set", owner|uid|default, pages?}   pages absent (or null): remove
 *   {op: "get", owner|uid|default}
 *   {op: "list"}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "counters.h"
#include "daemon.h"
#include "log.h"
#include "methods.h"
#include "owners.h"
#include "refusal.h"
#include "status.h"
#include "util.h"

enum { QUOTA_SET, QUOTA_GET, QUOTA_LIST };

static const char *const quota_ops[] = { "set", "get", "list", NULL };

/* A limit is at most the whole arena. */
static __u32 arena_pages(void *userdata)
{
	struct arenad *d = userdata;

	return d->arena->ident.pages_total;
}

const struct rpc_param m_quota_params[] = {
	{ .name = "op", .type = RPC_PARAM_WORD, .required = true,
	  .offset = offsetof(struct quota_args, op), .words = quota_ops },
	{ .name = "owner", .type = RPC_PARAM_NAME,
	  .offset = offsetof(struct quota_args, owner), .max = METHODS_STR_MAX },
	/* (uid_t)-1 is "no uid" to the kernel */
	{ .name = "uid", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct quota_args, uid), .min = 0, .max = 0xfffffffeU },
	{ .name = "default", .type = RPC_PARAM_BOOL,
	  .offset = offsetof(struct quota_args, dflt) },
	{ .name = "pages", .type = RPC_PARAM_U32,
	  .offset = offsetof(struct quota_args, pages), .min = 0, .max_of = arena_pages },
	{}
};

static void limit_write(struct json_writer *w, const char *key, __u64 q)
{
	if (ARENAD_QUOTA_IS_SET(q))
		json_w_member(w, key, u64, ARENAD_QUOTA_PAGES(q));
	else
		json_w_member(w, key, str, NULL);
}

static void owner_write(struct json_writer *w, const char *owner, const struct arenad_owner *e,
			const struct arenad_state *st)
{
	bool dflt;
	__u64 limit = owners_limit(e, st, &dflt);

	json_w_object(w);
	json_w_member(w, "owner", str, owner);
	json_w_member(w, "pages", u64, e->pages);
	json_w_member(w, "allocations", u64, e->allocations);
	limit_write(w, "limit", limit);
	json_w_member(w, "default", bool, dflt);
	json_w_member(w, "quota_refusals", u64, e->quota_refusals);
	json_w_member(w, "failures", u64, e->failures);
	json_w_object_end(w);
}

static void uid_write(struct json_writer *w, __u32 uid, const struct arenad_uid *u)
{
	json_w_object(w);
	json_w_member(w, "uid", u64, uid);
	json_w_member(w, "pages", u64, u->pages);
	json_w_member(w, "allocations", u64, u->allocations);
	limit_write(w, "limit", u->limit);
	json_w_member(w, "quota_refusals", u64, u->quota_refusals);
	json_w_object_end(w);
}

/* The owners entry of owner (zeroes for an owner that holds nothing and
 * has no limit: its string is not live). */
static int owner_entry(struct arenad *d, const char *owner, struct arenad_owner *e)
{
	const struct arenad_owner *mem = owners_entries(d->owners);
	__u32 id;
	int r;

	memset(e, 0, sizeof(*e));
	if (!mem)
		return -ENOMEM;
	r = arenad_pins__find_str(d->arena->pins, owner, &id);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*e = mem[ARENAD_STR_SLOT(id)];	/* one copy of an entry BPF updates */
	/* The slot was freed and taken by another string after the lookup:
	 * this owner holds nothing (an owner with a limit is never freed). */
	if (e->owner != id)
		memset(e, 0, sizeof(*e));
	return 0;
}

static int uid_entry(struct arenad *d, __u32 uid, struct arenad_uid *u)
{
	if (!bpf_map_lookup_elem(arenad_pins__uids_fd(d->arena->pins), &uid, u))
		return 0;
	memset(u, 0, sizeof(*u));
	return errno == ENOENT ? 0 : -errno;
}

/* The one record get and set answer with. */
static int answer(struct rpc_call *call, struct arenad *d, const struct quota_args *a)
{
	struct json_writer *w = rpc_call_result(call);
	struct arenad_owner e;
	struct arenad_state st;
	struct arenad_uid u;
	int r;

	r = counters_read(d->counters, &st);
	if (r < 0)
		return methods_internal_error(call, r, "read state map");
	if (a->owner) {
		r = owner_entry(d, a->owner, &e);
		if (r < 0)
			return methods_internal_error(call, r, "read the owners table");
		owner_write(w, a->owner, &e, &st);
	} else if (rpc_call_valued(call, "uid")) {
		r = uid_entry(d, a->uid, &u);
		if (r < 0)
			return methods_internal_error(call, r, "read the uids table");
		uid_write(w, a->uid, &u);
	} else {
		json_w_object(w);
		json_w_member(w, "default", bool, true);
		limit_write(w, "limit", st.quota_default);
		json_w_object_end(w);
	}
	return rpc_call_reply(call);
}

/* How many owners have a limit of their own. */
static size_t owner_limits(struct arenad *d, const struct arenad_owner *mem)
{
	size_t i, n = 0;

	for (i = 0; i < ARENAD_MAX_OWNERS; i++)
		n += ARENAD_QUOTA_IS_SET(__atomic_load_n(&mem[i].limit, __ATOMIC_RELAXED));
	return n;
}

static int quota_set(struct rpc_call *call, struct arenad *d, const struct quota_args *a)
{
	const struct rpc_peer *peer = rpc_call_peer(call);
	/* pages absent or a JSON null: remove the limit */
	bool clear = !rpc_call_valued(call, "pages");
	struct arenad_req req = { .op = ARENAD_OP_QUOTA, .pages = a->pages };
	struct arenad_owner e;
	char msg[256];
	int r, code;

	/* Who may allocate may set limits: root and the allowed writers. */
	if (!peer->may_write)
		return rpc_call_error(call, ARENAD_ERR_PERMISSION,
				      "permission denied: uid %u may not set quotas", peer->uid);
	if (a->owner) {
		const struct arenad_owner *mem = owners_entries(d->owners);

		if (!mem)
			return methods_internal_error(call, -ENOMEM, "map the owners table");
		r = owner_entry(d, a->owner, &e);
		if (r < 0)
			return methods_internal_error(call, r, "read the owners table");
		/* Each owner limit keeps its string for good: a bounded number. */
		if (!clear && !ARENAD_QUOTA_IS_SET(e.limit) &&
		    owner_limits(d, mem) >= METHODS_MAX_OWNER_LIMITS)
			return rpc_call_error(call, ARENAD_ERR_NO_MEMORY,
					      "too many owner limits: %u owners have one; "
					      "remove some first", METHODS_MAX_OWNER_LIMITS);
		req.flags = ARENAD_QUOTA_OWNER;
		snprintf(req.owner_str, sizeof(req.owner_str), "%s", a->owner);
	} else if (rpc_call_valued(call, "uid")) {
		req.flags = ARENAD_QUOTA_UID;
		req.uid = a->uid;
	} else {
		req.flags = ARENAD_QUOTA_DEFAULT;
	}
	if (clear)
		req.flags |= ARENAD_QUOTA_CLEAR;
	r = arenad_pins__run(d->arena->pins, &req);
	if (r < 0) {
		code = libarenad_refusal(r, &req, NULL, msg, sizeof(msg));
		if (code == ARENAD_RPC_INTERNAL_ERROR)
			return methods_internal_error(call, r, "run the allocator");
		return rpc_call_error(call, code, "%s", msg);
	}
	if (a->owner)
		snprintf(msg, sizeof(msg), "owner %s", a->owner);
	else if (req.flags & ARENAD_QUOTA_UID)
		snprintf(msg, sizeof(msg), "uid %u", a->uid);
	else
		snprintf(msg, sizeof(msg), "the default");
	if (clear)
		log_debug("quota of %s removed (peer uid %u)", msg, peer->uid);
	else
		log_debug("quota of %s set to %u pages (peer uid %u)", msg, a->pages, peer->uid);
	status_changed(d->status);
	return answer(call, d, a);
}

/* {default, owners: [owners with a limit of their own], uids: [uids with a limit]} */
static int quota_list(struct rpc_call *call, struct arenad *d)
{
	const struct arenad_owner *mem = owners_entries(d->owners);
	struct owner_strings *strs = owners_strings(d->owners);
	int fd = arenad_pins__uids_fd(d->arena->pins);
	struct json_writer *w = rpc_call_result(call);
	struct arenad_state st;
	struct arenad_uid u;
	__u32 key, next, i;
	const char *name;
	int r;

	if (!mem)
		return methods_internal_error(call, -ENOMEM, "map the owners table");
	r = counters_read(d->counters, &st);
	if (r < 0)
		return methods_internal_error(call, r, "read state map");
	json_w_object(w);
	limit_write(w, "default", st.quota_default);
	json_w_key(w, "owners");
	json_w_array(w);
	for (i = 0; i < ARENAD_MAX_OWNERS; i++) {
		struct arenad_owner e = mem[i];	/* one copy of an entry BPF updates */

		if (!ARENAD_QUOTA_IS_SET(e.limit))
			continue;
		owner_strings_get(strs, e.owner, &name);
		owner_write(w, name, &e, &st);
	}
	json_w_array_end(w);
	json_w_key(w, "uids");
	json_w_array(w);
	/* Entries are never deleted, so the walk never restarts; the table
	 * holds at most ARENAD_MAX_UIDS. */
	for (i = 0; i < ARENAD_MAX_UIDS && !bpf_map_get_next_key(fd, i ? &key : NULL, &next); i++) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &u) || !ARENAD_QUOTA_IS_SET(u.limit))
			continue;
		uid_write(w, key, &u);
	}
	json_w_array_end(w);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

int m_quota(struct rpc_call *call, void *userdata)
{
	const struct quota_args *a = rpc_call_args(call);
	struct arenad *d = userdata;
	int targets = !!a->owner + rpc_call_valued(call, "uid") + a->dflt;

	if (a->op == QUOTA_LIST) {
		if (targets || rpc_call_valued(call, "pages"))
			return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
					      "quota list takes no owner, uid, default or pages");
		return quota_list(call, d);
	}
	if (targets != 1)
		return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
				      "quota %s needs exactly one of 'owner', 'uid' and 'default': true",
				      quota_ops[a->op]);
	if (a->op == QUOTA_GET) {
		if (rpc_call_valued(call, "pages"))
			return rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
					      "quota get takes no 'pages'");
		return answer(call, d, a);
	}
	return quota_set(call, d, a);
}
