// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * echo_server: the floor for a request/reply over a Unix socket. One
 * thread, epoll, non-blocking sockets, line framing like arenad's server;
 * each complete line read is answered with a fixed reply of REPLY_BYTES
 * (the size of the daemon's reply being compared, newline included). It
 * does no work besides the I/O, so a daemon method can be measured against
 * the cost of the socket round trip alone.
 *
 * With @FILE instead of a size, the replies are FILE's lines, given in
 * turn: the daemon's own replies, recorded, so that a client parsing them
 * does the same work against the floor as against the daemon.
 *
 * With "kfunc", each line also runs one of the raw kfunc programs of
 * kfunc_floor.bpf.c, alloc and free in turn: the floor for allocating
 * over a socket, the kernel's page work done inside the request as a
 * daemon must, with its caches shared with the I/O, and nothing else.
 *
 * With "json", each line is also parsed with json-c, as any JSON-RPC
 * server built on it must before it can answer: one tokener, reused, in
 * glibc's C locale object (as arenad parses), the object freed again.
 *
 * With "peek", each read only peeks, and the bytes are taken out of the
 * socket after their replies are sent, as arenad's server does: a client
 * sleeping in read() is then not woken by its request's removal.
 *
 *   echo_server SOCKET_PATH REPLY_BYTES|@FILE [kfunc] [json] [peek]
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "kfunc_floor.skel.h"

#define MAX_EVENTS 64
#define BUF 65536
#define MAX_REPLIES 16

struct replies {
	char *text[MAX_REPLIES];
	size_t len[MAX_REPLIES];
	unsigned int n;
};

/* REPLY_BYTES: one reply of that size, a JSON string so that clients that
 * parse replies accept it; @FILE: FILE's whole lines, newlines kept.
 * -ENODATA when that gives no reply. */
static int replies_init(struct replies *r, const char *arg)
{
	if (arg[0] == '@') {
		FILE *f = fopen(arg + 1, "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;

		if (!f)
			return -errno;
		while (r->n < MAX_REPLIES && (len = getline(&line, &cap, f)) > 0 &&
		       line[len - 1] == '\n') {
			r->text[r->n] = line;
			r->len[r->n++] = len;
			line = NULL;
			cap = 0;
		}
		free(line);
		fclose(f);
		return r->n ? 0 : -ENODATA;
	}

	long len = atol(arg);

	if (len < 3)
		return -ENODATA;
	if (!(r->text[0] = malloc(len)))
		return -ENOMEM;
	memset(r->text[0], 'x', len - 1);
	r->text[0][0] = r->text[0][len - 2] = '"';
	r->text[0][len - 1] = '\n';
	r->len[0] = len;
	r->n = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[MAX_EVENTS];
	static char buf[BUF];
	struct replies replies = {};
	struct kfunc_floor_bpf *skel = NULL;
	struct json_tokener *tok = NULL;
	int lfd, ep, err, prog[2] = { -1, -1 };
	unsigned long lines = 0;
	bool kfunc = false, json = false, peek = false, bad = argc < 3;

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "kfunc"))
			kfunc = true;
		else if (!strcmp(argv[i], "json"))
			json = true;
		else if (!strcmp(argv[i], "peek"))
			peek = true;
		else
			bad = true;
	}
	if (bad || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: echo_server SOCKET_PATH REPLY_BYTES|@FILE [kfunc] [json] [peek]\n");
		return 2;
	}
	err = replies_init(&replies, argv[2]);
	if (err < 0) {
		fprintf(stderr, "echo_server: %s: %s\n", argv[2], err == -ENODATA ?
			"no reply in it (a size of 3 bytes or more, or @FILE of whole lines)" :
			strerror(-err));
		return 2;
	}
	if (json) {
		locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);

		if (c)
			uselocale(c);
		tok = json_tokener_new();
		if (!tok)
			return 1;
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	if (kfunc) {
		skel = kfunc_floor_bpf__open_and_load();
		if (!skel) {
			perror("echo_server: load the kfunc floor programs");
			return 1;
		}
		prog[0] = bpf_program__fd(skel->progs.floor_alloc);
		prog[1] = bpf_program__fd(skel->progs.floor_free);
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 512)) {
		perror("echo_server: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (c >= 0) {
					ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			ssize_t r = peek ? recv(fd, buf, sizeof(buf), MSG_PEEK) : read(fd, buf, sizeof(buf));

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				close(fd);
				continue;
			}
			/* One reply per newline; the clients send one line at a time. */
			bool gone = false;

			for (ssize_t j = 0, start = 0; j < r; j++) {
				if (buf[j] != '\n')
					continue;
				LIBBPF_OPTS(bpf_test_run_opts, run);
				/* The nth line of all: alloc and free, and the
				 * replies, in turn (one client in those modes). */
				unsigned long nth = lines++;
				unsigned int k = nth % replies.n;

				if (tok) {
					json_object *o;

					json_tokener_reset(tok);
					o = json_tokener_parse_ex(tok, buf + start, j - start);
					if (!json_object_is_type(o, json_type_object)) {
						fprintf(stderr, "echo_server: a line is not a JSON object\n");
						return 1;
					}
					json_object_put(o);
					start = j + 1;
				}

				if (skel && bpf_prog_test_run_opts(prog[nth % 2], &run) < 0) {
					perror("echo_server: kfunc run");
					return 1;
				}
				if (write(fd, replies.text[k], replies.len[k]) != (ssize_t)replies.len[k]) {
					close(fd);
					gone = true;
					break;
				}
			}
			if (peek && !gone) {
				static char sink[BUF];

				(void)!recv(fd, sink, r, 0);
			}
		}
	}
}
