/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What arenad needs of the kernel and of its own privileges: `arenad
 * --check`. Logging: check_run() prints its report (it is the command's
 * output).
 */
#ifndef __ARENAD_CHECK_H
#define __ARENAD_CHECK_H

#include <stdbool.h>

struct config;

/* `arenad --check [-j]`: one line per requirement; the exit status (0:
 * arenad can run here). */
int check_run(const struct config *cfg, bool json);

#endif /* __ARENAD_CHECK_H */
