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

#include "arenad.h"

static int timeout(struct arenad_client_opts *o)
{
	ARENAD_OPTS(arenad_scan_opts, so, .method = "full");
	ARENAD_OPTS(arenad_scan, sc);
	struct arenad_client *c;
	int r1, r2, r3;

	/* A full census of a large arena takes longer than 20 ms. */
	o->timeout_ms = 20;
	c = arenad_client__open(o);
	if (!c)
		return 1;
	r1 = arenad_client__scan(c, &so, &sc);
	r2 = arenad_client__ping(c);
	sleep(3);	/* the scan's reply has come by now */
	r3 = arenad_client__ping(c);
	printf("timeout %d %d %d %s\n", r1, r2, r3, arenad_errmsg());
	arenad_client__close(c);
	return 0;
}

static int chosen(struct arenad_client_opts *o)
{
	ARENAD_OPTS(arenad_alloc, a);
	struct arenad_client *c;
	int r;

	c = arenad_client__open(o);
	if (!c)
		return 1;
	r = arenad_client__alloc(c, 1, NULL, &a);
	printf("chosen %d %s %u\n", r, a.owner, a.uid);
	if (!r)
		arenad_client__free(c, a.addr, NULL);
	arenad_client__close(c);
	return 0;
}

int main(int argc, char **argv)
{
	ARENAD_OPTS(arenad_client_opts, o);
	ARENAD_OPTS(arenad_alloc_opts, ao, .owner = "lib", .name = "libnamed");
	ARENAD_OPTS(arenad_ranges_opts, ro, .owner = "nobody-has-this");
	ARENAD_OPTS(arenad_scan_opts, so, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_stats, st);
	ARENAD_OPTS(arenad_scan, sc);
	ARENAD_OPTS(arenad_alloc, a);
	ARENAD_OPTS(arenad_alloc, l);
	struct arenad_owner_usage *ow;
	struct arenad_client *c;
	struct arenad_alloc *rs;
	char ver[32], *text;
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
	c = arenad_client__open(&o);
	if (!c) {
		printf("open %d %s\n", -errno, arenad_errmsg());
		return 1;
	}
	printf("ping %d\n", arenad_client__ping(c));
	r = arenad_client__version(c, ver, sizeof(ver));
	printf("version %d %s\n", r, ver);
	r = arenad_client__alloc(c, 3, &ao, &a);
	printf("alloc %d 0x%llx %u %s %s\n", r, (unsigned long long)a.addr, a.pages, a.owner, a.name);
	r = arenad_client__alloc(c, 1, &ao, &l);
	printf("alloc-dup %d %d %s\n", r, arenad_errcode(), arenad_errmsg());
	r = arenad_client__lookup(c, "libnamed", &l);
	printf("lookup %d 0x%llx %u %s\n", r, (unsigned long long)l.addr, l.pages, l.owner);
	r = arenad_client__stats(c, &st);
	printf("stats %d %llu %llu %llu 0x%llx %s\n", r, (unsigned long long)st.pages_total,
	       (unsigned long long)st.pages_allocated, (unsigned long long)st.allocations,
	       (unsigned long long)st.user_vm_start, st.pin_dir);
	printf("stats-more %llu %llu %llu %d %d %s\n", (unsigned long long)st.allocations_total,
	       (unsigned long long)st.frees_total, (unsigned long long)st.bytes_allocated,
	       st.numa_node, st.segv_on_fault, st.census_method);
	r = arenad_client__owners(c, NULL, &ow, sizeof(*ow), &n);
	printf("owners %d %zu", r, n);
	for (i = 0; !r && i < n; i++)
		printf(" %s/%llu/%llu", ow[i].owner, (unsigned long long)ow[i].pages,
		       (unsigned long long)ow[i].allocations);
	printf("\n");
	if (!r)
		free(ow);
	r = arenad_client__ranges(c, NULL, &rs, sizeof(*rs), &n);
	printf("ranges %d %zu", r, n);
	for (i = 0; !r && i < n; i++)
		printf(" 0x%llx/%u/%s", (unsigned long long)rs[i].addr, rs[i].pages, rs[i].owner);
	printf("\n");
	if (!r)
		free(rs);
	r = arenad_client__ranges(c, &ro, &rs, sizeof(*rs), &n);
	printf("ranges-owner %d %zu\n", r, n);
	if (!r)
		free(rs);
	r = arenad_client__scan(c, &so, &sc);
	printf("scan %d %llu %llu %zu %zu %s\n", r, (unsigned long long)sc.pages_present,
	       (unsigned long long)sc.pages_ledger, sc.n_unaccounted, sc.n_missing, sc.method);
	free(sc.unaccounted);
	free(sc.missing);
	r = arenad_client__call(c, "lookup", "{\"name\":\"libnamed\"}", &text);
	printf("call %d %s\n", r, r ? "" : text);
	if (!r)
		free(text);
	r = arenad_client__free(c, a.addr, &pages);
	printf("free %d %u\n", r, pages);
	r = arenad_client__free(c, a.addr, &pages);
	printf("free-again %d %d\n", r, arenad_errcode());
	arenad_client__close(c);
	return 0;
}
