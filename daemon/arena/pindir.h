/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pin directory. The levels of it that a start creates (pin_dir_prepare()
 * makes every missing one), so that a start that fails leaves none of
 * them behind: noted before the start, removed after a failure while
 * they are empty. A directory that existed, or that holds anything by
 * then (someone else's pins), stays.
 */
#ifndef __ARENAD_PINDIR_H
#define __ARENAD_PINDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct pin_dir_new {
	char path[PATH_MAX];	/* the pin dir, without trailing slashes */
	size_t existed;		/* the length of its longest prefix that exists */
};

/* Note which levels of pin_dir do not exist yet. */
void pin_dir_note(const char *pin_dir, struct pin_dir_new *n);
/* Remove those levels, deepest first, as long as they are empty; logs
 * what it removed. */
void pin_dir_undo(const struct pin_dir_new *n);

/* Take the pin dir's owner lock: the locked fd, or -EBUSY when another
 * arenad holds it. */
int pin_dir_lock(const char *pin_dir);

/* Remove arenad's pins (and the directory, when then empty). */
int pin_dir_unpin(const char *pin_dir);

/* Make sure pin_dir exists on a bpffs, mounting /sys/fs/bpf if needed. */
int pin_dir_prepare(const char *pin_dir);

/* Not logging. Whether path is on a bpffs; the nearest existing ancestor
 * of pin_dir (itself when it exists), where its file system is decided. */
bool is_bpffs(const char *path);
int bpffs_ancestor(const char *pin_dir, char *anc, size_t len);

/* dir/name into buf: 0, or -ENAMETOOLONG (logged). */
int pin_dir_join(char *buf, size_t len, const char *dir, const char *name);

#endif /* __ARENAD_PINDIR_H */
