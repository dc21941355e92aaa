/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bpffs pins of every arena this process can see. A pin holds its map
 * as an fd does, so an arena that no program or process uses may still be
 * kept alive by a pin: the inventory lists pins as holders, next to
 * programs and processes (inventory.h).
 */
#ifndef __ARENAD_ARENA_PINS_H
#define __ARENAD_ARENA_PINS_H

#include <stddef.h>
#include <linux/types.h>

struct arena_pin {
	__u32 map_id;
	char *path;
};

/*
 * Walk every BPF file system mounted in this process's mount namespace
 * (/proc/self/mountinfo; a file system mounted twice is walked once) and
 * return the pins of arena maps, sorted by map id then path, in a
 * malloc'ed array. Pins that cannot be opened (permissions, a program or
 * link pin) are skipped. 0 or a negative errno (mountinfo unreadable, out
 * of memory). Does not log: it runs per inventory (log.h).
 */
int arena_pins_find(struct arena_pin **out, size_t *n);
void arena_pins_free(struct arena_pin *pins, size_t n);

#endif /* __ARENAD_ARENA_PINS_H */
