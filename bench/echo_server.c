// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * echo_server: the floor for a request/reply over a Unix socket. One
 * thread, epoll, non-blocking sockets, line framing like arenad's server;
 * each complete line read is answered with a fixed reply of REPLY_BYTES
 * (the size of the daemon's reply being compared, newline included). It
 * does no work besides the I/O, so a daemon method can be measured against
 * the cost of the socket round trip alone.
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
 *   echo_server SOCKET_PATH REPLY_BYTES [kfunc] [json]
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

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[MAX_EVENTS];
	static char buf[BUF];
	char *reply;
	long reply_len;
	struct kfunc_floor_bpf *skel = NULL;
	struct json_tokener *tok = NULL;
	int lfd, ep, prog[2] = { -1, -1 };
	unsigned long lines = 0;
	bool kfunc = false, json = false, bad = argc < 3;

	for (int i = 3; i < argc; i++) {
		kfunc |= !strcmp(argv[i], "kfunc");
		json |= !strcmp(argv[i], "json");
		bad |= strcmp(argv[i], "kfunc") && strcmp(argv[i], "json");
	}
	if (bad || (reply_len = atol(argv[2])) < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: echo_server SOCKET_PATH REPLY_BYTES [kfunc] [json]\n");
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
	reply = malloc(reply_len);
	if (!reply)
		return 1;
	/* A JSON string, so that clients that parse replies accept it. */
	memset(reply, 'x', reply_len - 1);
	reply[0] = reply[reply_len - 2] = '"';
	reply[reply_len - 1] = '\n';

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
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				close(fd);
				continue;
			}
			/* One reply per newline; the clients send one line at a time. */
			for (ssize_t j = 0, start = 0; j < r; j++) {
				if (buf[j] != '\n')
					continue;
				LIBBPF_OPTS(bpf_test_run_opts, run);

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

				if (skel && bpf_prog_test_run_opts(prog[lines++ % 2], &run) < 0) {
					perror("echo_server: kfunc run");
					return 1;
				}
				if (write(fd, reply, reply_len) != reply_len) {
					close(fd);
					break;
				}
			}
		}
	}
}
