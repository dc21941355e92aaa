// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests: JSON-RPC framing, validation and parameter parsing. */
#include <errno.h>

#include "rpc.h"
#include "util.h"
#include "tap.h"

struct echo_args {
	__u32 pages;
	const char *name;
	__u64 addr;
};

static const struct rpc_param echo_params[] = {
	{ .name = "pages", .type = RPC_PARAM_U32, .required = true,
	  .offset = offsetof(struct echo_args, pages), .min = 1, .max = 100 },
	{ .name = "name", .type = RPC_PARAM_NAME, .offset = offsetof(struct echo_args, name), .max = 8 },
	{ .name = "addr", .type = RPC_PARAM_ADDR, .offset = offsetof(struct echo_args, addr) },
	{}
};

static int h_echo(struct rpc_call *call, void *userdata)
{
	const struct echo_args *a = rpc_call_args(call);
	struct json_writer *w = rpc_call_result(call);

	(*(int *)userdata)++;
	json_w_object(w);
	json_w_member(w, "pages", u64, a->pages);
	json_w_member(w, "addr", hex, a->addr);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

static int h_fail(struct rpc_call *call, void *userdata)
{
	return rpc_call_error(call, ARENAD_ERR_NOT_FOUND, "nothing here");
}

/* A reply with nothing written: an empty object, as a result must be one. */
static int h_empty(struct rpc_call *call, void *userdata)
{
	return rpc_call_reply(call);
}

/* A handler that fails without answering: the dispatcher answers -32603. */
static int h_errno(struct rpc_call *call, void *userdata)
{
	return -EIO;
}

/* The parameter kinds of quota: a word of a list, a boolean, and whether
 * a parameter came with a value or as a JSON null. */
struct word_args {
	__u32 op;
	bool flag;
	__u32 n;
};

static const char *const word_list[] = { "set", "get", "list", NULL };

static const struct rpc_param word_params[] = {
	{ .name = "op", .type = RPC_PARAM_WORD, .required = true,
	  .offset = offsetof(struct word_args, op), .words = word_list },
	{ .name = "flag", .type = RPC_PARAM_BOOL, .offset = offsetof(struct word_args, flag) },
	{ .name = "n", .type = RPC_PARAM_U32, .offset = offsetof(struct word_args, n), .max = 10 },
	{}
};

static int h_words(struct rpc_call *call, void *userdata)
{
	const struct word_args *a = rpc_call_args(call);
	struct json_writer *w = rpc_call_result(call);

	json_w_object(w);
	json_w_member(w, "op", u64, a->op);
	json_w_member(w, "flag", bool, a->flag);
	json_w_member(w, "n_given", bool, rpc_call_given(call, "n"));
	json_w_member(w, "n_valued", bool, rpc_call_valued(call, "n"));
	json_w_object_end(w);
	return rpc_call_reply(call);
}

static const struct rpc_method methods[] = {
	{ .name = "words", .handler = h_words, .params = word_params },
	{ .name = "echo", .handler = h_echo, .params = echo_params },
	{ .name = "fail", .handler = h_fail },
	{ .name = "write", .handler = h_echo, .params = echo_params, .write = true },
	{ .name = "errno", .handler = h_errno },
	{ .name = "empty", .handler = h_empty },
};

static int calls;
static const struct rpc_table table = { methods, ARRAY_SIZE(methods), &calls };

static char *last_reply;	/* the text of the latest reply */

/* Replies must be JSON in valid UTF-8, without what json-c alone accepts. */
static json_object *parse_strict(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, strlen(text) + 1);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    strstr(text, "NaN") || strstr(text, "Infinity")) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Run one line; return the reply parsed (or NULL for no reply). */
static json_object *run(const char *line, bool may_write)
{
	struct rpc_peer peer = { .uid = 1000, .may_write = may_write };
	struct rpc_answer a;
	json_object *o;

	rpc_handle_line(&table, &peer, NULL, line, strlen(line), &a);
	if (a.kind != RPC_ANSWER_LINE) {
		rpc_answer_done(&a);
		return NULL;
	}
	free(last_reply);
	last_reply = strdup(a.text);
	o = parse_strict(a.text);
	if (strlen(a.text) != a.len || strchr(a.text, '\n'))
		o = NULL;	/* replies must be one line of the stated length */
	rpc_answer_done(&a);
	return o;
}

static int err_code(json_object *o)
{
	json_object *e, *c;

	if (!o || !json_object_object_get_ex(o, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &c))
		return 0;
	return json_object_get_int(c);
}

static void expect_error(const char *line, int code, const char *what)
{
	json_object *o = run(line, false);

	is_int(err_code(o), code, "%s -> %d", what, code);
	json_object_put(o);
}

