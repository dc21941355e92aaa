// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmicrohttpd in "external epoll" mode: MHD keeps its sockets in one
 * epoll fd, which sd-event watches; MHD_run() does the work that is ready
 * without blocking, and a timer follows MHD_get_timeout() so that idle
 * connections time out. Every request is answered on the event loop, so a
 * scrape is as cheap as rendering the text (metrics.c), and a slow HTTP
 * client only holds its own connection, never the Unix-socket clients.
 *
 * Logging: http_new() is a start-up step and logs its failures; requests
 * log nothing but a failed render (where it becomes the 500 reply) and
 * libmicrohttpd's own words about clients, at debug level.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

#include "http.h"
#include "http_lib.h"
#include "log.h"
#include "metrics.h"
#include "prom.h"
#include "cleanup.h"

struct http {
	struct MHD_Daemon *mhd;
	sd_event_source *io;
	sd_event_source *timer;
	struct arenad *d;
	char address[INET6_ADDRSTRLEN + 8];
};

int http_listen(const struct sockaddr *addr, socklen_t len)
{
	_cleanup_close_ int fd = -1;
	int one = 1;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		return -errno;
	/* [::]:PORT means IPv6 only; 0.0.0.0 is a listener of its own. */
	if (addr->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		return -errno;
	if (bind(fd, addr, len) || listen(fd, 16))
		return -errno;
	return TAKE_FD(fd);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *allow, const char *body)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = sym_MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	r = sym_MHD_queue_response(conn, status, resp);
	sym_MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **req_cls)
{
	struct http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;
	char *text;
	size_t len;
	int ret;

	/* Answered on the first call, when the headers are in: a body, if
	 * any, is never read (MHD closes the connection after the reply). */
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, NULL, "Not found: the metrics are at /metrics.\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD", "Method not allowed.\n");

	ret = metrics_render(h->d, true, &text, &len);
	if (ret < 0) {
		log_warning_errno(ret, "metrics: render for HTTP");
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "Rendering the metrics failed.\n");
	}
	resp = sym_MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	r = sym_MHD_queue_response(conn, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return r;
}

/* What MHD has to say is about clients (refused, timed out): debug only,
 * so that remote peers cannot flood the journal. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	log_debug("metrics http: %s", buf);
}

static int arm_timer(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t now;
	int r;

	if (sym_MHD_get_timeout(h->mhd, &ms) != MHD_YES)
		return sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
	r = sd_event_now(sd_event_source_get_event(h->timer), CLOCK_MONOTONIC, &now);
	if (r < 0)
		return r;
	r = sd_event_source_set_time(h->timer, now + ms * 1000);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
}

static int run(struct http *h)
{
	if (sym_MHD_run(h->mhd) != MHD_YES)
		log_debug("metrics http: MHD_run failed");
	return arm_timer(h);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	return run(userdata);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	return run(userdata);
}

static void format_address(struct http *h, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
		snprintf(h->address, sizeof(h->address), "%s:%u", ip, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
		snprintf(h->address, sizeof(h->address), "[%s]:%u", ip, port);
	}
}

int http_new(sd_event *e, int listen_fd, struct arenad *d, struct http **out)
{
	_cleanup_close_ int fd = listen_fd;	/* MHD's once it started */
	_cleanup_(http_freep) struct http *h = NULL;
	const union MHD_DaemonInfo *info;
	int r;

	r = dlopen_microhttpd();
	if (r < 0)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return log_oom();
	h->d = d;
	snprintf(h->address, sizeof(h->address), "fd %d", listen_fd);
	format_address(h, listen_fd);

	/* The listening socket is ours (--metrics-listen) or the service
	 * manager's (socket activation); MHD only accepts on it, so the
	 * service needs no right to create network sockets itself. */
	h->mhd = sym_MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				  on_request, h,
				  /* first, so that every message goes through it */
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_PER_IP,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_PER_CONN,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!h->mhd)
		return log_error_errno(-EINVAL, "metrics: libmicrohttpd refused to start on %s",
				       h->address);
	(void)TAKE_FD(fd);	/* sym_MHD_stop_daemon() closes it */
	info = sym_MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0)
		return log_error_errno(-EOPNOTSUPP, "metrics: libmicrohttpd has no epoll fd");
	r = sd_event_add_io(e, &h->io, info->epoll_fd, EPOLLIN, on_io, h);
	if (r >= 0)
		/* 1 us accuracy: MHD asks for "again at once" (timeout 0)
		 * while it works through a request in steps, and sd-event's
		 * default accuracy (0) would add up to 250 ms to each step. */
		r = sd_event_add_time(e, &h->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, h);
	if (r >= 0)
		r = arm_timer(h);
	if (r < 0)
		return log_error_errno(r, "metrics: watch the HTTP listener");
	*out = TAKE_PTR(h);
	return 0;
}

struct http *http_free(struct http *h)
{
	if (!h)
		return NULL;
	sd_event_source_disable_unref(h->io);
	sd_event_source_disable_unref(h->timer);
	if (h->mhd)
		sym_MHD_stop_daemon(h->mhd);	/* closes the listening socket */
	free(h);
	return NULL;
}

const char *http_address(const struct http *h)
{
	return h->address;
}
