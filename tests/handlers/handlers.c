// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The daemon's method handlers on a real arena (a private bpffs at
 * argv[1]), without a client: each request is a call that no connection
 * carries, and this program is the call's link, which gets the answer of
 * a kept call too. The daemon's own modules, all of them real: the arena
 * and its allocator program, the counters, the owner table, the ledger
 * worker, the request path, and a server on a socket (argv[2]) that no
 * client connects to. No census is loaded (it is the subject
 * of other tests), so the census methods answer that it is unavailable.
 *
 * Then every request again with each of its allocations failing in turn
 * (fail_alloc.h): the answer must be the whole reply or -32603, never a
 * crash or half a result.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "arena.h"
#include "config.h"
#include "counters.h"
#include "daemon.h"
#include "json_strict.h"
#include "log.h"
#include "methods.h"
#include "owners.h"
#include "server.h"
#include "status.h"
#include "util.h"
#include "worker.h"
#include "fail_alloc.h"
#include "tap.h"

static struct config cfg;
static struct arenad d;
static struct rpc_table table;

/* The link: where a kept call's answer arrives. */
static struct rpc_answer kept_answer;
static bool kept_answered;

static void on_answered(void *userdata, struct rpc_answer *a)
{
	kept_answer = *a;
	*a = (struct rpc_answer) {};
	kept_answered = true;
}

static const struct rpc_link_ops link_ops = { .answered = on_answered };
static const struct rpc_link test_link = { .ops = &link_ops };

/* Run one request line for a peer; the answer, a kept call's included, as
 * one line of text (malloc'ed), or NULL when out of memory. */
static char *run(const char *line, bool may_write)
{
	struct rpc_peer peer = { .pid = getpid(), .may_write = may_write };
	struct rpc_answer a;
	char *text;

	rpc_handle_line(&table, &peer, &test_link, line, strlen(line), &a);
	if (a.kind == RPC_ANSWER_LATER) {
		/* The call went to a worker and answers this link when it is
		 * back (rpc_answer_done() would detach it): turn the loop. */
		a.call = NULL;
		while (!kept_answered)
			if (sd_event_run(d.event, UINT64_MAX) < 0)
				break;
		a = kept_answer;
		kept_answered = false;
	}
	rpc_answer_flatten(&a);
	text = a.kind == RPC_ANSWER_LINE ? TAKE_PTR(a.text) : NULL;
	rpc_answer_done(&a);
	return text;
}

/* A request of method with params (JSON text or NULL): the reply parsed. */
static json_object *call(const char *method, const char *params, bool may_write)
{
	_cleanup_free_ char *out = NULL;
	json_object *o = NULL;
	char line[512], why[128];
	bool big;

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"%s%s}",
		 method, params ? ",\"params\":" : "", params ?: "");
	out = run(line, may_write);
	if (!out || json_strict_parse(out, strlen(out), &o, &big, why, sizeof(why)) < 0)
		printf("#   %s: no valid reply: %s\n", method, out ?: "(none)");
	return o;
}

