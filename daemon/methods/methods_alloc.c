// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * alloc and free: the methods clients call in a loop. Each runs the
 * allocator program once and answers with a small result (methods.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cleanup.h"
#include "daemon.h"
#include "leases.h"
#include "log.h"
#include "methods.h"
#include "owners.h"
#include "refusal.h"
#include "status.h"
#include "util.h"

/* Is addr the start of a page of the arena? When not, call is answered. */
static bool in_arena(struct rpc_call *call, struct arenad *d, __u64 addr)
{
	const struct arenad_state *id = &d->arena->ident;
	__u64 size = (__u64)id->pages_total << ARENAD_PAGE_SHIFT;

	if (addr < id->user_vm_start || addr - id->user_vm_start >= size) {
		rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
			       "address 0x%llx is outside the arena [0x%llx, 0x%llx)",
			       (unsigned long long)addr,
			       (unsigned long long)id->user_vm_start,
			       (unsigned long long)(id->user_vm_start + size));
		return false;
	}
	if (addr & (ARENAD_PAGE_SIZE - 1)) {
		rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
			       "address 0x%llx is not page aligned", (unsigned long long)addr);
		return false;
	}
	return true;
}

/*
 * A fixed-address allocation found its pages taken. Say by whom: the
 * ledger's allocations in the window, and for the rest of the taken pages
 * the only other way they can be taken, outside arenad, which only a
 * census shows.
 */
static int busy_error(struct rpc_call *call, struct arenad *d, const struct arenad_req *req)
{
	_cleanup_free_ struct arenad_range *recs = NULL;
	__u32 first = (req->addr - d->arena->ident.user_vm_start) >> ARENAD_PAGE_SHIFT;
	__u32 last = first + req->pages;	/* exclusive */
	struct owner_strings *strs = owners_strings(d->owners);
	char owner[ARENAD_STR_LEN], name[ARENAD_STR_LEN], what[256];
	const struct arenad_range *hit = NULL;
	int code = libarenad_refusal(-EBUSY, req, NULL, what, sizeof(what));
	__u32 ledger = 0;
	const char *s;
	size_t i, n;

	if (arenad_pins__ranges(d->arena->pins, &recs, &n) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		__u32 s = recs[i].pgoff, e = recs[i].pgoff + recs[i].pages;

		if (e <= first || s >= last)
			continue;
		ledger += (e < last ? e : last) - (s > first ? s : first);
		if (!hit)
			hit = &recs[i];
	}
	if (!hit)
		return rpc_call_error(call, code,
				      "%s: none of them is in the "
				      "ledger, so they are present but unaccounted (allocated outside "
				      "arenad, or reserved); 'arenactl-client scan' lists them and who "
				      "uses the arena", what);
	owner_strings_get(strs, hit->owner, &s);
	snprintf(owner, sizeof(owner), "%s", s);
	owner_strings_get(strs, hit->name, &s);
	snprintf(name, sizeof(name), "%s", s);
	return rpc_call_error(call, code,
			      "%s: %u of the %u are in the ledger "
			      "(first: 0x%llx..+%u of owner '%s'%s%s%s)%s",
			      what, ledger, req->pages,
			      (unsigned long long)(d->arena->ident.user_vm_start +
						   ((__u64)hit->pgoff << ARENAD_PAGE_SHIFT)),
			      hit->pages, owner, hit->name ? ", name '" : "", hit->name ? name : "",
			      hit->name ? "'" : "",
			      ledger < req->pages ? "; the others may be present but unaccounted "
			      "(allocated outside arenad): see 'arenactl-client scan'" : "");
}

/* An allocation is at most the whole arena. */
static __u32 arena_pages(void *userdata)
{
	struct arenad *d = userdata;

	return d->arena->ident.pages_total;
}

static const char *const lease_words[] = { "persistent", "connection", "process", NULL };

const char *methods_lease_word(__u32 flags)
{
	if (flags & ARENAD_LEASE_PROCESS)
		return lease_words[ALLOC_LEASE_PROCESS];
	if (flags & ARENAD_LEASE_CONNECTION)
		return lease_words[ALLOC_LEASE_CONNECTION];
	return NULL;
}

