/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the out-of-memory unit tests: malloc, calloc and realloc replaced so
 * that the fail_at-th allocation (counted in n_allocs) fails. Included by
 * one file of a test program only.
 *
 * json-c before 0.17 crashes inside json_tokener_parse_ex() itself when it
 * cannot copy an object's member name (an unchecked strdup, fixed in
 * 0.17), which no caller can prevent: with such a json-c, failures start
 * after the request is parsed (first_failure()).
 */
#ifndef __ARENAD_TEST_FAIL_ALLOC_H
#define __ARENAD_TEST_FAIL_ALLOC_H

#include <stdbool.h>
#include <string.h>
#include <json-c/json.h>

#include "json_strict.h"

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static long fail_at = -1, n_allocs;

static bool fail_now(void)
{
	return fail_at >= 0 && n_allocs++ == fail_at;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t size) { return fail_now() ? NULL : __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

/* The first allocation that may fail while line is handled. */
static long first_failure(const char *line)
{
	long n = 0;
#if JSON_C_VERSION_NUM < ((0 << 16) | (17 << 8))
	json_object *req;
	bool big;
	char why[128];

	n_allocs = 0;
	fail_at = 1L << 40;	/* count only */
	json_strict_parse(line, strlen(line), &req, &big, why, sizeof(why));
	fail_at = -1;
	n = n_allocs;
	json_object_put(req);
#endif
	return n;
}

#endif /* __ARENAD_TEST_FAIL_ALLOC_H */
