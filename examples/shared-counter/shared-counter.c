// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shared-counter: an external loader that reuses arenad's arena.
 *
 *   shared-counter [--socket PATH] [--pin-dir DIR] [--name NAME] [--owner O]
 *                  [--bumps N] [--grab PAGES]
 *
 * It finds (or creates) a named one-page allocation through the daemon,
 * points its BPF program at it, bumps the counter from BPF and reads it
 * back through its own mmap of the arena. With --grab it also allocates
 * PAGES from BPF, accounted to --owner in arenad's ledger, and frees them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "counter.h"
#include "shared-counter.skel.h"

struct opts {
	const char *socket;
	const char *pin_dir;
	const char *name;
	const char *owner;
	long bumps;
	unsigned int grab;
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
		fprintf(stderr, "shared-counter: %s\n", arenad_errmsg());
		return r;
	}
	r = arenad_client__lookup(c, o->name, &a);
	if (r == -ENOENT) {
		r = arenad_client__alloc(c, 1, &aopts, &a);
		if (r == -EEXIST)	/* another loader created it meanwhile */
			r = arenad_client__lookup(c, o->name, &a);
	}
	if (r)
		fprintf(stderr, "shared-counter: counter '%s': %s\n", o->name, arenad_errmsg());
	else
		*addr = a.addr;
	arenad_client__close(c);
	return r;
}

static int run(int prog_fd, void *ctx, __u32 size)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = size);

	return bpf_prog_test_run_opts(prog_fd, &t) ? -errno : 0;
}

static int bump(struct shared_counter_bpf *skel, __u64 n, __u64 *value)
{
	struct bump_ctx ctx = { .delta = 1 };
	__u64 i;
	int r;

	for (i = 0; i < n; i++) {
		r = run(bpf_program__fd(skel->progs.bump), &ctx, sizeof(ctx));
		if (r)
			return r;
	}
	*value = ctx.value;
	return 0;
}

/*
 * Allocate pages from BPF through arenad's ledger (arenad_alloc_pages_as() in
 * arenad_ledger.bpf.h), accounted to the owner, then free them: the pages
 * show in arenad's stats under the owner meanwhile.
 */
static int grab_and_drop(struct shared_counter_bpf *skel, const struct opts *o)
{
	struct grab_ctx g = { .pages = o->grab };
	struct arenad_pins *pins;
	int r;

	/* The owner is a string id in arenad's string table, held while
	 * the program uses it (unreferenced strings are reclaimed). */
	pins = arenad_pins__open(o->pin_dir);
	if (!pins)
		return -errno;
	r = arenad_pins__intern(pins, o->owner, &g.owner);
	if (r)
		goto out;
	r = run(bpf_program__fd(skel->progs.grab), &g, sizeof(g));
	if (r || g.ret < 0) {
		r = r ? r : g.ret;
		goto out;
	}
	printf("grabbed %u pages at 0x%llx from BPF for '%s'\n", o->grab,
	       (unsigned long long)g.addr, o->owner);
	g.pages = 0;	/* free g.addr */
	r = run(bpf_program__fd(skel->progs.grab), &g, sizeof(g));
	if (!r && g.ret < 0)
		r = g.ret;
	if (!r)
		printf("freed %d pages from BPF\n", g.ret);
out:
	if (g.owner)
		arenad_pins__release(pins, g.owner);
	arenad_pins__close(pins);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: shared-counter [--socket PATH] [--pin-dir DIR] [--name NAME] [--owner O]\n"
		"                      [--bumps N] [--grab PAGES]\n"
		"\n"
		"Find or create the named one-page allocation through arenad, bump the\n"
		"counter in it from BPF N times and read it back through the arena mapping.\n"
		"\n"
		"  -s, --socket PATH   arenad's socket ($ARENAD_SOCKET; default %s)\n"
		"  -d, --pin-dir DIR   arenad's pins (default %s)\n"
		"  -n, --name NAME     the counter's allocation (default counter)\n"
		"  -o, --owner O       its owner (default shared-counter)\n"
		"  -b, --bumps N       increments from BPF (default 1)\n"
		"  -g, --grab PAGES    also allocate and free PAGES from BPF (accounted)\n"
		"  -h, --help          this text\n",
		ARENAD_DEFAULT_SOCKET, ARENAD_DEFAULT_PIN_DIR);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "owner", required_argument, NULL, 'o' },
		{ "bumps", required_argument, NULL, 'b' },
		{ "grab", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = {
		.pin_dir = ARENAD_DEFAULT_PIN_DIR,
		.name = "counter",
		.owner = "shared-counter",
		.bumps = 1,
	};
	struct arenad_reuse_opts ropts = { .sz = sizeof(ropts) };
	struct shared_counter_bpf *skel;
	volatile __u64 *counter;
	__u64 addr = 0, value;
	char *base;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:d:n:o:b:g:h", options, NULL)) >= 0) {
		switch (c) {
		case 's': o.socket = optarg; break;
		case 'd': o.pin_dir = optarg; break;
		case 'n': o.name = optarg; break;
		case 'o': o.owner = optarg; break;
		case 'b': o.bumps = strtol(optarg, NULL, 0); break;
		case 'g': o.grab = strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (find_counter(&o, &addr))
		return 1;

	skel = shared_counter_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->counter_addr = addr;
	ropts.pin_dir = o.pin_dir;
	r = arenad_reuse(skel->obj, &ropts);
	if (r) {
		fprintf(stderr, "shared-counter: %s\n", arenad_errmsg());
		return 1;
	}
	r = shared_counter_bpf__load(skel);
	if (r) {
		fprintf(stderr, "shared-counter: load: %s\n", strerror(-r));
		return 1;
	}
	base = arenad_map_arena(skel->obj, NULL);
	if (!base) {
		fprintf(stderr, "shared-counter: %s\n", arenad_errmsg());
		return 1;
	}
	/* The same memory the program writes: the arena is mapped at the same
	 * address in every process, so arenad's address is ours too. */
	counter = (volatile __u64 *)(unsigned long)addr;
	r = bump(skel, o.bumps, &value);
	if (r) {
		fprintf(stderr, "shared-counter: run: %s\n", strerror(-r));
		return 1;
	}
	printf("counter '%s' at 0x%llx: %llu (through the mmap: %llu)\n", o.name,
	       (unsigned long long)addr, (unsigned long long)value,
	       (unsigned long long)*counter);
	if (o.grab) {
		r = grab_and_drop(skel, &o);
		if (r) {
			fprintf(stderr, "shared-counter: grab: %s\n", strerror(-r));
			return 1;
		}
	}
	shared_counter_bpf__destroy(skel);
	return 0;
}