const struct rpc_param m_alloc_params[] = {
	{ .name = "pages", .type = RPC_PARAM_U32, .required = true,
	  .offset = offsetof(struct alloc_args, pages), .min = 1, .max_of = arena_pages },
	{ .name = "owner", .type = RPC_PARAM_NAME,
	  .offset = offsetof(struct alloc_args, owner), .max = METHODS_STR_MAX },
	{ .name = "name", .type = RPC_PARAM_NAME,
	  .offset = offsetof(struct alloc_args, name), .max = METHODS_STR_MAX },
	{ .name = "addr", .type = RPC_PARAM_ADDR, .offset = offsetof(struct alloc_args, addr) },
	{ .name = "lease", .type = RPC_PARAM_WORD, .words = lease_words,
	  .offset = offsetof(struct alloc_args, lease) },
	{}
};

/*
 * The peer as the allocation's creator, and its lease: a connection's is
 * checked for room before anything is allocated, a process's needs the
 * peer still there. false: call is answered.
 */
static bool lease_prepare(struct rpc_call *call, struct arenad *d, const struct alloc_args *a,
			  struct arenad_req *req)
{
	const struct rpc_peer *peer = rpc_call_peer(call);

	req->pid = peer->pid;
	req->start_ns = libarenad_ticks_to_ns(peer->start_ticks);
	memcpy(req->comm, peer->comm, sizeof(req->comm));
	switch (a->lease) {
	case ALLOC_LEASE_PROCESS:
		if (!peer->start_ticks) {
			rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
				       "lease 'process': the calling process %d could not be "
				       "identified when it connected", (int)peer->pid);
			return false;
		}
		req->flags = ARENAD_LEASE_PROCESS;
		return true;
	case ALLOC_LEASE_CONNECTION:
		if (!leases_connection_room(d->leases, peer->conn_id)) {
			rpc_call_error(call, ARENAD_ERR_UNAVAILABLE,
				       "lease 'connection': this connection holds %u leases already, "
				       "the most one may", LEASES_MAX_PER_CONNECTION);
			return false;
		}
		if (rpc_call_hold_connection(call) < 0) {
			rpc_call_error(call, ARENAD_RPC_INVALID_PARAMS,
				       "lease 'connection': this call came on no connection");
			return false;
		}
		req->flags = ARENAD_LEASE_CONNECTION;
		return true;
	default:
		return true;
	}
}

/* The allocation req made is leased: watch its holder. -ENOMEM: the
 * allocation is undone. */
static int lease_start(struct rpc_call *call, struct arenad *d, const struct arenad_req *req)
{
	const struct rpc_peer *peer = rpc_call_peer(call);
	__u32 pgoff = (req->addr - d->arena->ident.user_vm_start) >> ARENAD_PAGE_SHIFT;
	struct arenad_req undo = { .op = ARENAD_OP_FREE, .addr = req->addr, .time_ns = req->time_ns };
	int r;

	if (req->flags & ARENAD_LEASE_PROCESS) {
		leases_watch(d->leases, req->pid, req->start_ns);
		return 0;
	}
	/* Out of memory to remember it: the lease could not end with the
	 * connection, so the allocation must not stand. */
	r = leases_connection_add(d->leases, peer->conn_id, pgoff, req->time_ns);
	if (r < 0)
		(void)arenad_pins__run(d->arena->pins, &undo);
	return r;
}

/*
 * A free refused because the pages hold objects of a BPF program
 * (arenad_malloc()): they go back with their last arenad_free(), never by
 * a free of the pages, which would pull them from under live objects.
 * Say whose, from the ledger entry.
 */
static int objects_error(struct rpc_call *call, struct arenad *d, const struct arenad_req *req)
{
	__u32 pgoff = (req->addr - d->arena->ident.user_vm_start) >> ARENAD_PAGE_SHIFT;
	struct owner_strings *strs = owners_strings(d->owners);
	char owner[ARENAD_STR_LEN + 16], what[256];
	int code = libarenad_refusal(-EBUSY, req, NULL, what, sizeof(what));
	struct arenad_range r;
	const char *s;

	if (bpf_map_lookup_elem(arenad_pins__ledger_fd(d->arena->pins), &pgoff, &r))
		return rpc_call_error(call, code, "%s", what);	/* freed meanwhile */
	owner_strings_get(strs, r.owner, &s);
	snprintf(owner, sizeof(owner), "%s", s);
	return rpc_call_error(call, code,
			      "0x%llx..+%u holds objects of '%s' (arenad_malloc() in its BPF "
			      "programs): freed with its last object, not by a free of its pages",
			      (unsigned long long)req->addr, r.pages, owner);
}

