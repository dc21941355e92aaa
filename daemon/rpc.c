// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON-RPC 2.0 over lines. Logging: none; everything here runs per
 * request, and every failure becomes the error reply (log.h).
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
#include "rpc.h"

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

static json_object *param(json_object *params, const char *key)
{
	json_object *v = NULL;

	if (params && json_object_object_get_ex(params, key, &v) && !json_object_is_type(v, json_type_null))
		return v;
	return NULL;
}

/*
 * Fetch a parameter of JSON type `type` (described as `what` in errors):
 * 1 with *v set when present, 0 when absent and optional, -1 (err set)
 * when absent and required or of another type. A JSON null is absent.
 */
static int get_param(json_object *params, const char *key, bool required,
		     enum json_type type, const char *what, json_object **v,
		     struct rpc_error *err)
{
	*v = param(params, key);
	if (!*v) {
		if (required)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "missing parameter '%s'", key);
		return 0;
	}
	if (!json_object_is_type(*v, type))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be %s", key, what);
	return 1;
}

int rpc_params_only(json_object *params, const char *const *keys,
		    struct rpc_error *err)
{
	const char *const *k;

	if (!params)
		return 0;
	json_object_object_foreach(params, key, val) {
		(void)val;
		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "unknown parameter '%s'", key);
	}
	return 0;
}

int rpc_param_u32(json_object *params, const char *key, bool required,
		  __u32 min, __u32 max, __u32 *out, struct rpc_error *err)
{
	json_object *v;
	int64_t n;
	int r;

	r = get_param(params, key, required, json_type_int, "an integer", &v, err);
	if (r <= 0)
		return r;
	/* json-c saturates out-of-range numbers to INT64_MAX/MIN, which the
	 * range check below rejects as well. */
	n = json_object_get_int64(v);
	if (n < (int64_t)min || n > (int64_t)max)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be %u..%u, got %" PRId64,
				     key, min, max, n);
	*out = n;
	return 0;
}

int rpc_param_str(json_object *params, const char *key, bool required,
		  size_t maxlen, const char **out, struct rpc_error *err)
{
	json_object *v;
	const char *s;
	size_t i, len;
	int r;

	r = get_param(params, key, required, json_type_string, "a string", &v, err);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (!len || len > maxlen)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be 1..%zu bytes", key, maxlen);
	/* Names end up in logs and tables: printable ASCII only, no NULs. */
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "parameter '%s' must be printable ASCII without spaces", key);
	*out = s;
	return 0;
}

int rpc_param_addr(json_object *params, const char *key, bool required,
		   __u64 *out, struct rpc_error *err)
{
	json_object *v;
	const char *s;
	int r;

	r = get_param(params, key, required, json_type_string, "a \"0x...\" hex string", &v, err);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be a \"0x...\" hex string", key);
	if (proto_addr_parse(s, out))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' is not a valid address: '%s'", key, s);
	return 0;
}

/* The reply of last resort, when even an error reply cannot be built. */
const char rpc_oom_line[] =
	"{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"out of memory\"},\"id\":null}";

/* Serialize and free reply: 0 with *out malloc'ed, or -ENOMEM. */
static int finish(json_object *reply, char **out, size_t *reply_len)
{
	struct json_buf b = {};
	int r;

	*out = NULL;
	r = reply ? json_out(&b, reply) : -ENOMEM;
	if (r >= 0)
		r = json_buf_put(&b, "", 1);	/* a C string too */
	json_object_put(reply);
	if (r < 0) {
		free(b.data);
		return r;
	}
	*out = b.data;
	*reply_len = b.len - 1;
	return 0;
}

/*
 * A result reply is written as text around the result: the same bytes as
 * the object {jsonrpc, result, id} through json_out(), without building
 * that object for every request.
 */
#define REPLY_HEAD "{\"jsonrpc\":\"2.0\",\"result\":"
/* Under malloc's large-chunk size (1 KiB), whose first request in a while
 * sorts out all recently freed small chunks. */
#define TEXT_REPLY_SIZE 1000

/* Close a reply whose head and result are in b: 0 with *out malloc'ed (b
 * taken), or -ENOMEM (b freed). */
static int finish_text(struct json_buf *b, json_object *id, char **out, size_t *reply_len)
{
	int r = json_buf_lit(b, ",\"id\":");

	*out = NULL;
	if (r >= 0)
		r = json_out(b, id);
	if (r >= 0)
		r = json_buf_put(b, "}", 2);	/* with the NUL: a C string too */
	if (r < 0) {
		free(b->data);
		*b = (struct json_buf) {};
		return r;
	}
	*out = b->data;
	*reply_len = b->len - 1;
	*b = (struct json_buf) {};
	return 0;
}

/* The reply with result (taken): 0 with *out malloc'ed, or -ENOMEM. */
static int finish_result(json_object *id, json_object *result, char **out, size_t *reply_len)
{
	struct json_buf b = {};
	int r = result ? json_buf_lit(&b, REPLY_HEAD) : -ENOMEM;

	if (r >= 0)
		r = json_out(&b, result);
	json_object_put(result);
	if (r < 0) {
		free(b.data);
		*out = NULL;
		return r;
	}
	return finish_text(&b, id, out, reply_len);
}

