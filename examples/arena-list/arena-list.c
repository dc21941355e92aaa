// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arena-list: build a linked list in arena pages from arenad, let BPF walk
 * it, and compare checksums.
 *
 *   arena-list [--socket PATH] [--pin-dir DIR] [--nodes N]
 *
 * Nodes are placed in a shuffled order across the pages, so the walk
 * follows real pointers rather than consecutive memory. Exits 1 when the
 * BPF checksum or count differs from user space's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena-list.skel.h"
#include "arenad.h"
#include "list.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: arena-list [--socket PATH] [--pin-dir DIR] [--nodes N]\n"
		"\n"
		"Build a linked list of N nodes (default 1000) in arena pages allocated\n"
		"through arenad, let a BPF program walk it, and compare the checksums.\n"
		"\n"
		"  -s, --socket PATH   arenad's socket ($ARENAD_SOCKET; default %s)\n"
		"  -d, --pin-dir DIR   arenad's pins (default %s)\n"
		"  -n, --nodes N       list length, 1..%d\n"
		"  -h, --help          this text\n",
		ARENAD_DEFAULT_SOCKET, ARENAD_DEFAULT_PIN_DIR, LIST_MAX_NODES);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	ARENAD_OPTS(arenad_client_opts, copts);
	ARENAD_OPTS(arenad_reuse_opts, ropts);
	ARENAD_OPTS(arenad_alloc_opts, aopts, .owner = "arena-list");
	ARENAD_OPTS(arenad_alloc, a);
	struct walk_ctx w = { 0 };
	struct arena_list_bpf *skel;
	struct arenad_client *c;
	struct list_node *slots, *head = NULL, **link = &head;
	unsigned int n = 1000, i, *order, pages;
	__u64 sum = 0;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "s:d:n:h", options, NULL)) >= 0) {
		switch (opt) {
		case 's': copts.socket_path = optarg; break;
		case 'd': ropts.pin_dir = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!n || n > LIST_MAX_NODES) {
		fprintf(stderr, "arena-list: --nodes must be 1..%d\n", LIST_MAX_NODES);
		return 2;
	}
	pages = (n * sizeof(struct list_node) + ARENAD_PAGE_SIZE - 1) / ARENAD_PAGE_SIZE;

	c = arenad_client__open(&copts);
	if (!c || arenad_client__alloc(c, pages, &aopts, &a)) {
		fprintf(stderr, "arena-list: %s\n", arenad_errmsg());
		return 1;
	}

	skel = arena_list_bpf__open();
	if (!skel) {
		fprintf(stderr, "arena-list: open: %s\n", strerror(errno));
		return 1;
	}
	if (arenad_reuse(skel->obj, &ropts)) {
		fprintf(stderr, "arena-list: %s\n", arenad_errmsg());
		return 1;
	}
	if (arena_list_bpf__load(skel)) {
		fprintf(stderr, "arena-list: load: %s\n", strerror(errno));
		return 1;
	}
	if (!arenad_map_arena(skel->obj, NULL)) {
		fprintf(stderr, "arena-list: %s\n", arenad_errmsg());
		return 1;
	}

	/* Slots in the allocation, linked in a shuffled order. */
	slots = (struct list_node *)(unsigned long)a.addr;
	order = malloc(n * sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = i;
	srand(n);
	for (i = n - 1; i > 0; i--) {
		unsigned int j = rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		struct list_node *node = &slots[order[i]];

		node->value = (__u64)i * 2654435761u + 7;
		node->next = NULL;
		*link = node;
		link = &node->next;
		sum = list_mix(sum, node->value);
	}

	w.head = (__u64)(unsigned long)head;
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = &w, .ctx_size_in = sizeof(w));
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.walk), &t)) {
		fprintf(stderr, "arena-list: run: %s\n", strerror(errno));
		return 1;
	}
	printf("list of %u nodes in %u pages at 0x%llx: bpf walked %u, checksum bpf 0x%016llx user 0x%016llx\n",
	       n, pages, (unsigned long long)a.addr, w.count, (unsigned long long)w.sum,
	       (unsigned long long)sum);
	r = w.count == n && w.sum == sum ? 0 : 1;
	if (r)
		fprintf(stderr, "arena-list: mismatch\n");
	/* The list's pages go back to arenad. */
	arenad_client__free(c, a.addr, NULL);
	arenad_client__close(c);
	free(order);
	arena_list_bpf__destroy(skel);
	return r;
}
