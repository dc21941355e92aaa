// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rpc_load: closed-loop load on a line-framed Unix socket server. CLIENTS
 * threads each hold one connection and send REQUEST (a newline is added),
 * wait for one reply line, and repeat for SECONDS. Prints the total
 * requests per second and the reply size seen, so the floor (echo_server)
 * can be given the same reply size.
 *
 *   rpc_load SOCKET_PATH CLIENTS SECONDS REQUEST
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static char *request;
static size_t request_len;
static atomic_bool stop;
static atomic_long total;
static atomic_long reply_bytes;
static atomic_int failed;

static void *client(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static __thread char buf[1 << 20];
	long done = 0;
	int fd;

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("rpc_load: connect");
		failed = 1;
		return NULL;
	}
	while (!stop) {
		size_t got = 0;

		if (write(fd, request, request_len) != (ssize_t)request_len) {
			failed = 1;
			break;
		}
		for (;;) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - got);

			if (r <= 0) {
				failed = 1;
				goto out;
			}
			got += r;
			if (buf[got - 1] == '\n')
				break;
			if (got == sizeof(buf)) {
				failed = 1;
				goto out;
			}
		}
		reply_bytes = got;
		done++;
	}
out:
	total += done;
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	pthread_t *th;
	int n, secs;

	if (argc != 5 || (n = atoi(argv[2])) < 1 || (secs = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: rpc_load SOCKET_PATH CLIENTS SECONDS REQUEST\n");
		return 2;
	}
	path = argv[1];
	request_len = strlen(argv[4]) + 1;
	request = malloc(request_len + 1);
	if (!request)
		return 1;
	sprintf(request, "%s\n", argv[4]);
	th = calloc(n, sizeof(*th));
	if (!th)
		return 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, client, NULL);
	sleep(secs);
	stop = true;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failed)
		return 1;
	printf("%.0f %ld\n", total / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9),
	       (long)reply_bytes);
	return 0;
}
