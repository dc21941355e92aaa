// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * obj_run: load any BPF object file on arenad's arena and run programs.
 *
 *   obj_run PIN_DIR OBJ [--owner OWNER] [--name NAME] [--hold] PROG...
 *
 * arenad_reuse() with the owner and name given, load, map the arena, then
 * one BPF_PROG_TEST_RUN per PROG (named again to run again), printing
 * "PROG=RETVAL" per run; XDP and tc programs run on a zeroed 64-byte
 * frame (a test run of them needs a packet). Programs that do not load by
 * default (SEC("?...")) load when named. --hold keeps the object
 * loaded after the runs until standard input closes (it prints "held" first). Exit 0 when every step worked, 1 with the reason
 * on stderr otherwise.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"

int main(int argc, char **argv)
{
	struct arenad_reuse_opts ro = { .sz = sizeof(ro) };
	struct bpf_object *obj;
	struct bpf_program *prog;
	bool hold = false;
	int i = 3, r;

	if (argc < 4) {
		fprintf(stderr, "usage: obj_run PIN_DIR OBJ [--owner O] [--name N] PROG...\n");
		return 2;
	}
	ro.pin_dir = argv[1];
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--hold")) {
			hold = true;
			i--;
		} else if (!strcmp(argv[i], "--owner"))
			ro.owner = argv[i + 1];
		else if (!strcmp(argv[i], "--name"))
			ro.name = argv[i + 1];
		else
			return 2;
	}
	obj = bpf_object__open_file(argv[2], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		for (int k = i; k < argc; k++)
			if (!strcmp(bpf_program__name(prog), argv[k]))
				bpf_program__set_autoload(prog, true);
	r = arenad_reuse(obj, &ro);
	if (r) {
		fprintf(stderr, "arenad_reuse: %s\n", arenad_errmsg());
		return 1;
	}
	r = bpf_object__load(obj);
	if (r) {
		fprintf(stderr, "load %s: %s\n", argv[2], strerror(-r));
		return 1;
	}
	if (!arenad_map_arena(obj, NULL)) {
		fprintf(stderr, "arenad_map_arena: %s\n", arenad_errmsg());
		return 1;
	}
	for (; i < argc; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts);
		char frame[64] = { 0 };

		prog = bpf_object__find_program_by_name(obj, argv[i]);
		if (!prog) {
			fprintf(stderr, "no program %s\n", argv[i]);
			return 1;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS) {
			topts.data_in = frame;
			topts.data_size_in = sizeof(frame);
		}
		r = bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);
		if (r) {
			fprintf(stderr, "run %s: %s\n", argv[i], strerror(-r));
			return 1;
		}
		printf("%s=%d\n", argv[i], (int)topts.retval);
	}
	if (hold) {
		printf("held\n");
		fflush(stdout);
		while (getchar() != EOF)
			;
	}
	bpf_object__close(obj);
	return 0;
}
