/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who uses the arenas: the programs and processes that hold one, read by
 * the iterators of arenad_users.bpf.c.
 */
#ifndef __ARENAD_USERS_DAEMON_H
#define __ARENAD_USERS_DAEMON_H

#include <stddef.h>

#include "arenad_users.h"
#include "cleanup.h"

struct users;

/*
 * Load the iterators and learn what a map file looks like from arena_fd,
 * an arena map fd this process holds. A negative errno on failure, with
 * *why (static) saying which step failed. Does not log.
 */
int users_load(int arena_fd, struct users **out, const char **why);
/* One pass of every iterator: *out (malloc'ed) holds *n records. */
int users_read(struct users *u, struct arenad_user_rec **out, size_t *n);
/* Returns NULL. */
struct users *users_free(struct users *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct users *, users_free);

#endif /* __ARENAD_USERS_DAEMON_H */