/* Add v to o; o and v may be NULL after a failed allocation, which this
 * reports as -ENOMEM (v is released either way). */
int rpc_add(json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Like rpc_add, but a NULL v stands for a JSON null. */
static int add_or_null(json_object *o, const char *key, json_object *v)
{
	if (!o || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int reply_error(json_object *id, int code, const char *message,
		       char **out, size_t *reply_len)
{
	json_object *reply = json_object_new_object();
	json_object *e = json_object_new_object();
	int r = 0;

	r |= rpc_add(e, "code", json_object_new_int(code));
	r |= rpc_add(e, "message", json_object_new_string(message));
	r |= rpc_add(reply, "jsonrpc", json_object_new_string("2.0"));
	r |= rpc_add(reply, "error", e);
	r |= add_or_null(reply, "id", id ? json_object_get(id) : NULL);
	if (r < 0) {
		json_object_put(reply);
		*out = NULL;
		return -ENOMEM;
	}
	return finish(reply, out, reply_len);
}

int rpc_reply_line(json_object *id, json_object *result, const struct rpc_error *err,
		   char **out, size_t *reply_len)
{
	int r;

	*out = NULL;
	if (!result)
		return reply_error(id, err->code, err->message, out, reply_len);
	r = finish_result(id, result, out, reply_len);
	if (r < 0)
		return reply_error(id, ARENAD_RPC_INTERNAL_ERROR, "out of memory", out, reply_len);
	return 0;
}

int rpc_error_line(int code, const char *message, char **out, size_t *reply_len)
{
	return reply_error(NULL, code, message, out, reply_len);
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
 * Check the request object and run its method: the result in *result, or
 * -1 with err set. *id gets the request's id when it is a valid one.
 */
static int dispatch(const struct rpc_table *t, const struct rpc_peer *peer, json_object *req,
		    bool big_int, json_object **id, json_object **result, struct json_buf *text,
		    struct rpc_stream *stream, struct rpc_error *err)
{
	const struct rpc_method *m;
	json_object *v, *params = NULL;
	int r;

	json_object_object_get_ex(req, "id", id);
	if (!valid_id(*id)) {
		*id = NULL;
		return rpc_set_error(err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: 'id' must be a string, number or null");
	}
	if (id_saturated(*id, big_int)) {
		*id = NULL;
		return rpc_set_error(err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: a numeric 'id' must fit in 64 bits");
	}
	if (!json_object_object_get_ex(req, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0"))
		return rpc_set_error(err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: \"jsonrpc\": \"2.0\" is required");
	if (!json_object_object_get_ex(req, "method", &v) ||
	    !json_object_is_type(v, json_type_string))
		return rpc_set_error(err, ARENAD_RPC_INVALID_REQUEST,
				     "invalid request: 'method' must be a string");
	m = strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v)
	    ? find_method(t, json_object_get_string(v)) : NULL;	/* no embedded NULs */
	if (!m)
		return rpc_set_error(err, ARENAD_RPC_METHOD_NOT_FOUND, "unknown method '%.64s'",
				     json_object_get_string(v));
	if (json_object_object_get_ex(req, "params", &params) &&
	    !json_object_is_type(params, json_type_null) &&
	    !json_object_is_type(params, json_type_object))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "invalid params: 'params' must be an object (by-name parameters)");
	if (params && json_object_is_type(params, json_type_null))
		params = NULL;
	if (m->write && !peer->may_write)
		return rpc_set_error(err, ARENAD_ERR_PERMISSION,
				     "permission denied: uid %u may not call '%s'", peer->uid, m->name);
	if (m->heavy && peer->over_budget && peer->over_budget(peer))
		return rpc_set_error(err, ARENAD_ERR_UNAVAILABLE,
				     "busy: replies that clients have not read yet hold the daemon's "
				     "reply memory; '%s' is refused until they are read, try again later",
				     m->name);
	if (m->text) {
		/* One allocation for a usual reply (stats with a few owners),
		 * not a chain of copies as it grows. */
		if (json_buf_reserve(text, TEXT_REPLY_SIZE) < 0 || json_buf_lit(text, REPLY_HEAD) < 0)
			return rpc_oom(err);
		return m->text(t->ctx, peer, params, text, err) < 0 ? -1 : 0;
	}
	if (peer->request)	/* for server_defer() */
		*peer->request = (struct rpc_request) {
			.id = *id,
			.has_id = json_object_object_get_ex(req, "id", NULL),
		};
	if (m->stream)
		r = m->stream(t->ctx, peer, params, stream, err);
	else
		r = m->handler(t->ctx, peer, params, result, err);
	if (peer->request)
		peer->request->id = NULL;
	return r < 0 ? -1 : r;
}

void rpc_stream_done(struct rpc_stream *s)
{
	if (s->free)
		s->free(s->state);
	free(s->tail);
	*s = (struct rpc_stream) {};
}

/*
 * A streaming method's reply: the head {"jsonrpc":"2.0","result":[ in
 * *out and the tail ],"id":ID} in the stream; or, when the caller does
 * not stream (want NULL), all of it in *out.
 */
static int stream_reply(struct rpc_stream *st, json_object *id, struct rpc_stream *want,
			char **out, size_t *reply_len)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"result\":[";
	struct json_buf b = {}, tail = {};
	int r;

	r = json_buf_put(&tail, "],\"id\":", 7);
	if (r >= 0)
		r = json_out(&tail, id);
	if (r >= 0)
		r = json_buf_put(&tail, "}", 2);	/* with the NUL */
	if (r >= 0)
		r = json_buf_put(&b, head, sizeof(head) - 1);
	while (r >= 0 && !want && (r = st->next(st->state, &b)) > 0)
		;
	if (r >= 0 && !want)
		r = json_buf_put(&b, tail.data, tail.len);
	else if (r >= 0)
		r = json_buf_put(&b, "", 1);
	if (r < 0) {
		free(b.data);
		free(tail.data);
		rpc_stream_done(st);
		return r;
	}
	*out = b.data;
	*reply_len = b.len - 1;
	if (!want) {
		free(tail.data);
		rpc_stream_done(st);
		return 0;
	}
	st->tail = tail.data;
	st->tail_len = tail.len - 1;
	*want = *st;
	return 0;
}

/* The reply to a failed request: none to a notification, unless it was
 * not even a valid request. */
static int error_reply(bool has_id, json_object *id, const struct rpc_error *err,
		       char **out, size_t *reply_len)
{
	if (!has_id && err->code != ARENAD_RPC_INVALID_REQUEST)
		return 0;
	return reply_error(id, err->code, err->message, out, reply_len);
}

int rpc_stream_head(json_object *id, struct rpc_stream *st, struct rpc_stream *want,
		    char **head, size_t *head_len)
{
	return stream_reply(st, id, want, head, head_len);
}

int rpc_handle_line(const struct rpc_table *t, const struct rpc_peer *peer,
		    const char *line, size_t len, char **out, size_t *reply_len,
		    struct rpc_stream *want)
{
	_cleanup_(json_object_putp) json_object *req = NULL, *result = NULL;
	_cleanup_(json_buf_freep) struct json_buf text = {};
	struct rpc_stream st = {};
	struct rpc_error err = { 0 };
	json_object *id = NULL;
	bool has_id, big_int;
	char why[128];
	int r;

	*out = NULL;
	if (want)
		*want = (struct rpc_stream) {};
	r = json_strict_parse(line, len, &req, &big_int, why, sizeof(why));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		rpc_set_error(&err, ARENAD_RPC_PARSE_ERROR, "parse error: %s", why);
		return rpc_error_line(err.code, err.message, out, reply_len);
	}
	if (!req || !json_object_is_type(req, json_type_object))
		return rpc_error_line(ARENAD_RPC_INVALID_REQUEST,
				      json_object_is_type(req, json_type_array)
				      ? "invalid request: batches are not supported, send one object per line"
				      : "invalid request: not a JSON object", out, reply_len);

	has_id = json_object_object_get_ex(req, "id", NULL);
	rpc_alloc_failed();
	r = dispatch(t, peer, req, big_int, &id, &result, &text, &st, &err);
	if (r >= 0 && rpc_alloc_failed()) {
		/* Part of the result could not be built: not a partial reply. */
		json_object_put(TAKE_PTR(result));
		rpc_stream_done(&st);
		r = rpc_oom(&err);
	}
	if (r < 0)
		return error_reply(has_id, id, &err, out, reply_len);
	if (r == RPC_NOT_YET) {		/* the server hands it in again later */
		rpc_stream_done(&st);
		return RPC_NOT_YET;
	}
	if (r == RPC_DEFERRED || !has_id) {	/* answered later, or a notification */
		rpc_stream_done(&st);
		return 0;
	}
	if (st.next) {
		r = stream_reply(&st, id, want, out, reply_len);
		if (r >= 0)
			return 0;
		rpc_oom(&err);
		return error_reply(has_id, id, &err, out, reply_len);
	}
	if (text.data)
		r = finish_text(&text, id, out, reply_len);
	else
		r = finish_result(id, result ? TAKE_PTR(result) : json_object_new_object(),
				  out, reply_len);
	if (r >= 0)
		return 0;
	/* The result did not fit in memory; an error reply may. */
	rpc_oom(&err);
	return error_reply(has_id, id, &err, out, reply_len);
}

/* Set by the rpc_put() family when json-c ran out of memory; checked and
 * cleared around each handler. Per thread: inventory jobs build JSON off
 * the loop. */
static __thread bool alloc_failed;

void rpc_put(json_object *o, const char *key, json_object *v)
{
	if (rpc_add(o, key, v) < 0)
		alloc_failed = true;
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

int rpc_oom(struct rpc_error *err)
{
	return rpc_set_error(err, ARENAD_RPC_INTERNAL_ERROR, "out of memory");
}
