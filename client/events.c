// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `events`: subscribe and print each notification as it comes, one line
 * per event (a JSON object per line with -j), until the daemon stops.
 *
 * The stream does not fit libarenad's call-and-reply client, so this
 * command speaks the protocol on a connection of its own: one request
 * (docs/protocol.md, "subscribe"), its reply, then notification lines.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "arenad.h"
#include "cli.h"
#include "commands.h"
#include "events.h"
#include "output.h"

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
	       ? json_object_get_string(v) : NULL;
}

static long long int_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* A crossing of the owner's or the uid's threshold, or refusals of the
 * owner's allocations (over any limit: with none of its own, its uid's). */
static void print_quota(json_object *p)
{
	const char *lk = str_of(p, "limit_kind"), *owner = str_of(p, "owner") ?: "-";
	const char *whose = lk && !strcmp(lk, "default") ? "the default" : "its own";
	const char *side = json_object_get_boolean(json_object_object_get(p, "rising")) ? "above"
											 : "below";

	if (json_object_object_get_ex(p, "refused", NULL)) {
		printf("quota: owner %s refused %lld allocations, holds %lld", owner,
		       int_of(p, "refused"), int_of(p, "pages"));
		if (lk)
			printf(" of %lld pages (%s limit)\n", int_of(p, "limit"), whose);
		else
			printf(" pages (its uid's limit)\n");
	} else if (lk && !strcmp(lk, "uid")) {
		printf("quota: uid %lld holds %lld of %lld pages, %s the threshold (owner %s)\n",
		       int_of(p, "uid"), int_of(p, "pages"), int_of(p, "limit"), side, owner);
	} else {
		printf("quota: owner %s holds %lld of %lld pages (%s limit), %s the threshold\n", owner,
		       int_of(p, "pages"), int_of(p, "limit"), whose, side);
	}
}

/* One notification for people: what happened, then its details. */
static void print_human(const char *method, json_object *p)
{
	const char *kind = str_of(p, "kind") ?: "?";

	if (!strcmp(method, "dropped")) {
		printf("dropped %lld events%s\n", int_of(p, "count"),
		       str_of(p, "where") ? " (the kernel's buffer was full)" : " (not read in time)");
	} else if (!strcmp(kind, "alloc") || !strcmp(kind, "free")) {
		/* an object page has no name: say what it holds instead */
		bool objects = json_object_get_boolean(json_object_object_get(p, "objects"));

		printf("%-5s %6lld pages at %s owner %s name %s uid %lld (%lld pages allocated)\n",
		       kind, int_of(p, "pages"), str_of(p, "addr") ?: "?",
		       str_of(p, "owner") ?: "-", str_of(p, "name") ?: (objects ? "(objects)" : "-"),
		       int_of(p, "uid"), int_of(p, "pages_allocated"));
	} else if (!strcmp(kind, "census")) {
		printf("census: %lld pages unaccounted (was %lld), %lld ledger pages missing\n",
		       int_of(p, "pages_unaccounted"), int_of(p, "pages_unaccounted_before"),
		       int_of(p, "pages_missing"));
	} else if (!strcmp(kind, "fill")) {
		printf("fill: %lld of %lld pages allocated, %s the threshold\n",
		       int_of(p, "pages_allocated"), int_of(p, "pages_total"),
		       json_object_get_boolean(json_object_object_get(p, "rising")) ? "above" : "below");
	} else if (!strcmp(kind, "quota")) {
		print_quota(p);
	} else if (!strcmp(kind, "arena")) {
		printf("arena: map %lld (%s, %lld pages) %s the host\n", int_of(p, "map_id"),
		       str_of(p, "name") ?: "-", int_of(p, "pages_total"),
		       json_object_get_boolean(json_object_object_get(p, "appeared")) ? "appeared on"
										  : "left");
	} else if (!strcmp(kind, "shutdown")) {
		printf("shutdown: the daemon is stopping\n");
	} else {
		printf("%s\n", json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
	}
}

/* -j: the params as one object, with the dropped notices as kind "dropped". */
static void print_json(const char *method, json_object *p)
{
	if (!strcmp(method, "dropped"))
		json_object_object_add(p, "kind", json_object_new_string("dropped"));
	printf("%s\n", json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* The request: {"jsonrpc":"2.0","id":1,"method":"subscribe","params":{...}} */
static char *request(const char *owner, const char *kinds, long fill, long quota)
{
	json_object *req = json_object_new_object(), *params = json_object_new_object();
	char *text, *list, *k, *save = NULL;

	if (owner)
		json_object_object_add(params, "owner", json_object_new_string(owner));
	if (kinds) {
		json_object *arr = json_object_new_array();

		list = strdup(kinds);
		for (k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save))
			json_object_array_add(arr, json_object_new_string(k));
		free(list);
		json_object_object_add(params, "kinds", arr);
	}
	if (fill > 0)
		json_object_object_add(params, "fill_threshold", json_object_new_int64(fill));
	if (quota > 0)
		json_object_object_add(params, "quota_threshold", json_object_new_int64(quota));
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int(1));
	json_object_object_add(req, "method", json_object_new_string("subscribe"));
	json_object_object_add(req, "params", params);
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN)) < 0)
		text = NULL;
	json_object_put(req);
	return text;
}

