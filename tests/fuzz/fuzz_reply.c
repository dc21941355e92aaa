// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness: libarenad's reply parser. The harness plays the
 * daemon on a private Unix socket: it accepts the client's connection,
 * sends the input (after its first byte) as the daemon's reply and ends
 * the stream; the first byte picks the typed call that reads it (ping,
 * version, stats, scan, alloc, free, lookup, ranges, owners, or two calls
 * in a row). Whatever the bytes, the call returns an error or a result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "arenad.h"

static char path[108];
static int listen_fd = -1;

static void cleanup(void)
{
	unlink(path);
}

static int setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(path, sizeof(path), "/tmp/arenad-fuzz-reply-%d.sock", getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 4))
		return -1;
	atexit(cleanup);
	return 0;
}

static void one_call(struct arenad_client *c, unsigned int which)
{
	ARENAD_OPTS(arenad_scan_opts, so, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_alloc, a);
	ARENAD_OPTS(arenad_stats, st);
	ARENAD_OPTS(arenad_scan, sc);
	struct arenad_alloc *ranges = NULL;
	struct arenad_owner_usage *owners = NULL;
	char buf[64];
	__u32 pages;
	size_t n;

	switch (which) {
	case 0: arenad_client__ping(c); break;
	case 1: arenad_client__version(c, buf, sizeof(buf)); break;
	case 2: arenad_client__stats(c, &st); break;
	case 3:
		if (!arenad_client__scan(c, &so, &sc)) {
			free(sc.unaccounted);
			free(sc.missing);
		}
		break;
	case 4: arenad_client__alloc(c, 1, NULL, &a); break;
	case 5: arenad_client__free(c, 0x100000000000ULL, &pages); break;
	case 6: arenad_client__lookup(c, "x", &a); break;
	case 7:
		if (!arenad_client__ranges(c, NULL, &ranges, sizeof(*ranges), &n))
			free(ranges);
		break;
	default:
		if (!arenad_client__owners(c, NULL, &owners, sizeof(*owners), &n))
			free(owners);
		break;
	}
	(void)arenad_errmsg();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ARENAD_OPTS(arenad_client_opts, opts, .socket_path = path, .timeout_ms = 2000);
	struct arenad_client *c;
	int fd;

	if (size < 1 || size > 65536)
		return 0;
	if (listen_fd < 0 && setup())
		abort();
	c = arenad_client__open(&opts);
	if (!c)
		abort();
	fd = accept(listen_fd, NULL, NULL);
	if (fd < 0)
		abort();
	/* The request is never read: it fits in the socket buffer. */
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(fd, SHUT_WR);
	one_call(c, data[0] % 10);
	if (data[0] >= 0x80)	/* a second call on the same client */
		one_call(c, (data[0] >> 4) % 10);
	arenad_client__close(c);
	close(fd);
	return 0;
}
