/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* arenactl-client metrics: the Prometheus text, to stdout or a file. */
#ifndef __ARENACTL_METRICS_H
#define __ARENACTL_METRICS_H

#include <stdbool.h>

struct cli;

#define METRICS_ARGS "[--output FILE]"
#define METRICS_HELP "Prometheus text exposition (FILE: written atomically)"

/* Exit status: 0, 1 on failure, 2 on bad usage. */
int metrics_command(struct cli *cli, int argc, char **argv);

#endif /* __ARENACTL_METRICS_H */
