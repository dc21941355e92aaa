// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `complete WHAT`: the words the shell completions (client/complete/)
 * offer, one per line, so the scripts hold no list of their own: commands
 * and options from the command table, owners, names and addresses from
 * the daemon. Not listed by help. A daemon that does not answer gives no
 * words and no error: completion must stay quiet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "cli.h"
#include "inventory.h"
#include "output.h"

/* Global options, as main.c parses them. */
static const char *const global_opts[] = {
	"--socket", "--json", "--pretty", "--pin-dir", "--help", "--version", NULL,
};

/* A command's options: the --words of its synopsis, and --help. */
static void command_options(const struct cli_cmd *c)
{
	const char *p = c->args ?: "";

	const char *args = p, *q;

	while ((p = strstr(p, "--"))) {
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");

		/* once each: a synopsis may name an option in two forms */
		for (q = args; (q = strstr(q, "--")) && q < p; q += 2)
			if (!strncmp(q, p, n + 2) && !strchr("abcdefghijklmnopqrstuvwxyz-", q[n + 2]))
				break;
		if (!q || q >= p)
			printf("--%.*s\n", (int)n, p + 2);
		p += 2 + n;
	}
	puts("--help");
}

static int daemon_words(struct cli *cli, const char *what)
{
	struct arenad_owner_usage *own = NULL;
	struct arenad_alloc *a = NULL;
	size_t i, n = 0;
	int r;

	if (cli_connect_quiet(cli))
		return 0;
	if (!strcmp(what, "arenas")) {
		struct host_arena *h = NULL;

		r = inventory_arenas(cli, &h, &n);
		for (i = 0; r >= 0 && i < n; i++)
			printf("%llu\n", (unsigned long long)h[i].map_id);
		free(h);
		return 0;
	}
	if (!strcmp(what, "owners")) {
		r = arenad_client__owners(cli->client, NULL, &own, sizeof(*own), &n);
		for (i = 0; !r && i < n; i++)
			if (own[i].owner[0])
				puts(own[i].owner);
		free(own);
		return 0;
	}
	r = arenad_client__ranges(cli->client, NULL, &a, sizeof(*a), &n);
	for (i = 0; !r && i < n; i++) {
		if (!strcmp(what, "names") && a[i].name[0])
			puts(a[i].name);
		else if (!strcmp(what, "addrs"))
			printf("0x%llx\n", (unsigned long long)a[i].addr);
	}
	free(a);
	return 0;
}

int cmd_complete(struct cli *cli, int argc, char **argv)
{
	const struct cli_cmd *c;
	size_t i;

	if (argc < 2)
		return cli_usage(cli, "complete needs commands|options [CMD]|owners|names|addrs|arenas");
	if (!strcmp(argv[1], "commands")) {
		for (i = 0; i < cli_n_cmds; i++)
			if (!(cli_cmds[i].flags & CLI_CMD_HIDDEN))
				puts(cli_cmds[i].name);
		for (i = 0; i < cli_n_aliases; i++)
			puts(cli_aliases[i][0]);
		return 0;
	}
	if (!strcmp(argv[1], "options")) {
		if (argc < 3) {
			for (i = 0; global_opts[i]; i++)
				puts(global_opts[i]);
			return 0;
		}
		c = cli_find_cmd(argv[2]);
		if (c)
			command_options(c);
		for (i = 0; global_opts[i]; i++)
			if (strcmp(global_opts[i], "--help") && strcmp(global_opts[i], "--version"))
				puts(global_opts[i]);
		return 0;
	}
	if (!strcmp(argv[1], "owners") || !strcmp(argv[1], "names") || !strcmp(argv[1], "addrs") ||
	    !strcmp(argv[1], "arenas"))
		return daemon_words(cli, argv[1]);
	return cli_usage(cli, "complete: unknown word list '%s'", argv[1]);
}
