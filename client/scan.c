// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `scan`: a census now, and how it compares with the ledger. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "arenas.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

/*
 * Unaccounted pages have no owner in the ledger: say where they come from
 * and list who uses the arena (the daemon's "who" view), one of which
 * took them; bpftool commands when the daemon cannot tell.
 */
static void unaccounted_hint(struct cli *cli)
{
	ARENAD_OPTS(arenad_stats, st);
	ARENAD_OPTS(arenad_arenas_opts, opts, .prog_sz = sizeof(struct arenad_arena_prog),
		    .proc_sz = sizeof(struct arenad_arena_proc));
	ARENAD_OPTS(arenad_arena, who);
	unsigned long long id;
	size_t i;

	id = arenad_client__stats(cli->client, &st) < 0 ? 0 : st.map_id;
	printf("\nUnaccounted pages were allocated outside arenad: by a BPF program calling\n"
	       "bpf_arena_alloc_pages() on the arena itself, or by a process touching arena\n"
	       "memory that was never allocated. To account them, allocate through arenad\n"
	       "(docs/porting.md).\n");
	if (!id || arenad_client__who(cli->client, id, &opts, &who) < 0) {
		printf("Programs using arena map %llu: bpftool prog show (map_ids);\n"
		       "processes: bpftool map show id %llu\n", id, id);
		return;
	}
	printf("Programs and processes using arena map %llu now (arenactl-client who --map-id %llu):\n",
	       id, id);
	for (i = 0; i < who.n_progs; i++)
		printf("  program %-8u %-16s %s\n", who.progs[i].id, who.progs[i].name, who.progs[i].type);
	for (i = 0; i < who.n_procs; i++)
		printf("  process %-8u %s\n", who.procs[i].pid, who.procs[i].comm);
	arenad_arena_clear(&who);
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "method",	required_argument, NULL, 'm' },
		{}
	};
	ARENAD_OPTS(arenad_scan_opts, so, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_scan, s);
	size_t i;
	int c, r;

	/* Another arena than the daemon's own: arenas.c. */
	for (i = 1; i < (size_t)argc; i++)
		if (!strcmp(argv[i], "--map-id") || !strncmp(argv[i], "--map-id=", 9))
			return scan_map_command(cli, argc - 1, argv + 1);
	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'm')
			return CLI_EXIT_USAGE;
		so.method = optarg;
	}
	if (optind < argc)
		return cli_usage(cli, "scan takes no arguments, got '%s'", argv[optind]);
	r = arenad_client__scan(cli->client, &so, &s);
	if (r < 0)
		return cli_call_error(cli, r, "scan");
	if (cli->json) {
		r = cli_print_result(cli);
		goto out;
	}
	printf("census    %s method: %llu of %llu pages probed in %llu us\n", s.method,
	       (unsigned long long)s.pages_probed, (unsigned long long)s.pages_total,
	       (unsigned long long)s.duration_us);
	printf("present   %llu pages: %llu in the ledger, %llu unaccounted; "
	       "%llu ledger pages missing\n",
	       (unsigned long long)s.pages_present, (unsigned long long)s.pages_ledger,
	       (unsigned long long)s.pages_unaccounted, (unsigned long long)s.pages_missing);
	if (s.n_unaccounted) {
		printf("\nUNACCOUNTED (present, not in the ledger)\n%-16s %10s %8s\n",
		       "ADDR", "OFFSET", "PAGES");
		for (i = 0; i < s.n_unaccounted; i++)
			printf("0x%-14llx %10llu %8llu\n", (unsigned long long)s.unaccounted[i].addr,
			       (unsigned long long)s.unaccounted[i].offset,
			       (unsigned long long)s.unaccounted[i].pages);
		unaccounted_hint(cli);
	}
	if (s.n_missing) {
		printf("\nMISSING (in the ledger, not present)\n%-16s %10s %8s %8s %-16s %s\n",
		       "ADDR", "OFFSET", "PAGES", "MISSING", "OWNER", "NAME");
		for (i = 0; i < s.n_missing; i++) {
			const struct arenad_scan_range *m = &s.missing[i];

			printf("0x%-14llx %10llu %8llu %8llu %-16s %s\n", (unsigned long long)m->addr,
			       (unsigned long long)m->offset, (unsigned long long)m->pages,
			       (unsigned long long)m->pages_missing, m->owner[0] ? m->owner : "-",
			       m->name[0] ? m->name : "-");
		}
	}
out:
	free(s.unaccounted);
	free(s.missing);
	return r;
}
