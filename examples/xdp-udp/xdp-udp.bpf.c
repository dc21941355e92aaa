// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Non-sleepable sharing (a use case of "eBPF Arena: A Tutorial",
 * https://github.com/bpf-endeavor/ebpf-arena-tutorial): an XDP program uses the
 * shared arena without a kernel module. It cannot call the arena kfuncs
 * (they are sleepable-only on 6.18), so ARENAD_BIND() associates it with
 * the arena; it then reads the watched port from, and counts into, a
 * structure that user space found by name through arenad.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "arenad.bpf.h"
#include "udp_stats.h"

#define ETH_P_IP	0x0800
#define IPPROTO_UDP_	17

ARENAD_ARENA_MAP(arena);

/* Set by the loader before load: where arenad put the shared structure. */
const volatile __u64 stats_addr;

SEC("xdp")
int count_udp(struct xdp_md *ctx)
{
	struct udp_stats __arena *s = arenad_ptr(struct udp_stats, stats_addr);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;

	ARENAD_BIND(arena);
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		goto pass;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP_ || ip->ihl < 5)
		goto pass;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end || bpf_ntohs(udp->dest) != s->port)
		goto pass;
	s->matched++;
	s->matched_bytes += end - data;
	return XDP_DROP;
pass:
	s->passed++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
