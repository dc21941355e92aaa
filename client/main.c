// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arenactl-client: the command-line client of arenad.
 *
 *   arenactl-client [OPTIONS] COMMAND [ARGS]
 *
 * This file is the command table and the global options. As in bpftool,
 * -j/--json and -p/--pretty (and the other global options) are accepted
 * anywhere on the line; each command parses the rest of its arguments.
 * To add a command: write cmd_NAME() in a file named for it, declare it in
 * commands.h and add a line to cli_cmds[] below.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arenad.h"
#include "arenad_version.h"
#include "cli.h"
#include "arenas.h"
#include "commands.h"
#include "metrics.h"
#include "output.h"

/* arenas.c and metrics.c take the client and the arguments after the
 * command's name. */
static int cmd_metrics(struct cli *cli, int argc, char **argv)
{
	return metrics_command(cli, argc - 1, argv + 1);
}

static int cmd_arenas(struct cli *cli, int argc, char **argv)
{
	return arenas_command(cli, argc - 1, argv + 1);
}

static int cmd_who(struct cli *cli, int argc, char **argv)
{
	return who_command(cli, argc - 1, argv + 1);
}

const struct cli_cmd cli_cmds[] = {
	{ .name = "query", .fn = cmd_query, .offline = cmd_query_offline,
	  .help = "page usage: capacity, used, present, free; per owner",
	  .detail = "Free pages are those in no allocation that the last census did not find\n"
		    "present: pages present but in no allocation are never counted as free.\n"
		    "With --pin-dir DIR, read from the pins without the daemon." },
	{ .name = "alloc", .fn = cmd_alloc,
	  .args = "PAGES [--owner O] [--name N] [--addr A] [--lease L] [-- COMMAND...]",
	  .help = "allocate pages",
	  .detail = "PAGES counts the arena's 4 KiB pages (1 .. the arena's size, as query\n"
		    "shows it). Prints the address of the first page.\n"
		    "--owner O  whom stats and ranges account them to (default uid:N, your uid)\n"
		    "--name N   a unique name, for loaders to find them with lookup\n"
		    "--addr A   those pages, at A (page aligned, inside the arena), if free\n"
		    "--lease L  persistent (default): until freed; process: freed when this\n"
		    "           process ends; connection: when its connection to the daemon\n"
		    "           closes. Both end with this command unless COMMAND follows:\n"
		    "-- COMMAND with --lease process, run COMMAND in this process's place; the\n"
		    "           pages are freed when it ends, however it dies (ARENAD_ADDR and\n"
		    "           ARENAD_PAGES in its environment say where they are)\n"
		    "Needs root, or a uid or group the daemon allows (arenad --allow-uid,\n"
		    "--allow-gid); anyone who may connect may query." },
	{ .name = "free", .fn = cmd_free, .args = "ADDR | --orphans [--older-than D] [--objects]",
	  .help = "free the allocation starting at ADDR, or the orphans",
	  .detail = "--orphans          free every orphan (see orphans); needs root\n"
		    "--older-than D     only those made at least D ago (30s, 10m, 2h, 7d)\n"
		    "--objects          drop the objects of BPF programs on orphaned pages too,\n"
		    "                   which --orphans alone keeps (their loader is gone: check\n"
		    "                   'who' first, a program it attached may still use them)" },
	{ .name = "orphans", .fn = cmd_orphans, .args = "[--older-than D]",
	  .help = "allocations nobody will free",
	  .detail = "Allocations with no name and no lease whose creating process is gone\n"
		    "(for a BPF program's, the process that loaded it): nothing will free\n"
		    "them. Lists each with its size, owner, creator and age; free --orphans\n"
		    "frees them. --older-than D: only those made at least D ago." },
	{ .name = "quota", .fn = cmd_quota,
	  .args = "set|get|list [--owner O|--uid U|--default] [PAGES|none]",
	  .help = "page limits per owner, per uid, and the default",
	  .detail = "quota set (--owner O|--uid U|--default) PAGES|none\n"
		    "quota get (--owner O|--uid U|--default)\n"
		    "quota list\n\n"
		    "set   limit an owner, a uid, or every owner without a limit of its own\n"
		    "      (--default) to PAGES pages; 'none' removes the limit. Needs root or\n"
		    "      an allowed writer, as alloc does. An owner's limit keeps its name in\n"
		    "      the daemon's string table for good.\n"
		    "get   the limit that applies and the pages held\n"
		    "list  the default and every owner and uid with a limit\n"
		    "The allocator refuses an allocation that would take its owner or uid\n"
		    "over the limit on every path (socket, pins, BPF): exit status 7." },
	{ .name = "ranges", .fn = cmd_ranges, .offline = cmd_ranges_offline, .args = "[--owner O]",
	  .help = "list allocations" },
	{ .name = "lookup", .fn = cmd_lookup, .offline = cmd_lookup_offline, .args = "NAME",
	  .help = "find a named allocation" },
	{ .name = "scan", .fn = cmd_scan, .args = "[--map-id N] [--method kmod|rt|full]",
	  .help = "census now: present pages vs. the ledger, or of arena N",
	  .detail = "Without --map-id: present pages held against the ledger, unaccounted and\n"
		    "missing pages listed. --map-id N: the present pages of arena N (any\n"
		    "program's, or arenad's own), as runs. --method picks the census method\n"
		    "in either case (default: the fastest that passed the daemon's self-test);\n"
		    "with --map-id of another program's arena only rt and full work." },
	{ .name = "arenas", .fn = cmd_arenas, .args = ARENAS_ARGS, .help = ARENAS_HELP },
	{ .name = "who", .fn = cmd_who, .args = WHO_ARGS, .help = WHO_HELP },
	{ .name = "map", .fn = cmd_map, .args = "[--map-id N] [--width W]",
	  .help = "draw the arena: who holds which pages",
	  .detail = "Each cell is a run of pages: an owner's letter (lowercase when it holds\n"
		    "only part of the cell), '?' present but in no allocation, '.' free.\n"
		    "Every owner in the legend is drawn: a cell that several share shows the\n"
		    "one without a cell of its own; 'lossy' under the legend counts such cells.\n"
		    "With --map-id, another arena on the host: '#' present, '.' absent.\n"
		    "Below: the legend, the largest free run and the fragmentation (free\n"
		    "pages outside the largest run)." },
	{ .name = "top", .fn = cmd_top, .args = "[--interval S] [--once]",
	  .help = "live view of usage, rates and owners",
	  .detail = "Redraws as the managed arena changes (the daemon's event stream), and\n"
		    "every S seconds (default 1) for the rest; q or ^C quits. Needs a terminal;\n"
		    "--once prints one frame to any output." },
	{ .name = "events", .fn = cmd_events, .args = "[--owner O] [--kind K,...] [--fill PAGES] [--quota PCT]",
	  .help = "stream allocations, frees and other events as they happen",
	  .detail = "One line per event until the daemon stops (a JSON object per line with -j).\n"
		    "Allocations made by BPF programs and through the pins are streamed too.\n"
		    "--owner O       only O's allocations, frees and quota events\n"
		    "--kind K,...    only these kinds: alloc, free, census, arena, shutdown, fill,\n"
		    "                quota\n"
		    "--fill PAGES    a fill event when the allocated pages cross PAGES\n"
		    "--quota PCT     a quota event when an owner's or a uid's pages cross PCT\n"
		    "                percent of its limit (default 90), and on refusals\n"
		    "A reader too slow for the stream loses events: a 'dropped' line says how\n"
		    "many." },
	{ .name = "metrics", .fn = cmd_metrics, .args = METRICS_ARGS, .help = METRICS_HELP },
	{ .name = "ping", .fn = cmd_ping, .help = "check that the daemon answers" },
	{ .name = "version", .fn = cmd_version, .help = "daemon version, ABI, protocol, census" },
	{ .name = "help", .fn = cmd_help, .args = "[COMMAND]",
	  .help = "this list, or one command's usage", .flags = CLI_CMD_LOCAL },
	{ .name = "complete", .fn = cmd_complete, .args = "commands|options [CMD]|owners|names|addrs|arenas",
	  .help = "words for shell completion", .flags = CLI_CMD_LOCAL | CLI_CMD_HIDDEN },
};
const size_t cli_n_cmds = sizeof(cli_cmds) / sizeof(cli_cmds[0]);

