/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Write a json-c tree as one line of JSON into a growable buffer, checking
 * every allocation. json-c's own serializer (0.16) ignores failed buffer
 * appends and then returns JSON with pieces missing; this writer fails
 * with -ENOMEM instead. Strings that are not valid UTF-8 (names read back
 * from maps that other programs can write) are written with U+FFFD in
 * place of each invalid byte, so every line is valid JSON in UTF-8.
 */
#ifndef __ARENAD_JSON_OUT_H
#define __ARENAD_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <json-c/json.h>

struct json_buf {
	char *data;
	size_t len, size;
};

static inline void json_buf_freep(struct json_buf *b)
{
	free(b->data);
}

int json_buf_put(struct json_buf *b, const char *s, size_t n);
/* Room for n more bytes without another allocation: 0 or -ENOMEM. */
int json_buf_reserve(struct json_buf *b, size_t n);
/* Literal text that needs no escaping, e.g. json_buf_lit(b, "\"key\":"). */
#define json_buf_lit(b, s)	json_buf_put((b), "" s, sizeof(s) - 1)
/* Numbers as json_out() writes them; json_buf_hex writes an address the
 * way the protocol does, as a "0x..." string. */
int json_buf_u64(struct json_buf *b, uint64_t v);
int json_buf_i64(struct json_buf *b, int64_t v);
int json_buf_hex(struct json_buf *b, uint64_t v);
/* A JSON string of len bytes, escaped; invalid UTF-8 becomes U+FFFD. */
int json_buf_string(struct json_buf *b, const char *s, size_t len);
/* Append o (NULL: null) as JSON. On -ENOMEM, b->len is left as it was. */
int json_out(struct json_buf *b, json_object *o);

#endif /* __ARENAD_JSON_OUT_H */
