// SPDX-License-Identifier: LGPL-2.1-or-later
/* The logger (log.h, which also says which functions log). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

int log_internal(int level, int error, const char *fmt, ...)
{
	int e = error < 0 ? -error : error;
	int saved = errno;
	va_list ap;

	if (level <= max_level) {
		if (with_prefix)
			fprintf(stderr, "<%d>", level);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		if (e)
			fprintf(stderr, ": %s", strerror(e));
		fputc('\n', stderr);
	}
	errno = saved;
	return -e;
}
