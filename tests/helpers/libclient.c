// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclient: exercise libarenad's typed socket calls and print what they
 * return, one "key value" per line, for the tests to compare with the
 * daemon's JSON.
 *
 *   libclient SOCKET
 *   libclient SOCKET timeout   a call that times out, then later calls:
 *                              "timeout R1 R2 R3 ERRMSG" (R3 after the late
 *                              reply has arrived)
 *   libclient SOCKET chosen    an alloc that leaves owner to the daemon:
 *                              "chosen R OWNER UID", then frees it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "arenad.h"

static int timeout(struct arenad_client_opts *o)
{
	struct arenad_client *c;
	json_object *p, *res = NULL;
	int r1, r2, r3;

	/* A full census of a large arena takes longer than 20 ms. */
	o->timeout_ms = 20;
	if (arenad_client_open(o, &c))
		return 1;
	p = json_tokener_parse("{\"method\":\"full\"}");
	r1 = arenad_client_call(c, "scan", p, &res);
	json_object_put(p);
	json_object_put(res);
	r2 = arenad_client_ping(c);
	sleep(3);	/* the scan's reply has come by now */
	r3 = arenad_client_ping(c);
	printf("timeout %d %d %d %s\n", r1, r2, r3, arenad_client_errmsg(c));
	arenad_client_close(c);
	return 0;
}

static int chosen(struct arenad_client_opts *o)
{
	struct arenad_client *c;
	struct arenad_alloc a = {};
	int r;

	if (arenad_client_open(o, &c))
		return 1;
	r = arenad_client_alloc(c, 1, NULL, &a);
	printf("chosen %d %s %u\n", r, a.owner, a.uid);
	if (!r)
		arenad_client_free(c, a.addr, NULL);
	arenad_client_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct arenad_client_opts o = { .sz = sizeof(o) };
	struct arenad_alloc_opts ao = { .sz = sizeof(ao), .owner = "lib", .name = "libnamed" };
	struct arenad_client *c;
	struct arenad_stats st;
	struct arenad_scan sc;
	struct arenad_alloc a, l, *rs;
	char ver[32];
	size_t n, i;
	__u32 pages;
	int r;

	if (argc != 2 && argc != 3)
		return 2;
	o.socket_path = argv[1];
	if (argc == 3 && !strcmp(argv[2], "timeout"))
		return timeout(&o);
	if (argc == 3 && !strcmp(argv[2], "chosen"))
		return chosen(&o);
	if (argc == 3)
		return 2;
	r = arenad_client_open(&o, &c);
	if (r) {
		printf("open %d\n", r);
		return 1;
	}
	printf("ping %d\n", arenad_client_ping(c));
	r = arenad_client_version(c, ver, sizeof(ver));
	printf("version %d %s\n", r, ver);
	r = arenad_client_alloc(c, 3, &ao, &a);
	printf("alloc %d 0x%llx %u %s %s\n", r, (unsigned long long)a.addr, a.pages, a.owner, a.name);
	r = arenad_client_alloc(c, 1, &ao, &l);
	printf("alloc-dup %d %d %s\n", r, arenad_client_errcode(c), arenad_client_errmsg(c));
	r = arenad_client_lookup(c, "libnamed", &l);
	printf("lookup %d 0x%llx %u %s\n", r, (unsigned long long)l.addr, l.pages, l.owner);
	r = arenad_client_stats(c, &st);
	printf("stats %d %llu %llu %llu 0x%llx %s\n", r, (unsigned long long)st.pages_total,
	       (unsigned long long)st.pages_allocated, (unsigned long long)st.allocations,
	       (unsigned long long)st.user_vm_start, st.pin_dir);
	r = arenad_client_ranges(c, &rs, &n);
	printf("ranges %d %zu", r, n);
	for (i = 0; !r && i < n; i++)
		printf(" 0x%llx/%u/%s", (unsigned long long)rs[i].addr, rs[i].pages, rs[i].owner);
	printf("\n");
	if (!r)
		free(rs);
	r = arenad_client_scan(c, &sc);
	printf("scan %d %llu %llu %s\n", r, (unsigned long long)sc.pages_present,
	       (unsigned long long)sc.pages_ledger, sc.method);
	r = arenad_client_free(c, a.addr, &pages);
	printf("free %d %u\n", r, pages);
	r = arenad_client_free(c, a.addr, &pages);
	printf("free-again %d %d\n", r, arenad_client_errcode(c));
	arenad_client_close(c);
	return 0;
}
