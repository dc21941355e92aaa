/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One client connection of the server (server.c), and its life as an
 * explicit state (conn.c). Private to server.c and conn.c.
 *
 *              request line answered now        reply sent
 *   READING ───────────────────────────▶ WRITING ─────────▶ READING
 *      │ │ │  an array result                ▲
 *      │ │ └──────────────▶ STREAMING ───────┘ last slice
 *      │ │  handler kept the call                ▲
 *      │ └────────────────▶ WAITING ─────────────┘ (or WRITING, READING)
 *      │  not yet (start-up)        answered
 *      ├──────────────────▶ PARKED ──▶ READING (server_resume())
 *      │  subscribe answered
 *      └──────────────────▶ SUBSCRIBED (until the client closes)
 *
 * End of input or a line too long sets eof in any state: the connection
 * closes once nothing more is owed. Only READING reads requests; only
 * WRITING, STREAMING and SUBSCRIBED write; WAITING and PARKED watch for a
 * hang-up only. SUBSCRIBED is the end: its reply first, then the
 * notifications server_notify() queues (conn_notify()), at most
 * sub.queue_limit bytes of them; what does not fit is dropped and
 * counted, and a "dropped" notification says how many before the next
 * one that fits. Whatever the client sends then is read and discarded;
 * its end of input leaves the stream going until it hangs up.
 */
#ifndef __ARENAD_CONN_H
#define __ARENAD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "rpc.h"
#include "server.h"

enum conn_state {
	CONN_READING,		/* nothing owed: reading request lines */
	CONN_WRITING,		/* a reply is going out (out) */
	CONN_STREAMING,		/* a streamed reply, a slice at a time (stream) */
	CONN_WAITING,		/* a kept call's answer is due (waiting) */
	CONN_PARKED,		/* the first buffered line waits for server_resume() */
	CONN_SUBSCRIBED,	/* notifications go out (out), nothing is read */
	_CONN_STATE_MAX,
};

struct conn {
	struct server *srv;
	struct conn *prev, *next;
	int fd;
	enum conn_state state;		/* set by conn_enter() only */
	bool eof;			/* no more requests: close once nothing is owed */
	uint32_t events;		/* what the epoll set watches for */
	struct rpc_peer peer;
	struct rpc_link link;		/* what calls on it reach it by */
	char *in;
	size_t in_len, in_size;
	size_t unread;			/* of in: peeked, still in the socket */
	char *out;
	size_t out_len, out_off;
	struct rpc_stream stream;	/* STREAMING: the rest of the reply */
	struct rpc_call *waiting;	/* WAITING */
	__u64 last_usec;		/* CLOCK_MONOTONIC of the last I/O */
	/* SUBSCRIBED: the filter, the queue in out (out_size allocated),
	 * notifications dropped since the last one queued and in all */
	struct rpc_sub sub;
	size_t out_size;
	__u64 dropped, dropped_total;
	bool holds;			/* rpc_link_ops.hold(): never idle */
};

struct server {
	sd_event *e;
	int conn_epfd;			/* every connection (server.c) */
	sd_event_source *conn_src;
	sd_event_source *listen_src;
	int listen_fd;
	bool activated;
	char *path;			/* unlinked on free when we created it */
	const struct rpc_table *table;
	struct server_opts opts;	/* its strings and arrays are the caller's */
	struct conn *conns;
	unsigned int n_conns;
	__u64 conn_ids;			/* the last rpc_peer.conn_id given */
	sd_event_source *idle_timer;	/* closes idle connections */
	sd_event_source *retry_timer;	/* accepts again after EMFILE */
	bool accept_paused;
	__u64 refusal_logged_usec;
	unsigned long refusals_unlogged;
	__u64 emfile_logged_usec;
	__u64 notify_dropped;		/* by subscribers gone, too */
	__u64 notify_sent;		/* queued for subscribers, likewise */
};

/* Serve fd as a connection of s: 0 (fd taken) or -errno. */
int conn_new(struct server *s, int fd, const struct rpc_peer *peer);
/* Close c and take it off s; returns NULL. */
struct conn *conn_free(struct conn *c);
/* Serve c for what epoll reported. */
void conn_io(struct conn *c, uint32_t revents);
/* Hand in again the line c parked. */
void conn_resume(struct conn *c);
/* Queue line (len bytes, without a newline) for subscriber c, or drop it
 * when c's queue is full; c may be gone afterwards (a send failed). */
void conn_notify(struct conn *c, const char *line, size_t len);
/* Memory c holds for replies its client has not read yet. */
__u64 conn_held(const struct conn *c);
const char *conn_state_to_string(enum conn_state s);

/* For conn.c: the server's side of the reply budget, and a freed fd. */
__u64 server_held(const struct server *s);
void server_conn_closed(struct server *s);

#endif /* __ARENAD_CONN_H */