/* Other names commands answer to. */
const char *const cli_aliases[][2] = {
	{ "stats", "query" },
};
const size_t cli_n_aliases = sizeof(cli_aliases) / sizeof(cli_aliases[0]);

const struct cli_cmd *cli_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < cli_n_aliases; i++)
		if (!strcmp(cli_aliases[i][0], name))
			name = cli_aliases[i][1];
	for (i = 0; i < cli_n_cmds; i++)
		if (!strcmp(cli_cmds[i].name, name))
			return &cli_cmds[i];
	return NULL;
}

/* Optimal string alignment distance (a swap of neighbours costs one). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const struct cli_cmd *cli_suggest_cmd(const char *name)
{
	const struct cli_cmd *best = NULL;
	size_t i, d, best_d = 3;

	for (i = 0; i < cli_n_cmds; i++) {
		if (cli_cmds[i].flags & CLI_CMD_HIDDEN)
			continue;
		d = distance(name, cli_cmds[i].name);
		/* a prefix ("ran") is as good as one typo */
		if (strlen(name) >= 2 && !strncmp(cli_cmds[i].name, name, strlen(name)))
			d = 1;
		if (d < best_d && d <= strlen(name) / 2 + 1) {
			best = &cli_cmds[i];
			best_d = d;
		}
	}
	for (i = 0; i < cli_n_aliases; i++)
		if (distance(name, cli_aliases[i][0]) < best_d)
			return cli_find_cmd(cli_aliases[i][1]);
	return best;
}

