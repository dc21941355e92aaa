// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A security policy that refuses BPF arenas and nothing else, as a BPF
 * LSM program: what a host whose policy refuses arenas does to arenad,
 * for the tests of `arenad --check` and of a refused start.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

/* security_bpf_map_create() runs once the map is allocated, before it
 * gets an fd; only its first argument is read, which every kernel since
 * the hook's 6.9 signature passes first. */
SEC("lsm/bpf_map_create")
int BPF_PROG(deny_arenas, struct bpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_ARENA ? -EPERM : 0;
}
