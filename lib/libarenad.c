// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libarenad: JSON-RPC calls to the daemon over its Unix socket. */
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
#include "proto_json.h"
#include "opts.h"

/* Replies to "ranges" grow with the ledger; refuse absurd ones. */
#define MAX_REPLY (256u << 20)

struct arenad_client {
	int fd;
	int timeout_ms;
	__u64 next_id;
	char *buf;		/* bytes received beyond the last reply */
	size_t len, cap;
	int errcode;
	char errmsg[256];
	/* Set when a call failed half-way (timeout, lost or malformed reply):
	 * a late reply may still come, so the stream is out of step and
	 * every later call fails with -EPIPE instead of reading it. */
	char broken[200];
};

int arenad_client_open(const struct arenad_client_opts *opts,
		       struct arenad_client **out)
{
	const char *path = OPTS_GET(opts, socket_path, NULL) ?: ARENAD_DEFAULT_SOCKET;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct arenad_client *c;
	int r;

	if (!OPTS_VALID(opts, arenad_client_opts))
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = OPTS_GET(opts, timeout_ms, 0) ?: 10000;
	c->next_id = 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		arenad_client_close(c);
		return r;
	}
	*out = c;
	return 0;
}

void arenad_client_close(struct arenad_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

const char *arenad_client_errmsg(const struct arenad_client *c)
{
	return c->errmsg;
}

int arenad_client_errcode(const struct arenad_client *c)
{
	return c->errcode;
}

static int local_error(struct arenad_client *c, int r, const char *what)
{
	c->errcode = 0;
	snprintf(c->errmsg, sizeof(c->errmsg), "%s: %s", what, strerror(-r));
	return r;
}

/* A local error that leaves the connection out of step: see .broken. */
static int broken(struct arenad_client *c, int r, const char *what)
{
	local_error(c, r, what);
	snprintf(c->broken, sizeof(c->broken), "%.180s", c->errmsg);
	if (c->fd >= 0)
		close(c->fd);	/* nothing more will be read from it */
	c->fd = -1;
	return r;
}

static int wait_fd(struct arenad_client *c, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	struct timespec now;
	long ms;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, ms);
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

static int code_to_errno(int code)
{
	switch (code) {
	case ARENAD_ERR_NO_MEMORY:		return -ENOMEM;
	case ARENAD_ERR_PERMISSION:		return -EPERM;
	case ARENAD_ERR_NOT_FOUND:		return -ENOENT;
	case ARENAD_ERR_CONFLICT:		return -EEXIST;
	case ARENAD_ERR_UNAVAILABLE:		return -EAGAIN;
	case ARENAD_RPC_INVALID_PARAMS:		return -EINVAL;
	case ARENAD_RPC_METHOD_NOT_FOUND:	return -EOPNOTSUPP;
	case ARENAD_RPC_PARSE_ERROR:
	case ARENAD_RPC_INVALID_REQUEST:	return -EPROTO;
	default:				return -EIO;
	}
}

int arenad_client_call(struct arenad_client *c, const char *method,
		       json_object *params, json_object **result)
{
	json_object *req, *reply = NULL, *v, *e;
	struct timespec deadline;
	char *line = NULL;
	__u64 id = c->next_id++;
	const char *s;
	size_t len;
	int r;

	c->errcode = 0;
	c->errmsg[0] = 0;
	if (c->broken[0]) {
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "connection unusable since an earlier call failed (%.180s); open a new client",
			 c->broken);
		return -EPIPE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_uint64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", json_object_get(params));
	s = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);

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
	if (r)
		return broken(c, r, "talk to arenad");

	reply = json_tokener_parse(line);
	free(line);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		r = broken(c, -EPROTO, "malformed reply from arenad");
		goto out;
	}
	/* A reply to another request (null is the daemon's answer to a line
	 * it could not read, which was ours) means the stream is off. */
	if (json_object_object_get_ex(reply, "id", &e) && e &&
	    (!json_object_is_type(e, json_type_int) || json_object_get_uint64(e) != id)) {
		r = broken(c, -EPROTO, "reply to another request from arenad");
		goto out;
	}
	if (json_object_object_get_ex(reply, "error", &e)) {
		c->errcode = json_object_object_get_ex(e, "code", &v) ? json_object_get_int(v) : 0;
		snprintf(c->errmsg, sizeof(c->errmsg), "%s",
			 json_object_object_get_ex(e, "message", &v) ? json_object_get_string(v) : "error");
		r = code_to_errno(c->errcode);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "result", &v) ||
	    !json_object_object_get_ex(reply, "id", &e) || json_object_get_uint64(e) != id) {
		r = broken(c, -EPROTO, "malformed reply from arenad");
		goto out;
	}
	*result = json_object_get(v);
	r = 0;
out:
	json_object_put(reply);
	return r;
}

static __u64 get_addr(json_object *o, const char *k)
{
	__u64 a;

	return proto_addr_parse(proto_get_str(o, k), &a) ? 0 : a;
}

static void get_str(json_object *o, const char *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s", proto_get_str(o, k));
}

int arenad_client_ping(struct arenad_client *c)
{
	json_object *r = NULL;
	int ret;

	ret = arenad_client_call(c, "ping", NULL, &r);
	json_object_put(r);
	return ret;
}

int arenad_client_version(struct arenad_client *c, char *buf, size_t len)
{
	json_object *r;
	int ret;

	ret = arenad_client_call(c, "version", NULL, &r);
	if (ret)
		return ret;
	get_str(r, "version", buf, len);
	json_object_put(r);
	return 0;
}

