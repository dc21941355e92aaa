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

#include <stdbool.h>
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

/*
 * The writer every result is written with: objects, arrays and members
 * appended to buf with the commas placed for the caller. Its functions
 * return nothing: the first failure sticks in error and makes the rest
 * no-ops, so a result is checked once, when it is complete (an
 * out-of-memory anywhere in it becomes one -32603 reply).
 */
#define JSON_WRITER_DEPTH 31

struct json_writer {
	struct json_buf buf;
	int error;		/* 0, or the first failure (-ENOMEM) */
	unsigned int depth;
	bool after_key;		/* the next value is a member's */
	unsigned int more;	/* bit per depth: a value is already there */
};

void json_w_object(struct json_writer *w);
void json_w_object_end(struct json_writer *w);
void json_w_array(struct json_writer *w);
void json_w_array_end(struct json_writer *w);
/* A member's key: a literal of the protocol (ASCII, no escapes). */
void json_w_key(struct json_writer *w, const char *key);
void json_w_u64(struct json_writer *w, uint64_t v);
void json_w_i64(struct json_writer *w, int64_t v);
void json_w_hex(struct json_writer *w, uint64_t v);	/* "0x..." */
void json_w_bool(struct json_writer *w, bool v);
void json_w_null(struct json_writer *w);
void json_w_str(struct json_writer *w, const char *s);	/* NULL: null */
void json_w_strn(struct json_writer *w, const char *s, size_t len);
void json_w_json(struct json_writer *w, json_object *o);	/* NULL: null */
/* A value that is JSON text already (a cached table). */
void json_w_raw(struct json_writer *w, const char *text, size_t len);
/* Literal text outside the value grammar (a reply's frame). */
void json_w_lit(struct json_writer *w, const char *s, size_t len);

/* key: value in one call, for the usual member. */
#define json_w_member(w, key, type, ...) \
	do { json_w_key(w, key); json_w_##type(w, __VA_ARGS__); } while (0)

static inline void json_writer_done(struct json_writer *w)
{
	free(w->buf.data);
	*w = (struct json_writer) {};
}

#endif /* __ARENAD_JSON_OUT_H */
