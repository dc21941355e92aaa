/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The periodic census: every interval, a census of the managed arena
 * (scanner_submit()) and a new inventory of every arena, for readers of the
 * latest figures (stats, metrics). It logs what changed, not its state
 * every interval: a host with a steady number of unaccounted pages would
 * otherwise repeat one warning forever. A failure is logged once until it
 * changes or the census works again.
 *
 * Logging: logs the census's findings and its own failures (log.h).
 */
#ifndef __ARENAD_CENSUS_TICK_H
#define __ARENAD_CENSUS_TICK_H

#include "cleanup.h"

struct arenad;
struct census_tick;

/* Every interval_s seconds once started; 0: never (census on request
 * only). 0 or -ENOMEM (logged). */
int census_tick_new(struct arenad *d, unsigned int interval_s, struct census_tick **ret);
/* Start the timer, when there is a census with a method; once start-up
 * is done (startup.h). */
void census_tick_start(struct census_tick *t);
/* After d->census_worker is freed (which delivers or cancels its job).
 * Returns NULL. */
struct census_tick *census_tick_free(struct census_tick *t);

#endif /* __ARENAD_CENSUS_TICK_H */
