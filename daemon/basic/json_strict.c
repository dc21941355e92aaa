// SPDX-License-Identifier: LGPL-2.1-or-later
/* Strict JSON parsing of request lines (json_strict.h). Pure: never logs;
 * a refusal's reason goes back to the caller for the reply (log.h). */
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

/*
 * What json-c's JSON_TOKENER_STRICT still lets through: NaN, Infinity and
 * -Infinity (json-c writes them back as is, which is not JSON) and single
 * quoted strings. Outside strings, JSON has only white space, structural
 * characters, numbers and true/false/null, so a whitelist of those
 * characters refuses the rest once the tokener has checked the structure.
 * Integer literals are checked against 64 bits on the way.
 */
/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
size_t utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* json-c's JSON_TOKENER_VALIDATE_UTF8 lets encoded surrogates through. */
static bool utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {	/* requests are mostly ASCII */
			i++;
			continue;
		}
		n = utf8_seq((const unsigned char *)s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

static size_t digits(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && s[j] >= '0' && s[j] <= '9')
		j++;
	return j - i;
}

/* One number at s[*i] by RFC 8259's grammar (json-c takes "1." too):
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number(const char *s, size_t len, size_t *i, bool *big_int)
{
	size_t start = *i, j = *i, n;
	bool integer = true;
	char num[32];

	if (s[j] == '-')
		j++;
	n = digits(s, len, j);
	if (!n || (n > 1 && s[j] == '0'))
		return -1;
	j += n;
	if (j < len && s[j] == '.') {
		n = digits(s, len, ++j);
		if (!n)
			return -1;
		j += n;
		integer = false;
	}
	if (j < len && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		n = digits(s, len, j);
		if (!n)
			return -1;
		j += n;
		integer = false;
	}
	*i = j;
	/* A double keeps its text in json-c; an integer is parsed to 64 bits. */
	if (!integer)
		return 0;
	if (j - start - (s[start] == '-') <= 18)	/* below 10^18: fits either way */
		return 0;
	if (j - start >= sizeof(num)) {
		*big_int = true;
		return 0;
	}
	memcpy(num, s + start, j - start);
	num[j - start] = 0;
	errno = 0;
	if (s[start] == '-')
		(void)strtoll(num, NULL, 10);
	else
		(void)strtoull(num, NULL, 10);
	if (errno == ERANGE)
		*big_int = true;
	return 0;
}

/* What may stand outside strings and numbers: white space, structural
 * characters and the letters of true, false and null. */
static const bool outside_string[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1,
	['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, [':'] = 1, [','] = 1,
	['t'] = 1, ['r'] = 1, ['u'] = 1, ['e'] = 1, ['f'] = 1, ['a'] = 1, ['l'] = 1, ['s'] = 1, ['n'] = 1,
};

static int lex_check(const char *s, size_t len, bool *big_int, char *why, size_t whylen)
{
	size_t i = 0;

	*big_int = false;
	while (i < len) {
		unsigned char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			if (number(s, len, &i, big_int)) {
				snprintf(why, whylen, "malformed number");
				return -EINVAL;
			}
			continue;
		}
		if (!outside_string[c]) {
			snprintf(why, whylen, "%s",
				 c == '\'' ? "single quotes are not JSON" :
				 c == 'N' || c == 'I' ? "non-finite numbers are not JSON" :
				 "unexpected character");
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

/*
 * One tokener and one copy buffer per thread, reused: a request line is
 * short, and allocating the tokener (its stack and print buffer) and the
 * copy for each one costs more than parsing it.
 */
static __thread struct json_tokener *thread_tok;
static __thread char *thread_copy;
static __thread size_t thread_copy_size;

/*
 * json-c wraps every parse in duplocale() of the thread's locale and
 * newlocale(LC_NUMERIC_MASK, "C") on the copy: an allocation, the global
 * locale's lock and a LOCPATH lookup per request line. Given glibc's own C
 * locale object, both hand it back at once. The daemon never calls
 * setlocale(), so its locale is "C" already: a parsing thread switches to
 * the C locale object once, which changes nothing it prints.
 */
static void use_c_locale(void)
{
	locale_t c;

	if (uselocale((locale_t)0) != LC_GLOBAL_LOCALE)
		return;
	c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c)
		uselocale(c);
}

static struct json_tokener *tokener(void)
{
	if (!thread_tok) {
		use_c_locale();
		thread_tok = json_tokener_new();
		/* No JSON_TOKENER_VALIDATE_UTF8: utf8_valid() has checked
		 * the whole line before, surrogates too, which it does not. */
		if (thread_tok)
			json_tokener_set_flags(thread_tok, JSON_TOKENER_STRICT);
	}
	return thread_tok;
}

static char *copy_of(const char *buf, size_t len)
{
	/* Grows to the longest line seen (requests are at most 64 KiB). */
	if (len + 1 > thread_copy_size) {
		char *p = realloc(thread_copy, len + 1);

		if (!p)
			return NULL;
		thread_copy = p;
		thread_copy_size = len + 1;
	}
	memcpy(thread_copy, buf, len);
	thread_copy[len] = 0;
	return thread_copy;
}

int json_strict_parse(const char *buf, size_t len, json_object **out,
		      bool *big_int, char *why, size_t whylen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *o;
	char *copy;

	*out = NULL;
	if (!utf8_valid(buf, len)) {
		snprintf(why, whylen, "invalid UTF-8");
		return -EINVAL;
	}
	tok = tokener();
	if (!tok)
		return -ENOMEM;
	/* Parse a NUL-terminated copy including the NUL: a bare number is
	 * only complete once the tokener sees what ends it, and an embedded
	 * NUL then shows up as trailing data. */
	copy = copy_of(buf, len);
	if (!copy)
		return -ENOMEM;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, copy, len + 1);
	/* json-c returns NULL for a valid "null", so judge by the error code. */
	jerr = json_tokener_get_error(tok);
	/* With the NUL fed, an incomplete text is "unexpected end of data";
	 * json-c before 0.17 stops with "continue" where an allocation failed
	 * (and crashes where it fails to copy a member name: fixed in 0.17). */
	if (jerr == json_tokener_continue
#if JSON_C_VERSION_NUM >= ((0 << 16) | (17 << 8))
	    || jerr == json_tokener_error_memory
#endif
	    ) {
		json_tokener_reset(tok);
		return -ENOMEM;
	}
	if (jerr != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		snprintf(why, whylen, "%s",
			 jerr == json_tokener_success ? "trailing data after the JSON value" :
			 json_tokener_error_desc(jerr));
		json_tokener_reset(tok);
		json_object_put(o);
		return -EINVAL;
	}
	json_tokener_reset(tok);
	if (lex_check(buf, len, big_int, why, whylen)) {
		json_object_put(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s, *end = p + strlen(s);
	size_t n;

	while (p < end) {
		n = utf8_seq(p, end - p);
		if (!n)
			*p++ = '?';
		else
			p += n;
	}
}
