// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arenactl-client: the command-line client of arenad.
 *
 *   arenactl-client [--socket PATH] [--json] COMMAND [ARGS]
 *
 * Commands are a table in the bpftool style; every command can print the
 * daemon's JSON result verbatim (--json) or a human rendering of it.
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
#include "proto_json.h"
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
	struct arenad_client_opts opts = {
		.sz = sizeof(opts),
		.socket_path = ctx->socket_path,
	};
	int r;

	r = arenad_client_open(&opts, &ctx->client);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "arenactl-client: arenad is not running (no daemon listening on %s)\n",
			ctx->socket_path ?: ARENAD_DEFAULT_SOCKET);
		return 1;
	}
	if (r) {
		fprintf(stderr, "arenactl-client: cannot connect to %s: %s\n",
			ctx->socket_path ?: ARENAD_DEFAULT_SOCKET, strerror(-r));
		return 1;
	}
	return 0;
}

/* Run a method; on error print the daemon's message and return 1. */
static int call(struct ctx *ctx, const char *method, json_object *params, json_object **result)
{
	int r = arenad_client_call(ctx->client, method, params, result);

	json_object_put(params);
	if (!r)
		return 0;
	if (arenad_client_errcode(ctx->client))
		fprintf(stderr, "arenactl-client: %s: %s (error %d)\n", method,
			arenad_client_errmsg(ctx->client), arenad_client_errcode(ctx->client));
	else
		fprintf(stderr, "arenactl-client: %s: %s\n", method, arenad_client_errmsg(ctx->client));
	return 1;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
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
	json_object *st, *owners;
	__u64 total, used, free_, psz;
	char b1[32], b2[32];
	size_t i, n;

	if (argc)
		return usage_error("query takes no arguments, got '%s'", argv[0]);
	if (call(ctx, "stats", NULL, &st))
		return 1;
	if (ctx->json) {
		print_json(st);
		json_object_put(st);
		return 0;
	}
	psz = proto_get_u64(st, "page_size");
	total = proto_get_u64(st, "pages_total");
	used = proto_get_u64(st, "pages_allocated");
	free_ = proto_get_u64(st, "pages_free");

	printf("arena     map %llu at %s, %llu pages of %llu B (%s), pins in %s\n",
	       (unsigned long long)proto_get_u64(st, "map_id"), proto_get_str(st, "user_vm_start"),
	       (unsigned long long)total, (unsigned long long)psz,
	       human_bytes(total * psz, b1, sizeof(b1)), proto_get_str(st, "pin_dir"));
	printf("used      %8llu pages %12s %6.1f%%  ", (unsigned long long)used,
	       human_bytes(used * psz, b1, sizeof(b1)), pct(used, total));
	print_bar(used, total);
	printf("\nfree      %8llu pages %12s %6.1f%%\n", (unsigned long long)free_,
	       human_bytes(free_ * psz, b2, sizeof(b2)), pct(free_, total));
	printf("peak      %8llu pages %12s %6.1f%%\n",
	       (unsigned long long)proto_get_u64(st, "high_water_pages"),
	       human_bytes(proto_get_u64(st, "high_water_pages") * psz, b1, sizeof(b1)),
	       pct(proto_get_u64(st, "high_water_pages"), total));
	printf("allocations %llu live, %llu made, %llu freed, %llu failed; up %llus\n",
	       (unsigned long long)proto_get_u64(st, "allocations"),
	       (unsigned long long)proto_get_u64(st, "allocations_total"),
	       (unsigned long long)proto_get_u64(st, "frees_total"),
	       (unsigned long long)proto_get_u64(st, "alloc_failures"),
	       (unsigned long long)proto_get_u64(st, "uptime_s"));

	if (json_object_object_get_ex(st, "owners", &owners) &&
	    (n = json_object_array_length(owners))) {
		printf("\n%-24s %10s %12s %8s %7s\n", "OWNER", "PAGES", "BYTES", "ALLOCS", "USED%");
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(owners, i);
			__u64 pages = proto_get_u64(o, "pages");

			printf("%-24s %10llu %12s %8llu %6.1f%%\n",
			       *proto_get_str(o, "owner") ? proto_get_str(o, "owner") : "-",
			       (unsigned long long)pages, human_bytes(pages * psz, b1, sizeof(b1)),
			       (unsigned long long)proto_get_u64(o, "allocations"), pct(pages, used));
		}
	}
	json_object_put(st);
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
	json_object *p, *r;
	__u32 pages;
	__u64 addr;
	int i;

	if (argc < 1 || parse_pages(argv[0], &pages))
		return usage_error("alloc needs a page count (1..1048576), got '%s'",
				   argc ? argv[0] : "");
	p = json_object_new_object();
	json_object_object_add(p, "pages", json_object_new_int64(pages));
	for (i = 1; i < argc; i++) {
		const char *key = argv[i];

		if (i + 1 >= argc) {
			json_object_put(p);
			return usage_error("%s needs a value", key);
		}
		if (!strcmp(key, "--owner")) {
			json_object_object_add(p, "owner", json_object_new_string(argv[++i]));
		} else if (!strcmp(key, "--name")) {
			json_object_object_add(p, "name", json_object_new_string(argv[++i]));
		} else if (!strcmp(key, "--addr")) {
			if (proto_addr_parse(argv[++i], &addr)) {
				json_object_put(p);
				return usage_error("--addr wants 0x..., got '%s'", argv[i]);
			}
			json_object_object_add(p, "addr", proto_addr_new(addr));
		} else {
			json_object_put(p);
			return usage_error("unknown alloc option '%s'", key);
		}
	}
	if (call(ctx, "alloc", p, &r))
		return 1;
	if (ctx->json)
		print_json(r);
	else
		printf("%s %llu pages (offset %llu)\n", proto_get_str(r, "addr"),
		       (unsigned long long)proto_get_u64(r, "pages"),
		       (unsigned long long)proto_get_u64(r, "offset"));
	json_object_put(r);
	return 0;
}

