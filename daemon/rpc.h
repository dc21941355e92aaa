/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON-RPC 2.0 framing: parse one request line, dispatch, build the reply. */
#ifndef __ARENAD_RPC_H
#define __ARENAD_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "arenad_proto.h"
#include "proto_json.h"

/* The request being handled, for a handler that answers it later. */
struct rpc_request {
	json_object *id;	/* borrowed while the handler runs */
	bool has_id;		/* false: a notification, no reply is due */
};

struct rpc_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool may_write;		/* alloc/free allowed */
	struct rpc_request *request;	/* set by rpc_handle_line(); may be NULL */
	/* Do unread replies hold too much (then no heavy method runs)?
	 * Asked only for a heavy method: the server sums what every
	 * connection holds to answer. NULL: never. */
	bool (*over_budget)(const struct rpc_peer *peer);
};

/*
 * A handler whose work runs off the event loop (a census) returns
 * RPC_DEFERRED after arranging with the server to answer later
 * (server_defer()); rpc_handle_line() then gives no reply.
 */
#define RPC_DEFERRED 1
/*
 * A handler that cannot run yet (what it needs is still being set up after
 * READY=1, see startup.h) returns RPC_NOT_YET with no side effect:
 * rpc_handle_line() passes it on without a reply, and the server keeps the
 * request line and hands it in again after server_resume().
 */
#define RPC_NOT_YET 2

struct json_buf;

/*
 * A result array too large to build in one go (it would hold memory for a
 * client that may never read it, and stall every other client while it is
 * built): the server asks for the next slice whenever the client has read
 * what was sent.
 */
struct rpc_stream {
	/* Append the next few items to b, each preceded by a comma except
	 * the very first: 1 while more remain, 0 at the end, -errno. */
	int (*next)(void *state, struct json_buf *b);
	void (*free)(void *state);
	void *state;
	size_t held;		/* bytes the state holds, for the reply budget */
	char *tail;		/* what follows the array: "],"id":...}" */
	size_t tail_len;
};
void rpc_stream_done(struct rpc_stream *s);

struct rpc_error {
	int code;
	char message[256];
};

typedef int (*rpc_handler_t)(void *ctx, const struct rpc_peer *peer,
			     json_object *params, json_object **result,
			     struct rpc_error *err);

/* Fill *out with a stream of the result array's items, or -1 with err set;
 * or RPC_DEFERRED (then server_finish_stream() or server_finish()). */
typedef int (*rpc_stream_handler_t)(void *ctx, const struct rpc_peer *peer,
				    json_object *params, struct rpc_stream *out,
				    struct rpc_error *err);

/*
 * Append the result's JSON text to out (the reply around it is the
 * caller's), or -1 with err set. For hot methods: no json-c objects to
 * build, serialise and free per request.
 */
typedef int (*rpc_text_handler_t)(void *ctx, const struct rpc_peer *peer,
				  json_object *params, struct json_buf *out,
				  struct rpc_error *err);

struct rpc_method {
	const char *name;
	rpc_handler_t handler;
	bool write;		/* needs peer->may_write */
	/* Work or replies in O(ledger) or O(arena): refused with -32005
	 * while unread replies are over the daemon's budget. */
	bool heavy;
	rpc_stream_handler_t stream;	/* instead of handler: an array result */
	rpc_text_handler_t text;	/* instead of handler: the result as text */
};

struct rpc_table {
	const struct rpc_method *methods;
	size_t n;
	void *ctx;
};

/*
 * Handle one request line (without its newline). 0 with *reply set to the
 * reply line, malloc'ed, without a newline but NUL-terminated (the server
 * turns the NUL into the newline), or to NULL when no reply is
 * due (a notification); *reply_len gets its length. -ENOMEM when not even
 * an error reply could be built: send rpc_oom_line then. RPC_NOT_YET,
 * with no reply, when the method cannot run yet (see RPC_NOT_YET).
 *
 * With stream non-NULL, a streaming method's reply is *reply (its head),
 * then the stream's items, then stream->tail; stream->next is NULL for
 * every other reply. With stream NULL, the whole reply is built at once.
 */
int rpc_handle_line(const struct rpc_table *t, const struct rpc_peer *peer,
		    const char *line, size_t len, char **reply, size_t *reply_len,
		    struct rpc_stream *stream);

/*
 * A deferred streaming reply (server_finish_stream()): *head gets the
 * reply's head for request id, and *want the stream st with its tail; st
 * is taken, also on failure (-ENOMEM).
 */
int rpc_stream_head(json_object *id, struct rpc_stream *st, struct rpc_stream *want,
		    char **head, size_t *head_len);

/* An error reply for a request that could not even be read (e.g. too long):
 * 0 or -ENOMEM, as rpc_handle_line. */
int rpc_error_line(int code, const char *message, char **reply, size_t *reply_len);

/* The reply line for a request id: result (taken) or, when NULL, err;
 * 0 or -ENOMEM, as rpc_handle_line. */
int rpc_reply_line(json_object *id, json_object *result, const struct rpc_error *err,
		   char **reply, size_t *reply_len);

/* The -32603 "out of memory" reply, for when nothing could be allocated. */
extern const char rpc_oom_line[];

/*
 * Add v as member key of o for a handler's result. o or v may be NULL (a
 * json-c constructor that ran out of memory): then -ENOMEM, v released.
 * Handlers OR the results together and fail the request with
 * rpc_oom(err) when any was non-zero.
 */
int rpc_add(json_object *o, const char *key, json_object *v);
int rpc_oom(struct rpc_error *err);

/*
 * The same without a return value to check, for results with many
 * members: a failure is remembered, and rpc_handle_line() replies -32603
 * "out of memory" instead of the handler's partial result. rpc_put_or_null
 * adds a JSON null for v NULL when want_null. rpc_alloc_failed() tells and
 * clears (for code that builds JSON outside a handler, e.g. a stream).
 */
void rpc_put(json_object *o, const char *key, json_object *v);
void rpc_put_or_null(json_object *o, const char *key, json_object *v, bool want_null);
void rpc_append(json_object *arr, json_object *v);
bool rpc_alloc_failed(void);

/* Helpers for handlers: each fills err and returns -1 when the parameter is
 * missing (and required) or has the wrong type or range. */
int rpc_set_error(struct rpc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rpc_param_u32(json_object *params, const char *key, bool required,
		  __u32 min, __u32 max, __u32 *out, struct rpc_error *err);
int rpc_param_str(json_object *params, const char *key, bool required,
		  size_t maxlen, const char **out, struct rpc_error *err);
int rpc_param_addr(json_object *params, const char *key, bool required,
		   __u64 *out, struct rpc_error *err);
/* Refuse keys that are not in the NULL-terminated list. */
int rpc_params_only(json_object *params, const char *const *keys,
		    struct rpc_error *err);

#endif /* __ARENAD_RPC_H */
