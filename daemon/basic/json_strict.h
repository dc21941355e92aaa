/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict JSON for requests: RFC 8259 text in valid UTF-8, and nothing that
 * json-c accepts beyond it. Every reply is built from what passed here, so
 * it is valid JSON in valid UTF-8 as well.
 */
#ifndef __ARENAD_JSON_STRICT_H
#define __ARENAD_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/*
 * Parse exactly one JSON value from buf[0..len). 0 with *out set (NULL for
 * a JSON null), or -EINVAL with a reason for a -32700 reply in why, or
 * -ENOMEM. *big_int is set when an integer literal does not fit in 64 bits
 * (json-c saturates it, so its value is not the one sent).
 */
int json_strict_parse(const char *buf, size_t len, json_object **out,
		      bool *big_int, char *why, size_t whylen);

/* Length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates) at s, with avail bytes there, or 0. */
size_t utf8_seq(const unsigned char *s, size_t avail);

/* Replace every byte that is not part of a valid UTF-8 sequence by '?':
 * a message cut at a byte limit must not split a character. */
void utf8_sanitize(char *s);

#endif /* __ARENAD_JSON_STRICT_H */
