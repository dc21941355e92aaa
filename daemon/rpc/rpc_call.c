// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The call object (rpc_call.h): how a handler answers, and what an answer
 * becomes for the connection (struct rpc_answer). Per-request: never logs,
 * every failure becomes the error reply (log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json_strict.h"
#include "rpc_internal.h"

/* Under malloc's large-chunk size (1 KiB), whose first request in a while
 * sorts out all recently freed small chunks: one allocation for a usual
 * result (stats with a few owners), not a chain of copies as it grows. */
#define RESULT_SIZE 1000

const struct rpc_peer *rpc_call_peer(const struct rpc_call *c)
{
	return &c->peer;
}

const void *rpc_call_args(const struct rpc_call *c)
{
	return c->args;
}

static void deliver(struct rpc_call *c);

/* Is c still to be answered? A second answer is a handler's bug. */
static int answering(struct rpc_call *c)
{
	return c->state == RPC_CALL_RUNNING ? 0 : -EALREADY;
}

struct json_writer *rpc_call_result(struct rpc_call *c)
{
	if (!c->w.buf.len && !c->w.error &&
	    (json_buf_reserve(&c->w.buf, RESULT_SIZE) < 0 ||
	     json_buf_lit(&c->w.buf, RPC_REPLY_HEAD) < 0))
		c->w.error = -ENOMEM;
	return &c->w;
}

int rpc_call_reply(struct rpc_call *c)
{
	int r = answering(c);

	if (r < 0)
		return r;
	rpc_call_result(c);
	if (!(c->w.more & 1)) {	/* nothing written: an empty result */
		json_w_object(&c->w);
		json_w_object_end(&c->w);
	}
	if (c->w.error || c->w.depth)
		return rpc_call_oom(c);
	c->state = RPC_CALL_REPLIED;
	deliver(c);
	return 0;
}

int rpc_call_reply_json(struct rpc_call *c, json_object *result)
{
	if (!result)
		return rpc_call_oom(c);
	json_w_json(rpc_call_result(c), result);
	json_object_put(result);
	return rpc_call_reply(c);
}

static int fail(struct rpc_call *c)
{
	int r = answering(c);

	if (r < 0)
		return r;
	json_writer_done(&c->w);	/* not a partial result */
	c->state = RPC_CALL_FAILED;
	deliver(c);
	return 0;
}

int rpc_call_error(struct rpc_call *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->state != RPC_CALL_RUNNING)
		return -EALREADY;
	c->err.code = code;
	va_start(ap, fmt);
	vsnprintf(c->err.message, sizeof(c->err.message), fmt, ap);
	va_end(ap);
	/* Strings in requests are valid UTF-8, but a cut at a byte limit
	 * (here or in the format) can split a character. */
	utf8_sanitize(c->err.message);
	return fail(c);
}

int rpc_call_fail(struct rpc_call *c, const struct rpc_error *err)
{
	if (c->state != RPC_CALL_RUNNING)
		return -EALREADY;
	c->err = *err;
	return fail(c);
}

int rpc_call_oom(struct rpc_call *c)
{
	return rpc_call_error(c, ARENAD_RPC_INTERNAL_ERROR, "out of memory");
}

int rpc_call_stream(struct rpc_call *c, const struct rpc_stream_ops *ops, void *state,
		    size_t held)
{
	int r = answering(c);

	if (r < 0) {
		ops->free(state);
		return r;
	}
	c->stream = (struct rpc_stream) { .ops = ops, .state = state, .held = held };
	c->state = RPC_CALL_STREAMING;
	deliver(c);
	return 0;
}

int rpc_call_hold_connection(struct rpc_call *c)
{
	if (!c->link.ops || !c->link.ops->hold || !c->peer.conn_id)
		return -EOPNOTSUPP;
	c->link.ops->hold(c->link.userdata);
	return 0;
}