static json_object *get(json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && path && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

static long long num(json_object *o, const char *path)
{
	json_object *v = get(o, path);

	return v ? json_object_get_int64(v) : -1;
}

/* The reply's error code, 0 for a result. */
static int code(json_object *o)
{
	return get(o, "error.code") ? (int)num(o, "error.code") : 0;
}

/* The address a reply names, as the protocol writes it ("0x..."). */
static unsigned long long addr_of(json_object *o, const char *path)
{
	json_object *v = get(o, path);

	return v ? strtoull(json_object_get_string(v), NULL, 0) : 0;
}

/* Free every allocation of the ledger, through the pinned allocator. */
static void empty_ledger(void)
{
	_cleanup_free_ struct arenad_range *recs = NULL;
	size_t i, n = 0;

	if (arenad_pins__ranges(d.arena->pins, &recs, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		arenad_pins__free(d.arena->pins, d.arena->ident.user_vm_start +
				  ((__u64)recs[i].pgoff << ARENAD_PAGE_SHIFT), NULL);
}

static void functions(void)
{
	unsigned long long addr;
	char params[64];
	json_object *o;

	o = call("ping", NULL, false);
	ok(o && get(o, "result.pong") && !strcmp(json_object_get_string(get(o, "result.pong")), "arenad"),
	   "ping answers pong");
	json_object_put(o);

	o = call("alloc", "{\"pages\":4,\"owner\":\"handlers\",\"name\":\"one\"}", true);
	addr = addr_of(o, "result.addr");
	ok(num(o, "result.pages") == 4 && addr >= d.arena->ident.user_vm_start &&
	   addr < d.arena->ident.user_vm_start + (64ULL << ARENAD_PAGE_SHIFT),
	   "alloc: 4 pages in the arena (0x%llx)", addr);
	json_object_put(o);

	o = call("alloc", "{\"pages\":1,\"owner\":\"handlers\",\"name\":\"one\"}", true);
	is_int(code(o), ARENAD_ERR_CONFLICT, "alloc of a name in use: a conflict");
	json_object_put(o);
	o = call("alloc", "{\"pages\":1,\"owner\":\"handlers\"}", false);
	is_int(code(o), ARENAD_ERR_PERMISSION, "alloc by a peer that may not write: refused");
	json_object_put(o);
	o = call("alloc", "{\"pages\":1,\"colour\":\"red\"}", true);
	is_int(code(o), ARENAD_RPC_INVALID_PARAMS, "alloc with a parameter it does not declare: invalid params");
	json_object_put(o);
	o = call("alloc", "{\"pages\":\"four\"}", true);
	is_int(code(o), ARENAD_RPC_INVALID_PARAMS, "alloc with pages of the wrong type: invalid params");
	json_object_put(o);
	o = call("alloc", "{\"pages\":0}", true);
	is_int(code(o), ARENAD_RPC_INVALID_PARAMS, "alloc of 0 pages: out of the declared range");
	json_object_put(o);

	o = call("lookup", "{\"name\":\"one\"}", false);
	ok(addr_of(o, "result.addr") == addr && num(o, "result.pages") == 4,
	   "lookup finds the allocation by name");
	json_object_put(o);

	o = call("stats", NULL, false);
	is_int(num(o, "result.pages_allocated"), 4, "stats counts its pages");
	ok(get(o, "result.owners") && strstr(json_object_to_json_string(get(o, "result.owners")), "\"handlers\""),
	   "stats names its owner");
	json_object_put(o);

	o = call("ranges", NULL, false);	/* kept: the ledger worker answers */
	ok(get(o, "result") && json_object_array_length(get(o, "result")) == 1,
	   "ranges, answered from the ledger worker: one range");
	json_object_put(o);

	o = call("quota", "{\"op\":\"set\",\"owner\":\"handlers\",\"pages\":5}", true);
	ok(o && !get(o, "error"), "quota set: 5 pages for the owner");
	json_object_put(o);
	o = call("alloc", "{\"pages\":2,\"owner\":\"handlers\"}", true);
	is_int(code(o), ARENAD_ERR_QUOTA, "alloc over the owner's limit: the quota error");
	json_object_put(o);

	o = call("scan", NULL, false);
	is_int(code(o), ARENAD_ERR_UNAVAILABLE, "scan without a census: unavailable");
	json_object_put(o);

	snprintf(params, sizeof(params), "{\"addr\":\"0x%llx\"}", addr);
	o = call("free", params, true);
	is_int(num(o, "result.pages"), 4, "free gives the 4 pages back");
	json_object_put(o);
	o = call("stats", NULL, false);
	is_int(num(o, "result.pages_allocated"), 0, "and stats sees none left");
	json_object_put(o);
	empty_ledger();
}

/*
 * Is got whole, as ref is? The same members, and nothing null (or an empty
 * array) where ref has a value: a value that could not be made shows as
 * null in json-c, a partial result that must have been -32603. Values
 * themselves may differ (counters of the failures, ages).
 */
static bool whole(json_object *ref, json_object *got)
{
	size_t i;

	if (!ref)
		return true;
	if (!got || json_object_get_type(got) != json_object_get_type(ref))
		return false;
	if (json_object_is_type(ref, json_type_object)) {
		if (json_object_object_length(got) != json_object_object_length(ref))
			return false;
		json_object_object_foreach(ref, key, val) {
			json_object *g;

			if (!json_object_object_get_ex(got, key, &g) || !whole(val, g))
				return false;
		}
	} else if (json_object_is_type(ref, json_type_array)) {
		if (json_object_array_length(got) != json_object_array_length(ref))
			return false;
		for (i = 0; i < json_object_array_length(ref); i++)
			if (!whole(json_object_array_get_idx(ref, i), json_object_array_get_idx(got, i)))
				return false;
	}
	return true;
}

/* What each request of each_failure() needs before it: one named range,
 * whose address is kept for free's parameters. */
static unsigned long long prepared;

static void prepare(void)
{
	json_object *o;

	empty_ledger();
	o = call("alloc", "{\"pages\":2,\"owner\":\"o\",\"name\":\"n\"}", true);
	prepared = addr_of(o, "result.addr");
	json_object_put(o);
}

static void each_failure(const char *method, const char *params)
{
	_cleanup_(json_object_putp) json_object *ref = NULL;
	long n, bad = 0, oom = 0;
	char line[256];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"%s%s}",
		 method, params ? ",\"params\":" : "", params ?: "");
	prepare();	/* one-time allocations are not the request's */
	prepare();
	ref = call(method, params, true);	/* the answer without a failure */
	for (n = first_failure(line); ; n++) {
		json_object *o = NULL;
		char *out, why[128];
		bool big;
		int c;

		prepare();
		n_allocs = 0;
		fail_at = n;
		out = run(line, true);
		fail_at = -1;
		if (!out) {		/* the connection's fixed line */
			oom++;
			continue;
		}
		if (json_strict_parse(out, strlen(out), &o, &big, why, sizeof(why)) < 0) {
			printf("#   %s, allocation %ld failing: %s\n", method, n, out);
			bad++;
		} else if ((c = code(o)) == ARENAD_RPC_INTERNAL_ERROR) {
			oom++;
		} else if (c != code(ref) || !whole(get(ref, "result"), get(o, "result"))) {
			printf("#   %s, allocation %ld failing: %s\n", method, n, out);
			bad++;
		}
		json_object_put(o);
		free(out);
		if (n_allocs <= n)	/* the request did not reach the failure */
			break;
	}
	ok(!bad && oom > 0 && ref && !code(ref),
	   "%s: %ld allocation failures, each the whole reply or -32603 (%ld)", method, n, oom);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* what ran before a crash is seen */
	struct arena_opts o = { .sz = sizeof(o), .pages = 64, .numa_node = -1 };
	char params[64];
	int r;

	struct server_opts so = { .sz = sizeof(so), .activated_fd = -1, .mode = 0600,
				  .gid = (gid_t)-1 };

	if (argc != 3) {
		fprintf(stderr, "usage: %s PIN_DIR SOCKET (the pins on a bpffs)\n", argv[0]);
		return 2;
	}
	so.path = argv[2];
	log_set_max_level(LOG_ERR);
	config_init(&cfg);
	cfg.pin_dir = o.pin_dir = argv[1];
	o.user_addr = cfg.user_addr;	/* the daemon's default address */
	table = (struct rpc_table) { daemon_methods, daemon_n_methods, &d };
	d.cfg = &cfg;
	d.start_usec = now_usec(CLOCK_MONOTONIC);
	r = sd_event_new(&d.event);
	if (r >= 0)
		r = arena_setup(&o, &d.arena);
	if (r >= 0)
		r = counters_open(arenad_pins__state_fd(d.arena->pins), &d.counters);
	if (r >= 0)
		r = owners_new(d.arena->pins, arena_obj_owners(d.arena), &d.owners);
	if (r >= 0)
		r = methods_state_new(&d.methods);
	if (r >= 0)
		r = status_new(d.event, d.counters, false, &d.status);
	if (r >= 0)
		r = worker_new(d.event, "test-ledger", &d.ledger_worker);
	if (r >= 0)
		r = server_new(d.event, &so, &table, &d.server);
	if (r < 0) {
		printf("Bail out! set-up: %s\n", strerror(-r));
		return 1;
	}

	functions();

	log_set_max_level(LOG_EMERG - 1);	/* quiet: failures are replies here */
	each_failure("ping", NULL);
	each_failure("version", NULL);
	each_failure("stats", NULL);
	each_failure("ranges", NULL);
	each_failure("lookup", "{\"name\":\"n\"}");
	each_failure("alloc", "{\"pages\":1,\"owner\":\"p\",\"name\":\"m\"}");
	prepare();
	snprintf(params, sizeof(params), "{\"addr\":\"0x%llx\"}", prepared);
	each_failure("free", params);	/* the same address every time: first fit */
	each_failure("quota", "{\"op\":\"list\"}");

	d.ledger_worker = worker_free(d.ledger_worker);
	d.server = server_free(d.server);
	d.status = status_free(d.status);
	d.methods = methods_state_free(d.methods);
	d.owners = owners_free(d.owners);
	d.counters = counters_free(d.counters);
	d.arena = arena_free(d.arena);	/* and the pins it made */
	d.event = sd_event_unref(d.event);
	return tap_done();
}
