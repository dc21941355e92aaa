// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Load a BPF object through libbpf's loader program (light_load.h). This
 * is how bpftool's light skeletons load, with the program generated at
 * run time from the configured object, so that the arena's size and
 * address are the ones asked for. Does not log: the caller decides what a
 * failure means.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/skel_internal.h>

#include "light_load.h"

int light_load(struct bpf_object *obj, struct light_fds *out, const char **why)
{
	LIBBPF_OPTS(gen_loader_opts, gen);
	struct bpf_load_and_run_opts run = {};
	_cleanup_free_ struct bpf_loader_ctx *ctx = NULL;
	struct bpf_map_desc *maps;
	struct bpf_prog_desc *progs;
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t n_maps = 0, n_progs = 0, i, sz;
	int r;

	*out = (struct light_fds) {};
	bpf_object__for_each_map(map, obj)
		n_maps++;
	bpf_object__for_each_program(prog, obj)
		n_progs++;
	*why = "generate the loader program";
	r = bpf_object__gen_loader(obj, &gen);
	if (!r)
		r = bpf_object__load(obj);
	if (r < 0)
		return r;

	/* The loader's context: a header, then one descriptor per map and
	 * one per program, in the object's order; it writes the fds there.
	 * A max_entries of 0 keeps the object's. */
	sz = sizeof(*ctx) + n_maps * sizeof(*maps) + n_progs * sizeof(*progs);
	ctx = calloc(1, sz);
	out->maps = calloc(n_maps ?: 1, sizeof(int));
	out->progs = calloc(n_progs ?: 1, sizeof(int));
	*why = "out of memory";
	if (!ctx || !out->maps || !out->progs) {
		light_fds_done(out);
		return -ENOMEM;
	}
	ctx->sz = sz;
	run = (struct bpf_load_and_run_opts) {
		.ctx = ctx,
		.data = gen.data,
		.insns = gen.insns,
		.data_sz = gen.data_sz,
		.insns_sz = gen.insns_sz,
	};
	r = bpf_load_and_run(&run);
	maps = (struct bpf_map_desc *)(ctx + 1);
	progs = (struct bpf_prog_desc *)(maps + n_maps);
	/* The fds it made before a failure are ours to close too. */
	for (i = 0; i < n_maps; i++)
		out->maps[i] = maps[i].map_fd > 0 ? maps[i].map_fd : -1;
	for (i = 0; i < n_progs; i++)
		out->progs[i] = progs[i].prog_fd > 0 ? progs[i].prog_fd : -1;
	out->n_maps = n_maps;
	out->n_progs = n_progs;
	if (r < 0) {
		*why = run.errstr ?: "run the loader program";
		light_fds_done(out);
		return r;
	}
	*why = NULL;
	return 0;
}

int light_map_fd(const struct light_fds *f, struct bpf_object *obj, const char *name)
{
	struct bpf_map *map;
	size_t i = 0;

	if (!f->maps) {
		map = bpf_object__find_map_by_name(obj, name);
		return map && bpf_map__fd(map) >= 0 ? bpf_map__fd(map) : -ENOENT;
	}

	/* The loader's order is the object's. */
	bpf_object__for_each_map(map, obj) {
		if (!strcmp(bpf_map__name(map), name))
			return i < f->n_maps && f->maps[i] >= 0 ? f->maps[i] : -ENOENT;
		i++;
	}
	return -ENOENT;
}

int light_prog_fd(const struct light_fds *f, struct bpf_object *obj, const char *name)
{
	const struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
	struct bpf_program *p;
	size_t i = 0;

	if (!f->maps)
		return prog && bpf_program__fd(prog) >= 0 ? bpf_program__fd(prog) : -ENOENT;

	bpf_object__for_each_program(p, obj) {
		if (p == prog)
			return i < f->n_progs && f->progs[i] >= 0 ? f->progs[i] : -ENOENT;
		i++;
	}
	return -ENOENT;
}

void light_fds_done(struct light_fds *f)
{
	size_t i;

	for (i = 0; f->maps && i < f->n_maps; i++)
		safe_close(f->maps[i]);
	for (i = 0; f->progs && i < f->n_progs; i++)
		safe_close(f->progs[i]);
	free(f->maps);
	free(f->progs);
	*f = (struct light_fds) {};
}
