// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * loader_bind: non-sleepable programs bound to arenad's arena by
 * ARENAD_BIND(), without a kernel module.
 *
 *   loader_bind PIN_DIR ADDR
 *
 * ADDR is a page arenad allocated for the test. Prints one "key value..."
 * line per finding, for tests/integration/32-loader-bind.t:
 *   load 0|-errno               tc_bound and xdp_bound load against the reused arena
 *   tc RETVALS PACKETS BYTES    verdicts and counters after 3 tc runs
 *   xdp RETVALS PACKETS BYTES   the same after 2 XDP runs (counters accumulate)
 *   remap SAME|DIFFERENT|NULL   arenad_map_pinned_arena() in the same process
 *   tc_unbound ...              load result and whether the verifier gave the
 *   xdp_unbound ...             "associated arena" reason
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "../bpf/loader_bind.h"
#include "loader_bind.skel.h"

#define UNBOUND_REASON "can only be used in a program that has an associated arena"

static char log_buf[1 << 16];
static size_t log_len;

/* Keep libbpf's messages (the verifier log among them) to search them. */
static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (log_len >= sizeof(log_buf) - 1)
		return 0;
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_buf) - log_len ? (size_t)n : sizeof(log_buf) - 1 - log_len;
	return 0;
}

static int run(int fd, void *data, __u32 len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = len);

	if (bpf_prog_test_run_opts(fd, &t))
		return -errno;
	*retval = t.retval;
	return 0;
}

/* Load one "?" program alone and report how the verifier took it. */
static void try_unbound(const char *pin_dir, __u64 addr, const char *prog)
{
	struct arenad_reuse_opts ro = { .sz = sizeof(ro), .pin_dir = pin_dir };
	struct loader_bind_bpf *s = loader_bind_bpf__open();
	struct bpf_program *p;
	int r;

	if (!s) {
		printf("%s open-failed\n", prog);
		return;
	}
	s->rodata->shared_addr = addr;
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	r = arenad_reuse(s->obj, &ro);
	if (r) {
		printf("%s reuse-failed %s\n", prog, arenad_errmsg());
		loader_bind_bpf__destroy(s);
		return;
	}
	log_len = 0;
	log_buf[0] = 0;
	r = loader_bind_bpf__load(s);
	printf("%s %d %s\n", prog, r, strstr(log_buf, UNBOUND_REASON) ? "no-associated-arena" : "other");
	loader_bind_bpf__destroy(s);
}

int main(int argc, char **argv)
{
	struct arenad_reuse_opts ro = { .sz = sizeof(ro) };
	struct loader_bind_bpf *s;
	volatile struct bind_shared *sh;
	unsigned char frame[128];
	__u32 rv[3] = {};
	void *base, *again;
	__u64 addr;
	int r, i;

	if (argc != 3)
		return 2;
	ro.pin_dir = argv[1];
	addr = strtoull(argv[2], NULL, 0);
	libbpf_set_print(keep_log);

	s = loader_bind_bpf__open();
	if (!s)
		return 1;
	s->rodata->shared_addr = addr;
	r = arenad_reuse(s->obj, &ro);
	if (!r)
		r = loader_bind_bpf__load(s);
	printf("load %d\n", r);
	if (r) {
		fprintf(stderr, "%s\n%s", arenad_errmsg(), log_buf);
		return 1;
	}
	base = arenad_map_arena(s->obj, NULL);
	if (!base) {
		fprintf(stderr, "%s\n", arenad_errmsg());
		return 1;
	}

	sh = (volatile struct bind_shared *)(unsigned long)addr;
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);		/* broadcast Ethernet, IPv4 ethertype */
	frame[12] = 0x08;

	/* Verdicts come from the arena, so user space changes them between
	 * runs: the program must read the shared memory each time. */
	for (i = 0; i < 3; i++) {
		sh->tc_verdict = i == 1 ? 2 /* TC_ACT_SHOT */ : 0 /* TC_ACT_OK */;
		if (run(bpf_program__fd(s->progs.tc_bound), frame, 60 + i, &rv[i]))
			return 1;
	}
	printf("tc %u,%u,%u %llu %llu\n", rv[0], rv[1], rv[2],
	       (unsigned long long)sh->packets, (unsigned long long)sh->bytes);
	for (i = 0; i < 2; i++) {
		sh->xdp_verdict = i ? 1 /* XDP_DROP */ : 2 /* XDP_PASS */;
		if (run(bpf_program__fd(s->progs.xdp_bound), frame, 100, &rv[i]))
			return 1;
	}
	printf("xdp %u,%u %llu %llu\n", rv[0], rv[1],
	       (unsigned long long)sh->packets, (unsigned long long)sh->bytes);

	/* A second mapping request in this process gets the first mapping. */
	again = arenad_map_pinned_arena(argv[1], NULL);
	printf("remap %s\n", !again ? "NULL" : again == base ? "SAME" : "DIFFERENT");
	if (!again)
		fprintf(stderr, "%s\n", arenad_errmsg());

	try_unbound(argv[1], addr, "tc_unbound");
	try_unbound(argv[1], addr, "xdp_unbound");
	loader_bind_bpf__destroy(s);
	return 0;
}
