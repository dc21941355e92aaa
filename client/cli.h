/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the parts of arenactl-client share: the invocation (global options,
 * the connection), the command table's entry type and the exit codes.
 */
#ifndef __ARENACTL_CLI_H
#define __ARENACTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct arenad_client;
struct option;

/*
 * Exit codes, documented in arenactl-client(1): scripts tell failures
 * apart by them, so they never change meaning.
 */
enum {
	CLI_EXIT_OK		= 0,
	CLI_EXIT_FAILURE	= 1,	/* anything not below */
	CLI_EXIT_USAGE		= 2,	/* bad command line or parameters */
	CLI_EXIT_UNREACHABLE	= 3,	/* no daemon answers on the socket */
	CLI_EXIT_PERMISSION	= 4,	/* the socket or the daemon refused us */
	CLI_EXIT_NOT_FOUND	= 5,	/* no such allocation, name or map */
	CLI_EXIT_CONFLICT	= 6,	/* name/address in use, out of pages */
	CLI_EXIT_QUOTA		= 7,	/* over an owner's or uid's page limit */
};

struct cli {
	const char *prog;		/* "arenactl-client" */
	const char *socket_path;	/* --socket, else $ARENAD_SOCKET, else default */
	const char *pin_dir;		/* --pin-dir: offline, read the pins */
	bool json;			/* -j: JSON on stdout, errors too */
	bool pretty;			/* -p: indented JSON (implies -j) */
	bool color;			/* stdout is a terminal and NO_COLOR is unset */
	const struct cli_cmd *cmd;	/* the command being run */
	struct arenad_client *client;	/* after cli_connect() */
};

/* Command flags */
#define CLI_CMD_LOCAL	0x1	/* needs no daemon (help, completion) */
#define CLI_CMD_HIDDEN	0x2	/* not listed by help (completion's helper) */

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	/* Offline implementation for --pin-dir, or NULL: needs the daemon. */
	int (*offline)(struct cli *cli, int argc, char **argv);
	const char *args;		/* synopsis of its arguments and options */
	const char *help;		/* one line for the command list */
	const char *detail;		/* more for `help CMD`, or NULL */
	unsigned flags;
};

/* main.c: the table, and lookups in it */
extern const struct cli_cmd cli_cmds[];
extern const size_t cli_n_cmds;
/* Other names of commands: { alias, name } */
extern const char *const cli_aliases[][2];
extern const size_t cli_n_aliases;
const struct cli_cmd *cli_find_cmd(const char *name);
/* The command nearest to a misspelt name, or NULL when none is close. */
const struct cli_cmd *cli_suggest_cmd(const char *name);
void cli_cmd_help(const struct cli_cmd *cmd, FILE *f);

/* connect.c: connect to the daemon; on failure print why, return the exit code. */
int cli_connect(struct cli *cli);
/* The same without a word: 0 or a negative errno (for completion). */
int cli_connect_quiet(struct cli *cli);

/*
 * getopt_long for a command's own options (argv[0] is the command's
 * name). Unknown options and missing values are reported (as JSON in JSON
 * mode) and returned as '?': the command returns CLI_EXIT_USAGE then.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

#endif /* __ARENACTL_CLI_H */
