// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arenactl-client: the command-line client of arenad.
 *
 *   arenactl-client [--socket PATH] [--json] COMMAND [ARGS]
 *
 * Commands are a table in the bpftool style; every command can print the
 * daemon's JSON result verbatim (--json) or a human rendering of it. The
 * client is built on libarenad's typed calls: the protocol's member names
 * are spelled in the library, not here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "arenas.h"
#include "metrics.h"
#include "arenad_version.h"

struct ctx {
	struct arenad_client *client;
	const char *socket_path;
	bool json;
};

struct cmd {
	const char *name;
	int (*fn)(struct ctx *ctx, int argc, char **argv);
	const char *args;
	const char *help;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "arenactl-client: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see arenactl-client --help)\n");
	return 2;
}

static int connect_daemon(struct ctx *ctx)
{
	ARENAD_OPTS(arenad_client_opts, opts, .socket_path = ctx->socket_path);
	int r;

	ctx->client = arenad_client__open(&opts);
	if (ctx->client)
		return 0;
	r = -errno;
	if (r == -ENOENT || r == -ECONNREFUSED)
		fprintf(stderr, "arenactl-client: arenad is not running (%s)\n", arenad_errmsg());
	else
		fprintf(stderr, "arenactl-client: cannot connect: %s\n", arenad_errmsg());
	return 1;
}

/* After a failed call: print the daemon's message (or the local reason), return 1. */
static int failed(const char *method)
{
	if (arenad_errcode())
		fprintf(stderr, "arenactl-client: %s: %s (error %d)\n", method, arenad_errmsg(),
			arenad_errcode());
	else
		fprintf(stderr, "arenactl-client: %s: %s\n", method, arenad_errmsg());
	return 1;
}

/* The daemon's result of the last call, as it sent it, pretty-printed. */
static void print_result(struct ctx *ctx)
{
	const char *text = arenad_client__last_result(ctx->client);
	json_object *o = text ? json_tokener_parse(text) : NULL;

	puts(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_NOSLASHESCAPE) : text ?: "null");
	json_object_put(o);
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static const char *human_bytes(__u64 b, char *buf, size_t len)
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

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

static void print_bar(__u64 used, __u64 total)
{
	const int width = 40;
	int i, fill = total ? (int)((used * width + total - 1) / total) : 0;

	putchar('[');
	for (i = 0; i < width; i++)
		putchar(i < fill ? '#' : '.');
	putchar(']');
}

static int do_query(struct ctx *ctx, int argc, char **argv)
{
	ARENAD_OPTS(arenad_stats, st);
	struct arenad_owner_usage *owners;
	__u64 used, psz;
	char b1[32], b2[32];
	size_t i, n;

	if (argc)
		return usage_error("query takes no arguments, got '%s'", argv[0]);
	if (arenad_client__stats(ctx->client, &st))
		return failed("stats");
	if (ctx->json) {
		print_result(ctx);
		return 0;
	}
	if (arenad_client__owners(ctx->client, &owners, sizeof(*owners), &n))
		return failed("stats");
	psz = st.page_size;
	used = st.pages_allocated;

	printf("arena     map %llu at 0x%llx, %llu pages of %llu B (%s), pins in %s\n",
	       (unsigned long long)st.map_id, (unsigned long long)st.user_vm_start,
	       (unsigned long long)st.pages_total, (unsigned long long)psz,
	       human_bytes(st.pages_total * psz, b1, sizeof(b1)), st.pin_dir);
	printf("used      %8llu pages %12s %6.1f%%  ", (unsigned long long)used,
	       human_bytes(used * psz, b1, sizeof(b1)), pct(used, st.pages_total));
	print_bar(used, st.pages_total);
	printf("\nfree      %8llu pages %12s %6.1f%%\n", (unsigned long long)st.pages_free,
	       human_bytes(st.pages_free * psz, b2, sizeof(b2)), pct(st.pages_free, st.pages_total));
	printf("peak      %8llu pages %12s %6.1f%%\n", (unsigned long long)st.high_water_pages,
	       human_bytes(st.high_water_pages * psz, b1, sizeof(b1)),
	       pct(st.high_water_pages, st.pages_total));
	printf("allocations %llu live, %llu made, %llu freed, %llu failed; up %llus\n",
	       (unsigned long long)st.allocations, (unsigned long long)st.allocations_total,
	       (unsigned long long)st.frees_total, (unsigned long long)st.alloc_failures,
	       (unsigned long long)st.uptime_s);

	if (n) {
		printf("\n%-24s %10s %12s %8s %7s\n", "OWNER", "PAGES", "BYTES", "ALLOCS", "USED%");
		for (i = 0; i < n; i++)
			printf("%-24s %10llu %12s %8llu %6.1f%%\n", or_dash(owners[i].owner),
			       (unsigned long long)owners[i].pages,
			       human_bytes(owners[i].pages * psz, b1, sizeof(b1)),
			       (unsigned long long)owners[i].allocations, pct(owners[i].pages, used));
	}
	free(owners);
	return 0;
}

