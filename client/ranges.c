// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ranges` and `lookup`: the allocations in the ledger. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "ranges.h"

void ranges_header(void)
{
	printf("%-16s %10s %8s %6s %-18s %s\n", "ADDR", "OFFSET", "PAGES", "UID", "OWNER", "NAME");
}

void ranges_row(const struct arenad_alloc *a)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)a->addr);
	/* Object pages have no name of their own: "(objects)" says what
	 * they hold, and why a free of them is refused. */
	printf("%-16s %10llu %8u %6u %-18s %s\n", addr, (unsigned long long)a->offset, a->pages,
	       a->uid, a->owner[0] ? a->owner : "-",
	       a->name[0] ? a->name : a->objects ? "(objects)" : "-");
}

int cmd_ranges(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{}
	};
	ARENAD_OPTS(arenad_ranges_opts, ro);
	struct arenad_alloc *a = NULL;
	size_t i, n = 0;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'o')
			return CLI_EXIT_USAGE;
		ro.owner = optarg;
	}
	if (optind < argc)
		return cli_usage(cli, "ranges takes no arguments, got '%s'", argv[optind]);
	r = arenad_client__ranges(cli->client, &ro, &a, sizeof(*a), &n);
	if (r < 0)
		return cli_call_error(cli, r, "ranges");
	if (cli->json) {
		r = cli_print_result(cli);
	} else {
		ranges_header();
		for (i = 0; i < n; i++)
			ranges_row(&a[i]);
	}
	free(a);
	return r;
}

int cmd_lookup(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_alloc, a);
	int r;

	if (argc != 2)
		return cli_usage(cli, "lookup needs one NAME");
	r = arenad_client__lookup(cli->client, argv[1], &a);
	if (r < 0)
		return cli_call_error(cli, r, "lookup");
	if (cli->json)
		return cli_print_result(cli);
	ranges_header();
	ranges_row(&a);
	return 0;
}
