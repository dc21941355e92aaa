/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The levels of the pin directory that a start creates (bpffs_prepare()
 * makes every missing one), so that a start that fails leaves none of
 * them behind: noted before the start, removed after a failure while
 * they are empty. A directory that existed, or that holds anything by
 * then (someone else's pins), stays.
 */
#ifndef __ARENAD_PINDIR_H
#define __ARENAD_PINDIR_H

#include <limits.h>
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

#endif /* __ARENAD_PINDIR_H */
