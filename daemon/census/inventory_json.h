/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The records of arenas as the protocol shows them (`arenas`, `who`,
 * `scan {map_id}`), built on the census worker as json-c trees with the
 * rpc_put() family: a part that could not be built is remembered and the
 * job answers -32603 (rpc.h). inv_list_json() and inv_arena_json() are in
 * inventory.h.
 */
#ifndef __ARENAD_INVENTORY_JSON_H
#define __ARENAD_INVENTORY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "arenad_census.h"
#include "bitmap.h"
#include "inventory.h"

/* The fields that say which arena a record is about, in every record of
 * one (name NULL: left out), and its user address (null when it has none). */
void inv_arena_head_put(json_object *o, __u32 map_id, const char *name, bool managed);
void inv_arena_addr_put(json_object *o, __u64 user_vm_start);
/* `scan {map_id}` of another program's arena: its census as runs. */
json_object *inv_scan_json(const struct arenad_arena_rec *rec, bool managed,
			   const struct page_run *runs, size_t nruns, __u64 duration_us);
/* `who`: what holds the arena; pins_err < 0 when its pins could not be
 * looked for, users_unavailable non-empty when programs and processes
 * could not. */
json_object *inv_who_json(const struct arenad_arena_rec *rec, bool managed,
			  const struct inv_arena *a, int pins_err, const char *users_unavailable);

#endif /* __ARENAD_INVENTORY_JSON_H */
