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

#include "arenad.h"
#include "cli.h"
#include "metrics.h"
#include "output.h"

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

int metrics_command(struct cli *cli, int argc, char **argv)
{
	struct arenad_client *c = cli->client;
	const char *output = NULL;
	char *text;
	size_t len;
	int r;

	if (argc == 2 && (!strcmp(argv[0], "--output") || !strcmp(argv[0], "-o")) && *argv[1]) {
		output = argv[1];
	} else if (argc) {
		return cli_usage(cli, "metrics takes %s, got '%s'", METRICS_ARGS, argv[0]);
	}
	r = arenad_client__metrics(c, &text, &len);
	if (r)
		return cli_call_error(cli, r, "metrics");
	if (cli->json && !output) {
		free(text);
		return cli_print_result(cli);
	}
	if (output) {
		r = replace_file(output, text, len);
		if (r)
			r = cli_error(cli, CLI_EXIT_FAILURE, r, "write %s: %s", output, strerror(-r));
	} else {
		r = fwrite(text, 1, len, stdout) == len && !fflush(stdout) ? 0 : -EIO;
		if (r)
			r = cli_error(cli, CLI_EXIT_FAILURE, r, "write the metrics: %s", strerror(errno));
	}
	free(text);
	return r;
}
