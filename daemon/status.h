/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * STATUS= for the service manager: the one-line usage summary, sent at
 * once (status_notify()) or rate-limited after allocs and frees
 * (status_changed()). Each update is a map read, a formatted line and a
 * sendmsg(): a client allocating in a loop would pay that on every
 * request. So the first change after a quiet spell is sent at once, and
 * further ones at most every 100 ms, the last change always included.
 *
 * A NULL object, or one made with notify false (no NOTIFY_SOCKET), sends
 * nothing. Logging: none; a failed update is dropped (the next one says
 * the same).
 */
#ifndef __ARENAD_STATUS_H
#define __ARENAD_STATUS_H

#include <stdbool.h>
#include <systemd/sd-event.h>

struct counters;
struct status;

/* counters (the state map's) must outlive the object. 0 or -ENOMEM. */
int status_new(sd_event *event, const struct counters *counters, bool notify,
	       struct status **ret);
/* Returns NULL, for "s = status_free(s)"; before the event loop goes. */
struct status *status_free(struct status *s);

/* Send the summary now. */
void status_notify(struct status *s);
/* The usage changed: send it now, or within 100 ms. */
void status_changed(struct status *s);

#endif /* __ARENAD_STATUS_H */
