/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad-internal: arenad's pins, the one list of them. The daemon
 * (which creates, adopts and removes them), the pins API and
 * arenad_reuse() all walk this table.
 */
#ifndef __LIBARENAD_PIN_TABLE_H
#define __LIBARENAD_PIN_TABLE_H

#include <stdbool.h>

/* In the order the daemon pins them: the arena last, as its presence is
 * what marks a complete set (and so it is removed first). */
enum libarenad_pin_id {
	LIBARENAD_PIN_STATE,
	LIBARENAD_PIN_LEDGER,
	LIBARENAD_PIN_OWNERS,
	LIBARENAD_PIN_STRINGS,
	LIBARENAD_PIN_NAMES,
	LIBARENAD_PIN_UIDS,
	LIBARENAD_PIN_EVENTS,
	LIBARENAD_PIN_EVENT_DROPS,
	LIBARENAD_PIN_OBJ_PAGES,
	LIBARENAD_PIN_OBJS,
	LIBARENAD_PIN_OBJ_OWNERS,
	LIBARENAD_PIN_ALLOC_PROG,
	LIBARENAD_PIN_ARENA,
	LIBARENAD_PIN__COUNT
};

struct libarenad_pin {
	const char *file;	/* below the pin directory (ARENAD_PIN_*) */
	const char *bpf_name;	/* the map's or program's name in BPF objects */
	bool prog;		/* a program, not a map */
	bool ledger;		/* declared by arenad_ledger.bpf.h */
	/* Newer than the pin sets of the same ABI that older daemons made:
	 * opening or reusing a set tolerates its absence (an object keeps
	 * its own map, unread), and a daemon adopting such a set adds it. */
	bool optional;
};

extern const struct libarenad_pin libarenad_pin_table[LIBARENAD_PIN__COUNT];

#define libarenad_for_each_pin(id) \
	for (id = 0; id < LIBARENAD_PIN__COUNT; id++)

struct arenad_pins;

/* The fd of pin id in pins (owned by pins); -1 for an optional pin that
 * the set lacks. For the daemon, which reads maps the API has no getter
 * for. */
int libarenad_pins_fd(const struct arenad_pins *pins, enum libarenad_pin_id id);

/* Build "<dir>/<file>": 0 or -ENAMETOOLONG. */
int libarenad_pin_path(char *buf, size_t len, const char *dir, const char *file);

#endif /* __LIBARENAD_PIN_TABLE_H */