static const char *alias_of(const struct cli_cmd *cmd)
{
	size_t i;

	for (i = 0; i < cli_n_aliases; i++)
		if (!strcmp(cli_aliases[i][1], cmd->name))
			return cli_aliases[i][0];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: arenactl-client [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < cli_n_cmds; i++) {
		const struct cli_cmd *c = &cli_cmds[i];

		if (c->flags & CLI_CMD_HIDDEN)
			continue;
		fprintf(f, "  %s%s%s\n      %s%s%s%s\n", c->name, c->args ? " " : "", c->args ?: "", c->help,
			alias_of(c) ? " (also: " : "", alias_of(c) ?: "", alias_of(c) ? ")" : "");
	}
	fprintf(f, "\nOptions:\n"
		"  -s, --socket PATH  socket ($ARENAD_SOCKET; default %s)\n"
		"  -j, --json         JSON on stdout, errors too ({\"error\":{\"code\",\"message\"}})\n"
		"  -p, --pretty       indented JSON (implies --json)\n"
		"  --pin-dir DIR      without the daemon: read its pins in DIR (query, ranges,\n"
		"                     lookup; needs BPF privileges)\n"
		"  -h, --help         this text; 'help COMMAND' or 'COMMAND --help' for one\n"
		"  -V, --version      client version\n"
		"Options are accepted anywhere on the line.\n"
		"\nExit status: 0 success, 2 usage, 3 daemon not reachable, 4 permission denied,\n"
		"5 not found, 6 conflict or out of memory, 7 over a quota, 1 any other failure.\n",
		ARENAD_DEFAULT_SOCKET);
}

void cli_cmd_help(const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "Usage: arenactl-client %s%s%s\n\n%s%s%s%s.\n", c->name, c->args ? " " : "",
		c->args ?: "", alias_of(c) ? "Also: " : "", alias_of(c) ?: "", alias_of(c) ? ". " : "",
		c->help);
	if (c->detail)
		fprintf(f, "\n%s\n", c->detail);
	fprintf(f, "\nGlobal options (-j, -p, -s, --pin-dir) are accepted too; see arenactl-client --help.\n");
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc > 2)
		return cli_usage(cli, "help takes at most one COMMAND");
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = cli_find_cmd(argv[1]);
	if (!c) {
		const struct cli_cmd *s = cli_suggest_cmd(argv[1]);

		return s ? cli_usage(cli, "unknown command '%s'; did you mean '%s'?", argv[1], s->name)
			 : cli_usage(cli, "unknown command '%s'", argv[1]);
	}
	cli_cmd_help(c, stdout);
	return 0;
}

int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char so[64];
	int c;

	/* ':' first: a missing value is ':', told apart from an unknown option */
	snprintf(so, sizeof(so), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, so, longopts, NULL);
	if (c == '?') {
		if (optopt)
			cli_usage(cli, "%s: unknown option '-%c'", argv[0], optopt);
		else
			cli_usage(cli, "%s: unknown option '%s'", argv[0], argv[optind - 1]);
	} else if (c == ':') {
		cli_usage(cli, "%s: option '%s' needs a value", argv[0], argv[optind - 1]);
		c = '?';
	}
	return c;
}

