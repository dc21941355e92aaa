// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The logger (log.h, which also says which functions log). Worker threads
 * log while the loop does: each line is formatted into one buffer and
 * written with one write(2), so lines never interleave (a write of up to
 * PIPE_BUF bytes to the journal's stream is atomic; longer lines still
 * leave in one call).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

static int max_level = LOG_INFO;
static int with_prefix;

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

/* Priority prefixes are only understood by the journal; enable them when
 * stderr is connected to it (JOURNAL_STREAM is set by systemd). */
void log_set_prefix(int enable)
{
	with_prefix = enable;
}

int log_format_line(char *buf, size_t size, int prefix_level, int error,
		    const char *fmt, va_list ap)
{
	int e = error < 0 ? -error : error;
	size_t len = 0;
	int n;

#define PUT(...) do {							\
		n = snprintf(buf && len < size ? buf + len : NULL,			\
			     len < size ? size - len : 0, __VA_ARGS__);	\
		if (n < 0)						\
			return -EINVAL;					\
		len += n;						\
	} while (0)

	if (prefix_level >= 0)
		PUT("<%d>", prefix_level);
	n = vsnprintf(buf && len < size ? buf + len : NULL, len < size ? size - len : 0, fmt, ap);
	if (n < 0)
		return -EINVAL;
	len += n;
	if (e)
		PUT(": %s", strerror(e));
	PUT("\n");
#undef PUT
	return len > INT_MAX ? -EOVERFLOW : (int)len;
}

/* One write(2) of the whole line; retried only for what it left over
 * (a signal, a full pipe), never split on purpose. */
static void write_line(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

int log_internal(int level, int error, const char *fmt, ...)
{
	int e = error < 0 ? -error : error;
	int saved = errno;
	int prefix = with_prefix ? level : -1;
	char stack[2048];
	_cleanup_free_ char *heap = NULL;
	char *buf = stack;
	va_list ap;
	int len;

	if (level > max_level)
		goto out;
	va_start(ap, fmt);
	len = log_format_line(stack, sizeof(stack), prefix, e, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto out;
	if ((size_t)len >= sizeof(stack)) {
		/* A long line (a path, a kernel message) is kept whole. */
		heap = malloc(len + 1);
		if (heap) {
			va_start(ap, fmt);
			len = log_format_line(heap, len + 1, prefix, e, fmt, ap);
			va_end(ap);
			buf = heap;
		} else {
			len = sizeof(stack) - 1;
			stack[len - 1] = '\n';	/* truncated, still one line */
		}
		if (len < 0)
			goto out;
	}
	write_line(buf, len);
out:
	errno = saved;
	return -e;
}
