/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON-RPC 2.0 over lines: one request line becomes one struct rpc_call,
 * which the method's handler answers (rpc_call.h) and the dispatcher
 * turns into the reply the connection sends (struct rpc_answer). The
 * shape is sd-varlink's: a method table whose entries declare their
 * parameters, and a call object answered by reply, error or stream, or
 * kept by the handler to answer later.
 */
#ifndef __ARENAD_RPC_H
#define __ARENAD_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "arenad_proto.h"
#include "json_out.h"
#include "proto_json.h"
#include "proc_stat.h"

struct rpc_call;
struct rpc_answer;

struct rpc_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool may_write;		/* alloc/free allowed */
	__u64 conn_id;		/* the connection's, unique while the daemon runs;
				 * 0: a call no connection carries */
	/* The peer process as /proc saw it when it connected (its start
	 * in clock ticks after boot, 0: unknown; its command name), read
	 * once per connection: every allocation records its maker. */
	__u64 start_ticks;
	char comm[PROC_STAT_COMM_LEN];
};

/* What the connection a call came on offers it. */
struct rpc_link_ops {
	/* Do unread replies hold too much (then no heavy method runs)?
	 * Asked only for a heavy method. NULL: never. */
	bool (*over_budget)(void *userdata);
	/* The answer to a call the handler kept (rpc_call_defer()): a is
	 * the connection's to send, and to free with rpc_answer_done(). */
	void (*answered)(void *userdata, struct rpc_answer *a);
	/* Can the link stream notifications after a reply
	 * (rpc_call_subscribe())? */
	bool can_subscribe;
	/* The connection now holds something that ends when it closes (a
	 * lease): it is never closed for being idle, and the server's
	 * closed() hook hears of its end. NULL: the link cannot hold any. */
	void (*hold)(void *userdata);
};

struct rpc_link {
	const struct rpc_link_ops *ops;
	void *userdata;
};

/*
 * A result array too large to build in one go (it would hold memory for a
 * client that may never read it, and stall every other client while it is
 * built): the connection asks for the next slice whenever the client has
 * read what was sent (rpc_stream_fill()).
 */
struct rpc_stream_ops {
	/* Write the next few items with json_w_*(): 1 while more remain,
	 * 0 at the end, -errno. */
	int (*next)(void *state, struct json_writer *w);
	void (*free)(void *state);
};

struct rpc_stream {
	const struct rpc_stream_ops *ops;	/* NULL: no stream */
	void *state;
	size_t held;		/* bytes the state holds, for the reply budget */
	bool started;		/* an item is out: the next needs a comma */
	char *tail;		/* what follows the array: "],"id":...}" */
	size_t tail_len;
};

/* Append the next slice of about chunk bytes to b: 1 while more remain,
 * 0 when the tail (without the newline) is in too, or -errno. */
int rpc_stream_fill(struct rpc_stream *s, struct json_buf *b, size_t chunk);
void rpc_stream_done(struct rpc_stream *s);

/*
 * A subscription (rpc_call_subscribe()): after its reply the connection
 * carries notifications to its client until the client closes. The
 * publisher (server_notify()) decides by filter which ones it gets; the
 * connection holds at most queue_limit bytes of them for a client that
 * does not read, and drops (and counts) the rest.
 */
struct rpc_sub {
	void *filter;		/* NULL: no subscription */
	void (*free)(void *filter);
	size_t queue_limit;
};

void rpc_sub_done(struct rpc_sub *s);

/* What a call comes to, for the connection. */
enum rpc_answer_kind {
	RPC_ANSWER_NONE,	/* no reply is due (a notification) */
	RPC_ANSWER_LINE,	/* text is the reply line */
	RPC_ANSWER_STREAM,	/* text is the head; stream's items and tail follow */
	RPC_ANSWER_LATER,	/* the handler kept call: the link's answered() follows */
	RPC_ANSWER_RETRY,	/* it cannot run yet: hand the line in again later */
	RPC_ANSWER_OOM,		/* not even an error reply could be built: send rpc_oom_line */
	RPC_ANSWER_SUBSCRIBED,	/* text is the reply; sub's notifications follow */
};

