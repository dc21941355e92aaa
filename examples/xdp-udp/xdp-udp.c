// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xdp-udp: run an XDP program that shares a structure in arenad's arena
 * on real packets (BPF_PROG_TEST_RUN), then read its counters through the
 * arena mapping.
 *
 *   xdp-udp [--socket PATH] [--pin-dir DIR] [--port N] [--name NAME]
 *
 * Sends UDP to the port (expect XDP_DROP), UDP to another port, TCP and an
 * ARP-like frame (expect XDP_PASS); prints verdict and counter totals and
 * exits 1 on any mismatch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "udp_stats.h"
#include "xdp-udp.skel.h"

struct frame {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;	/* also stands for the TCP ports */
	char payload[64];
} __attribute__((packed));

static size_t build(struct frame *f, __u16 proto_eth, __u8 proto_ip, __u16 dport, size_t payload)
{
	memset(f, 0, sizeof(*f));
	memset(f->eth.h_dest, 0xff, ETH_ALEN);
	f->eth.h_source[5] = 1;
	f->eth.h_proto = htons(proto_eth);
	f->ip.version = 4;
	f->ip.ihl = 5;
	f->ip.ttl = 64;
	f->ip.protocol = proto_ip;
	f->ip.saddr = htonl(0x7f000001);
	f->ip.daddr = htonl(0x7f000001);
	f->ip.tot_len = htons(sizeof(f->ip) + sizeof(f->udp) + payload);
	f->udp.source = htons(40000);
	f->udp.dest = htons(dport);
	f->udp.len = htons(sizeof(f->udp) + payload);
	memset(f->payload, 'x', payload);
	return sizeof(f->eth) + sizeof(f->ip) + sizeof(f->udp) + payload;
}

static int verdict(int prog_fd, struct frame *f, size_t len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f, .data_size_in = len);

	if (bpf_prog_test_run_opts(prog_fd, &t))
		return -errno;
	*retval = t.retval;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp-udp [--socket PATH] [--pin-dir DIR] [--port N] [--name NAME]\n"
		"\n"
		"Run an XDP program that shares a structure in arenad's arena on test\n"
		"packets (BPF_PROG_TEST_RUN) and check its verdicts and counters.\n"
		"\n"
		"  -s, --socket PATH   arenad's socket ($ARENAD_SOCKET; default %s)\n"
		"  -d, --pin-dir DIR   arenad's pins (default %s)\n"
		"  -p, --port N        the UDP port it drops (default 4789)\n"
		"  -n, --name NAME     the shared structure's allocation (default udp_stats)\n"
		"  -h, --help          this text\n",
		ARENAD_DEFAULT_SOCKET, ARENAD_DEFAULT_PIN_DIR);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	ARENAD_OPTS(arenad_client_opts, copts);
	ARENAD_OPTS(arenad_reuse_opts, ropts);
	ARENAD_OPTS(arenad_alloc_opts, aopts, .owner = "xdp-udp", .name = "udp_stats");
	ARENAD_OPTS(arenad_alloc, a);
	unsigned int port = 4789, drops = 0, passes = 0, i;
	__u64 bytes = 0, m0, p0, b0;
	struct arenad_client *c;
	struct xdp_udp_bpf *skel;
	volatile struct udp_stats *s;
	struct frame f;
	__u32 ret = 0;
	size_t len;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "s:d:p:n:h", options, NULL)) >= 0) {
		switch (opt) {
		case 's': copts.socket_path = optarg; break;
		case 'd': ropts.pin_dir = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 0); break;
		case 'n': aopts.name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}

	/* The shared structure, by name; the first loader creates it. */
	c = arenad_client__open(&copts);
	if (!c) {
		fprintf(stderr, "xdp-udp: %s\n", arenad_errmsg());
		return 1;
	}
	r = arenad_client__lookup(c, aopts.name, &a);
	if (r == -ENOENT)
		r = arenad_client__alloc(c, 1, &aopts, &a);
	if (r) {
		fprintf(stderr, "xdp-udp: %s\n", arenad_errmsg());
		return 1;
	}
	arenad_client__close(c);

	skel = xdp_udp_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->stats_addr = a.addr;
	if (arenad_reuse(skel->obj, &ropts)) {
		fprintf(stderr, "xdp-udp: %s\n", arenad_errmsg());
		return 1;
	}
	if (xdp_udp_bpf__load(skel)) {
		fprintf(stderr, "xdp-udp: load: %s\n", strerror(errno));
		return 1;
	}
	if (!arenad_map_arena(skel->obj, NULL)) {
		fprintf(stderr, "xdp-udp: %s\n", arenad_errmsg());
		return 1;
	}
	s = (volatile struct udp_stats *)(unsigned long)a.addr;
	s->port = port;
	m0 = s->matched;
	p0 = s->passed;
	b0 = s->matched_bytes;

	int fd = bpf_program__fd(skel->progs.count_udp);
	struct {
		__u16 eth;
		__u8 ip;
		__u16 port;
		__u32 want;
	} cases[] = {
		{ ETH_P_IP, IPPROTO_UDP, port, XDP_DROP },
		{ ETH_P_IP, IPPROTO_UDP, port + 1, XDP_PASS },
		{ ETH_P_IP, IPPROTO_TCP, port, XDP_PASS },
		{ 0x0806, 0, port, XDP_PASS },		/* ARP ethertype */
		{ ETH_P_IP, IPPROTO_UDP, port, XDP_DROP },
	};

	for (i = 0; i < 20; i++) {
		unsigned int k = i % (sizeof(cases) / sizeof(cases[0]));

		len = build(&f, cases[k].eth, cases[k].ip, cases[k].port, 10 + i);
		r = verdict(fd, &f, len, &ret);
		if (r || ret != cases[k].want) {
			fprintf(stderr, "xdp-udp: packet %u: verdict %u, want %u (%s)\n", i, ret,
				cases[k].want, r ? strerror(-r) : "ok");
			return 1;
		}
		if (ret == XDP_DROP) {
			drops++;
			bytes += len;
		} else {
			passes++;
		}
	}
	printf("verdicts drop=%u pass=%u; arena matched=%llu passed=%llu bytes=%llu\n",
	       drops, passes, (unsigned long long)(s->matched - m0),
	       (unsigned long long)(s->passed - p0), (unsigned long long)(s->matched_bytes - b0));
	if (s->matched - m0 != drops || s->passed - p0 != passes || s->matched_bytes - b0 != bytes) {
		fprintf(stderr, "xdp-udp: counters in the arena do not match the verdicts\n");
		return 1;
	}
	xdp_udp_bpf__destroy(skel);
	return 0;
}
