// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON text of json-c objects (json_out.h). Pure: never logs (log.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "json_strict.h"

int json_buf_reserve(struct json_buf *b, size_t n)
{
	if (b->size - b->len < n) {
		size_t size = b->size ? b->size : 256;
		char *p;

		while (size - b->len < n)
			size *= 2;
		p = realloc(b->data, size);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->size = size;
	}
	return 0;
}

int json_buf_put(struct json_buf *b, const char *s, size_t n)
{
	if (json_buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static int put_str(struct json_buf *b, const char *s)
{
	return json_buf_put(b, s, strlen(s));
}

int json_buf_u64(struct json_buf *b, uint64_t v)
{
	char num[20], *p = num + sizeof(num);

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	return json_buf_put(b, p, num + sizeof(num) - p);
}

int json_buf_i64(struct json_buf *b, int64_t v)
{
	if (v >= 0)
		return json_buf_u64(b, v);
	if (json_buf_put(b, "-", 1) < 0)
		return -ENOMEM;
	return json_buf_u64(b, -(uint64_t)v);
}

int json_buf_hex(struct json_buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char num[20], *p = num + sizeof(num);

	*--p = '"';
	do
		*--p = hex[v & 15];
	while (v >>= 4);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	return json_buf_put(b, p, num + sizeof(num) - p);
}

int json_buf_string(struct json_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char esc[8];
	size_t n;
	int r = json_buf_put(b, "\"", 1);

	while (r >= 0 && p < end) {
		const unsigned char *run = p;

		/* Copy runs of characters that need no escape in one go
		 * (ASCII is checked inline: utf8_seq only for the rest). */
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') {
			n = *p < 0x80 ? 1 : utf8_seq(p, end - p);
			if (!n)
				break;
			p += n;
		}
		if (p > run)
			r = json_buf_put(b, (const char *)run, p - run);
		if (r || p == end)
			break;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\', esc[1] = *p;
			r = json_buf_put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			r = json_buf_put(b, esc, 6);
		} else {
			r = put_str(b, "\xef\xbf\xbd");	/* U+FFFD */
		}
		p++;
	}
	return r < 0 ? r : json_buf_put(b, "\"", 1);
}

static int put_number(struct json_buf *b, json_object *o)
{
	char num[32];
	int64_t v;

	if (json_object_is_type(o, json_type_int)) {
		v = json_object_get_int64(o);
		if (v == INT64_MAX)	/* or above: json-c keeps uint64 apart */
			return json_buf_u64(b, json_object_get_uint64(o));
		return json_buf_i64(b, v);
	}
	/* A parsed double keeps its text (an id comes back as sent). */
	if (json_object_get_userdata(o))
		return put_str(b, json_object_get_userdata(o));
	if (!isfinite(json_object_get_double(o)))
		return put_str(b, "null");
	snprintf(num, sizeof(num), "%.17g", json_object_get_double(o));
	return put_str(b, num);
}

static int put_value(struct json_buf *b, json_object *o)
{
	size_t i, n;
	bool first = true;
	int r;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return put_str(b, "null");
	case json_type_boolean:
		return put_str(b, json_object_get_boolean(o) ? "true" : "false");
	case json_type_int:
	case json_type_double:
		return put_number(b, o);
	case json_type_string:
		return json_buf_string(b, json_object_get_string(o), json_object_get_string_len(o));
	case json_type_array:
		r = json_buf_put(b, "[", 1);
		n = json_object_array_length(o);
		for (i = 0; r >= 0 && i < n; i++) {
			if (i)
				r = json_buf_put(b, ",", 1);
			if (r >= 0)
				r = put_value(b, json_object_array_get_idx(o, i));
		}
		return r < 0 ? r : json_buf_put(b, "]", 1);
	case json_type_object:
		r = json_buf_put(b, "{", 1);
		json_object_object_foreach(o, key, val) {
			if (r >= 0 && !first)
				r = json_buf_put(b, ",", 1);
			first = false;
			if (r >= 0)
				r = json_buf_string(b, key, strlen(key));
			if (r >= 0)
				r = json_buf_put(b, ":", 1);
			if (r >= 0)
				r = put_value(b, val);
		}
		return r < 0 ? r : json_buf_put(b, "}", 1);
	}
	return -EINVAL;
}

