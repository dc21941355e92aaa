/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every command of arenactl-client, for the table in main.c. A command
 * gets argv with its own name in argv[0] (getopt_long-ready; optind is
 * reset) and returns an exit code (cli.h); main.c has connected to the
 * daemon already unless the command is CLI_CMD_LOCAL.
 */
#ifndef __ARENACTL_COMMANDS_H
#define __ARENACTL_COMMANDS_H

#include "cli.h"

int cmd_query(struct cli *cli, int argc, char **argv);		/* query.c */
int cmd_alloc(struct cli *cli, int argc, char **argv);		/* alloc.c */
int cmd_free(struct cli *cli, int argc, char **argv);		/* alloc.c */
int cmd_orphans(struct cli *cli, int argc, char **argv);	/* orphans.c */
int cmd_quota(struct cli *cli, int argc, char **argv);		/* quota.c */
int cmd_ranges(struct cli *cli, int argc, char **argv);	/* ranges.c */
int cmd_lookup(struct cli *cli, int argc, char **argv);	/* ranges.c */
int cmd_scan(struct cli *cli, int argc, char **argv);		/* scan.c */
int cmd_map(struct cli *cli, int argc, char **argv);		/* map.c */
int cmd_top(struct cli *cli, int argc, char **argv);		/* top.c */
int cmd_events(struct cli *cli, int argc, char **argv);	/* events.c */
int cmd_ping(struct cli *cli, int argc, char **argv);		/* ping.c */
int cmd_version(struct cli *cli, int argc, char **argv);	/* ping.c */
int cmd_help(struct cli *cli, int argc, char **argv);		/* main.c */
int cmd_complete(struct cli *cli, int argc, char **argv);	/* complete.c */

/* --pin-dir: the same, read from the pins (offline.c) */
int cmd_query_offline(struct cli *cli, int argc, char **argv);
int cmd_ranges_offline(struct cli *cli, int argc, char **argv);
int cmd_lookup_offline(struct cli *cli, int argc, char **argv);

#endif /* __ARENACTL_COMMANDS_H */
