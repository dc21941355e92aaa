// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `quota set|get|list`: page limits per owner, per uid, and the default
 * for owners without one. The allocator enforces them on every path in;
 * this only sets and shows them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

/* "12 of 16 pages (75.0%)", or "12 pages, no limit" */
static void use_line(const char *who, __u64 pages, bool has_limit, __u64 limit, bool dflt,
		     __u64 refusals)
{
	if (has_limit)
		printf("%s: %llu of %llu pages (%.1f%%)%s", who, (unsigned long long)pages,
		       (unsigned long long)limit, cli_pct(pages, limit),
		       dflt ? ", the default limit" : "");
	else
		printf("%s: %llu pages, no limit", who, (unsigned long long)pages);
	printf(", %llu refused\n", (unsigned long long)refusals);
}

/* --owner O | --uid U | --default into o; argv[optind...] left. */
static int target(struct cli *cli, int argc, char **argv, struct arenad_quota_opts *o)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{ "uid",	required_argument, NULL, 'u' },
		{ "default",	no_argument,	   NULL, 'd' },
		{}
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'o':
			o->owner = optarg;
			break;
		case 'u':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || !*optarg || *end || *optarg == '-' || v >= 0xffffffffULL)
				return cli_usage(cli, "--uid wants a uid, got '%s'", optarg);
			o->uid = v;
			o->uid_set = true;
			break;
		case 'd':
			o->dflt = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (!!o->owner + o->uid_set + o->dflt != 1)
		return cli_usage(cli, "quota %s needs one of --owner O, --uid U and --default",
				 argv[0]);
	return 0;
}

static int show(struct cli *cli, const struct arenad_quota_opts *o)
{
	ARENAD_OPTS(arenad_owner_usage, ou);
	ARENAD_OPTS(arenad_uid_usage, uu);
	char who[ARENAD_STR_LEN + 16];
	int r;

	r = arenad_client__quota_get(cli->client, o, &ou, &uu);
	if (r < 0)
		return cli_call_error(cli, r, "quota");
	if (cli->json)
		return cli_print_result(cli);
	if (o->dflt) {
		if (ou.has_limit)
			printf("default: %llu pages for owners without a limit of their own\n",
			       (unsigned long long)ou.limit);
		else
			printf("default: no limit\n");
	} else if (o->uid_set) {
		snprintf(who, sizeof(who), "uid %u", uu.uid);
		use_line(who, uu.pages, uu.has_limit, uu.limit, false, uu.quota_refusals);
	} else {
		snprintf(who, sizeof(who), "owner %s", ou.owner);
		use_line(who, ou.pages, ou.has_limit, ou.limit, ou.limit_is_default,
			 ou.quota_refusals);
	}
	return 0;
}

static int quota_set(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_quota_opts, o);
	unsigned long long limit;
	char *end;
	int r;

	r = target(cli, argc, argv, &o);
	if (r)
		return r;
	if (optind + 1 != argc)
		return cli_usage(cli, "quota set needs a page count or 'none'");
	if (!strcmp(argv[optind], "none")) {
		limit = ARENAD_QUOTA_NONE;
	} else {
		errno = 0;
		limit = strtoull(argv[optind], &end, 10);
		if (errno || !*argv[optind] || *end || *argv[optind] == '-' || limit > 0xffffffffULL)
			return cli_usage(cli, "quota set needs a page count or 'none', got '%s'",
					 argv[optind]);
	}
	r = arenad_client__quota_set(cli->client, &o, limit);
	if (r < 0)
		return cli_call_error(cli, r, "quota set");
	/* What it is now, as get shows it (the reply is the same record). */
	if (cli->json)
		return cli_print_result(cli);
	return show(cli, &o);
}

static int quota_get(struct cli *cli, int argc, char **argv)
{
	ARENAD_OPTS(arenad_quota_opts, o);
	int r;

	r = target(cli, argc, argv, &o);
	if (r)
		return r;
	if (optind != argc)
		return cli_usage(cli, "quota get takes no arguments but the target, got '%s'",
				 argv[optind]);
	return show(cli, &o);
}

