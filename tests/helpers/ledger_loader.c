// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ledger_loader: a long-running external loader for tests, driven on stdin.
 * Its BPF object is two objects linked together (tests/bpf/link/), each of
 * which includes arenad_ledger.bpf.h, so it also shows that such objects
 * link and then share one arena and one set of ledger maps.
 *
 *   ledger_loader --socket PATH --pin-dir DIR --name NAME --owner OWNER
 *
 * It finds (or allocates) the one-page counter NAME through the daemon,
 * prints "ready ADDR", then answers one line per command:
 *   bump N        "counter VALUE MMAP_VALUE" (BPF bumps, read back via mmap)
 *   read          "counter MMAP_VALUE"
 *   grab PAGES    "ok ADDR" (BPF-side allocation through the ledger)
 *   drop ADDR     "ok ADDR" (BPF-side free through the ledger)
 *   usage         "pages N": the ledger's pages_allocated, read from BPF
 *                 by the half that does not allocate
 *   pins-alloc N  "ok ADDR" (libarenad's pinned allocator path)
 *   churn N       "ok N": N one-page BPF-side allocations, each freed at
 *                 once (a burst of 2N events, without a line per step)
 *   maps          the object's map names, space-separated
 *   quit
 * Failures print "error REASON".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "ledger_loader.h"
#include "ledger_loader.skel.h"

struct opts {
	const char *socket;
	const char *pin_dir;
	const char *name;
	const char *owner;
};

/* The counter's address: look the name up, or allocate it under the name. */
static int find_counter(const struct opts *o, __u64 *addr)
{
	ARENAD_OPTS(arenad_client_opts, copts, .socket_path = o->socket);
	ARENAD_OPTS(arenad_alloc_opts, aopts, .owner = o->owner, .name = o->name);
	ARENAD_OPTS(arenad_alloc, a);
	struct arenad_client *c;
	int r;

	c = arenad_client__open(&copts);
	if (!c) {
		r = -errno;
		fprintf(stderr, "ledger_loader: %s\n", arenad_errmsg());
		return r;
	}
	r = arenad_client__lookup(c, o->name, &a);
	if (r == -ENOENT) {
		r = arenad_client__alloc(c, 1, &aopts, &a);
		if (r == -EEXIST)	/* another loader created it meanwhile */
			r = arenad_client__lookup(c, o->name, &a);
	}
	if (r)
		fprintf(stderr, "ledger_loader: counter '%s': %s\n", o->name, arenad_errmsg());
	else
		*addr = a.addr;
	arenad_client__close(c);
	return r;
}

static int run(const struct bpf_program *prog, void *ctx, __u32 size)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = size);

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &t) ? -errno : 0;
}

