/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Load a BPF object through libbpf's loader program instead of
 * bpf_object__load(): the kernel then resolves kfuncs itself, and user
 * space never parses the kernel's BTF, which is most of a plain load's
 * time (and of a fresh start's).
 */
#ifndef __ARENAD_LIGHT_LOAD_H
#define __ARENAD_LIGHT_LOAD_H

#include <stddef.h>
#include <bpf/libbpf.h>

#include "cleanup.h"

/* The fds the loader created, in the object's map and program order. */
struct light_fds {
	int *maps;
	size_t n_maps;
	int *progs;
	size_t n_progs;
};

/*
 * Load obj, opened and configured (sizes, flags) but not loaded. obj can
 * then only be closed: its maps and programs have no fds of their own,
 * light_map_fd() and light_prog_fd() give them. A negative errno on
 * failure; *why (static) says which step failed. Does not log.
 */
int light_load(struct bpf_object *obj, struct light_fds *out, const char **why);
/* obj's map or program called name: its fd from f, or obj's own when f
 * holds none (obj was loaded the usual way); -ENOENT if there is none. */
int light_map_fd(const struct light_fds *f, struct bpf_object *obj, const char *name);
int light_prog_fd(const struct light_fds *f, struct bpf_object *obj, const char *name);
/* Close every fd; f can be loaded again. */
void light_fds_done(struct light_fds *f);

#endif /* __ARENAD_LIGHT_LOAD_H */
