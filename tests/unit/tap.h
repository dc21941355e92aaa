/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal TAP producer for the C unit tests (run by prove). */
#ifndef __ARENAD_TAP_H
#define __ARENAD_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int _ok = !!(cond);	/* evaluate once: cond may have effects */ \
	tap_n++;							\
	if (!_ok)							\
		tap_failed++;						\
	printf("%sok %d - ", _ok ? "" : "not ", tap_n);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!_ok)							\
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
} while (0)

#define is_int(got, want, ...) do {					\
	long long _g = (got), _w = (want);				\
	ok(_g == _w, __VA_ARGS__);					\
	if (_g != _w)							\
		printf("#   got %lld, want %lld\n", _g, _w);		\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *_g = (got), *_w = (want);				\
	int _eq = _g && _w && !strcmp(_g, _w);				\
	ok(_eq, __VA_ARGS__);						\
	if (!_eq)							\
		printf("#   got '%s', want '%s'\n", _g ?: "(null)", _w ?: "(null)"); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* __ARENAD_TAP_H */
