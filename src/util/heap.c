/* SPDX-License-Identifier: Apache-2.0 */
/* roci's own malloc, for builds whose libc allocator is slow for a short
 * process (musl's mallocng maps and unmaps a group for small allocations:
 * 50 mmap/munmap pairs in one `run`, each a fault and a TLB flush).
 *
 * A roci command lives for milliseconds, is single-threaded, and frees
 * little before it exits. So: blocks in power-of-two size classes, carved
 * from chunks of anonymous memory that only grow, and a free list per
 * class for reuse (what `events` needs to stay flat). Blocks above the
 * largest class get their own mapping, unmapped on free.
 *
 * Every block has a 16-byte header with its class (or, for a mapped
 * block, its mapping's length), so pointers stay 16-byte aligned.
 *
 * Not thread-safe: roci has no threads. The children of fork get their own
 * copy of this state; posix_spawn's vfork child does not allocate. */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HEAP_MIN_SHIFT 4 /* 16 bytes */
#define HEAP_MAX_SHIFT 16 /* 64 KiB: larger blocks are mapped alone */
#define HEAP_CLASSES (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_HEADER 16
#define HEAP_PAGE 4096
#define HEAP_FIRST_CHUNK (256 * 1024)
#define HEAP_MAX_CHUNK (8 * 1024 * 1024)
#define HEAP_MAPPED ((size_t)1 << (sizeof(size_t) * 8 - 1))

struct free_block {
	struct free_block *next;
};

/* The allocator's state: it is the process's heap, so it lives for the
 * process, as libc's own does. */
static struct {
	char *next, *end; /* the unused part of the current chunk */
	size_t chunk; /* the size of the next chunk to map */
	struct free_block *free[HEAP_CLASSES];
} heap = { .chunk = HEAP_FIRST_CHUNK };

static size_t *header(void *p)
{
	return (size_t *)((char *)p - HEAP_HEADER);
}

static unsigned class_of(size_t n)
{
	unsigned c = 0;
	size_t cap = (size_t)1 << HEAP_MIN_SHIFT;
	while (cap < n + HEAP_HEADER) {
		cap <<= 1;
		c++;
	}
	return c;
}

static size_t class_size(unsigned c)
{
	return (size_t)1 << (c + HEAP_MIN_SHIFT);
}

static void *map_alone(size_t n, size_t align)
{
	/* the header sits just before the block, at the end of the first
	 * page (or of the first `align` bytes) */
	size_t lead = align > HEAP_HEADER ? align : HEAP_PAGE;
	if (n > SIZE_MAX / 2 - lead - HEAP_PAGE) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = (lead + n + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
	/* over-map by the alignment, then return the unaligned ends */
	size_t extra = align > HEAP_PAGE ? align : 0;
	char *m = mmap(NULL, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *base = m;
	if (extra) {
		base = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
		if (base > m)
			munmap(m, (size_t)(base - m));
		if (m + len + extra > base + len)
			munmap(base + len, (size_t)(m + len + extra - (base + len)));
	}
	char *p = base + lead;
	/* the header keeps the mapping's start through its distance */
	size_t *h = header(p);
	h[0] = HEAP_MAPPED | len;
	h[1] = lead;
	return p;
}

static void *carve(unsigned c)
{
	size_t sz = class_size(c);
	if ((size_t)(heap.end - heap.next) < sz) {
		/* the rest of the old chunk is left unused: it was never
		 * touched, so it costs no memory */
		while (heap.chunk < sz)
			heap.chunk *= 2;
		char *m = mmap(NULL, heap.chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		heap.next = m;
		heap.end = m + heap.chunk;
		if (heap.chunk < HEAP_MAX_CHUNK)
			heap.chunk *= 2;
	}
	char *b = heap.next;
	heap.next += sz;
	return b;
}

/* a block and whether its memory is fresh (zero) from the kernel */
static void *alloc_block(size_t n, int *fresh)
{
	if (n > class_size(HEAP_CLASSES - 1) - HEAP_HEADER) {
		*fresh = 1;
		return map_alone(n, 0);
	}
	unsigned c = class_of(n);
	char *b;
	if (heap.free[c]) {
		b = (char *)heap.free[c];
		heap.free[c] = heap.free[c]->next;
		*fresh = 0;
	} else {
		b = carve(c);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		*fresh = 1;
	}
	*(size_t *)b = c;
	return b + HEAP_HEADER;
}

void *malloc(size_t n)
{
	int fresh;
	return alloc_block(n, &fresh);
}

void free(void *p)
{
	if (!p)
		return;
	size_t *h = header(p);
	if (h[0] & HEAP_MAPPED) {
		munmap((char *)p - h[1], h[0] & ~HEAP_MAPPED);
		return;
	}
	size_t c = h[0]; /* the link overwrites the header */
	struct free_block *b = (struct free_block *)h;
	b->next = heap.free[c];
	heap.free[c] = b;
}

void *calloc(size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	int fresh;
	void *p = alloc_block(n, &fresh);
	if (p && !fresh)
		memset(p, 0, n);
	return p;
}

size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	size_t *h = header(p);
	if (h[0] & HEAP_MAPPED)
		return (h[0] & ~HEAP_MAPPED) - h[1];
	return class_size((unsigned)h[0]) - HEAP_HEADER;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	size_t have = malloc_usable_size(p);
	if (n <= have && (n > have / 2 || have <= 64))
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	free(p);
	return q;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	/* class blocks are 16-byte aligned; larger alignments (rare) get a
	 * mapping of their own */
	void *p = align <= HEAP_HEADER ? malloc(n) : map_alone(n, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	void *p;
	int r = posix_memalign(&p, align, n);
	if (r) {
		errno = r;
		return NULL;
	}
	return p;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}