int main(void)
{
	json_object *o, *r, *v;

	o = run("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":{\"pages\":5,\"addr\":\"0x1000\"}}", false);
	ok(o && json_object_object_get_ex(o, "result", &r), "valid request gets a result");
	ok(o && json_object_object_get_ex(o, "id", &v) && json_object_get_int(v) == 7, "id echoed");
	ok(r && json_object_object_get_ex(r, "addr", &v) && !strcmp(json_object_get_string(v), "0x1000"),
	   "addresses round-trip as hex strings");
	json_object_put(o);

	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":\"list\",\"flag\":true,\"n\":null}}", false);
	ok(o && json_object_object_get_ex(o, "result", &r), "words: a word, a boolean and a null");
	ok(r && json_object_object_get_ex(r, "op", &v) && json_object_get_int(v) == 2, "a word is its index");
	ok(r && json_object_object_get_ex(r, "flag", &v) && json_object_get_boolean(v), "a boolean");
	ok(r && json_object_object_get_ex(r, "n_given", &v) && json_object_get_boolean(v) &&
	   json_object_object_get_ex(r, "n_valued", &v) && !json_object_get_boolean(v),
	   "a null is given but has no value");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":\"get\",\"n\":0}}", false);
	ok(o && json_object_object_get_ex(o, "result", &r) &&
	   json_object_object_get_ex(r, "n_valued", &v) && json_object_get_boolean(v),
	   "0 is a value");
	json_object_put(o);
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":\"lis\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "a word not in the list");
	is_str(strstr(last_reply, "must be ") ?: "", "must be 'set', 'get' or 'list'\"},\"id\":1}",
	       "the error lists the words");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":\"set\\u0000x\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "a word with a NUL after it");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":1}}",
		     ARENAD_RPC_INVALID_PARAMS, "a word that is no string");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{\"op\":\"set\",\"flag\":1}}",
		     ARENAD_RPC_INVALID_PARAMS, "a boolean that is a number");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"words\",\"params\":{}}",
		     ARENAD_RPC_INVALID_PARAMS, "a required word missing");

	o = run("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"echo\",\"params\":{\"pages\":1}}", false);
	ok(o && json_object_object_get_ex(o, "id", &v) && !strcmp(json_object_get_string(v), "abc"),
	   "string ids echoed");
	json_object_put(o);

	calls = 0;
	ok(run("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"pages\":1}}", false) == NULL,
	   "notification gets no reply");
	is_int(calls, 1, "notification still runs");

	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,", ARENAD_RPC_PARSE_ERROR, "truncated JSON");
	expect_error("not json", ARENAD_RPC_PARSE_ERROR, "garbage");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"} {}", ARENAD_RPC_PARSE_ERROR,
		     "trailing data");
	expect_error("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}]", ARENAD_RPC_INVALID_REQUEST,
		     "batch array");
	expect_error("42", ARENAD_RPC_INVALID_REQUEST, "scalar");
	expect_error("\"str\"", ARENAD_RPC_INVALID_REQUEST, "string");
	expect_error("null", ARENAD_RPC_INVALID_REQUEST, "null");
	expect_error("{\"id\":1,\"method\":\"echo\"}", ARENAD_RPC_INVALID_REQUEST, "missing jsonrpc");
	expect_error("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"echo\"}", ARENAD_RPC_INVALID_REQUEST,
		     "wrong jsonrpc version");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", ARENAD_RPC_INVALID_REQUEST,
		     "non-string method");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}", ARENAD_RPC_INVALID_REQUEST,
		     "object id");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", ARENAD_RPC_METHOD_NOT_FOUND,
		     "unknown method");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}", ARENAD_RPC_INVALID_PARAMS,
		     "missing required param");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}",
		     ARENAD_RPC_INVALID_PARAMS, "positional params");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":\"5\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "string where integer wanted");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1.5}}",
		     ARENAD_RPC_INVALID_PARAMS, "float where integer wanted");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":0}}",
		     ARENAD_RPC_INVALID_PARAMS, "below range");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":101}}",
		     ARENAD_RPC_INVALID_PARAMS, "above range");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":-1}}",
		     ARENAD_RPC_INVALID_PARAMS, "negative");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":99999999999999999999}}",
		     ARENAD_RPC_INVALID_PARAMS, "huge number");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"bogus\":1}}",
		     ARENAD_RPC_INVALID_PARAMS, "unknown param");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"name\":\"toolongname\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "string too long");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"name\":\"a b\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "string with a space");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"addr\":4096}}",
		     ARENAD_RPC_INVALID_PARAMS, "integer address");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"addr\":\"0xzz\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "bad hex address");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"addr\":\"4096\"}}",
		     ARENAD_RPC_INVALID_PARAMS, "address without 0x");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fail\"}", ARENAD_ERR_NOT_FOUND,
		     "handler error passed through");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"write\",\"params\":{\"pages\":1}}",
		     ARENAD_ERR_PERMISSION, "write method without permission");

	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"write\",\"params\":{\"pages\":1}}", true);
	ok(o && json_object_object_get_ex(o, "result", NULL), "write method with permission");
	json_object_put(o);

	/* Strict JSON: what json-c would take beyond RFC 8259 is -32700. */
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":NaN,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "id NaN");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":Infinity,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "id Infinity");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":-Infinity,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "id -Infinity");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":NaN}}",
		     ARENAD_RPC_PARSE_ERROR, "NaN in params");
	expect_error("{'jsonrpc':'2.0','id':1,'method':'fail'}", ARENAD_RPC_PARSE_ERROR, "single quotes");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fail\",}", ARENAD_RPC_PARSE_ERROR, "trailing comma");
	expect_error("{\"jsonrpc\":\"2.0\",/* c */\"id\":1,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "comment");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1.,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "number '1.'");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":01,\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "leading zero");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":\"\xff\",\"method\":\"fail\"}", ARENAD_RPC_PARSE_ERROR, "invalid UTF-8 in the id");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc3\x28\"}", ARENAD_RPC_PARSE_ERROR, "invalid UTF-8 in the method");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xed\xa0\x80\"}", ARENAD_RPC_PARSE_ERROR, "a UTF-8 encoded surrogate");

	/* Ids: the same id back, or -32600 when it cannot be. */
	o = run("{\"jsonrpc\":\"2.0\",\"id\":18446744073709551616,\"method\":\"fail\"}", false);
	is_int(err_code(o), ARENAD_RPC_INVALID_REQUEST, "id 2^64 -> -32600");
	ok(o && json_object_object_get_ex(o, "id", &v) && v == NULL, "... with id null");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775809,\"method\":\"fail\"}", false);
	is_int(err_code(o), ARENAD_RPC_INVALID_REQUEST, "id -2^63-1 -> -32600");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":18446744073709551615,\"method\":\"fail\"}", false);
	ok(o && strstr(last_reply, "\"id\":18446744073709551615}"), "id 2^64-1 comes back as sent");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"method\":\"fail\"}", false);
	ok(o && strstr(last_reply, "\"id\":-9223372036854775808}"), "id -2^63 comes back as sent");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":1e400,\"method\":\"fail\"}", false);
	ok(o && strstr(last_reply, "\"id\":1e400}"), "id 1e400 comes back as sent");
	json_object_put(o);
	o = run("{\"jsonrpc\":\"2.0\",\"id\":2.50,\"method\":\"fail\"}", false);
	ok(o && strstr(last_reply, "\"id\":2.50}"), "id 2.50 comes back as sent");
	json_object_put(o);
	ok(run("{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"fail\"}", false) != NULL,
	   "a lone surrogate escape in the id still gives valid UTF-8");

	/* Cuts at byte limits fall between characters. */
	{
		char line[1024], name[600];
		size_t i;

		for (i = 0; i < 63; i++)
			name[i] = 'm';
		for (; i < 63 + 2 * 20; i += 2)
			name[i] = '\xc3', name[i + 1] = '\xa9';	/* U+00E9 across byte 64 */
		name[i] = 0;
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", name);
		o = run(line, false);
		is_int(err_code(o), ARENAD_RPC_METHOD_NOT_FOUND, "a long multi-byte method name: -32601 in valid UTF-8");
		json_object_put(o);

		for (i = 0; i + 3 < sizeof(name) - 1; i += 3)
			name[i] = '\xe2', name[i + 1] = '\x82', name[i + 2] = '\xac';	/* U+20AC */
		name[i] = 0;
		snprintf(line, sizeof(line),
			 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"pages\":1,\"%s\":1}}", name);
		o = run(line, false);
		is_int(err_code(o), ARENAD_RPC_INVALID_PARAMS, "a long multi-byte parameter key: -32602 in valid UTF-8");
		json_object_put(o);
	}

	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"errno\"}", ARENAD_RPC_INTERNAL_ERROR,
		     "a handler's -errno without an answer");

	json_object_put(run("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"empty\"}", false));
	is_str(last_reply, "{\"jsonrpc\":\"2.0\",\"result\":{},\"id\":3}", "a reply with nothing written is {}");

	o = run("nonsense", false);
	ok(o && json_object_object_get_ex(o, "id", &v) && v == NULL, "parse error replies carry id null");
	json_object_put(o);

	return tap_done();
}
