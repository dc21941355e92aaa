// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit test: the connection's life (daemon/rpc/conn.h) without a kernel. The
 * real server and connection code run on an sd-event loop the test turns
 * by hand; clients are socketpairs handed in with server_add_client(), and
 * the methods are the test's own. The test holds both ends, so it also
 * sees what the daemon left unread in its socket (peek-then-consume).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "log.h"
#include "server.h"
#include "util.h"
#include "tap.h"

static sd_event *e;
static struct server *srv;
static bool starting;			/* "retry" asks to be run again */
static struct rpc_call *kept;		/* the call "later" keeps */
/* More than the socket buffers hold: the stream stays in the daemon. */
#define BIG_ITEMS 200000
/* The idle timeout; longer under a slow checker (valgrind): -DIDLE_S=5. */
#ifndef IDLE_S
#define IDLE_S 1
#endif

static int m_ping(struct rpc_call *call, void *userdata)
{
	struct json_writer *w = rpc_call_result(call);

	json_w_object(w);
	json_w_member(w, "pong", u64, 1);
	json_w_object_end(w);
	return rpc_call_reply(call);
}

static int m_later(struct rpc_call *call, void *userdata)
{
	kept = rpc_call_defer(call);
	if (kept)
		rpc_call_hold(kept, 100);
	return 0;
}

static int m_retry(struct rpc_call *call, void *userdata)
{
	if (starting)
		return rpc_call_retry(call);
	return m_ping(call, userdata);
}

struct big {
	unsigned int i;
};

static int big_next(void *state, struct json_writer *w)
{
	struct big *b = state;
	unsigned int k;

	for (k = 0; k < 128 && b->i < BIG_ITEMS; k++, b->i++)
		json_w_u64(w, b->i);
	return b->i < BIG_ITEMS;
}

static const struct rpc_stream_ops big_ops = { .next = big_next, .free = free };

static int m_big(struct rpc_call *call, void *userdata)
{
	struct big *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	return rpc_call_stream(call, &big_ops, b, 1 << 20);
}

/* A subscriber whose filter is a word: it gets the notifications offered
 * with that word (accept_word()). */
static int m_sub(struct rpc_call *call, void *userdata)
{
	struct json_writer *w = rpc_call_result(call);

	json_w_object(w);
	json_w_member(w, "ok", u64, 1);
	json_w_object_end(w);
	return rpc_call_subscribe(call, strdup("a"), free, 4096);
}

static bool accept_word(void *filter, const void *ev)
{
	return !strcmp(filter, ev);
}

static const struct rpc_method methods[] = {
	{ .name = "sub", .handler = m_sub },
	{ .name = "ping", .handler = m_ping },
	{ .name = "later", .handler = m_later },
	{ .name = "retry", .handler = m_retry },
	{ .name = "big", .handler = m_big },
	{ .name = "heavy", .handler = m_ping, .heavy = true },
};
static const struct rpc_table table = { methods, ARRAY_SIZE(methods), NULL };

/* Turn the loop until nothing is ready. */
static void pump(void)
{
	int i;

	for (i = 0; i < 50; i++)
		if (sd_event_run(e, 0) <= 0)
			break;
}

struct client {
	int fd;		/* the test's end */
	int daemon_fd;	/* the daemon's end, to look into */
};

