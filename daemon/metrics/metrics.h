/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's figures as Prometheus text (docs/metrics.md lists them). */
#ifndef __ARENAD_METRICS_H
#define __ARENAD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct arenad;

/*
 * Render every family into *text (malloc'ed, NUL-terminated, *len bytes
 * without the NUL). Reads only what is already known: the state and
 * owners maps and the latest finished census; it never runs a census.
 *
 * own_process adds the process_* families of this process: for the HTTP
 * endpoint, which Prometheus scrapes as arenad itself. The method's text
 * goes through other exporters (node_exporter's textfile collector), whose
 * own process_* families it would collide with.
 */
int metrics_render(struct arenad *d, bool own_process, char **text, size_t *len);

#endif /* __ARENAD_METRICS_H */
