// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON-RPC 2.0 over lines (rpc.h): parse a request line, check it and its
 * method's declared parameters, run the handler on a call, and tell the
 * connection what the call came to. Logging: none; everything here runs
 * per request, and every failure becomes the error reply (log.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json_out.h"
#include "json_strict.h"
#include "rpc_internal.h"

int rpc_set_error(struct rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* Strings in requests are valid UTF-8, but a cut at a byte limit
	 * (here or in the format) can split a character. */
	utf8_sanitize(err->message);
	return -1;
}

int rpc_oom(struct rpc_error *err)
{
	return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "out of memory");
}

/* The reply of last resort, when even an error reply cannot be built. */
const char rpc_oom_line[] =
	"{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"out of memory\"},\"id\":null}";

void rpc_error_line(json_object *id, int code, const char *message, struct rpc_answer *a)
{
	struct json_writer w = {};

	json_w_object(&w);
	json_w_member(&w, "jsonrpc", str, "2.0");
	json_w_key(&w, "error");
	json_w_object(&w);
	json_w_member(&w, "code", i64, code);
	json_w_member(&w, "message", str, message);
	json_w_object_end(&w);
	json_w_member(&w, "id", json, id);
	json_w_object_end(&w);
	json_w_lit(&w, "", 1);	/* a C string too */
	if (w.error) {
		json_writer_done(&w);
		*a = (struct rpc_answer) { .kind = RPC_ANSWER_OOM };
		return;
	}
	*a = (struct rpc_answer) {
		.kind = RPC_ANSWER_LINE,
		.text = w.buf.data,
		.len = w.buf.len - 1,
	};
}

void rpc_error_answer(int code, const char *message, struct rpc_answer *a)
{
	rpc_error_line(NULL, code, message, a);
}

static const struct rpc_method *find_method(const struct rpc_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->methods[i].name, name))
			return &t->methods[i];
	return NULL;
}

/* An id must be a string, a number or null (JSON-RPC 2.0, section 4). */
static bool valid_id(json_object *id)
{
	return !id || json_object_is_type(id, json_type_string) ||
	       json_object_is_type(id, json_type_int) ||
	       json_object_is_type(id, json_type_double);
}

/* json-c saturates integers that do not fit in 64 bits: such an id could
 * not be sent back as it came. */
static bool id_saturated(json_object *id, bool big_int)
{
	return big_int && json_object_is_type(id, json_type_int) &&
	       (json_object_get_int64(id) == INT64_MIN ||
		json_object_get_uint64(id) == UINT64_MAX);
}

/*
 * Check the request object, find its method and check the parameters
 * against the method's table: 0 with c->method set, or -1 with c->err.
 */