static struct client connect_client(void)
{
	int sv[2];
	struct client c = { -1, -1 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return c;
	c.fd = sv[1];
	c.daemon_fd = sv[0];
	if (server_add_client(srv, sv[0]) < 0)
		c.daemon_fd = -1;
	return c;
}

static void say(struct client *c, const char *text)
{
	size_t len = strlen(text);

	if (write(c->fd, text, len) != (ssize_t)len)
		abort();
}

/* Bytes the daemon has not taken out of its socket yet. */
static int unread_by_daemon(struct client *c)
{
	int n = -1;

	if (ioctl(c->daemon_fd, FIONREAD, &n) < 0)
		return -1;
	return n;
}

/*
 * What the daemon sent, turning the loop meanwhile: up to max bytes, until
 * a newline (lines) or end of file. *eof tells whether it closed.
 */
static char *hear(struct client *c, size_t max, bool whole, bool *eof)
{
	static char buf[1 << 21];
	size_t len = 0;
	int idle = 0;
	ssize_t n;

	*eof = false;
	while (len < max && idle < 200) {
		pump();
		n = read(c->fd, buf + len, sizeof(buf) - 1 - len);
		if (n == 0) {
			*eof = true;
			break;
		}
		if (n < 0) {
			idle++;
			continue;
		}
		idle = 0;
		len += n;
		buf[len] = 0;
		if (!whole && memchr(buf, '\n', len))
			break;
	}
	buf[len] = 0;
	return buf;
}

static char *line(struct client *c)
{
	bool eof;

	return hear(c, sizeof(char[1 << 21]) - 1, false, &eof);
}

static bool closed(struct client *c)
{
	bool eof;
	char *t = hear(c, 1 << 20, true, &eof);

	return eof && !*t;
}

static void hang_up(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

#define PING "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
#define PONG "{\"jsonrpc\":\"2.0\",\"result\":{\"pong\":1},\"id\":1}\n"

static void test_reading(void)
{
	unsigned int before = server_clients(srv);
	struct client c = connect_client();

	ok(c.daemon_fd >= 0, "a socketpair end is served as a client");
	say(&c, PING "\n");
	is_str(line(&c), PONG, "reading: a line is answered");
	is_int(unread_by_daemon(&c), 0, "peek-then-consume: the request is taken once answered");
	say(&c, PING "\r\n" PING "\n");
	{
		bool eof;
		char *t = hear(&c, 2 * strlen(PONG), true, &eof);

		ok(!strcmp(t, PONG PONG), "two lines in one read (one with CRLF), two replies");
	}
	say(&c, PING);
	shutdown(c.fd, SHUT_WR);
	{
		bool eof;
		char *t = hear(&c, 1 << 20, true, &eof);

		ok(!strcmp(t, PONG) && eof, "EOF while reading: the last line without a newline is answered, then close");
	}
	is_int(server_clients(srv), before, "... and the connection is gone");
	close(c.fd);

	c = connect_client();
	shutdown(c.fd, SHUT_WR);
	ok(closed(&c), "EOF while reading, nothing buffered: close at once");
	close(c.fd);

	c = connect_client();
	say(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n" PING "\n");
	is_str(line(&c), PONG, "a notification gets nothing, the next line its reply");
	close(c.fd);
}

static void test_waiting(void)
{
	struct client c = connect_client(), d = connect_client();
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"later\"}\n";
	bool eof;
	char *t;

	kept = NULL;
	say(&c, req);
	say(&c, PING "\n");
	t = hear(&c, 1, false, &eof);
	ok(kept && !*t, "waiting: a kept call, no reply yet");
	is_int(unread_by_daemon(&c), strlen(req) + strlen(PING "\n"),
	       "waiting: the request stays in the socket until it is answered");
	say(&d, PING "\n");
	is_str(line(&d), PONG, "waiting: other clients are served meanwhile");
	rpc_call_reply_json(kept, json_object_new_string("done"));
	kept = NULL;
	t = line(&c);
	ok(!strncmp(t, "{\"jsonrpc\":\"2.0\",\"result\":\"done\",\"id\":2}\n", 41),
	   "waiting: the kept call's answer is sent");
	t = strchr(t, '\n');
	if (t && !t[1])
		t = line(&c);
	else if (t)
		t++;
	is_str(t, PONG, "waiting: the line that came meanwhile is answered next");

	/* EOF while waiting: the answer goes out, then the connection closes. */
	say(&c, req);
	shutdown(c.fd, SHUT_WR);
	pump();
	ok(kept != NULL, "EOF while waiting: still kept");
	rpc_call_reply_json(kept, json_object_new_int(3));
	kept = NULL;
	t = hear(&c, 1 << 20, true, &eof);
	ok(!strcmp(t, "{\"jsonrpc\":\"2.0\",\"result\":3,\"id\":2}\n") && eof,
	   "EOF while waiting: answered, then closed");
	close(c.fd);

	/* A hang-up while waiting: the answer goes nowhere. */
	{
		unsigned int n;

		say(&d, req);
		pump();
		n = server_clients(srv);
		hang_up(&d);
		pump();
		is_int(server_clients(srv), n - 1, "hang-up while waiting: the connection is gone");
		ok(kept && rpc_call_reply_json(kept, json_object_new_int(4)) == 0,
		   "... and answering its call later is harmless");
		kept = NULL;
	}
}

static void test_parked(void)
{
	struct client c = connect_client();
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"retry\"}";
	bool eof;
	char *t;

	starting = true;
	say(&c, req);
	say(&c, "\n");
	t = hear(&c, 1, false, &eof);
	ok(!*t, "parked: no reply while the method cannot run");
	is_int(unread_by_daemon(&c), strlen(req) + 1, "parked: the line stays in the socket");
	starting = false;
	server_resume(srv);
	is_str(line(&c), PONG, "parked: answered after server_resume()");

	starting = true;
	say(&c, req);	/* no newline */
	shutdown(c.fd, SHUT_WR);
	t = hear(&c, 1, false, &eof);
	ok(!*t && !eof, "EOF while parked: the final line waits");
	starting = false;
	server_resume(srv);
	t = hear(&c, 1 << 20, true, &eof);
	ok(!strcmp(t, PONG) && eof, "EOF while parked: answered after resume, then closed");
	close(c.fd);
}

/* A streamed reply, the first line of t: a JSON array of 0..BIG_ITEMS-1.
 * *rest gets what follows it. */
static bool big_ok(const char *t, const char **rest)
{
	const char *nl = strchr(t, '\n');
	struct json_tokener *tok = json_tokener_new();
	json_object *o = NULL, *r;
	bool good;

	if (nl && tok)
		o = json_tokener_parse_ex(tok, t, nl - t);
	json_tokener_free(tok);
	good = o && json_object_object_get_ex(o, "result", &r) &&
	       json_object_array_length(r) == BIG_ITEMS &&
	       json_object_get_int(json_object_array_get_idx(r, BIG_ITEMS - 1)) == BIG_ITEMS - 1;
	json_object_put(o);
	if (rest)
		*rest = nl ? nl + 1 : "";
	return good;
}

static void test_streaming(void)
{
	struct client c = connect_client(), d = connect_client();
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"big\"}\n";
	const char *rest;
	bool eof;
	char *t;

	say(&c, req);
	say(&c, PING "\n");
	t = hear(&c, 1 << 21, false, &eof);
	ok(big_ok(t, &rest), "streaming: a long array arrives whole, as one line");
	is_str(*rest ? rest : line(&c), PONG, "streaming: the next line is answered after it");

	/* The reply budget: a client that does not read holds its stream. */
	say(&c, req);
	pump();
	say(&d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"heavy\"}\n");
	t = line(&d);
	ok(strstr(t, "\"code\":-32005") != NULL, "reply budget: a heavy method is refused while replies are unread");
	say(&d, PING "\n");
	is_str(line(&d), PONG, "reply budget: a light one is not");
	t = hear(&c, 1 << 21, false, &eof);
	ok(big_ok(t, NULL), "reply budget: the stream is read");
	say(&d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"heavy\"}\n");
	ok(strstr(line(&d), "\"result\"") != NULL, "reply budget: the heavy method runs again once it is read");

	say(&c, req);
	shutdown(c.fd, SHUT_WR);
	t = hear(&c, 1 << 21, true, &eof);
	ok(big_ok(t, &rest) && !*rest && eof, "EOF while streaming: the stream ends, then the connection closes");
	close(c.fd);

	/* A hang-up while streaming. */
	c = connect_client();
	say(&c, req);
	pump();
	{
		unsigned int n = server_clients(srv);

		hang_up(&c);
		pump();
		is_int(server_clients(srv), n - 1, "hang-up while streaming: the connection is gone");
	}
	close(d.fd);
}

static void test_long_line(void)
{
	struct client c = connect_client();
	static char big[70000];
	bool eof;
	char *t;

	memset(big, 'x', sizeof(big) - 1);
	say(&c, big);
	t = hear(&c, 1 << 20, true, &eof);
	ok(strstr(t, "\"code\":-32600") && strstr(t, "longer than 65536") && eof,
	   "a line over the limit: one error reply, then close");
	close(c.fd);
}

static void test_idle(void)
{
	struct client idle = connect_client(), busy = connect_client();
	__u64 t0 = now_usec(CLOCK_MONOTONIC);
	bool eof;
	char *t;

	kept = NULL;
	say(&busy, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"later\"}\n");
	pump();
	while (now_usec(CLOCK_MONOTONIC) - t0 < IDLE_S * 1600 * 1000ULL)
		sd_event_run(e, 100 * 1000);
	ok(closed(&idle), "idle timeout: a connection with nothing in flight is closed");
	rpc_call_reply_json(kept, json_object_new_int(9));
	kept = NULL;
	t = hear(&busy, 1 << 20, false, &eof);
	ok(!strcmp(t, "{\"jsonrpc\":\"2.0\",\"result\":9,\"id\":9}\n"),
	   "idle timeout: a connection waiting for its answer is not");
	close(idle.fd);
	close(busy.fd);
}

#define SUB "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"sub\"}\n"
#define SUBBED "{\"jsonrpc\":\"2.0\",\"result\":{\"ok\":1},\"id\":3}\n"

static void test_subscribed(void)
{
	struct client c = connect_client();
	struct server_notify_stats st;
	unsigned int n;
	bool eof;
	char *t;

	say(&c, SUB PING "\n");
	is_str(line(&c), SUBBED, "subscribe: the reply comes first");
	server_notify(srv, "N1", 2, accept_word, "a");
	is_str(line(&c), "N1\n", "subscribed: a notification arrives as one line");
	server_notify(srv, "N2", 2, accept_word, "b");
	server_notify(srv, "N3", 2, NULL, NULL);
	is_str(line(&c), "N3\n", "subscribed: one its filter refuses does not");
	t = hear(&c, 1 << 20, true, &eof);
	ok(!*t && !eof, "subscribed: requests after subscribe get no reply (%s)", t);
	server_notify_stats(srv, &st);
	is_int(st.subscribers, 1, "stats: one subscriber");

	/* A client that stops writing still reads. */
	shutdown(c.fd, SHUT_WR);
	pump();
	server_notify(srv, "N4", 2, NULL, NULL);
	is_str(line(&c), "N4\n", "subscribed: end of input leaves the stream going");
	n = server_clients(srv);
	hang_up(&c);
	pump();
	is_int(server_clients(srv), n - 1, "subscribed: a hang-up ends it");
}

static void test_slow_subscriber(void)
{
	struct client c = connect_client();
	struct server_notify_stats st;
	char note[100], *t, *p;
	unsigned long long dropped = 0;
	unsigned int i, n = 20000, got = 0;
	bool eof, bounded = true;

	memset(note, 'x', sizeof(note));
	say(&c, SUB);
	is_str(line(&c), SUBBED, "slow reader: subscribed");
	/* Never read: more than the socket and the queue hold together. */
	for (i = 0; i < n; i++) {
		server_notify(srv, note, sizeof(note), NULL, NULL);
		server_notify_stats(srv, &st);
		if (st.queued_bytes > 4096 || st.held_bytes > 4096)
			bounded = false;
	}
	ok(bounded, "slow reader: the queue never holds more than its limit (%llu bytes held)",
	   (unsigned long long)st.held_bytes);
	ok(st.dropped > 0, "slow reader: what does not fit is dropped (%llu)",
	   (unsigned long long)st.dropped);
	/* Read it all, then one more: a "dropped" line with the count first. */
	t = hear(&c, 1 << 21, true, &eof);
	for (p = t; (p = strchr(p, '\n')); p++)
		got++;
	server_notify(srv, "last", 4, NULL, NULL);
	t = hear(&c, 1 << 20, true, &eof);
	ok(sscanf(t, "{\"jsonrpc\":\"2.0\",\"method\":\"dropped\",\"params\":{\"count\":%llu}}\n",
		  &dropped) == 1 && strstr(t, "}\nlast\n"),
	   "slow reader: the next notification says how many were dropped (%s)", t);
	is_int(got + dropped, n, "slow reader: each notification was delivered or counted");
	close(c.fd);
}

int main(void)
{
	char dir[] = "/tmp/arenad-test-conn-XXXXXX", path[64];
	struct server_opts opts = {
		.sz = sizeof(opts),
		.activated_fd = -1,
		.path = path,
		.mode = 0600,
		.gid = (gid_t)-1,
		.idle_timeout_s = IDLE_S,
		.reply_budget = 4096,
	};

	log_set_max_level(LOG_EMERG - 1);
	signal(SIGPIPE, SIG_IGN);	/* a test may write after the daemon closed */
	if (!mkdtemp(dir) || sd_event_new(&e) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/sock", dir);
	if (server_new(e, &opts, &table, &srv) < 0)
		return 1;

	test_reading();
	test_waiting();
	test_parked();
	test_streaming();
	test_long_line();
	test_idle();
	test_subscribed();
	test_slow_subscriber();

	server_free(srv);
	sd_event_unref(e);
	rmdir(dir);
	return tap_done();
}
