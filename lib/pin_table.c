// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>

#include "arenad.h"
#include "pin_table.h"

const struct libarenad_pin libarenad_pin_table[LIBARENAD_PIN__COUNT] = {
	[LIBARENAD_PIN_STATE]	   = { ARENAD_PIN_STATE,	"arenad_state",	  .ledger = true },
	[LIBARENAD_PIN_LEDGER]	   = { ARENAD_PIN_LEDGER,	"arenad_ledger",  .ledger = true },
	[LIBARENAD_PIN_OWNERS]	   = { ARENAD_PIN_OWNERS,	"arenad_owners",  .ledger = true },
	[LIBARENAD_PIN_STRINGS]	   = { ARENAD_PIN_STRINGS,	"arenad_strings", .ledger = true },
	[LIBARENAD_PIN_NAMES]	   = { ARENAD_PIN_NAMES,	"arenad_names",	  .ledger = true },
	[LIBARENAD_PIN_UIDS]	   = { ARENAD_PIN_UIDS,		"arenad_uids",	  .ledger = true },
	[LIBARENAD_PIN_EVENTS]	   = { ARENAD_PIN_EVENTS,	"arenad_events",  .ledger = true, .optional = true },
	[LIBARENAD_PIN_EVENT_DROPS] = { ARENAD_PIN_EVENT_DROPS,	"arenad_ev_drops", .ledger = true, .optional = true },
	[LIBARENAD_PIN_OBJ_PAGES]  = { ARENAD_PIN_OBJ_PAGES,	"arenad_obj_pages", .ledger = true, .optional = true },
	[LIBARENAD_PIN_OBJS]	   = { ARENAD_PIN_OBJS,		"arenad_objs",	  .ledger = true, .optional = true },
	[LIBARENAD_PIN_OBJ_OWNERS] = { ARENAD_PIN_OBJ_OWNERS,	"arenad_obj_owners", .ledger = true, .optional = true },
	[LIBARENAD_PIN_ALLOC_PROG] = { ARENAD_PIN_ALLOC_PROG,	"arenad_alloc",	  .prog = true },
	[LIBARENAD_PIN_ARENA]	   = { ARENAD_PIN_ARENA,	"arena" },
};

int libarenad_pin_path(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir ?: ARENAD_DEFAULT_PIN_DIR, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
