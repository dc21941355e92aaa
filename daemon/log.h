/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging to stderr with syslog priorities. Under systemd, stderr goes to
 * the journal, and the "<N>" prefix (sd-daemon.h SD_* levels) gives each
 * line its priority there. log_*_errno() return the negative errno so that
 * "return log_error_errno(r, ...)" both logs and propagates.
 */
#ifndef __ARENAD_LOG_H
#define __ARENAD_LOG_H

#include <errno.h>
#include <stdio.h>
#include <syslog.h>

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_prefix(int enable);
int log_internal(int level, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(...)	log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)	log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)	log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)	log_internal(LOG_ERR, 0, __VA_ARGS__)

#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)	log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)	log_internal(LOG_DEBUG, (e), __VA_ARGS__)

#endif /* __ARENAD_LOG_H */