static void serve(struct ledger_loader_bpf *skel, const struct opts *o, volatile __u64 *counter)
{
	ARENAD_OPTS(arenad_alloc_opts, aopts, .owner = o->owner);
	struct arenad_pins *pins;
	char line[256], cmd[32];
	unsigned long long arg;
	struct bpf_map *map;
	__u32 owner = 0;
	__u64 v;
	int r;

	pins = arenad_pins__open(o->pin_dir);
	if (pins)
		arenad_pins__intern(pins, o->owner, &owner);	/* held while we serve */
	while (fgets(line, sizeof(line), stdin)) {
		arg = 0;
		if (sscanf(line, "%31s %lli", cmd, &arg) < 1)
			continue;
		if (!strcmp(cmd, "quit"))
			break;
		if (!strcmp(cmd, "bump")) {
			struct bump_ctx b = { .delta = 1 };

			for (r = 0, v = 0; !r && v < arg; v++)
				r = run(skel->progs.bump, &b, sizeof(b));
			if (r)
				printf("error %s\n", strerror(-r));
			else
				printf("counter %llu %llu\n", (unsigned long long)b.value,
				       (unsigned long long)*counter);
		} else if (!strcmp(cmd, "usage")) {
			struct bump_ctx u = {};

			r = run(skel->progs.usage, &u, sizeof(u));
			if (r)
				printf("error %s\n", strerror(-r));
			else
				printf("pages %llu\n", (unsigned long long)u.value);
		} else if (!strcmp(cmd, "read")) {
			printf("counter %llu\n", (unsigned long long)*counter);
		} else if (!strcmp(cmd, "grab") || !strcmp(cmd, "drop")) {
			struct grab_ctx g = { .owner = owner };
			bool grab = !strcmp(cmd, "grab");

			if (grab)
				g.pages = arg;
			else
				g.addr = arg;
			r = run(grab ? skel->progs.grab : skel->progs.drop, &g, sizeof(g));
			if (r || g.ret < 0)
				printf("error %s\n", strerror(r ? -r : -g.ret));
			else
				printf("ok 0x%llx\n", (unsigned long long)g.addr);
		} else if (!strcmp(cmd, "churn")) {
			struct grab_ctx g;

			for (r = 0, v = 0; !r && v < arg; v++) {
				g = (struct grab_ctx) { .owner = owner, .pages = 1 };
				r = run(skel->progs.grab, &g, sizeof(g));
				if (!r && g.ret < 0)
					r = g.ret;
				if (!r) {
					g.ret = 0;
					r = run(skel->progs.drop, &g, sizeof(g));
					if (!r && g.ret < 0)
						r = g.ret;
				}
			}
			if (r)
				printf("error %s\n", strerror(-r));
			else
				printf("ok %llu\n", (unsigned long long)v);
		} else if (!strcmp(cmd, "pins-alloc") && pins) {
			r = arenad_pins__alloc(pins, arg, &aopts, &v);
			if (r)
				printf("error %s\n", strerror(-r));
			else
				printf("ok 0x%llx\n", (unsigned long long)v);
		} else if (!strcmp(cmd, "maps")) {
			const char *sep = "";

			bpf_object__for_each_map(map, skel->obj) {
				printf("%s%s", sep, bpf_map__name(map));
				sep = " ";
			}
			printf("\n");
		} else {
			printf("error unknown command\n");
		}
		fflush(stdout);
	}
	arenad_pins__close(pins);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "owner", required_argument, NULL, 'o' },
		{}
	};
	struct opts o = { .pin_dir = ARENAD_DEFAULT_PIN_DIR, .name = "counter", .owner = "ledger-loader" };
	struct arenad_reuse_opts ropts = { .sz = sizeof(ropts) };
	struct ledger_loader_bpf *skel;
	__u64 addr = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:d:n:o:", options, NULL)) >= 0) {
		switch (c) {
		case 's': o.socket = optarg; break;
		case 'd': o.pin_dir = optarg; break;
		case 'n': o.name = optarg; break;
		case 'o': o.owner = optarg; break;
		default: return 2;
		}
	}
	if (find_counter(&o, &addr))
		return 1;

	skel = ledger_loader_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->counter_addr = addr;
	ropts.pin_dir = o.pin_dir;
	r = arenad_reuse(skel->obj, &ropts);
	if (r) {
		fprintf(stderr, "ledger_loader: %s\n", arenad_errmsg());
		return 1;
	}
	r = ledger_loader_bpf__load(skel);
	if (r) {
		fprintf(stderr, "ledger_loader: load: %s\n", strerror(-r));
		return 1;
	}
	if (!arenad_map_arena(skel->obj, NULL)) {
		fprintf(stderr, "ledger_loader: %s\n", arenad_errmsg());
		return 1;
	}
	/* The arena is mapped at the same address in every process, so
	 * arenad's address of the counter is ours too. */
	printf("ready 0x%llx\n", (unsigned long long)addr);
	fflush(stdout);
	serve(skel, &o, (volatile __u64 *)(unsigned long)addr);
	ledger_loader_bpf__destroy(skel);
	return 0;
}
