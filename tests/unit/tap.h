/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal TAP producer for unit tests. */
#pragma once
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do { \
	int _c = !!(cond); tap_n++; \
	if (_c) { printf("ok %d - ", tap_n); } \
	else { tap_failed++; printf("not ok %d - ", tap_n); } \
	printf(__VA_ARGS__); printf("\n"); \
	if (!_c) printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
} while (0)

#define is_str(a, b, ...) do { \
	const char *_a = (a), *_b = (b); \
	int _ok = (_a && _b) ? strcmp(_a, _b) == 0 : _a == _b; \
	ok(_ok, __VA_ARGS__); \
	if (!_ok) printf("#   got: '%s'\n#   expected: '%s'\n", _a ? _a : "(null)", _b ? _b : "(null)"); \
} while (0)

#define is_contains(hay, needle, ...) do { \
	const char *_h = (hay), *_nd = (needle); \
	int _ok = _h && _nd && strstr(_h, _nd) != NULL; \
	ok(_ok, __VA_ARGS__); \
	if (!_ok) printf("#   '%s' does not contain '%s'\n", _h ? _h : "(null)", _nd ? _nd : "(null)"); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
