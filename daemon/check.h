/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What arenad needs of the kernel and of its own privileges: `arenad
 * --check`, and the explanation of a refused arena that a failed start
 * logs. Logging: check_run() prints its report (it is the command's
 * output); the rest is pure and does not log.
 */
#ifndef __ARENAD_CHECK_H
#define __ARENAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct config;

/* Create an arena of pages at user_addr (0: none) with flags: its fd, or -errno. */
int check_arena_create(__u32 pages, __u64 user_addr, __u32 flags);

/*
 * Why creating that arena fails with err (< 0), in words, into buf:
 * a missing capability, a security policy that refuses arenas (with what
 * the kernel shows of it), a kernel without arenas, or a size or address
 * this kernel refuses. Probes the kernel with small arenas to tell these
 * apart.
 */
void check_explain_arena(int err, __u32 pages, __u64 user_addr, __u32 flags,
			 char *buf, size_t len);

/* `arenad --check [-j]`: one line per requirement; the exit status (0:
 * arenad can run here). */
int check_run(const struct config *cfg, bool json);

#endif /* __ARENAD_CHECK_H */
