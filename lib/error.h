/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad-internal: the one way a failure is reported. Every public
 * function that fails goes through here, so arenad_errmsg(), arenad_errcode()
 * and errno always describe the same failure.
 */
#ifndef __LIBARENAD_ERROR_H
#define __LIBARENAD_ERROR_H

/* Record a local failure: err is a negative errno, returned as is. */
int libarenad_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record the daemon's refusal: its JSON-RPC code and message. */
int libarenad_err_daemon(int err, int code, const char *message);

#endif /* __LIBARENAD_ERROR_H */
