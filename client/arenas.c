// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arenactl-client arenas / who --map-id N / scan --map-id N: every arena on
 * the host, what holds one (programs, processes, pins), and the present
 * pages of one, on libarenad's typed calls. --json prints the daemon's result as it
 * came.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "arenas.h"
#include "cli.h"
#include "output.h"

/* The value of option name at argv[*i], given as "name VALUE" or
 * "name=VALUE" (as getopt takes long options); NULL when argv[*i] is not
 * that option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* [--json], when map_id is not NULL --map-id N (required), when method is
 * not NULL [--method M]. */
static int parse_args(struct cli *cli, const char *cmd, const char *args, int argc, char **argv,
		      __u32 *map_id, const char **method)
{
	const char *v;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			cli->json = true;
		} else if (method && (v = opt_value(argc, argv, &i, "--method"))) {
			*method = v;
		} else if (map_id && (v = opt_value(argc, argv, &i, "--map-id"))) {
			char *end;
			unsigned long id;

			errno = 0;
			id = strtoul(v, &end, 10);
			if (errno || *end || !*v || v[0] == '-' || !id || id > INT_MAX)
				return cli_usage(cli, "%s takes %s: bad map id '%s'", cmd, args, v);
			*map_id = id;
		} else {
			return cli_usage(cli, "%s takes %s, got '%s'", cmd, args, argv[i]);
		}
	}
	if (map_id && !*map_id)
		return cli_usage(cli, "%s takes %s: --map-id is missing", cmd, args);
	return 0;
}

/* "comm(pid)", and "+N" for the rest. */
static const char *procs_str(const struct arenad_arena *a, char *buf, size_t len)
{
	if (!a->n_procs)
		return "-";
	if (a->n_procs == 1)
		snprintf(buf, len, "%s(%u)", a->procs[0].comm, a->procs[0].pid);
	else
		snprintf(buf, len, "%s(%u) +%zu", a->procs[0].comm, a->procs[0].pid, a->n_procs - 1);
	return buf;
}

int arenas_command(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_arenas_opts, opts, .prog_sz = sizeof(struct arenad_arena_prog),
		    .proc_sz = sizeof(struct arenad_arena_proc));
	struct arenad_client *c = cli->client;
	struct arenad_arena *a;
	size_t n;
	int r;

	r = parse_args(cli, "arenas", ARENAS_ARGS, argc, argv, NULL, NULL);
	if (r)
		return r;
	r = arenad_client__arenas(c, &opts, &a, sizeof(*a), &n);
	if (r)
		return cli_call_error(cli, r, "arenas");
	if (cli->json) {
		arenad_arenas_free(a, sizeof(*a), n);
		return cli_print_result(cli);
	}
	printf("%-7s %-15s %10s %14s %7s %5s %4s  %-22s %s\n", "MAP", "NAME", "SIZE", "PRESENT", "USE",
	       "PROGS", "PINS", "PROCESSES", "MANAGED");
	for (size_t i = 0; i < n; i++) {
		char size[32], present[32], use[16], procs[64];

		cli_bytes(a[i].pages_total * a[i].page_size, size, sizeof(size));
		if (a[i].census_ok) {
			snprintf(present, sizeof(present), "%llu pages", (unsigned long long)a[i].pages_present);
			snprintf(use, sizeof(use), "%.1f%%", a[i].pages_total ?
				 100.0 * a[i].pages_present / a[i].pages_total : 0.0);
		} else {
			snprintf(present, sizeof(present), "unknown");
			snprintf(use, sizeof(use), "-");
		}
		printf("%-7u %-15s %10s %14s %7s %5zu %4zu  %-22s %s\n", a[i].map_id, a[i].name, size,
		       present, use, a[i].n_progs, a[i].n_pins, procs_str(&a[i], procs, sizeof(procs)),
		       a[i].managed ? "yes" : "no");
	}
	/* Say once why counts are missing, not on every line. */
	for (size_t i = 0; i < n; i++)
		if (!a[i].census_ok) {
			printf("\nno census: %s\n", a[i].census_unavailable);
			break;
		}
	arenad_arenas_free(a, sizeof(*a), n);
	return 0;
}

int who_command(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_arenas_opts, opts, .prog_sz = sizeof(struct arenad_arena_prog),
		    .proc_sz = sizeof(struct arenad_arena_proc), .pins = true);
	ARENAD_OPTS(arenad_arena, a);
	struct arenad_client *c = cli->client;
	__u32 map_id = 0;
	size_t i;
	int r;

	r = parse_args(cli, "who", WHO_ARGS, argc, argv, &map_id, NULL);
	if (r)
		return r;
	r = arenad_client__who(c, map_id, &opts, &a);
	if (r)
		return cli_call_error(cli, r, "who");
	if (cli->json) {
		arenad_arena_clear(&a);
		return cli_print_result(cli);
	}
	printf("arena map %u '%s'%s\n", a.map_id, a.name, a.managed ? " (managed by arenad)" : "");
	printf("\nPROGRAMS\n%-8s %-16s %s\n", "ID", "NAME", "TYPE");
	for (i = 0; i < a.n_progs; i++)
		printf("%-8u %-16s %s\n", a.progs[i].id, a.progs[i].name, a.progs[i].type);
	if (!a.n_progs)
		printf("(none)\n");
	printf("\nPROCESSES\n%-8s %-16s %-4s %-6s %s\n", "PID", "COMM", "FDS", "MAPPED", "UNIT");
	for (i = 0; i < a.n_procs; i++)
		printf("%-8u %-16s %-4u %-6s %s\n", a.procs[i].pid, a.procs[i].comm, a.procs[i].fds,
		       a.procs[i].mapped ? "yes" : "no", *a.procs[i].unit ? a.procs[i].unit : "-");
	if (!a.n_procs)
		printf("(none)\n");
	printf("\nPINS\n");
	for (i = 0; i < a.n_pins; i++)
		printf("%s\n", a.pins[i]);
	if (!a.n_pins)
		printf("(none)\n");
	arenad_arena_clear(&a);
	return 0;
}

int scan_map_command(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_scan_opts, opts, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_arena_scan, s);
	struct arenad_client *c = cli->client;
	const char *method = NULL;
	__u32 map_id = 0;
	int r;

	r = parse_args(cli, "scan", "--map-id N [--method kmod|rt|full] [--json]", argc, argv, &map_id,
		       &method);
	if (r)
		return r;
	opts.method = method;
	r = arenad_client__scan_map(c, map_id, &opts, &s);
	if (r)
		return cli_call_error(cli, r, "scan");
	if (cli->json) {
		arenad_arena_scan_free(&s);
		return cli_print_result(cli);
	}
	printf("census    %s method: %llu of %llu pages probed in %llu us\n", s.method,
	       (unsigned long long)s.pages_probed, (unsigned long long)s.pages_total,
	       (unsigned long long)s.duration_us);
	printf("present   %llu pages (%.1f%%) in %zu runs\n", (unsigned long long)s.pages_present,
	       s.pages_total ? 100.0 * s.pages_present / s.pages_total : 0.0, s.n_present);
	if (s.n_present) {
		printf("\n%-18s %12s %8s\n", "ADDR", "OFFSET", "PAGES");
		for (size_t i = 0; i < s.n_present; i++)
			printf("0x%-16llx %12llu %8llu\n", (unsigned long long)s.present[i].addr,
			       (unsigned long long)s.present[i].offset, (unsigned long long)s.present[i].pages);
	}
	arenad_arena_scan_free(&s);
	return 0;
}
