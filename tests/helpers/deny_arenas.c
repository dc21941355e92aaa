// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * deny_arenas: make this kernel refuse every new BPF arena with EPERM (a
 * BPF LSM program, tests/bpf/deny_arenas.bpf.c) until stdin closes.
 * Prints "denying" once the program is attached; exits 1 with the reason
 * when it cannot attach (no BPF LSM in the kernel's lsm= list).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "deny_arenas.skel.h"

int main(void)
{
	struct deny_arenas_bpf *skel;
	char c;
	int r;

	skel = deny_arenas_bpf__open_and_load();
	if (!skel) {
		printf("load: %s\n", strerror(errno));
		return 1;
	}
	r = deny_arenas_bpf__attach(skel);
	if (r) {
		printf("attach: %s\n", strerror(-r));
		deny_arenas_bpf__destroy(skel);
		return 1;
	}
	printf("denying\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	deny_arenas_bpf__destroy(skel);
	return 0;
}
