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

/* A result with nesting, built the way the daemon's handlers build theirs. */
static int h_nested(void *ctx, const struct rpc_peer *peer, json_object *params,
		    json_object **result, struct rpc_error *err)
{
	json_object *r = json_object_new_object(), *arr = json_object_new_array();
	int i, ret = 0;

	for (i = 0; i < 8; i++) {
		json_object *e = json_object_new_object();

		ret |= rpc_add(e, "addr", proto_addr_new(0x1000 * i));
		ret |= rpc_add(e, "owner", json_object_new_string("someone"));
		if (!arr || !e || json_object_array_add(arr, e)) {
			json_object_put(e);
			ret = -ENOMEM;
		}
	}
	ret |= rpc_add(r, "ranges", arr);
	ret |= rpc_add(r, "pages", json_object_new_uint64(42));
	if (ret) {
		json_object_put(r);
		return rpc_oom(err);
	}
	*result = r;
	return 0;
}

static int h_fail(void *ctx, const struct rpc_peer *peer, json_object *params,
		  json_object **result, struct rpc_error *err)
{
	return rpc_set_error(err, ARENAD_ERR_NOT_FOUND, "nothing named '%s'", "x");
}

static const struct rpc_method methods[] = {
	{ .name = "nested", .handler = h_nested },
	{ .name = "fail", .handler = h_fail },
};
static const struct rpc_table table = { methods, 2, NULL };

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
	size_t len;
	char *out;
	int r;

	n = first_failure(line);
	for (; ; n++) {
		json_object *o;
		int code;

		n_allocs = 0;
		fail_at = n;
		r = rpc_handle_line(&table, &peer, line, strlen(line), &out, &len, NULL);
		fail_at = -1;
		if (r == -ENOMEM) {
			oom_lines++;
			continue;
		}
		if (r || !out) {
			printf("#   allocation %ld failed: returned %d, no reply\n", n, r);
			bad++;
			continue;
		}
		o = json_tokener_parse(out);
		code = o ? code_of(o) : 1;
		if (code == ARENAD_RPC_INTERNAL_ERROR)
			oom_replies++;
		else if (code != normal_code) {
			printf("#   allocation %ld failed: %s\n", n, out);
			bad++;
		}
		json_object_put(o);
		free(out);
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
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"fail\"}", ARENAD_ERR_NOT_FOUND, "a handler error");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"nope\",\"params\":{\"x\":[1,2,{}]}}",
		     ARENAD_RPC_METHOD_NOT_FOUND, "an unknown method");
	each_failure("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":", ARENAD_RPC_PARSE_ERROR, "a parse error");
	return tap_done();
}
