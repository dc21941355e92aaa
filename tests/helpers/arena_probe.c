// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arena_probe: whether this kernel lets this process create a BPF arena,
 * the one thing the integration tests need of the kernel they run on
 * (tests/vm/guest.py runs them in a guest when the host says no).
 *
 * Creates and closes a one-page arena. Exit 0 when that worked; else 1
 * with the error on stdout ("EPERM: Operation not permitted").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

/* The UAPI value (include/uapi/linux/bpf.h, 6.9+): Debian 12's
 * linux-libc-dev 6.1 predates arenas. */
#define ARENA_MAP_TYPE 33

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd;

	fd = bpf_map_create(ARENA_MAP_TYPE, "arena_probe", 0, 0, 1, &o);
	if (fd < 0) {
		printf("%s: %s\n", strerrorname_np(-fd) ?: "?", strerror(-fd));
		return 1;
	}
	close(fd);
	return 0;
}
