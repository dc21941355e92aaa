// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Non-blocking line server on sd-event. Every connection has a bounded
 * input buffer and at most one pending reply: while a reply is unsent the
 * connection is not read, so a client that does not read its replies only
 * stalls itself, and a client that sends nothing costs one idle fd.
 *
 * The connections sit in an epoll set of the server's own, which sd-event
 * watches as one source: one wake-up then serves every connection that is
 * ready, where one sd-event source per connection would cost a loop
 * iteration (and an epoll_wait) per request.
 *
 * Logging: server_new() and what it calls log their failures (start-up);
 * the per-connection functions (conn_*) return -errno and conn_io() drops
 * the client, logging it once at debug level; on_accept() logs a refused
 * client as a warning because no one else will (log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "cleanup.h"
#include "json_out.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define DEFAULT_MAX_CLIENTS	256
#define READ_CHUNK		16384
/* After EMFILE, accept again when a connection closes, or after this. */
#define ACCEPT_RETRY_USEC	(1000 * 1000ULL)
/* Refusals are logged at most this often (the rest are counted). */
#define REFUSAL_LOG_USEC	(10 * 1000 * 1000ULL)
#define EMFILE_LOG_USEC		(60 * 1000 * 1000ULL)
/* A streamed reply is produced this much at a time, as the client reads. */
#define STREAM_CHUNK		(64 * 1024)
#define DEFAULT_REPLY_BUDGET	(64ULL << 20)

struct conn {
	struct server *srv;
	struct conn *prev, *next;
	uint32_t events;		/* what the epoll set watches for */
	int fd;
	struct rpc_peer peer;
	char *in;
	size_t in_len, in_size;
	size_t unread;			/* of in: peeked, still in the socket */
	char *out;
	size_t out_len, out_off;
	bool close_after_write;
	__u64 last_usec;		/* CLOCK_MONOTONIC of the last I/O */
	struct rpc_request request;	/* the line being handled */
	struct server_call *waiting;	/* a deferred reply is due first */
	/* The first buffered line waits for server_resume() (RPC_NOT_YET);
	 * with eof, it is the final line, which had no newline. */
	bool parked, parked_eof;
	struct rpc_stream stream;	/* the rest of a streamed reply */
};

/* A request answered later: it outlives its connection if need be. */
struct server_call {
	struct conn *conn;	/* NULL once the client is gone */
	size_t held;		/* its reply's expected size, for the budget */
	json_object *id;
	bool has_id;
};

struct server {
	sd_event *e;
	int conn_epfd;			/* every connection, see the top */
	sd_event_source *conn_src;
	sd_event_source *listen_src;
	int listen_fd;
	bool activated;
	char *path;			/* unlinked on free when we created it */
	const struct rpc_table *table;
	struct server_opts opts;	/* its strings and arrays are the caller's */
	struct conn *conns;
	unsigned int n_conns;
	sd_event_source *idle_timer;	/* closes idle connections */
	sd_event_source *retry_timer;	/* accepts again after EMFILE */
	bool accept_paused;
	__u64 refusal_logged_usec;
	unsigned long refusals_unlogged;
	__u64 emfile_logged_usec;
};

static void accept_resume(struct server *s);

static struct conn *conn_free(struct conn *c)
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
		c->waiting->conn = NULL;	/* server_finish() drops the reply */
	safe_close(c->fd);		/* leaves the epoll set with it */
	free(c->in);
	free(c->out);
	rpc_stream_done(&c->stream);
	free(c);
	/* An fd is free again: if accept() ran out of them, try again. */
	accept_resume(s);
	return NULL;
}