static int parse_pages(const char *s, __u32 *pages)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '-' || !*s || *end || errno || v == 0 || v > ARENAD_MAX_PAGES)
		return -EINVAL;
	*pages = v;
	return 0;
}

static int do_alloc(struct ctx *ctx, int argc, char **argv)
{
	ARENAD_OPTS(arenad_alloc_opts, opts);
	ARENAD_OPTS(arenad_alloc, a);
	__u32 pages;
	int i;

	if (argc < 1 || parse_pages(argv[0], &pages))
		return usage_error("alloc needs a page count (1..1048576), got '%s'",
				   argc ? argv[0] : "");
	for (i = 1; i < argc; i++) {
		const char *key = argv[i];

		if (i + 1 >= argc)
			return usage_error("%s needs a value", key);
		if (!strcmp(key, "--owner")) {
			opts.owner = argv[++i];
		} else if (!strcmp(key, "--name")) {
			opts.name = argv[++i];
		} else if (!strcmp(key, "--addr")) {
			if (arenad_parse_addr(argv[++i], &opts.addr))
				return usage_error("--addr wants 0x..., got '%s'", argv[i]);
			/* The library's 0 means "anywhere"; no arena starts at 0. */
			if (!opts.addr)
				return usage_error("--addr %s is outside the arena", argv[i]);
		} else {
			return usage_error("unknown alloc option '%s'", key);
		}
	}
	if (arenad_client__alloc(ctx->client, pages, &opts, &a))
		return failed("alloc");
	if (ctx->json)
		print_result(ctx);
	else
		printf("0x%llx %u pages (offset %llu)\n", (unsigned long long)a.addr, a.pages,
		       (unsigned long long)a.offset);
	return 0;
}

static int do_free(struct ctx *ctx, int argc, char **argv)
{
	__u32 pages;
	__u64 addr;

	if (argc != 1 || arenad_parse_addr(argv[0], &addr))
		return usage_error("free needs one address 0x..., got '%s'", argc ? argv[0] : "");
	if (arenad_client__free(ctx->client, addr, &pages))
		return failed("free");
	if (ctx->json)
		print_result(ctx);
	else
		printf("freed %u pages at %s\n", pages, argv[0]);
	return 0;
}

static void print_range_header(void)
{
	printf("%-18s %12s %8s %6s %-20s %s\n", "ADDR", "OFFSET", "PAGES", "UID", "OWNER", "NAME");
}

static void print_range(const struct arenad_alloc *a)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)a->addr);
	printf("%-18s %12llu %8u %6u %-20s %s\n", addr, (unsigned long long)a->offset,
	       a->pages, a->uid, or_dash(a->owner), or_dash(a->name));
}

