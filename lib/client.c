// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libarenad: the connection to the daemon: one JSON-RPC request per line
 * out, one reply per line back, with a deadline per call.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "arenad.h"
#include "arenad_proto.h"
#include "client.h"
#include "error.h"
#include "opts.h"

/* Replies to "ranges" grow with the ledger; refuse absurd ones. */
#define MAX_REPLY (256u << 20)

struct arenad_client {
	int fd;
	int timeout_ms;
	__u64 next_id;
	char *buf;		/* bytes received beyond the last reply */
	size_t len, cap;
	json_object *last_result;	/* of the last successful call */
	char *last_text;		/* last_result as text, made on demand */
	char path[108];			/* sizeof(sun_path) */
	/* Set when a call failed half-way (timeout, lost or malformed reply):
	 * a late reply may still come, so the stream is out of step and
	 * every later call fails with -EPIPE instead of reading it. */
	char broken[200];
};

struct arenad_client *arenad_client__open(const struct arenad_client_opts *opts)
{
	const char *path = OPTS_GET(opts, socket_path, NULL);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct arenad_client *c;
	int r;

	if (!OPTS_VALID(opts, arenad_client_opts)) {
		libarenad_err(-EINVAL, "arenad_client_opts: bad .sz or unknown options set");
		return NULL;
	}
	if (!path)
		path = secure_getenv("ARENAD_SOCKET") ?: ARENAD_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		libarenad_err(-ENAMETOOLONG, "socket path %s is too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c) {
		libarenad_err(-ENOMEM, "out of memory");
		return NULL;
	}
	strcpy(c->path, path);
	c->timeout_ms = OPTS_GET(opts, timeout_ms, 0) ?: 10000;
	c->next_id = 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		arenad_client__close(c);
		if (r == -ENOENT || r == -ECONNREFUSED)
			libarenad_err(r, "connect to %s: %s (is arenad running?)", path, strerror(-r));
		else
			libarenad_err(r, "connect to %s: %s", path, strerror(-r));
		return NULL;
	}
	return c;
}

void arenad_client__close(struct arenad_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	json_object_put(c->last_result);
	free(c->last_text);
	free(c->buf);
	free(c);
}

const char *arenad_client__socket_path(const struct arenad_client *c)
{
	return c->path;
}