static int do_free(struct ctx *ctx, int argc, char **argv)
{
	json_object *p, *r;
	__u64 addr;

	if (argc != 1 || proto_addr_parse(argv[0], &addr))
		return usage_error("free needs one address 0x..., got '%s'", argc ? argv[0] : "");
	p = json_object_new_object();
	json_object_object_add(p, "addr", proto_addr_new(addr));
	if (call(ctx, "free", p, &r))
		return 1;
	if (ctx->json)
		print_json(r);
	else
		printf("freed %llu pages at %s\n", (unsigned long long)proto_get_u64(r, "pages"), argv[0]);
	json_object_put(r);
	return 0;
}

static void print_range_header(void)
{
	printf("%-18s %12s %8s %6s %-20s %s\n", "ADDR", "OFFSET", "PAGES", "UID", "OWNER", "NAME");
}

static void print_range(json_object *o)
{
	printf("%-18s %12llu %8llu %6llu %-20s %s\n", proto_get_str(o, "addr"),
	       (unsigned long long)proto_get_u64(o, "offset"), (unsigned long long)proto_get_u64(o, "pages"),
	       (unsigned long long)proto_get_u64(o, "uid"),
	       *proto_get_str(o, "owner") ? proto_get_str(o, "owner") : "-",
	       *proto_get_str(o, "name") ? proto_get_str(o, "name") : "-");
}

static int do_ranges(struct ctx *ctx, int argc, char **argv)
{
	json_object *p = NULL, *r;
	size_t i, n;

	if (argc == 2 && !strcmp(argv[0], "--owner")) {
		p = json_object_new_object();
		json_object_object_add(p, "owner", json_object_new_string(argv[1]));
	} else if (argc) {
		return usage_error("ranges takes [--owner NAME], got '%s'", argv[0]);
	}
	if (call(ctx, "ranges", p, &r))
		return 1;
	if (ctx->json) {
		print_json(r);
	} else {
		n = json_object_array_length(r);
		print_range_header();
		for (i = 0; i < n; i++)
			print_range(json_object_array_get_idx(r, i));
	}
	json_object_put(r);
	return 0;
}

static int do_lookup(struct ctx *ctx, int argc, char **argv)
{
	json_object *p, *r;

	if (argc != 1)
		return usage_error("lookup needs one NAME%s", "");
	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string(argv[0]));
	if (call(ctx, "lookup", p, &r))
		return 1;
	if (ctx->json) {
		print_json(r);
	} else {
		print_range_header();
		print_range(r);
	}
	json_object_put(r);
	return 0;
}

/*
 * Unaccounted pages have no owner in the ledger: say where they come from
 * and list who uses the arena (the "who" method), one of which took them.
 */
