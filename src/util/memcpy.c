/* SPDX-License-Identifier: Apache-2.0 */
/* memcpy and memmove for x86-64 builds whose libc copies small blocks
 * slowly. musl's memcpy starts every copy with `rep movsq`, whose start-up
 * costs dozens of cycles even for one byte; jansson's lexer copies each
 * character of config.json that way (13000 calls in one `run`, about
 * 1 ms). Here, small copies are a few overlapping loads and stores, and
 * large ones `rep movsb`, which CPUs with ERMS run at full speed.
 *
 * No loops: the compiler must not turn this memcpy into a call to itself. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t __attribute__((may_alias, aligned(1))) u64_unaligned;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32_unaligned;

/* copy n bytes, 8 <= n <= 16, as two words that may overlap */
static inline void copy8_16(unsigned char *d, const unsigned char *s, size_t n)
{
	uint64_t a = *(const u64_unaligned *)s, b = *(const u64_unaligned *)(s + n - 8);
	*(u64_unaligned *)d = a;
	*(u64_unaligned *)(d + n - 8) = b;
}

static inline void copy16(unsigned char *d, const unsigned char *s)
{
	copy8_16(d, s, 16);
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n > 64) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	} else if (n > 32) {
		copy16(d, s);
		copy16(d + 16, s + 16);
		copy16(d + n - 32, s + n - 32);
		copy16(d + n - 16, s + n - 16);
	} else if (n > 16) {
		copy16(d, s);
		copy16(d + n - 16, s + n - 16);
	} else if (n >= 8) {
		copy8_16(d, s, n);
	} else if (n >= 4) {
		uint32_t a = *(const u32_unaligned *)s, b = *(const u32_unaligned *)(s + n - 4);
		*(u32_unaligned *)d = a;
		*(u32_unaligned *)(d + n - 4) = b;
	} else if (n) {
		unsigned char a = s[0], m = s[n / 2], z = s[n - 1];
		d[0] = a;
		d[n / 2] = m;
		d[n - 1] = z;
	}
	return dst;
}

/* musl's memmove calls an internal entry of its memcpy; defining memcpy
 * means defining memmove too */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || !n)
		return dst;
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* d is below s, or past its end: a forward copy is right */
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return dst;
	}
	/* d overlaps the end of s: copy backwards, from the last byte */
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
	return dst;
}
