/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Owners of the managed arena, two objects:
 *
 * struct owner_strings: owner and name strings by id (the strings map),
 * the one way an id becomes a string. An id names one string for as long
 * as that string lives and none after (ids carry their slot's
 * generation), so what it caches stays right. Not thread-safe: one object
 * per thread (the loop's is owners_strings(); a worker job makes its own).
 *
 * struct owners: the per-owner table (owners with live pages or a limit
 * of their own, and owners with objects now or before) as a JSON array of
 * {owner, pages, allocations, limit, default, quota_refusals, failures,
 * objects?}, "objects" being the owner's object counters (arenad_abi.h:
 * struct arenad_obj_owner) with fragmentation_bytes, when it has any.
 * Cached: it is rebuilt from the owners map and the object counters only
 * when the ledger generation changed (counters.h), the counters of an
 * owner with objects did, or a few other owners' counters looked at per
 * call show a new one (owners.c), so a `stats` or a scrape with no change
 * in between costs no syscall.
 *
 * Logging: none (log.h).
 */
#ifndef __ARENAD_OWNERS_H
#define __ARENAD_OWNERS_H

#include <json-c/json.h>

#include "arenad.h"
#include "arenad_abi.h"
#include "cleanup.h"

struct owner_strings;
struct owners;

/* slots: how many strings it keeps (direct-mapped on the id: a collision
 * costs a lookup, never a wrong string); 0 keeps none. 0 or -ENOMEM. */
int owner_strings_new(const struct arenad_pins *pins, unsigned int slots,
		      struct owner_strings **ret);
/* Returns NULL, for "s = owner_strings_free(s)". */
struct owner_strings *owner_strings_free(struct owner_strings *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct owner_strings *, owner_strings_free);

/*
 * The string of id in *str, borrowed until the next call on s. Returns
 *   0        found; id 0 (no owner, an anonymous allocation) is "";
 *   -ENOENT  no live string has this id: it was released, so whatever
 *            held it was freed (remembered: the id never comes back);
 *   -errno   the lookup failed (not remembered; the next call tries again).
 * On failure *str is "#ID", for callers that show the id anyway.
 */
int owner_strings_get(struct owner_strings *s, __u32 id, const char **str);

/* The owner table of the arena behind pins (mapped at the first table),
 * with the object counters obj_mem (arena_obj_owners(); NULL: none).
 * 0 or -ENOMEM. */
int owners_new(const struct arenad_pins *pins, const struct arenad_obj_owner *obj_mem,
	       struct owners **ret);
/* Returns NULL, for "o = owners_free(o)". */
struct owners *owners_free(struct owners *o);

/* The table for the state st was read as; borrowed: valid until the next
 * call (json_object_get() it to keep it). NULL when out of memory. */
json_object *owners_table(struct owners *o, const struct arenad_state *st);

/* The same table as JSON text, written once per table: *text (len bytes,
 * not NUL-terminated) is borrowed, valid until the next call. -ENOMEM. */
int owners_text(struct owners *o, const struct arenad_state *st, const char **text, size_t *len);

/* The owners map's ARENAD_MAX_OWNERS entries, mapped read-only (by owner
 * string slot; ARENAD_OWNERS_NONE: no owner), or NULL when it cannot be
 * mapped. Copy an entry before reading it: BPF updates it. */
const struct arenad_owner *owners_entries(struct owners *o);

/* The limit that applies to entry e (its own, else st's default; 0: none);
 * *dflt: it is the default. */
__u64 owners_limit(const struct arenad_owner *e, const struct arenad_state *st, bool *dflt);

/* The sums of the object counters of the owners in the table: the
 * arena's objects (those of owners whose string is gone are not in it). */
struct owners_objects {
	__u64 bytes, objects, pages, allocs, frees, failures, bad_frees, dropped;
};

/* pages held for objects, in bytes, less the bytes of the objects. */
__u64 owners_objects_fragmentation(const struct owners_objects *b);

/* The sums for the table owners_table() or owners_text() gave last (so
 * that they match it); borrowed, valid until the next call. */
const struct owners_objects *owners_objects(const struct owners *o);

/* The loop's owner strings (4096 of them): the table's, and the error
 * replies'. */
struct owner_strings *owners_strings(struct owners *o);

#endif /* __ARENAD_OWNERS_H */