static int do_ranges(struct ctx *ctx, int argc, char **argv)
{
	ARENAD_OPTS(arenad_ranges_opts, opts);
	struct arenad_alloc *a;
	size_t i, n;

	if (argc == 2 && !strcmp(argv[0], "--owner"))
		opts.owner = argv[1];
	else if (argc)
		return usage_error("ranges takes [--owner NAME], got '%s'", argv[0]);
	if (arenad_client__ranges(ctx->client, &opts, &a, sizeof(*a), &n))
		return failed("ranges");
	if (ctx->json) {
		print_result(ctx);
	} else {
		print_range_header();
		for (i = 0; i < n; i++)
			print_range(&a[i]);
	}
	free(a);
	return 0;
}

static int do_lookup(struct ctx *ctx, int argc, char **argv)
{
	ARENAD_OPTS(arenad_alloc, a);

	if (argc != 1)
		return usage_error("lookup needs one NAME%s", "");
	if (arenad_client__lookup(ctx->client, argv[0], &a))
		return failed("lookup");
	if (ctx->json) {
		print_result(ctx);
	} else {
		print_range_header();
		print_range(&a);
	}
	return 0;
}

/*
 * Unaccounted pages have no owner in the ledger: say where they come from
 * and list who uses the arena (the "who" method), one of which took them.
 */
static void print_unaccounted_hint(struct ctx *ctx)
{
	ARENAD_OPTS(arenad_stats, st);
	struct arenad_arena who;
	unsigned long long map_id = 0;
	size_t i;

	if (!arenad_client__stats(ctx->client, &st))
		map_id = st.map_id;
	printf("\nUnaccounted pages were allocated outside arenad: by a BPF program calling\n"
	       "bpf_arena_alloc_pages() on the arena itself, or by a process touching arena\n"
	       "memory that was never allocated. To account them, allocate through arenad\n"
	       "(docs/porting.md).\n");
	if (!map_id || arenad_client__who(ctx->client, map_id, &who)) {
		printf("Programs using arena map %llu: bpftool prog show (map_ids); processes: "
		       "bpftool map show id %llu\n", map_id, map_id);
		return;
	}
	printf("Programs and processes using arena map %llu now (arenactl-client who --map-id %llu):\n",
	       map_id, map_id);
	for (i = 0; i < who.n_progs; i++)
		printf("  program %-8u %-16s %s\n", who.progs[i].id, who.progs[i].name,
		       who.progs[i].type);
	for (i = 0; i < who.n_procs; i++)
		printf("  process %-8u %s\n", who.procs[i].pid, who.procs[i].comm);
	arenad_arena_clear(&who);
}

static void print_run(const struct arenad_scan_range *r, bool missing)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->addr);
	printf("%-18s %12llu %8llu", addr, (unsigned long long)r->offset,
	       (unsigned long long)r->pages);
	if (missing)
		printf(" %8llu %-20s %s", (unsigned long long)r->pages_missing,
		       or_dash(r->owner), or_dash(r->name));
	putchar('\n');
}

