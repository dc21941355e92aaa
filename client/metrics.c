// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `arenactl-client metrics [--output FILE]`: print the text of the
 * daemon's metrics method, or replace FILE with it atomically, as
 * node_exporter's textfile collector needs: it may read the directory at
 * any moment and must never see half a file. The text goes to a temporary
 * file in the same directory (not named *.prom, so the collector skips
 * it), is flushed to disk, and is renamed over FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "arenad.h"
#include "metrics.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static int replace_file(const char *path, const char *text, size_t len)
{
	char *tmp;
	int fd, r;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	/* Readable by the collector, whatever our umask. */
	r = fchmod(fd, 0644) ? -errno : 0;
	if (!r)
		r = write_all(fd, text, len);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

int metrics_command(struct arenad_client *c, bool json, int argc, char **argv)
{
	const char *output = NULL;
	char *text;
	size_t len;
	int r;

	if (argc == 2 && (!strcmp(argv[0], "--output") || !strcmp(argv[0], "-o")) && *argv[1]) {
		output = argv[1];
	} else if (argc) {
		fprintf(stderr, "arenactl-client: metrics takes %s, got '%s'\n"
			"(see arenactl-client --help)\n", METRICS_ARGS, argv[0]);
		return 2;
	}
	r = arenad_client__metrics(c, &text, &len);
	if (r) {
		fprintf(stderr, "arenactl-client: metrics: %s\n", arenad_errmsg());
		return 1;
	}
	if (json && !output) {
		const char *res = arenad_client__last_result(c);
		json_object *o = json_tokener_parse(res);

		puts(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_NOSLASHESCAPE) : res);
		json_object_put(o);
		free(text);
		return 0;
	}
	if (output) {
		r = replace_file(output, text, len);
		if (r)
			fprintf(stderr, "arenactl-client: write %s: %s\n", output, strerror(-r));
	} else {
		r = fwrite(text, 1, len, stdout) == len && !fflush(stdout) ? 0 : -EIO;
		if (r)
			fprintf(stderr, "arenactl-client: write the metrics: %s\n", strerror(errno));
	}
	free(text);
	return r ? 1 : 0;
}
