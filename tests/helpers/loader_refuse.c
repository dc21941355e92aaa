// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * loader_refuse: arenad_reuse() on objects it must refuse, and on one it
 * must accept, beyond tests/helpers/reuse_check.c's cases.
 *
 *   loader_refuse PIN_DIR notarena    a map called "arena" that is an array
 *   loader_refuse PIN_DIR badledger   arenad_owners declared with another value
 *   loader_refuse PIN_DIR badopts     opts with an unknown (newer) field set
 *   loader_refuse PIN_DIR segv        an object declaring BPF_F_SEGV_ON_FAULT
 *
 * Prints "refused RET: <arenad_errmsg()>" or "accepted" (for segv also
 * the load and map results: "accepted load 0 map ok").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "loader_badledger.skel.h"
#include "loader_notarena.skel.h"
#include "loader_segv.skel.h"
#include "loader_bind.skel.h"

static int report(int r)
{
	if (r)
		printf("refused %d: %s\n", r, arenad_errmsg());
	else
		printf("accepted\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct arenad_reuse_opts o = { .sz = sizeof(o) };

	if (argc != 3)
		return 2;
	o.pin_dir = argv[1];
	if (!strcmp(argv[2], "notarena")) {
		struct loader_notarena_bpf *s = loader_notarena_bpf__open();

		return s ? report(arenad_reuse(s->obj, &o)) : 1;
	}
	if (!strcmp(argv[2], "badledger")) {
		struct loader_badledger_bpf *s = loader_badledger_bpf__open();

		return s ? report(arenad_reuse(s->obj, &o)) : 1;
	}
	if (!strcmp(argv[2], "badopts")) {
		/* A caller built against a newer header, using an option this
		 * library does not know: refuse rather than ignore it. */
		struct {
			struct arenad_reuse_opts o;
			long newer;
		} big = { .o = { .sz = sizeof(big), .pin_dir = argv[1] }, .newer = 1 };
		struct loader_bind_bpf *s = loader_bind_bpf__open();

		return s ? report(arenad_reuse(s->obj, &big.o)) : 1;
	}
	if (!strcmp(argv[2], "segv")) {
		struct loader_segv_bpf *s = loader_segv_bpf__open();
		int r;

		if (!s)
			return 1;
		r = arenad_reuse(s->obj, &o);
		if (r)
			return report(r);
		r = loader_segv_bpf__load(s);
		printf("accepted load %d map %s\n", r,
		       !r && arenad_map_arena(s->obj, NULL) ? "ok" : arenad_errmsg());
		return 0;
	}
	return 2;
}
