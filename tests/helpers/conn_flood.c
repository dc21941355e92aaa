// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * conn_flood SOCKET FIRST_UID COUNT same|distinct
 *
 * Forks COUNT children that connect to SOCKET at once, each as its own uid
 * (FIRST_UID + i, "distinct") or all as FIRST_UID ("same"), send one ping
 * and read one line. Each child reports what it got: "result", "error
 * CODE" (the daemon refused with a JSON-RPC error line) or "silent" (EOF
 * or a timeout without a line). The summary goes to stdout:
 *   result N error N silent N codes CODE:N...
 * Then the children keep their connections open until stdin reaches EOF.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";

static void child(const char *path, uid_t uid, int report, int release)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 20 };
	char buf[1024], out[64];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		_exit(2);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(out, sizeof(out), "silent connect-%d\n", errno);
		goto done;
	}
	(void)!send(fd, ping, strlen(ping), MSG_NOSIGNAL);
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = 0;
	if (!memchr(buf, '\n', len))
		snprintf(out, sizeof(out), "silent\n");
	else if (strstr(buf, "\"result\""))
		snprintf(out, sizeof(out), "result\n");
	else if (strstr(buf, "\"code\":"))
		snprintf(out, sizeof(out), "error %d\n", atoi(strstr(buf, "\"code\":") + 7));
	else
		snprintf(out, sizeof(out), "silent garbled\n");
done:
	(void)!write(report, out, strlen(out));	/* < PIPE_BUF: atomic */
	/* Hold the connection until the parent lets go. */
	(void)!read(release, buf, 1);
	_exit(0);
}

int main(int argc, char **argv)
{
	int report[2], release[2], i, count, n_result = 0, n_error = 0, n_silent = 0;
	int codes[8] = { 0 }, ncodes[8] = { 0 }, k;
	uid_t first;
	bool same;
	FILE *f;
	char line[64];

	if (argc != 5) {
		fprintf(stderr, "usage: %s SOCKET FIRST_UID COUNT same|distinct\n", argv[0]);
		return 2;
	}
	first = atoi(argv[2]);
	count = atoi(argv[3]);
	same = !strcmp(argv[4], "same");
	if (pipe(report) || pipe(release))
		return 1;
	signal(SIGCHLD, SIG_DFL);
	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			close(report[0]);
			close(release[1]);
			child(argv[1], same ? first : first + i, report[1], release[0]);
		}
	}
	close(report[1]);
	close(release[0]);
	f = fdopen(report[0], "r");
	for (i = 0; i < count && fgets(line, sizeof(line), f); i++) {
		if (!strncmp(line, "result", 6)) {
			n_result++;
		} else if (!strncmp(line, "error ", 6)) {
			int code = atoi(line + 6);

			n_error++;
			for (k = 0; k < 8 && ncodes[k] && codes[k] != code; k++)
				;
			if (k < 8)
				codes[k] = code, ncodes[k]++;
		} else {
			n_silent++;
			fprintf(stderr, "conn_flood: %s", line);
		}
	}
	n_silent += count - i;	/* children that died without a word */
	printf("result %d error %d silent %d codes", n_result, n_error, n_silent);
	for (k = 0; k < 8 && ncodes[k]; k++)
		printf(" %d:%d", codes[k], ncodes[k]);
	printf("\n");
	fflush(stdout);
	/* Hold until told, then let the children go. */
	while (fgets(line, sizeof(line), stdin))
		;
	close(release[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}