/* The allocator refused req with r: the words and code of libarenad's
 * table (refusal.h); an error it does not refuse with is ours. */
static int refused(struct rpc_call *call, struct arenad *d, const struct arenad_req *req, int r)
{
	struct arenad_state st;
	char msg[256];
	int code;

	if (r == -EBUSY && req->op == ARENAD_OP_FREE)
		return objects_error(call, d, req);
	if (r == -EBUSY)
		return busy_error(call, d, req);
	code = libarenad_refusal(r, req, r == -ENOMEM && !arenad_pins__state(d->arena->pins, &st)
				 ? &st : NULL, msg, sizeof(msg));
	if (code == ARENAD_RPC_INTERNAL_ERROR)
		return methods_internal_error(call, r, "run the allocator");
	return rpc_call_error(call, code, "%s", msg);
}

int m_alloc(struct rpc_call *call, void *userdata)
{
	const struct alloc_args *a = rpc_call_args(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	struct arenad *d = userdata;
	struct arenad_req req = {
		.op = ARENAD_OP_ALLOC,
		.uid = peer->uid,
		.numa_node = -1,	/* the arena's */
		.pages = a->pages,
		.addr = a->addr,
	};
	const char *owner = a->owner;
	char owner_buf[32];
	struct json_writer *w;
	int r;

	/* An explicit address, even 0x0, must be inside the arena, and so
	 * must the whole allocation; 0 in req.addr then means "anywhere". */
	if (rpc_call_given(call, "addr") &&
	    (!in_arena(call, d, req.addr) ||
	     !in_arena(call, d, req.addr + ((__u64)(req.pages - 1) << ARENAD_PAGE_SHIFT))))
		return 0;
	if (!owner) {
		/* Unnamed owners are accounted to the peer's uid. */
		snprintf(owner_buf, sizeof(owner_buf), "uid:%u", peer->uid);
		owner = owner_buf;
	}
	/* The allocator interns both strings in the same run. */
	snprintf(req.owner_str, sizeof(req.owner_str), "%s", owner);
	if (a->name)
		snprintf(req.name_str, sizeof(req.name_str), "%s", a->name);

	if (!lease_prepare(call, d, a, &req))
		return 0;

	r = arenad_pins__run(d->arena->pins, &req);
	if (r < 0)
		return refused(call, d, &req, r);
	if (req.flags && lease_start(call, d, &req) < 0)
		return rpc_call_oom(call);
	log_debug("alloc %u pages at 0x%llx for %s%s%s (uid %u)", req.pages,
		  (unsigned long long)req.addr, owner, a->name ? " as " : "", a->name ?: "",
		  peer->uid);
	status_changed(d->status);

	w = rpc_call_result(call);
	json_w_object(w);
	json_w_member(w, "addr", hex, req.addr);
	json_w_member(w, "offset", u64, req.addr - d->arena->ident.user_vm_start);
	json_w_member(w, "pages", u64, req.pages);
	/* What the daemon chose when the request left it open. */
	json_w_member(w, "owner", str, owner);
	if (a->name)
		json_w_member(w, "name", str, a->name);
	json_w_member(w, "uid", u64, req.uid);
	if (req.flags)
		json_w_member(w, "lease", str, methods_lease_word(req.flags));
	json_w_object_end(w);
	return rpc_call_reply(call);
}

const struct rpc_param m_free_params[] = {
	{ .name = "addr", .type = RPC_PARAM_ADDR, .required = true,
	  .offset = offsetof(struct free_args, addr) },
	{}
};

int m_free(struct rpc_call *call, void *userdata)
{
	const struct free_args *a = rpc_call_args(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	struct arenad *d = userdata;
	struct arenad_req req = { .op = ARENAD_OP_FREE, .uid = peer->uid, .addr = a->addr };
	struct json_writer *w;
	int r;

	if (!in_arena(call, d, req.addr))
		return 0;
	r = arenad_pins__run(d->arena->pins, &req);
	if (r < 0)
		return refused(call, d, &req, r);
	leases_forget(d->leases, (req.addr - d->arena->ident.user_vm_start) >> ARENAD_PAGE_SHIFT);
	log_debug("free %u pages at 0x%llx (uid %u)", req.pages,
		  (unsigned long long)req.addr, peer->uid);
	status_changed(d->status);

	w = rpc_call_result(call);
	json_w_object(w);
	json_w_member(w, "pages", u64, req.pages);
	json_w_object_end(w);
	return rpc_call_reply(call);
}
