// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `alloc` and `free`: change the managed arena's ledger. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

/* The arena's size, for messages about page counts (0 when unknown). */
static __u64 arena_pages(struct cli *cli)
{
	ARENAD_OPTS(arenad_stats, st);

	return arenad_client__stats(cli->client, &st) < 0 ? 0 : st.pages_total;
}

int cmd_alloc(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{ "name",	required_argument, NULL, 'n' },
		{ "addr",	required_argument, NULL, 'a' },
		{}
	};
	ARENAD_OPTS(arenad_alloc_opts, ao);
	ARENAD_OPTS(arenad_alloc, out);
	unsigned long long pages;
	char *end;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'o':
			ao.owner = optarg;
			break;
		case 'n':
			ao.name = optarg;
			break;
		case 'a':
			if (arenad_parse_addr(optarg, &ao.addr))
				return cli_usage(cli, "--addr wants an address 0x..., got '%s'", optarg);
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cli, "alloc needs one page count%s%s%s", optind < argc ? ", got '" : "",
				 optind < argc ? argv[argc - 1] : "", optind < argc ? "'" : "");
	errno = 0;
	pages = strtoull(argv[optind], &end, 10);
	if (errno || !*argv[optind] || *end || *argv[optind] == '-' || !pages || pages > 0xffffffffULL) {
		__u64 total = arena_pages(cli);

		if (total)
			return cli_usage(cli, "alloc needs a page count, 1..%llu (this arena has %llu pages), "
					 "got '%s'", (unsigned long long)total, (unsigned long long)total,
					 argv[optind]);
		return cli_usage(cli, "alloc needs a page count, got '%s'", argv[optind]);
	}
	/* More pages than the arena has: the daemon refuses it, naming its size. */
	r = arenad_client__alloc(cli->client, pages, &ao, &out);
	if (r < 0)
		return cli_call_error(cli, r, "alloc");
	if (cli->json)
		return cli_print_result(cli);
	printf("0x%llx %u pages (offset %llu)\n", (unsigned long long)out.addr, out.pages,
	       (unsigned long long)out.offset);
	return 0;
}

int cmd_free(struct cli *cli, int argc, char **argv)
{
	__u32 pages = 0;
	__u64 addr;
	int r;

	if (argc != 2 || arenad_parse_addr(argv[1], &addr))
		return cli_usage(cli, "free needs one address 0x..., got '%s'", argc > 1 ? argv[1] : "");
	r = arenad_client__free(cli->client, addr, &pages);
	if (r < 0)
		return cli_call_error(cli, r, "free");
	if (cli->json)
		return cli_print_result(cli);
	printf("freed %u pages at %s\n", pages, argv[1]);
	return 0;
}
