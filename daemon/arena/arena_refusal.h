/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Creating an arena, and why the kernel refuses one (arena_refusal.c). */
#ifndef __ARENAD_ARENA_REFUSAL_H
#define __ARENAD_ARENA_REFUSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Create an arena of pages at user_addr (0: none) with flags: its fd, or -errno. */
int arena_try_create(__u32 pages, __u64 user_addr, __u32 flags);

/*
 * Why creating that arena fails with err (< 0), in words, into buf:
 * a missing capability, a security policy that refuses arenas (with what
 * the kernel shows of it), a kernel without arenas, or a size or address
 * this kernel refuses. Probes the kernel with small arenas to tell these
 * apart.
 */
void arena_explain_refusal(int err, __u32 pages, __u64 user_addr, __u32 flags,
			 char *buf, size_t len);

/* Is cap in this process's effective set? */
bool has_capability(int cap);
/* The capabilities an arena needs that this process lacks, comma-separated
 * ("" when none). */
void arena_missing_caps(char *buf, size_t len);

#endif /* __ARENAD_ARENA_REFUSAL_H */
