/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-owner table of the managed arena (owners with live pages) as a
 * JSON array of {owner, pages, allocations}, cached: it is rebuilt from the
 * owners map only when the ledger generation changed (counters.h), so a
 * `stats` or a scrape with no allocation in between costs no syscall.
 *
 * Logging: none (log.h).
 */
#ifndef __ARENAD_OWNERS_H
#define __ARENAD_OWNERS_H

#include <json-c/json.h>

#include "arenad_abi.h"

struct arenad;
struct owner_names;

/* The table for the state st was read as; borrowed: valid until the next
 * call (json_object_get() it to keep it). NULL when out of memory. */
json_object *owners_table(struct arenad *d, const struct arenad_state *st);

/* The same table as JSON text, written once per table: *text (len bytes,
 * not NUL-terminated) is borrowed, valid until the next call. -ENOMEM. */
int owners_text(struct arenad *d, const struct arenad_state *st, const char **text, size_t *len);

/* An owner or name string by id; ids with no string are shown as "#ID". */
void owners_id_string(struct arenad *d, __u32 id, char *buf, size_t len);

/* The owner-string cache behind the table; returns NULL, for
 * "d->owner_names = owner_names_free(d->owner_names)". */
struct owner_names *owner_names_free(struct owner_names *c);

#endif /* __ARENAD_OWNERS_H */
