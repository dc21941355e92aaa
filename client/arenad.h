/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad: talk to arenad and use the arena it owns.
 *
 * Two ways in:
 *  - the daemon's control socket (arenad_client_*): JSON-RPC over a Unix
 *    socket, any process the socket's permissions admit;
 *  - the pins (arenad_pins_*): open the pinned maps and run the pinned
 *    allocator program directly, for processes with BPF privileges that
 *    do not want to depend on the daemon being up. Both land in one ledger.
 *
 * All functions return 0 or a negative errno, in the libbpf style.
 */
#ifndef __ARENAD_H
#define __ARENAD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "arenad_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pins ------------------------------------------------------------ */

struct arenad_pins {
	int arena_fd;
	int state_fd;
	int ledger_fd;
	int owners_fd;
	int strings_fd;
	int names_fd;
	int prog_fd;
};

#define ARENAD_PINS_INIT { -1, -1, -1, -1, -1, -1, -1 }

/* Open every pin below pin_dir. -ENOENT when there is no arena pin. */
int arenad_pins_open(const char *pin_dir, struct arenad_pins *pins);
void arenad_pins_close(struct arenad_pins *pins);
/* Number of pins present below pin_dir (0..7), to tell none from some. */
int arenad_pins_count(const char *pin_dir);

int arenad_pins_state(const struct arenad_pins *pins, struct arenad_state *st);
/* Run the allocator program; returns req->ret or a test-run error. */
int arenad_pins_run(const struct arenad_pins *pins, struct arenad_req *req);

/* String ids: stable, hash-derived, shared by all users of the pins. */
int arenad_str_intern(int strings_fd, const char *s, __u32 *id);
int arenad_str_find(int strings_fd, const char *s, __u32 *id);
int arenad_str_get(int strings_fd, __u32 id, char *buf, size_t len);

/* The allocation a name refers to. */
int arenad_name_find(const struct arenad_pins *pins, const char *name,
		     struct arenad_range *r);

/*
 * Allocate or free through the pinned allocator; the owner and name are
 * interned into the string table first. On success *addr is the address.
 */
int arenad_pins_alloc(const struct arenad_pins *pins, __u32 pages,
		      const char *owner, const char *name, __u64 *addr);
int arenad_pins_free(const struct arenad_pins *pins, __u64 addr, __u32 *pages);

#ifdef __cplusplus
}
#endif

#endif /* __ARENAD_H */
