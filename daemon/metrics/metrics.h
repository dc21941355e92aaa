/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's figures as Prometheus text (docs/metrics.md lists them). */
#ifndef __ARENAD_METRICS_H
#define __ARENAD_METRICS_H

#include <stddef.h>

struct arenad;

/*
 * Render every family into *text (malloc'ed, NUL-terminated, *len bytes
 * without the NUL). Reads only what is already known: the state and
 * owners maps and the latest finished census; it never runs a census.
 */
int metrics_render(struct arenad *d, char **text, size_t *len);

#endif /* __ARENAD_METRICS_H */
