/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The part of start-up that READY=1 does not wait for. READY needs the
 * arena, its pins and the socket. Replacing another build's allocator
 * (arena.h), the census self-test and the inventory's programs take
 * several times as long (programs are verified, and each load that reuses
 * the pinned maps parses the kernel's BTF), so the census worker
 * (worker.h) does them after READY, as its first job, and hands the
 * results to the event loop. Until then startup_running() is true, and the
 * methods that need them (scan, arenas, who) ask to retry (rpc_call_retry()): the
 * server keeps such requests and hands them in again once start-up is
 * done, so a client sees them answered a little later, never refused.
 *
 * Logging: both functions log their own failures; what the job loads
 * logs its own decisions (census.h, inventory.h).
 */
#ifndef __ARENAD_STARTUP_H
#define __ARENAD_STARTUP_H

#include <stdbool.h>

#include "cleanup.h"

struct arenad;
struct startup;

/* Runs on the event loop once d->census and d->inventory are set. */
typedef void (*startup_done_t)(struct arenad *d);

/* Start d->census_worker with the loading as its first job. */
int startup_begin(struct arenad *d, startup_done_t done, struct startup **out);
/* Whether start-up is still loading; false for NULL (not begun). */
bool startup_running(const struct startup *s);
/* After d->census_worker is freed (which delivers or cancels the job).
 * Returns NULL. */
struct startup *startup_free(struct startup *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct startup *, startup_free);

#endif /* __ARENAD_STARTUP_H */
