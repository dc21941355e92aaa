/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* arenactl-client arenas, who --map-id, scan --map-id: every arena on the host. */
#ifndef __ARENACTL_ARENAS_H
#define __ARENACTL_ARENAS_H

#include <stdbool.h>

struct cli;

#define ARENAS_ARGS "[--json]"
#define ARENAS_HELP "every arena on the host: size, present pages, programs, processes"
#define WHO_ARGS "--map-id N [--json]"
#define WHO_HELP "programs and processes using arena N"

/* Exit status and errors as every command's (output.h, cli.h). */
int arenas_command(struct cli *cli, int argc, char **argv);
int who_command(struct cli *cli, int argc, char **argv);
/* scan --map-id N [--json]: the census of arena N. */
int scan_map_command(struct cli *cli, int argc, char **argv);

#endif /* __ARENACTL_ARENAS_H */
