/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run a BPF iterator and collect its output (fixed-size records). */
#ifndef __ARENAD_ITER_H
#define __ARENAD_ITER_H

#include <stddef.h>

/*
 * Read one whole pass of the iterator behind the link link_fd into *buf
 * (malloc'ed, *len bytes, a multiple of rec_size). Returns 0 or a negative
 * errno.
 */
int iter_read(int link_fd, size_t rec_size, void **buf, size_t *len);

#endif /* __ARENAD_ITER_H */
