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
#include "owners.h"
#include "seam.h"

static struct config cfg;
static struct arena arena;
static struct arenad d;
static int not_null;
static struct rpc_table table;
static bool over_budget;	/* this input's flag bit 3 */

static bool input_over_budget(const struct rpc_peer *peer)
{
	return over_budget;
}

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
	struct rpc_stream st;
	struct json_buf b = {};
	size_t reply_len = 0;
	char *reply = NULL;
	int r;

	r = rpc_handle_line(&table, peer, line, len, &reply, &reply_len, stream ? &st : NULL);
	if (r >= 0 && !reply && !(stream && st.next))
		r = seam_take_reply(&reply, &reply_len);	/* a deferred reply */
	if (r < 0) {
		if (r != -ENOMEM)
			abort();
		return;
	}
	if (!reply)
		return;
	if (json_buf_put(&b, reply, reply_len) < 0)
		abort();
	free(reply);
	if (stream && st.next) {
		while ((r = st.next(st.state, &b)) > 0)
			;
		if (r < 0 || json_buf_put(&b, st.tail, st.tail_len) < 0)
			abort();
		rpc_stream_done(&st);
	}
	if (memchr(b.data, '\n', b.len))
		abort();	/* a reply is one line */
	check_json(b.data, b.len);
	free(b.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_peer peer = { .pid = 1, .uid = 1000, .gid = 1000,
				 .over_budget = input_over_budget };
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
		if (owners_new(arena.pins, &d.owners) < 0)
			abort();
		table = (struct rpc_table) { daemon_methods, daemon_n_methods, &d };
	}
	seam_reset();
	d.reader_scan_usec = 0;
	d.last_scan.valid = false;
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
