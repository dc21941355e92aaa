// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ping` and `version`: is the daemon there, and what is it. */
#include <stdio.h>

#include "arenad.h"
#include "arenad_version.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

int cmd_ping(struct cli *cli, int argc, char **argv)
{
	int r;

	if (argc > 1)
		return cli_usage(cli, "ping takes no arguments, got '%s'", argv[1]);
	r = arenad_client__ping(cli->client);
	if (r < 0)
		return cli_call_error(cli, r, "ping");
	if (cli->json)
		return cli_print_result(cli);
	printf("arenad answers on %s\n", cli->socket_path);
	return 0;
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_stats, st);
	char version[64];
	int r;

	if (argc > 1)
		return cli_usage(cli, "version takes no arguments, got '%s'", argv[1]);
	r = arenad_client__version(cli->client, version, sizeof(version));
	if (r < 0)
		return cli_call_error(cli, r, "version");
	if (cli->json)
		return cli_print_result(cli);
	printf("arenad %s; arenactl-client %s, ABI %d, protocol JSON-RPC 2.0\n", version,
	       ARENAD_VERSION, ARENAD_ABI_VERSION);
	/* the census method is in stats too, with the reason when there is none */
	if (arenad_client__stats(cli->client, &st) >= 0)
		printf("census: %s\n", st.census_method[0] ? st.census_method : st.census_unavailable[0] ?
		       st.census_unavailable : "unavailable");
	return 0;
}
