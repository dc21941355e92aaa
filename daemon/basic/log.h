/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging to stderr with syslog priorities. Under systemd, stderr goes to
 * the journal, and the "<N>" prefix (sd-daemon.h SD_* levels) gives each
 * line its priority there. log_*_errno() return the negative errno so that
 * "return log_error_errno(r, ...)" both logs and propagates.
 *
 * Who logs (so that every failure is logged exactly once):
 *  - Start-up and shutdown steps log their own failures and return -errno;
 *    their callers only propagate: config_parse_args(), pin_dir_prepare(),
 *    arena_setup(), pin_dir_lock(), pin_dir_unpin(), census_new(), server_new(),
 *    http_new(), activation_collect(), the start-up thread (startup.c),
 *    inventory start-up, and everything they call for it, and main.c's
 *    run() steps.
 *  - Everything that runs per request or per connection does NOT log
 *    errors; it returns -errno (or fills a struct rpc_error) and the one
 *    place that turns it into a reply or a dropped client decides:
 *    rpc.c, scanner_submit()'s job, census_run(), census_run_foreign(), the
 *    method handlers' helpers
 *    (methods*.c, metrics.c, owners.c, counters.c, iter.c), conn_*() in
 *    server.c. methods.c's internal_error() logs an unexpected failure
 *    once, where it also becomes the error reply; http.c logs a failed
 *    render where it becomes the 500 reply.
 *  - Pure code never logs: parse_u64(), parse_id(), config_validate(),
 *    bitmap.c, json_out.c, json_strict.c, prom.c, log_format_line(),
 *    libarenad_refusal().
 *  - log_debug() may trace anything anywhere: it reports no failure.
 * Every .c file says at its top which of these it is.
 */
#ifndef __ARENAD_LOG_H
#define __ARENAD_LOG_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_prefix(int enable);
int log_internal(int level, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * One log line, as log_internal() writes it: "<prefix_level>" when that is
 * >= 0, the message, ": strerror(|error|)" when error is not 0, and "\n".
 * Like vsnprintf(): writes at most size bytes (NUL included) and returns
 * the length of the whole line, or -EINVAL/-EOVERFLOW. Pure.
 */
int log_format_line(char *buf, size_t size, int prefix_level, int error,
		    const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

#define log_debug(...)	log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)	log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)	log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)	log_internal(LOG_ERR, 0, __VA_ARGS__)

#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)	log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)	log_internal(LOG_DEBUG, (e), __VA_ARGS__)

#define log_oom()		log_internal(LOG_ERR, -ENOMEM, "out of memory")

#endif /* __ARENAD_LOG_H */