static int do_scan(struct ctx *ctx, int argc, char **argv)
{
	ARENAD_OPTS(arenad_scan_opts, opts, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_scan, sc);
	size_t i;

	/* Another arena than the daemon's own: client/arenas.c. */
	for (i = 0; i < (size_t)argc; i++)
		if (!strcmp(argv[i], "--map-id"))
			return scan_map_command(ctx->client, ctx->json, argc, argv);
	if (argc == 2 && !strcmp(argv[0], "--method"))
		opts.method = argv[1];
	else if (argc)
		return usage_error("scan takes [--method kmod|rt|full], got '%s'", argv[0]);
	if (arenad_client__scan(ctx->client, &opts, &sc))
		return failed("scan");
	if (ctx->json) {
		print_result(ctx);
		goto out;
	}
	printf("census    %s method: %llu of %llu pages probed in %llu us\n", sc.method,
	       (unsigned long long)sc.pages_probed, (unsigned long long)sc.pages_total,
	       (unsigned long long)sc.duration_us);
	printf("present   %llu pages: %llu in the ledger, %llu unaccounted; %llu ledger pages missing\n",
	       (unsigned long long)sc.pages_present, (unsigned long long)sc.pages_ledger,
	       (unsigned long long)sc.pages_unaccounted, (unsigned long long)sc.pages_missing);
	if (sc.n_unaccounted) {
		printf("\nUNACCOUNTED (present, not in the ledger)\n%-18s %12s %8s\n",
		       "ADDR", "OFFSET", "PAGES");
		for (i = 0; i < sc.n_unaccounted; i++)
			print_run(&sc.unaccounted[i], false);
		/* The ledger cannot say whose these are: say how to find out. */
		print_unaccounted_hint(ctx);
	}
	if (sc.n_missing) {
		printf("\nMISSING (in the ledger, not present)\n%-18s %12s %8s %8s %-20s %s\n",
		       "ADDR", "OFFSET", "PAGES", "MISSING", "OWNER", "NAME");
		for (i = 0; i < sc.n_missing; i++)
			print_run(&sc.missing[i], true);
	}
out:
	free(sc.unaccounted);
	free(sc.missing);
	return 0;
}

static int do_ping(struct ctx *ctx, int argc, char **argv)
{
	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (arenad_client__ping(ctx->client))
		return failed("ping");
	print_result(ctx);
	return 0;
}

static int do_version(struct ctx *ctx, int argc, char **argv)
{
	char version[64];

	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (arenad_client__version(ctx->client, version, sizeof(version)))
		return failed("version");
	print_result(ctx);
	return 0;
}

static int do_metrics(struct ctx *ctx, int argc, char **argv)
{
	return metrics_command(ctx->client, ctx->json, argc, argv);
}

static int do_arenas(struct ctx *ctx, int argc, char **argv)
{
	return arenas_command(ctx->client, ctx->json, argc, argv);
}

static int do_who(struct ctx *ctx, int argc, char **argv)
{
	return who_command(ctx->client, ctx->json, argc, argv);
}

static const struct cmd cmds[] = {
	{ "query",	do_query,	"",				"page usage: capacity, used, free, per owner" },
	{ "alloc",	do_alloc,	"PAGES [--owner O] [--name N] [--addr A]", "allocate pages" },
	{ "free",	do_free,	"ADDR",				"free the allocation starting at ADDR" },
	{ "ranges",	do_ranges,	"[--owner O]",			"list allocations" },
	{ "lookup",	do_lookup,	"NAME",				"find a named allocation" },
	{ "scan",	do_scan,	"[--map-id N] [--method M]",	"census: present pages vs. the ledger, or of arena N" },
	{ "arenas",	do_arenas,	ARENAS_ARGS,			ARENAS_HELP },
	{ "who",	do_who,		WHO_ARGS,			WHO_HELP },
	{ "metrics",	do_metrics,	METRICS_ARGS,			METRICS_HELP },
	{ "ping",	do_ping,	"",				"check that the daemon answers" },
	{ "version",	do_version,	"",				"daemon version" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: arenactl-client [--socket PATH] [--json] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %-42s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(f, "\nOptions:\n"
		"  -s, --socket PATH  daemon socket (default $ARENAD_SOCKET, else %s)\n"
		"  -j, --json         print the daemon's JSON result\n"
		"  -h, --help         this text\n"
		"  -V, --version      client version\n", ARENAD_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket",	required_argument, NULL, 's' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{}
	};
	struct ctx ctx = {};
	const struct cmd *cmd = NULL;
	size_t i;
	int c, r;

	/* "+": stop at the command, so its own options are left to it. */
	while ((c = getopt_long(argc, argv, "+s:jhV", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("arenactl-client %s\n", ARENAD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, argv[optind]))
			cmd = &cmds[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);

	r = connect_daemon(&ctx);
	if (r)
		return r;
	r = cmd->fn(&ctx, argc - optind - 1, argv + optind + 1);
	arenad_client__close(ctx.client);
	return r;
}
