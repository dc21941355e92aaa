/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * arenactl-client's output: JSON for scripts (errors included, on stdout),
 * text for people, and the exit code each failure maps to.
 */
#ifndef __ARENACTL_OUTPUT_H
#define __ARENACTL_OUTPUT_H

#include <stdarg.h>
#include <stddef.h>
#include <linux/types.h>

#include "cli.h"

struct json_object;

/*
 * Report a failure and return exit_code. In JSON mode it is
 *   {"error":{"code":CODE,"message":"..."}}
 * on stdout, otherwise "arenactl-client: ..." on stderr. code is the
 * daemon's JSON-RPC error code, or for failures the client found itself a
 * negative errno (usage: -EINVAL).
 */
__attribute__((format(printf, 4, 5)))
int cli_error(struct cli *cli, int exit_code, int code, const char *fmt, ...);
int cli_verror(struct cli *cli, int exit_code, int code, const char *fmt, va_list ap);

/* A usage error (exit 2): the message, and where the usage is. */
__attribute__((format(printf, 2, 3)))
int cli_usage(struct cli *cli, const char *fmt, ...);

/*
 * A failed call to the daemon (r < 0 from libarenad): its message and
 * code when it answered with an error, else what went wrong locally.
 * "what" names the request.
 */
int cli_call_error(struct cli *cli, int r, const char *what);

/* A local failure given as a negative errno: the exit code it maps to. */
int cli_errno_exit(int err);
/* A daemon JSON-RPC error code: the exit code it maps to. */
int cli_rpc_exit(int code);

/*
 * The daemon's result of the last call as JSON on stdout (indented with
 * -p): what --json prints for the commands that ask the daemon.
 */
int cli_print_result(struct cli *cli);

/* Print a JSON value to stdout, indented with -p, and put it. */
void cli_json_put(struct cli *cli, struct json_object *o);

/* ---- text for people --------------------------------------------------- */

/* "12.0 KiB" */
const char *cli_bytes(__u64 b, char *buf, size_t len);
/* 100 * part / whole, 0 for an empty whole */
double cli_pct(__u64 part, __u64 whole);
/* Columns of the terminal on stdout, or fallback when it is none. */
int cli_term_cols(int fallback);
/* "1h02m", "3d04h", "42s" */
const char *cli_duration(__u64 s, char *buf, size_t len);

#endif /* __ARENACTL_OUTPUT_H */