int rpc_call_subscribe(struct rpc_call *c, void *filter, void (*free_filter)(void *),
		       size_t queue_limit)
{
	int r = answering(c);

	if (r < 0 || !c->link.ops || !c->link.ops->can_subscribe || c->on_heap) {
		free_filter(filter);
		if (r < 0)
			return r;
		return rpc_call_error(c, ARENAD_RPC_INTERNAL_ERROR,
				      "this connection cannot carry notifications");
	}
	rpc_call_result(c);
	if (!(c->w.more & 1)) {
		json_w_object(&c->w);
		json_w_object_end(&c->w);
	}
	if (c->w.error || c->w.depth) {
		free_filter(filter);
		return rpc_call_oom(c);
	}
	c->sub = (struct rpc_sub) { .filter = filter, .free = free_filter, .queue_limit = queue_limit };
	c->state = RPC_CALL_SUBSCRIBED;
	return 0;
}

void rpc_sub_done(struct rpc_sub *s)
{
	if (s->filter && s->free)
		s->free(s->filter);
	*s = (struct rpc_sub) {};
}

int rpc_call_retry(struct rpc_call *c)
{
	int r = answering(c);

	if (r < 0)
		return r;
	c->state = RPC_CALL_RETRY;
	return 0;
}

struct rpc_call *rpc_call_defer(struct rpc_call *c)
{
	struct rpc_call *k;

	if (answering(c) < 0)
		return NULL;
	if (c->on_heap)		/* kept already */
		return c;
	if (!c->link.ops || !c->link.ops->answered) {
		rpc_call_error(c, ARENAD_RPC_INTERNAL_ERROR, "cannot defer the reply");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rpc_call_oom(c);
		return NULL;
	}
	k->method = c->method;
	k->peer = c->peer;
	k->link = c->link;
	k->id = json_object_get(c->id);
	k->has_id = c->has_id;
	k->on_heap = true;
	k->running = c;
	c->kept = k;
	c->state = RPC_CALL_KEPT;
	return k;
}

void rpc_call_hold(struct rpc_call *c, size_t bytes)
{
	c->held = bytes;
}

size_t rpc_call_held(const struct rpc_call *c)
{
	return c->held;
}

void rpc_call_detach(struct rpc_call *c)
{
	c->link = (struct rpc_link) {};
}

void rpc_call_clear(struct rpc_call *c)
{
	json_object_put(c->id);
	c->id = NULL;
	json_writer_done(&c->w);
	rpc_stream_done(&c->stream);
	rpc_sub_done(&c->sub);
}

/* A kept call's answer goes to its connection (or, while its handler still
 * runs, back to the dispatcher), and the call ends. */
static void deliver(struct rpc_call *c)
{
	struct rpc_call *running = c->running;
	struct rpc_answer a = {};

	if (!c->on_heap)
		return;		/* the dispatcher takes it when the handler returns */
	if (running || c->link.ops)
		rpc_call_answer(c, &a);
	if (running) {
		running->answer = a;
		a = (struct rpc_answer) {};
		running->state = RPC_CALL_ANSWERED;
		running->kept = NULL;
	} else if (c->link.ops) {
		c->link.ops->answered(c->link.userdata, &a);
	}
	rpc_answer_done(&a);
	rpc_call_clear(c);
	free(c);
}

/* Append ,"id":ID} and a NUL to b, making it the answer's text. */
static void close_line(struct json_buf *b, json_object *id, enum rpc_answer_kind kind,
		       struct rpc_answer *a)
{
	int r = json_buf_lit(b, ",\"id\":");

	if (r >= 0)
		r = json_out(b, id);
	if (r >= 0)
		r = json_buf_put(b, "}", 2);	/* with the NUL: a C string too */
	if (r < 0) {
		a->kind = RPC_ANSWER_OOM;
		return;
	}
	a->kind = kind;
	a->text = b->data;
	a->len = b->len - 1;
	*b = (struct json_buf) {};
}

/* "{"jsonrpc":"2.0","result":[" as the text, "],"id":ID}" as the tail. */
static int stream_answer(struct rpc_call *c, struct rpc_answer *a)
{
	_cleanup_(json_buf_freep) struct json_buf head = {}, tail = {};
	int r;

	r = json_buf_lit(&tail, "]");
	if (r >= 0)
		r = json_buf_lit(&head, RPC_REPLY_HEAD "[");
	if (r < 0)
		return r;
	close_line(&tail, c->id, RPC_ANSWER_STREAM, a);
	if (a->kind == RPC_ANSWER_OOM)
		return -ENOMEM;
	c->stream.tail = a->text;
	c->stream.tail_len = a->len;
	a->stream = c->stream;
	c->stream = (struct rpc_stream) {};
	r = json_buf_put(&head, "", 1);
	if (r < 0)
		return r;
	a->text = TAKE_PTR(head.data);
	a->len = head.len - 1;
	return 0;
}

