/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call object, shared by the dispatcher (rpc.c), the call's answers
 * (rpc_call.c) and the parameter tables (rpc_params.c) only. */
#ifndef __ARENAD_RPC_INTERNAL_H
#define __ARENAD_RPC_INTERNAL_H

#include "rpc.h"

/* A reply with a result is text around the result: the same bytes as the
 * object {jsonrpc, result, id} through json_out(), without building it. */
#define RPC_REPLY_HEAD "{\"jsonrpc\":\"2.0\",\"result\":"

enum rpc_call_state {
	RPC_CALL_RUNNING,	/* not answered yet */
	RPC_CALL_REPLIED,	/* the result is in w */
	RPC_CALL_FAILED,	/* err */
	RPC_CALL_STREAMING,	/* stream */
	RPC_CALL_KEPT,		/* rpc_call_defer(): kept answers for it */
	RPC_CALL_RETRY,
	RPC_CALL_SUBSCRIBED,	/* the result is in w, then sub */
	RPC_CALL_ANSWERED,	/* its kept call was answered before the
				 * handler returned: answer holds it */
};

struct rpc_call {
	const struct rpc_method *method;
	struct rpc_peer peer;
	struct rpc_link link;		/* ops NULL: no one to answer to */
	json_object *id;		/* a reference; NULL: null or none */
	bool has_id;			/* false: a notification */
	enum rpc_call_state state;
	unsigned int given;		/* bit per declared parameter: sent */
	unsigned int valued;		/* ... and not as a JSON null */
	_Alignas(8) unsigned char args[RPC_ARGS_MAX];
	struct json_writer w;
	struct rpc_error err;
	struct rpc_stream stream;
	struct rpc_sub sub;		/* SUBSCRIBED */
	size_t held;
	/* Of a call on the dispatcher's stack: the copy rpc_call_defer()
	 * made, while the handler runs. */
	struct rpc_call *kept;
	/* Of a kept call: the call whose handler is still running, to which
	 * an answer given meanwhile goes. */
	struct rpc_call *running;
	struct rpc_answer answer;	/* RPC_CALL_ANSWERED */
	bool on_heap;
};

/* Check params against the table and fill c->args and c->given: 0, or -1
 * with c->err set. */
int rpc_params_parse(struct rpc_call *c, const struct rpc_param *table, json_object *params,
		     void *userdata);

/* What c came to, for the connection (or a notification's nothing). */
void rpc_call_answer(struct rpc_call *c, struct rpc_answer *a);
void rpc_call_clear(struct rpc_call *c);

/* The error reply for id (NULL: null): a LINE, or OOM. */
void rpc_error_line(json_object *id, int code, const char *message, struct rpc_answer *a);

#endif /* __ARENAD_RPC_INTERNAL_H */
