/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How the protocol spells values in JSON (docs/protocol.md), for the
 * daemon, libarenad and arenactl-client alike. Internal: libarenad.so
 * does not export these.
 */
#ifndef __ARENAD_PROTO_JSON_H
#define __ARENAD_PROTO_JSON_H

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

/* Member k of object o, or 0 / "" when it is missing. */
__u64 proto_get_u64(json_object *o, const char *k);
const char *proto_get_str(json_object *o, const char *k);

#endif /* __ARENAD_PROTO_JSON_H */