static bool id_in(const unsigned int *ids, unsigned int n, unsigned int id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* alloc/free: root, an allowed uid, or a member of an allowed group. */
static bool peer_may_write(struct server *s, int fd, const struct ucred *cred)
{
	gid_t groups[NGROUPS_MAX];
	socklen_t len = sizeof(groups);
	unsigned int i, n;

	if (cred->uid == 0 || id_in(s->opts.allow_uids, s->opts.n_allow_uids, cred->uid) ||
	    id_in(s->opts.allow_gids, s->opts.n_allow_gids, cred->gid))
		return true;
	if (!s->opts.n_allow_gids)
		return false;
	/* Supplementary groups, as the kernel saw them at connect(). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	n = len / sizeof(gid_t);
	for (i = 0; i < n; i++)
		if (id_in(s->opts.allow_gids, s->opts.n_allow_gids, groups[i]))
			return true;
	return false;
}

static int conn_update_events(struct conn *c)
{
	/* One reply in flight at a time: write it out before reading more.
	 * While a deferred reply is due, only a hang-up is of interest
	 * (epoll reports EPOLLHUP/EPOLLERR whatever the mask). */
	uint32_t want = c->out_len || c->stream.next ? EPOLLOUT :
			c->waiting || c->parked ? 0 : EPOLLIN;
	struct epoll_event ev = { .events = want, .data.ptr = c };

	if (want == c->events)
		return 0;
	if (epoll_ctl(c->srv->conn_epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->events = want;
	return 0;
}

static int conn_queue(struct conn *c, const char *reply, size_t len)
{
	bool newline = !c->stream.next;	/* a stream's head goes on */
	char *buf;

	buf = realloc(c->out, c->out_len + len + newline);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + c->out_len, reply, len);
	if (newline)
		buf[c->out_len + len] = '\n';
	c->out = buf;
	c->out_len += len + newline;
	return 0;
}

/* Memory held for replies not yet read, over all connections. */
static __u64 server_held(const struct server *s)
{
	const struct conn *c;
	__u64 held = 0;

	for (c = s->conns; c; c = c->next)
		held += c->out_len - c->out_off + c->stream.held +
			(c->waiting ? c->waiting->held : 0);
	return held;
}

static struct conn *conn_of(const struct rpc_peer *peer)
{
	return (struct conn *)((char *)peer - offsetof(struct conn, peer));
}

/* For rpc.c, only when a heavy method is asked for. */
static bool peer_over_budget(const struct rpc_peer *peer)
{
	struct server *s = conn_of(peer)->srv;

	return server_held(s) > s->opts.reply_budget;
}

/* The next part of a streamed reply, once the client has read the last. */
static int conn_fill(struct conn *c)
{
	struct json_buf b = {};
	int r = 1;

	while (r > 0 && b.len < STREAM_CHUNK)
		r = c->stream.next(c->stream.state, &b);
	if (r == 0) {
		r = json_buf_put(&b, c->stream.tail, c->stream.tail_len);
		if (r >= 0)
			r = json_buf_put(&b, "\n", 1);
		rpc_stream_done(&c->stream);
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

/* Queue what rpc_handle_line() or rpc_error_line() returned (r, reply). */
static int conn_queue_reply(struct conn *c, int r, char *reply, size_t len)
{
	if (r == -ENOMEM)
		return conn_queue(c, rpc_oom_line, strlen(rpc_oom_line));
	if (!reply)
		return 0;
	if (!c->out_len) {
		/* The usual case: the reply becomes the output buffer, its
		 * NUL the newline (a stream's head goes on without one). */
		free(c->out);
		if (!c->stream.next)
			reply[len++] = '\n';
		c->out = reply;
		c->out_len = len;
		c->out_off = 0;
		return 0;
	}
	r = conn_queue(c, reply, len);
	free(reply);
	return r;
}

/* A line over ARENAD_MAX_REQUEST: one error reply, then hang up. */
static int refuse_long_line(struct conn *c)
{
	size_t len = 0;
	char *reply;
	int r;

	/* Answer once, then hang up: the rest of the stream cannot be
	 * re-synchronised. */
	r = rpc_error_line(ARENAD_RPC_INVALID_REQUEST,
			   "invalid request: line longer than 65536 bytes", &reply, &len);
	log_debug("dropping pid %d: request line too long", c->peer.pid);
	c->in_len = 0;
	c->close_after_write = true;
	return conn_queue_reply(c, r, reply, len);
}

/* Answer one request line of len bytes (its newline and any CR removed). */
static int conn_handle(struct conn *c, const char *line, size_t len)
{
	size_t reply_len = 0;
	char *reply;
	int r;

	if (!len)
		return 0;
	/* A whole line may arrive in the read that crosses the limit: the
	 * limit is on the line, not on what is left buffered. */
	if (len > ARENAD_MAX_REQUEST)
		return refuse_long_line(c);
	r = rpc_handle_line(c->srv->table, &c->peer, line, len, &reply, &reply_len, &c->stream);
	if (r == RPC_NOT_YET) {
		c->parked = true;
		return 0;
	}
	return conn_queue_reply(c, r, reply, reply_len);
}

/* Handle every complete line in the input buffer. */
static int conn_process(struct conn *c)
{
	size_t start = 0, len;
	char *nl;
	int r;

	while (!c->out_len && !c->waiting && !c->parked && !c->stream.next &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		len = nl - (c->in + start);
		if (len && c->in[start + len - 1] == '\r')	/* tolerate CRLF */
			len--;
		r = conn_handle(c, c->in + start, len);
		if (r || c->close_after_write)
			return r;
		if (c->parked)		/* keep the line for server_resume() */
			break;
		start = nl - c->in + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;

	/* What is buffered is the start of one line. It may hold the whole
	 * limit plus the CR of a CRLF whose LF is still to come: how the
	 * reads split a line must not change the verdict. */
	if (c->in_len > ARENAD_MAX_REQUEST &&
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

	c->close_after_write = true;
	if (c->out_len || c->stream.next || c->parked || !len)
		return c->out_len || c->stream.next || c->parked ? 0 : -ECONNRESET;
	if (c->in[len - 1] == '\r')
		len--;
	r = conn_handle(c, c->in, len);
	if (c->parked) {
		c->parked_eof = true;
		return 0;
	}
	c->in_len = 0;
	if (r >= 0 && !c->out_len && !c->waiting && !c->stream.next)
		r = -ECONNRESET;
	return r;
}

/*
 * Take the bytes conn_read() peeked out of the socket, once their replies
 * are sent. Freeing a client's request in the socket wakes that client if
 * it sleeps in read(): the kernel tells it there is room to write again
 * (unix_write_space()), and a blocking read waits for any wake-up. Read
 * before the reply is sent, that wake-up is one the client does not need,
 * and it often lands on an idle CPU, an IPI; after the send, the reply has
 * already woken it. A reply due later (a deferred or parked request) keeps
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

static int conn_read(struct conn *c)
{
	ssize_t n;
	char *buf;
	int r;

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
			c->out_len = c->out_off = 0;
			if (!c->stream.next)
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
	if (c->close_after_write)
		return -ECONNRESET;
	/* Requests may have piled up behind the reply. */
	return conn_process(c);
}

/* After handling: write what is due, watch for what comes next, or drop
 * the client when r < 0. */
static void conn_settle(struct conn *c, int r)
{
	if (r >= 0 && (c->out_len || c->stream.next))
		r = conn_write(c);	/* most replies fit the socket buffer */
	/* Not while a reply is due later (the client sleeps until then), but
	 * before a hang-up: closing with unread bytes in the socket would end
	 * the client's stream with ECONNRESET instead of EOF. */
	if (r < 0)
		(void)conn_consume(c);
	else if (!c->waiting && !c->parked)
		r = conn_consume(c);
	if (r >= 0)
		r = conn_update_events(c);
	if (r < 0) {
		if (r != -ECONNRESET && r != -EPIPE)
			log_debug_errno(r, "client pid %d dropped", c->peer.pid);
		conn_free(c);
	}
}

static void conn_io(struct conn *c, uint32_t revents)
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
	else if (revents & EPOLLIN)
		r = conn_read(c);
	else if (revents & (EPOLLHUP | EPOLLERR))
		r = -ECONNRESET;
	conn_settle(c, r);
}

/*
 * Serve every ready connection. A connection frees only itself, so the
 * events still to handle stay valid.
 *
 * Then look again: with several clients, the next requests have often
 * arrived while this batch was served, and one more epoll_wait here is
 * cheaper than a turn of the event loop (its epoll_wait, then this one).
 * A lone client is still waiting for its reply: no second look then. A
 * few rounds at most, so that timers, signals and new connections keep
 * their turn.
 */
#define CONN_ROUNDS 4

static int on_conns(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct server *s = userdata;
	struct epoll_event ev[64];
	int i, n, round = 0;

	/* A lone connection waiting for I/O is the one that is ready: serve
	 * it for what it waits for, without asking the set (a syscall less
	 * per request for a client calling in a loop). The loop's epoll
	 * re-checks the set's ready list each time it looks, so it reports
	 * the set only while the connection is really ready; a read or write
	 * that finds nothing is harmless. A paused one (events 0) may be
	 * here for a hang-up only, which the set tells. */
	if (s->n_conns == 1 && s->conns->events) {
		conn_io(s->conns, s->conns->events);
		return 0;
	}
	do {
		n = epoll_wait(s->conn_epfd, ev, 64, 0);
		for (i = 0; i < n; i++)
			conn_io(ev[i].data.ptr, ev[i].events);
	} while (n > 0 && s->n_conns > 1 && ++round < CONN_ROUNDS);
	return 0;
}

/*
 * Refusals are logged at most once per REFUSAL_LOG_USEC with a count of
 * those not logged: a connect loop must not fill the journal.
 */
static void log_refusal(struct server *s, const struct ucred *cred, const char *why)
{
	__u64 now = now_usec(CLOCK_MONOTONIC);

	if (s->refusal_logged_usec && now - s->refusal_logged_usec < REFUSAL_LOG_USEC) {
		s->refusals_unlogged++;
		return;
	}
	log_warning("refusing client pid %d uid %u: %s%s", cred->pid, cred->uid, why,
		    s->refusals_unlogged ? " (and more refusals since the last message)" : "");
	if (s->refusals_unlogged)
		log_warning("%lu refusals not logged in the last %llu s", s->refusals_unlogged,
			    (unsigned long long)((now - s->refusal_logged_usec) / 1000000));
	s->refusal_logged_usec = now;
	s->refusals_unlogged = 0;
}

/* Tell a refused client why in one JSON-RPC error line, then close. The
 * socket buffer of a new connection is empty: one non-blocking send fits. */
static void refuse(struct server *s, int fd, const struct ucred *cred, const char *why)
{
	char msg[160];
	size_t len = 0;
	char *line = NULL;
	int r;

	snprintf(msg, sizeof(msg), "connection refused: %s", why);
	r = rpc_error_line(ARENAD_ERR_UNAVAILABLE, msg, &line, &len);
	if (r >= 0 && line) {
		line[len] = '\n';	/* over the C string's NUL */
		(void)!send(fd, line, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		(void)!send(fd, rpc_oom_line, strlen(rpc_oom_line), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	free(line);
	log_refusal(s, cred, why);
}

/*
 * The shape of sd-varlink's limits: every uid has a share of the
 * connections, and peers that may write (root, --allow-uid/--allow-gid)
 * are not held to it and have a reserve that others cannot take. So no
 * group of readers can lock root or the writers out.
 */
static const char *over_limit(struct server *s, const struct rpc_peer *p, char *buf, size_t len)
{
	unsigned int reserve = s->opts.max_clients / 4, n_unpriv = 0, n_uid = 0;
	struct conn *c;

	if (s->n_conns >= s->opts.max_clients) {
		snprintf(buf, len, "%u connections open, the most this daemon takes", s->n_conns);
		return buf;
	}
	if (p->may_write)
		return NULL;
	for (c = s->conns; c; c = c->next) {
		if (!c->peer.may_write)
			n_unpriv++;
		if (c->peer.uid == p->uid)
			n_uid++;
	}
	if (n_uid >= s->opts.max_clients_per_uid) {
		snprintf(buf, len, "uid %u has %u connections open, the most one uid may have",
			 p->uid, n_uid);
		return buf;
	}
	if (n_unpriv >= s->opts.max_clients - reserve) {
		snprintf(buf, len, "%u connections open; the rest are kept for writers", s->n_conns);
		return buf;
	}
	return NULL;
}

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	accept_resume(userdata);
	return 0;
}

/* Out of fds: stop watching the listening socket (it would fire at once,
 * again and again) until a connection closes or a second has passed. */
static void accept_pause(struct server *s, int err)
{
	uint64_t now;

	if (s->accept_paused)
		return;
	/* Once per episode, and then no more than once a minute: at the fd
	 * limit with connections coming and going, episodes are frequent. */
	if (!s->emfile_logged_usec || now_usec(CLOCK_MONOTONIC) - s->emfile_logged_usec > EMFILE_LOG_USEC) {
		log_warning_errno(err, "accept: pausing new connections until one closes");
		s->emfile_logged_usec = now_usec(CLOCK_MONOTONIC);
	}
	s->accept_paused = true;
	sd_event_source_set_enabled(s->listen_src, SD_EVENT_OFF);
	sd_event_now(s->e, CLOCK_MONOTONIC, &now);
	if (s->retry_timer) {
		sd_event_source_set_time(s->retry_timer, now + ACCEPT_RETRY_USEC);
		sd_event_source_set_enabled(s->retry_timer, SD_EVENT_ONESHOT);
	} else if (sd_event_add_time(s->e, &s->retry_timer, CLOCK_MONOTONIC,
				     now + ACCEPT_RETRY_USEC, 0, on_retry, s) < 0) {
		/* Without the timer, only a closing connection resumes. */
		s->retry_timer = NULL;
	}
}

static void accept_resume(struct server *s)
{
	if (!s->accept_paused || !s->listen_src)
		return;
	s->accept_paused = false;
	sd_event_source_set_enabled(s->listen_src, SD_EVENT_ON);
	if (s->retry_timer)
		sd_event_source_set_enabled(s->retry_timer, SD_EVENT_OFF);
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct server *s = userdata;
	_cleanup_close_ int cfd = -1;
	_cleanup_free_ struct conn *c = NULL;
	struct rpc_peer peer;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	const char *why;
	char buf[128];

	/* Every failure here drops one client, not the daemon: 0 throughout. */
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_pause(s, -errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warning_errno(-errno, "accept");
		return 0;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		log_warning_errno(-errno, "SO_PEERCRED");
		return 0;
	}
	peer = (struct rpc_peer) {
		.pid = cred.pid,
		.uid = cred.uid,
		.gid = cred.gid,
		.may_write = peer_may_write(s, cfd, &cred),
	};
	why = over_limit(s, &peer, buf, sizeof(buf));
	if (why) {
		refuse(s, cfd, &cred, why);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		refuse(s, cfd, &cred, "out of memory");
		return 0;
	}
	c->srv = s;
	c->peer = peer;
	c->peer.request = &c->request;
	c->peer.over_budget = peer_over_budget;
	c->last_usec = now_usec(CLOCK_MONOTONIC);
	c->events = EPOLLIN;
	if (epoll_ctl(s->conn_epfd, EPOLL_CTL_ADD, cfd,
		      &(struct epoll_event) { .events = EPOLLIN, .data.ptr = c }) < 0) {
		log_warning_errno(-errno, "watch client");
		return 0;
	}
	c->fd = TAKE_FD(cfd);
	c->next = s->conns;
	if (c->next)
		c->next->prev = c;
	s->conns = TAKE_PTR(c);
	s->n_conns++;
	return 0;
}

/*
 * Close connections that have had nothing in flight (no unsent reply) and
 * no traffic for the idle timeout: a silent or half-sent connection must
 * not hold a slot for ever. Runs every quarter of the timeout.
 */
static int on_idle_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct server *s = userdata;
	__u64 timeout = (__u64)s->opts.idle_timeout_s * 1000000, now = now_usec(CLOCK_MONOTONIC);
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (!c->out_len && !c->waiting && !c->parked && !c->stream.next &&
		    now - c->last_usec >= timeout) {
			log_debug("closing idle connection of pid %d uid %u", c->peer.pid, c->peer.uid);
			conn_free(c);
		}
	}
	sd_event_source_set_time(src, usec + timeout / 4);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	return 0;
}

struct server_call *server_defer(const struct rpc_peer *peer)
{
	struct conn *c;
	struct server_call *call;

	if (!peer->request)
		return NULL;
	c = conn_of(peer);
	call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	call->conn = c;
	call->id = json_object_get(peer->request->id);
	call->has_id = peer->request->has_id;
	c->waiting = call;
	return call;
}

void server_call_hold(struct server_call *call, size_t bytes)
{
	call->held = bytes;
}

/* Queue the deferred reply (r, reply, len as conn_queue_reply) and free
 * call; a client that hung up meanwhile gets nothing. */
static void call_done(struct server_call *call, int r, char *reply, size_t len)
{
	struct conn *c = call->conn;

	json_object_put(call->id);
	free(call);
	if (!c) {
		free(reply);
		return;
	}
	c->waiting = NULL;
	c->last_usec = now_usec(CLOCK_MONOTONIC);
	r = conn_queue_reply(c, r, reply, len);
	/* Requests that arrived meanwhile are still buffered. */
	if (r >= 0 && !c->out_len && !c->stream.next)
		r = conn_process(c);
	conn_settle(c, r);
}

void server_finish(struct server_call *call, json_object *result, const struct rpc_error *err)
{
	char *reply = NULL;
	size_t len = 0;
	int r = 0;

	if (call->conn && call->has_id)
		r = rpc_reply_line(call->id, TAKE_PTR(result), err, &reply, &len);
	json_object_put(result);
	call_done(call, r, reply, len);
}

void server_finish_stream(struct server_call *call, struct rpc_stream *st)
{
	char *reply = NULL;
	size_t len = 0;
	int r = 0;

	if (call->conn && call->has_id)
		r = rpc_stream_head(call->id, st, &call->conn->stream, &reply, &len);
	else
		rpc_stream_done(st);
	call_done(call, r, reply, len);
}

void server_resume(struct server *s)
{
	struct conn *c, *next;
	int r;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (!c->parked)
			continue;
		c->parked = false;
		if (c->parked_eof) {
			c->parked_eof = false;
			r = conn_eof(c);
		} else {
			r = conn_process(c);
		}
		conn_settle(c, r);
	}
}

/* A stale socket file is removed; a live one means another daemon. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		return log_error_errno(-errno, "stat %s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return log_error_errno(-EEXIST, "%s exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(-errno, "socket");
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return log_error_errno(-EADDRINUSE, "%s: another arenad is listening", path);
	if (unlink(path) && errno != ENOENT)
		return log_error_errno(-errno, "remove stale %s", path);
	return 0;
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return log_error_errno(-ENAMETOOLONG, "socket path %s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return log_error_errno(-errno, "create %s", dir);
	return 0;
}

static int listen_own(struct server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	mode_t old;
	int r;

	r = make_parent(s->opts.path);
	if (r >= 0)
		r = clear_stale(s->opts.path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(-errno, "socket");
	strncpy(sa.sun_path, s->opts.path, sizeof(sa.sun_path) - 1);
	/* Create the socket file with its final mode: no window in which a
	 * wider mode would let others connect. */
	old = umask(0777 & ~s->opts.mode);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return log_error_errno(-errno, "bind %s", s->opts.path);
	s->path = strdup(s->opts.path);
	if (!s->path) {
		(void)unlink(s->opts.path);
		return log_oom();
	}
	if (s->opts.gid != (gid_t)-1 && chown(s->opts.path, 0, s->opts.gid))
		return log_error_errno(-errno, "chown %s", s->opts.path);
	if (chmod(s->opts.path, s->opts.mode))
		return log_error_errno(-errno, "chmod %s", s->opts.path);
	if (listen(fd, 128))
		return log_error_errno(-errno, "listen %s", s->opts.path);
	s->listen_fd = TAKE_FD(fd);
	return 0;
}

static int listen_activated(struct server *s)
{
	int fd = s->opts.activated_fd;

	if (fd < 0)
		return 0;	/* not activated */
	if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
		return log_error_errno(-EINVAL, "the passed fd is not a listening Unix stream socket");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		return log_error_errno(-errno, "make the passed socket non-blocking");
	s->listen_fd = fd;
	s->activated = true;
	return 1;
}

int server_new(sd_event *e, const struct server_opts *opts,
	       const struct rpc_table *t, struct server **out)
{
	_cleanup_(server_freep) struct server *s = NULL;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return log_oom();
	s->e = e;
	s->listen_fd = -1;
	s->conn_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->conn_epfd < 0)
		return log_error_errno(-errno, "epoll for client connections");
	r = sd_event_add_io(e, &s->conn_src, s->conn_epfd, EPOLLIN, on_conns, s);
	if (r < 0)
		return log_error_errno(r, "watch client connections");
	s->table = t;
	s->opts = *opts;
	if (!s->opts.max_clients)
		s->opts.max_clients = DEFAULT_MAX_CLIENTS;
	if (!s->opts.reply_budget)
		s->opts.reply_budget = DEFAULT_REPLY_BUDGET;
	if (!s->opts.max_clients_per_uid)
		s->opts.max_clients_per_uid = s->opts.max_clients / 4 ?: 1;

	r = listen_activated(s);
	if (r == 0)
		r = listen_own(s);
	if (r < 0)
		return r;
	r = sd_event_add_io(e, &s->listen_src, s->listen_fd, EPOLLIN, on_accept, s);
	if (r < 0)
		return log_error_errno(r, "watch the control socket");
	if (s->opts.idle_timeout_s) {
		uint64_t now;

		sd_event_now(e, CLOCK_MONOTONIC, &now);
		r = sd_event_add_time(e, &s->idle_timer, CLOCK_MONOTONIC,
				      now + (uint64_t)s->opts.idle_timeout_s * 250000, 0,
				      on_idle_timer, s);
		if (r < 0)
			return log_error_errno(r, "idle connection timer");
	}
	*out = TAKE_PTR(s);
	return 0;
}

struct server *server_free(struct server *s)
{
	if (!s)
		return NULL;
	sd_event_source_disable_unref(s->listen_src);
	s->listen_src = NULL;
	while (s->conns)
		conn_free(s->conns);
	sd_event_source_disable_unref(s->conn_src);
	safe_close(s->conn_epfd);
	sd_event_source_disable_unref(s->idle_timer);
	sd_event_source_disable_unref(s->retry_timer);
	safe_close(s->listen_fd);
	/* Remove only a socket file we created; an activated socket belongs
	 * to the service manager, which keeps listening for us. */
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s);
	return NULL;
}

bool server_activated(const struct server *s)
{
	return s->activated;
}

unsigned int server_clients(const struct server *s)
{
	return s->n_conns;
}
