/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How the protocol spells values in JSON (docs/protocol.md), for the
 * daemon, libarenad and arenactl-client alike. Internal: libarenad.so
 * does not export these.
 */
#ifndef __ARENAD_PROTO_JSON_H
#define __ARENAD_PROTO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <json-c/json.h>

#include "arenad.h"

/* An address as the protocol writes it: a "0x..." hex string. */
json_object *proto_addr_new(__u64 addr);
/* Parse "0x" followed by 1..16 hex digits and nothing else: 0 or -EINVAL. */
static inline int proto_addr_parse(const char *s, __u64 *addr)
{
	return arenad_parse_addr(s, addr);
}

/* Member k of object o, or 0 / "" / false when it is missing (a JSON
 * null string is "" too). */
__u64 proto_get_u64(json_object *o, const char *k);
const char *proto_get_str(json_object *o, const char *k);
bool proto_get_bool(json_object *o, const char *k);
/* Member k as an address ("0x..."), or 0 when missing or malformed. */
__u64 proto_get_addr(json_object *o, const char *k);
/* Member k copied into buf of len bytes, cut if need be. */
void proto_copy_str(json_object *o, const char *k, char *buf, size_t len);

#endif /* __ARENAD_PROTO_JSON_H */