int arenad_client_scan(struct arenad_client *c, struct arenad_scan *out)
{
	json_object *r;
	int ret;

	ret = arenad_client_call(c, "scan", NULL, &r);
	if (ret)
		return ret;
	*out = (struct arenad_scan) {
		.pages_present = proto_get_u64(r, "pages_present"),
		.pages_ledger = proto_get_u64(r, "pages_ledger"),
		.pages_unaccounted = proto_get_u64(r, "pages_unaccounted"),
		.pages_missing = proto_get_u64(r, "pages_missing"),
		.duration_us = proto_get_u64(r, "duration_us"),
	};
	get_str(r, "method", out->method, sizeof(out->method));
	json_object_put(r);
	return 0;
}

int arenad_client_stats(struct arenad_client *c, struct arenad_stats *st)
{
	json_object *r;
	int ret;

	ret = arenad_client_call(c, "stats", NULL, &r);
	if (ret)
		return ret;
	*st = (struct arenad_stats) {
		.page_size = proto_get_u64(r, "page_size"),
		.pages_total = proto_get_u64(r, "pages_total"),
		.pages_allocated = proto_get_u64(r, "pages_allocated"),
		.pages_free = proto_get_u64(r, "pages_free"),
		.high_water_pages = proto_get_u64(r, "high_water_pages"),
		.allocations = proto_get_u64(r, "allocations"),
		.alloc_failures = proto_get_u64(r, "alloc_failures"),
		.map_id = proto_get_u64(r, "map_id"),
		.user_vm_start = get_addr(r, "user_vm_start"),
	};
	get_str(r, "pin_dir", st->pin_dir, sizeof(st->pin_dir));
	json_object_put(r);
	return 0;
}

static void alloc_from_json(json_object *o, struct arenad_alloc *a)
{
	*a = (struct arenad_alloc) {
		.addr = get_addr(o, "addr"),
		.offset = proto_get_u64(o, "offset"),
		.pages = proto_get_u64(o, "pages"),
		.uid = proto_get_u64(o, "uid"),
	};
	get_str(o, "owner", a->owner, sizeof(a->owner));
	get_str(o, "name", a->name, sizeof(a->name));
}

int arenad_client_alloc(struct arenad_client *c, __u32 pages,
			const struct arenad_alloc_opts *opts,
			struct arenad_alloc *out)
{
	const char *owner = OPTS_GET(opts, owner, NULL), *name = OPTS_GET(opts, name, NULL);
	__u64 addr = OPTS_GET(opts, addr, 0);
	json_object *p, *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_alloc_opts))
		return local_error(c, -EINVAL, "arenad_alloc_opts");
	p = json_object_new_object();
	json_object_object_add(p, "pages", json_object_new_uint64(pages));
	if (owner)
		json_object_object_add(p, "owner", json_object_new_string(owner));
	if (name)
		json_object_object_add(p, "name", json_object_new_string(name));
	if (addr)
		json_object_object_add(p, "addr", proto_addr_new(addr));
	ret = arenad_client_call(c, "alloc", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	/* The reply names the owner and uid the daemon recorded (it chooses
	 * "uid:N" when the request named none). */
	alloc_from_json(r, out);
	if (!out->owner[0])
		snprintf(out->owner, sizeof(out->owner), "%s", owner ?: "");
	if (!out->name[0])
		snprintf(out->name, sizeof(out->name), "%s", name ?: "");
	json_object_put(r);
	return 0;
}

int arenad_client_free(struct arenad_client *c, __u64 addr, __u32 *pages)
{
	json_object *p = json_object_new_object(), *r;
	int ret;

	json_object_object_add(p, "addr", proto_addr_new(addr));
	ret = arenad_client_call(c, "free", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	if (pages)
		*pages = proto_get_u64(r, "pages");
	json_object_put(r);
	return 0;
}

int arenad_client_lookup(struct arenad_client *c, const char *name,
			 struct arenad_alloc *out)
{
	json_object *p = json_object_new_object(), *r;
	int ret;

	json_object_object_add(p, "name", json_object_new_string(name));
	ret = arenad_client_call(c, "lookup", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	alloc_from_json(r, out);
	json_object_put(r);
	return 0;
}

int arenad_client_ranges(struct arenad_client *c, struct arenad_alloc **out,
			 size_t *n)
{
	json_object *r;
	size_t i, len;
	int ret;

	ret = arenad_client_call(c, "ranges", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_is_type(r, json_type_array)) {
		json_object_put(r);
		return local_error(c, -EPROTO, "malformed reply from arenad");
	}
	len = json_object_array_length(r);
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out) {
		json_object_put(r);
		return -ENOMEM;
	}
	for (i = 0; i < len; i++)
		alloc_from_json(json_object_array_get_idx(r, i), &(*out)[i]);
	*n = len;
	json_object_put(r);
	return 0;
}

int arenad_client_owners(struct arenad_client *c, struct arenad_owner_usage **out,
			 size_t *n)
{
	json_object *r, *list, *o;
	size_t i, len;
	int ret;

	ret = arenad_client_call(c, "stats", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(r, "owners", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(r);
		return local_error(c, -EPROTO, "malformed reply from arenad");
	}
	len = json_object_array_length(list);
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out) {
		json_object_put(r);
		return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(list, i);
		(*out)[i].pages = proto_get_u64(o, "pages");
		(*out)[i].allocations = proto_get_u64(o, "allocations");
		get_str(o, "owner", (*out)[i].owner, sizeof((*out)[i].owner));
	}
	*n = len;
	json_object_put(r);
	return 0;
}