/* A value for a global option: "--opt=V", "-sV" or the next argument. */
static const char *opt_value(int argc, char **argv, int *i, size_t prefix)
{
	if (argv[*i][prefix] == '=')
		return argv[*i] + prefix + 1;
	if (argv[*i][prefix])
		return argv[*i] + prefix;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/*
 * Take the global options out of argv, wherever they are (up to "--"),
 * and leave the command and its arguments in *rest. Returns -1 to go on,
 * else the exit code.
 */
static int parse_global(struct cli *cli, int argc, char **argv, int *nrest, char **rest)
{
	bool have_cmd = false, help = false, version = false;
	const char *v, *a;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (!strcmp(a, "--")) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "--json")) {
			cli->json = true;
		} else if (!strcmp(a, "--pretty")) {
			cli->json = cli->pretty = true;
		} else if (a[0] == '-' && a[1] && a[1] != '-' && strspn(a + 1, "jp") == strlen(a + 1)) {
			/* -j, -p, -jp */
			cli->json = true;
			cli->pretty |= strchr(a, 'p') != NULL;
		} else if (!strcmp(a, "--socket") || !strncmp(a, "--socket=", 9) || !strncmp(a, "-s", 2)) {
			v = opt_value(argc, argv, &i, a[1] == 's' ? 2 : 8);
			if (!v || !*v)
				return cli_usage(cli, "--socket needs a PATH");
			cli->socket_path = v;
		} else if (!strcmp(a, "--pin-dir") || !strncmp(a, "--pin-dir=", 10)) {
			v = opt_value(argc, argv, &i, 9);
			if (!v || !*v)
				return cli_usage(cli, "--pin-dir needs a DIR");
			cli->pin_dir = v;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			version = true;
		} else if (!have_cmd && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			help = true;
		} else if (!have_cmd && a[0] == '-' && a[1]) {
			return cli_usage(cli, "unknown option '%s'", a);
		} else {
			have_cmd = true;
			rest[n++] = argv[i];
		}
	}
	*nrest = n;
	if (version) {
		printf("arenactl-client %s\n", ARENAD_VERSION);
		return 0;
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "arenactl-client" };
	const char *env = getenv("ARENAD_SOCKET");
	char **rest;
	int n, i, r;

	cli.socket_path = env && *env ? env : ARENAD_DEFAULT_SOCKET;
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	rest = calloc(argc + 1, sizeof(*rest));
	if (!rest)
		return CLI_EXIT_FAILURE;
	r = parse_global(&cli, argc, argv, &n, rest);
	if (r >= 0)
		goto out;
	if (!n) {
		if (cli.json)
			r = cli_usage(&cli, "no COMMAND given");
		else {
			usage(stderr);
			r = CLI_EXIT_USAGE;
		}
		goto out;
	}
	cli.cmd = cli_find_cmd(rest[0]);
	if (!cli.cmd) {
		const struct cli_cmd *s = cli_suggest_cmd(rest[0]);

		r = s ? cli_usage(&cli, "unknown command '%s'; did you mean '%s'?", rest[0], s->name)
		      : cli_usage(&cli, "unknown command '%s'", rest[0]);
		goto out;
	}
	for (i = 1; i < n && strcmp(rest[i], "--"); i++) {
		if (!strcmp(rest[i], "-h") || !strcmp(rest[i], "--help")) {
			cli_cmd_help(cli.cmd, stdout);
			r = 0;
			goto out;
		}
	}
	optind = 0;	/* commands parse their options with getopt_long */
	if (cli.pin_dir && !(cli.cmd->flags & CLI_CMD_LOCAL)) {
		if (!cli.cmd->offline) {
			r = cli_usage(&cli, "%s needs the daemon; with --pin-dir only query, ranges "
				      "and lookup work", cli.cmd->name);
			goto out;
		}
		r = cli.cmd->offline(&cli, n, rest);
		goto out;
	}
	if (!(cli.cmd->flags & CLI_CMD_LOCAL)) {
		r = cli_connect(&cli);
		if (r)
			goto out;
	}
	r = cli.cmd->fn(&cli, n, rest);
	arenad_client__close(cli.client);
out:
	free(rest);
	fflush(stdout);
	return r;
}
