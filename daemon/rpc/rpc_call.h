/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The call a handler gets: who asks (rpc_call_peer()), with which
 * parameters (rpc_call_args(), checked against the method's table), and
 * the ways to answer. A handler answers exactly once, now or later:
 *
 *   rpc_call_result() + rpc_call_reply()   a result written with json_w_*()
 *   rpc_call_reply_json()                  a result that is a json-c tree
 *   rpc_call_error(), rpc_call_fail()      an error
 *   rpc_call_stream()                      an array written as the client reads
 *   rpc_call_subscribe()                   a result, then notifications (rpc.h)
 *   rpc_call_defer()                       keep the call, answer it later
 *   rpc_call_retry()                       not yet: run again after start-up
 *
 * Each answer returns 0 once the call is answered (an answer that could
 * not be built becomes -32603 by itself), or -EALREADY when it was
 * answered before, so that a handler ends with
 * "return rpc_call_...(call, ...)".
 * Per-request code: nothing here logs (log.h).
 */
#ifndef __ARENAD_RPC_CALL_H
#define __ARENAD_RPC_CALL_H

#include "rpc.h"

const struct rpc_peer *rpc_call_peer(const struct rpc_call *c);
/* The method's argument struct, filled from its parameter table. Strings
 * in it are the request's: valid while the handler runs. */
const void *rpc_call_args(const struct rpc_call *c);
/* Was the parameter sent at all (even as a JSON null)? */
bool rpc_call_given(const struct rpc_call *c, const char *name);
/* ... with a value, not a JSON null? */
bool rpc_call_valued(const struct rpc_call *c, const char *name);

/* The writer for the result; rpc_call_reply() sends what it holds. */
struct json_writer *rpc_call_result(struct rpc_call *c);
int rpc_call_reply(struct rpc_call *c);
/* Reply with result (taken; NULL: out of memory). */
int rpc_call_reply_json(struct rpc_call *c, json_object *result);

int rpc_call_error(struct rpc_call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rpc_call_fail(struct rpc_call *c, const struct rpc_error *err);
/* -32603 "out of memory". */
int rpc_call_oom(struct rpc_call *c);

/* An array result of ops' items; state is taken (freed with ops->free,
 * also on failure). held: what state holds, for the reply budget. */
int rpc_call_stream(struct rpc_call *c, const struct rpc_stream_ops *ops, void *state,
		    size_t held);

/* Reply with the result written so far (an empty object if none), then
 * make the connection a subscriber: filter is taken (freed with
 * free_filter, also on failure); see struct rpc_sub. A link that cannot
 * stream notifications gets an error. */
int rpc_call_subscribe(struct rpc_call *c, void *filter, void (*free_filter)(void *),
		       size_t queue_limit);

/*
 * Keep the call to answer it later, from the event loop: the handler
 * returns, and answers the call it gets here. Nothing more is read from
 * that client until then; other clients are served as usual. NULL: out
 * of memory, or a link that cannot wait (the call is answered then).
 */
struct rpc_call *rpc_call_defer(struct rpc_call *c);
/* What the kept call's reply will hold in memory (a snapshot for a
 * stream), counted in the reply budget from now on. */
void rpc_call_hold(struct rpc_call *c, size_t bytes);
size_t rpc_call_held(const struct rpc_call *c);
/* Make the connection the call came on hold what ends with it (a
 * lease; rpc_link_ops.hold): -EOPNOTSUPP when its link cannot. */
int rpc_call_hold_connection(struct rpc_call *c);
/* The connection is gone: the answer, when it comes, goes nowhere. */
void rpc_call_detach(struct rpc_call *c);

/* What the call needs is still being set up after READY=1 (startup.h):
 * the connection keeps the request and hands it in again. No side effect
 * may precede this. */
int rpc_call_retry(struct rpc_call *c);

#endif /* __ARENAD_RPC_CALL_H */
