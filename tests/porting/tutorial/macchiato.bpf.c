// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tutorial's third use case, ported: XDP reads mogu's counter and
 * drops UDP packets to port 8080 (when the counter is set). XDP may not
 * call the arena kfuncs on 6.18, so ARENAD_BIND ties it to the arena.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <linux/if_ether.h>

#include "bpf_arena_common.h"
#include "arenad.bpf.h"

#include "shared_struct.h"

ARENAD_ARENA_MAP(arena_map);

__arena void *mem = NULL;

SEC("xdp")
int macchiato_main(struct xdp_md *xdp)
{
	ARENAD_BIND(arena_map);

	if (mem == NULL)
		return XDP_PASS;

	void *data = (void *)(__u64)(xdp->data);
	void *data_end = (void *)(__u64)(xdp->data_end);
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (udp->dest != bpf_htons(8080))
		return XDP_PASS;

	__arena entry_t *e = mem;
	return e->counter ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
