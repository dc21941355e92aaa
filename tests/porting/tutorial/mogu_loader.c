// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tutorial's loader shape, ported to arenad (docs/porting.md): open
 * the three skeletons, make their arena arenad's (arenad_reuse instead of
 * reusing mogu's own map), load, map the arena into this process
 * (arenad_map_arena), run mogu once, hand its pointer to aloe and
 * macchiato, then wait for signals:
 *   SIGUSR1  run mogu      SIGUSR2  run aloe
 *   SIGURG   run macchiato on a UDP packet to port 8080 (BPF_PROG_TEST_RUN
 *            stands in for a NIC)
 *   SIGINT, SIGHUP  quit
 * After each run it prints what user space reads in the shared page.
 * ARENAD_PIN_DIR names arenad's pin directory (default: arenad's).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arenad.h>

#include "shared_struct.h"
#include "mogu.skel.h"
#include "aloe.skel.h"
#include "macchiato.skel.h"

static volatile sig_atomic_t running;
static volatile sig_atomic_t pending;
static struct mogu *skel;
static struct aloe *askel;
static struct macchiato *xskel;

static int run_ebpf_prog(int prog_fd, void *pkt, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, test_opts, .data_in = pkt, .data_size_in = len);

	if (bpf_prog_test_run_opts(prog_fd, &test_opts) < 0) {
		perror("test run");
		return -1;
	}
	return test_opts.retval;
}

static void read_the_shared_mem(const char *who, int ret)
{
	entry_t *e = skel->bss->mem;

	if (e == NULL) {
		printf("%s: ret=%d, no memory\n", who, ret);
		return;
	}
	printf("%s: ret=%d user: counter=%llu\n", who, ret, (unsigned long long)e->counter);
	fflush(stdout);
}

static void run_macchiato(void)
{
	struct {
		struct ethhdr eth;
		struct iphdr ip;
		struct udphdr udp;
		char payload[16];
	} __attribute__((packed)) pkt = {
		.eth.h_proto = htons(ETH_P_IP),
		.ip = { .version = 4, .ihl = 5, .ttl = 64, .protocol = IPPROTO_UDP,
			.tot_len = htons(sizeof(pkt) - sizeof(struct ethhdr)) },
		.udp = { .source = htons(5000), .dest = htons(8080),
			 .len = htons(sizeof(pkt.udp) + sizeof(pkt.payload)) },
	};
	int r = run_ebpf_prog(bpf_program__fd(xskel->progs.macchiato_main), &pkt, sizeof(pkt));

	printf("macchiato: verdict=%s\n", r == XDP_DROP ? "drop" : r == XDP_PASS ? "pass" : "?");
	fflush(stdout);
}

static void handle_signal(int s)
{
	if (s == SIGINT || s == SIGHUP)
		running = 0;
	else
		pending = s;
}

int main(int argc, char *argv[])
{
	struct arenad_reuse_opts ropts = {
		.sz = sizeof(ropts),
		.pin_dir = getenv("ARENAD_PIN_DIR"),
		.name = "mogu",		/* mogu's page, found again next run */
	};

	skel = mogu__open();
	askel = aloe__open();
	xskel = macchiato__open();
	if (!skel || !askel || !xskel) {
		fprintf(stderr, "Failed to open the skeletons\n");
		return EXIT_FAILURE;
	}
	/* the tutorial sets these by hand; libbpf does it for SEC("syscall") */
	bpf_program__set_flags(skel->progs.mogu_main, BPF_F_SLEEPABLE);
	bpf_program__set_flags(askel->progs.aloe_main, BPF_F_SLEEPABLE);

	if (arenad_reuse(skel->obj, &ropts)) {
		fprintf(stderr, "arenad_reuse: %s\n", arenad_errmsg());
		return EXIT_FAILURE;
	}
	if (mogu__load(skel)) {
		fprintf(stderr, "Failed to load eBPF program\n");
		return EXIT_FAILURE;
	}
	if (!arenad_map_arena(skel->obj, NULL)) {
		fprintf(stderr, "arenad_map_arena: %s\n", arenad_errmsg());
		return EXIT_FAILURE;
	}

	/* run mogu once: it finds or makes the page, which aloe and
	 * macchiato then get */
	read_the_shared_mem("mogu", run_ebpf_prog(bpf_program__fd(skel->progs.mogu_main), NULL, 0));

	ropts.name = NULL;
	if (arenad_reuse(askel->obj, &ropts) || arenad_reuse(xskel->obj, &ropts)) {
		fprintf(stderr, "arenad_reuse: %s\n", arenad_errmsg());
		return EXIT_FAILURE;
	}
	askel->bss->mem = skel->bss->mem;
	xskel->bss->mem = skel->bss->mem;
	if (aloe__load(askel) || macchiato__load(xskel)) {
		fprintf(stderr, "Failed to load Aloe/Macchiato\n");
		return EXIT_FAILURE;
	}

	/* signals wait blocked between runs, so none is lost before the
	 * wait (the tutorial's pause() could miss one) */
	sigset_t block, old;
	int sigs[] = { SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGURG };

	sigemptyset(&block);
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		signal(sigs[i], handle_signal);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &old);
	running = 1;
	printf("ready\n");
	fflush(stdout);

	while (running) {
		int s;

		sigsuspend(&old);
		s = pending;
		pending = 0;
		if (s == SIGUSR1)
			read_the_shared_mem("mogu", run_ebpf_prog(bpf_program__fd(skel->progs.mogu_main), NULL, 0));
		else if (s == SIGUSR2)
			read_the_shared_mem("aloe", run_ebpf_prog(bpf_program__fd(askel->progs.aloe_main), NULL, 0));
		else if (s == SIGURG)
			run_macchiato();
	}

	mogu__destroy(skel);
	aloe__destroy(askel);
	macchiato__destroy(xskel);
	printf("Done!\n");
	return 0;
}
