// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arena_probe: whether this kernel lets this process create a BPF arena,
 * the one thing the integration tests need of the kernel they run on
 * (tests/vm/guest.py runs them in a guest when the host says no).
 *
 * Creates and closes a one-page arena, with libbpf only: a witness
 * independent of arenad's own `--check`. Exit 0 when that worked; else 1
 * with the error on stdout ("EPERM: Operation not permitted").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arenad_abi.h"

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd;

	fd = bpf_map_create(ARENAD_MAP_TYPE_ARENA, "arena_probe", 0, 0, 1, &o);
	if (fd < 0) {
		printf("%s: %s\n", strerrorname_np(-fd) ?: "?", strerror(-fd));
		return 1;
	}
	close(fd);
	return 0;
}