static void list_print(json_object *r)
{
	json_object *owners = NULL, *uids = NULL, *dflt = NULL, *e;
	size_t i, n;

	json_object_object_get_ex(r, "default", &dflt);
	if (json_object_is_type(dflt, json_type_int))
		printf("default     %llu pages for owners without a limit of their own\n",
		       (unsigned long long)json_object_get_uint64(dflt));
	else
		printf("default     no limit\n");
	json_object_object_get_ex(r, "owners", &owners);
	n = json_object_is_type(owners, json_type_array) ? json_object_array_length(owners) : 0;
	if (n)
		printf("\n%-32s %10s %10s %7s %8s\n", "OWNER", "PAGES", "LIMIT", "USE", "REFUSED");
	for (i = 0; i < n; i++) {
		__u64 pages, limit;
		json_object *v;

		e = json_object_array_get_idx(owners, i);
		pages = json_object_object_get_ex(e, "pages", &v) ? json_object_get_uint64(v) : 0;
		limit = json_object_object_get_ex(e, "limit", &v) ? json_object_get_uint64(v) : 0;
		json_object_object_get_ex(e, "owner", &v);
		if (strlen(json_object_get_string(v)) > 32)
			printf("%s\n%-32s", json_object_get_string(v), "");
		else
			printf("%-32s", json_object_get_string(v));
		json_object_object_get_ex(e, "quota_refusals", &v);
		printf(" %10llu %10llu %6.1f%% %8llu\n", (unsigned long long)pages,
		       (unsigned long long)limit, cli_pct(pages, limit),
		       (unsigned long long)json_object_get_uint64(v));
	}
	json_object_object_get_ex(r, "uids", &uids);
	n = json_object_is_type(uids, json_type_array) ? json_object_array_length(uids) : 0;
	if (n)
		printf("\n%-32s %10s %10s %7s %8s\n", "UID", "PAGES", "LIMIT", "USE", "REFUSED");
	for (i = 0; i < n; i++) {
		__u64 pages, limit, uid, refused;
		json_object *v;

		e = json_object_array_get_idx(uids, i);
		uid = json_object_object_get_ex(e, "uid", &v) ? json_object_get_uint64(v) : 0;
		pages = json_object_object_get_ex(e, "pages", &v) ? json_object_get_uint64(v) : 0;
		limit = json_object_object_get_ex(e, "limit", &v) ? json_object_get_uint64(v) : 0;
		refused = json_object_object_get_ex(e, "quota_refusals", &v) ?
			  json_object_get_uint64(v) : 0;
		printf("%-32llu %10llu %10llu %6.1f%% %8llu\n", (unsigned long long)uid,
		       (unsigned long long)pages, (unsigned long long)limit, cli_pct(pages, limit),
		       (unsigned long long)refused);
	}
}

static int quota_list(struct cli *cli, int argc, char **argv)
{
	json_object *r;
	char *text;
	int ret;

	if (argc > 1)
		return cli_usage(cli, "quota list takes no arguments, got '%s'", argv[1]);
	ret = arenad_client__call(cli->client, "quota", "{\"op\":\"list\"}", &text);
	if (ret < 0)
		return cli_call_error(cli, ret, "quota list");
	if (cli->json) {
		free(text);
		return cli_print_result(cli);
	}
	r = json_tokener_parse(text);
	free(text);
	if (!r)
		return cli_error(cli, CLI_EXIT_FAILURE, -EPROTO, "quota list: malformed reply");
	list_print(r);
	json_object_put(r);
	return 0;
}

int cmd_quota(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(cli, "quota needs set, get or list");
	/* the subcommand is argv[0] of its own options */
	if (!strcmp(argv[1], "set"))
		return quota_set(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "get"))
		return quota_get(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return quota_list(cli, argc - 1, argv + 1);
	return cli_usage(cli, "quota needs set, get or list, got '%s'", argv[1]);
}