struct rpc_answer {
	enum rpc_answer_kind kind;
	/* LINE, STREAM: malloc'ed, without a newline; text[len] is a NUL,
	 * room for the connection's newline */
	char *text;
	size_t len;
	struct rpc_stream stream;	/* STREAM */
	struct rpc_call *call;		/* LATER: see rpc_call_detach() */
	struct rpc_sub sub;		/* SUBSCRIBED */
};

void rpc_answer_done(struct rpc_answer *a);
/* A STREAM answer as one LINE (tests, the fuzz harness); OOM on failure. */
void rpc_answer_flatten(struct rpc_answer *a);

/* Declared parameters, checked by the dispatcher before the handler runs.
 * A JSON null counts as absent. */
enum rpc_param_type {
	RPC_PARAM_U32,		/* an integer in min..max: __u32 */
	RPC_PARAM_NAME,		/* 1..max bytes of printable ASCII, no spaces: const char * */
	RPC_PARAM_ADDR,		/* a "0x..." hex string: __u64 */
	RPC_PARAM_BOOL,		/* true or false: bool */
	RPC_PARAM_WORD,		/* one of words[]: the index, __u32 */
	RPC_PARAM_NAMES,	/* an array of at most RPC_NAMES_MAX NAMEs (each
				 * 1..max bytes): json_object *, the request's */
};

#define RPC_NAMES_MAX 16

struct rpc_param {
	const char *name;
	enum rpc_param_type type;
	bool required;
	size_t offset;		/* of the value in the method's argument struct */
	__u32 min, max;
	/* U32: the upper bound when it is the daemon's (the arena's size) */
	__u32 (*max_of)(void *userdata);
	/* WORD: the words it may be, ending with NULL */
	const char *const *words;
};

/* The argument struct of a method: its parameters' values, zero when absent. */
#define RPC_ARGS_MAX 64

typedef int (*rpc_method_t)(struct rpc_call *call, void *userdata);

struct rpc_method {
	const char *name;
	/* Answers call (rpc_call.h) and returns 0, or returns -errno
	 * without answering: then the reply is -32603. */
	rpc_method_t handler;
	const struct rpc_param *params;	/* ends with a NULL name; NULL: none */
	bool write;		/* needs peer->may_write */
	/* Work or replies in O(ledger) or O(arena): refused with -32005
	 * while unread replies are over the daemon's budget. */
	bool heavy;
};

struct rpc_table {
	const struct rpc_method *methods;
	size_t n;
	void *userdata;
};

/*
 * Handle one request line (without its newline) from peer on link
 * (link->ops may be NULL: then no call can be kept for later): *a gets
 * what the connection does next.
 */
void rpc_handle_line(const struct rpc_table *t, const struct rpc_peer *peer,
		     const struct rpc_link *link, const char *line, size_t len,
		     struct rpc_answer *a);

/* An error reply for a request that could not even be read (too long),
 * or for a client that is refused: a LINE, or OOM. */
void rpc_error_answer(int code, const char *message, struct rpc_answer *a);

/* The -32603 "out of memory" reply, for when nothing could be allocated. */
extern const char rpc_oom_line[];

/*
 * An error as code and message, for code that fails a request before it
 * has a call (the inventory's jobs): rpc_call_fail() answers with it.
 */
struct rpc_error {
	int code;
	char message[256];
};

/* Fill err; returns -1. */
int rpc_set_error(struct rpc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rpc_oom(struct rpc_error *err);

/*
 * Building a json-c tree (a result made off the loop): add v as member key
 * of o, where o or v may be NULL (a json-c constructor that ran out of
 * memory). A failure is remembered per thread: rpc_alloc_failed() tells
 * and clears. rpc_put_or_null adds a JSON null for v NULL when want_null.
 */
void rpc_put(json_object *o, const char *key, json_object *v);
void rpc_put_or_null(json_object *o, const char *key, json_object *v, bool want_null);
void rpc_append(json_object *arr, json_object *v);
bool rpc_alloc_failed(void);

#include "rpc_call.h"

#endif /* __ARENAD_RPC_H */
