// SPDX-License-Identifier: LGPL-2.1-or-later
/* Read a BPF iterator's output (iter.h). Never logs: returns -errno (log.h). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "iter.h"
#include "cleanup.h"

#define ITER_CHUNK (64 * 1024)

int iter_read(int link_fd, size_t rec_size, void **buf, size_t *len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *b = NULL;
	size_t cap = ITER_CHUNK, n = 0;
	char *nb;
	ssize_t r;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (cap - n < ITER_CHUNK) {
			nb = realloc(b, cap * 2);
			if (!nb)
				return -ENOMEM;
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)	/* end of the iterator's output */
			break;
		n += r;
	}
	/* Records are written whole; a torn tail would mean a bug. */
	if (n % rec_size)
		return -EPROTO;
	*buf = TAKE_PTR(b);
	*len = n;
	return 0;
}
