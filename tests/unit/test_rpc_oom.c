// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit test: json-c running out of memory while a request is parsed,
 * handled or answered gives an -32603 reply (or the caller's fixed
 * out-of-memory line), never a crash. The n-th allocation fails
 * (fail_alloc.h), for every n until one run needs no more than n
 * allocations.
 */
#include <errno.h>
#include <stdbool.h>

#include "json_strict.h"
#include "rpc.h"
#include "fail_alloc.h"
#include "tap.h"

/* A result with nesting, written the way the daemon's handlers write theirs. */
static int h_nested(struct rpc_call *call, void *userdata)
{
	struct json_writer *w = rpc_call_result(call);
	int i;

	json_w_object(w);
	json_w_key(w, "ranges");
	json_w_array(w);
	for (i = 0; i < 64; i++) {
		json_w_object(w);
		json_w_member(w, "addr", hex, 0x1000 * i);
		json_w_member(w, "owner", str, "someone");
		json_w_object_end(w);
	}
	json_w_array_end(w);
	json_w_member(w, "pages", u64, 42);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

/* The same as a json-c tree (the inventory's results). */
static int h_tree(struct rpc_call *call, void *userdata)
{
	json_object *r = json_object_new_object(), *arr = json_object_new_array();
	int i;

	for (i = 0; i < 8; i++) {
		json_object *e = json_object_new_object();

		rpc_put(e, "addr", proto_addr_new(0x1000 * i));
		rpc_put(e, "owner", json_object_new_string("someone"));
		rpc_append(arr, e);
	}
	rpc_put(r, "ranges", arr);
	rpc_put(r, "pages", json_object_new_uint64(42));
	return rpc_call_reply_json(call, r);
}

static int h_fail(struct rpc_call *call, void *userdata)
{
	return rpc_call_error(call, ARENAD_ERR_NOT_FOUND, "nothing named '%s'", "x");
}

static const struct rpc_method methods[] = {
	{ .name = "nested", .handler = h_nested },
	{ .name = "tree", .handler = h_tree },
	{ .name = "fail", .handler = h_fail },
};
static const struct rpc_table table = { methods, 3, NULL };

static int code_of(json_object *o)
{
	json_object *e, *c;

	if (!json_object_object_get_ex(o, "error", &e) || !json_object_object_get_ex(e, "code", &c))
		return 0;
	return json_object_get_int(c);
}

/* Fail each allocation in turn; each reply must be the normal one or -32603. */
static void each_failure(const char *line, int normal_code, const char *what)
{
	struct rpc_peer peer = { .uid = 1000 };
	long n, bad = 0, oom_replies = 0, oom_lines = 0;
	struct rpc_answer a;

	n = first_failure(line);
	for (; ; n++) {
		json_object *o;
		int code;

		n_allocs = 0;
		fail_at = n;
		rpc_handle_line(&table, &peer, NULL, line, strlen(line), &a);
		fail_at = -1;
		if (a.kind == RPC_ANSWER_OOM) {
			oom_lines++;
			continue;
		}
		if (a.kind != RPC_ANSWER_LINE) {
			printf("#   allocation %ld failed: answer %d, no reply\n", n, a.kind);
			rpc_answer_done(&a);
			bad++;
			continue;
		}
		o = json_tokener_parse(a.text);
		code = o ? code_of(o) : 1;
		if (code == ARENAD_RPC_INTERNAL_ERROR)
			oom_replies++;
		else if (code != normal_code) {
			printf("#   allocation %ld failed: %s\n", n, a.text);
			bad++;
		}
		json_object_put(o);
		rpc_answer_done(&a);
		if (n_allocs <= n)	/* this run did not reach the failure */
			break;
	}
	ok(!bad && n > 0, "%s: %ld allocation failures, each answered (%ld -32603 replies, %ld fixed lines)",
	   what, n, oom_replies, oom_lines);
	json_object *o = json_tokener_parse(rpc_oom_line);
	is_int(o ? code_of(o) : 0, ARENAD_RPC_INTERNAL_ERROR, "the fixed line is a -32603 reply");
	json_object_put(o);
}

int main(void)
{
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"nested\"}", 0, "a nested result");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tree\"}", 0, "a json-c result");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"fail\"}", ARENAD_ERR_NOT_FOUND, "a handler error");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"nope\",\"params\":{\"x\":[1,2,{}]}}",
		     ARENAD_RPC_METHOD_NOT_FOUND, "an unknown method");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":", ARENAD_RPC_PARSE_ERROR, "a parse error");
	return tap_done();
}