const char *arenad_client__last_result(struct arenad_client *c)
{
	const char *s;

	if (!c->last_result)
		return NULL;
	if (!c->last_text) {
		s = json_object_to_json_string_ext(c->last_result, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		c->last_text = s ? strdup(s) : NULL;
	}
	return c->last_text;
}

/* A failure that leaves the connection out of step: see .broken. */
static int broken(struct arenad_client *c, int r, const char *fmt, const char *arg)
{
	char what[200];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(c->broken, sizeof(c->broken), "%s", what);
	if (c->fd >= 0)
		close(c->fd);	/* nothing more will be read from it */
	c->fd = -1;
	return libarenad_err(r, "%s", what);
}

static int wait_fd(struct arenad_client *c, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	struct timespec now;
	long ms;
	int n;

	/* A signal is not the end of the call: the caller's handler ran (a
	 * terminal resize in `top`, whose handlers are not SA_RESTART), and the
	 * wait goes on until the deadline. */
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int send_all(struct arenad_client *c, const char *s, size_t len,
		    const struct timespec *deadline)
{
	ssize_t n;
	int r;

	while (len) {
		r = wait_fd(c, POLLOUT, deadline);
		if (r)
			return r;
		n = send(c->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		s += n;
		len -= n;
	}
	return 0;
}

/* Receive one line; returns it NUL-terminated in a new buffer. */
static int recv_line(struct arenad_client *c, char **line, const struct timespec *deadline)
{
	size_t seen = 0, used;	/* bytes already searched for the newline */
	char *nl, *buf;
	ssize_t n;
	int r;

	for (;;) {
		nl = c->len > seen ? memchr(c->buf + seen, '\n', c->len - seen) : NULL;
		if (nl) {
			used = nl - c->buf;
			*line = strndup(c->buf, used);
			if (!*line)
				return -ENOMEM;
			memmove(c->buf, nl + 1, c->len - used - 1);
			c->len -= used + 1;
			return 0;
		}
		seen = c->len;
		if (c->len >= MAX_REPLY)
			return -EMSGSIZE;
		if (c->cap - c->len < 65536) {
			/* Doubling: a reply of megabytes (ranges) is copied a
			 * few times, not once per 64 KiB read. */
			size_t cap = c->cap ? 2 * c->cap : 65536;

			if (cap > MAX_REPLY + 65536)
				cap = MAX_REPLY + 65536;

			buf = realloc(c->buf, cap);
			if (!buf)
				return -ENOMEM;
			c->buf = buf;
			c->cap = cap;
		}
		r = wait_fd(c, POLLIN, deadline);
		if (r)
			return r;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		c->len += n;
	}
}

int libarenad_code_to_errno(int code)
{
	switch (code) {
	case ARENAD_ERR_NO_MEMORY:		return -ENOMEM;
	case ARENAD_ERR_PERMISSION:		return -EPERM;
	case ARENAD_ERR_NOT_FOUND:		return -ENOENT;
	case ARENAD_ERR_CONFLICT:		return -EEXIST;
	case ARENAD_ERR_UNAVAILABLE:		return -EAGAIN;
	case ARENAD_ERR_QUOTA:			return -EDQUOT;
	case ARENAD_RPC_INVALID_PARAMS:		return -EINVAL;
	case ARENAD_RPC_METHOD_NOT_FOUND:	return -EOPNOTSUPP;
	case ARENAD_RPC_PARSE_ERROR:
	case ARENAD_RPC_INVALID_REQUEST:	return -EPROTO;
	default:				return -EIO;
	}
}

int libarenad_call(struct arenad_client *c, const char *method,
		   json_object *params, json_object **result)
{
	json_object *req, *reply = NULL, *v, *e;
	struct timespec deadline;
	char *line = NULL;
	__u64 id = c->next_id++;
	const char *s;
	size_t len;
	int r;

	json_object_put(c->last_result);
	c->last_result = NULL;
	free(c->last_text);
	c->last_text = NULL;
	if (c->broken[0])
		return libarenad_err(-EPIPE, "connection unusable since an earlier call failed "
				     "(%s); open a new client", c->broken);

	req = json_object_new_object();
	if (!req)
		return libarenad_err(-ENOMEM, "out of memory");
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_uint64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", json_object_get(params));
	s = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
	if (!s) {
		json_object_put(req);
		return libarenad_err(-ENOMEM, "out of memory");
	}

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += c->timeout_ms / 1000;
	deadline.tv_nsec += (c->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	r = send_all(c, s, len, &deadline);
	if (!r)
		r = send_all(c, "\n", 1, &deadline);
	json_object_put(req);
	if (!r)
		r = recv_line(c, &line, &deadline);
	if (r) {
		char what[160];

		if (r == -ETIMEDOUT)
			snprintf(what, sizeof(what), "talk to arenad at %s: no reply within %d ms",
				 c->path, c->timeout_ms);
		else if (r == -EMSGSIZE)
			snprintf(what, sizeof(what), "talk to arenad at %s: a reply over %u MiB",
				 c->path, MAX_REPLY >> 20);
		else
			snprintf(what, sizeof(what), "talk to arenad at %s: %s", c->path, strerror(-r));
		return broken(c, r, "%s", what);
	}

	reply = json_tokener_parse(line);
	free(line);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		r = broken(c, -EPROTO, "%s", "malformed reply from arenad");
		goto out;
	}
	/* A reply to another request (null is the daemon's answer to a line
	 * it could not read, which was ours) means the stream is off. */
	if (json_object_object_get_ex(reply, "id", &e) && e &&
	    (!json_object_is_type(e, json_type_int) || json_object_get_uint64(e) != id)) {
		r = broken(c, -EPROTO, "%s", "reply to another request from arenad");
		goto out;
	}
	if (json_object_object_get_ex(reply, "error", &e)) {
		int code = json_object_object_get_ex(e, "code", &v) ? json_object_get_int(v) : 0;

		r = libarenad_err_daemon(libarenad_code_to_errno(code), code,
					 json_object_object_get_ex(e, "message", &v) ?
					 json_object_get_string(v) : "error");
		goto out;
	}
	if (!json_object_object_get_ex(reply, "result", &v) ||
	    !json_object_object_get_ex(reply, "id", &e) || json_object_get_uint64(e) != id) {
		r = broken(c, -EPROTO, "%s", "malformed reply from arenad");
		goto out;
	}
	c->last_result = json_object_get(v);
	*result = json_object_get(v);
	r = 0;
out:
	json_object_put(reply);
	return r;
}

int arenad_client__call(struct arenad_client *c, const char *method,
			const char *params_json, char **result_json)
{
	json_object *params = NULL, *result;
	const char *s;
	int r;

	if (!method || !*method)
		return libarenad_err(-EINVAL, "no method");
	if (params_json) {
		params = json_tokener_parse(params_json);
		if (!params)
			return libarenad_err(-EINVAL, "%s: params are not valid JSON", method);
	}
	r = libarenad_call(c, method, params, &result);
	json_object_put(params);
	if (r)
		return r;
	s = arenad_client__last_result(c);
	*result_json = s ? strdup(s) : NULL;
	json_object_put(result);
	if (!*result_json)
		return libarenad_err(-ENOMEM, "out of memory");
	return 0;
}