static int check_request(const struct rpc_table *t, struct rpc_call *c, json_object *req,
			 bool big_int)
{
	const struct rpc_method *m;
	json_object *id = NULL, *v, *params = NULL;

	c->has_id = json_object_object_get_ex(req, "id", &id);
	if (!valid_id(id))
		return rpc_set_error(&c->err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: 'id' must be a string, number or null");
	if (id_saturated(id, big_int))
		return rpc_set_error(&c->err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: a numeric 'id' must fit in 64 bits");
	c->id = json_object_get(id);
	if (!json_object_object_get_ex(req, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0"))
		return rpc_set_error(&c->err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: \"jsonrpc\": \"2.0\" is required");
	if (!json_object_object_get_ex(req, "method", &v) ||
	    !json_object_is_type(v, json_type_string))
		return rpc_set_error(&c->err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: 'method' must be a string");
	m = strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v)
	    ? find_method(t, json_object_get_string(v)) : NULL;	/* no embedded NULs */
	if (!m)
		return rpc_set_error(&c->err, ARENAD_RPC_METHOD_NOT_FOUND, "unknown method '%.64s'",
				     json_object_get_string(v));
	c->method = m;
	if (json_object_object_get_ex(req, "params", &params) &&
	    !json_object_is_type(params, json_type_null) &&
	    !json_object_is_type(params, json_type_object))
		return rpc_set_error(&c->err, ARENAD_RPC_INVALID_PARAMS,
				     "invalid params: 'params' must be an object (by-name parameters)");
	if (params && json_object_is_type(params, json_type_null))
		params = NULL;
	if (m->write && !c->peer.may_write)
		return rpc_set_error(&c->err, ARENAD_ERR_PERMISSION,
				     "permission denied: uid %u may not call '%s'", c->peer.uid, m->name);
	if (m->heavy && c->link.ops && c->link.ops->over_budget &&
	    c->link.ops->over_budget(c->link.userdata))
		return rpc_set_error(&c->err, ARENAD_ERR_UNAVAILABLE,
				     "busy: replies that clients have not read yet hold the daemon's "
				     "reply memory; '%s' is refused until they are read, try again later",
				     m->name);
	return rpc_params_parse(c, m->params, params, t->userdata);
}

/* Run the handler; whatever it leaves unanswered is answered here. */
static void run(const struct rpc_table *t, struct rpc_call *c)
{
	const struct rpc_method *m = c->method;
	int r;

	rpc_alloc_failed();
	r = m->handler(c, t->userdata);
	/* A call kept and then failed is answered for here, as one not kept
	 * (the answer comes back to c while the handler's frame is live). */
	if (r < 0 && c->state == RPC_CALL_KEPT)
		rpc_call_error(c->kept, ARENAD_RPC_INTERNAL_ERROR, "internal error: %s",
			       strerror(-r));
	if (c->state == RPC_CALL_RUNNING) {
		if (r == -ENOMEM)
			rpc_call_oom(c);
		else
			rpc_call_error(c, ARENAD_RPC_INTERNAL_ERROR, "internal error: %s",
				       strerror(r < 0 ? -r : EPROTO));
	}
	/* Part of a json-c result could not be built: not a partial reply. */
	if (rpc_alloc_failed() && (c->state == RPC_CALL_REPLIED || c->state == RPC_CALL_STREAMING ||
				   c->state == RPC_CALL_SUBSCRIBED)) {
		rpc_stream_done(&c->stream);
		rpc_sub_done(&c->sub);
		c->state = RPC_CALL_RUNNING;
		rpc_call_oom(c);
	}
}

void rpc_handle_line(const struct rpc_table *t, const struct rpc_peer *peer,
		     const struct rpc_link *link, const char *line, size_t len,
		     struct rpc_answer *a)
{
	_cleanup_(json_object_putp) json_object *req = NULL;
	struct rpc_call c = {
		.peer = *peer,
		.link = link ? *link : (struct rpc_link) {},
	};
	bool big_int;
	char why[128];
	int r;

	*a = (struct rpc_answer) {};
	r = json_strict_parse(line, len, &req, &big_int, why, sizeof(why));
	if (r == -ENOMEM) {
		a->kind = RPC_ANSWER_OOM;
		return;
	}
	if (r < 0) {
		rpc_set_error(&c.err, ARENAD_RPC_PARSE_ERROR, "parse error: %s", why);
		rpc_error_answer(c.err.code, c.err.message, a);
		return;
	}
	if (!req || !json_object_is_type(req, json_type_object)) {
		rpc_error_answer(ARENAD_RPC_INVALID_REQUEST,
				 json_object_is_type(req, json_type_array)
				 ? "invalid request: batches are not supported, send one object per line"
				 : "invalid request: not a JSON object", a);
		return;
	}
	if (check_request(t, &c, req, big_int) < 0)
		c.state = RPC_CALL_FAILED;
	else
		run(t, &c);
	rpc_call_answer(&c, a);
	rpc_call_clear(&c);
}

/* Set by the rpc_put() family when json-c ran out of memory; checked and
 * cleared around each handler. Per thread: inventory jobs build JSON off
 * the loop. */
static __thread bool alloc_failed;

void rpc_put(json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		alloc_failed = true;
	}
}

void rpc_put_or_null(json_object *o, const char *key, json_object *v, bool want_null)
{
	if (!v && want_null) {
		if (!o || json_object_object_add(o, key, NULL))
			alloc_failed = true;
		return;
	}
	rpc_put(o, key, v);
}

void rpc_append(json_object *arr, json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v)) {
		json_object_put(v);
		alloc_failed = true;
	}
}

bool rpc_alloc_failed(void)
{
	bool failed = alloc_failed;

	alloc_failed = false;
	return failed;
}
