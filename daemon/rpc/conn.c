// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A client connection (conn.h): requests are lines read into a bounded
 * buffer; each is answered before the next is read, so a client that does
 * not read its replies only stalls itself. What the connection is doing
 * is its state, changed by conn_enter() only, which also decides what the
 * epoll set watches for.
 *
 * Logging: the functions here return -errno and conn_settle() drops the
 * client, logging it once at debug level (log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "conn.h"
#include "json_out.h"
#include "log.h"
#include "util.h"

#define READ_CHUNK		16384
/* A streamed reply is produced this much at a time, as the client reads. */
#define STREAM_CHUNK		(64 * 1024)

static const char *const state_names[_CONN_STATE_MAX] = {
	[CONN_READING] = "reading",
	[CONN_WRITING] = "writing",
	[CONN_STREAMING] = "streaming",
	[CONN_WAITING] = "waiting",
	[CONN_PARKED] = "parked",
	[CONN_SUBSCRIBED] = "subscribed",
};

const char *conn_state_to_string(enum conn_state s)
{
	return s < _CONN_STATE_MAX ? state_names[s] : NULL;
}

/* What each state waits for. While an answer is due later only a hang-up
 * is of interest (epoll reports EPOLLHUP/EPOLLERR whatever the mask). */
static const uint32_t state_events[_CONN_STATE_MAX] = {
	[CONN_READING] = EPOLLIN,
	[CONN_WRITING] = EPOLLOUT,
	[CONN_STREAMING] = EPOLLOUT,
	[CONN_WAITING] = 0,
	[CONN_PARKED] = 0,
	[CONN_SUBSCRIBED] = EPOLLIN,	/* and EPOLLOUT while notifications wait */
};

/* The transitions conn.h draws; any other is a bug. */
static bool transition_ok(enum conn_state from, enum conn_state to)
{
	switch (from) {
	case CONN_READING:
	case CONN_WAITING:
		return true;
	case CONN_WRITING:
		return to == CONN_READING;
	case CONN_STREAMING:
		return to == CONN_WRITING;
	case CONN_PARKED:
		return to == CONN_READING;
	case CONN_SUBSCRIBED:
		return false;	/* it ends when the connection does */
	default:
		return false;
	}
}

/* The one place a connection's state changes. */
static void conn_enter(struct conn *c, enum conn_state to)
{
	if (!transition_ok(c->state, to))
		log_debug("connection of pid %d: unexpected %s -> %s", c->peer.pid,
			  conn_state_to_string(c->state), conn_state_to_string(to));
	c->state = to;
}

/* Watch for what the state waits for (once per wake-up, not per change). */
static int conn_update_events(struct conn *c)
{
	uint32_t want = state_events[c->state];
	struct epoll_event ev;

	if (c->state == CONN_SUBSCRIBED) {
		/* Input only for its end (a hang-up is reported anyway). */
		if (c->eof)
			want = 0;
		if (c->out_len > c->out_off)
			want |= EPOLLOUT;
	}
	if (want == c->events)
		return 0;
	ev = (struct epoll_event) { .events = want, .data.ptr = c };
	if (epoll_ctl(c->srv->conn_epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->events = want;
	return 0;
}

__u64 conn_held(const struct conn *c)
{
	return c->out_len - c->out_off + c->stream.held +
	       (c->waiting ? rpc_call_held(c->waiting) : 0);
}

/* For rpc.c, only when a heavy method is asked for. */
static bool conn_over_budget(void *userdata)
{
	struct conn *c = userdata;

	return server_held(c->srv) > c->srv->opts.reply_budget;
}

static void conn_answered(void *userdata, struct rpc_answer *a);

static void conn_hold(void *userdata)
{
	struct conn *c = userdata;

	c->holds = true;
}

static const struct rpc_link_ops conn_link_ops = {
	.over_budget = conn_over_budget,
	.answered = conn_answered,
	.can_subscribe = true,
	.hold = conn_hold,
};

/* The reply goes out as text; a stream's head goes on without a newline. */
static void conn_send(struct conn *c, char *text, size_t len, enum conn_state next)
{
	free(c->out);
	if (next != CONN_STREAMING)
		text[len++] = '\n';	/* over the answer's NUL */
	c->out = text;
	c->out_len = len;
	c->out_off = 0;
	conn_enter(c, next);
}

/* Take a call's answer (in READING or WAITING): what the connection does
 * next. */
static int conn_take(struct conn *c, struct rpc_answer *a)
{
	size_t n;
	char *p;

	switch (a->kind) {
	case RPC_ANSWER_NONE:
		conn_enter(c, CONN_READING);
		return 0;
	case RPC_ANSWER_OOM:
		n = strlen(rpc_oom_line);
		p = malloc(n + 1);
		if (!p)
			return -ENOMEM;
		memcpy(p, rpc_oom_line, n + 1);
		conn_send(c, p, n, CONN_WRITING);
		return 0;
	case RPC_ANSWER_RETRY:
		conn_enter(c, CONN_PARKED);
		return 0;
	case RPC_ANSWER_LATER:
		c->waiting = TAKE_PTR(a->call);
		conn_enter(c, CONN_WAITING);
		return 0;
	case RPC_ANSWER_STREAM:
		c->stream = a->stream;
		a->stream = (struct rpc_stream) {};
		conn_send(c, TAKE_PTR(a->text), a->len, CONN_STREAMING);
		return 0;
	case RPC_ANSWER_LINE:
		conn_send(c, TAKE_PTR(a->text), a->len, CONN_WRITING);
		return 0;
	case RPC_ANSWER_SUBSCRIBED:
		c->sub = a->sub;
		a->sub = (struct rpc_sub) {};
		conn_send(c, TAKE_PTR(a->text), a->len, CONN_SUBSCRIBED);
		c->out_size = c->out_len;
		return 0;
	}
	return -EINVAL;
}

/* The next part of a streamed reply, once the client has read the last. */
static int conn_fill(struct conn *c)
{
	struct json_buf b = {};
	int r;

	r = rpc_stream_fill(&c->stream, &b, STREAM_CHUNK);
	if (r == 0) {
		r = json_buf_put(&b, "\n", 1);
		rpc_stream_done(&c->stream);
		conn_enter(c, CONN_WRITING);	/* the last slice */
	}
	if (r < 0) {
		/* Half a reply is out: the connection cannot go on. */
		free(b.data);
		return r;
	}
	c->out = b.data;
	c->out_len = b.len;
	c->out_off = 0;
	return 0;
}

/* A line over ARENAD_MAX_REQUEST: one error reply, then hang up. */
static int refuse_long_line(struct conn *c)
{
	struct rpc_answer a;
	int r;

	/* Answer once, then hang up: the rest of the stream cannot be
	 * re-synchronised. */
	rpc_error_answer(ARENAD_RPC_INVALID_REQUEST,
			 "invalid request: line longer than 65536 bytes", &a);
	log_debug("dropping pid %d: request line too long", c->peer.pid);
	c->in_len = 0;
	c->eof = true;
	r = conn_take(c, &a);
	rpc_answer_done(&a);
	return r;
}

/* Answer one request line of len bytes (its newline and any CR removed). */
static int conn_handle(struct conn *c, const char *line, size_t len)
{
	struct rpc_answer a;
	int r;

	if (!len)
		return 0;
	/* A whole line may arrive in the read that crosses the limit: the
	 * limit is on the line, not on what is left buffered. */
	if (len > ARENAD_MAX_REQUEST)
		return refuse_long_line(c);
	rpc_handle_line(c->srv->table, &c->peer, &c->link, line, len, &a);
	r = conn_take(c, &a);
	rpc_answer_done(&a);
	return r;
}

/* Handle the complete lines in the input buffer while nothing is owed. */
static int conn_process(struct conn *c)
{
	size_t start = 0, len;
	char *nl;
	int r;

	while (c->state == CONN_READING &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		len = nl - (c->in + start);
		if (len && c->in[start + len - 1] == '\r')	/* tolerate CRLF */
			len--;
		r = conn_handle(c, c->in + start, len);
		if (r < 0 || c->eof)
			return r;
		if (c->state == CONN_PARKED)	/* keep the line for server_resume() */
			break;
		start = nl - c->in + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;

	/* What is buffered is the start of one line. It may hold the whole
	 * limit plus the CR of a CRLF whose LF is still to come: how the
	 * reads split a line must not change the verdict. */
	if (c->state == CONN_READING && c->in_len > ARENAD_MAX_REQUEST &&
	    !(c->in_len == ARENAD_MAX_REQUEST + 1 && c->in[ARENAD_MAX_REQUEST] == '\r'))
		return refuse_long_line(c);
	return 0;
}

/* End of input: a final line without a newline is still a request. It is
 * answered, and then the connection closes. */
static int conn_eof(struct conn *c)
{
	size_t len = c->in_len;
	int r;

	c->eof = true;
	if (c->state != CONN_READING)
		return 0;	/* closes once the answer is out */
	if (!len)
		return -ECONNRESET;
	if (c->in[len - 1] == '\r')
		len--;
	r = conn_handle(c, c->in, len);
	if (c->state == CONN_PARKED)	/* server_resume() hands it in again */
		return 0;
	c->in_len = 0;
	if (r >= 0 && c->state == CONN_READING)
		r = -ECONNRESET;	/* nothing is owed (a notification) */
	return r;
}

/*
 * Take the bytes conn_read() peeked out of the socket, once their replies
 * are sent. Freeing a client's request in the socket wakes that client if
 * it sleeps in read(): the kernel tells it there is room to write again
 * (unix_write_space()), and a blocking read waits for any wake-up. Read
 * before the reply is sent, that wake-up is one the client does not need,
 * and it often lands on an idle CPU, an IPI; after the send, the reply has
 * already woken it. A reply due later (a kept or parked request) keeps
 * the request in the socket until then. The price is this recv() per
 * read; the wake-ups it saves cost more (bench/README.md).
 */
static int conn_consume(struct conn *c)
{
	static char sink[READ_CHUNK];	/* the bytes are in c->in already */
	ssize_t n;

	while (c->unread) {
		n = recv(c->fd, sink, c->unread, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* they were there: the socket broke */
			return n < 0 ? -errno : -ECONNRESET;
		c->unread -= n;
	}
	return 0;
}

/* A subscriber's input: nothing is asked of it any more. Its end
 * leaves the stream going (a client that shut down its writing still
 * reads); the hang-up that follows a close ends the connection. */
static int conn_drain(struct conn *c)
{
	static char sink[READ_CHUNK];
	ssize_t n;

	n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		c->eof = true;
	return 0;
}

static int conn_read(struct conn *c)
{
	ssize_t n;
	char *buf;
	int r;

	if (c->state == CONN_SUBSCRIBED)
		return conn_drain(c);

	/* A peek starts at the socket's first byte: take what was peeked
	 * before, or it would be read twice. */
	r = conn_consume(c);
	if (r < 0)
		return r;

	/* Room for a chunk, and not much more once a long line is gone. */
	if (c->in_size < c->in_len + READ_CHUNK || c->in_size > c->in_len + 2 * READ_CHUNK) {
		buf = realloc(c->in, c->in_len + READ_CHUNK);
		if (!buf)
			return -ENOMEM;
		c->in = buf;
		c->in_size = c->in_len + READ_CHUNK;
	}
	n = recv(c->fd, c->in + c->in_len, READ_CHUNK, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return conn_eof(c);
	c->in_len += n;
	c->unread = n;
	return conn_process(c);
}

static int conn_write(struct conn *c)
{
	unsigned int fills = 0;
	ssize_t n;
	int r;

	for (;;) {
		if (c->out_off == c->out_len) {
			free(c->out);
			c->out = NULL;
			c->out_len = c->out_off = c->out_size = 0;
			if (c->state == CONN_SUBSCRIBED)
				return 0;	/* until the next notification */
			if (c->state != CONN_STREAMING)
				break;
			/* A few slices per wake-up, then the other clients. */
			if (fills++ == 4)
				return 0;
			r = conn_fill(c);
			if (r < 0)
				return r;
		}
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->out_off += n;
		if (c->out_off < c->out_len)
			return 0;
	}
	if (c->eof)
		return -ECONNRESET;
	conn_enter(c, CONN_READING);
	/* Requests may have piled up behind the reply. */
	return conn_process(c);
}

/* After handling: write what is due, watch for what comes next, or drop
 * the client when r < 0. */
static void conn_settle(struct conn *c, int r)
{
	if (r >= 0 && (c->state == CONN_WRITING || c->state == CONN_STREAMING ||
		       c->state == CONN_SUBSCRIBED))
		r = conn_write(c);	/* most replies fit the socket buffer */
	/* Not while a reply is due later (the client sleeps until then), but
	 * before a hang-up: closing with unread bytes in the socket would end
	 * the client's stream with ECONNRESET instead of EOF. */
	if (r < 0)
		(void)conn_consume(c);
	else if (c->state != CONN_WAITING && c->state != CONN_PARKED)
		r = conn_consume(c);
	if (r >= 0)
		r = conn_update_events(c);
	if (r < 0) {
		if (r != -ECONNRESET && r != -EPIPE)
			log_debug_errno(r, "client pid %d dropped", c->peer.pid);
		conn_free(c);
	}
}

void conn_io(struct conn *c, uint32_t revents)
{
	uint64_t now;
	int r = 0;

	/* For the idle timeout, the loop's wake-up time is exact enough and
	 * costs no clock read per request. */
	if (sd_event_now(c->srv->e, CLOCK_MONOTONIC, &now) < 0)
		now = now_usec(CLOCK_MONOTONIC);
	c->last_usec = now;

	if (revents & EPOLLOUT)
		r = conn_write(c);
	else if (c->state == CONN_SUBSCRIBED && c->eof && (revents & (EPOLLHUP | EPOLLERR)))
		r = -ECONNRESET;	/* the subscriber hung up */
	else if (revents & EPOLLIN)
		r = conn_read(c);
	else if (revents & (EPOLLHUP | EPOLLERR))
		r = -ECONNRESET;
	conn_settle(c, r);
}

/* A kept call was answered (rpc_call.h). */
static void conn_answered(void *userdata, struct rpc_answer *a)
{
	struct conn *c = userdata;
	int r;

	c->waiting = NULL;
	c->last_usec = now_usec(CLOCK_MONOTONIC);
	r = conn_take(c, a);
	/* Requests that arrived meanwhile are still buffered. */
	if (r >= 0 && c->state == CONN_READING)
		r = conn_process(c);
	conn_settle(c, r);
}

/* The notice that precedes the first notification after drops. */
#define DROPPED_FMT "{\"jsonrpc\":\"2.0\",\"method\":\"dropped\",\"params\":{\"count\":%llu}}\n"

void conn_notify(struct conn *c, const char *line, size_t len)
{
	size_t pending, need, dlen = 0, want;
	char drop[128], *buf;

	if (c->state != CONN_SUBSCRIBED)
		return;
	if (c->dropped)
		dlen = snprintf(drop, sizeof(drop), DROPPED_FMT, (unsigned long long)c->dropped);
	pending = c->out_len - c->out_off;
	need = dlen + len + 1;
	/* The bound is on what waits here; the socket buffer in front of it
	 * is the kernel's, bounded by the socket's send buffer. */
	if (pending + need > c->sub.queue_limit)
		goto drop;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	if (c->out_size < c->out_len + need) {
		/* Doubling, up to the limit: a burst does not realloc per line. */
		want = 2 * c->out_size < c->sub.queue_limit ? 2 * c->out_size : c->sub.queue_limit;
		if (want < c->out_len + need)
			want = c->out_len + need;
		buf = realloc(c->out, want);
		if (!buf)
			goto drop;
		c->out = buf;
		c->out_size = want;
	}
	memcpy(c->out + c->out_len, drop, dlen);
	memcpy(c->out + c->out_len + dlen, line, len);
	c->out[c->out_len + dlen + len] = '\n';
	c->out_len += need;
	c->dropped = 0;
	c->srv->notify_sent++;
	conn_settle(c, conn_write(c));
	return;
drop:
	c->dropped++;
	c->dropped_total++;
	c->srv->notify_dropped++;
}

void conn_resume(struct conn *c)
{
	if (c->state != CONN_PARKED)
		return;
	conn_enter(c, CONN_READING);
	conn_settle(c, c->eof ? conn_eof(c) : conn_process(c));
}

int conn_new(struct server *s, int fd, const struct rpc_peer *peer)
{
	struct conn *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->peer = *peer;
	c->link = (struct rpc_link) { .ops = &conn_link_ops, .userdata = c };
	c->last_usec = now_usec(CLOCK_MONOTONIC);
	c->state = CONN_READING;
	c->events = EPOLLIN;
	if (epoll_ctl(s->conn_epfd, EPOLL_CTL_ADD, fd,
		      &(struct epoll_event) { .events = EPOLLIN, .data.ptr = c }) < 0) {
		free(c);
		return -errno;
	}
	c->fd = fd;
	c->next = s->conns;
	if (c->next)
		c->next->prev = c;
	s->conns = c;
	s->n_conns++;
	return 0;
}

struct conn *conn_free(struct conn *c)
{
	struct server *s;

	if (!c)
		return NULL;
	s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	if (c->waiting)
		rpc_call_detach(c->waiting);	/* its answer goes nowhere */
	safe_close(c->fd);		/* leaves the epoll set with it */
	free(c->in);
	free(c->out);
	rpc_stream_done(&c->stream);
	rpc_sub_done(&c->sub);
	if (c->holds && s->opts.closed)
		s->opts.closed(c->peer.conn_id, s->opts.closed_userdata);
	free(c);
	server_conn_closed(s);
	return NULL;
}