void rpc_call_answer(struct rpc_call *c, struct rpc_answer *a)
{
	*a = (struct rpc_answer) {};
	switch (c->state) {
	case RPC_CALL_RUNNING:	/* the dispatcher answers for the handler */
	case RPC_CALL_RETRY:
		a->kind = RPC_ANSWER_RETRY;
		return;
	case RPC_CALL_KEPT:
		a->kind = RPC_ANSWER_LATER;
		a->call = c->kept;
		c->kept->running = NULL;
		c->kept = NULL;
		return;
	case RPC_CALL_ANSWERED:
		*a = c->answer;
		c->answer = (struct rpc_answer) {};
		return;
	case RPC_CALL_FAILED:
		/* None to a notification, unless it was not even a valid
		 * request. */
		if (c->has_id || c->err.code == ARENAD_RPC_INVALID_REQUEST)
			rpc_error_line(c->id, c->err.code, c->err.message, a);
		return;
	case RPC_CALL_REPLIED:
		if (!c->has_id)
			return;
		close_line(&c->w.buf, c->id, RPC_ANSWER_LINE, a);
		break;
	case RPC_CALL_SUBSCRIBED:
		/* A notification has no reply to follow up on: nothing. */
		if (!c->has_id)
			return;
		close_line(&c->w.buf, c->id, RPC_ANSWER_SUBSCRIBED, a);
		if (a->kind == RPC_ANSWER_SUBSCRIBED) {
			a->sub = c->sub;
			c->sub = (struct rpc_sub) {};
		}
		break;
	case RPC_CALL_STREAMING:
		if (!c->has_id)
			return;
		if (stream_answer(c, a) < 0) {
			rpc_answer_done(a);
			a->kind = RPC_ANSWER_OOM;
		}
		break;
	}
	if (a->kind == RPC_ANSWER_OOM)	/* the result did not fit; an error may */
		rpc_error_line(c->id, ARENAD_RPC_INTERNAL_ERROR, "out of memory", a);
}

void rpc_answer_done(struct rpc_answer *a)
{
	free(a->text);
	rpc_stream_done(&a->stream);
	rpc_sub_done(&a->sub);
	if (a->call)	/* a kept call no one will wait for */
		rpc_call_detach(a->call);
	*a = (struct rpc_answer) {};
}

void rpc_stream_done(struct rpc_stream *s)
{
	if (s->ops && s->ops->free)
		s->ops->free(s->state);
	free(s->tail);
	*s = (struct rpc_stream) {};
}

int rpc_stream_fill(struct rpc_stream *s, struct json_buf *b, size_t chunk)
{
	struct json_writer w = { .buf = *b, .depth = 1, .more = s->started ? 2 : 0 };
	int r = 1;

	while (r > 0 && w.buf.len < chunk) {
		r = s->ops->next(s->state, &w);
		if (w.error)
			r = w.error;
	}
	s->started = w.more & 2;
	if (r == 0 && json_buf_put(&w.buf, s->tail, s->tail_len) < 0)
		r = -ENOMEM;
	*b = w.buf;
	return r;
}

void rpc_answer_flatten(struct rpc_answer *a)
{
	struct json_buf b;
	int r = 1;

	if (a->kind != RPC_ANSWER_STREAM)
		return;
	b = (struct json_buf) { .data = a->text, .len = a->len, .size = a->len + 1 };
	a->text = NULL;
	while (r > 0)
		r = rpc_stream_fill(&a->stream, &b, SIZE_MAX);
	if (r >= 0)
		r = json_buf_put(&b, "", 1);
	rpc_answer_done(a);
	if (r < 0) {
		free(b.data);
		a->kind = RPC_ANSWER_OOM;
		return;
	}
	a->kind = RPC_ANSWER_LINE;
	a->text = b.data;
	a->len = b.len - 1;
}
