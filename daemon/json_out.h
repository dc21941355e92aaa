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
#include <json-c/json.h>

struct json_buf {
	char *data;
	size_t len, size;
};

int json_buf_put(struct json_buf *b, const char *s, size_t n);
/* Append o (NULL: null) as JSON. On -ENOMEM, b->len is left as it was. */
int json_out(struct json_buf *b, json_object *o);

#endif /* __ARENAD_JSON_OUT_H */
