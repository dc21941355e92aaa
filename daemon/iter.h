/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run a BPF iterator and collect its output (fixed-size records). */
#ifndef __ARENAD_ITER_H
#define __ARENAD_ITER_H

#include <stddef.h>

struct bpf_link;

/*
 * Read one whole pass of the iterator behind link into *buf (malloc'ed,
 * *len bytes, a multiple of rec_size). Returns 0 or a negative errno.
 */
int iter_read(struct bpf_link *link, size_t rec_size, void **buf, size_t *len);

#endif /* __ARENAD_ITER_H */
