// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit test: the daemon's method handlers running out of memory. The
 * methods run over the kernel seam of the fuzz harness (tests/fuzz/seam.c);
 * the n-th allocation fails (fail_alloc.h), for every n until a request
 * needs no more. Each reply must be valid JSON: the normal one or -32603
 * "out of memory" (or the caller's fixed line) — never a crash or a
 * partial result.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "daemon.h"
#include "json_strict.h"
#include "log.h"
#include "owners.h"
#include "scan.h"
#include "seam.h"
#include "fail_alloc.h"
#include "tap.h"

static struct config cfg;
static struct arena arena;
static struct arenad d;
static struct rpc_table table;

/* What each request needs before it: the ledger holds a named range. */
static void prepare(void)
{
	static const char line[] =
		"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"alloc\",\"params\":{\"pages\":2,\"owner\":\"o\",\"name\":\"n\"}}";
	struct rpc_peer root = { .may_write = true };
	struct rpc_answer a;

	seam_reset();
	d.reader_scan_usec = 0;
	rpc_handle_line(&table, &root, seam_link(false), line, strlen(line), &a);
	rpc_answer_done(&a);
}

static int code_of(json_object *o)
{
	json_object *e, *c;

	if (!json_object_object_get_ex(o, "error", &e) || !json_object_object_get_ex(e, "code", &c))
		return 0;
	return json_object_get_int(c);
}

static void each_failure(const char *method, const char *params)
{
	struct rpc_peer root = { .may_write = true };
	long n, bad = 0, oom = 0;
	char line[256];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"%s%s}",
		 method, params ? ",\"params\":" : "", params ?: "");
	prepare();	/* one-time allocations are not the request's */
	n = first_failure(line);
	for (; ; n++) {
		struct rpc_answer a;
		json_object *o;
		char *out, why[128];
		bool big;
		int code;

		prepare();
		n_allocs = 0;
		fail_at = n;
		rpc_handle_line(&table, &root, seam_link(false), line, strlen(line), &a);
		seam_take_answer(&a);
		rpc_answer_flatten(&a);
		fail_at = -1;
		if (a.kind == RPC_ANSWER_OOM) {
			oom++;
			continue;
		}
		out = a.kind == RPC_ANSWER_LINE ? a.text : NULL;
		if (!out || json_strict_parse(out, a.len, &o, &big, why, sizeof(why)) < 0) {
			printf("#   %s, allocation %ld failing: %s\n", method, n, out ?: "no reply");
			bad++;
			rpc_answer_done(&a);
			continue;
		}
		code = code_of(o);
		if (code == ARENAD_RPC_INTERNAL_ERROR)
			oom++;
		else if (code || !json_object_object_get_ex(o, "result", NULL)) {
			printf("#   %s, allocation %ld failing: %s\n", method, n, out);
			bad++;
		}
		json_object_put(o);
		rpc_answer_done(&a);
		if (n_allocs <= n)	/* the request did not reach the failure */
			break;
	}
	ok(!bad && oom > 0, "%s: %ld allocation failures, each a full reply or -32603 (%ld)",
	   method, n, oom);
}

int main(void)
{
	log_set_max_level(LOG_EMERG - 1);
	config_init(&cfg);
	arena.ident = (struct arenad_state) { .user_vm_start = SEAM_BASE, .pages_total = SEAM_PAGES };
	d.cfg = &cfg;
	d.arena = &arena;
	d.census_worker = d.ledger_worker = seam_worker();
	d.census = seam_census();
	if (scanner_new(d.census_worker, arena.pins, arena.ident.user_vm_start, arena.map_id,
			&d.scanner) < 0)
		return 1;
	scanner_set_census(d.scanner, d.census);
	if (owners_new(arena.pins, &d.owners) < 0)
		return 1;
	table = (struct rpc_table) { daemon_methods, daemon_n_methods, &d };

	each_failure("ping", NULL);
	each_failure("version", NULL);
	each_failure("stats", NULL);
	each_failure("ranges", NULL);
	each_failure("lookup", "{\"name\":\"n\"}");
	each_failure("alloc", "{\"pages\":1,\"owner\":\"p\",\"name\":\"m\"}");
	each_failure("free", "{\"addr\":\"0x100000000000\"}");
	each_failure("scan", "{\"method\":\"rt\"}");
	return tap_done();
}
