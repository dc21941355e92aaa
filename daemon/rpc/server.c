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
 * This file listens, accepts and limits the connections; what one does
 * with its requests is conn.c's.
 *
 * Logging: server_new() and what it calls log their failures (start-up);
 * conn.c drops a broken client, logging it once at debug level;
 * on_accept() logs a refused client as a warning because no one else
 * will (log.h).
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

#include "proc_stat.h"
#include "cleanup.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define DEFAULT_MAX_CLIENTS	256
/* After EMFILE, accept again when a connection closes, or after this. */
#define ACCEPT_RETRY_USEC	(1000 * 1000ULL)
/* Refusals are logged at most this often (the rest are counted). */
#define REFUSAL_LOG_USEC	(10 * 1000 * 1000ULL)
#define EMFILE_LOG_USEC		(60 * 1000 * 1000ULL)
#define DEFAULT_REPLY_BUDGET	(64ULL << 20)

static void accept_resume(struct server *s);

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

void server_notify(struct server *s, const char *line, size_t len,
		   bool (*accept)(void *filter, const void *ev), const void *ev)
{
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;		/* c may go (a failed send) */
		if (c->state == CONN_SUBSCRIBED && (!accept || accept(c->sub.filter, ev)))
			conn_notify(c, line, len);
	}
}

void server_notify_stats(const struct server *s, struct server_notify_stats *st)
{
	const struct conn *c;

	*st = (struct server_notify_stats) {
		.sent = s ? s->notify_sent : 0,
		.dropped = s ? s->notify_dropped : 0,
	};
	for (c = s ? s->conns : NULL; c; c = c->next) {
		if (c->state != CONN_SUBSCRIBED)
			continue;
		st->subscribers++;
		st->queued_bytes += c->out_len - c->out_off;
		st->held_bytes += c->out_size;
	}
}

/* Memory held for replies not yet read, over all connections. */
__u64 server_held(const struct server *s)
{
	const struct conn *c;
	__u64 held = 0;

	for (c = s->conns; c; c = c->next)
		held += conn_held(c);
	return held;
}

void server_conn_closed(struct server *s)
{
	/* An fd is free again: if accept() ran out of them, try again. */
	accept_resume(s);
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
	struct rpc_answer a;
	char msg[160];

	snprintf(msg, sizeof(msg), "connection refused: %s", why);
	rpc_error_answer(ARENAD_ERR_UNAVAILABLE, msg, &a);
	if (a.kind == RPC_ANSWER_LINE) {
		a.text[a.len] = '\n';	/* over the C string's NUL */
		(void)!send(fd, a.text, a.len + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		(void)!send(fd, rpc_oom_line, strlen(rpc_oom_line), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	rpc_answer_done(&a);
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
	int cfd;

	/* Every failure here drops one client, not the daemon: 0 throughout. */
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_pause(s, -errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warning_errno(-errno, "accept");
		return 0;
	}
	(void)server_add_client(s, cfd);
	return 0;
}

int server_add_client(struct server *s, int fd)
{
	_cleanup_close_ int cfd = fd;
	struct rpc_peer peer;
	struct proc_stat ps;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	const char *why;
	char buf[128];
	int r;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return log_warning_errno(-errno, "SO_PEERCRED");
	peer = (struct rpc_peer) {
		.pid = cred.pid,
		.uid = cred.uid,
		.gid = cred.gid,
		.may_write = peer_may_write(s, cfd, &cred),
		.conn_id = ++s->conn_ids,
	};
	if (libarenad_proc_stat_read(cred.pid, &ps) == 0) {
		peer.start_ticks = ps.start_ticks;
		memcpy(peer.comm, ps.comm, sizeof(peer.comm));
	}
	why = over_limit(s, &peer, buf, sizeof(buf));
	if (why) {
		refuse(s, cfd, &cred, why);
		return -EPERM;
	}
	r = conn_new(s, cfd, &peer);
	if (r == -ENOMEM) {
		refuse(s, cfd, &cred, "out of memory");
		return r;
	}
	if (r < 0)
		return log_warning_errno(r, "watch client");
	TAKE_FD(cfd);
	return 0;
}

/*
 * Close connections that have had nothing in flight (no unsent reply) and
 * no traffic for the idle timeout: a silent or half-sent connection must
 * not hold a slot for ever. One that holds a lease stays: closing it would
 * end the lease. Runs every quarter of the timeout.
 */
static int on_idle_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct server *s = userdata;
	__u64 timeout = (__u64)s->opts.idle_timeout_s * 1000000, now = now_usec(CLOCK_MONOTONIC);
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->state == CONN_READING && !c->holds && now - c->last_usec >= timeout) {
			log_debug("closing idle connection of pid %d uid %u", c->peer.pid, c->peer.uid);
			conn_free(c);
		}
	}
	sd_event_source_set_time(src, usec + timeout / 4);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	return 0;
}

void server_resume(struct server *s)
{
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		conn_resume(c);
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
