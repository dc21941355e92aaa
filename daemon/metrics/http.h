/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The metrics HTTP listener: GET /metrics on a TCP socket, served by
 * libmicrohttpd driven from the daemon's sd-event loop (no thread).
 */
#ifndef __ARENAD_HTTP_H
#define __ARENAD_HTTP_H

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "cleanup.h"

struct arenad;
struct http;

/* Limits on what HTTP clients may take (docs/metrics.md). */
#define HTTP_MAX_CONNECTIONS	32
#define HTTP_MAX_PER_IP		16
#define HTTP_MEMORY_PER_CONN	(16 * 1024)	/* request line + headers */
#define HTTP_IDLE_TIMEOUT_S	10

/* A listening TCP socket on addr (SO_REUSEADDR, non-blocking), or
 * -errno; the caller logs. */
int http_listen(const struct sockaddr *addr, socklen_t len);

/* Serve the metrics of d on listen_fd, which the listener then owns.
 * Logs its failures. */
int http_new(sd_event *e, int listen_fd, struct arenad *d, struct http **out);
/* Returns NULL, for "d->http = http_free(d->http)". */
struct http *http_free(struct http *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http *, http_free);

/* The address the listener is bound to, as ADDR:PORT or [ADDR]:PORT. */
const char *http_address(const struct http *h);

#endif /* __ARENAD_HTTP_H */
