// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `alloc` and `free`: change the managed arena's ledger. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "orphans.h"
#include "output.h"

/* The arena's size, for messages about page counts (0 when unknown). */
static __u64 arena_pages(struct cli *cli)
{
	ARENAD_OPTS(arenad_stats, st);

	return arenad_client__stats(cli->client, &st) < 0 ? 0 : st.pages_total;
}

static int parse_lease(const char *s, __u32 *lease)
{
	if (!strcmp(s, "persistent"))
		*lease = 0;
	else if (!strcmp(s, "process"))
		*lease = ARENAD_LEASE_PROCESS;
	else if (!strcmp(s, "connection"))
		*lease = ARENAD_LEASE_CONNECTION;
	else
		return -EINVAL;
	return 0;
}

/*
 * alloc ... --lease process -- COMMAND: the command holds the lease. exec
 * keeps this process's pid and start time, which the daemon recorded as
 * the holder, so the pages are freed when the command ends, however it
 * dies. It finds them in ARENAD_ADDR and ARENAD_PAGES.
 */
static int run_holder(struct cli *cli, const struct arenad_alloc *a, char **cmd)
{
	char addr[32], pages[16];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)a->addr);
	snprintf(pages, sizeof(pages), "%u", a->pages);
	if (setenv("ARENAD_ADDR", addr, 1) || setenv("ARENAD_PAGES", pages, 1))
		return cli_error(cli, CLI_EXIT_FAILURE, -errno, "out of memory");
	fflush(stdout);
	arenad_client__close(cli->client);
	cli->client = NULL;
	execvp(cmd[0], cmd);
	/* The lease ends as this process exits: the pages go with it. */
	return cli_error(cli, CLI_EXIT_FAILURE, -errno, "cannot run '%s': %s", cmd[0],
			 strerror(errno));
}

int cmd_alloc(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{ "name",	required_argument, NULL, 'n' },
		{ "addr",	required_argument, NULL, 'a' },
		{ "lease",	required_argument, NULL, 'l' },
		{}
	};
	ARENAD_OPTS(arenad_alloc_opts, ao);
	ARENAD_OPTS(arenad_alloc, out);
	unsigned long long pages;
	char **cmd = NULL, *end;
	int c, r, i;

	/* What follows "--" is a command to hold the lease, not ours. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = argv + i + 1;
			argv[i] = NULL;
			argc = i;
			break;
		}
	}
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
		case 'l':
			if (parse_lease(optarg, &ao.lease))
				return cli_usage(cli, "--lease wants persistent, process or connection, "
						 "got '%s'", optarg);
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cmd && (!*cmd || ao.lease != ARENAD_LEASE_PROCESS))
		return cli_usage(cli, "alloc ... -- COMMAND runs COMMAND as the holder of a "
				 "--lease process%s", *cmd ? "" : ", and needs a command");
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
	if (cmd)
		return run_holder(cli, &out, cmd);
	if (cli->json)
		return cli_print_result(cli);
	printf("0x%llx %u pages (offset %llu)\n", (unsigned long long)out.addr, out.pages,
	       (unsigned long long)out.offset);
	return 0;
}

int cmd_free(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "orphans",	no_argument,	   NULL, 'O' },
		{ "older-than",	required_argument, NULL, 't' },
		{ "objects",	no_argument,	   NULL, 'o' },
		{}
	};
	__u32 pages = 0, older_than = 0;
	bool orphans = false, aged = false, objects = false;
	__u64 addr;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'O':
			orphans = true;
			break;
		case 'o':
			objects = true;
			break;
		case 't':
			if (orphans_parse_duration(optarg, &older_than))
				return cli_usage(cli, "--older-than wants a duration (30s, 10m, 2h, 7d), "
						 "got '%s'", optarg);
			aged = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (orphans) {
		if (optind < argc)
			return cli_usage(cli, "free --orphans takes no address, got '%s'", argv[optind]);
		return orphans_run(cli, older_than, true, objects);
	}
	if (aged || objects)
		return cli_usage(cli, "%s goes with --orphans", aged ? "--older-than" : "--objects");
	if (optind + 1 != argc || arenad_parse_addr(argv[optind], &addr))
		return cli_usage(cli, "free needs one address 0x..., got '%s'",
				 optind < argc ? argv[optind] : "");
	r = arenad_client__free(cli->client, addr, &pages);
	if (r < 0)
		return cli_call_error(cli, r, "free");
	if (cli->json)
		return cli_print_result(cli);
	printf("freed %u pages at %s\n", pages, argv[optind]);
	return 0;
}