int events_connect(struct cli *cli, const char *owner, const char *kinds, long fill, long quota)
{
	char *req;
	int fd;
	ssize_t n;

	fd = connect_socket(cli->socket_path);
	if (fd < 0)
		return fd;
	req = request(owner, kinds, fill, quota);
	if (!req) {
		close(fd);
		return -ENOMEM;
	}
	n = write(fd, req, strlen(req));
	if (n != (ssize_t)strlen(req)) {
		free(req);
		close(fd);
		return n < 0 ? -errno : -EIO;
	}
	free(req);
	return fd;
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner",	required_argument, NULL, 'o' },
		{ "kind",	required_argument, NULL, 'k' },
		{ "fill",	required_argument, NULL, 'f' },
		{ "quota",	required_argument, NULL, 'q' },
		{}
	};
	const char *owner = NULL, *kinds = NULL;
	char *line = NULL, *end;
	size_t size = 0;
	bool replied = false;
	long fill = 0, quota = 0;
	FILE *f;
	int c, fd;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'o': owner = optarg; break;
		case 'k': kinds = optarg; break;
		case 'f':
			fill = strtol(optarg, &end, 10);
			if (*end || fill <= 0)
				return cli_usage(cli, "--fill needs a number of pages, got '%s'", optarg);
			break;
		case 'q':
			quota = strtol(optarg, &end, 10);
			if (*end || quota <= 0 || quota > 100)
				return cli_usage(cli, "--quota needs a percentage, 1 to 100, got '%s'",
						 optarg);
			break;
		default: return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage(cli, "events takes no arguments, got '%s'", argv[optind]);

	fd = events_connect(cli, owner, kinds, fill, quota);
	if (fd < 0)
		return cli_error(cli, cli_errno_exit(fd), fd, "subscribe on %s: %s", cli->socket_path,
				 strerror(-fd));
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return cli_error(cli, CLI_EXIT_FAILURE, -ENOMEM, "out of memory");
	}
	/* Line-buffered out: a pipe's reader sees each event as it comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (getline(&line, &size, f) > 0) {
		json_object *msg = json_tokener_parse(line), *v;
		const char *method = str_of(msg, "method");

		if (!replied) {
			replied = true;
			if (json_object_object_get_ex(msg, "error", &v)) {
				int code = int_of(v, "code");

				cli_error(cli, cli_rpc_exit(code), code, "subscribe: %s",
					  str_of(v, "message") ?: "failed");
				json_object_put(msg);
				fclose(f);
				free(line);
				return cli_rpc_exit(code);
			}
		} else if (method && json_object_object_get_ex(msg, "params", &v)) {
			if (cli->json)
				print_json(method, v);
			else
				print_human(method, v);
		}
		json_object_put(msg);
	}
	free(line);
	fclose(f);
	return replied ? CLI_EXIT_OK : cli_error(cli, CLI_EXIT_UNREACHABLE, -ECONNRESET,
						 "the daemon closed the connection");
}
