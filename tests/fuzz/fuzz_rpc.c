// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness: request lines -> replies, through the daemon's own
 * rpc.c, json_strict.c, json_out.c and method handlers, over the kernel
 * seam in seam.c. Input: one flags byte (bit 0: the peer may write, bit 1:
 * the peer is root, bit 2: take streamed replies slice by slice, bit 3:
 * over the reply budget), then request lines separated by '\n'. Every
 * reply must be strict JSON in valid UTF-8: anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "daemon.h"
#include "json_out.h"
#include "json_strict.h"
#include "log.h"
#include "methods.h"
#include "owners.h"
#include "scan.h"
#include "seam.h"

static struct config cfg;
static struct arena arena;
static struct arenad d;
static int not_null;
static struct rpc_table table;
static bool over_budget;	/* this input's flag bit 3 */

static void check_json(const char *text, size_t len)
{
	json_object *o;
	bool big;
	char why[128];

	if (json_strict_parse(text, len, &o, &big, why, sizeof(why)) < 0 ||
	    !json_object_is_type(o, json_type_object))
		abort();	/* a reply that is not one JSON object */
	json_object_put(o);
}

static void one_line(const struct rpc_peer *peer, const char *line, size_t len, bool stream)
{
	struct rpc_answer a;
	struct json_buf b = {};
	int r = 1;

	rpc_handle_line(&table, peer, seam_link(over_budget), line, len, &a);
	seam_take_answer(&a);
	if (a.kind == RPC_ANSWER_STREAM && stream) {
		/* slice by slice, as the server sends it */
		if (json_buf_put(&b, a.text, a.len) < 0)
			abort();
		while ((r = rpc_stream_fill(&a.stream, &b, 4096)) > 0)
			;
		if (r < 0)
			abort();
		rpc_answer_done(&a);
		a = (struct rpc_answer) { .kind = RPC_ANSWER_LINE, .text = b.data, .len = b.len };
		b = (struct json_buf) {};
	}
	rpc_answer_flatten(&a);
	if (a.kind == RPC_ANSWER_LINE) {
		if (memchr(a.text, '\n', a.len))
			abort();	/* a reply is one line */
		check_json(a.text, a.len);
	} else if (a.kind != RPC_ANSWER_NONE && a.kind != RPC_ANSWER_OOM &&
		   a.kind != RPC_ANSWER_RETRY) {
		abort();	/* nothing may be left waiting */
	}
	rpc_answer_done(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_peer peer = { .pid = 1, .uid = 1000, .gid = 1000 };
	const char *p, *end, *nl;
	size_t len;

	if (!size)
		return 0;
	if (!table.n) {
		log_set_max_level(LOG_EMERG - 1);	/* quiet: errors are replies here */
		config_init(&cfg);
		arena.ident = (struct arenad_state) {
			.user_vm_start = SEAM_BASE,
			.pages_total = SEAM_PAGES,
		};
		d.cfg = &cfg;
		d.arena = &arena;
		d.inventory = (struct inventory *)&not_null;	/* the seam answers */
		d.census_worker = d.ledger_worker = seam_worker();
		d.census = seam_census();
		if (owners_new(arena.pins, NULL, &d.owners) < 0)
			abort();
		table = (struct rpc_table) { daemon_methods, daemon_n_methods, &d };
	}
	seam_reset();
	/* New handler state: no reader's census from the last input. */
	d.methods = methods_state_free(d.methods);
	if (methods_state_new(&d.methods) < 0)
		abort();
	/* A new scanner: no census figures from the last input. */
	d.scanner = scanner_free(d.scanner);
	if (scanner_new(d.census_worker, arena.pins, SEAM_BASE, arena.map_id, &d.scanner) < 0)
		abort();
	scanner_set_census(d.scanner, d.census);
	peer.may_write = data[0] & 1;
	if (data[0] & 2)
		peer.uid = peer.gid = 0;
	over_budget = data[0] & 8;

	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		len = (nl ? nl : end) - p;
		if (len && p[len - 1] == '\r')
			len--;
		if (len && len <= ARENAD_MAX_REQUEST)
			one_line(&peer, p, len, data[0] & 4);
		p += (nl ? nl - p + 1 : end - p);
	}
	return 0;
}
