/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The structure xdp-udp shares through the arena, and its test run. */
#ifndef __UDP_STATS_H
#define __UDP_STATS_H

struct udp_stats {
	__u64 matched;		/* UDP packets to the watched port (dropped) */
	__u64 matched_bytes;
	__u64 passed;		/* everything else */
	__u16 port;		/* the watched port, host order; user space sets it */
	__u16 pad[3];
};

#endif
