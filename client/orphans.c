// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `orphans` and `free --orphans` (orphans.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "commands.h"
#include "orphans.h"
#include "output.h"

int orphans_parse_duration(const char *s, __u32 *seconds)
{
	unsigned long long v, unit = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 0:
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (v > 0xffffffffULL / unit)
		return -EINVAL;
	*seconds = v * unit;
	return 0;
}

/* An age as the largest whole unit: 45s, 12m, 3h, 9d. */
static void age_text(__u64 s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%llum", (unsigned long long)s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lluh", (unsigned long long)s / 3600);
	else
		snprintf(buf, len, "%llud", (unsigned long long)s / 86400);
}

int orphans_run(struct cli *cli, __u32 older_than, bool free_them, bool objects)
{
	ARENAD_OPTS(arenad_orphans_opts, oo, .older_than_s = older_than, .free = free_them,
		    .objects = objects);
	ARENAD_OPTS(arenad_orphans, out);
	struct arenad_alloc *a = NULL;
	char addr[24], age[24];
	size_t i, n = 0;
	int r;

	r = arenad_client__orphans(cli->client, &oo, &out, &a, sizeof(*a), &n);
	if (r < 0)
		return cli_call_error(cli, r, free_them ? "free --orphans" : "orphans");
	if (cli->json) {
		free(a);
		return cli_print_result(cli);
	}
	if (n)
		printf("%-16s %8s %-18s %6s %7s %-15s %6s %s\n", "ADDR", "PAGES", "OWNER", "UID", "PID",
		       "COMMAND", "AGE", "PROGRAM");
	for (i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)a[i].addr);
		age_text(a[i].age_s, age, sizeof(age));
		/* object pages: the program, and "(objects)" after it */
		printf("%-16s %8u %-18s %6u %7u %-15s %6s %s%s\n", addr, a[i].pages,
		       a[i].owner[0] ? a[i].owner : "-", a[i].uid, a[i].pid,
		       a[i].comm[0] ? a[i].comm : "-", age, a[i].program[0] ? a[i].program : "-",
		       a[i].objects ? " (objects)" : "");
	}
	if (n < out.allocations)
		printf("... and %llu more\n", (unsigned long long)(out.allocations - n));
	printf("%s%llu orphaned allocations, %llu pages\n", free_them ? "freed " : "",
	       (unsigned long long)out.allocations, (unsigned long long)out.pages);
	if (out.dropped_objects)
		printf("dropped %llu objects of BPF programs on them\n",
		       (unsigned long long)out.dropped_objects);
	if (out.kept_objects)
		printf("kept %llu holding objects of BPF programs (%llu pages): "
		       "they go with their last object%s\n",
		       (unsigned long long)out.kept_objects, (unsigned long long)out.kept_object_pages,
		       objects ? "" : " (--objects drops them)");
	free(a);
	return 0;
}

int cmd_orphans(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than",	required_argument, NULL, 't' },
		{}
	};
	__u32 older_than = 0;
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 't')
			return CLI_EXIT_USAGE;
		if (orphans_parse_duration(optarg, &older_than))
			return cli_usage(cli, "--older-than wants a duration (30s, 10m, 2h, 7d), got '%s'",
					 optarg);
	}
	if (optind < argc)
		return cli_usage(cli, "orphans takes no arguments, got '%s'", argv[optind]);
	return orphans_run(cli, older_than, false, false);
}
