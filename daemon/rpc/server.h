/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket: accept, frame lines, dispatch, write back. */
#ifndef __ARENAD_SERVER_H
#define __ARENAD_SERVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include <systemd/sd-event.h>

#include "cleanup.h"
#include "rpc.h"

struct server_opts {
	size_t sz;
	int activated_fd;		/* the socket passed by the service
					 * manager (activation.h), or -1 */
	const char *path;		/* socket path, when we create it */
	mode_t mode;
	gid_t gid;			/* (gid_t)-1: leave the group alone */
	const uid_t *allow_uids;
	unsigned int n_allow_uids;
	const gid_t *allow_gids;
	unsigned int n_allow_gids;
	unsigned int max_clients;	/* 0: default (256) */
	unsigned int max_clients_per_uid; /* for peers that may not write; 0: max_clients / 4 */
	unsigned int idle_timeout_s;	/* close connections idle this long; 0: never */
	__u64 reply_budget;		/* bytes held for unread replies, all clients; 0: 64 MiB */
	/* A connection that held something (rpc_call_hold_connection())
	 * closed; NULL: nobody asks. */
	void (*closed)(__u64 conn_id, void *userdata);
	void *closed_userdata;
};

struct server;

/*
 * Listen on opts->activated_fd, the socket handed over by the service
 * manager, or else create opts->path. Requests are dispatched to t.
 * The strings and arrays opts points to must outlive the server.
 * Logs its failures.
 */
int server_new(sd_event *e, const struct server_opts *opts,
	       const struct rpc_table *t, struct server **out);
/* Returns NULL, for "d->server = server_free(d->server)". */
struct server *server_free(struct server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct server *, server_free);
bool server_activated(const struct server *s);

/* Serve fd, a connected Unix stream socket (taken, also on failure), as a
 * client, after the same checks as an accepted one: 0, -EPERM when it is
 * refused (it got the reason in one error line), or -errno. Logs. */
int server_add_client(struct server *s, int fd);
unsigned int server_clients(const struct server *s);

/*
 * Offer a notification (line, len bytes, without a newline) to every
 * subscriber (rpc_call_subscribe()) whose filter accept(filter, ev)
 * takes (accept NULL: all). Queued or dropped per subscriber, never
 * waiting for one.
 */
void server_notify(struct server *s, const char *line, size_t len,
		   bool (*accept)(void *filter, const void *ev), const void *ev);

struct server_notify_stats {
	unsigned int subscribers;
	__u64 queued_bytes;	/* notifications waiting for their clients */
	__u64 held_bytes;	/* memory their queues hold */
	__u64 sent;		/* queued for their clients since start, likewise */
	__u64 dropped;		/* since start, by subscribers gone too */
};
void server_notify_stats(const struct server *s, struct server_notify_stats *st);

/* Hand in again the requests whose handlers asked to retry
 * (rpc_call_retry()). */
void server_resume(struct server *s);

#endif /* __ARENAD_SERVER_H */