static void print_unaccounted_hint(struct ctx *ctx)
{
	json_object *st = NULL, *who = NULL, *p, *arr;
	unsigned long long map_id = 0;
	size_t i, n;

	if (!call(ctx, "stats", NULL, &st))
		map_id = proto_get_u64(st, "map_id");
	json_object_put(st);
	printf("\nUnaccounted pages were allocated outside arenad: by a BPF program calling\n"
	       "bpf_arena_alloc_pages() on the arena itself, or by a process touching arena\n"
	       "memory that was never allocated. To account them, allocate through arenad\n"
	       "(docs/porting.md).\n");
	p = json_object_new_object();
	json_object_object_add(p, "map_id", json_object_new_uint64(map_id));
	if (!map_id || call(ctx, "who", p, &who)) {
		printf("Programs using arena map %llu: bpftool prog show (map_ids); processes: "
		       "bpftool map show id %llu\n", map_id, map_id);
		json_object_put(p);
		return;
	}
	json_object_put(p);
	printf("Programs and processes using arena map %llu now (arenactl-client who --map-id %llu):\n",
	       map_id, map_id);
	if (json_object_object_get_ex(who, "programs", &arr) && (n = json_object_array_length(arr)))
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);

			printf("  program %-8llu %-16s %s\n", (unsigned long long)proto_get_u64(o, "id"),
			       proto_get_str(o, "name"), proto_get_str(o, "type"));
		}
	if (json_object_object_get_ex(who, "processes", &arr) && (n = json_object_array_length(arr)))
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);

			printf("  process %-8llu %s\n", (unsigned long long)proto_get_u64(o, "pid"),
			       proto_get_str(o, "comm"));
		}
	json_object_put(who);
}

static int do_scan(struct ctx *ctx, int argc, char **argv)
{
	json_object *r, *arr, *p = NULL;
	size_t i, n;

	/* Another arena than the daemon's own: client/arenas.c. */
	for (i = 0; i < (size_t)argc; i++)
		if (!strcmp(argv[i], "--map-id"))
			return scan_map_command(ctx->client, ctx->json, argc, argv);
	if (argc == 2 && !strcmp(argv[0], "--method")) {
		p = json_object_new_object();
		json_object_object_add(p, "method", json_object_new_string(argv[1]));
	} else if (argc) {
		return usage_error("scan takes [--method kmod|rt|full], got '%s'", argv[0]);
	}
	if (call(ctx, "scan", p, &r))
		return 1;
	if (ctx->json) {
		print_json(r);
		json_object_put(r);
		return 0;
	}
	printf("census    %s method: %llu of %llu pages probed in %llu us\n", proto_get_str(r, "method"),
	       (unsigned long long)proto_get_u64(r, "pages_probed"), (unsigned long long)proto_get_u64(r, "pages_total"),
	       (unsigned long long)proto_get_u64(r, "duration_us"));
	printf("present   %llu pages: %llu in the ledger, %llu unaccounted; %llu ledger pages missing\n",
	       (unsigned long long)proto_get_u64(r, "pages_present"), (unsigned long long)proto_get_u64(r, "pages_ledger"),
	       (unsigned long long)proto_get_u64(r, "pages_unaccounted"),
	       (unsigned long long)proto_get_u64(r, "pages_missing"));
	if (json_object_object_get_ex(r, "unaccounted", &arr) && (n = json_object_array_length(arr))) {
		printf("\nUNACCOUNTED (present, not in the ledger)\n%-18s %12s %8s\n", "ADDR", "OFFSET", "PAGES");
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);

			printf("%-18s %12llu %8llu\n", proto_get_str(o, "addr"),
			       (unsigned long long)proto_get_u64(o, "offset"), (unsigned long long)proto_get_u64(o, "pages"));
		}
		/* The ledger cannot say whose these are: say how to find out. */
		print_unaccounted_hint(ctx);
	}
	if (json_object_object_get_ex(r, "missing", &arr) && (n = json_object_array_length(arr))) {
		printf("\nMISSING (in the ledger, not present)\n%-18s %12s %8s %8s %-20s %s\n",
		       "ADDR", "OFFSET", "PAGES", "MISSING", "OWNER", "NAME");
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);

			printf("%-18s %12llu %8llu %8llu %-20s %s\n", proto_get_str(o, "addr"),
			       (unsigned long long)proto_get_u64(o, "offset"), (unsigned long long)proto_get_u64(o, "pages"),
			       (unsigned long long)proto_get_u64(o, "pages_missing"),
			       *proto_get_str(o, "owner") ? proto_get_str(o, "owner") : "-",
			       *proto_get_str(o, "name") ? proto_get_str(o, "name") : "-");
		}
	}
	json_object_put(r);
	return 0;
}

/* Methods whose result is shown as JSON either way. */
static int do_raw(struct ctx *ctx, const char *method, int argc, char **argv)
{
	json_object *r;

	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (call(ctx, method, NULL, &r))
		return 1;
	print_json(r);
	json_object_put(r);
	return 0;
}

static int do_ping(struct ctx *ctx, int argc, char **argv)
{
	return do_raw(ctx, "ping", argc, argv);
}

static int do_version(struct ctx *ctx, int argc, char **argv)
{
	return do_raw(ctx, "version", argc, argv);
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
		"  -s, --socket PATH  daemon socket (default %s, or $ARENAD_SOCKET)\n"
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
	struct ctx ctx = { .socket_path = getenv("ARENAD_SOCKET") };
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
	arenad_client_close(ctx.client);
	return r;
}
