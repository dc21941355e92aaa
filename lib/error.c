// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libarenad: the per-thread description of the last failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "arenad.h"
#include "error.h"

/* Per thread, as errno is: callers may be threaded. */
static __thread char last_msg[512];
static __thread int last_code;

const char *arenad_errmsg(void)
{
	return last_msg;
}

int arenad_errcode(void)
{
	return last_code;
}

int libarenad_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_code = 0;
	errno = -err;
	return err;
}

int libarenad_err_daemon(int err, int code, const char *message)
{
	snprintf(last_msg, sizeof(last_msg), "%s", message);
	last_code = code;
	errno = -err;
	return err;
}