int json_out(struct json_buf *b, json_object *o)
{
	size_t len = b->len;
	int r = put_value(b, o);

	if (r < 0)
		b->len = len;
	return r;
}

/* Before a value: the comma that separates it from the one before. */
static bool w_value(struct json_writer *w)
{
	if (w->error)
		return false;
	if (w->after_key) {
		w->after_key = false;
		return true;
	}
	if (w->more & (1u << w->depth)) {
		if (json_buf_put(&w->buf, ",", 1) < 0) {
			w->error = -ENOMEM;
			return false;
		}
	}
	w->more |= 1u << w->depth;
	return true;
}

static void w_put(struct json_writer *w, int r)
{
	if (r < 0 && !w->error)
		w->error = r;
}

static void w_open(struct json_writer *w, const char *c)
{
	if (!w_value(w))
		return;
	if (w->depth == JSON_WRITER_DEPTH) {
		w->error = -E2BIG;
		return;
	}
	w_put(w, json_buf_put(&w->buf, c, 1));
	w->depth++;
	w->more &= ~(1u << w->depth);
}

static void w_close(struct json_writer *w, const char *c)
{
	if (w->error)
		return;
	w->depth--;
	w_put(w, json_buf_put(&w->buf, c, 1));
}

void json_w_object(struct json_writer *w) { w_open(w, "{"); }
void json_w_object_end(struct json_writer *w) { w_close(w, "}"); }
void json_w_array(struct json_writer *w) { w_open(w, "["); }
void json_w_array_end(struct json_writer *w) { w_close(w, "]"); }

void json_w_key(struct json_writer *w, const char *key)
{
	size_t n = strlen(key);

	if (!w_value(w))
		return;
	if (json_buf_reserve(&w->buf, n + 3) < 0) {
		w->error = -ENOMEM;
		return;
	}
	w->buf.data[w->buf.len++] = '"';
	memcpy(w->buf.data + w->buf.len, key, n);
	w->buf.len += n;
	w->buf.data[w->buf.len++] = '"';
	w->buf.data[w->buf.len++] = ':';
	w->after_key = true;
}

void json_w_u64(struct json_writer *w, uint64_t v)
{
	if (w_value(w))
		w_put(w, json_buf_u64(&w->buf, v));
}

void json_w_i64(struct json_writer *w, int64_t v)
{
	if (w_value(w))
		w_put(w, json_buf_i64(&w->buf, v));
}

void json_w_hex(struct json_writer *w, uint64_t v)
{
	if (w_value(w))
		w_put(w, json_buf_hex(&w->buf, v));
}

void json_w_bool(struct json_writer *w, bool v)
{
	if (w_value(w))
		w_put(w, v ? json_buf_lit(&w->buf, "true") : json_buf_lit(&w->buf, "false"));
}

void json_w_null(struct json_writer *w)
{
	if (w_value(w))
		w_put(w, json_buf_lit(&w->buf, "null"));
}

void json_w_strn(struct json_writer *w, const char *s, size_t len)
{
	if (w_value(w))
		w_put(w, json_buf_string(&w->buf, s, len));
}

void json_w_str(struct json_writer *w, const char *s)
{
	if (!s)
		json_w_null(w);
	else
		json_w_strn(w, s, strlen(s));
}

void json_w_json(struct json_writer *w, json_object *o)
{
	if (w_value(w))
		w_put(w, json_out(&w->buf, o));
}

void json_w_raw(struct json_writer *w, const char *text, size_t len)
{
	if (w_value(w))
		w_put(w, json_buf_put(&w->buf, text, len));
}

void json_w_lit(struct json_writer *w, const char *s, size_t len)
{
	if (!w->error)
		w_put(w, json_buf_put(&w->buf, s, len));
}
