// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclient: exercise libarenad's typed socket calls and print what they
 * return, one "key value" per line, for the tests to compare with the
 * daemon's JSON.
 *
 *   libclient SOCKET
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"

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

	if (argc != 2)
		return 2;
	o.socket_path = argv[1];
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
