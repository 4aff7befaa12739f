/* SPDX-License-Identifier: Apache-2.0 */
/* roci's own allocator (src/util/heap.c) and, on x86-64, its memcpy and
 * memmove (src/util/memcpy.c), tested under other names so that this
 * program keeps its libc's (and runs under ASan). */
#define malloc heap_malloc
#define free heap_free
#define calloc heap_calloc
#define realloc heap_realloc
#define malloc_usable_size heap_usable_size
#define posix_memalign heap_posix_memalign
#define aligned_alloc heap_aligned_alloc
#define memalign heap_memalign
#include "util/heap.c"
#undef malloc
#undef free
#undef calloc
#undef realloc
#undef malloc_usable_size
#undef posix_memalign
#undef aligned_alloc
#undef memalign

#if defined(__x86_64__)
void *own_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *own_memmove(void *dst, const void *src, size_t n);
#define memcpy own_memcpy
#define memmove own_memmove
#include "util/memcpy.c"
#undef memcpy
#undef memmove
#endif

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "tap.h"

static bool aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

static bool all(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool mapped(void *p)
{
	unsigned char v;
	void *page = (void *)((uintptr_t)p & ~(uintptr_t)(HEAP_PAGE - 1));
	return mincore(page, 1, &v) == 0;
}

#define STRESS_SLOTS 512

#if defined(__x86_64__)
/* every length up to 300 bytes, at every alignment of both ends, against
 * a byte loop; the bytes around the destination stay untouched */
static void copies(void)
{
	static unsigned char src[400], dst[400], want[400];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	bool right = true;
	for (size_t n = 0; n <= 300; n++)
		for (size_t so = 0; so < 16; so++)
			for (size_t doff = 0; doff < 16; doff++) {
				memset(dst, 0xee, sizeof(dst));
				memset(want, 0xee, sizeof(want));
				for (size_t i = 0; i < n; i++)
					want[doff + 8 + i] = src[so + i];
				if (own_memcpy(dst + doff + 8, src + so, n) != dst + doff + 8 ||
				    memcmp(dst, want, sizeof(dst)))
					right = false;
			}
	ok(right, "memcpy: every length to 300 at every alignment, nothing outside touched");

	bool fwd = true, back = true;
	for (size_t n = 1; n <= 200; n += 3)
		for (size_t shift = 1; shift < 40; shift += 5) {
			unsigned char buf[300], ref[300];
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = ref[i] = (unsigned char)i;
			/* down: the destination below the source, overlapping */
			for (size_t i = 0; i < n; i++)
				ref[10 + i] = (unsigned char)(10 + shift + i);
			own_memmove(buf + 10, buf + 10 + shift, n);
			if (memcmp(buf, ref, sizeof(buf)))
				fwd = false;
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = ref[i] = (unsigned char)i;
			/* up: the destination over the source's end */
			for (size_t i = 0; i < n; i++)
				ref[10 + shift + i] = (unsigned char)(10 + i);
			own_memmove(buf + 10 + shift, buf + 10, n);
			if (memcmp(buf, ref, sizeof(buf)))
				back = false;
		}
	ok(fwd, "memmove to a lower, overlapping destination");
	ok(back, "memmove to a higher, overlapping destination (copied backwards)");
	unsigned char one[4] = "abc";
	ok(own_memmove(one, one, 3) == one && own_memmove(one + 1, one, 0) == one + 1 && !memcmp(one, "abc", 3),
	   "memmove onto itself and of nothing changes nothing");
	/* the direction flag is clear again: a forward string op after a
	 * backward memmove still goes forward */
	unsigned char a[100], b[100];
	memset(a, 1, sizeof(a));
	own_memmove(a + 1, a, 90);
	memset(b, 0, sizeof(b));
	own_memcpy(b, a, 100);
	ok(!memcmp(a, b, 100), "the direction flag is cleared after a backward copy");
}
#endif

int main(void)
{
	void *z = heap_malloc(0);
	ok(z && aligned(z, 16), "malloc(0) gives a 16-byte aligned block");
	heap_free(z);
	heap_free(NULL);

	bool al = true, usable = true;
	for (size_t n = 1; n <= 200000; n = n * 3 / 2 + 1) {
		unsigned char *p = heap_malloc(n);
		if (!p || !aligned(p, 16))
			al = false;
		if (p && heap_usable_size(p) < n)
			usable = false;
		if (p) {
			memset(p, 0xa5, n);
			heap_free(p);
		}
	}
	ok(al, "every size from 1 byte to 200 KB is 16-byte aligned");
	ok(usable, "malloc_usable_size is at least the size asked for");

	void *a = heap_malloc(100);
	heap_free(a);
	void *b = heap_malloc(90);
	ok(a == b, "a freed block is reused for the same class");

	unsigned char *d = heap_malloc(200);
	memset(d, 0xff, 200);
	heap_free(d);
	unsigned char *c = heap_calloc(1, 200);
	ok(c == d && all(c, 200, 0), "calloc zeroes a reused block");
	heap_free(c);
	heap_free(b);

	volatile size_t huge = SIZE_MAX / 2; /* not a constant the compiler warns about */
	errno = 0;
	ok(!heap_calloc(huge, 3) && errno == ENOMEM, "calloc's overflowing product fails with ENOMEM");
	errno = 0;
	ok(!heap_malloc(huge * 2 - 8) && errno == ENOMEM, "a size near SIZE_MAX fails with ENOMEM");

	/* realloc keeps the contents, through classes and into a mapping */
	unsigned char *r = heap_malloc(10);
	memcpy(r, "0123456789", 10);
	bool kept = true;
	for (size_t n = 20; n <= 300000; n *= 3) {
		r = heap_realloc(r, n);
		if (!r || memcmp(r, "0123456789", 10))
			kept = false;
		if (r)
			memset(r + 10, 'x', n - 10);
	}
	r = heap_realloc(r, 40);
	ok(kept && r && !memcmp(r, "0123456789xxxxxxxxxx", 20), "realloc keeps the contents, up to a mapped block and back");
	void *same = heap_realloc(r, 36);
	ok(same == r, "a small shrink stays in place");
	heap_free(same);

	unsigned char *big = heap_malloc(1 << 20);
	ok(big && aligned(big, 16) && mapped(big), "a 1 MiB block is mapped alone");
	memset(big, 1, 1 << 20);
	heap_free(big);
	ok(!mapped(big), "freeing it unmaps it");

	bool ma = true;
	size_t aligns[] = { 8, 16, 64, 4096, 65536 };
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		void *p = NULL;
		if (heap_posix_memalign(&p, aligns[i], 100) || !aligned(p, aligns[i]))
			ma = false;
		else {
			memset(p, 2, 100);
			heap_free(p);
		}
	}
	ok(ma, "posix_memalign honours alignments from 8 to 64 KiB");
	void *bad = NULL;
	ok(heap_posix_memalign(&bad, 24, 10) == EINVAL && heap_posix_memalign(&bad, 2, 10) == EINVAL,
	   "posix_memalign refuses an alignment that is not a power of two of at least a pointer");
	void *aa = heap_aligned_alloc(256, 1000);
	ok(aa && aligned(aa, 256), "aligned_alloc");
	heap_free(aa);

	/* churn: random sizes, each block filled with its own byte; a
	 * block that overlaps another shows as a wrong byte */
	static unsigned char *slot[STRESS_SLOTS];
	static size_t len[STRESS_SLOTS];
	unsigned seed = 12345;
	bool intact = true;
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned s = (seed >> 8) % STRESS_SLOTS;
		if (slot[s]) {
			if (!all(slot[s], len[s], (unsigned char)s))
				intact = false;
			if (seed & 1) {
				heap_free(slot[s]);
				slot[s] = NULL;
				continue;
			}
		}
		size_t n = (seed >> 12) % ((seed & 2) ? 100 : 100000);
		unsigned char *p = slot[s] ? heap_realloc(slot[s], n) : heap_malloc(n);
		if (!p) {
			intact = false;
			break;
		}
		if (slot[s] && !all(p, n < len[s] ? n : len[s], (unsigned char)s))
			intact = false;
		memset(p, (unsigned char)s, n);
		slot[s] = p;
		len[s] = n;
	}
	for (int s = 0; s < STRESS_SLOTS; s++)
		heap_free(slot[s]);
	ok(intact, "200000 random mallocs, reallocs and frees: no block overlaps another");

	/* a steady load (what a long `events` does) takes no new memory */
	for (int i = 0; i < 64; i++)
		heap_free(heap_malloc((size_t)i * 100));
	char *mark = heap.next;
	for (int i = 0; i < 100000; i++) {
		void *x = heap_malloc((size_t)(i % 64) * 100);
		void *y = heap_calloc(3, 50);
		heap_free(x);
		heap_free(y);
	}
	ok(heap.next == mark, "a steady load reuses freed blocks: the heap does not grow");
#if defined(__x86_64__)
	copies();
#endif
	return tap_done();
}
