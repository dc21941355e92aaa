// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Output and exit codes. With --json every result and every error is one
 * JSON document on stdout, so a script reads one stream and checks the
 * exit code; without it results go to stdout and errors to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <json-c/json.h>

#include "arenad.h"
#include "arenad_proto.h"
#include "output.h"

int cli_verror(struct cli *cli, int exit_code, int code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cli->json) {
		json_object *e = json_object_new_object(), *o = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_int(code));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(o, "error", e);
		cli_json_put(cli, o);
	} else {
		fprintf(stderr, "%s: %s\n", cli->prog, msg);
	}
	return exit_code;
}

int cli_error(struct cli *cli, int exit_code, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cli_verror(cli, exit_code, code, fmt, ap);
	va_end(ap);
	return r;
}

int cli_usage(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(cli, CLI_EXIT_USAGE, -EINVAL, fmt, ap);
	va_end(ap);
	if (!cli->json) {
		if (cli->cmd)
			fprintf(stderr, "(see %s %s --help)\n", cli->prog, cli->cmd->name);
		else
			fprintf(stderr, "(see %s --help)\n", cli->prog);
	}
	return CLI_EXIT_USAGE;
}

int cli_rpc_exit(int code)
{
	switch (code) {
	case ARENAD_ERR_PERMISSION:	return CLI_EXIT_PERMISSION;
	case ARENAD_ERR_NOT_FOUND:	return CLI_EXIT_NOT_FOUND;
	case ARENAD_ERR_CONFLICT:
	case ARENAD_ERR_NO_MEMORY:	return CLI_EXIT_CONFLICT;
	case ARENAD_ERR_QUOTA:		return CLI_EXIT_QUOTA;
	case ARENAD_RPC_INVALID_PARAMS:	return CLI_EXIT_USAGE;
	default:			return CLI_EXIT_FAILURE;
	}
}

int cli_errno_exit(int err)
{
	switch (-err) {
	case EINVAL:
	case ERANGE:
		return CLI_EXIT_USAGE;
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
	case ETIMEDOUT:
	case ENOTSOCK:
		return CLI_EXIT_UNREACHABLE;
	case EACCES:
	case EPERM:
		return CLI_EXIT_PERMISSION;
	case ENOENT:
		return CLI_EXIT_NOT_FOUND;
	case EEXIST:
	case ENOMEM:
	case ENOSPC:
		return CLI_EXIT_CONFLICT;
	case EDQUOT:
		return CLI_EXIT_QUOTA;
	default:
		return CLI_EXIT_FAILURE;
	}
}

int cli_call_error(struct cli *cli, int r, const char *what)
{
	int code = arenad_errcode();
	const char *msg = arenad_errmsg();

	if (code)
		return cli_error(cli, cli_rpc_exit(code), code, "%s: %s", what, msg);
	/* Failed on our side of the socket: the daemon went away, timed
	 * out, or sent something libarenad could not read. */
	if (r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT)
		return cli_error(cli, CLI_EXIT_UNREACHABLE, r, "%s: the daemon on %s %s", what,
				 cli->socket_path, r == -ETIMEDOUT ? "did not answer in time"
								   : "closed the connection");
	return cli_error(cli, cli_errno_exit(r), r, "%s: %s", what,
			 *msg ? msg : strerror(-r));
}

int cli_print_result(struct cli *cli)
{
	const char *text = cli->client ? arenad_client__last_result(cli->client) : NULL;
	json_object *o = text ? json_tokener_parse(text) : NULL;

	if (!o)
		return cli_error(cli, CLI_EXIT_FAILURE, -EPROTO, "no result from the daemon to print");
	cli_json_put(cli, o);
	return 0;
}

void cli_json_put(struct cli *cli, json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= cli->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			     : JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(o, flags));
	json_object_put(o);
}

const char *cli_bytes(__u64 b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
	return buf;
}

double cli_pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

int cli_term_cols(int fallback)
{
	struct winsize ws;
	const char *env;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	env = getenv("COLUMNS");
	if (env && atoi(env) > 0)
		return atoi(env);
	return fallback;
}

const char *cli_duration(__u64 s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)s / 3600 % 24);
	return buf;
}
