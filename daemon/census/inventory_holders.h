/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who holds an arena, for the inventory (inventory.c). */
#ifndef __ARENAD_INVENTORY_HOLDERS_H
#define __ARENAD_INVENTORY_HOLDERS_H

#include <stddef.h>
#include <linux/types.h>

struct arenad_user_rec;
struct arena_pin;
struct inv_arena;

/* Add the programs and processes of arena map_id among the u records, and
 * its pins (pins sorted by map id), to a. 0 or -ENOMEM. */
int inv_holders_of(__u32 map_id, const struct arenad_user_rec *u, size_t nu,
		   const struct arena_pin *pins, size_t np, struct inv_arena *a);

#endif /* __ARENAD_INVENTORY_HOLDERS_H */
