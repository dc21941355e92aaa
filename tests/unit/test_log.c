// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The logger writes each line with one write(2): stderr is a
 * SOCK_SEQPACKET socket here, where every write is one record, so a line
 * split over several writes would show as several records.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static int fmt(char *buf, size_t size, int prefix, int error, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = log_format_line(buf, size, prefix, error, f, ap);
	va_end(ap);
	return r;
}

/* The next record on the socket, NUL-terminated; its length or -1. */
static ssize_t next_record(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = 0;
	return n;
}

#define THREADS 4
#define LINES 200

static void *logger(void *arg)
{
	for (int i = 0; i < LINES; i++)
		log_warning_errno(-EIO, "thread %ld line %d %s", (long)arg, i,
				  "padding-padding-padding-padding-padding");
	return NULL;
}

int main(void)
{
	char buf[8192], big[5000];
	int sv[2], saved_err;
	ssize_t n;
	bool whole = true;
	pthread_t t[THREADS];

	/* the formatter */
	is_int(fmt(buf, sizeof(buf), -1, 0, "hello %d", 7), 8, "plain line: length with newline");
	is_str(buf, "hello 7\n", "plain line");
	is_int(fmt(buf, sizeof(buf), 4, -ENOENT, "open %s", "x"), 3 + 6 + 2 + strlen(strerror(ENOENT)) + 1,
	       "prefixed line with an errno: length");
	ok(!strncmp(buf, "<4>open x: ", 11) && buf[strlen(buf) - 1] == '\n', "prefix, message, strerror, newline");
	is_int(fmt(buf, 5, 3, 0, "%s", "abcdefgh"), 3 + 8 + 1, "truncated: the whole length, like vsnprintf");
	is_str(buf, "<3>a", "truncated: NUL-terminated inside the buffer");
	is_int(fmt(NULL, 0, -1, 0, "%s", "abc"), 4, "measuring with no buffer");

	/* one write per line */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		printf("1..0 # SKIP no SOCK_SEQPACKET socketpair\n");
		return 0;
	}
	saved_err = dup(STDERR_FILENO);
	int sndbuf = 4 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf));
	dup2(sv[0], STDERR_FILENO);

	log_set_max_level(LOG_INFO);
	log_set_prefix(1);
	log_info("one %s", "line");
	log_debug("not logged: above the level");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_error_errno(-EPERM, "long %s", big);
	is_int(log_warning_errno(-EIO, "ret"), -EIO, "log_*_errno returns the negative errno");
	log_set_prefix(0);

	n = next_record(sv[1], buf, sizeof(buf));
	is_str(n > 0 ? buf : NULL, "<6>one line\n", "a line is one write, prefixed");
	n = next_record(sv[1], buf, sizeof(buf));
	is_int(n, 3 + 5 + strlen(big) + 2 + strlen(strerror(EPERM)) + 1,
	       "a line longer than the stack buffer is one whole write");
	ok(n > 0 && buf[n - 1] == '\n' && !strchr(buf, '\n')[1], "... ending in its only newline");
	n = next_record(sv[1], buf, sizeof(buf));
	ok(n > 0 && !strncmp(buf, "<4>ret: ", 8), "the next line is the next write");
	is_int(next_record(sv[1], buf, sizeof(buf)), -1, "and the debug line was not written");

	/* threads logging at once: every record is one whole line */
	/* read while they write: the socket holds only so many records */
	struct timeval tv = { .tv_sec = 10 };
	int records = 0;

	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, logger, (void *)i);
	while (records < THREADS * LINES && (n = recv(sv[1], buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = 0;
		records++;
		if (strncmp(buf, "thread ", 7) || buf[n - 1] != '\n' || strchr(buf, '\n') != buf + n - 1)
			whole = false;
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	dup2(saved_err, STDERR_FILENO);
	is_int(records, THREADS * LINES, "every line of %d threads arrived as one write", THREADS);
	ok(whole, "and each write is one whole line");
	return tap_done();
}
